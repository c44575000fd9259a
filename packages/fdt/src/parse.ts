import {
  FDT_BEGIN_NODE,
  FDT_END,
  FDT_END_NODE,
  FDT_HEADER_SIZE,
  FDT_MAGIC,
  FDT_NOP,
  FDT_PROP,
  type FdtDocument,
  type MemReservation,
} from "./dtb.js";
import { FdtParseError } from "./errors.js";
import { nodeNameProblem, propertyNameProblem } from "./names.js";
import { FdtNode, FdtProperty } from "./tree.js";

export interface ParseOptions {
  /**
   * Also apply the tree checks dtc treats as errors (default true): name characters, at most
   * one '@', no duplicate siblings or properties, valid and unique phandles, a `name` property
   * that matches the node. With `false` only the blob's structure is checked.
   */
  strict?: boolean;
  /** Deepest node nesting accepted (default 256). */
  maxDepth?: number;
}

/** What `parseDtb` returns: the document plus the header's version fields. */
export interface ParsedDtb extends FdtDocument {
  version: number;
  lastCompVersion: number;
  /** Bytes covered by the header's totalsize (the buffer may be longer). */
  totalSize: number;
}

const utf8 = new TextDecoder();
/** Longest node or property name read (DTSpec asks for at most 31 characters). */
const MAX_NAME = 1024;

/**
 * Parses a DTB (DTSpec v0.4 chapter 5; layouts of versions 16 and 17). Any malformation throws an
 * FdtParseError and nothing else; every size is checked against the blob before it is used, so
 * neither the time nor the memory spent can exceed a small multiple of the blob's length.
 */
