/**
 * How an SMMUv3 describes itself to an ACPI guest (`@armature/smmu/acpi`): the IORT nodes (IORT
 * spec E.b: SMMUv3 node, root complex and named component ID mappings) that @armature/acpi's
 * buildIort serializes. This entry point is the only one that needs `@armature/acpi` (an
 * optional peer dependency).
 */
import type { IortIdMapping, IortNamedComponent, IortRootComplex, IortSmmuV3 } from "@armature/acpi";
import { ConfigError } from "@armature/core";

export interface SmmuV3IortOptions {
  name?: string;
  base: number;
  /** GSIVs (GIC INTIDs) of the wired interrupts; 0 = none. */
  eventGsiv: number;
  gerrorGsiv: number;
  syncGsiv: number;
  /**
   * A GSIV for the (absent) PRI queue. Linux ignores the "device ID mapping index" only when all
   * four GSIVs are non-zero (iort_get_id_mapping_index) and otherwise skips that mapping when it
   * translates device IDs; QEMU's virt sets all four for this reason, and so do we.
   */
  priGsiv: number;
  /** The ITS group that MSIs of the devices behind the SMMU reach (StreamID = DeviceID). */
  itsGroup?: string;
  coherent?: boolean;
}

/** The IORT SMMUv3 node: wired interrupts; StreamIDs map 1:1 onto ITS DeviceIDs when an ITS exists. */
export function smmuV3IortNode(o: SmmuV3IortOptions): IortSmmuV3 {
  const mappings: IortIdMapping[] = o.itsGroup
    ? [{ inputBase: 0, count: 0x10000, outputBase: 0, output: o.itsGroup }]
    : [];
  return {
    type: "smmuv3",
    name: o.name ?? "smmuv3",
    base: BigInt(o.base),
    coherent: o.coherent !== false,
    eventGsiv: o.eventGsiv,
    priGsiv: o.priGsiv,
    gerrorGsiv: o.gerrorGsiv,
    syncGsiv: o.syncGsiv,
    mappings,
    deviceIdMappingIndex: 0,
  };
}

/** A root complex whose RIDs map 1:1 onto StreamIDs of the SMMU node `smmu`. */
export function rootComplexIortNode(
  smmu: string,
  o: { name?: string; segment?: number; ridCount?: number; addressBits?: number } = {},
): IortRootComplex {
  return {
    type: "rc",
    name: o.name ?? "rc",
    segment: o.segment ?? 0,
    coherent: true,
    addressBits: o.addressBits ?? 48,
    mappings: [{ inputBase: 0, count: o.ridCount ?? 0x10000, outputBase: 0, output: smmu }],
  };
}

/**
 * An ACPI namespace path in the fully expanded form Linux compares IORT "Device Object Name"s
 * with (acpi_get_name ACPI_FULL_PATHNAME): every segment padded to four characters with "_",
 * e.g. `\_SB.SATA` -> `\_SB_.SATA`. (Linux's iort_match_node_callback uses strcmp.)
 */
export function acpiFullPath(path: string): string {
  const root = path.startsWith("\\") ? "\\" : "";
  const segs = (root ? path.slice(1) : path).split(".").filter((x) => x !== "");
  for (const s of segs)
    if (!/^[A-Z_][A-Z0-9_]{0,3}$/.test(s))
      throw new ConfigError(`"${s}" in ACPI path "${path}" is not a 1-4 character name (A-Z, 0-9, _)`);
  return root + segs.map((s) => s.padEnd(4, "_")).join(".");
}

/**
 * A named component (platform DMA master, e.g. `\_SB.VR00`) with one fixed StreamID. The object
 * name is stored fully expanded (see acpiFullPath), or Linux does not find the device.
 */
export function namedComponentIortNode(
  smmu: string,
  o: { name: string; objectName: string; streamId: number; addressBits?: number },
): IortNamedComponent {
  return {
    type: "nc",
    name: o.name,
    objectName: acpiFullPath(o.objectName),
    coherent: true,
    addressBits: o.addressBits ?? 48,
    mappings: [{ inputBase: 0, count: 1, outputBase: o.streamId, output: smmu, single: true }],
  };
}
