/**
 * The in-memory device tree: nodes with named properties whose values are raw big-endian bytes,
 * exactly as they sit in a DTB. Typed setters/getters encode and decode the common forms. Device
 * packages describe themselves by adding a child to a parent FdtNode; boards assign phandles.
 */
export class FdtProperty {
  constructor(
    readonly name: string,
    public value: Uint8Array,
  ) {}
}

function u32be(cells: readonly number[]): Uint8Array {
  const out = new Uint8Array(cells.length * 4);
  const v = new DataView(out.buffer);
  cells.forEach((c, i) => {
    v.setUint32(i * 4, c >>> 0, false);
  });
  return out;
}

export class FdtNode {
  readonly properties: FdtProperty[] = [];
  readonly children: FdtNode[] = [];
  constructor(public name: string) {}

  /** Add (and return) a child node, e.g. `root.addChild("uart@9000000")`. */
  addChild(name: string): FdtNode {
    const c = new FdtNode(name);
    this.children.push(c);
    return c;
  }

  child(name: string): FdtNode | undefined {
    return this.children.find((c) => c.name === name);
  }

  property(name: string): FdtProperty | undefined {
    return this.properties.find((p) => p.name === name);
  }

  /** Set (add or replace) a property's raw bytes. */
  setBytes(name: string, value: Uint8Array): this {
    const p = this.property(name);
    if (p) p.value = value;
    else this.properties.push(new FdtProperty(name, value));
    return this;
  }
  setEmpty(name: string): this {
    return this.setBytes(name, new Uint8Array(0));
  }
  setU32(name: string, v: number): this {
    return this.setBytes(name, u32be([v]));
  }
  /** A 64-bit value as two cells (high first). `v` must be a safe integer or a bigint. */
  setU64(name: string, v: number | bigint): this {
    const b = BigInt.asUintN(64, BigInt(v));
    return this.setBytes(name, u32be([Number(b >> 32n), Number(b & 0xffffffffn)]));
  }
  setCells(name: string, cells: readonly number[]): this {
    return this.setBytes(name, u32be(cells));
  }
  setString(name: string, s: string): this {
    return this.setStrings(name, [s]);
  }
  setStrings(name: string, list: readonly string[]): this {
    const enc = new TextEncoder();
    const parts = list.map((s) => enc.encode(s));
    const out = new Uint8Array(parts.reduce((n, p) => n + p.length + 1, 0));
    let o = 0;
    for (const p of parts) {
      out.set(p, o);
      o += p.length + 1;
    }
    return this.setBytes(name, out);
  }
  /** Give this node a phandle (`phandle` property). */
  setPhandle(ph: number): this {
    return this.setU32("phandle", ph);
  }

  // ---- reading typed values (undefined when absent or of the wrong length) ----

  hasProperty(name: string): boolean {
    return this.property(name) !== undefined;
  }
  /** A one-cell property. */
  getU32(name: string): number | undefined {
    const p = this.property(name);
    if (p?.value.length !== 4) return undefined;
    return view(p.value).getUint32(0, false);
  }
  /** A one- or two-cell property as a bigint. */
  getU64(name: string): bigint | undefined {
    const p = this.property(name);
    if (!p) return undefined;
    const v = view(p.value);
    if (p.value.length === 4) return BigInt(v.getUint32(0, false));
    if (p.value.length === 8) return v.getBigUint64(0, false);
    return undefined;
  }
  /** Any property whose length is a multiple of 4, as cells. */
  getCells(name: string): number[] | undefined {
    const p = this.property(name);
    if (!p || p.value.length % 4 !== 0) return undefined;
    const v = view(p.value);
    const out: number[] = [];
    for (let i = 0; i < p.value.length; i += 4) out.push(v.getUint32(i, false));
    return out;
  }
  /** A NUL-terminated string property (the first string of a list). */
  getString(name: string): string | undefined {
    return this.getStrings(name)?.[0];
  }
  /** A string-list property (each string NUL-terminated). */
  getStrings(name: string): string[] | undefined {
    const p = this.property(name);
    if (!p || p.value.length === 0 || p.value[p.value.length - 1] !== 0) return undefined;
    return new TextDecoder().decode(p.value.subarray(0, p.value.length - 1)).split("\0");
  }
  /** The node's `phandle` (or legacy `linux,phandle`), if it has one. */
  get phandle(): number | undefined {
    return this.getU32("phandle") ?? this.getU32("linux,phandle");
  }
  /** The name without its unit address: `uart` for `uart@9000000`. */
  get baseName(): string {
    const at = this.name.indexOf("@");
    return at < 0 ? this.name : this.name.slice(0, at);
  }
  /** The unit address text after `@` (`9000000`), or undefined. */
  get unitAddress(): string | undefined {
    const at = this.name.indexOf("@");
    return at < 0 ? undefined : this.name.slice(at + 1);
  }

  // ---- edits ----

  /** Remove a property; returns whether it existed. */
  removeProperty(name: string): boolean {
    const i = this.properties.findIndex((p) => p.name === name);
    if (i < 0) return false;
    this.properties.splice(i, 1);
    return true;
  }
  /** Remove a child node (exact name, unit address included); returns whether it existed. */
  removeChild(name: string): boolean {
    const i = this.children.findIndex((c) => c.name === name);
    if (i < 0) return false;
    this.children.splice(i, 1);
    return true;
  }
  /** Attach an existing node as the last child and return it. */
  appendChild(node: FdtNode): FdtNode {
    this.children.push(node);
    return node;
  }
  /** Put `node` in place of the child with the same name (or append it) and return it. */
  setChild(node: FdtNode): FdtNode {
    const i = this.children.findIndex((c) => c.name === node.name);
    if (i < 0) this.children.push(node);
    else this.children[i] = node;
    return node;
  }
  /** A deep copy (property bytes copied too). */
  clone(): FdtNode {
    const n = new FdtNode(this.name);
    for (const p of this.properties) n.properties.push(new FdtProperty(p.name, p.value.slice()));
    for (const c of this.children) n.children.push(c.clone());
    return n;
  }
}

function view(b: Uint8Array): DataView {
  return new DataView(b.buffer, b.byteOffset, b.byteLength);
}

/**
 * Structural equality: same names, same properties (order and bytes) and same children (order).
 * Returns undefined when equal, otherwise the path and a short reason (handy in test failures).
 */
export function fdtDifference(a: FdtNode, b: FdtNode, path = "/"): string | undefined {
  if (a.name !== b.name) return `${path}: node name "${a.name}" vs "${b.name}"`;
  if (a.properties.length !== b.properties.length)
    return `${path}: ${a.properties.length} vs ${b.properties.length} properties`;
  for (let i = 0; i < a.properties.length; i++) {
    const pa = a.properties[i]!;
    const pb = b.properties[i]!;
    if (pa.name !== pb.name) return `${path}: property #${i} "${pa.name}" vs "${pb.name}"`;
    if (pa.value.length !== pb.value.length || pa.value.some((x, j) => x !== pb.value[j]))
      return `${path}: property "${pa.name}" bytes differ`;
  }
  if (a.children.length !== b.children.length)
    return `${path}: ${a.children.length} vs ${b.children.length} children`;
  for (let i = 0; i < a.children.length; i++) {
    const ca = a.children[i]!;
    const d = fdtDifference(ca, b.children[i]!, `${path === "/" ? "" : path}/${ca.name}`);
    if (d) return d;
  }
  return undefined;
}
