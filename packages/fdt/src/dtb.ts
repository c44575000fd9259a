import { withRoom } from "@armature/core";
import { FdtBuildError } from "./errors.js";
import { nodeNameProblem, propertyNameProblem } from "./names.js";
import type { FdtNode } from "./tree.js";

// DTSpec v0.4 chapter 5: the flattened devicetree (DTB) format.
export const FDT_MAGIC = 0xd00dfeed;
export const FDT_BEGIN_NODE = 1;
export const FDT_END_NODE = 2;
export const FDT_PROP = 3;
export const FDT_NOP = 4;
export const FDT_END = 9;
export const FDT_HEADER_SIZE = 40;
export const FDT_VERSION = 17;
export const FDT_LAST_COMP_VERSION = 16;

/** One `/memreserve/` entry: a physical range the OS must not use. */
export interface MemReservation {
  address: bigint;
  size: bigint;
}

/** A whole device tree: the root node plus what the DTB header carries. */
export interface FdtDocument {
  root: FdtNode;
  reservations: MemReservation[];
  /** The physical id of the boot CPU (header field `boot_cpuid_phys`). */
  bootCpuidPhys: number;
}

export interface SerializeOptions {
  reservations?: readonly MemReservation[];
  bootCpuidPhys?: number;
  /** Zero bytes appended after the strings block (room for in-place edits), like dtc -p. */
  padding?: number;
}

const enc = new TextEncoder();

/**
 * Writes a DTB v17 (last compatible version 16): header, memory reservation map, structure
 * block, strings block, in that order with no gaps — the layout dtc emits, so the bytes match
 * `dtc -I dts -O dtb` for the same tree. Property names are deduplicated: a name that equals an
 * existing string or the tail of one reuses it. Throws FdtBuildError for an invalid tree.
 */
export function serializeDtb(root: FdtNode, options: SerializeOptions = {}): Uint8Array {
  const reservations = options.reservations ?? [];
  const bootCpuidPhys = options.bootCpuidPhys ?? 0;
  const padding = options.padding ?? 0;
  if (!Number.isInteger(bootCpuidPhys) || bootCpuidPhys < 0 || bootCpuidPhys > 0xffffffff)
    throw new FdtBuildError(`bootCpuidPhys ${bootCpuidPhys} must be a u32`);
  if (!Number.isInteger(padding) || padding < 0) throw new FdtBuildError(`padding ${padding} must be >= 0`);
  for (const r of reservations)
    if (r.address < 0n || r.size < 0n || r.address >= 1n << 64n || r.size >= 1n << 64n)
      throw new FdtBuildError(`memory reservation ${r.address}+${r.size} must fit in 64 bits`);
    else if (r.size === 0n)
      // libfdt and dtc stop reading the map at the first entry of size 0.
      throw new FdtBuildError(`memory reservation at 0x${r.address.toString(16)} has size 0; drop it`);

  const strings = new StringTable();
  const struct = new ByteWriter(1024);
  const stack: { node: FdtNode; path: string }[] = [];
  emitNode(root, "", true);
  struct.u32(FDT_END);

  function emitNode(node: FdtNode, path: string, isRoot: boolean): void {
    if (stack.length > 4096) throw new FdtBuildError(`${path}: the tree is nested deeper than 4096 nodes`);
    if (!isRoot) {
      const problem = nodeNameProblem(node.name);
      if (problem) throw new FdtBuildError(`${path}: ${problem}`);
    } else if (node.name !== "" && node.name !== "/") {
      throw new FdtBuildError(`the root node must be named "" or "/", not "${node.name}"`);
    }
    struct.u32(FDT_BEGIN_NODE);
    struct.cstring(isRoot ? "" : node.name);
    const seen = new Set<string>();
    for (const p of node.properties) {
      const problem = propertyNameProblem(p.name);
      if (problem) throw new FdtBuildError(`${path || "/"}: ${problem}`);
      if (seen.has(p.name))
        throw new FdtBuildError(`${path || "/"}: property "${p.name}" appears twice; remove one`);
      seen.add(p.name);
      struct.u32(FDT_PROP);
      struct.u32(p.value.length);
      struct.u32(strings.offsetOf(p.name));
      struct.bytes(p.value);
      struct.align4();
    }
    const names = new Set<string>();
    stack.push({ node, path });
    for (const c of node.children) {
      const cp = `${path}/${c.name}`;
      if (names.has(c.name))
        throw new FdtBuildError(`${cp}: two sibling nodes are named "${c.name}"; rename or remove one`);
      names.add(c.name);
      emitNode(c, cp, false);
    }
    stack.pop();
    struct.u32(FDT_END_NODE);
  }

  const offMemRsv = FDT_HEADER_SIZE; // already 8-byte aligned
  const rsvSize = (reservations.length + 1) * 16;
  const offStruct = offMemRsv + rsvSize;
  const structSize = struct.length;
  const offStrings = offStruct + structSize;
  const stringsSize = strings.length;
  const total = offStrings + stringsSize + padding;
  const out = new Uint8Array(total);
  const v = new DataView(out.buffer);
  v.setUint32(0, FDT_MAGIC);
  v.setUint32(4, total);
  v.setUint32(8, offStruct);
  v.setUint32(12, offStrings);
  v.setUint32(16, offMemRsv);
  v.setUint32(20, FDT_VERSION);
  v.setUint32(24, FDT_LAST_COMP_VERSION);
  v.setUint32(28, bootCpuidPhys);
  v.setUint32(32, stringsSize);
  v.setUint32(36, structSize);
  reservations.forEach((r, i) => {
    v.setBigUint64(offMemRsv + i * 16, r.address);
    v.setBigUint64(offMemRsv + i * 16 + 8, r.size);
  });
  out.set(struct.view(), offStruct);
  out.set(strings.view(), offStrings);
  return out;
}

