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
  cells.forEach((c, i) => v.setUint32(i * 4, c >>> 0, false));
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
}
