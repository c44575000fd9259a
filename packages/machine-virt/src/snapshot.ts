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
}

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
  // AHCI and USB save and restore, but their disks and devices are not in the file's config:
  // the library path rebuilds them (build the machine with the same options).
  if (c.sata !== undefined || c.usb !== undefined || c.uefi !== undefined || c.firmware !== undefined)
    throw new SnapshotError(
      "unsupported",
      "the snapshot's board has AHCI (sata), USB devices, the built-in UEFI or firmware (--bios), which cannot be rebuilt from the file alone yet; build a VirtMachine with the same options (the same kernel or firmware) and call restoreSnapshot",
    );
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
