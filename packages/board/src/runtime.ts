import {
  type Bus,
  ConfigError,
  hex,
  type IrqLine,
  RateLimitedLog,
  type SysRegBlock,
  type VirtualClock,
} from "@armature/core";
import { type BootEntryState, Cpu, type CpuModel, ISS_WNR } from "@armature/cpu-aarch64";
import { ARCH_PPI } from "./interrupts.js";
import { CPU_SUSPEND_32, CPU_SUSPEND_64, Psci } from "./psci.js";

/** Why `run()` returned. */
export type MachineStop = "poweroff" | "reset" | "budget" | "halted";

/** The per-CPU wiring a GICv3 gives a vCPU (structurally @armature/gic's Gicv3). */
export interface CpuInterruptController {
  readonly cpuInterface: SysRegBlock;
  ppiLine(cpu: number, intid: number): IrqLine;
  connectCpu(cpu: number, irq: IrqLine, fiq: IrqLine): void;
}

export interface VcpuOptions {
  bus: Bus;
  clock: VirtualClock;
  model: CpuModel;
  count: number;
  /** The GIC: CPU interface system registers, timer/PMU PPIs, IRQ/FIQ inputs. */
  gic: CpuInterruptController;
}

/** Create `count` vCPUs wired to a GICv3: timers on PPIs 30 (CNTP), 27 (CNTV), PMU on 23. */
export function createGicCpus(o: VcpuOptions): Cpu[] {
  const cpus: Cpu[] = [];
  for (let i = 0; i < o.count; i++) {
    const cpu = new Cpu({
      bus: o.bus,
      model: o.model,
      clock: o.clock,
      index: i,
      sysRegBlock: o.gic.cpuInterface,
      timerLines: {
        phys: o.gic.ppiLine(i, ARCH_PPI.timerPhys),
        virt: o.gic.ppiLine(i, ARCH_PPI.timerVirt),
        pmu: o.gic.ppiLine(i, ARCH_PPI.pmu),
      },
    });
    o.gic.connectCpu(i, cpu.irqInput, cpu.fiqInput);
    cpus.push(cpu);
  }
  return cpus;
}

export interface BoardRuntimeOptions {
  cpus: readonly Cpu[];
  clock: VirtualClock;
  /** MPIDR of each vCPU (PSCI's CPU_ON target ids). */
  mpidrs: readonly number[];
  /** Whether a CPU_ON entry point is in RAM. */
  isValidEntry(address: number): boolean;
  /** Log tag (default "board"). */
  name?: string;
  /**
   * Firmware calls: asked first for every HVC; return true when handled (the vCPU resumes), false
   * to let PSCI answer it. A board with host-implemented firmware (@armature/uefi) routes its
   * service immediates here.
   */
  hvc?(cpu: number, imm: number): boolean;
}

/**
 * What every Armature board does once its parts are placed: run the vCPUs round-robin on one
 * thread, answer HVC with PSCI 1.1 and SMC with NOT_SUPPORTED, idle a vCPU on WFI (or a
 * CPU_SUSPEND standby) until an interrupt is pending, turn an access to an unclaimed address
 * into a synchronous external abort, and, when every vCPU idles, move time on to the next timer
 * (deterministic) or sleep the host until then (real time).
 */
export class BoardRuntime {
  readonly cpus: readonly Cpu[];
  readonly psci: Psci;
  readonly clock: VirtualClock;
  private readonly running: boolean[];
  private readonly waiting: boolean[];
  private stopReason: MachineStop | undefined;
  private wakeUp: (() => void) | undefined;
  private readonly log: RateLimitedLog;
  private readonly hvcHook: ((cpu: number, imm: number) => boolean) | undefined;

  constructor(o: BoardRuntimeOptions) {
    if (o.cpus.length === 0 || o.cpus.length !== o.mpidrs.length)
      throw new ConfigError(`BoardRuntime: ${o.cpus.length} vCPUs for ${o.mpidrs.length} MPIDRs`);
    this.cpus = o.cpus;
    this.clock = o.clock;
    this.log = new RateLimitedLog(o.name ?? "board");
    this.hvcHook = o.hvc;
    this.running = this.cpus.map((_, i) => i === 0);
    this.waiting = this.cpus.map(() => false);
    this.psci = new Psci({
      mpidrs: o.mpidrs,
      startCpu: (i, entry, ctx) => this.startCpu(i, entry, ctx),
      stopCpu: (i) => {
        this.running[i] = false;
      },
      isValidEntry: (a) => o.isValidEntry(a),
      systemOff: () => this.stop("poweroff"),
      systemReset: () => this.stop("reset"),
    });
  }

  /** Put the boot vCPU at its entry state (the others wait for PSCI CPU_ON). */
  boot(entry: BootEntryState): void {
    this.cpus[0]!.applyEntryState(entry);
  }

