import { type AcpiTableSet, SmbiosBuilder } from "@armature/acpi";
import { type BoardIdentity, describeBoardAcpi, describeBoardDt } from "@armature/board";
import type { FdtNode } from "@armature/fdt";
import { type VirtBoardOptions, type VirtConfig, virtConfig } from "./config.js";
import { VIRT_PARTS, type VirtPart } from "./parts.js";

const MiB = 1024 * 1024;

function identity(c: VirtConfig): BoardIdentity {
  return {
    compatible: "linux,dummy-virt",
    model: `armature,virt-${c.layout.name}`,
    ramBase: c.layout.ramBase,
    ramSize: c.memoryMiB * MiB,
    mpidrs: c.mpidrs,
  };
}

function config(c: VirtConfig | VirtBoardOptions): VirtConfig {
  return "mpidrs" in c ? c : virtConfig(c);
}

/**
 * The virt board's device tree (the kernel's, before the loader fills /chosen), from its options
 * alone: no CPU, device model or kernel is built.
 */
export function describeVirtDt(
  c: VirtConfig | VirtBoardOptions = {},
  parts: readonly VirtPart[] = [],
): FdtNode {
  const cfg = config(c);
  return describeBoardDt([...VIRT_PARTS, ...parts], cfg, identity(cfg));
}

/** The virt board's ACPI tables (FADT, DSDT, MADT, GTDT, SPCR, MCFG, IORT, DBG2), from its options alone. */
export function describeVirtAcpi(
  c: VirtConfig | VirtBoardOptions = {},
  parts: readonly VirtPart[] = [],
): AcpiTableSet {
  const cfg = config(c);
  return describeBoardAcpi([...VIRT_PARTS, ...parts], cfg, identity(cfg));
}

/**
 * The SMBIOS 3 structures the firmware publishes for the virt board (system, chassis, processor,
 * memory; the firmware adds its own BIOS information).
 */
export function describeVirtSmbios(c: VirtConfig | VirtBoardOptions = {}): SmbiosBuilder {
  const cfg = config(c);
  const ram = cfg.memoryMiB * MiB;
  const s = new SmbiosBuilder();
  const version = `virt-${cfg.layout.name}`;
  s.addSystem({ manufacturer: "Armature", productName: "Armature virt", version, family: "Armature" });
  s.addChassis({ manufacturer: "Armature", type: 1, version });
  s.addProcessor({
    socket: "CPU 0",
    manufacturer: "Armature",
    version: "AArch64 (interpreted)",
    coreCount: cfg.cpus,
  });
  const array = s.addMemoryArray({ maxCapacity: ram, devices: 1 });
  s.addMemoryDevice({ array, size: ram, locator: "DIMM 0", manufacturer: "Armature" });
  s.addMappedAddress({ array, start: cfg.layout.ramBase, length: ram });
  s.addSystemBoot();
  return s;
}