export function parseDtb(blob: Uint8Array, options: ParseOptions = {}): ParsedDtb {
  const strict = options.strict ?? true;
  const maxDepth = options.maxDepth ?? 256;
  const dv = new DataView(blob.buffer, blob.byteOffset, blob.byteLength);
  const fail = (kind: FdtParseError["kind"], at: number, msg: string): never => {
    throw new FdtParseError(kind, at, msg);
  };

  if (blob.length < 4) fail("truncated", 0, `${blob.length} bytes is shorter than the 40-byte header`);
  const magic = dv.getUint32(0);
  if (magic !== FDT_MAGIC)
    fail("bad-magic", 0, `magic is 0x${magic.toString(16).padStart(8, "0")}, not 0xd00dfeed`);
  if (blob.length < FDT_HEADER_SIZE)
    fail("truncated", blob.length, `${blob.length} bytes is shorter than the 40-byte header`);
  const totalSize = dv.getUint32(4);
  const offStruct = dv.getUint32(8);
  const offStrings = dv.getUint32(12);
  const offMemRsv = dv.getUint32(16);
  const version = dv.getUint32(20);
  const lastCompVersion = dv.getUint32(24);
  const bootCpuidPhys = dv.getUint32(28);
  const sizeStrings = dv.getUint32(32);
  const sizeStructField = dv.getUint32(36);

  if (totalSize < FDT_HEADER_SIZE) fail("bad-offset", 4, `totalsize ${totalSize} is smaller than the header`);
  if (totalSize > blob.length)
    fail("truncated", blob.length, `totalsize is ${totalSize} but the blob has only ${blob.length} bytes`);
  if (lastCompVersion > 17 || version < 16)
    fail(
      "bad-version",
      20,
      `version ${version} (last compatible ${lastCompVersion}) is not readable; versions 16 and 17 are`,
    );
  const checkBlock = (field: number, name: string, off: number, size: number, align: number): void => {
    if (off < FDT_HEADER_SIZE && !(size === 0 && name === "strings"))
      fail("overlap", field, `the ${name} block offset 0x${off.toString(16)} lies inside the header`);
    if (off % align !== 0)
      fail(
        "bad-offset",
        field,
        `the ${name} block offset 0x${off.toString(16)} is not ${align}-byte aligned`,
      );
    if (off > totalSize || size > totalSize - off)
      fail(
        "bad-offset",
        field,
        `the ${name} block [0x${off.toString(16)}, +0x${size.toString(16)}) runs past totalsize 0x${totalSize.toString(16)}`,
      );
  };
  checkBlock(16, "memory reservation", offMemRsv, 16, 8);
  checkBlock(12, "strings", offStrings, sizeStrings, 1);
  const hasStructSize = version >= 17;
  checkBlock(8, "structure", offStruct, hasStructSize ? sizeStructField : 4, 4);

  // Memory reservation map: (address, size) pairs up to a (0, 0) entry. Like libfdt and dtc,
  // an entry of size 0 also ends the map.
  const reservations: MemReservation[] = [];
  let p = offMemRsv;
  for (;;) {
    if (p + 16 > totalSize) fail("truncated", p, "the memory reservation map has no (0, 0) terminator");
    const address = dv.getBigUint64(p);
    const size = dv.getBigUint64(p + 8);
    p += 16;
    if (size === 0n) break;
    reservations.push({ address, size });
  }
  const rsvEnd = p;
  if (hasStructSize)
    checkOverlaps(fail, offMemRsv, rsvEnd, offStruct, offStruct + sizeStructField, offStrings, sizeStrings);

  // Structure block.
  const structLimit = hasStructSize ? offStruct + sizeStructField : totalSize;
  const stringsEnd = offStrings + sizeStrings;
  const nameCache = new Map<number, string>();
  p = offStruct;
  const token = (): number => {
    if (p + 4 > structLimit) fail("truncated", p, "the structure block ends before its FDT_END token");
    const t = dv.getUint32(p);
    p += 4;
    return t;
  };
  const nodeName = (): string => {
    const start = p;
    const window = Math.min(structLimit, start + MAX_NAME + 1);
    const nul = blob.subarray(start, window).indexOf(0);
    if (nul < 0 && window < structLimit)
      fail("bad-name", start, `a node name is longer than ${MAX_NAME} bytes`);
    if (nul < 0) fail("unterminated-string", start, "a node name has no NUL inside the structure block");
    p = (start + nul + 1 + 3) & ~3;
    return decode(blob, start, start + nul);
  };

  const first = token();
  if (first !== FDT_BEGIN_NODE)
    fail("bad-token", p - 4, `the structure block starts with 0x${first.toString(16)}, not FDT_BEGIN_NODE`);
  const rootName = nodeName();
  if (rootName !== "") fail("bad-name", offStruct + 4, `the root node is named "${rootName}", not ""`);
  const root = new FdtNode("");
  const stack: FdtNode[] = [root];
  const childNames: Set<string>[] = [new Set()];
  const propNames: Set<string>[] = [new Set()];
  while (stack.length > 0) {
    const at = p;
    const t = token();
    const node = stack[stack.length - 1]!;
    if (t === FDT_PROP) {
      if (p + 8 > structLimit) fail("truncated", at, "a property header runs past the structure block");
      const len = dv.getUint32(p);
      const nameOff = dv.getUint32(p + 4);
      p += 8;
      if (len > structLimit - p)
        fail("truncated", at, `a property of ${len} bytes runs past the structure block`);
      if (nameOff >= sizeStrings)
        fail(
          "bad-offset",
          at + 8,
          `property name offset 0x${nameOff.toString(16)} is past the strings block`,
        );
      let name = nameCache.get(nameOff);
      if (name === undefined) {
        const s = offStrings + nameOff;
        // Names are bounded so that many properties pointing into one huge string stay linear.
        const window = Math.min(stringsEnd, s + MAX_NAME + 1);
        const nul = blob.subarray(s, window).indexOf(0);
        if (nul < 0 && window < stringsEnd)
          fail("bad-name", s, `a property name is longer than ${MAX_NAME} bytes`);
        if (nul < 0) fail("unterminated-string", s, "a property name has no NUL inside the strings block");
        name = decode(blob, s, s + nul);
        nameCache.set(nameOff, name);
      }
      if (strict) {
        const problem = propertyNameProblem(name);
        if (problem) fail("bad-name", at, problem);
        const seen = propNames[propNames.length - 1]!;
        if (seen.has(name)) fail("duplicate", at, `property "${name}" appears twice in one node`);
        seen.add(name);
      }
      node.properties.push(new FdtProperty(name, blob.slice(p, p + len)));
      p = (p + len + 3) & ~3;
    } else if (t === FDT_BEGIN_NODE) {
      if (stack.length >= maxDepth) fail("too-deep", at, `nodes are nested deeper than ${maxDepth}`);
      const name = nodeName();
      if (strict) {
        const problem = nodeNameProblem(name);
        if (problem) fail("bad-name", at + 4, problem);
        const seen = childNames[childNames.length - 1]!;
        if (seen.has(name)) fail("duplicate", at, `two sibling nodes are named "${name}"`);
        seen.add(name);
      }
      const child = new FdtNode(name);
      node.children.push(child);
      stack.push(child);
      childNames.push(new Set());
      propNames.push(new Set());
    } else if (t === FDT_END_NODE) {
      stack.pop();
      childNames.pop();
      propNames.pop();
    } else if (t === FDT_NOP) {
      // ignored inside nodes
    } else if (t === FDT_END) {
      fail("bad-token", at, "FDT_END inside a node (a node is not closed)");
    } else {
      fail("bad-token", at, `unknown token 0x${t.toString(16)}`);
    }
  }
  const endAt = p;
  const last = token();
  if (last !== FDT_END)
    fail("bad-token", endAt, `0x${last.toString(16)} after the root node instead of FDT_END`);

  if (!hasStructSize) checkOverlaps(fail, offMemRsv, rsvEnd, offStruct, p, offStrings, sizeStrings);

  if (strict) checkTree(root, fail);
  return { root, reservations, bootCpuidPhys, version, lastCompVersion, totalSize };
}

