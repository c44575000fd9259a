import {
  type Bus,
  BusError,
  ConfigError,
  type IrqLine,
  RateLimitedLog,
  type StateReader,
  type StateWriter,
  type SysRegBlock,
  unconnectedIrqLine,
  type VirtualClock,
} from "@armature/core";
import { JitEngine, type JitOptions, type JitPage } from "../jit/jit.js";
import { type CpuState, cpuState, fetchFilled, IO_WORD } from "../jit/wasm/layout.js";
import type { CpuModel } from "../model.js";
import { decodeIndex, HANDLERS, type Handler, UNDEF_INDEX } from "./dispatch.js";
import { EC, ecFrom, esr, FSC, ISS_ISV, ISS_WNR } from "./syndrome.js";
import { SysRegs } from "./sysregs.js";
import { CpuMmu } from "./translate.js";

/*
 * Register file layout (documented for the FP/SIMD half):
 *   x: Int32Array(2 * 34). Register n (0..30) is x[2n] (low 32 bits) and x[2n+1] (high 32 bits).
 *      Slot 31 is the zero register (always 0; never written). Slot 32 is the current stack pointer
 *      (SP_EL0 or SP_ELx per PSTATE.SP/EL; the other one is banked in `spBank`). Slot 33 is scratch.
 *   v: Uint32Array(32 * 4) in the state block: V<n> occupies v[4n..4n+3], little-endian words
 *      (v[4n] = bits 31:0). `vb` (Uint8Array) and `vdv` (DataView) view the same bytes.
 *   fpcr, fpsr: plain 32-bit numbers (FPCR/FPSR fields as in the ARM ARM, D13.2).
 *   PSTATE: nf/zf/cf/vf are 0|1 numbers; el, spsel, daif (bits D,A,I,F at 9..6 as in SPSR), pan,
 *   uao, ssbs, dit, ss, il kept as separate fields and packed by `pstateToSpsr()`.
 */
export const X_SP = 32;

/** Why `run()` returned. */
export type ExitReason =
  | "budget"
  | "hvc"
  | "smc"
  | "svc"
  | "wfi"
  | "wfe"
  | "debug"
  | "unclaimed"
  | "halt"
  | "exception";

/**
 * The exit of `run()` (one object per CPU, reused: read it before the next `run()`).
 * PC rule (seed 001, Hypervisor.framework): for "hvc" and "svc" the PC already points past the
 * instruction; for "smc" the PC still points AT the SMC (the board adds 4 to resume after it); for
 * "wfi"/"wfe" the PC points past the instruction; for "debug" (BRK/HLT/breakpoint/step) and
 * "unclaimed" the PC points at the instruction; "exception" (user mode only) has `esr`/`far` set
 * and the PC at the faulting instruction.
 */
export interface CpuExit {
  reason: ExitReason;
  /** HVC/SMC/SVC/BRK/HLT immediate. */
  imm: number;
  /** ESR_EL2-style syndrome: EC << 26 | IL << 25 | ISS. */
  esr: number;
  /** Faulting / unclaimed address (low 53 bits exact). */
  address: number;
  /** "unclaimed": the virtual address the instruction used, as two 32-bit halves (the FAR for an
   * abort the board injects, ARM ARM D19.2.40). */
  vaLo: number;
  vaHi: number;
}

export interface CpuOptions {
  bus: Bus;
  model: CpuModel;
  /** The machine's clock: generic timer and CNTVCT read it, the run loop advances it. */
  clock?: VirtualClock;
  /** vCPU index on the board (MPIDR_EL1.Aff0, SysRegBlock calls). */
  index?: number;
  /** Linux user mode: SVC/faults at EL0 exit `run()` instead of entering EL1. */
  userMode?: boolean;
  /** Lines the generic timer and PMU drive (PPIs 30 CNTP, 27 CNTV, 23 PMU on the board's GIC). */
  timerLines?: { phys?: IrqLine; virt?: IrqLine; pmu?: IrqLine };
  /** An external system-register block (the GIC CPU interface ICC_*). */
  sysRegBlock?: SysRegBlock;
  /** Counter frequency (CNTFRQ_EL0), default 24 MHz (as on Apple M1). */
  counterHz?: number;
  /**
   * Execution engine: "jit" (the dynamic translator, src/jit/) or "interp" (the interpreter; same
   * results). Default: the ARMATURE_CPU_ENGINE environment variable when set to one of those, else
   * "jit".
   */
  engine?: CpuEngine;
  /** Translator tuning (engine "jit"). */
  jit?: JitOptions;
}

/** What `Cpu.applyEntryState` needs (boot's EntryState has this shape). */
export interface BootEntryState {
  pc: number | bigint;
  /** X0, X1, ... (as many as given). */
  x?: readonly (number | bigint)[];
  /** PSTATE in SPSR_ELx format; omitted: PSTATE unchanged (reset state: EL1h, DAIF masked). */
  pstate?: number;
}

/**
 * A host debugger's hooks (e.g. @armature/gdbstub), independent of the guest's own debug
 * registers. Installed with `Cpu.setHostDebug`; while installed the CPU runs one instruction at a
 * time in the interpreter (as for guest breakpoints), so the hot path is untouched without one.
 * A hook returning true stops the vCPU BEFORE the instruction: `run()` returns reason "debug"
 * with `imm` = HOST_DEBUG_STOP, the PC at that instruction and nothing of it executed.
 */
export interface HostDebugHooks {
  /** Consulted before each instruction (the PC is `cpu.getPC()`). */
  breakBefore(cpu: Cpu): boolean;
  /** Whether `access` must see data accesses (watchpoints armed): read when installed. */
  readonly watching: boolean;
  /** Each data access (virtual address as two 32-bit halves) while `watching`. */
  access(cpu: Cpu, lo: number, hi: number, size: number, write: boolean): boolean;
}

/** `CpuExit.imm` of a "debug" exit a `HostDebugHooks` hook asked for (BRK immediates are 16-bit). */
export const HOST_DEBUG_STOP = 0x1_0000;

/** The execution engines `CpuOptions.engine` selects. */
export type CpuEngine = "interp" | "jit";

/** Every `CpuEngine`, for option parsers and checks. */
export const CPU_ENGINES: readonly CpuEngine[] = ["interp", "jit"];

function defaultEngine(): CpuEngine {
  const env = typeof process === "undefined" ? undefined : process.env?.ARMATURE_CPU_ENGINE;
  return env === "interp" ? "interp" : "jit";
}

/** The engine to use: `engine` when given (a ConfigError for anything but "interp"/"jit"), else the default. */
export function resolveCpuEngine(engine: CpuEngine | undefined): CpuEngine {
  if (engine === undefined) return defaultEngine();
  if (!CPU_ENGINES.includes(engine))
    throw new ConfigError(`unknown CPU engine "${String(engine)}": use "interp" or "jit"`);
  return engine;
}

/** Thrown internally to abandon the current instruction after an exception was taken. */
export const ABORT = { abort: true };

const PAGE_BITS = 12;
const PAGE_SIZE = 4096;
const PAGE_MASK = ~(PAGE_SIZE - 1);
/** Entries of each direct-mapped software TLB (the translator's inline loads/stores index it too). */
export const TLB_SIZE = 512;
const TLB_MASK = TLB_SIZE - 1;
const INVALID_TAG = 1; // never equal to a page-aligned lo

/** Pre-decoded instructions of one physical page (handler index per 4-byte slot, -1 = not yet). */
export class PageCache {
  readonly decoded = new Int32Array(1024).fill(-1);
  readonly words = new Int32Array(1024);
  hasCode = false;
  /** Translated blocks of this page (src/jit/), dropped with the pre-decode. */
  jit: JitPage | undefined = undefined;
  constructor(
    readonly pa: number,
    readonly view: DataView,
    readonly base: number,
  ) {}
  invalidate(): void {
    if (this.hasCode) {
      this.decoded.fill(-1);
      this.hasCode = false;
      this.jit?.drop();
      this.jit = undefined;
    }
  }
}

/** What `Cpu.repeatedException()` reports: the exception a guest keeps taking. */
export interface RepeatedException {
  /** Entries in a row with this vector, ELR and ESR and no ERET in between. */
  repeats: number;
  /** Offset in the vector table (0x000 + 0x200 x origin + 0x80 x kind; 0x200: sync, current EL, SP_EL1). */
  vector: number;
  vbar: bigint;
  elr: bigint;
  esr: number;
  far: bigint;
}

/** An AArch64 processing element: state, memory path and the interpreter loop. */
// The Cpu fields a snapshot carries besides the register arrays, in their saved order (the order
// is the format: change it only with stateVersion). saveState and loadState both walk these lists.
const SNAPSHOT_NUMBERS = [
  "fpcr",
  "fpsr",
  "pc",
  "pcHi",
  "nf",
  "zf",
  "cf",
  "vf",
  "el",
  "spsel",
  "daif",
  "pan",
  "uao",
  "ssbs",
  "dit",
  "ss",
  "il",
  "exLo",
  "exHi",
  "exSize",
  "exVal0",
  "exVal1",
  "exVal2",
  "exVal3",
  "rhi",
  "retired",
] as const;
const SNAPSHOT_FLAGS = ["exValid", "event", "jumped", "recheck", "exitPending"] as const;
const SNAPSHOT_INPUTS = ["irqLevel", "fiqLevel", "serrorPending"] as const;

