import {
  type Bus,
  ConfigError,
  hex,
  type IrqLine,
  RateLimitedLog,
  type StateReader,
  type StateWriter,
  type SysRegBlock,
  type VirtualClock,
} from "@armature/core";
import {
  type BootEntryState,
  Cpu,
  type CpuEngine,
  type CpuModel,
  EC,
  ecOf,
  HOST_DEBUG_STOP,
  ISS_WNR,
  type JitOptions,
  type RepeatedException,
} from "@armature/cpu-aarch64";
import type { ConsoleSink } from "./console.js";
import { ARCH_PPI } from "./interrupts.js";
import { CPU_SUSPEND_32, CPU_SUSPEND_64, Psci } from "./psci.js";

/**
 * Why `run()` returned. "exception-loop": a vCPU kept taking the same exception and never
 * returned from it (`BoardRuntime.exceptionLoop` says which; `BoardRuntimeOptions.exceptionLoopLimit`).
 */
export type MachineStop = "poweroff" | "reset" | "budget" | "halted" | "exception-loop";

/** Entries in a row of one exception, with no ERET, after which `run()` gives up (the default). */
export const EXCEPTION_LOOP_LIMIT = 10_000;

/** A guest stuck in an exception loop: what `BoardRuntime.exceptionLoop` reports. */
export interface ExceptionLoop extends RepeatedException {
  /** The vCPU. */
  cpu: number;
  /** One line for a person: what repeated, where, and the likely cause. */
  message: string;
}

const VECTOR_KIND = ["synchronous exception", "IRQ", "FIQ", "SError"] as const;
const VECTOR_FROM = ["EL1 with SP_EL0", "EL1", "EL0", "AArch32 EL0"] as const;
const EC_NAME: Readonly<Record<number, string>> = {
  [EC.UNKNOWN]: "undefined instruction",
  [EC.FP_ACCESS]: "FP/SIMD access trap",
  [EC.ILLEGAL_STATE]: "illegal execution state",
  [EC.SVC64]: "SVC",
  [EC.SYSREG]: "trapped system register access",
  [EC.IABT_LOWER]: "instruction abort",
  [EC.IABT_SAME]: "instruction abort",
  [EC.PC_ALIGN]: "PC alignment fault",
  [EC.DABT_LOWER]: "data abort",
  [EC.DABT_SAME]: "data abort",
  [EC.SP_ALIGN]: "SP alignment fault",
  [EC.BRK64]: "BRK",
};
/** The exception classes whose FAR_EL1 holds the faulting address. */
const EC_WITH_FAR: readonly number[] = [EC.IABT_LOWER, EC.IABT_SAME, EC.DABT_LOWER, EC.DABT_SAME];

/** The one-line description of an exception loop (`ExceptionLoop.message`). */
export function describeExceptionLoop(cpu: number, r: RepeatedException): string {
  const kind = (r.vector >>> 7) & 3;
  const ec = ecOf(r.esr);
  const what =
    kind === 0
      ? `${EC_NAME[ec] ?? `EC 0x${ec.toString(16)}`}, ESR 0x${r.esr.toString(16)}`
      : VECTOR_KIND[kind]!;
  const far = kind === 0 && EC_WITH_FAR.includes(ec) ? ` at 0x${r.far.toString(16)}` : "";
  return (
    `cpu${cpu} is stuck in an exception loop: ${r.repeats} ${VECTOR_KIND[kind]}s in a row from ` +
    `${VECTOR_FROM[(r.vector >>> 9) & 3]} (${what}${far}) at pc 0x${r.elr.toString(16)}, each to vector ` +
    `0x${(r.vbar + BigInt(r.vector)).toString(16)} (VBAR_EL1 0x${r.vbar.toString(16)} + 0x${r.vector.toString(16)}), ` +
    "never returning: the guest has no working exception vectors (not a kernel for this board, or it crashed before setting them up)"
  );
}

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
  /** Execution engine (CpuOptions.engine; default ARMATURE_CPU_ENGINE, else "jit"). */
  engine?: CpuEngine;
  /** Translator tuning for engine "jit" (CpuOptions.jit). */
  jit?: JitOptions;
}

/**
 * The options every board's machine takes for its vCPUs, console and run loop
 * (VirtMachineOptions and ParallelsMachineOptions extend it).
 */
