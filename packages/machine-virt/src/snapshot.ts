import { readBoardSnapshot } from "@armature/board";
import { type BlockBackend, FileBlockBackend, SnapshotError, StateReader } from "@armature/core";
import {
  CORTEX_A72_MODEL,
  type CpuEngine,
  type JitOptions,
  M1_MODEL,
  M1_QARMA5_MODEL,
} from "@armature/cpu-aarch64";
import type { VirtAttachments } from "./config.js";
import { type ConsoleSink, VirtMachine } from "./machine.js";

/** The board name a virt snapshot's header carries. */
export const VIRT_SNAPSHOT_BOARD = "machine-virt";

/**
 * What a virt snapshot records about the board it was taken on (its header's configuration) and
 * the disk it does not copy: enough to build the same board again.
 */
export interface VirtSnapshotInfo {
  layout: "vz" | "qemu";
  cpus: number;
  memoryMiB: number;
  /** The CPU model's name ("m1"). */
  model: string;
  uart: boolean;
  rtc: boolean;
  deterministic: boolean;
  iommu: "none" | "smmuv3";
  /** A virtio-gpu (its resources and screen are in the snapshot). */
  gpu: boolean;
  /** The virtio-net card: "nic" (a backend is attached on restore) or "none". */
  net: "nic" | "none";
  mac: string | undefined;
  /** The virtio-blk disk, when there was one: its image file ("" for an in-memory disk). */
  disk: { path: string; size: number; readOnly: boolean } | undefined;
  /** The AHCI ports in order, when there was a controller: each one's kind and medium size (null: none). */
  sata?: Array<{ kind: "disk" | "cdrom"; size: number | null }>;
  /** The xHCI's USB devices in port order (their kinds), when there was one. */
  usb?: string[];
  /** The built-in UEFI and what it gave the OS ("acpi": ACPI tables, "dt": the device tree). */
  uefi?: "acpi" | "dt";
  /** Firmware boot from flash (EDK2) and what fw_cfg offered it ("acpi" tables, or "dt" only). */
  firmware?: "acpi" | "dt";
}

/**
 * The parts of a snapshot's board that restoreVirtMachine cannot rebuild from the file (their
 * disks, devices, firmware or boot image are not in it), by configuration key: empty when it can.
 */
export function virtSnapshotNeeds(info: VirtSnapshotInfo): Array<"sata" | "usb" | "uefi" | "firmware"> {
  return (["sata", "usb", "uefi", "firmware"] as const).filter((k) => info[k] !== undefined);
}

const NEEDS = {
  sata: "AHCI (sata: its disks)",
  usb: "USB devices (usb)",
  uefi: "the built-in UEFI (uefi)",
  firmware: "firmware from flash (firmware)",
} as const;

/** Host-side choices for a restored machine: none of them is guest state. */
export interface VirtRestoreOptions {
  console?: ConsoleSink;
  engine?: CpuEngine;
  jit?: JitOptions;
  /** The NIC's backend (snapshots with a NIC; default user-mode networking). */
  net?: VirtAttachments["net"];
  netDump?: string;
  /**
   * The disk (snapshots with one). Default: the image file recorded in the snapshot, opened as it
   * was (read-only or not). Either way its identity must match the snapshot's unless `force`.
   */
  disk?: BlockBackend;
  /** Accept a disk that changed since the snapshot (its size must still match). */
  force?: boolean;
  exceptionLoopLimit?: number;
}