export class Cpu {
  readonly x: Int32Array;
  /** V0..V31 as words, bytes and a DataView of the same 512 bytes (in the state block: Cpu.state). */
  readonly v: Uint32Array;
  readonly vb: Uint8Array;
  readonly vdv: DataView;
  fpcr = 0;
  fpsr = 0;
  /** PC: low 32 bits (unsigned number) and high 32 bits (int32). */
  pc = 0;
  pcHi = 0;
  nf = 0;
  zf = 0;
  cf = 0;
  vf = 0;
  el = 0;
  spsel = 0;
  pan = 0;
  uao = 0;
  ssbs = 0;
  dit = 0;
  ss = 0;
  il = 0;
  /** PSTATE.{D,A,I,F} (bits 9..6, as in SPSR); in the state block (IO_ACCESSORS below). */
  declare daif: number;
  /** Banked SPs: [SP_EL0 lo, hi, SP_EL1 lo, hi]. The active one lives in x[64..65]. */
  readonly spBank: Int32Array;
  /**
   * Exclusive monitor: valid, address (lo, hi as int32), size, value (int32 halves); in the state
   * block (IO_ACCESSORS below). A 128-bit pair's second doubleword is exVal2/exVal3.
   */
  declare exValid: boolean;
  declare exLo: number;
  declare exHi: number;
  declare exSize: number;
  declare exVal0: number;
  declare exVal1: number;
  exVal2 = 0;
  exVal3 = 0;
  /** Event register (WFE/SEV). */
  event = false;
  /** Set by an instruction that changed PC (branch, exception) or needs the loop to re-check. */
  jumped = false;
  /** Set by an instruction after which the loop must re-check interrupts/exits (PC not changed). */
  recheck = false;
  /** Set when `run()` must return after the current instruction. */
  exitPending = false;
  /** Loaded-value slots of ld64 (hi) and friends. */
  rhi = 0;

  readonly bus: Bus;
  readonly model: CpuModel;
  readonly clock: VirtualClock | undefined;
  readonly index: number;
  readonly userMode: boolean;
  readonly sys: SysRegs;
  /** Stage 1 translation (SCTLR_EL1.M = 1): walker, second-level TLB, AT/TLBI (translate.ts). */
  readonly mmu: CpuMmu;
  readonly exit: CpuExit = { reason: "budget", imm: 0, esr: 0, address: 0, vaLo: 0, vaHi: 0 };
  readonly log = new RateLimitedLog("cpu-aarch64");
  /** Level of the IRQ and FIQ inputs (the GIC drives them through `irqInput`/`fiqInput`). */
  irqLevel = false;
  fiqLevel = false;
  serrorPending = false;
  /** The IRQ/FIQ input wires (give these to the GIC). */
  readonly irqInput: IrqLine;
  readonly fiqInput: IrqLine;
  readonly timerPhys: IrqLine;
  readonly timerVirt: IrqLine;
  readonly pmuLine: IrqLine;
  readonly sysRegBlock: SysRegBlock | undefined;
  /** Instructions retired (all runs). */
  retired = 0;
  /**
   * Exception-loop watch (host API: read it between `run()` calls, e.g. a board's run loop): how
   * many exception entries in a row took the same vector with the same ELR_EL1 and ESR_EL1 and no
   * ERET in between. A guest whose vector itself faults (no vector table yet: a kernel of random
   * bytes or zeros) counts up forever; a healthy guest returns from its exceptions, and an ERET
   * sets it back to 0. `repeatedException()` says which exception it is.
   */
  exceptionRepeats = 0;
  private repElrLo = 0;
  private repElrHi = 0;
  private repEsr = 0;
  private repVector = -1;
  /** Set when breakpoints or software step may fire: the loop then runs one instruction at a time. */
  debugActive = false;
  /** Set while a watchpoint is armed: data accesses bypass the TLB and are checked (D2.9). */
  watchActive = false;
  /** Set while an enabled PMU counter counts per-instruction events (pmu.ts): one instruction per slice. */
  pmuActive = false;
  /** debugActive || pmuActive: the run loop executes one instruction at a time (`stepOne`). */
  stepMode = false;
  halted = false;
  /** A host debugger's hooks (setHostDebug); undefined when none is attached. */
  hostDebug: HostDebugHooks | undefined = undefined;
  /** The dynamic translator (CpuOptions.engine "jit"); bypassed while `stepMode` (debug, PMU). */
  jit: JitEngine | undefined;
  private readonly jitOptions: JitOptions | undefined;

  // software TLB: read, write, exec (direct-mapped by VA page). The read and write arrays are
  // filled in place and never replaced: translated blocks (src/jit/) read them directly.
  // With an arena on the bus (Bus.arena), x and these arrays live inside it (src/jit/wasm/layout.ts).
  /** @internal */ readonly rTagLo: Int32Array;
  /** @internal */ readonly rTagHi: Int32Array;
  /** @internal */ readonly rBase: Int32Array;
  /** @internal */ readonly rView: DataView[] = [];
  /** @internal */ readonly wTagLo: Int32Array;
  /** @internal */ readonly wTagHi: Int32Array;
  /** @internal */ readonly wBase: Int32Array;
  /** @internal */ readonly wView: DataView[] = [];
  /** @internal The arena-backed state (its rAbs/wAbs: per TLB entry the page's arena offset or -1). */
  readonly state: CpuState;
  private readonly wPa = new Float64Array(TLB_SIZE);
  // the fetch TLB: translated code chaining to another page looks its target up here (src/jit/;
  // the tags are in the state block: WebAssembly blocks check their jump cache against them)
  /** @internal */ readonly eTagLo: Int32Array;
  /** @internal */ readonly eTagHi: Int32Array;
  /** @internal */ readonly ePage: PageCache[] = [];
  /**
   * @internal What `JitEngine.enter` reports besides its count: 0 it stayed in its slice; 1 it
   * ended slices and started new ones at page crossings (as `run` does: see `beginSlice`) and
   * returns in `jitPage` with `jitLeft`/`jitSlice` the run's new totals (its count is of the last
   * slice); 2 the same, but it stopped right after starting a slice (the loop fetches at the PC).
   */
  jitCross = 0;
  /** @internal Set by a translated block that left before a load/store for `JitEngine.enter` to run. */
  jitSlow = false;
  /** @internal */ jitLeft = 0;
  /** @internal */ jitSlice = 0;
  /** @internal */ jitPage: PageCache | undefined = undefined;
  /** @internal the virtual page (lo unsigned, hi) `jitPage` ran at */
  jitPageLo = 0;
  /** @internal */ jitPageHi = 0;
  private readonly pages = new Map<number, PageCache>();
  private readonly handlers: readonly Handler[];
  private readonly dummyView = new DataView(new ArrayBuffer(8));
  private readonly dummyPage: PageCache;

  constructor(opts: CpuOptions) {
    if (opts.bus === undefined || opts.model === undefined) {
      throw new ConfigError("Cpu needs { bus, model } (e.g. new Cpu({ bus, model: M1_MODEL }))");
    }
    this.bus = opts.bus;
    this.model = opts.model;
    const st = cpuState(opts.bus.arena, INVALID_TAG);
    this.state = st;
    this.x = st.x;
    this.spBank = st.spBank;
    const vb = st.vBytes;
    this.vb = vb;
    this.v = new Uint32Array(vb.buffer, vb.byteOffset, 128);
    this.vdv = new DataView(vb.buffer, vb.byteOffset, 512);
    this.eTagLo = st.eTagLo;
    this.eTagHi = st.eTagHi;
    this.rTagLo = st.rTagLo;
    this.rTagHi = st.rTagHi;
    this.rBase = st.rBase;
    this.wTagLo = st.wTagLo;
    this.wTagHi = st.wTagHi;
    this.wBase = st.wBase;
    this.clock = opts.clock;
    this.index = opts.index ?? 0;
    this.userMode = opts.userMode ?? false;
    this.sysRegBlock = opts.sysRegBlock;
    this.timerPhys = opts.timerLines?.phys ?? unconnectedIrqLine;
    this.timerVirt = opts.timerLines?.virt ?? unconnectedIrqLine;
    this.pmuLine = opts.timerLines?.pmu ?? unconnectedIrqLine;
    this.handlers = HANDLERS;
    this.jitOptions = opts.jit;
    this.jit =
      resolveCpuEngine(opts.engine) === "jit" ? new JitEngine(opts.jit, this.allRamInArena()) : undefined;
    this.dummyPage = new PageCache(-1, this.dummyView, 0);
    for (let i = 0; i < TLB_SIZE; i++) {
      this.rView.push(this.dummyView);
      this.wView.push(this.dummyView);
      this.ePage.push(this.dummyPage);
    }
    this.sys = new SysRegs(this, opts.counterHz ?? 24_000_000);
    this.mmu = new CpuMmu(this);
    const self = this;
    this.irqInput = {
      set(level: boolean) {
        self.irqLevel = level;
        self.recheck = true;
      },
      pulse() {
        self.irqLevel = true;
        self.recheck = true;
      },
    };
    this.fiqInput = {
      set(level: boolean) {
        self.fiqLevel = level;
        self.recheck = true;
      },
      pulse() {
        self.fiqLevel = true;
        self.recheck = true;
      },
    };
    this.reset();
  }