export interface BoardMachineOptions {
  /** CPU model (default M1_MODEL, the Parallels M1 VM's feature list; machine-parallels sets its `midr`). */
  model?: CpuModel;
  /**
   * How the vCPUs execute: "interp" (the interpreter) or "jit" (the dynamic translator; same
   * results, instruction for instruction). Default: ARMATURE_CPU_ENGINE when set, else "jit".
   */
  engine?: CpuEngine;
  /** Translator tuning for engine "jit" (threshold, block and cache sizes). */
  jit?: JitOptions;
  /** Where the guest's console output goes (default: process.stdout). */
  console?: ConsoleSink;
  /**
   * `run()` stops with "exception-loop" after this many identical exceptions in a row with no
   * return (a guest with no working vectors; `runtime.exceptionLoop` says which). Default
   * EXCEPTION_LOOP_LIMIT; 0 never stops.
   */
  exceptionLoopLimit?: number;
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
      ...(o.engine === undefined ? {} : { engine: o.engine }),
      ...(o.jit === undefined ? {} : { jit: o.jit }),
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
  /**
   * Stop `run()` with "exception-loop" when a vCPU takes the same exception (vector, ELR, ESR) this
   * many times in a row with no ERET in between — a guest with no working vectors, which would
   * otherwise spin forever without output or retiring instructions (default EXCEPTION_LOOP_LIMIT;
   * 0 never stops). Not checked while a debugger is attached.
   */
  exceptionLoopLimit?: number;
}

/** A board's vCPUs and their run loop: createGicCpus' options plus BoardRuntime's, but `cpus`. */
export interface GicBoardOptions extends VcpuOptions, Omit<BoardRuntimeOptions, "cpus"> {}

/** Create the vCPUs wired to the GIC (createGicCpus) and the BoardRuntime that runs them. */
export function createGicBoard(o: GicBoardOptions): { cpus: Cpu[]; runtime: BoardRuntime } {
  const cpus = createGicCpus(o);
  return { cpus, runtime: new BoardRuntime({ ...o, cpus }) };
}

/**
 * What a host debugger (@armature/gdbstub) gets told by the run loop. Attach with
 * `BoardRuntime.attachDebugger`; the loop calls it only for "debug" exits a `HostDebugHooks`
 * hook asked for (the vCPU stopped before an instruction: breakpoint or watchpoint).
 */
export interface RuntimeDebugger {
  /** vCPU `cpu` stopped for the debugger; the loop pauses right after this call. */
  debugStop(cpu: number): void;
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
  private paused = false;
  private resumeWaiter: (() => void) | undefined;
  private debugger: RuntimeDebugger | undefined;
  private readonly loopLimit: number;
  private loop: ExceptionLoop | undefined;

