import type { StateReader, StateWriter } from "@armature/core";
// Arm Power State Coordination Interface, DEN0022 (PSCI 1.1), and the SMC Calling Convention
// DEN0028 for the SMCCC_VERSION / ARCH_FEATURES calls Linux makes through the same conduit.

export const PSCI_VERSION = 0x8400_0000;
export const CPU_SUSPEND_32 = 0x8400_0001;
export const CPU_SUSPEND_64 = 0xc400_0001;
export const CPU_OFF = 0x8400_0002;
export const CPU_ON_32 = 0x8400_0003;
export const CPU_ON_64 = 0xc400_0003;
export const AFFINITY_INFO_32 = 0x8400_0004;
export const AFFINITY_INFO_64 = 0xc400_0004;
export const MIGRATE_INFO_TYPE = 0x8400_0006;
export const SYSTEM_OFF = 0x8400_0008;
export const SYSTEM_RESET = 0x8400_0009;
export const PSCI_FEATURES = 0x8400_000a;
export const SMCCC_VERSION = 0x8000_0000;
export const SMCCC_ARCH_FEATURES = 0x8000_0001;

/** PSCI return codes (DEN0022 5.2.2). */
export const PsciReturn = {
  SUCCESS: 0,
  NOT_SUPPORTED: -1,
  INVALID_PARAMETERS: -2,
  DENIED: -3,
  ALREADY_ON: -4,
  ON_PENDING: -5,
  INTERNAL_FAILURE: -6,
  NOT_PRESENT: -7,
  DISABLED: -8,
  INVALID_ADDRESS: -9,
} as const;

/** AFFINITY_INFO results (DEN0022 5.1.5). */
export const AffinityState = { ON: 0, OFF: 1, ON_PENDING: 2 } as const;

export type CpuPowerState = "off" | "on-pending" | "on";

/** What PSCI needs from the board. */
export interface PsciPlatform {
  /** MPIDR affinity value (Aff3..Aff0 packed as in MPIDR_EL1 bits 39:32 and 23:0) of each CPU. */
  readonly mpidrs: readonly number[];
  /** Start CPU `index` at `entry` (EL1h, MMU off) with x0 = contextId. Called once per CPU_ON. */
  startCpu(index: number, entry: number, contextId: number): void;
  /** Stop CPU `index` (CPU_OFF from itself). */
  stopCpu(index: number): void;
  /** Whether `addr` is a valid entry point (inside RAM). */
  isValidEntry(addr: number): boolean;
  systemOff(): void;
  systemReset(): void;
}

/**
 * The board's PSCI 1.1 firmware, reached through HVC #0. One call in, x0..x3 out. CPU 0 is on at
 * reset; the others are off until CPU_ON. vCPUs run interleaved on one thread, so "racing" CPU_ON
 * calls are serialised: the first gets SUCCESS and moves the target to ON_PENDING; later ones get
 * ON_PENDING until the target runs its first instruction (`cpuRunning`) and ALREADY_ON after.
 */
export class Psci {
  readonly state: CpuPowerState[];

  constructor(private readonly platform: PsciPlatform) {
    this.state = platform.mpidrs.map((_, i) => (i === 0 ? "on" : "off"));
  }

  /** Snapshot: each CPU's power state. */
  saveState(w: StateWriter): void {
    w.u32(this.state.length);
    for (const st of this.state) w.u8(st === "off" ? 0 : st === "on-pending" ? 1 : 2);
  }
  loadState(r: StateReader): () => void {
    r.expect(this.state.length, "PSCI CPU count");
    const st = this.state.map((): CpuPowerState => {
      const v = r.u8();
      if (v > 2) r.fail(`power state ${v}`);
      return v === 0 ? "off" : v === 1 ? "on-pending" : "on";
    });
    return () => {
      this.state.splice(0, st.length, ...st);
    };
  }

  /** The target of a CPU_ON has started executing. */
  cpuRunning(index: number): void {
    if (this.state[index] === "on-pending") this.state[index] = "on";
  }

  private indexOf(mpidr: number): number {
    // Compare Aff3 (bits 39:32) and Aff2..Aff0 (bits 23:0); ignore the rest (MT, U bits).
    const want = affinityOf(mpidr);
    return this.platform.mpidrs.findIndex((m) => affinityOf(m) === want);
  }