  /**
   * Whether the translator's default back end can be WebAssembly: the state is in an arena and no
   * RAM region went wholly outside it (`Bus.arenaSpilled`: every access of a wasm block there would
   * take the slow path, JS blocks serve it better). RAM split by `Bus.addRamParts` keeps WebAssembly:
   * fillData gives the outside part's TLB entries no arena offset (-1), so blocks take the slow path
   * for those pages only.
   */
  private allRamInArena(): boolean {
    return this.state.arena !== undefined && !this.bus.arenaSpilled;
  }

  /** Switch the execution engine between `run()` calls (the architectural state is shared). */
  setEngine(engine: CpuEngine): void {
    resolveCpuEngine(engine);
    if (engine === "jit" && this.jit === undefined)
      this.jit = new JitEngine(this.jitOptions, this.allRamInArena());
    if (engine === "interp" && this.jit !== undefined) {
      this.jit.flush();
      this.jit = undefined;
    }
  }

  /** Architectural reset: EL1h (EL0 in user mode), DAIF masked, registers zero. */
  reset(): void {
    this.x.fill(0);
    this.v.fill(0);
    this.spBank.fill(0);
    this.pc = 0;
    this.pcHi = 0;
    this.nf = this.zf = this.cf = this.vf = 0;
    this.el = this.userMode ? 0 : 1;
    this.spsel = this.userMode ? 0 : 1;
    this.spModeChanged();
    this.daif = this.userMode ? 0 : 0x3c0;
    this.fpcr = 0;
    this.fpsr = 0;
    this.exValid = false;
    this.halted = false;
    this.exceptionRepeats = 0;
    this.repVector = -1;
    this.sys.reset();
  }

  // ---------------------------------------------------------------- snapshots

  /** Snapshot state version (Snapshottable, @armature/core). */
  readonly stateVersion = 1;

  /**
   * Save the architectural state: X/SP/PC/PSTATE, V registers, FPCR/FPSR, the exclusive monitor,
   * the event register, pending interrupt inputs, the EL1/EL0 system registers, the generic timers
   * and the PMU. Caches (software TLB, pre-decode, translated code) are not saved.
   */
  saveState(w: StateWriter): void {
    w.u32(this.index);
    w.u32s(this.x);
    w.u32s(this.v);
    w.u32s(this.spBank);
    // rhi is a 64-bit load's high half on its way to the register it loads, never live between
    // instructions; which path last set it (interpreter, translated code) differs run to run.
    for (const k of SNAPSHOT_NUMBERS) w.f64(k === "rhi" ? 0 : this[k]);
    for (const k of SNAPSHOT_FLAGS) w.bool(this[k]);
    for (const k of SNAPSHOT_INPUTS) w.bool(this[k]);
    this.sys.saveState(w);
  }

  /** Parse a saved state; the commit applies it and drops every cache (Snapshottable). */
  loadState(r: StateReader): () => void {
    r.expect(this.index, "vCPU index");
    const x = r.u32s(this.x.length, "X");
    const v = r.u32s(this.v.length, "V");
    const sp = r.u32s(this.spBank.length, "SP bank");
    const n = SNAPSHOT_NUMBERS.map(() => r.f64());
    const flags = SNAPSHOT_FLAGS.map(() => r.bool());
    const inputs = SNAPSHOT_INPUTS.map(() => r.bool());
    const el = n[SNAPSHOT_NUMBERS.indexOf("el")]!;
    if (el !== 0 && el !== 1) r.fail(`exception level ${el}`);
    const sys = this.sys.loadState(r);
    return () => {
      this.x.set(new Int32Array(x.buffer));
      this.v.set(v);
      this.spBank.set(new Int32Array(sp.buffer));
      SNAPSHOT_NUMBERS.forEach((k, i) => {
        this[k] = n[i]!;
      });
      this.spModeChanged();
      SNAPSHOT_FLAGS.forEach((k, i) => {
        this[k] = flags[i]!;
      });
      SNAPSHOT_INPUTS.forEach((k, i) => {
        this[k] = inputs[i]!;
      });
      this.halted = false;
      sys();
      this.flushCaches();
      this.pmuActive = this.sys.pmu.active;
      this.updateDebug();
      this.recheck = flags[SNAPSHOT_FLAGS.indexOf("recheck")]!;
    };
  }

  /** Drop the software TLB, the second-level TLB, the pre-decoded pages and translated code. */
  flushCaches(): void {
    this.flushTlb();
    this.mmu.resetCaches();
    this.pages.clear();
    for (let i = 0; i < TLB_SIZE; i++) this.ePage[i] = this.dummyPage;
    this.jit?.flush();
  }

  // ---------------------------------------------------------------- registers (host API)

  /** X register n (0..30; 31 = SP) as a bigint (host API, not for hot paths). */
  getX(n: number): bigint {
    const i = n === 31 ? X_SP : n;
    return (BigInt(this.x[2 * i + 1]! >>> 0) << 32n) | BigInt(this.x[2 * i]! >>> 0);
  }
  setX(n: number, v: bigint | number): void {
    const b = BigInt.asUintN(64, BigInt(v));
    const i = n === 31 ? X_SP : n;
    if (i === 31) return;
    this.x[2 * i] = Number(b & 0xffffffffn) | 0;
    this.x[2 * i + 1] = Number(b >> 32n) | 0;
  }
  getPC(): bigint {
    return (BigInt(this.pcHi >>> 0) << 32n) | BigInt(this.pc >>> 0);
  }
  setPC(v: bigint | number): void {
    const b = BigInt.asUintN(64, BigInt(v));
    this.pc = Number(b & 0xffffffffn);
    this.pcHi = Number(b >> 32n) | 0;
    this.jumped = true;
  }
  getNZCV(): number {
    return (this.nf << 31) | (this.zf << 30) | (this.cf << 29) | (this.vf << 28);
  }
  setNZCV(v: number): void {
    this.nf = (v >>> 31) & 1;
    this.zf = (v >>> 30) & 1;
    this.cf = (v >>> 29) & 1;
    this.vf = (v >>> 28) & 1;
  }

  /** PSTATE packed as SPSR_ELx (ARM ARM C5.2.18). */
  pstateToSpsr(): number {
    return (
      (this.getNZCV() |
        (this.dit << 24) |
        (this.uao << 23) |
        (this.pan << 22) |
        (this.ss << 21) |
        (this.il << 20) |
        (this.ssbs << 12) |
        this.daif |
        (this.el << 2) |
        this.spsel) >>>
      0
    );
  }

  /** Switch the active SP to the one selected by (el, spsel). */
  private bankSp(newEl: number, newSpsel: number): void {
    const oldIdx = this.el === 0 || this.spsel === 0 ? 0 : 2;
    const newIdx = newEl === 0 || newSpsel === 0 ? 0 : 2;
    if (oldIdx !== newIdx) {
      const x = this.x;
      const b = this.spBank;
      b[oldIdx] = x[64]!;
      b[oldIdx + 1] = x[65]!;
      x[64] = b[newIdx]!;
      x[65] = b[newIdx + 1]!;
    }
  }

  setEl(el: number, spsel: number): void {
    this.bankSp(el, spsel);
    this.el = el;
    this.spsel = spsel;
    this.spModeChanged();
    this.mmu.privChanged();
  }

  /** Tell translated code whether SP_EL0 is banked (EL1 with SPSel 1: IO_WORD.el1h). */
  private spModeChanged(): void {
    this.state.io[IO_WORD.el1h] = this.el !== 0 && this.spsel !== 0 ? 1 : 0;
  }

  /** SP_EL0 / SP_EL1 regardless of which is active (lo, hi). */
  readSpEl(n: 0 | 1): [number, number] {
    const active = this.el === 0 || this.spsel === 0 ? 0 : 1;
    if (active === n) return [this.x[64]!, this.x[65]!];
    return [this.spBank[2 * n]!, this.spBank[2 * n + 1]!];
  }
  writeSpEl(n: 0 | 1, lo: number, hi: number): void {
    const active = this.el === 0 || this.spsel === 0 ? 0 : 1;
    if (active === n) {
      this.x[64] = lo;
      this.x[65] = hi;
    } else {
      this.spBank[2 * n] = lo;
      this.spBank[2 * n + 1] = hi;
    }
  }

  restoreSpsr(spsr: number): void {
    this.setNZCV(spsr);
    this.dit = (spsr >>> 24) & 1;
    this.uao = (spsr >>> 23) & 1;
    this.pan = (spsr >>> 22) & 1;
    this.ss = (spsr >>> 21) & 1;
    this.il = (spsr >>> 20) & 1;
    this.ssbs = (spsr >>> 12) & 1;
    this.daif = spsr & 0x3c0;
    let el = (spsr >>> 2) & 3;
    let sp = spsr & 1;
    if (el > 1 || (spsr & 0x10) !== 0) {
      // Illegal exception return (ARM ARM D1.11.5): PSTATE.IL set, EL unchanged.
      this.il = 1;
      el = this.el;
      sp = this.spsel;
    }
    this.setEl(el, sp);
    if (this.debugActive) this.updateDebug();
  }

  // ---------------------------------------------------------------- exceptions