  constructor(o: BoardRuntimeOptions) {
    if (o.cpus.length === 0 || o.cpus.length !== o.mpidrs.length)
      throw new ConfigError(`BoardRuntime: ${o.cpus.length} vCPUs for ${o.mpidrs.length} MPIDRs`);
    this.cpus = o.cpus;
    this.clock = o.clock;
    this.log = new RateLimitedLog(o.name ?? "board");
    this.hvcHook = o.hvc;
    const limit = o.exceptionLoopLimit ?? EXCEPTION_LOOP_LIMIT;
    if (!(limit >= 0)) throw new ConfigError(`BoardRuntime: exceptionLoopLimit ${limit} is not a count`);
    this.loopLimit = limit === 0 ? Number.POSITIVE_INFINITY : limit;
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

  /** Snapshot state version (Snapshottable, @armature/core). */
  readonly stateVersion = 1;

  /** Save which vCPUs run and which wait for an interrupt, and PSCI's power states. */
  saveState(w: StateWriter): void {
    w.u32(this.cpus.length);
    for (let i = 0; i < this.cpus.length; i++) {
      w.bool(this.running[i]!);
      w.bool(this.waiting[i]!);
    }
    this.psci.saveState(w);
  }

  /** Parse a saved state (Snapshottable); the commit applies it. */
  loadState(r: StateReader): () => void {
    r.expect(this.cpus.length, "vCPU count");
    const run: boolean[] = [];
    const wait: boolean[] = [];
    for (let i = 0; i < this.cpus.length; i++) {
      run.push(r.bool());
      wait.push(r.bool());
    }
    const psci = this.psci.loadState(r);
    return () => {
      this.running.splice(0, run.length, ...run);
      this.waiting.splice(0, wait.length, ...wait);
      psci();
    };
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
    this.resumeWaiter?.();
  }

  /** Whether the machine has stopped for good (`run()` returned or is about to). */
  get stopped(): MachineStop | undefined {
    return this.stopReason;
  }

  /** When `run()` returned "exception-loop": which vCPU, which exception, and a message. */
  get exceptionLoop(): ExceptionLoop | undefined {
    return this.loop;
  }

  /** The debugger told about breakpoint/watchpoint stops (undefined: none). */
  attachDebugger(d: RuntimeDebugger | undefined): void {
    this.debugger = d;
  }

  /**
   * Pause every vCPU at an instruction boundary: `run()` keeps its promise pending (time does not
   * advance in deterministic mode) until `resume()`. Idempotent.
   */
  pause(): void {
    if (this.paused) return;
    this.paused = true;
    for (const c of this.cpus) c.halt();
    this.wakeUp?.();
  }

  /** Let a paused machine run again. */
  resume(): void {
    if (!this.paused) return;
    this.paused = false;
    for (const c of this.cpus) c.halted = false;
    const w = this.resumeWaiter;
    this.resumeWaiter = undefined;
    w?.();
  }

  get isPaused(): boolean {
    return this.paused;
  }

  /** Whether vCPU `i` is powered on (PSCI) — off vCPUs do not execute. */
  isCpuOn(i: number): boolean {
    return this.running[i] === true;
  }

  /**
   * While paused: execute one instruction on vCPU `i` (handling its exit: HVC/PSCI, WFI, an
   * unclaimed access), or nothing when it is off or waiting for an interrupt. Returns whether a
   * host debug hook stopped it before the instruction.
   */
  stepCpu(i: number): boolean {
    const cpu = this.cpus[i];
    if (cpu === undefined || !this.running[i] || this.stopReason !== undefined) return false;
    if (this.waiting[i]) {
      if (!(cpu.irqLevel || cpu.fiqLevel)) return false;
      this.waiting[i] = false;
    }
    cpu.halted = false;
    this.psci.cpuRunning(i);
    const hit = this.handleExit(i, cpu, 1, false);
    this.clock.runDue();
    if (this.paused) cpu.halted = true;
    return hit;
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
   * A budget that is not a whole number of at least 1 is a ConfigError (checkInstructionBudget).
   */
  async run(opts: { maxInstructions?: number; sliceInstructions?: number } = {}): Promise<MachineStop> {
    checkInstructionBudget(opts.maxInstructions);
    const slice = opts.sliceInstructions ?? 200_000;
    const limit = this.retired() + (opts.maxInstructions ?? Number.POSITIVE_INFINITY);
    let lastYield = Date.now();
    while (this.stopReason === undefined) {
      if (this.paused) {
        await new Promise<void>((r) => {
          this.resumeWaiter = r;
        });
        lastYield = Date.now();
        continue;
      }
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
        this.handleExit(i, cpu, Math.max(1, Math.min(slice, limit - this.retired())), true);
        if (this.stopReason !== undefined || this.paused) break;
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

  /** Run vCPU i; returns true when a host debug hook stopped it (then `notify` tells the debugger). */
  private handleExit(i: number, cpu: Cpu, budget: number, notify: boolean): boolean {
    const exit = cpu.run(budget);
    if (cpu.exceptionRepeats >= this.loopLimit && this.debugger === undefined) this.stuck(i, cpu);
    switch (exit.reason) {
      case "debug":
        if (exit.imm !== HOST_DEBUG_STOP) return false;
        if (notify) {
          this.pause();
          this.debugger?.debugStop(i);
        }
        return true;
      case "hvc": {
        if (this.hvcHook?.(i, exit.imm)) return false;
        const fn = num(cpu.getX(0));
        const r = this.psci.call(i, fn, num(cpu.getX(1)), num(cpu.getX(2)), num(cpu.getX(3)));
        cpu.setX(0, BigInt.asUintN(64, BigInt(r)));
        // CPU_SUSPEND is a standby here: like WFI, the vCPU sleeps until an interrupt is pending
        // (whatever PSTATE.{I,F} say) instead of returning at once and spinning.
        if ((fn === CPU_SUSPEND_32 || fn === CPU_SUSPEND_64) && r === 0 && !(cpu.irqLevel || cpu.fiqLevel)) {
          this.waiting[i] = true;
        }
        return false;
      }
      case "smc":
        // No EL3 here: PSCI's conduit is HVC. Answer NOT_SUPPORTED and step over the SMC.
        cpu.setX(0, BigInt.asUintN(64, -1n));
        cpu.setPC(cpu.getPC() + 4n);
        return false;
      case "wfi":
        if (!(cpu.irqLevel || cpu.fiqLevel)) this.waiting[i] = true;
        return false;
      case "unclaimed":
        this.log.warn(
          `u${i}`,
          `cpu${i}: access to unclaimed address ${hex(exit.address)} at pc ${hex(num(cpu.getPC()))}: external abort`,
        );
        cpu.injectExternalAbort(exit.esr & ISS_WNR ? "write" : "read", exit.vaLo, exit.vaHi);
        return false;
      default:
        return false;
    }
  }

  private stuck(i: number, cpu: Cpu): void {
    const r = cpu.repeatedException()!;
    this.loop ??= { cpu: i, ...r, message: describeExceptionLoop(i, r) };
    this.stop("exception-loop");
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

/**
 * A run's instruction budget (`run({ maxInstructions })`): a whole number of at least 1, else a
 * ConfigError. Front ends call it before building a machine; `run()` checks it again.
 */
export function checkInstructionBudget(maxInstructions: number | undefined): void {
  if (maxInstructions === undefined) return;
  if (!Number.isSafeInteger(maxInstructions) || maxInstructions < 1)
    throw new ConfigError(`maxInstructions must be an integer of at least 1, not ${maxInstructions}`);
}
