import type { ByteWriter, U64 } from "../bytes.js";
import { fail } from "../errors.js";
import { type AcpiOem, type AcpiTable, beginTable, endTable } from "./header.js";

/** An ID mapping: input IDs [inputBase, inputBase+count) map to [outputBase, ...) of node `output`. */
export interface IortIdMapping {
  inputBase: number;
  /** Number of IDs (the table stores count - 1). */
  count: number;
  outputBase: number;
  /** Name of the target node (an ITS group or SMMUv3 node). */
  output: string;
  single?: boolean;
}

export interface IortItsGroup {
  type: "its";
  name: string;
  itsIds: readonly number[];
}

export interface IortSmmuV3 {
  type: "smmuv3";
  name: string;
  base: U64;
  coherent?: boolean;
  eventGsiv: number;
  priGsiv: number;
  gerrorGsiv: number;
  syncGsiv: number;
  model?: number;
  /** Index into `mappings` of the mapping used for the SMMU's own MSIs, if any. */
  deviceIdMappingIndex?: number;
  mappings?: readonly IortIdMapping[];
}

export interface IortRootComplex {
  type: "rc";
  name: string;
  segment: number;
  coherent?: boolean;
  ats?: boolean;
  /** Memory address size limit in bits (e.g. 48). */
  addressBits?: number;
  mappings: readonly IortIdMapping[];
}

export interface IortNamedComponent {
  type: "nc";
  name: string;
  /** Full namespace path, e.g. `\_SB.DMA0`. */
  objectName: string;
  coherent?: boolean;
  addressBits?: number;
  mappings: readonly IortIdMapping[];
}

export type IortNode = IortItsGroup | IortSmmuV3 | IortRootComplex | IortNamedComponent;

const HDR = 16;
const MAPPING = 20;

function nodeLength(n: IortNode): { fixed: number; mappings: readonly IortIdMapping[] } {
  switch (n.type) {
    case "its":
      return { fixed: HDR + 4 + 4 * n.itsIds.length, mappings: [] };
    case "smmuv3":
      return { fixed: 68, mappings: n.mappings ?? [] };
    case "rc":
      return { fixed: 36, mappings: n.mappings };
    case "nc": {
      const raw = HDR + 4 + 8 + 1 + n.objectName.length + 1;
      // Pad the name to the next 4-byte boundary, with at least one byte: iasl's disassembler
      // rejects a zero-length "Padding" field ("Invalid zero length subtable").
      return { fixed: (raw + 4) & ~3, mappings: n.mappings };
    }
  }
}

function memoryAccess(w: ByteWriter, coherent: boolean): void {
  // cache coherency, allocation hints, reserved, memory access flags (CCA | CPM)
  w.u32(coherent ? 1 : 0)
    .u8(0)
    .u16(0)
    .u8(coherent ? 3 : 0);
}

/** IORT revision 3 (IORT spec E.b): ITS groups, SMMUv3 nodes, root complexes, named components. */
export function buildIort(nodes: readonly IortNode[], oem?: Partial<AcpiOem>): AcpiTable {
  const offsets = new Map<string, number>();
  let at = 48;
  for (const n of nodes) {
    if (offsets.has(n.name)) fail("E_DUPLICATE", `IORT node name "${n.name}" used twice`);
    offsets.set(n.name, at);
    const l = nodeLength(n);
    at += l.fixed + MAPPING * l.mappings.length;
  }
  const w = beginTable("IORT", 3, oem);
  w.u32(nodes.length).u32(48).u32(0);
  nodes.forEach((n, id) => {
    const l = nodeLength(n);
    const len = l.fixed + MAPPING * l.mappings.length;
    const start = w.length;
    const rev = { its: 1, smmuv3: 4, rc: 3, nc: 4 }[n.type];
    const type = { its: 0, nc: 1, rc: 2, smmuv3: 4 }[n.type];
    if (len > 0xffff) fail("E_RANGE", `IORT node "${n.name}" is too long`);
    w.u8(type)
      .u16(len)
      .u8(rev)
      .u32(id)
      .u32(l.mappings.length)
      .u32(l.mappings.length ? l.fixed : 0);
    switch (n.type) {
      case "its":
        w.u32(n.itsIds.length);
        for (const i of n.itsIds) w.u32(i);
        break;
      case "smmuv3":
        w.u64(n.base)
          .u32(n.coherent === false ? 0 : 1)
          .u32(0)
          .u64(0)
          .u32(n.model ?? 0);
        w.u32(n.eventGsiv)
          .u32(n.priGsiv)
          .u32(n.gerrorGsiv)
          .u32(n.syncGsiv)
          .u32(0)
          .u32(n.deviceIdMappingIndex ?? 0);
        break;
      case "rc":
        memoryAccess(w, n.coherent !== false);
        w.u32(n.ats ? 1 : 0)
          .u32(n.segment)
          .u8(n.addressBits ?? 48)
          .zeros(3);
        break;
      case "nc":
        w.u32(0);
        memoryAccess(w, n.coherent !== false);
        w.u8(n.addressBits ?? 48);
        w.ascii(n.objectName, n.objectName.length, "IORT object name").u8(0);
        while (w.length - start < l.fixed) w.u8(0);
        break;
    }
    for (const m of l.mappings) {
      const target = offsets.get(m.output);
      if (target === undefined) fail("E_VALUE", `IORT node "${n.name}" maps to unknown node "${m.output}"`);
      if (m.count < 1) fail("E_VALUE", `IORT mapping of "${n.name}": count must be >= 1`);
      w.u32(m.inputBase)
        .u32(m.count - 1)
        .u32(m.outputBase)
        .u32(target)
        .u32(m.single ? 1 : 0);
    }
    if (w.length - start !== len) fail("E_INTERNAL", `IORT node ${n.type} length`);
  });
  return endTable(w);
}