  /**
   * Take a synchronous exception to EL1 (ARM ARM D1.10): ESR_EL1, FAR_EL1 (for aborts), ELR_EL1 =
   * the preferred return address, SPSR_EL1, PSTATE.{EL=1,SP=1,DAIF=1111}, PC = VBAR + offset.
   * In user mode the exception ends `run()` with reason "exception" (the runner makes it a signal).
   * Always throws ABORT to abandon the current instruction.
   */
  syncException(ec: number, iss: number, farLo: number, farHi: number, retLo: number, retHi: number): never {
    const syndrome = esr(ec, iss);
    if (this.userMode && this.el === 0) {
      this.exit.reason = "exception";
      this.exit.esr = syndrome;
      this.exit.address = (farHi >>> 0) * 4294967296 + (farLo >>> 0);
      this.pc = retLo >>> 0;
      this.pcHi = retHi | 0;
      this.exitPending = true;
      this.jumped = true;
      throw ABORT;
    }
    this.takeSync(syndrome, farLo, farHi, retLo, retHi);
    throw ABORT;
  }

  /** Synchronous exception entry to EL1 without abandoning anything (ESR, FAR, ELR, SPSR, vector). */
  private takeSync(syndrome: number, farLo: number, farHi: number, retLo: number, retHi: number): void {
    const s = this.sys;
    s.esrEl1 = syndrome;
    s.farLo = farLo | 0;
    s.farHi = farHi | 0;
    this.enterEl1(0, retLo, retHi);
  }

  /**
   * Host API (boards): take a synchronous External abort to EL1 for the instruction at the PC, for
   * an access that nothing decodes or that failed outside the CPU (ARM ARM D19.2.40: EC 0x24/0x25
   * data abort, or 0x20/0x21 instruction abort for "fetch"; IL 1; ISV 0; WnR for writes;
   * DFSC/IFSC 0x10). FAR = (farLo, farHi), the virtual address the access used; ELR = the PC.
   * Call it between `run()` calls, e.g. after an "unclaimed" exit (use `exit.vaLo`/`exit.vaHi`).
   */
  injectExternalAbort(access: "read" | "write" | "fetch", farLo: number, farHi: number): void {
    const fetch = access === "fetch";
    const ec = ecFrom(fetch ? EC.IABT_LOWER : EC.DABT_LOWER, this.el);
    const iss = (access === "write" ? ISS_WNR : 0) | FSC.EXTERNAL;
    this.takeSync(esr(ec, iss), farLo, farHi, this.pc, this.pcHi);
  }

  /**
   * Host API (boot loaders, PSCI CPU_ON): apply a boot entry state. PC and X0..X3 (missing
   * registers are left alone) and, when given, PSTATE in SPSR_ELx format (e.g. 0x3c5 = EL1h with
   * D, A, I, F masked, the Linux arm64 boot protocol's state). EL2/EL3 are not implemented: an
   * entry state for them throws a ConfigError.
   */
  applyEntryState(state: BootEntryState): void {
    if (state.pstate !== undefined) {
      const el = (state.pstate >>> 2) & 3;
      if (el > 1 || (state.pstate & 0x10) !== 0) {
        throw new ConfigError(
          `applyEntryState: PSTATE 0x${state.pstate.toString(16)} is not EL0/EL1 AArch64 (this CPU implements EL0 and EL1 only)`,
        );
      }
      this.restoreSpsr(state.pstate);
    }
    const x = state.x ?? [];
    for (let r = 0; r < x.length && r < 31; r++) this.setX(r, x[r]!);
    this.setPC(state.pc);
  }

  /** Exception entry to EL1 with vector kind (0 sync, 0x80 IRQ, 0x100 FIQ, 0x180 SError). */
  enterEl1(kind: number, retLo: number, retHi: number): void {
    const s = this.sys;
    s.spsrEl1 = this.pstateToSpsr();
    s.elrLo = retLo | 0;
    s.elrHi = retHi | 0;
    const from = this.el;
    const base = from === 0 ? 0x400 : this.spsel === 0 ? 0 : 0x200;
    this.setEl(1, 1);
    this.daif = 0x3c0;
    this.ss = 0;
    this.il = 0;
    if (this.debugActive) this.updateDebug();
    if (s.sctlr & (1 << 23)) this.pan = 1; // SCTLR_EL1.SPAN == 0 sets PAN
    this.uao = 0;
    this.mmu.privChanged();
    const off = (base + kind) >>> 0;
    if (
      s.elrLo === this.repElrLo &&
      s.elrHi === this.repElrHi &&
      s.esrEl1 === this.repEsr &&
      off === this.repVector
    ) {
      this.exceptionRepeats++;
    } else {
      this.exceptionRepeats = 1;
      this.repElrLo = s.elrLo;
      this.repElrHi = s.elrHi;
      this.repEsr = s.esrEl1;
      this.repVector = off;
    }
    const l = (s.vbarLo >>> 0) + off;
    this.pc = l >>> 0 === l ? l : l - 4294967296;
    this.pcHi = (s.vbarHi + (l > 0xffffffff ? 1 : 0)) | 0;
    this.exValid = false;
    this.jumped = true;
  }

  /**
   * Host API: the exception `exceptionRepeats` counts (undefined before the first one): its offset
   * in the vector table (0x200 = synchronous from the current EL with SP_EL1, 0x280 IRQ ...),
   * VBAR_EL1, ELR_EL1, ESR_EL1 and FAR_EL1 as they are now.
   */
  repeatedException(): RepeatedException | undefined {
    if (this.repVector < 0) return undefined;
    const s = this.sys;
    const u64 = (lo: number, hi: number) => (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0);
    return {
      repeats: this.exceptionRepeats,
      vector: this.repVector,
      vbar: u64(s.vbarLo, s.vbarHi),
      elr: u64(this.repElrLo, this.repElrHi),
      esr: this.repEsr >>> 0,
      far: u64(s.farLo, s.farHi),
    };
  }

  /** UNDEFINED instruction at the current PC. */
  undefinedInstruction(): never {
    return this.syncException(EC.UNKNOWN, 0, 0, 0, this.pc, this.pcHi);
  }

  /** Data abort at address (lo, hi). fsc: 0x04 translation L0.., 0x10 external, 0x21 alignment. */
  dataAbort(lo: number, hi: number, write: boolean, fsc: number): never {
    const ec = ecFrom(EC.DABT_LOWER, this.el);
    return this.syncException(ec, (write ? ISS_WNR : 0) | fsc, lo, hi, this.pc, this.pcHi);
  }

  alignmentFault(lo: number, hi: number, write: boolean): never {
    return this.dataAbort(lo, hi, write, FSC.ALIGNMENT);
  }

  /** Check pending asynchronous exceptions (called between instructions). */
  private checkInterrupts(): boolean {
    const v = this.interruptVector();
    if (v < 0) return false;
    if (v === 0x180) {
      this.serrorPending = false;
      this.sys.esrEl1 = esr(EC.SERROR, 0);
    }
    this.enterEl1(v, this.pc, this.pcHi);
    return true;
  }

  /**
   * @internal The vector offset (0x180 SError, 0x100 FIQ, 0x80 IRQ) of the interrupt the CPU would
   * take now, or -1: a line up and not masked at the current EL by PSTATE.{A,I,F} (ARM ARM
   * D1.13.2, EL1-only model). Translated code asks it too (wasm backend.ts interruptDue).
   */
  interruptVector(): number {
    if (this.userMode) return -1;
    const d = this.daif;
    if (this.serrorPending && (d & 0x100) === 0) return 0x180;
    if (this.fiqLevel && (d & 0x40) === 0) return 0x100;
    if (this.irqLevel && (d & 0x80) === 0) return 0x80;
    return -1;
  }

  // ---------------------------------------------------------------- run loop

  /**
   * Whether this CPU must be run instruction by instruction by the interpreter right now: hardware
   * breakpoints, watchpoints or software step are armed, or a PMU counter counts per-instruction
   * events. Cheap (two field reads); recomputed on the system-register writes that change it.
   * A dynamic translator runs its blocks only while this is false.
   */
  needsInterpreter(): boolean {
    return this.stepMode || this.watchActive;
  }

  /** Stop `run()` after the current instruction with reason "halt". */
  halt(): void {
    this.halted = true;
    this.recheck = true;
  }

  /**
   * Execute up to `budget` instructions. Returns the shared exit object (see CpuExit for the PC
   * rule of each reason). Guest errors never throw out of here.
   */
  /**
   * @internal The run loop's work where a slice starts (translated code chaining across pages
   * does the same): fire due timers, cut the slice at the next deadline, take a pending
   * interrupt. Returns the slice's length (at most `left`).
   */
  beginSlice(left: number): number {
    let slice = left;
    const clock = this.clock;
    if (clock !== undefined) {
      // one reading of the clock per slice unless a timer is due (in real-time mode a reading is
      // the host's clock, ~50 ns, and a boot starts ~30,000 slices per million instructions)
      let dl = clock.nextDeadline();
      if (dl !== Number.POSITIVE_INFINITY) {
        let now = clock.nowNs();
        if (dl <= now) {
          clock.runDue();
          dl = clock.nextDeadline();
          now = clock.nowNs();
        }
        if (dl !== Number.POSITIVE_INFINITY) {
          const n = Math.ceil((dl - now) / clock.nsPerInstruction);
          if (n < slice) slice = Math.max(n, 1);
        }
      }
    }
    this.jumped = false;
    if ((this.irqLevel || this.fiqLevel || this.serrorPending) && this.checkInterrupts()) {
      // vector taken; fetch at the new PC (not a branch: the first vector instruction runs once)
      this.jumped = false;
    }
    return slice;
  }