  /**
   * Handle one call. `x` holds x0..x3 as JS numbers (x0 = function id as uint32, addresses exact
   * below 2^53). Returns the value for x0 (negative codes as signed numbers).
   */
  call(callerIndex: number, x0: number, x1: number, x2: number, x3: number): number {
    const fid = x0 >>> 0;
    // SMC32 calls take 32-bit arguments (DEN0028 2.5): upper halves are ignored.
    const is32 = (fid & 0x4000_0000) === 0;
    const a1 = is32 ? x1 % 2 ** 32 : x1;
    const a2 = is32 ? x2 % 2 ** 32 : x2;
    const a3 = is32 ? x3 % 2 ** 32 : x3;
    switch (fid) {
      case PSCI_VERSION:
        return 0x0001_0001; // 1.1
      case MIGRATE_INFO_TYPE:
        return 2; // Trusted OS not present or does not require migration
      case PSCI_FEATURES:
        return this.features(a1 >>> 0);
      case SMCCC_VERSION:
        return 0x0001_0001; // SMCCC 1.1
      case SMCCC_ARCH_FEATURES:
        return PsciReturn.NOT_SUPPORTED; // no firmware-side workarounds exist or are needed here
      case CPU_ON_32:
      case CPU_ON_64:
        return this.cpuOn(a1, a2, a3);
      case CPU_OFF:
        this.state[callerIndex] = "off";
        this.platform.stopCpu(callerIndex);
        return PsciReturn.SUCCESS; // not seen by the caller: it is off
      case CPU_SUSPEND_32:
      case CPU_SUSPEND_64:
        // A standby-type power state returns like WFI; we treat every state as standby.
        return PsciReturn.SUCCESS;
      case AFFINITY_INFO_32:
      case AFFINITY_INFO_64: {
        if (a2 !== 0) return PsciReturn.INVALID_PARAMETERS; // only level 0 is supported (DEN0022 5.1.5)
        const i = this.indexOf(a1);
        if (i < 0) return PsciReturn.INVALID_PARAMETERS;
        const s = this.state[i]!;
        return s === "on" ? AffinityState.ON : s === "off" ? AffinityState.OFF : AffinityState.ON_PENDING;
      }
      case SYSTEM_OFF:
        this.platform.systemOff();
        return PsciReturn.SUCCESS;
      case SYSTEM_RESET:
        this.platform.systemReset();
        return PsciReturn.SUCCESS;
      default:
        return PsciReturn.NOT_SUPPORTED;
    }
  }

  private features(fid: number): number {
    switch (fid) {
      case PSCI_VERSION:
      case CPU_ON_32:
      case CPU_ON_64:
      case CPU_OFF:
      case AFFINITY_INFO_32:
      case AFFINITY_INFO_64:
      case MIGRATE_INFO_TYPE:
      case SYSTEM_OFF:
      case SYSTEM_RESET:
      case PSCI_FEATURES:
      case SMCCC_VERSION:
        return PsciReturn.SUCCESS;
      case CPU_SUSPEND_32:
      case CPU_SUSPEND_64:
        return 0; // bit 1 = 0: original power_state format; bit 0 = 0: no OS-initiated mode
      default:
        return PsciReturn.NOT_SUPPORTED;
    }
  }

  private cpuOn(target: number, entry: number, contextId: number): number {
    const i = this.indexOf(target);
    if (i < 0) return PsciReturn.INVALID_PARAMETERS;
    const s = this.state[i]!;
    if (s === "on") return PsciReturn.ALREADY_ON;
    if (s === "on-pending") return PsciReturn.ON_PENDING;
    if (!this.platform.isValidEntry(entry)) return PsciReturn.INVALID_ADDRESS;
    this.state[i] = "on-pending";
    this.platform.startCpu(i, entry, contextId);
    return PsciReturn.SUCCESS;
  }
}

function affinityOf(mpidr: number): number {
  const aff3 = Math.floor(mpidr / 2 ** 32) & 0xff;
  return aff3 * 2 ** 24 + (mpidr & 0xffffff);
}
