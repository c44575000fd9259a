import type { U64 } from "../bytes.js";
import { fail } from "../errors.js";
import { type AcpiOem, type AcpiTable, beginTable, endTable } from "./header.js";

/** One CPU's GIC CPU interface structure (MADT type 0x0B, ACPI 6.3 layout, 80 bytes). */
export interface MadtGicc {
  cpuInterfaceNumber: number;
  acpiProcessorUid: number;
  mpidr: U64;
  enabled?: boolean;
  /** PMU overflow interrupt GSIV (a PPI, e.g. 23). */
  pmuGsiv?: number;
  pmuEdge?: boolean;
  /** VGIC maintenance interrupt GSIV (a PPI, e.g. 25). */
  vgicMaintenanceGsiv?: number;
  vgicMaintenanceEdge?: boolean;
  /** GICv2 CPU interface / GICV / GICH bases (0 for GICv3 system-register access). */
  gicc?: U64;
  gicv?: U64;
  gich?: U64;
  /** Per-CPU GICR base, when no GICR range structure describes the redistributors. */
  gicr?: U64;
  efficiencyClass?: number;
  speOverflowGsiv?: number;
}

export interface MadtGicd {
  base: U64;
  /** 2, 3 or 4 (0 = discover). */
  version: number;
  gicId?: number;
}

export interface MadtGicr {
  base: U64;
  length: number;
}

export interface MadtIts {
  id: number;
  base: U64;
}

/** GICv2m MSI frame (MADT type 0x0D). */
export interface MadtMsiFrame {
  id: number;
  base: U64;
  /** When given, overrides the frame's MSI_TYPER SPI count/base. */
  spiBase?: number;
  spiCount?: number;
}

export interface MadtOptions {
  oem?: Partial<AcpiOem>;
  giccs: readonly MadtGicc[];
  gicd: MadtGicd;
  gicrs?: readonly MadtGicr[];
  its?: readonly MadtIts[];
  msiFrames?: readonly MadtMsiFrame[];
}

export const MADT_GICC = 0x0b;
export const MADT_GICD = 0x0c;
export const MADT_GIC_MSI_FRAME = 0x0d;
export const MADT_GICR = 0x0e;
export const MADT_GIC_ITS = 0x0f;

/** MADT ("APIC") revision 5 for a GIC system: GICD, GICC per CPU, GICR ranges, ITS, MSI frames. */
export function buildMadt(o: MadtOptions): AcpiTable {
  if (o.giccs.length === 0) fail("E_VALUE", "MADT needs at least one GICC (CPU)");
  const w = beginTable("APIC", 5, o.oem);
  w.u32(0).u32(0); // Local Interrupt Controller Address, Flags (no PC-AT)
  for (const c of o.giccs) {
    w.u8(MADT_GICC).u8(80).u16(0);
    w.u32(c.cpuInterfaceNumber).u32(c.acpiProcessorUid);
    w.u32((c.enabled === false ? 0 : 1) | (c.pmuEdge ? 2 : 0) | (c.vgicMaintenanceEdge ? 4 : 0));
    w.u32(0); // parking protocol version
    w.u32(c.pmuGsiv ?? 0, "PMU GSIV");
    w.u64(0); // parked address
    w.u64(c.gicc ?? 0)
      .u64(c.gicv ?? 0)
      .u64(c.gich ?? 0);
    w.u32(c.vgicMaintenanceGsiv ?? 0, "VGIC maintenance GSIV");
    w.u64(c.gicr ?? 0).u64(c.mpidr, "MPIDR");
    w.u8(c.efficiencyClass ?? 0)
      .u8(0)
      .u16(c.speOverflowGsiv ?? 0);
  }
  w.u8(MADT_GICD)
    .u8(24)
    .u16(0)
    .u32(o.gicd.gicId ?? 0)
    .u64(o.gicd.base)
    .u32(0)
    .u8(o.gicd.version)
    .zeros(3);
  for (const f of o.msiFrames ?? []) {
    const override = f.spiBase !== undefined || f.spiCount !== undefined;
    w.u8(MADT_GIC_MSI_FRAME)
      .u8(24)
      .u16(0)
      .u32(f.id)
      .u64(f.base)
      .u32(override ? 1 : 0);
    w.u16(f.spiCount ?? 0).u16(f.spiBase ?? 0);
  }
  for (const r of o.gicrs ?? []) w.u8(MADT_GICR).u8(16).u16(0).u64(r.base).u32(r.length);
  for (const i of o.its ?? []) w.u8(MADT_GIC_ITS).u8(20).u16(0).u32(i.id).u64(i.base).u32(0);
  return endTable(w);
}