  run(budget: number): CpuExit {
    const exit = this.exit;
    exit.reason = "budget";
    exit.imm = 0;
    exit.esr = 0;
    exit.address = 0;
    exit.vaLo = 0;
    exit.vaHi = 0;
    this.exitPending = false;
    let left = budget;
    const handlers = this.handlers;
    const clock = this.clock;
    // set when translated code started this slice already (jitCross 2)
    let resume = false;
    let slice = 0;
    while (left > 0) {
      if (resume) resume = false;
      else {
        if (this.halted) {
          exit.reason = "halt";
          break;
        }
        slice = this.beginSlice(left);
      }
      if (this.stepMode) {
        // Breakpoints, software step or per-instruction PMU events: one instruction at a time.
        const n = this.stepOne();
        left -= n === 0 ? 1 : n;
        this.retired += n;
        if (clock !== undefined) clock.advanceInstructions(n);
        if (this.exitPending) break;
        continue;
      }
      let done = 0;
      const jit = this.jit;
      const jitThreshold = jit === undefined ? 0 : jit.threshold;
      let probe = jit !== undefined;
      // the slot where the current interpreted run started (a probe found no block there): the
      // run's length is added to its count when the next probe or the end of the slice comes
      let runJp: JitPage | undefined;
      let runSlot = 0;
      let runDone = 0;
      try {
        let page = this.fetchPage();
        let dec = page.decoded;
        let words = page.words;
        let slot = (this.pc & 0xfff) >>> 2;
        let pageLo = this.pc - (this.pc & 0xfff);
        let pageHi = this.pcHi;
        for (;;) {
          if (probe && jit !== undefined) {
            // A translated block (src/jit/) stops where this loop would: same checks below. Blocks
            // start where control arrives by a branch (or a slice starts); the count of a cold
            // slot (instructions interpreted from it, added when the run ends) is kept here, so
            // interpreted straight-line code pays nothing per instruction.
            probe = false;
            if (runJp !== undefined) {
              runJp.hits[runSlot]! += done - runDone;
              runJp = undefined;
            }
            const jp = page.jit ?? jit.attach(page);
            const f = jp.fns[slot];
            let n = 0;
            if (f !== undefined) {
              if (f !== null) n = jit.enter(this, page, slot, slice - done, done, left);
            } else if (jp.hits[slot]! >= jitThreshold)
              n = jit.enter(this, page, slot, slice - done, done, left);
            else {
              runJp = jp;
              runSlot = slot;
              runDone = done;
            }
            if (this.jitCross !== 0) {
              // the translated code ended this slice at a page crossing and ran on in new ones
              left = this.jitLeft;
              slice = this.jitSlice;
              done = 0;
              if (this.jitCross === 2) {
                this.jitCross = 0;
                resume = true;
                break;
              }
              this.jitCross = 0;
              page = this.jitPage!;
              dec = page.decoded;
              words = page.words;
              pageLo = this.jitPageLo;
              pageHi = this.jitPageHi;
            }
            if (n !== 0) {
              probe = true;
              if (n < 0) {
                done -= n + 1; // the catch below counts the faulting instruction
                throw ABORT;
              }
              done += n;
              const npc = this.pc;
              if (this.jumped) {
                if (
                  done >= slice ||
                  this.exitPending ||
                  this.recheck ||
                  this.pcHi !== pageHi ||
                  npc - (npc & 0xfff) !== pageLo ||
                  (npc & 3) !== 0
                ) {
                  break;
                }
                this.jumped = false;
              } else if ((npc & 0xfff) === 0 || done >= slice || this.recheck) {
                this.recheck = false;
                break;
              }
              slot = (npc & 0xfff) >>> 2;
              continue;
            }
          }
          let idx = dec[slot]!;
          if (idx < 0) idx = this.fill(page, slot);
          handlers[idx]!(this, words[slot]!);
          done++;
          if (this.jumped) {
            // A branch within the same page continues here without another TLB lookup.
            const npc = this.pc;
            if (
              done >= slice ||
              this.exitPending ||
              this.recheck ||
              this.pcHi !== pageHi ||
              npc - (npc & 0xfff) !== pageLo ||
              (npc & 3) !== 0
            ) {
              break;
            }
            this.jumped = false;
            slot = (npc & 0xfff) >>> 2;
            probe = jit !== undefined;
            continue;
          }
          this.pc += 4;
          if (++slot === 1024 || done >= slice || this.recheck) {
            this.recheck = false;
            if (this.pc > 0xffffffff) {
              this.pc -= 4294967296;
              this.pcHi = (this.pcHi + 1) | 0;
            }
            break;
          }
        }
      } catch (e) {
        if (e !== ABORT) throw e;
        done++;
      }
      if (runJp !== undefined) runJp.hits[runSlot]! += done - runDone;
      left -= done;
      this.retired += done;
      if (clock !== undefined) clock.advanceInstructions(done);
      if (this.exitPending && !resume) break;
    }
    return exit;
  }

  /**
   * Execute one instruction with the debug checks (pending software step, breakpoints) before it
   * and the PMU count after it. Returns the instructions retired (0 when a debug exception was
   * taken instead).
   */
  private stepOne(): number {
    const host = this.hostDebug;
    if (host?.breakBefore(this)) {
      this.requestExit("debug", HOST_DEBUG_STOP, 0);
      return 0;
    }
    let stepping = false;
    if (this.debugActive) {
      const step = this.stepActive();
      try {
        // A pending Software Step exception is taken before the next instruction (D2.12.5),
        // ahead of a breakpoint on it.
        if (step && this.ss === 0) this.softwareStep();
        this.checkBreakpoint();
      } catch (e) {
        if (e !== ABORT) throw e;
        return 0;
      }
      stepping = step;
    }
    const el = this.el;
    try {
      const page = this.fetchPage();
      const slot = (this.pc & 0xfff) >>> 2;
      let idx = page.decoded[slot]!;
      if (idx < 0) idx = this.fill(page, slot);
      this.handlers[idx]!(this, page.words[slot]!);
      if (!this.jumped) {
        this.pc += 4;
        if (this.pc > 0xffffffff) {
          this.pc -= 4294967296;
          this.pcHi = (this.pcHi + 1) | 0;
        }
      }
      this.recheck = false;
    } catch (e) {
      if (e !== ABORT) throw e;
    }
    if (this.pmuActive) this.sys.pmu.tick(el);
    // The stepped instruction completed (an exception it took cleared SS already): now pending.
    if (stepping) this.ss = 0;
    return 1;
  }

  /** Recompute `stepMode` (debug or PMU state changed). */
  updateStepMode(): void {
    this.stepMode = this.debugActive || this.pmuActive || this.hostDebug !== undefined;
    this.recheck = true;
  }

  // ---------------------------------------------------------------- self-hosted debug (D2)

  /**
   * Install (or, with undefined, remove) a host debugger's hooks; call again when their
   * `watching` changes. Between `run()` calls.
   */
  setHostDebug(hooks: HostDebugHooks | undefined): void {
    this.hostDebug = hooks;
    this.updateDebug();
  }

  /**
   * Host API (debuggers): the physical address a data read of `va` would use in the current
   * translation regime, or undefined when it would fault. No exception, no TLB fill, no
   * access-flag or dirty-state update (an AT-style walk).
   */
  debugTranslate(va: bigint): number | undefined {
    const lo = Number(va & 0xffffffffn) | 0;
    const hi = Number((va >> 32n) & 0xffffffffn) | 0;
    if ((this.sys.sctlr & 1) !== 0 && !this.userMode) return this.mmu.debugTranslate(lo, hi);
    // Flat (as `translate`): the top byte ignored when TBI says so, then a 52-bit PA.
    const h = hi >>> 24 !== 0 && (this.sys.tcrHi & (hi & 0x800000 ? 0x40 : 0x20)) !== 0 ? (hi << 8) >> 8 : hi;
    if (h >>> (this.userMode ? 16 : 20) !== 0) return undefined;
    return (h >>> 0) * 4294967296 + (lo >>> 0);
  }

  /** Recompute whether breakpoints / software step can fire (after MDSCR/DBGBCR/PSTATE.SS changes). */
  updateDebug(): void {
    const s = this.sys;
    const mdscr = s.mdscr();
    const locked = s.debugLocked();
    const bp = (mdscr & (1 << 15)) !== 0 && s.dbgbcr.some((c) => (c & 1) !== 0);
    this.debugActive = !locked && !this.userMode && (bp || (mdscr & 1) !== 0);
    this.updateStepMode(); // ends the slice: the run loop re-reads stepMode
    const wp =
      (!locked && !this.userMode && (mdscr & (1 << 15)) !== 0 && s.dbgwcr.some((c) => (c & 1) !== 0)) ||
      this.hostDebug?.watching === true;
    if (wp !== this.watchActive) {
      this.watchActive = wp;
      this.flushTlb();
    }
  }

