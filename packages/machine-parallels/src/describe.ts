import { type AcpiTableSet, SmbiosBuilder } from "@armature/acpi";
import { type BoardIdentity, describeBoardAcpi } from "@armature/board";
import {
  PARALLELS_MAP,
  type ParallelsBoardOptions,
  type ParallelsConfig,
  parallelsConfig,
} from "./config.js";
import { PARALLELS_PARTS } from "./parts.js";

const MiB = 1024 * 1024;

/** SMBIOS strings of the real Parallels ARM VM (Windows hardware IDs of Parallels ARM guests). */
export const PARALLELS_SMBIOS = {
  manufacturer: "Parallels International GmbH.",
  productName: "Parallels ARM Virtual Machine",
  family: "Parallels VM",
  sku: "Parallels_ARM_VM",
  /** In Parallels' "version (build)" style; the build number names this board's revision. */
  biosVersion: "0.1.0 (10001)",
  biosReleaseDate: "12/04/2026",
} as const;

function identity(c: ParallelsConfig): BoardIdentity {
  return {
    compatible: "parallels,arm-virtual-machine",
    model: PARALLELS_SMBIOS.productName,
    ramBase: PARALLELS_MAP.ramBase,
    ramSize: c.memoryMiB * MiB,
    mpidrs: c.mpidrs,
  };
}

function config(c: ParallelsConfig | ParallelsBoardOptions): ParallelsConfig {
  return "mpidrs" in c ? c : parallelsConfig(c);
}

/**
 * The board's ACPI tables, from its options alone (nothing is built): FADT (hardware-reduced,
 * PSCI over HVC), DSDT (CPUs, SBSA UART, AHCI, EHCI, xHCI, the three virtio-mmio devices), MADT
 * (GICC, GICD, GICR, GICv2m frame), GTDT, SPCR, PPTT, IORT (the SMMUv3 and a named component per
 * DMA master) and DBG2. No MCFG: the board has no PCI.
 */
export function describeParallelsAcpi(c: ParallelsConfig | ParallelsBoardOptions = {}): AcpiTableSet {
  const cfg = config(c);
  return describeBoardAcpi(PARALLELS_PARTS, cfg, identity(cfg));
}

/** The SMBIOS 3 structures (BIOS, system, chassis, baseboard, processor, memory) the firmware publishes. */
export function describeParallelsSmbios(c: ParallelsConfig | ParallelsBoardOptions = {}): SmbiosBuilder {
  const cfg = config(c);
  const ram = cfg.memoryMiB * MiB;
  const s = new SmbiosBuilder();
  const P = PARALLELS_SMBIOS;
  s.addBios({ vendor: P.manufacturer, version: P.biosVersion, releaseDate: P.biosReleaseDate });
  s.addSystem({
    manufacturer: P.manufacturer,
    productName: P.productName,
    version: "0.1",
    serialNumber: cfg.serial,
    uuid: cfg.uuid,
    skuNumber: P.sku,
    family: P.family,
  });
  const chassis = s.addChassis({ manufacturer: P.manufacturer, type: 1, version: "0.1" });
  s.addBaseboard({ manufacturer: P.manufacturer, product: P.productName, version: "0.1", chassis });
  s.addProcessor({
    socket: "CPU 0",
    manufacturer: "Arm",
    version: "Apple M1 (virtual)",
    processorId: cfg.midr,
    maxSpeedMHz: 3200,
    currentSpeedMHz: 3200,
    coreCount: cfg.cpus,
  });
  const array = s.addMemoryArray({ maxCapacity: ram, devices: 1 });
  s.addMemoryDevice({ array, size: ram, locator: "DIMM 0", manufacturer: P.manufacturer });
  s.addMappedAddress({ array, start: PARALLELS_MAP.ramBase, length: ram });
  s.addSystemBoot();
  return s;
}