/** Serializes an FdtDocument (root + reservations + boot CPU id). */
export function serializeDocument(doc: FdtDocument, padding = 0): Uint8Array {
  return serializeDtb(doc.root, {
    reservations: doc.reservations,
    bootCpuidPhys: doc.bootCpuidPhys,
    padding,
  });
}

class ByteWriter {
  private buf: Uint8Array<ArrayBuffer>;
  private dv: DataView;
  length = 0;
  constructor(initial: number) {
    this.buf = new Uint8Array(initial);
    this.dv = new DataView(this.buf.buffer);
  }
  private room(n: number): void {
    const b = withRoom(this.buf, this.length, n);
    if (b === this.buf) return;
    this.buf = b;
    this.dv = new DataView(b.buffer);
  }
  u32(x: number): void {
    this.room(4);
    this.dv.setUint32(this.length, x >>> 0);
    this.length += 4;
  }
  bytes(b: Uint8Array): void {
    this.room(b.length);
    this.buf.set(b, this.length);
    this.length += b.length;
  }
  cstring(s: string): void {
    this.bytes(enc.encode(s));
    this.room(1);
    this.buf[this.length++] = 0;
    this.align4();
  }
  align4(): void {
    const pad = (4 - (this.length & 3)) & 3;
    this.room(pad);
    for (let i = 0; i < pad; i++) this.buf[this.length++] = 0;
  }
  view(): Uint8Array {
    return this.buf.subarray(0, this.length);
  }
}

/** The strings block: a name equal to an existing string or to a tail of one shares its bytes. */
class StringTable {
  private readonly tails = new Map<string, number>();
  private readonly w = new ByteWriter(256);
  get length(): number {
    return this.w.length;
  }
  offsetOf(name: string): number {
    const hit = this.tails.get(name);
    if (hit !== undefined) return hit;
    const off = this.w.length;
    const b = enc.encode(name);
    this.w.bytes(b);
    this.w.bytes(new Uint8Array(1));
    // Register every tail not already present at a lower offset (names are ASCII: validated).
    for (let i = 0; i <= name.length; i++) {
      const tail = name.slice(i);
      if (!this.tails.has(tail)) this.tails.set(tail, off + i);
    }
    return off;
  }
  view(): Uint8Array {
    return this.w.view();
  }
}