  /**
   * Watchpoint exception when an enabled DBGWCR/DBGWVR pair covers a byte of the access (D2.9:
   * BAS byte mask of the doubleword at DBGWVR, LSC load/store, PAC privilege). FAR = the address
   * the access used; ESR ISS WnR and DFSC 0x22.
   */
  private checkWatchpoint(lo: number, hi: number, write: boolean, size: number): void {
    if (!this.debugEnabled()) return;
    const s = this.sys;
    const addr = (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0);
    for (let n = 0; n < 4; n++) {
      const ctl = s.dbgwcr[n]!;
      if ((ctl & 1) === 0) continue;
      const pac = (ctl >>> 1) & 3;
      if (!((this.el === 0 && (pac & 2) !== 0) || (this.el === 1 && (pac & 1) !== 0))) continue;
      const lsc = (ctl >>> 3) & 3;
      if (!(write ? lsc & 2 : lsc & 1)) continue;
      const base = s.dbgwvr[n]! & ~7n;
      const bas = (ctl >>> 5) & 0xff;
      for (let k = 0; k < 8; k++) {
        if (((bas >>> k) & 1) === 0) continue;
        const off = base + BigInt(k) - addr;
        if (off >= 0n && off < BigInt(size)) {
          this.syncException(
            ecFrom(EC.WPT_LOWER, this.el),
            (write ? ISS_WNR : 0) | FSC.DEBUG,
            lo,
            hi,
            this.pc,
            this.pcHi,
          );
        }
      }
    }
  }

  /** Debug exceptions from the current EL are enabled (D2.10: EL0 always, EL1 with KDE and PSTATE.D clear). */
  private debugEnabled(): boolean {
    if (this.el === 0) return true;
    return (this.sys.mdscr() & (1 << 13)) !== 0 && (this.daif & 0x200) === 0;
  }

  /** Breakpoint exception when an enabled DBGBCR/DBGBVR pair matches the PC (D2.8, address match). */
  private checkBreakpoint(): void {
    const s = this.sys;
    if ((s.mdscr() & (1 << 15)) === 0 || !this.debugEnabled()) return;
    const pc = this.getPC();
    for (let n = 0; n < 6; n++) {
      const ctl = s.dbgbcr[n]!;
      if ((ctl & 1) === 0) continue;
      if (((ctl >>> 20) & 15) !== 0) continue; // BT: only unlinked address match is implemented
      const pmc = (ctl >>> 1) & 3; // 01 EL1, 10 EL0, 11 both
      if (!((this.el === 0 && (pmc & 2) !== 0) || (this.el === 1 && (pmc & 1) !== 0))) continue;
      if ((s.dbgbvr[n]! & ~3n) === (pc & ~3n)) {
        const ec = ecFrom(EC.BKPT_LOWER, this.el);
        this.syncException(ec, FSC.DEBUG, 0, 0, this.pc, this.pcHi);
      }
    }
  }

  /**
   * Software step is active (D2.12.2): MDSCR_EL1.SS = 1, the OS lock and double lock clear, and
   * debug exceptions enabled from the current EL. PSTATE.SS then says which state: 1
   * active-not-pending (step this instruction), 0 active-pending (take the exception now).
   */
  private stepActive(): boolean {
    return (this.sys.mdscr() & 1) !== 0 && !this.sys.debugLocked() && this.debugEnabled();
  }

  /** Software Step exception: ESR ISV = 1, EX = 0, IFSC = 0x22; ELR = the next instruction. */
  private softwareStep(): never {
    return this.syncException(
      ecFrom(EC.SOFTSTEP_LOWER, this.el),
      ISS_ISV | FSC.DEBUG,
      0,
      0,
      this.pc,
      this.pcHi,
    );
  }

  /** Request an exit from an instruction handler (PC already set per the exit's rule). */
  requestExit(reason: ExitReason, imm: number, esr: number): void {
    this.exit.reason = reason;
    this.exit.imm = imm;
    this.exit.esr = esr >>> 0;
    this.exitPending = true;
    this.jumped = true;
  }

  /** Decode `slot` of `page` into the pre-decode cache (marks the page as code). */
  fill(page: PageCache, slot: number): number {
    const w = page.view.getInt32(page.base + slot * 4, true);
    page.words[slot] = w;
    const d = decodeIndex(w, this.model);
    page.decoded[slot] = d;
    if (!page.hasCode) {
      page.hasCode = true;
      this.flushWriteTlbFor(page.pa);
    }
    return d;
  }

  private fetchPage(): PageCache {
    let lo = this.pc;
    if ((lo & 3) !== 0) {
      this.syncException(EC.PC_ALIGN, 0, lo, this.pcHi, lo, this.pcHi);
    }
    lo |= 0;
    const hi = this.pcHi;
    const i = (lo >>> PAGE_BITS) & TLB_MASK;
    if (this.eTagLo[i] === (lo & PAGE_MASK) && this.eTagHi[i] === hi) return this.ePage[i]!;
    const pa = this.translate(lo, hi, 2);
    const ppn = Math.floor(pa / PAGE_SIZE);
    let page = this.pages.get(ppn);
    if (page === undefined) {
      const r = this.bus.find(ppn * PAGE_SIZE);
      if (r === undefined || r.kind !== "ram" || !r.contains(ppn * PAGE_SIZE, PAGE_SIZE)) {
        // Instruction fetch from a non-RAM address: synchronous external abort on fetch.
        this.syncException(ecFrom(EC.IABT_LOWER, this.el), FSC.EXTERNAL, lo, hi, lo, hi);
      }
      page = new PageCache(ppn * PAGE_SIZE, r.view, ppn * PAGE_SIZE - r.base);
      this.pages.set(ppn, page);
    }
    this.eTagLo[i] = lo & PAGE_MASK;
    this.eTagHi[i] = hi;
    this.ePage[i] = page;
    fetchFilled(this.state, i);
    this.noteFill(2 * TLB_SIZE + i);
    return page;
  }

  // ---------------------------------------------------------------- translation + TLB

  /**
   * VA -> PA. access: 0 read, 1 write, 2 fetch. SCTLR_EL1.M = 0: flat (VA = PA), PA limited to 52
   * bits (else an address size fault). The MMU walker will plug in here and fill the TLB.
   */
  translate(lo: number, hi: number, access: number): number {
    if ((this.sys.sctlr & 1) !== 0 && !this.userMode) return this.mmu.translate(lo, hi, access);
    // Top Byte Ignore for data accesses (TCR_EL1.TBI0/TBI1, bits 37/38): the tag is replaced by the
    // sign extension of bit 55 (ARM ARM D8.8 "Address tagging").
    if (access !== 2 && hi >>> 24 !== 0 && (this.sys.tcrHi & (hi & 0x800000 ? 0x40 : 0x20)) !== 0) {
      hi = (hi << 8) >> 8;
    }
    if (hi >>> (this.userMode ? 16 : 20) !== 0) {
      // Outside the flat space (52-bit PA, or the 48-bit user VA space): translation fault, level 0.
      if (access === 2)
        this.syncException(ecFrom(EC.IABT_LOWER, this.el), FSC.TRANSLATION_L0, lo, hi, lo, hi);
      this.dataAbort(lo, hi, access === 1, FSC.TRANSLATION_L0);
    }
    return (hi >>> 0) * 4294967296 + (lo >>> 0);
  }

  /** Drop every cached translation (TLBI, SCTLR/TTBR/TCR writes). */
  flushTlb(): void {
    this.mmu.regsDirty = true;
    this.rTagLo.fill(INVALID_TAG);
    this.wTagLo.fill(INVALID_TAG);
    this.eTagLo.fill(INVALID_TAG);
    if (this.wideCount !== 0) {
      this.wideCount = 0;
      this.wideMark.fill(0);
    }
  }

  /**
   * Software TLB slots (read 0..511, write 512..1023, fetch 1024..1535) filled, since the last
   * whole flush, from a translation wider than their page (CpuMmu.lastWide): the only slots a
   * TLBI by VA of another page can concern. wideMark[slot] is 1 while the slot is listed.
   */
  private readonly wideSlots = new Int32Array(3 * TLB_SIZE);
  private readonly wideMark = new Uint8Array(3 * TLB_SIZE);
  private wideCount = 0;

  /** After filling software TLB `slot` from translate(): list it when the translation was wide. */
  private noteFill(slot: number): void {
    if ((this.sys.sctlr & 1) === 0 || this.userMode || !this.mmu.lastWide() || this.wideMark[slot] === 1)
      return;
    this.wideMark[slot] = 1;
    this.wideSlots[this.wideCount++] = slot;
  }

