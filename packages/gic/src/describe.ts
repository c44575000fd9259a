import { ConfigError } from "@armature/core";
import { type FdtNode, setReg } from "@armature/fdt";
import type { Gicv3 } from "./gic.js";
import { GITS_FRAME_SIZE, V2M_FRAME_SIZE } from "./regs.js";

/** Where the board placed the GIC's frames. ITS and GICv2m frames carry their own base. */
export interface GicPlacement {
  /** Base of GICD (64 KiB). */
  distributorBase: number;
  /** Base of each redistributor region, in region order. */
  redistributorBases: readonly number[];
  /**
   * Optional size of each redistributor region as described to the guest (QEMU describes room
   * for more CPUs than it has); default: 128 KiB per CPU of the region.
   */
  redistributorSizes?: readonly number[];
}

export interface GicDtNodes {
  gic: FdtNode;
  its: FdtNode[];
  v2m: FdtNode[];
}

/** GICD: one 64 KiB frame (GICv3 §12.1). */
export const GICD_SIZE = 0x10000;

/**
 * What describing a GIC needs, as plain data: a board describes itself from its layout without
 * building the GIC (`gicShape(gic)` gives the same facts from a built one).
 */
export interface GicShape {
  /** MPIDR of each PE, in CPU-interface order. */
  mpidrs: readonly number[];
  /** Size of each redistributor region as built (128 KiB per PE of the region). */
  redistributorRegionSizes: readonly number[];
  /** Base of each ITS frame. */
  itsBases: readonly number[];
  /** Each GICv2m frame: base, first SPI (INTID) and SPI count. */
  v2mFrames: readonly { base: number; spiBase: number; spiCount: number }[];
}

/** The description facts of a built GIC. */
export function gicShape(gic: Gicv3): GicShape {
  return {
    mpidrs: gic.state.pes.map((pe) => pe.mpidr),
    redistributorRegionSizes: Array.from(
      { length: gic.redistributorRegionCount },
      (_, k) => gic.redistributorRegion(k).size,
    ),
    itsBases: gic.itss.map((i) => i.base),
    v2mFrames: gic.v2mFrames.map((f) => ({ base: f.base, spiBase: f.spiBase, spiCount: f.spiCount })),
  };
}

function shapeOf(gic: Gicv3 | GicShape): GicShape {
  return "itsBases" in gic ? gic : gicShape(gic);
}

function regionSizes(s: GicShape, p: GicPlacement): number[] {
  const count = s.redistributorRegionSizes.length;
  if (p.redistributorBases.length !== count) {
    throw new ConfigError(
      `GIC placement: ${p.redistributorBases.length} redistributor bases given for ${count} regions`,
    );
  }
  return p.redistributorBases.map((_, k) => p.redistributorSizes?.[k] ?? s.redistributorRegionSizes[k]!);
}

/**
 * Describe the GIC in a device tree (Linux binding "arm,gic-v3"): a node under `parent` with
 * its GICD and redistributor regions, and one child per ITS ("arm,gic-v3-its") or GICv2m
 * frame ("arm,gic-v2m-frame"). Phandles, when given, let the board point interrupt-parent /
 * msi-parent / msi-map at them. Children use 2 address and 2 size cells.
 */
export function describeGicDt(
  gic: Gicv3 | GicShape,
  parent: FdtNode,
  p: GicPlacement,
  phandles: { gic?: number; its?: readonly number[]; v2m?: readonly number[] } = {},
): GicDtNodes {
  const s = shapeOf(gic);
  const sizes = regionSizes(s, p);
  const node = parent.addChild(`intc@${p.distributorBase.toString(16)}`);
  node.setString("compatible", "arm,gic-v3");
  node.setU32("#interrupt-cells", 3);
  node.setEmpty("interrupt-controller");
  node.setU32("#address-cells", 2);
  node.setU32("#size-cells", 2);
  node.setEmpty("ranges");
  setReg(node, { addressCells: 2, sizeCells: 2 }, [
    { address: p.distributorBase, size: GICD_SIZE },
    ...p.redistributorBases.map((b, k) => ({ address: b, size: sizes[k]! })),
  ]);
  if (p.redistributorBases.length > 1) node.setU32("#redistributor-regions", p.redistributorBases.length);
  if (phandles.gic !== undefined) node.setPhandle(phandles.gic);
  const its = s.itsBases.map((base, k) => {
    const c = node.addChild(`its@${base.toString(16)}`);
    c.setString("compatible", "arm,gic-v3-its");
    c.setEmpty("msi-controller");
    c.setU32("#msi-cells", 1);
    setReg(c, node, [{ address: base, size: GITS_FRAME_SIZE }]);
    const ph = phandles.its?.[k];
    if (ph !== undefined) c.setPhandle(ph);
    return c;
  });
  const v2m = s.v2mFrames.map((f, k) => {
    const c = node.addChild(`v2m@${f.base.toString(16)}`);
    c.setString("compatible", "arm,gic-v2m-frame");
    c.setEmpty("msi-controller");
    setReg(c, node, [{ address: f.base, size: V2M_FRAME_SIZE }]);
    const ph = phandles.v2m?.[k];
    if (ph !== undefined) c.setPhandle(ph);
    return c;
  });
  return { gic: node, its, v2m };
}