/** Read a virt snapshot's header and disk record (the file is checked whole: magic, version, SHA-256). */
export function readVirtSnapshotInfo(path: string): VirtSnapshotInfo {
  const snap = readBoardSnapshot(path, VIRT_SNAPSHOT_BOARD);
  let c: Record<string, unknown>;
  try {
    c = JSON.parse(snap.config) as Record<string, unknown>;
  } catch {
    throw new SnapshotError("corrupt", "the snapshot's board configuration does not parse");
  }
  const bad = (k: string): never => {
    throw new SnapshotError("corrupt", `the snapshot's board configuration has a bad "${k}"`);
  };
  const oneOf = <T extends string>(k: string, vs: readonly T[]): T =>
    vs.includes(c[k] as T) ? (c[k] as T) : bad(k);
  const int = (k: string): number => (Number.isSafeInteger(c[k]) ? (c[k] as number) : bad(k));
  const bool = (k: string): boolean => (typeof c[k] === "boolean" ? (c[k] as boolean) : bad(k));
  const layout = c.layout;
  if (layout !== "vz" && layout !== "qemu")
    throw new SnapshotError(
      "unsupported",
      `the snapshot's board has a custom layout (${String(layout)}); restore it with VirtMachine.restoreSnapshot`,
    );
  const info: VirtSnapshotInfo = {
    layout,
    cpus: int("cpus"),
    memoryMiB: int("memoryMiB"),
    model: typeof c.model === "string" ? c.model : bad("model"),
    uart: bool("uart"),
    rtc: bool("rtc"),
    deterministic: bool("deterministic"),
    iommu: oneOf("iommu", ["none", "smmuv3"]),
    gpu: c.gpu === undefined ? false : c.gpu === true ? true : bad("gpu"),
    net: oneOf("net", ["nic", "none"]),
    mac: c.mac === null ? undefined : typeof c.mac === "string" ? c.mac : bad("mac"),
    disk: undefined,
  };
  if (c.sata !== undefined) {
    if (!Array.isArray(c.sata)) bad("sata");
    info.sata = (c.sata as unknown[]).map((d) => {
      const x = d as { kind?: unknown; size?: unknown };
      if (typeof d !== "object" || d === null || (x.kind !== "disk" && x.kind !== "cdrom"))
        return bad("sata");
      if (x.size !== null && !Number.isSafeInteger(x.size)) return bad("sata");
      return { kind: x.kind, size: x.size as number | null };
    });
  }
  if (c.usb !== undefined) {
    if (!Array.isArray(c.usb) || !c.usb.every((k) => typeof k === "string")) bad("usb");
    info.usb = c.usb as string[];
  }
  if (c.uefi !== undefined) info.uefi = oneOf("uefi", ["acpi", "dt"] as const);
  if (c.firmware !== undefined) info.firmware = oneOf("firmware", ["acpi", "dt"] as const);
  if (c.disk !== null) {
    const sec = snap.sections.get("disk");
    if (sec === undefined)
      throw new SnapshotError("section", 'the snapshot has a disk but no "disk" section');
    const r = new StateReader(sec.payload, "disk");
    info.disk = { path: r.str(), size: r.f64(), readOnly: c.diskReadOnly === true };
  }
  return info;
}

/**
 * Build the virt board a snapshot was taken on and restore the snapshot into it: the board's
 * shape (layout, vCPUs, RAM, UART/RTC, determinism, IOMMU, NIC, MAC) comes from the snapshot, the
 * host side (console, engine, network backend, disk backend) from `o`. The kernel is not needed:
 * RAM and the vCPUs hold it. Throws SnapshotError (nothing runs) when the file is refused.
 */
export function restoreVirtMachine(path: string, o: VirtRestoreOptions = {}): VirtMachine {
  const info = readVirtSnapshotInfo(path);
  const needs = virtSnapshotNeeds(info);
  if (needs.length > 0)
    throw new SnapshotError(
      "unsupported",
      `the snapshot's board has ${needs.map((k) => NEEDS[k]).join(", ")}, which cannot be rebuilt from the file alone: build a VirtMachine with the same options (the same kernel or firmware) and call restoreSnapshot`,
    );
  const model = [M1_MODEL, M1_QARMA5_MODEL, CORTEX_A72_MODEL].find((x) => x.name === info.model);
  if (model === undefined)
    throw new SnapshotError(
      "unsupported",
      `the snapshot's CPU model is "${info.model}"; build the machine with it and use VirtMachine.restoreSnapshot`,
    );
  let disk = o.disk;
  let opened: FileBlockBackend | undefined;
  if (info.disk !== undefined && disk === undefined) {
    if (info.disk.path === "")
      throw new SnapshotError("disk", "the snapshot's disk was in memory: give the disk to restore with");
    try {
      opened = new FileBlockBackend(info.disk.path, { readOnly: info.disk.readOnly });
    } catch (e) {
      throw new SnapshotError(
        "disk",
        `cannot open the snapshot's disk ${info.disk.path}: ${e instanceof Error ? e.message : String(e)}`,
      );
    }
    disk = opened;
  }
  if (info.disk === undefined && disk !== undefined)
    throw new SnapshotError("board", "the snapshot's machine had no disk: restore it without one");
  let m: VirtMachine | undefined;
  try {
    m = new VirtMachine({
      layout: info.layout,
      cpus: info.cpus,
      model,
      memoryMiB: info.memoryMiB,
      uart: info.uart,
      rtc: info.rtc,
      deterministic: info.deterministic,
      iommu: info.iommu,
      ...(info.gpu ? { gpu: true } : {}),
      net: info.net === "none" ? "none" : (o.net ?? "user"),
      ...(info.mac === undefined ? {} : { mac: info.mac }),
      ...(disk === undefined ? {} : { disk }),
      ...(o.netDump === undefined || info.net === "none" ? {} : { netDump: o.netDump }),
      ...(o.console === undefined ? {} : { console: o.console }),
      ...(o.engine === undefined ? {} : { engine: o.engine }),
      ...(o.jit === undefined ? {} : { jit: o.jit }),
      ...(o.exceptionLoopLimit === undefined ? {} : { exceptionLoopLimit: o.exceptionLoopLimit }),
      // A placeholder kernel (`b .`): the restore replaces RAM and every vCPU's state.
      kernel: new Uint8Array([0x00, 0x00, 0x00, 0x14]),
    });
    m.restoreSnapshot(path, { force: o.force === true });
    return m;
  } catch (e) {
    m?.close();
    opened?.close?.();
    throw e;
  }
}