  /**
   * Drop the cached translations a TLBI by VA can concern: every page of the 2^spanLog2-aligned
   * region around VA (VA[55:32], VA[31:0]), where 2^spanLog2 is at least the largest translation
   * the TLB has held. Linux's early paging_init issues ~17,000 TLBIs by VA (one per fixmap page);
   * a whole flush after each made every code and data page miss again.
   */
  flushTlbRegion(vaLo: number, vaHi: number, spanLog2: number): void {
    if (spanLog2 >= 56) {
      const dirty = this.mmu.regsDirty;
      this.flushTlb();
      this.mmu.regsDirty = dirty;
      return;
    }
    const mHi = spanLog2 >= 32 ? 0x00ffffff & -(1 << (spanLog2 - 32)) : 0x00ffffff;
    const mLo = spanLog2 >= 32 ? 0 : -(1 << spanLog2);
    const wantHi = vaHi & mHi;
    const wantLo = vaLo & mLo;
    // The page's own slot in each TLB, whatever translation filled it; a slot of another page
    // translates only that page unless it came from a wider translation (wideSlots).
    const i = (vaLo >>> PAGE_BITS) & TLB_MASK;
    const pageLo = vaLo & PAGE_MASK;
    const pageHi = vaHi & 0x00ffffff;
    if (this.rTagLo[i] === pageLo && (this.rTagHi[i]! & 0x00ffffff) === pageHi) this.rTagLo[i] = INVALID_TAG;
    if (this.wTagLo[i] === pageLo && (this.wTagHi[i]! & 0x00ffffff) === pageHi) this.wTagLo[i] = INVALID_TAG;
    if (this.eTagLo[i] === pageLo && (this.eTagHi[i]! & 0x00ffffff) === pageHi) this.eTagLo[i] = INVALID_TAG;
    for (let k = 0; k < this.wideCount; k++) {
      const slot = this.wideSlots[k]!;
      const j = slot & TLB_MASK;
      const kind = slot >>> 9;
      const tagLo = kind === 0 ? this.rTagLo : kind === 1 ? this.wTagLo : this.eTagLo;
      const tagHi = kind === 0 ? this.rTagHi : kind === 1 ? this.wTagHi : this.eTagHi;
      if ((tagHi[j]! & mHi) === wantHi && (tagLo[j]! & mLo) === wantLo) tagLo[j] = INVALID_TAG;
    }
  }

  private flushWriteTlbFor(pa: number): void {
    const tags = this.wTagLo;
    const pas = this.wPa;
    for (let i = 0; i < TLB_SIZE; i++) if (pas[i] === pa) tags[i] = INVALID_TAG;
  }

  /** IC IALLU / IC IVAU (whole cache: our pre-decode cache is per page, invalidation is cheap). */
  invalidateICache(): void {
    for (const p of this.pages.values()) p.invalidate();
  }
  invalidateICacheVa(lo: number, hi: number): void {
    const pa = this.translate(lo, hi, 0);
    this.pages.get(Math.floor(pa / PAGE_SIZE))?.invalidate();
  }

  /** Host-side notice that guest RAM [pa, pa+len) changed outside the CPU (DMA, loader). */
  invalidateCode(pa: number, len: number): void {
    for (let p = Math.floor(pa / PAGE_SIZE); p * PAGE_SIZE < pa + len; p++) this.pages.get(p)?.invalidate();
  }

  /** Fill the read (and write) TLB for a RAM page, or return false for MMIO/unclaimed. */
  private fillData(lo: number, hi: number, write: boolean, size: number): boolean {
    if (this.watchActive) {
      // no TLB entries while watchpoints are armed: every access comes here and is checked
      if (this.hostDebug?.watching && this.hostDebug.access(this, lo, hi, size, write)) {
        this.requestExit("debug", HOST_DEBUG_STOP, esr(EC.WPT_LOWER, (write ? ISS_WNR : 0) | FSC.DEBUG));
        this.exit.vaLo = lo;
        this.exit.vaHi = hi;
        throw ABORT;
      }
      this.checkWatchpoint(lo, hi, write, size);
      return false;
    }
    const pa = this.translate(lo, hi, write ? 1 : 0);
    const ppa = pa - (pa % PAGE_SIZE);
    const r = this.bus.find(ppa);
    if (r === undefined || r.kind !== "ram" || !r.contains(ppa, PAGE_SIZE)) return false;
    const i = (lo >>> PAGE_BITS) & TLB_MASK;
    const off = ppa - r.base;
    // rBase/wBase are Int32Array: a region over 2 GiB is seen through a window (RamRegion.windowView)
    const view = r.windowView(off);
    const base = r.windowOffset(off);
    const arena = this.state.arena;
    let abs = -1;
    if (arena !== undefined) {
      abs = arena.offsetOf(r);
      if (abs >= 0) abs += off;
    }
    if (write) {
      const page = this.pages.get(ppa / PAGE_SIZE);
      if (page?.hasCode) page.invalidate();
      this.wTagLo[i] = lo & PAGE_MASK;
      this.wTagHi[i] = hi;
      this.noteFill(TLB_SIZE + i);
      this.wBase[i] = base;
      this.wView[i] = view;
      this.wPa[i] = ppa;
      this.state.wAbs[i] = abs;
    } else {
      this.rTagLo[i] = lo & PAGE_MASK;
      this.rTagHi[i] = hi;
      this.noteFill(i);
      this.rBase[i] = base;
      this.rView[i] = view;
      this.state.rAbs[i] = abs;
    }
    return true;
  }

  /** Physical access outside RAM pages: MMIO through the bus, or an exit / abort. */
  private physRead(lo: number, hi: number, size: 1 | 2 | 4): number {
    const pa = this.translate(lo, hi, 0);
    const r = this.bus.find(pa);
    if (r === undefined) return this.unclaimed(lo, hi, pa, size, false);
    try {
      return this.bus.read(pa, size);
    } catch (e) {
      if (e instanceof BusError) return this.dataAbort(lo, hi, false, FSC.EXTERNAL);
      throw e;
    }
  }
  private physWrite(lo: number, hi: number, size: 1 | 2 | 4, v: number): void {
    const pa = this.translate(lo, hi, 1);
    const r = this.bus.find(pa);
    if (r === undefined) {
      this.unclaimed(lo, hi, pa, size, true);
      return;
    }
    try {
      this.bus.write(pa, size, v);
      this.recheck = true; // a device may have raised an interrupt
    } catch (e) {
      if (e instanceof BusError) this.dataAbort(lo, hi, true, FSC.EXTERNAL);
      throw e;
    }
  }
  /**
   * 8-byte access outside RAM pages: one 64-bit bus access (devices with read64/write64 see it
   * whole; the bus splits it into two 32-bit accesses, low word first, for the others).
   */
  private physRead64(lo: number, hi: number): number {
    const pa = this.translate(lo, hi, 0);
    if (this.bus.find(pa) === undefined) return this.unclaimed(lo, hi, pa, 8, false);
    let v: bigint;
    try {
      v = this.bus.read64(pa);
    } catch (e) {
      if (e instanceof BusError) return this.dataAbort(lo, hi, false, FSC.EXTERNAL);
      throw e;
    }
    this.rhi = Number(v >> 32n) | 0;
    return Number(v & 0xffffffffn) | 0;
  }
  private physWrite64(lo: number, hi: number, vlo: number, vhi: number): void {
    const pa = this.translate(lo, hi, 1);
    if (this.bus.find(pa) === undefined) {
      this.unclaimed(lo, hi, pa, 8, true);
      return;
    }
    try {
      this.bus.write64(pa, (BigInt(vhi >>> 0) << 32n) | BigInt(vlo >>> 0));
      this.recheck = true; // a device may have raised an interrupt
    } catch (e) {
      if (e instanceof BusError) this.dataAbort(lo, hi, true, FSC.EXTERNAL);
      throw e;
    }
  }
  private unclaimed(lo: number, hi: number, pa: number, size: number, write: boolean): never {
    if (this.userMode) return this.dataAbort(lo, hi, write, FSC.TRANSLATION_L0);
    // Exit to the board with an ESR_EL2-style data abort syndrome (lower-EL data abort, DFSC external).
    const sas = size === 1 ? 0 : size === 2 ? 1 : size === 4 ? 2 : 3;
    this.exit.reason = "unclaimed";
    this.exit.address = pa;
    this.exit.vaLo = lo;
    this.exit.vaHi = hi;
    this.exit.esr = esr(EC.DABT_LOWER, this.loadStoreIss(sas) | (write ? ISS_WNR : 0) | FSC.EXTERNAL);
    this.exitPending = true;
    this.jumped = true;
    throw ABORT;
  }

  /**
   * ISV/SAS/SSE/SRT/SF of the current instruction when it is a single general-register load/store
   * without writeback (ARM ARM D19 ESR_ELx ISS for EC 0x24: the forms a hypervisor can emulate);
   * otherwise ISV = 0 with just SAS.
   */
  private loadStoreIss(sas: number): number {
    let w: number;
    try {
      const page = this.fetchPage();
      w = page.view.getInt32(page.base + (this.pc & 0xffc), true);
    } catch {
      return sas << 22;
    }
    const cls = (w >>> 24) & 0x3f;
    const V = (w >>> 26) & 1;
    const plain =
      cls === 0x39 ||
      (cls === 0x38 && ((w >>> 21) & 1) === 0 && ((w >>> 10) & 3) === 0) ||
      (cls === 0x38 && ((w >>> 21) & 1) === 1 && ((w >>> 10) & 3) === 2);
    if (!plain || V !== 0) return sas << 22;
    const size = w >>> 30;
    const opc = (w >>> 22) & 3;
    if (size === 3 && opc >= 2) return sas << 22; // PRFM
    const sse = opc >= 2 ? 1 : 0;
    const sf = size === 3 || opc === 2 ? 1 : 0;
    return (1 << 24) | (size << 22) | (sse << 21) | ((w & 31) << 16) | (sf << 15);
  }