// ---- ACPI MADT (ACPI 6.5, 5.2.12.14-5.2.12.18) as plain data ----

/** GIC CPU Interface (GICC) structure, type 0x0B. */
export interface MadtGicc {
  type: 0x0b;
  cpuInterfaceNumber: number;
  acpiProcessorUid: number;
  /** Bit 0: Enabled; bit 1: performance interrupt edge-triggered; bit 2: VGIC maintenance edge. */
  flags: number;
  parkingProtocolVersion: number;
  performanceInterruptGsiv: number;
  parkedAddress: number;
  /** GICv2 CPU interface base: 0 with the System-register interface. */
  physicalBaseAddress: number;
  gicvBaseAddress: number;
  gichBaseAddress: number;
  vgicMaintenanceInterrupt: number;
  /** 0 when a GICR structure describes the redistributors. */
  gicrBaseAddress: number;
  mpidr: number;
  processorPowerEfficiencyClass: number;
  speOverflowInterrupt: number;
}

/** GIC Distributor (GICD) structure, type 0x0C. */
export interface MadtGicd {
  type: 0x0c;
  gicId: number;
  physicalBaseAddress: number;
  systemVectorBase: number;
  /** 3 = GICv3. */
  gicVersion: number;
}

/** GIC Redistributor (GICR) structure, type 0x0E. */
export interface MadtGicr {
  type: 0x0e;
  discoveryRangeBaseAddress: number;
  discoveryRangeLength: number;
}

/** GIC Interrupt Translation Service (ITS) structure, type 0x0F. */
export interface MadtGicIts {
  type: 0x0f;
  gicItsId: number;
  physicalBaseAddress: number;
}

/** GIC MSI Frame structure, type 0x0D. */
export interface MadtGicMsiFrame {
  type: 0x0d;
  gicMsiFrameId: number;
  physicalBaseAddress: number;
  /** Bit 0 (SPI Count/Base Select): 1 = use spiCount/spiBase below instead of MSI_TYPER. */
  flags: number;
  spiCount: number;
  spiBase: number;
}

export type MadtGicStructure = MadtGicc | MadtGicd | MadtGicr | MadtGicIts | MadtGicMsiFrame;

export interface MadtOptions {
  /** PMU overflow interrupt GSIV (a PPI INTID, e.g. 23), 0 for none. */
  performanceInterruptGsiv?: number;
  /** Virtual GIC maintenance interrupt GSIV (e.g. 25), 0 for none. */
  vgicMaintenanceInterrupt?: number;
}

/**
 * The MADT interrupt-controller structures of this GIC, in the order Linux expects them:
 * GICD, one GICC per CPU (MPIDR and GSIVs), GICR ranges, ITSs, MSI frames.
 */
export function gicMadtStructures(
  gic: Gicv3 | GicShape,
  p: GicPlacement,
  o: MadtOptions = {},
): MadtGicStructure[] {
  const s = shapeOf(gic);
  const sizes = regionSizes(s, p);
  const out: MadtGicStructure[] = [
    { type: 0x0c, gicId: 0, physicalBaseAddress: p.distributorBase, systemVectorBase: 0, gicVersion: 3 },
  ];
  s.mpidrs.forEach((mpidr, i) => {
    out.push({
      type: 0x0b,
      cpuInterfaceNumber: i,
      acpiProcessorUid: i,
      flags: 1,
      parkingProtocolVersion: 0,
      performanceInterruptGsiv: o.performanceInterruptGsiv ?? 0,
      parkedAddress: 0,
      physicalBaseAddress: 0,
      gicvBaseAddress: 0,
      gichBaseAddress: 0,
      vgicMaintenanceInterrupt: o.vgicMaintenanceInterrupt ?? 0,
      gicrBaseAddress: 0,
      mpidr,
      processorPowerEfficiencyClass: 0,
      speOverflowInterrupt: 0,
    });
  });
  p.redistributorBases.forEach((b, k) => {
    out.push({ type: 0x0e, discoveryRangeBaseAddress: b, discoveryRangeLength: sizes[k]! });
  });
  s.itsBases.forEach((base, k) => {
    out.push({ type: 0x0f, gicItsId: k, physicalBaseAddress: base });
  });
  s.v2mFrames.forEach((f, k) => {
    out.push({
      type: 0x0d,
      gicMsiFrameId: k,
      physicalBaseAddress: f.base,
      flags: 1,
      spiCount: f.spiCount,
      spiBase: f.spiBase,
    });
  });
  return out;
}