/** Blocks must not overlap each other (the header was checked by the caller). */
function checkOverlaps(
  fail: (kind: FdtParseError["kind"], at: number, msg: string) => never,
  offMemRsv: number,
  rsvEnd: number,
  offStruct: number,
  structEnd: number,
  offStrings: number,
  sizeStrings: number,
): void {
  const blocks: [string, number, number][] = [
    ["memory reservation", offMemRsv, rsvEnd],
    ["structure", offStruct, structEnd],
  ];
  if (sizeStrings > 0) blocks.push(["strings", offStrings, offStrings + sizeStrings]);
  for (let i = 0; i < blocks.length; i++)
    for (let j = i + 1; j < blocks.length; j++) {
      const [an, as, ae] = blocks[i]!;
      const [bn, bs, be] = blocks[j]!;
      if (as < be && bs < ae) fail("overlap", Math.max(as, bs), `the ${an} and ${bn} blocks overlap`);
    }
}

function decode(blob: Uint8Array, start: number, end: number): string {
  let ascii = true;
  for (let i = start; i < end; i++)
    if (blob[i]! >= 0x80) {
      ascii = false;
      break;
    }
  if (!ascii) return utf8.decode(blob.subarray(start, end));
  let s = "";
  for (let i = start; i < end; i++) s += String.fromCharCode(blob[i]!);
  return s;
}

/** The phandle and `name` checks dtc treats as errors. */
function checkTree(
  root: FdtNode,
  fail: (kind: FdtParseError["kind"], at: number, msg: string) => never,
): void {
  const owners = new Map<number, string>();
  const walk = (node: FdtNode, path: string): void => {
    let ph: number | undefined;
    for (const key of ["phandle", "linux,phandle"]) {
      const prop = node.property(key);
      if (!prop) continue;
      if (prop.value.length !== 4)
        fail("bad-phandle", 0, `${path}: "${key}" is ${prop.value.length} bytes, not one cell`);
      const v = new DataView(prop.value.buffer, prop.value.byteOffset, 4).getUint32(0);
      if (v === 0 || v === 0xffffffff) fail("bad-phandle", 0, `${path}: "${key}" is 0x${v.toString(16)}`);
      if (ph !== undefined && ph !== v) fail("bad-phandle", 0, `${path}: phandle and linux,phandle differ`);
      ph = v;
    }
    if (ph !== undefined) {
      const other = owners.get(ph);
      if (other !== undefined)
        fail("bad-phandle", 0, `${path}: phandle 0x${ph.toString(16)} is also used by ${other}`);
      owners.set(ph, path);
    }
    const name = node.property("name");
    if (name) {
      const want = new TextEncoder().encode(`${node.baseName}\0`);
      if (name.value.length !== want.length || name.value.some((b, i) => b !== want[i]))
        fail("bad-name", 0, `${path}: the "name" property does not match the node name`);
    }
    for (const c of node.children) walk(c, `${path === "/" ? "" : path}/${c.name}`);
  };
  walk(root, "/");
}