  /**
   * Finish an instruction that exited with reason "unclaimed" and ISV = 1: for a load, `value` is
   * written to the register the syndrome names (sign-extended per SSE/SF); then the PC advances.
   */
  completeUnclaimed(value: bigint = 0n): void {
    const iss = this.exit.esr;
    if (((iss >>> 24) & 1) === 0) {
      throw new ConfigError(
        "completeUnclaimed: the exit has no valid syndrome (ISV = 0); inject an abort instead",
      );
    }
    if (((iss >>> 6) & 1) === 0) {
      const bits = 8 << ((iss >>> 22) & 3);
      let v = BigInt.asUintN(bits, value);
      if ((iss >>> 21) & 1) v = BigInt.asIntN(bits, v);
      v = (iss >>> 15) & 1 ? BigInt.asUintN(64, v) : BigInt.asUintN(32, v);
      const srt = (iss >>> 16) & 31;
      if (srt !== 31) this.setX(srt, v);
    }
    this.pc += 4;
    if (this.pc > 0xffffffff) {
      this.pc -= 4294967296;
      this.pcHi = (this.pcHi + 1) | 0;
    }
  }

  // ---------------------------------------------------------------- data access (hot)

  ld8(lo: number, hi: number): number {
    const i = (lo >>> PAGE_BITS) & TLB_MASK;
    if (this.rTagLo[i] === (lo & PAGE_MASK) && this.rTagHi[i] === hi) {
      return this.rView[i]!.getUint8(this.rBase[i]! + (lo & 0xfff));
    }
    if (this.fillData(lo, hi, false, 1)) return this.ld8(lo, hi);
    return this.physRead(lo, hi, 1);
  }
  ld16(lo: number, hi: number): number {
    const i = (lo >>> PAGE_BITS) & TLB_MASK;
    const off = lo & 0xfff;
    if (this.rTagLo[i] === (lo & PAGE_MASK) && this.rTagHi[i] === hi && off <= 0xffe) {
      return this.rView[i]!.getUint16(this.rBase[i]! + off, true);
    }
    return this.ldSlow(lo, hi, 2);
  }
  /** 32-bit load, returned as int32. */
  ld32(lo: number, hi: number): number {
    const i = (lo >>> PAGE_BITS) & TLB_MASK;
    const off = lo & 0xfff;
    if (this.rTagLo[i] === (lo & PAGE_MASK) && this.rTagHi[i] === hi && off <= 0xffc) {
      return this.rView[i]!.getInt32(this.rBase[i]! + off, true);
    }
    return this.ldSlow(lo, hi, 4) | 0;
  }
  /** 64-bit load: returns the low half, the high half is in `this.rhi`. */
  ld64(lo: number, hi: number): number {
    const i = (lo >>> PAGE_BITS) & TLB_MASK;
    const off = lo & 0xfff;
    if (this.rTagLo[i] === (lo & PAGE_MASK) && this.rTagHi[i] === hi && off <= 0xff8) {
      const v = this.rView[i]!;
      const o = this.rBase[i]! + off;
      this.rhi = v.getInt32(o + 4, true);
      return v.getInt32(o, true);
    }
    return this.ld64Slow(lo, hi);
  }
  private ld64Slow(lo: number, hi: number): number {
    if ((lo & 0xfff) <= 0xff8) {
      if (this.fillData(lo, hi, false, 8)) return this.ld64(lo, hi);
      return this.physRead64(lo, hi);
    }
    // crosses a page: two halves, each translated on its own
    const l = this.ld32(lo, hi);
    const nlo = (lo + 4) | 0;
    const h = this.ld32(nlo, nlo >>> 0 < lo >>> 0 ? (hi + 1) | 0 : hi);
    this.rhi = h;
    return l;
  }
  private ldSlow(lo: number, hi: number, size: 2 | 4): number {
    const off = lo & 0xfff;
    if (off + size <= PAGE_SIZE) {
      if (this.fillData(lo, hi, false, size)) return size === 2 ? this.ld16(lo, hi) : this.ld32(lo, hi) >>> 0;
      return this.physRead(lo, hi, size);
    }
    // crosses a page: byte by byte (each byte translated on its own)
    let v = 0;
    for (let k = size - 1; k >= 0; k--) {
      const a = (lo + k) | 0;
      v = v * 256 + this.ld8(a, a >>> 0 < lo >>> 0 ? (hi + 1) | 0 : hi);
    }
    return v;
  }

  st8(lo: number, hi: number, val: number): void {
    const i = (lo >>> PAGE_BITS) & TLB_MASK;
    if (this.wTagLo[i] === (lo & PAGE_MASK) && this.wTagHi[i] === hi) {
      this.wView[i]!.setUint8(this.wBase[i]! + (lo & 0xfff), val);
      return;
    }
    this.stSlow(lo, hi, 1, val);
  }
  st16(lo: number, hi: number, val: number): void {
    const i = (lo >>> PAGE_BITS) & TLB_MASK;
    const off = lo & 0xfff;
    if (this.wTagLo[i] === (lo & PAGE_MASK) && this.wTagHi[i] === hi && off <= 0xffe) {
      this.wView[i]!.setUint16(this.wBase[i]! + off, val, true);
      return;
    }
    this.stSlow(lo, hi, 2, val);
  }
  st32(lo: number, hi: number, val: number): void {
    const i = (lo >>> PAGE_BITS) & TLB_MASK;
    const off = lo & 0xfff;
    if (this.wTagLo[i] === (lo & PAGE_MASK) && this.wTagHi[i] === hi && off <= 0xffc) {
      this.wView[i]!.setInt32(this.wBase[i]! + off, val, true);
      return;
    }
    this.stSlow(lo, hi, 4, val);
  }
  st64(lo: number, hi: number, vlo: number, vhi: number): void {
    const i = (lo >>> PAGE_BITS) & TLB_MASK;
    const off = lo & 0xfff;
    if (this.wTagLo[i] === (lo & PAGE_MASK) && this.wTagHi[i] === hi && off <= 0xff8) {
      const v = this.wView[i]!;
      const o = this.wBase[i]! + off;
      v.setInt32(o, vlo, true);
      v.setInt32(o + 4, vhi, true);
      return;
    }
    if (off <= 0xff8) {
      if (this.fillData(lo, hi, true, 8)) this.st64(lo, hi, vlo, vhi);
      else this.physWrite64(lo, hi, vlo, vhi);
      return;
    }
    // Crosses a page. Check both halves are writable before writing either (no partial store).
    const nlo = (lo + 4) | 0;
    const nhi = nlo >>> 0 < lo >>> 0 ? (hi + 1) | 0 : hi;
    this.probeWrite(nlo, nhi);
    this.st32(lo, hi, vlo);
    this.st32(nlo, nhi, vhi);
  }
  /** Make sure a write to (lo, hi) would not fault (fills the TLB or takes the abort). */
  probeWrite(lo: number, hi: number): void {
    const i = (lo >>> PAGE_BITS) & TLB_MASK;
    if (this.wTagLo[i] === (lo & PAGE_MASK) && this.wTagHi[i] === hi) return;
    if (!this.fillData(lo, hi, true, 1)) {
      const pa = this.translate(lo, hi, 1);
      if (this.bus.find(pa) === undefined) this.unclaimed(lo, hi, pa, 1, true);
    }
  }
  private stSlow(lo: number, hi: number, size: 1 | 2 | 4, val: number): void {
    const off = lo & 0xfff;
    if (off + size <= PAGE_SIZE) {
      if (this.fillData(lo, hi, true, size)) {
        if (size === 1) this.st8(lo, hi, val);
        else if (size === 2) this.st16(lo, hi, val);
        else this.st32(lo, hi, val);
        return;
      }
      this.physWrite(lo, hi, size, val);
      return;
    }
    const a2 = (lo + size - 1) | 0;
    this.probeWrite(a2, a2 >>> 0 < lo >>> 0 ? (hi + 1) | 0 : hi);
    for (let k = 0; k < size; k++) {
      const a = (lo + k) | 0;
      this.st8(a, a >>> 0 < lo >>> 0 ? (hi + 1) | 0 : hi, (val >>> (8 * k)) & 0xff);
    }
  }

  /** Host helper: copy bytes into guest memory at a virtual address (loader use, not hot). */
  writeVirt(addr: number, bytes: Uint8Array): void {
    for (let k = 0; k < bytes.length; k++) {
      const a = addr + k;
      this.st8((a % 4294967296) | 0, Math.floor(a / 4294967296) | 0, bytes[k]!);
    }
  }
  readVirt(addr: number, len: number): Uint8Array {
    const out = new Uint8Array(len);
    for (let k = 0; k < len; k++) {
      const a = addr + k;
      out[k] = this.ld8((a % 4294967296) | 0, Math.floor(a / 4294967296) | 0);
    }
    return out;
  }
}

export { UNDEF_INDEX };

/**
 * Cpu fields that live in the state block's io words (IO_WORD), so WebAssembly blocks read and
 * write them: PSTATE.DAIF and the exclusive monitor.
 */
const IO_ACCESSORS = ["daif", "exLo", "exHi", "exSize", "exVal0", "exVal1"] as const;
for (const k of IO_ACCESSORS) {
  const at = IO_WORD[k];
  Object.defineProperty(Cpu.prototype, k, {
    get(this: Cpu): number {
      return this.state.io[at]!;
    },
    set(this: Cpu, v: number) {
      this.state.io[at] = v;
    },
  });
}
Object.defineProperty(Cpu.prototype, "exValid", {
  get(this: Cpu): boolean {
    return this.state.io[IO_WORD.exValid] !== 0;
  },
  set(this: Cpu, v: boolean) {
    this.state.io[IO_WORD.exValid] = v ? 1 : 0;
  },
});
