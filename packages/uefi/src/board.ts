// What every board with this firmware built in does the same way: fill the platform from the
// board's clock, vCPUs and power control, and route the firmware's HVCs (idling, a returned image).

import { randomFillSync } from "node:crypto";
import { type BlockBackend, seededBytes, type VirtualClock } from "@armature/core";
import type { UefiAction, UefiFirmware } from "./firmware.js";
import type { UefiConsole, UefiCpu, UefiMemory, UefiPlatform } from "./platform.js";

/** A board's side of its built-in UEFI (see `boardUefiPlatform`). */
export interface UefiBoardSpec {
  memory: UefiMemory;
  ram: { base: number; size: number };
  /** The board's device windows (mapped Device-nGnRE). */
  mmio: readonly { base: number; size: number }[];
  console: UefiConsole;
  disks?: readonly BlockBackend[];
  clock: VirtualClock;
  /** GetTime's clock: this epoch (ms) plus the board's time; undefined: the host's wall clock. */
  epochMs: number | undefined;
  /** Deterministic boards get RNG bytes from this seed; others from the host's CSPRNG. */
  entropySeed: number | undefined;
  /** The vCPUs whose decoded code LoadImage invalidates. */
  cpus: readonly { invalidateICache(): void }[];
  /** ResetSystem: the board powers off (shutdown) or resets (cold, warm). */
  stop(reason: "poweroff" | "reset"): void;
  acpi?: UefiPlatform["acpi"];
  smbios?: UefiPlatform["smbios"];
  deviceTree?: Uint8Array;
}

/** The firmware's platform for a board (`new UefiFirmware(boardUefiPlatform(spec), options)`). */
export function boardUefiPlatform(b: UefiBoardSpec): UefiPlatform {
  const epochMs = b.epochMs;
  const seed = b.entropySeed;
  return {
    memory: b.memory,
    ram: [{ base: b.ram.base, size: b.ram.size }],
    mmio: b.mmio.map((w) => ({ base: w.base, size: w.size })),
    console: b.console,
    disks: b.disks ?? [],
    wallClockMs: () => (epochMs === undefined ? Date.now() : epochMs + Math.floor(b.clock.nowNs() / 1e6)),
    monotonicNs: () => b.clock.nowNs(),
    reset: (kind) => b.stop(kind === "shutdown" ? "poweroff" : "reset"),
    entropy: seed !== undefined ? seededBytes(seed) : (buf) => randomFillSync(buf),
    ...(b.acpi === undefined ? {} : { acpi: b.acpi }),
    ...(b.smbios === undefined ? {} : { smbios: b.smbios }),
    ...(b.deviceTree === undefined ? {} : { deviceTree: b.deviceTree }),
    codeChanged: () => {
      for (const cpu of b.cpus) cpu.invalidateICache();
    },
  };
}

/**
 * A board's HVC hook for its built-in UEFI: false when `imm` is not a firmware service (PSCI
 * answers it). Idle services (WaitForEvent, Stall) move a deterministic clock to their deadline;
 * "exit" (the image returned, or the boot manager has nothing left) calls `exited`.
 */
export function boardUefiCall(
  fw: UefiFirmware,
  clock: VirtualClock,
  imm: number,
  cpu: UefiCpu,
  exited: (status: bigint) => void,
): boolean {
  if (!fw.handles(imm)) return false;
  const action: UefiAction = fw.hvc(imm, cpu);
  if (action === "idle") {
    const t = fw.idleUntilNs;
    if (clock.mode === "deterministic" && Number.isFinite(t)) clock.advanceTo(Math.max(t, clock.nowNs()));
  } else if (action === "exit") exited(fw.exitStatus);
  return true;
}
