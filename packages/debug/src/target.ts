import type { Bus } from "@armature/core";
import type { Cpu } from "@armature/cpu-aarch64";

/** How a machine stops for good. */
export type TargetStop = "poweroff" | "reset" | "halted";

/** Told by the run loop when a vCPU stopped for the debugger (a host breakpoint or watchpoint). */
export interface DebugStopListener {
  debugStop(cpu: number): void;
}

/**
 * What the debugger and the monitor need from a machine's run loop. @armature/board's
 * `BoardRuntime` has this shape, so any board built on it (`machine.runtime`) can be debugged.
 */
export interface DebugTarget {
  /** The vCPUs: GDB's threads, in order (thread id = index + 1). */
  readonly cpus: readonly Cpu[];
  /** Whether the vCPUs are paused. */
  readonly isPaused: boolean;
  /** Pause every vCPU at an instruction boundary (the run loop waits). */
  pause(): void;
  /** Let the vCPUs run again. */
  resume(): void;
  /** While paused: execute one instruction on vCPU `i`; true when a host debug hook stopped it instead. */
  stepCpu(i: number): boolean;
  /** Whether vCPU `i` is powered on. */
  isCpuOn(i: number): boolean;
  /** Who hears about breakpoint/watchpoint stops (undefined: nobody). */
  attachDebugger(d: DebugStopListener | undefined): void;
  /** Stop the machine for good (run() resolves with this reason). */
  stop(reason?: TargetStop): void;
}

/** The guest-physical address space of a target (every vCPU shares its bus). */
export function targetBus(t: DebugTarget): Bus {
  const c = t.cpus[0];
  if (c === undefined) throw new Error("debug target without vCPUs");
  return c.bus;
}

/**
 * Read guest memory as a debugger does: through `cpu`'s current translation regime (or
 * physical addresses when `physical`), RAM only (device registers are never read: a read could
 * change them). Returns the bytes up to the first one that cannot be read.
 */
export function readGuest(bus: Bus, cpu: Cpu, addr: bigint, len: number, physical: boolean): Uint8Array {
  const out = new Uint8Array(len);
  let done = 0;
  while (done < len) {
    const va = BigInt.asUintN(64, addr + BigInt(done));
    const pa = physical ? (va < 2n ** 52n ? Number(va) : undefined) : cpu.debugTranslate(va);
    if (pa === undefined) break;
    const n = Math.min(len - done, 4096 - (pa % 4096));
    const r = bus.findRam(pa, n);
    if (r === undefined) break;
    out.set(r.u8.subarray(pa - r.base, pa - r.base + n), done);
    done += n;
  }
  return out.slice(0, done);
}

/**
 * Write guest memory like `readGuest` (RAM only). Every vCPU drops its decoded code for the
 * pages written (so a patched instruction runs as written). Returns the bytes written.
 */
export function writeGuest(
  bus: Bus,
  cpus: readonly Cpu[],
  cpu: Cpu,
  addr: bigint,
  data: Uint8Array,
  physical: boolean,
): number {
  let done = 0;
  while (done < data.length) {
    const va = BigInt.asUintN(64, addr + BigInt(done));
    const pa = physical ? (va < 2n ** 52n ? Number(va) : undefined) : cpu.debugTranslate(va);
    if (pa === undefined) break;
    const n = Math.min(data.length - done, 4096 - (pa % 4096));
    const r = bus.findRam(pa, n);
    if (r === undefined) break;
    r.u8.set(data.subarray(done, done + n), pa - r.base);
    for (const c of cpus) c.invalidateCode(pa, n);
    done += n;
  }
  return done;
}
