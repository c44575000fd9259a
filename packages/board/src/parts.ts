import type { AcpiTable, AmlFragment, Dbg2Device, EcamRegion, IortNode } from "@armature/acpi";
import { type Bus, ConfigError, hex, type MmioDevice } from "@armature/core";
import type { FdtNode } from "@armature/fdt";

/** One guest-physical window a part occupies. */
export interface MmioWindow {
  /** Bus region name (unique on the board). */
  name: string;
  base: number;
  size: number;
  /**
   * "bus" (default): the walker maps the device `attach` returns for it; "self": the part maps
   * it itself (a PCI bridge's ECAM); "reserved": address space the part hands out (BAR windows).
   */
  mapping?: "bus" | "self" | "reserved";
}

/** Phandles the board's fixed nodes carry, for parts to point at. */
export interface DtPhandles {
  /** The interrupt controller. */
  gic: number;
  /** The MSI controller (ITS or GICv2m frame). */
  msi: number;
  /** The APB clock PrimeCells name. */
  clock: number;
  /** An IOMMU (set by an SMMU part placed before the parts it translates for). */
  iommu?: number;
}

/** What a part's `dt` sees: the root node (2 address / 2 size cells) and the board's phandles. */
export interface DtContext {
  readonly root: FdtNode;
  readonly phandles: DtPhandles;
  /** Next free phandle for a part's own nodes. */
  allocPhandle(): number;
}

/**
 * What a part's `acpi` adds to. The board turns it into tables: DSDT from `dsdt`, then MADT and
 * GTDT, then `tables` in order, then MCFG, IORT and DBG2 when non-empty.
 */
export interface AcpiContext {
  readonly dsdt: AmlFragment[];
  readonly tables: AcpiTable[];
  readonly mcfg: EcamRegion[];
  readonly iort: IortNode[];
  readonly dbg2: Dbg2Device[];
  /** The IORT node PCI root complexes send their requester ids to ("its" unless an SMMU part set it). */
  pciMsiOutput: string;
}

/**
 * One entry of a board's table of parts: where it sits, how it is built and wired, how it is
 * described. `B` is the board's build context (bus, interrupt lines, MSI sink, the PCI bridge,
 * console), `C` its resolved configuration. `windows`, `dt` and `acpi` are pure functions of `C`:
 * describing a board builds nothing.
 */
export interface BoardPart<B, C> {
  readonly name: string;
  /** Whether this configuration has the part (default: always). */
  present?(c: C): boolean;
  /** The MMIO windows it occupies (checked for overlap before anything is built). */
  windows?(c: C): readonly MmioWindow[];
  /**
   * Build the model, wire its interrupts / MSIs / DMA through `b`, and return one device per
   * window whose mapping is "bus", in window order (the walker maps them).
   */
  attach?(b: B, c: C): readonly MmioDevice[] | undefined;
  /** Add its device-tree nodes. */
  dt?(d: DtContext, c: C): void;
  /** Add its ACPI content. */
  acpi?(a: AcpiContext, c: C): void;
}

/** The parts present in a configuration, in table order. */
export function presentParts<B, C>(parts: readonly BoardPart<B, C>[], c: C): BoardPart<B, C>[] {
  return parts.filter((p) => p.present?.(c) ?? true);
}

/** Every window of the present parts; overlapping windows throw a ConfigError naming both. */
export function partWindows<B, C>(parts: readonly BoardPart<B, C>[], c: C): MmioWindow[] {
  const all = presentParts(parts, c).flatMap((p) => p.windows?.(c) ?? []);
  const sorted = [...all].sort((a, b) => a.base - b.base);
  for (let i = 1; i < sorted.length; i++) {
    const a = sorted[i - 1]!;
    const b = sorted[i]!;
    if (b.base < a.base + a.size)
      throw new ConfigError(
        `"${b.name}" at ${hex(b.base)} overlaps "${a.name}" [${hex(a.base)}..${hex(a.base + a.size)}): fix the layout`,
      );
  }
  return all;
}

/** Build every present part in table order and map the devices it returns on `bus`. */
export function attachParts<B, C>(parts: readonly BoardPart<B, C>[], b: B, c: C, bus: Bus): void {
  partWindows(parts, c);
  for (const p of presentParts(parts, c)) {
    const devices = p.attach?.(b, c) ?? [];
    const mapped = (p.windows?.(c) ?? []).filter((w) => (w.mapping ?? "bus") === "bus");
    if (devices.length !== mapped.length)
      throw new ConfigError(
        `part "${p.name}" returned ${devices.length} devices for ${mapped.length} windows`,
      );
    mapped.forEach((w, k) => {
      bus.addMmio(w.name, w.base, w.size, devices[k]!);
    });
  }
}

/** Let every present part add its device-tree nodes, in table order. */
export function describePartsDt<B, C>(parts: readonly BoardPart<B, C>[], d: DtContext, c: C): void {
  for (const p of presentParts(parts, c)) p.dt?.(d, c);
}

/** Let every present part add its ACPI content, in table order. */
export function describePartsAcpi<B, C>(parts: readonly BoardPart<B, C>[], a: AcpiContext, c: C): void {
  for (const p of presentParts(parts, c)) p.acpi?.(a, c);
}