/** Encode one MADT structure as the bytes the ACPI spec lays out (little-endian). */
export function encodeMadtStructure(s: MadtGicStructure): Uint8Array {
  const len = { 11: 80, 12: 24, 13: 24, 14: 16, 15: 20 }[s.type];
  const b = new Uint8Array(len);
  const v = new DataView(b.buffer);
  const u64 = (o: number, x: number) => {
    v.setUint32(o, x >>> 0, true);
    v.setUint32(o + 4, Math.floor(x / 2 ** 32) >>> 0, true);
  };
  b[0] = s.type;
  b[1] = len;
  switch (s.type) {
    case 0x0b:
      v.setUint32(4, s.cpuInterfaceNumber, true);
      v.setUint32(8, s.acpiProcessorUid, true);
      v.setUint32(12, s.flags, true);
      v.setUint32(16, s.parkingProtocolVersion, true);
      v.setUint32(20, s.performanceInterruptGsiv, true);
      u64(24, s.parkedAddress);
      u64(32, s.physicalBaseAddress);
      u64(40, s.gicvBaseAddress);
      u64(48, s.gichBaseAddress);
      v.setUint32(56, s.vgicMaintenanceInterrupt, true);
      u64(60, s.gicrBaseAddress);
      u64(68, s.mpidr);
      b[76] = s.processorPowerEfficiencyClass;
      v.setUint16(78, s.speOverflowInterrupt, true);
      break;
    case 0x0c:
      v.setUint32(4, s.gicId, true);
      u64(8, s.physicalBaseAddress);
      v.setUint32(16, s.systemVectorBase, true);
      b[20] = s.gicVersion;
      break;
    case 0x0d:
      v.setUint32(4, s.gicMsiFrameId, true);
      u64(8, s.physicalBaseAddress);
      v.setUint32(16, s.flags, true);
      v.setUint16(20, s.spiCount, true);
      v.setUint16(22, s.spiBase, true);
      break;
    case 0x0e:
      u64(4, s.discoveryRangeBaseAddress);
      v.setUint32(12, s.discoveryRangeLength, true);
      break;
    case 0x0f:
      v.setUint32(4, s.gicItsId, true);
      u64(8, s.physicalBaseAddress);
      break;
  }
  return b;
}

// ---- the same facts in the input shape of @armature/acpi's buildMadt() ----

/** Structurally the `MadtOptions` of @armature/acpi (without `oem`): pass it to buildMadt(). */
export interface AcpiMadtInput {
  giccs: {
    cpuInterfaceNumber: number;
    acpiProcessorUid: number;
    mpidr: number;
    enabled: boolean;
    pmuGsiv: number;
    vgicMaintenanceGsiv: number;
  }[];
  gicd: { base: number; version: number; gicId: number };
  gicrs: { base: number; length: number }[];
  its: { id: number; base: number }[];
  msiFrames: { id: number; base: number; spiBase: number; spiCount: number }[];
}

/** This GIC's MADT content for @armature/acpi: `buildMadt({ ...gicAcpiMadtInput(gic, p), oem })`. */
export function gicAcpiMadtInput(gic: Gicv3 | GicShape, p: GicPlacement, o: MadtOptions = {}): AcpiMadtInput {
  const out: AcpiMadtInput = {
    giccs: [],
    gicd: { base: 0, version: 3, gicId: 0 },
    gicrs: [],
    its: [],
    msiFrames: [],
  };
  for (const s of gicMadtStructures(gic, p, o)) {
    switch (s.type) {
      case 0x0b:
        out.giccs.push({
          cpuInterfaceNumber: s.cpuInterfaceNumber,
          acpiProcessorUid: s.acpiProcessorUid,
          mpidr: s.mpidr,
          enabled: true,
          pmuGsiv: s.performanceInterruptGsiv,
          vgicMaintenanceGsiv: s.vgicMaintenanceInterrupt,
        });
        break;
      case 0x0c:
        out.gicd = { base: s.physicalBaseAddress, version: s.gicVersion, gicId: s.gicId };
        break;
      case 0x0e:
        out.gicrs.push({ base: s.discoveryRangeBaseAddress, length: s.discoveryRangeLength });
        break;
      case 0x0f:
        out.its.push({ id: s.gicItsId, base: s.physicalBaseAddress });
        break;
      case 0x0d:
        out.msiFrames.push({
          id: s.gicMsiFrameId,
          base: s.physicalBaseAddress,
          spiBase: s.spiBase,
          spiCount: s.spiCount,
        });
        break;
    }
  }
  return out;
}

/**
 * The 3-cell `interrupts` specifier of the arm,gic-v3 binding for an INTID: <0 SPI-32 flags>
 * for SPIs, <1 PPI-16 flags> for PPIs; flags 1 = edge rising, 4 = level high (no CPU mask on
 * GICv3). In ACPI the same interrupt's GSIV is the INTID itself.
 */
export function gicDtInterrupt(intid: number, trigger: "edge" | "level"): [number, number, number] {
  const flags = trigger === "edge" ? 1 : 4;
  if (intid >= 32 && intid < 1020) return [0, intid - 32, flags];
  if (intid >= 16 && intid < 32) return [1, intid - 16, flags];
  throw new ConfigError(`gicDtInterrupt: INTID ${intid} is neither a PPI (16-31) nor an SPI (32-1019)`);
}
