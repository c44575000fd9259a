import { FdtBuildError } from "./errors.js";
import type { FdtNode } from "./tree.js";

/**
 * An address or size: a number (safe integer) or bigint spread over the needed cells, or the
 * cells themselves (e.g. the 3-cell PCI address `[0x02000000, 0, 0x10000000]`).
 */
export type CellValue = number | bigint | readonly number[];

export interface RegEntry {
  address: CellValue;
  size: CellValue;
}

export interface RangesEntry {
  childAddress: CellValue;
  parentAddress: CellValue;
  size: CellValue;
}

export interface InterruptMapEntry {
  /** The child's unit address (`#address-cells` of the nexus node cells). */
  childAddress: CellValue;
  /** The child's interrupt specifier (`#interrupt-cells` of the nexus node cells). */
  childInterrupt: readonly number[];
  /** The interrupt parent; it must have a phandle and `#interrupt-cells`. */
  parent: FdtNode;
  /** The parent's unit address (`#address-cells` of the parent, 0 when absent). */
  parentAddress?: CellValue;
  /** The parent's interrupt specifier (`#interrupt-cells` of the parent cells). */
  parentInterrupt: readonly number[];
}

/** `#address-cells` of a node; DTSpec v0.4 §2.3.5 default 2 when absent. */
export function addressCells(node: FdtNode): number {
  return node.getU32("#address-cells") ?? 2;
}
/** `#size-cells` of a node; DTSpec v0.4 §2.3.5 default 1 when absent. */
export function sizeCells(node: FdtNode): number {
  return node.getU32("#size-cells") ?? 1;
}

/** Spreads a value over `count` big-endian cells; throws when it does not fit. */
export function toCells(value: CellValue, count: number, what: string): number[] {
  if (typeof value === "object") {
    if (value.length !== count)
      throw new FdtBuildError(`${what}: ${value.length} cells given where ${count} are needed`);
    for (const c of value)
      if (!Number.isInteger(c) || c < 0 || c > 0xffffffff)
        throw new FdtBuildError(`${what}: cell ${c} is not a u32`);
    return [...value];
  }
  if (typeof value === "number" && (!Number.isSafeInteger(value) || value < 0))
    throw new FdtBuildError(`${what}: ${value} is not a non-negative safe integer (use a bigint)`);
  let v = BigInt(value);
  if (v < 0n) throw new FdtBuildError(`${what}: ${value} is negative`);
  const out = new Array<number>(count).fill(0);
  for (let i = count - 1; i >= 0; i--) {
    out[i] = Number(v & 0xffffffffn);
    v >>= 32n;
  }
  if (v !== 0n)
    throw new FdtBuildError(`${what}: 0x${BigInt(value).toString(16)} does not fit in ${count} cell(s)`);
  return out;
}

/** Reads `count` cells starting at `cells[at]` as one bigint. */
export function fromCells(cells: readonly number[], at: number, count: number): bigint {
  let v = 0n;
  for (let i = 0; i < count; i++) v = (v << 32n) | BigInt(cells[at + i] ?? 0);
  return v;
}

/** Cell counts of a parent bus, for building a `reg` before the parent node exists. */
export interface RegCells {
  addressCells: number;
  sizeCells: number;
}

/**
 * Sets `reg` on `node` (§2.3.6), encoded with the parent's `#address-cells`/`#size-cells`, or
 * with explicit counts (`{ addressCells: 2, sizeCells: 2 }`) where the binding fixes them.
 */
export function setReg(node: FdtNode, parent: FdtNode | RegCells, entries: readonly RegEntry[]): FdtNode {
  const ac = "addressCells" in parent ? parent.addressCells : addressCells(parent);
  const sc = "sizeCells" in parent ? parent.sizeCells : sizeCells(parent);
  const cells: number[] = [];
  for (const e of entries) {
    cells.push(...toCells(e.address, ac, `${node.name} reg address`));
    cells.push(...toCells(e.size, sc, `${node.name} reg size`));
  }
  return node.setCells("reg", cells);
}

/** Reads `reg` of `node` with its parent's cell counts; undefined when absent or malformed. */
export function getReg(node: FdtNode, parent: FdtNode): { address: bigint; size: bigint }[] | undefined {
  const cells = node.getCells("reg");
  const ac = addressCells(parent);
  const sc = sizeCells(parent);
  if (!cells || ac + sc === 0 || cells.length % (ac + sc) !== 0) return undefined;
  const out: { address: bigint; size: bigint }[] = [];
  for (let i = 0; i < cells.length; i += ac + sc)
    out.push({ address: fromCells(cells, i, ac), size: fromCells(cells, i + ac, sc) });
  return out;
}

/**
 * Sets `ranges` on a bus node (§2.3.8): child addresses use the node's `#address-cells`,
 * parent addresses the parent's `#address-cells`, sizes the node's `#size-cells`.
 * An empty list writes the empty `ranges;` (identity mapping).
 */
export function setRanges(node: FdtNode, parent: FdtNode, entries: readonly RangesEntry[]): FdtNode {
  if (entries.length === 0) return node.setEmpty("ranges");
  const cac = addressCells(node);
  const pac = addressCells(parent);
  const sc = sizeCells(node);
  const cells: number[] = [];
  for (const e of entries) {
    cells.push(...toCells(e.childAddress, cac, `${node.name} ranges child address`));
    cells.push(...toCells(e.parentAddress, pac, `${node.name} ranges parent address`));
    cells.push(...toCells(e.size, sc, `${node.name} ranges size`));
  }
  return node.setCells("ranges", cells);
}

/**
 * Sets `interrupt-map` (and `interrupt-map-mask` when given) on an interrupt nexus (§2.4.3):
 * each entry is child unit address, child interrupt specifier, parent phandle, parent unit
 * address, parent interrupt specifier, with the cell counts the nodes declare.
 */
export function setInterruptMap(
  nexus: FdtNode,
  entries: readonly InterruptMapEntry[],
  mask?: readonly number[],
): FdtNode {
  const cac = addressCells(nexus);
  const cic = nexus.getU32("#interrupt-cells");
  if (cic === undefined)
    throw new FdtBuildError(`${nexus.name}: set #interrupt-cells on the nexus before its interrupt-map`);
  const cells: number[] = [];
  for (const e of entries) {
    const ph = e.parent.phandle;
    if (ph === undefined)
      throw new FdtBuildError(
        `${nexus.name} interrupt-map: parent ${e.parent.name} has no phandle; call setPhandle`,
      );
    const pic = e.parent.getU32("#interrupt-cells");
    if (pic === undefined)
      throw new FdtBuildError(`${nexus.name} interrupt-map: parent ${e.parent.name} has no #interrupt-cells`);
    const pac = e.parent.getU32("#address-cells") ?? 0;
    cells.push(...toCells(e.childAddress, cac, `${nexus.name} interrupt-map child address`));
    cells.push(...toCells(e.childInterrupt, cic, `${nexus.name} interrupt-map child interrupt`));
    cells.push(ph);
    cells.push(...toCells(e.parentAddress ?? 0, pac, `${nexus.name} interrupt-map parent address`));
    cells.push(...toCells(e.parentInterrupt, pic, `${nexus.name} interrupt-map parent interrupt`));
  }
  nexus.setCells("interrupt-map", cells);
  if (mask)
    nexus.setCells("interrupt-map-mask", toCells(mask, cac + cic, `${nexus.name} interrupt-map-mask`));
  return nexus;
}