  /** Stop the run loop at the next opportunity; the first reason given wins. */
  stop(reason: MachineStop = "halted"): void {
    this.stopReason ??= reason;
    for (const c of this.cpus) c.halt();
    this.wakeUp?.();
  }

  /** End an idle wait early (host input arrived). */
  wake(): void {
    this.wakeUp?.();
  }

  /** Instructions retired by all vCPUs. */
  retired(): number {
    let n = 0;
    for (const c of this.cpus) n += c.retired;
    return n;
  }

  /**
   * Run until the guest powers off or resets, `stop()` is called, or `maxInstructions` retire
   * (counted from this call). Yields to the host event loop between slices so I/O keeps flowing.
   */
  async run(opts: { maxInstructions?: number; sliceInstructions?: number } = {}): Promise<MachineStop> {
    const slice = opts.sliceInstructions ?? 200_000;
    const limit = this.retired() + (opts.maxInstructions ?? Number.POSITIVE_INFINITY);
    let lastYield = Date.now();
    while (this.stopReason === undefined) {
      let ranAny = false;
      for (let i = 0; i < this.cpus.length; i++) {
        if (!this.running[i]) continue;
        const cpu = this.cpus[i]!;
        if (this.waiting[i]) {
          if (!(cpu.irqLevel || cpu.fiqLevel)) continue;
          this.waiting[i] = false;
        }
        this.psci.cpuRunning(i);
        ranAny = true;
        this.handleExit(i, cpu, Math.max(1, Math.min(slice, limit - this.retired())));
        if (this.stopReason !== undefined) break;
      }
      this.clock.runDue();
      if (this.retired() >= limit) return "budget";
      if (!ranAny) await this.idle();
      else if (Date.now() - lastYield > 20) {
        lastYield = Date.now();
        await new Promise<void>((r) => setImmediate(r));
      }
    }
    return this.stopReason;
  }

  private handleExit(i: number, cpu: Cpu, budget: number): void {
    const exit = cpu.run(budget);
    switch (exit.reason) {
      case "hvc": {
        if (this.hvcHook?.(i, exit.imm)) return;
        const fn = num(cpu.getX(0));
        const r = this.psci.call(i, fn, num(cpu.getX(1)), num(cpu.getX(2)), num(cpu.getX(3)));
        cpu.setX(0, BigInt.asUintN(64, BigInt(r)));
        // CPU_SUSPEND is a standby here: like WFI, the vCPU sleeps until an interrupt is pending
        // (whatever PSTATE.{I,F} say) instead of returning at once and spinning.
        if ((fn === CPU_SUSPEND_32 || fn === CPU_SUSPEND_64) && r === 0 && !(cpu.irqLevel || cpu.fiqLevel)) {
          this.waiting[i] = true;
        }
        return;
      }
      case "smc":
        // No EL3 here: PSCI's conduit is HVC. Answer NOT_SUPPORTED and step over the SMC.
        cpu.setX(0, BigInt.asUintN(64, -1n));
        cpu.setPC(cpu.getPC() + 4n);
        return;
      case "wfi":
        if (!(cpu.irqLevel || cpu.fiqLevel)) this.waiting[i] = true;
        return;
      case "unclaimed":
        this.log.warn(
          `u${i}`,
          `cpu${i}: access to unclaimed address ${hex(exit.address)} at pc ${hex(num(cpu.getPC()))}: external abort`,
        );
        cpu.injectExternalAbort(exit.esr & ISS_WNR ? "write" : "read", exit.vaLo, exit.vaHi);
        return;
      default:
        return;
    }
  }

  private startCpu(i: number, entry: number, ctx: number): void {
    const cpu = this.cpus[i]!;
    cpu.reset();
    cpu.applyEntryState({ pc: entry, x: [ctx] });
    this.running[i] = true;
    this.waiting[i] = false;
  }

  /** Every vCPU waits for an interrupt: move time on to the next timer, or wait for the host. */
  private async idle(): Promise<void> {
    const next = this.clock.nextDeadline();
    if (this.clock.mode === "deterministic" && next !== Number.POSITIVE_INFINITY) {
      this.clock.advanceTo(next);
      this.clock.runDue();
      return;
    }
    const waitMs =
      next === Number.POSITIVE_INFINITY ? 50 : Math.max(0, Math.min(50, (next - this.clock.nowNs()) / 1e6));
    await new Promise<void>((resolve) => {
      const t = setTimeout(done, waitMs);
      function done() {
        clearTimeout(t);
        resolve();
      }
      this.wakeUp = done;
    });
    this.wakeUp = undefined;
    this.clock.runDue();
  }
}

/** A 64-bit register value as a JS number (exact below 2^53; PSCI arguments are). */
function num(v: bigint): number {
  return Number(BigInt.asUintN(53, v));
}
