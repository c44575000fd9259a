import { type StateReader, type StateWriter, sysRegKey, type Timer } from "@armature/core";
import { IO_WORD } from "../jit/wasm/layout.js";
import type { Cpu } from "./cpu.js";
import { type IdRegs, idRegsFor } from "./idregs.js";
import { PMU_COUNTERS, Pmu } from "./pmu.js";

/** The 64-bit value (a register's MRS result) of two 32-bit halves, signed or unsigned. */
export function fromHalves(hi: number, lo: number): bigint {
  return (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0);
}

const k = sysRegKey;

/** CTR_EL0: IminLine/DminLine 64 bytes (4 words = 2^4), L1Ip PIPT, CWG/ERG 16 words, IDC=1 DIC=1 (as an int32). */
export const CTR_EL0_VALUE = 0x3444c004 | (1 << 28) | (1 << 29) | (1 << 31);
/** DCZID_EL0: DC ZVA block = 2^4 words = 64 bytes, DZP = 0. */
export const DCZID_EL0_VALUE = 4;

/** Keys of the registers handled specially (op0, op1, CRn, CRm, op2 as in the ARM ARM). */
export const SR = {
  NZCV: k(3, 3, 4, 2, 0),
  DAIF: k(3, 3, 4, 2, 1),
  DIT: k(3, 3, 4, 2, 5),
  SSBS: k(3, 3, 4, 2, 6),
  FPCR: k(3, 3, 4, 4, 0),
  FPSR: k(3, 3, 4, 4, 1),
  TPIDR_EL0: k(3, 3, 13, 0, 2),
  TPIDRRO_EL0: k(3, 3, 13, 0, 3),
  CTR_EL0: k(3, 3, 0, 0, 1),
  DCZID_EL0: k(3, 3, 0, 0, 7),
  CNTFRQ_EL0: k(3, 3, 14, 0, 0),
  CNTPCT_EL0: k(3, 3, 14, 0, 1),
  CNTVCT_EL0: k(3, 3, 14, 0, 2),
  CNTP_TVAL_EL0: k(3, 3, 14, 2, 0),
  CNTP_CTL_EL0: k(3, 3, 14, 2, 1),
  CNTP_CVAL_EL0: k(3, 3, 14, 2, 2),
  CNTV_TVAL_EL0: k(3, 3, 14, 3, 0),
  CNTV_CTL_EL0: k(3, 3, 14, 3, 1),
  CNTV_CVAL_EL0: k(3, 3, 14, 3, 2),
  CNTKCTL_EL1: k(3, 0, 14, 1, 0),
  MIDR_EL1: k(3, 0, 0, 0, 0),
  MPIDR_EL1: k(3, 0, 0, 0, 5),
  REVIDR_EL1: k(3, 0, 0, 0, 6),
  ID_AA64PFR0_EL1: k(3, 0, 0, 4, 0),
  ID_AA64PFR1_EL1: k(3, 0, 0, 4, 1),
  ID_AA64ZFR0_EL1: k(3, 0, 0, 4, 4),
  ID_AA64DFR0_EL1: k(3, 0, 0, 5, 0),
  ID_AA64ISAR0_EL1: k(3, 0, 0, 6, 0),
  ID_AA64ISAR1_EL1: k(3, 0, 0, 6, 1),
  ID_AA64ISAR2_EL1: k(3, 0, 0, 6, 2),
  ID_AA64MMFR0_EL1: k(3, 0, 0, 7, 0),
  ID_AA64MMFR1_EL1: k(3, 0, 0, 7, 1),
  ID_AA64MMFR2_EL1: k(3, 0, 0, 7, 2),
  SCTLR_EL1: k(3, 0, 1, 0, 0),
  ACTLR_EL1: k(3, 0, 1, 0, 1),
  CPACR_EL1: k(3, 0, 1, 0, 2),
  TTBR0_EL1: k(3, 0, 2, 0, 0),
  TTBR1_EL1: k(3, 0, 2, 0, 1),
  TCR_EL1: k(3, 0, 2, 0, 2),
  SPSR_EL1: k(3, 0, 4, 0, 0),
  ELR_EL1: k(3, 0, 4, 0, 1),
  SP_EL0: k(3, 0, 4, 1, 0),
  SPSel: k(3, 0, 4, 2, 0),
  CurrentEL: k(3, 0, 4, 2, 2),
  PAN: k(3, 0, 4, 2, 3),
  UAO: k(3, 0, 4, 2, 4),
  AFSR0_EL1: k(3, 0, 5, 1, 0),
  AFSR1_EL1: k(3, 0, 5, 1, 1),
  ESR_EL1: k(3, 0, 5, 2, 0),
  FAR_EL1: k(3, 0, 6, 0, 0),
  PAR_EL1: k(3, 0, 7, 4, 0),
  MAIR_EL1: k(3, 0, 10, 2, 0),
  AMAIR_EL1: k(3, 0, 10, 3, 0),
  VBAR_EL1: k(3, 0, 12, 0, 0),
  ISR_EL1: k(3, 0, 12, 1, 0),
  CONTEXTIDR_EL1: k(3, 0, 13, 0, 1),
  TPIDR_EL1: k(3, 0, 13, 0, 4),
  CSSELR_EL1: k(3, 2, 0, 0, 0),
  CCSIDR_EL1: k(3, 1, 0, 0, 0),
  CLIDR_EL1: k(3, 1, 0, 0, 1),
  MDSCR_EL1: k(2, 0, 0, 2, 2),
  MDCCINT_EL1: k(2, 0, 0, 2, 0),
  OSLAR_EL1: k(2, 0, 1, 0, 4),
  OSLSR_EL1: k(2, 0, 1, 1, 4),
  OSDLR_EL1: k(2, 0, 1, 3, 4),
  MDRAR_EL1: k(2, 0, 1, 0, 0),
  DBGPRCR_EL1: k(2, 0, 1, 4, 4),
  DBGCLAIMSET_EL1: k(2, 0, 7, 8, 6),
  DBGCLAIMCLR_EL1: k(2, 0, 7, 9, 6),
  DBGAUTHSTATUS_EL1: k(2, 0, 7, 14, 6),
  PMCR_EL0: k(3, 3, 9, 12, 0),
  PMCNTENSET_EL0: k(3, 3, 9, 12, 1),
  PMCNTENCLR_EL0: k(3, 3, 9, 12, 2),
  PMOVSCLR_EL0: k(3, 3, 9, 12, 3),
  PMSWINC_EL0: k(3, 3, 9, 12, 4),
  PMSELR_EL0: k(3, 3, 9, 12, 5),
  PMCEID0_EL0: k(3, 3, 9, 12, 6),
  PMCEID1_EL0: k(3, 3, 9, 12, 7),
  PMCCNTR_EL0: k(3, 3, 9, 13, 0),
  PMXEVTYPER_EL0: k(3, 3, 9, 13, 1),
  PMXEVCNTR_EL0: k(3, 3, 9, 13, 2),
  PMUSERENR_EL0: k(3, 3, 9, 14, 0),
  PMINTENSET_EL1: k(3, 0, 9, 14, 1),
  PMINTENCLR_EL1: k(3, 0, 9, 14, 2),
  PMOVSSET_EL0: k(3, 3, 9, 14, 3),
  PMCCFILTR_EL0: k(3, 3, 14, 15, 7),
} as const;

const M64 = (1n << 64n) - 1n;

/** Plain read/write EL1 registers (value kept as written). */
const PLAIN_EL1 = [
  SR.ACTLR_EL1,
  SR.CPACR_EL1,
  SR.TTBR0_EL1,
  SR.TTBR1_EL1,
  SR.TCR_EL1,
  SR.AFSR0_EL1,
  SR.AFSR1_EL1,
  SR.PAR_EL1,
  SR.MAIR_EL1,
  SR.AMAIR_EL1,
  SR.CONTEXTIDR_EL1,
  SR.TPIDR_EL1,
  SR.CSSELR_EL1,
  SR.CNTKCTL_EL1,
  SR.MDSCR_EL1,
  SR.MDCCINT_EL1,
  SR.OSDLR_EL1,
  SR.DBGPRCR_EL1,
  // Pointer authentication keys APIA/APIB/APDA/APDB/APGA Lo/Hi (read by interp/simd/pauth.ts).
  ...[0, 1, 2, 3].map((op2) => k(3, 0, 2, 1, op2)),
  ...[0, 1, 2, 3].map((op2) => k(3, 0, 2, 2, op2)),
  k(3, 0, 2, 3, 0),
  k(3, 0, 2, 3, 1),
];

/** One generic timer (ARM ARM D11.2): CVAL, CTL; drives its PPI line level. */
class GenericTimer {
  cval = 0n;
  ctl = 0;
  timer: Timer | undefined;
  constructor(
    private readonly sys: SysRegs,
    private readonly line: { set(level: boolean): void },
    private readonly offsetTicks: () => bigint,
  ) {}
  now(): bigint {
    return this.sys.counter() - this.offsetTicks();
  }
  status(): number {
    return this.now() >= this.cval ? 4 : 0;
  }
  readCtl(): number {
    return (this.ctl & 3) | ((this.ctl & 1) !== 0 ? this.status() : 0);
  }
  saveState(w: StateWriter): void {
    w.u64(this.cval);
    w.f64(this.ctl);
    w.bool(this.timer !== undefined);
    this.timer?.saveState(w);
  }
  loadState(r: StateReader): () => void {
    const cval = r.u64();
    const ctl = r.f64();
    const hasTimer = r.bool();
    const clock = this.sys.cpu.clock;
    if (hasTimer && clock === undefined) r.fail("a timer without a clock");
    if (hasTimer && this.timer === undefined) this.timer = clock!.createTimer(() => this.update());
    const t = hasTimer ? this.timer!.loadState(r) : () => this.timer?.cancel();
    return () => {
      this.cval = cval;
      this.ctl = ctl;
      t();
    };
  }
  update(): void {
    const enabled = (this.ctl & 1) !== 0;
    const met = enabled && this.now() >= this.cval;
    this.line.set(met && (this.ctl & 2) === 0);
    const clock = this.sys.cpu.clock;
    if (clock === undefined) return;
    if (this.timer === undefined) this.timer = clock.createTimer(() => this.update());
    if (enabled && !met) {
      const delta = Number(this.cval - this.now());
      this.timer.arm(clock.nowNs() + Math.max(1, Math.ceil((delta * 1e9) / this.sys.counterHz)));
    } else this.timer.cancel();
  }
}

// The SysRegs number fields a snapshot carries before the plain registers, in their saved order
// (the order is the format: change it only with the Cpu's stateVersion). saveState and loadState
// both walk this list.
const SNAPSHOT_NUMBERS = [
  "esrEl1",
  "farLo",
  "farHi",
  "spsrEl1",
  "elrLo",
  "elrHi",
  "vbarLo",
  "vbarHi",
  "sctlr",
  "tpidrLo",
  "tpidrHi",
  "tcrHi",
  "tpidrroLo",
  "tpidrroHi",
  "oslsr",
] as const;

/** The EL1/EL0 system registers of one CPU (values by ARM ARM D19 names). */
export class SysRegs {
  esrEl1 = 0;
  farLo = 0;
  farHi = 0;
  spsrEl1 = 0;
  elrLo = 0;
  elrHi = 0;
  vbarLo = 0;
  vbarHi = 0;
  sctlr = 0;
  tpidrLo = 0;
  tpidrHi = 0;
  /** TCR_EL1 bits 63:32 (TBI0 = bit 5, TBI1 = bit 6 here), cached for the translation fast path. */
  tcrHi = 0;
  tpidrroLo = 0;
  tpidrroHi = 0;
  readonly id: IdRegs;
  readonly counterHz: number;
  private readonly plain = new Map<number, bigint>();
  /**
   * Bumped on every change of a plain register (keys, TCR_EL1 ...) and of SCTLR_EL1: pointer
   * authentication caches its key halves and regime until it moves. Kept in the CPU's state
   * block (IO_WORD.gen), where translated code checks its PACIxSP/AUTIxSP memo against it.
   * @internal
   */
  get plainGen(): number {
    return this.cpu.state.io[IO_WORD.gen]!;
  }
  set plainGen(v: number) {
    this.cpu.state.io[IO_WORD.gen] = v;
  }
  /** Debug breakpoint/watchpoint value and control registers (6 BRPs, 4 WRPs). */
  readonly dbgbvr = new Array<bigint>(6).fill(0n);
  readonly dbgbcr = new Array<number>(6).fill(0);
  readonly dbgwvr = new Array<bigint>(4).fill(0n);
  readonly dbgwcr = new Array<number>(4).fill(0);
  oslsr = 0b1010; // OSLM implemented, OS lock locked at reset
  /** PMUv3 (pmu.ts). */
  readonly pmu: Pmu;
  private readonly ptimer: GenericTimer;
  private readonly vtimer: GenericTimer;
  private readonly hostStart = process.hrtime.bigint();

  constructor(
    readonly cpu: Cpu,
    counterHz: number,
  ) {
    this.counterHz = counterHz;
    this.id = idRegsFor(cpu.model);
    this.ptimer = new GenericTimer(this, cpu.timerPhys, () => 0n);
    this.vtimer = new GenericTimer(this, cpu.timerVirt, () => 0n);
    this.pmu = new Pmu(
      cpu.pmuLine,
      () => {
        cpu.pmuActive = this.pmu.active;
        cpu.updateStepMode();
      },
      Number(this.id.midr >> 24n) & 0xff,
    );
  }

  reset(): void {
    this.esrEl1 = this.farLo = this.farHi = this.spsrEl1 = this.elrLo = this.elrHi = 0;
    this.vbarLo = this.vbarHi = 0;
    // SCTLR_EL1 reset: RES1 bits 29,28,23,22,20,11 set; M=0 (flat), caches off.
    this.sctlr = 0x30d00800;
    this.tpidrLo = this.tpidrHi = this.tpidrroLo = this.tpidrroHi = 0;
    this.plain.clear();
    this.plainGen++;
    for (const key of PLAIN_EL1) this.plain.set(key, 0n);
    this.pmu.reset();
    this.oslsr = 0b1010;
    this.dbgbvr.fill(0n);
    this.dbgbcr.fill(0);
    this.dbgwvr.fill(0n);
    this.dbgwcr.fill(0);
    this.tcrHi = 0;
    if (this.cpu.userMode) {
      this.plain.set(SR.CPACR_EL1, 3n << 20n); // FP enabled at EL0
      this.plain.set(SR.TCR_EL1, 1n << 37n); // Linux enables TBI0 for user space
      this.tcrHi = 0x20;
    }
  }

  /** Snapshot of the system registers (the ID registers come from the model and are not saved). */
  saveState(w: StateWriter): void {
    for (const k of SNAPSHOT_NUMBERS) w.f64(this[k]);
    w.u32(this.plain.size);
    for (const [key, v] of this.plain) {
      w.u32(key);
      w.u64(v);
    }
    for (const v of this.dbgbvr) w.u64(v);
    for (const v of this.dbgbcr) w.f64(v);
    for (const v of this.dbgwvr) w.u64(v);
    for (const v of this.dbgwcr) w.f64(v);
    this.ptimer.saveState(w);
    this.vtimer.saveState(w);
    this.pmu.saveState(w);
  }
  loadState(r: StateReader): () => void {
    const f = SNAPSHOT_NUMBERS.map(() => r.f64());
    const n = r.count(PLAIN_EL1.length, "plain register count");
    const plain = new Map<number, bigint>();
    for (let i = 0; i < n; i++) {
      const key = r.u32();
      if (!PLAIN_EL1.includes(key)) r.fail(`unknown system register key ${key}`);
      plain.set(key, r.u64());
    }
    const bvr = this.dbgbvr.map(() => r.u64());
    const bcr = this.dbgbcr.map(() => r.f64());
    const wvr = this.dbgwvr.map(() => r.u64());
    const wcr = this.dbgwcr.map(() => r.f64());
    const pt = this.ptimer.loadState(r);
    const vt = this.vtimer.loadState(r);
    const pmu = this.pmu.loadState(r);
    return () => {
      SNAPSHOT_NUMBERS.forEach((k, i) => {
        this[k] = f[i]!;
      });
      this.plain.clear();
      this.plainGen++;
      for (const [key, v] of plain) this.plain.set(key, v);
      this.dbgbvr.splice(0, bvr.length, ...bvr);
      this.dbgbcr.splice(0, bcr.length, ...bcr);
      this.dbgwvr.splice(0, wvr.length, ...wvr);
      this.dbgwcr.splice(0, wcr.length, ...wcr);
      pt();
      vt();
      pmu();
    };
  }

  /** Counter value (CNTPCT/CNTVCT) in ticks of CNTFRQ. */
  counter(): bigint {
    const clock = this.cpu.clock;
    const ns = clock !== undefined ? clock.nowNs() : Number(process.hrtime.bigint() - this.hostStart);
    return BigInt(Math.floor((ns * this.counterHz) / 1e9));
  }

  /** Whether `key` names a register this CPU implements (for MRS/MSR UNDEFINED decisions). */
  has(key: number): boolean {
    return this.read(key, true) !== undefined;
  }

  /**
   * MRS value, or undefined when the register is not implemented (the caller raises UNDEFINED).
   * `probe` only checks existence (no side effects).
   */
  read(key: number, probe = false): bigint | undefined {
    const cpu = this.cpu;
    const id = this.id;
    switch (key) {
      case SR.NZCV:
        return BigInt(cpu.getNZCV() >>> 0);
      case SR.DAIF:
        return BigInt(cpu.daif);
      case SR.DIT:
        return BigInt(cpu.dit << 24);
      case SR.SSBS:
        return BigInt(cpu.ssbs << 12);
      case SR.FPCR:
        return BigInt(cpu.fpcr >>> 0);
      case SR.FPSR:
        return BigInt(cpu.fpsr >>> 0);
      case SR.TPIDR_EL0:
        return fromHalves(this.tpidrHi, this.tpidrLo);
      case SR.TPIDRRO_EL0:
        return fromHalves(this.tpidrroHi, this.tpidrroLo);
      case SR.CTR_EL0:
        return BigInt(CTR_EL0_VALUE >>> 0);
      case SR.DCZID_EL0:
        return BigInt(DCZID_EL0_VALUE);
      case SR.CNTFRQ_EL0:
        return BigInt(this.counterHz);
      case SR.CNTPCT_EL0:
      case SR.CNTVCT_EL0:
        return probe ? 0n : this.counter();
      case SR.CNTP_CTL_EL0:
        return BigInt(this.ptimer.readCtl());
      case SR.CNTV_CTL_EL0:
        return BigInt(this.vtimer.readCtl());
      case SR.CNTP_CVAL_EL0:
        return this.ptimer.cval;
      case SR.CNTV_CVAL_EL0:
        return this.vtimer.cval;
      case SR.CNTP_TVAL_EL0:
        return probe ? 0n : BigInt.asUintN(64, BigInt.asIntN(32, this.ptimer.cval - this.ptimer.now()));
      case SR.CNTV_TVAL_EL0:
        return probe ? 0n : BigInt.asUintN(64, BigInt.asIntN(32, this.vtimer.cval - this.vtimer.now()));
      case SR.MIDR_EL1:
        return id.midr;
      case SR.MPIDR_EL1:
        return (1n << 31n) | BigInt(cpu.index & 0xff);
      case SR.REVIDR_EL1:
        return 0n;
      case SR.ID_AA64PFR0_EL1:
        return id.pfr0;
      case SR.ID_AA64PFR1_EL1:
        return id.pfr1;
      case SR.ID_AA64ZFR0_EL1:
        return id.zfr0;
      case SR.ID_AA64DFR0_EL1:
        return id.dfr0;
      case SR.ID_AA64ISAR0_EL1:
        return id.isar0;
      case SR.ID_AA64ISAR1_EL1:
        return id.isar1;
      case SR.ID_AA64ISAR2_EL1:
        return id.isar2;
      case SR.ID_AA64MMFR0_EL1:
        return id.mmfr0;
      case SR.ID_AA64MMFR1_EL1:
        return id.mmfr1;
      case SR.ID_AA64MMFR2_EL1:
        return id.mmfr2;
      case SR.SCTLR_EL1:
        return BigInt(this.sctlr >>> 0);
      case SR.SPSR_EL1:
        return BigInt(this.spsrEl1 >>> 0);
      case SR.ELR_EL1:
        return fromHalves(this.elrHi, this.elrLo);
      case SR.SP_EL0: {
        const [lo, hi] = cpu.readSpEl(0);
        return fromHalves(hi, lo);
      }
      case SR.SPSel:
        return BigInt(cpu.spsel);
      case SR.CurrentEL:
        return BigInt(cpu.el << 2);
      case SR.PAN:
        return BigInt(cpu.pan << 22);
      case SR.UAO:
        return BigInt(cpu.uao << 23);
      case SR.ESR_EL1:
        return BigInt(this.esrEl1 >>> 0);
      case SR.FAR_EL1:
        return fromHalves(this.farHi, this.farLo);
      case SR.VBAR_EL1:
        return fromHalves(this.vbarHi, this.vbarLo);
      case SR.ISR_EL1:
        return BigInt(
          (cpu.irqLevel ? 0x80 : 0) | (cpu.fiqLevel ? 0x40 : 0) | (cpu.serrorPending ? 0x100 : 0),
        );
      case SR.CLIDR_EL1:
        return 0x0a200023n; // L1 I+D separate, L2 unified, LoC 2, LoUU/LoUIS 1
      case SR.CCSIDR_EL1:
        return 0x700fe01an; // 64-byte lines, 4 ways, 128 sets (plausible L1)
      case SR.OSLSR_EL1:
        return BigInt(this.oslsr);
      case SR.MDRAR_EL1:
      case SR.DBGAUTHSTATUS_EL1:
      case SR.DBGCLAIMSET_EL1:
      case SR.DBGCLAIMCLR_EL1:
        return 0n;
      case SR.PMCR_EL0:
        return BigInt(this.pmu.pmcr >>> 0);
      case SR.PMCNTENSET_EL0:
      case SR.PMCNTENCLR_EL0:
        return BigInt(this.pmu.cnten >>> 0);
      case SR.PMINTENSET_EL1:
      case SR.PMINTENCLR_EL1:
        return BigInt(this.pmu.inten >>> 0);
      case SR.PMOVSCLR_EL0:
      case SR.PMOVSSET_EL0:
        return BigInt(this.pmu.ovs >>> 0);
      case SR.PMCEID0_EL0:
        return BigInt(Pmu.PMCEID0 >>> 0);
      case SR.PMCEID1_EL0:
        return 0n;
      case SR.PMCCNTR_EL0:
        return this.pmu.ccnt;
      case SR.PMSELR_EL0:
        return BigInt(this.pmu.selr);
      case SR.PMUSERENR_EL0:
        return BigInt(this.pmu.userenr);
      case SR.PMCCFILTR_EL0:
        return BigInt(this.pmu.readTyper(31));
      case SR.PMXEVTYPER_EL0: {
        const n = this.pmu.selr;
        return n === 31 || n < PMU_COUNTERS ? BigInt(this.pmu.readTyper(n)) : undefined;
      }
      case SR.PMXEVCNTR_EL0: {
        const n = this.pmu.selr;
        return n < PMU_COUNTERS ? BigInt(this.pmu.evcnt[n]!) : undefined;
      }
      default:
        break;
    }
    const p = this.plain.get(key);
    if (p !== undefined) return p;
    const op0 = key >> 14;
    const crn = (key >> 7) & 15;
    const op1 = (key >> 11) & 7;
    const crm = (key >> 3) & 15;
    const op2 = key & 7;
    if (op0 === 3 && op1 === 3 && crn === 14 && crm >= 8) {
      // PMEVCNTR<n>_EL0 (CRm 8..11) / PMEVTYPER<n>_EL0 (CRm 12..15), n = CRm[1:0]:op2
      const n = ((crm & 3) << 3) | op2;
      if (n >= PMU_COUNTERS) return undefined;
      return BigInt(crm < 12 ? this.pmu.evcnt[n]! : this.pmu.readTyper(n));
    }
    if (op0 === 2 && op1 === 0 && crn === 0) {
      if (op2 === 4 && crm < 6) return this.dbgbvr[crm]!;
      if (op2 === 5 && crm < 6) return BigInt(this.dbgbcr[crm]!);
      if (op2 === 6 && crm < 4) return this.dbgwvr[crm]!;
      if (op2 === 7 && crm < 4) return BigInt(this.dbgwcr[crm]!);
    }
    // Other ID space registers (op0=3, op1=0, CRn=0, CRm 1..7): RAZ (ARM ARM D19.1.2).
    if (op0 === 3 && op1 === 0 && crn === 0 && crm >= 1) return 0n;
    const blk = cpu.sysRegBlock;
    if (blk?.has(key)) return probe ? 0n : BigInt.asUintN(64, blk.read(cpu.index, key));
    return undefined;
  }

  /** MSR; returns false when the register is not writable/implemented (UNDEFINED). */
  write(key: number, v: bigint): boolean {
    const cpu = this.cpu;
    const lo = Number(v & 0xffffffffn) | 0;
    const hi = Number((v >> 32n) & 0xffffffffn) | 0;
    switch (key) {
      case SR.NZCV:
        cpu.setNZCV(lo);
        return true;
      case SR.DAIF:
        cpu.daif = lo & 0x3c0;
        cpu.recheck = true;
        return true;
      case SR.DIT:
        cpu.dit = (lo >>> 24) & 1;
        return true;
      case SR.SSBS:
        cpu.ssbs = (lo >>> 12) & 1;
        return true;
      case SR.FPCR:
        cpu.fpcr = lo & 0x07ff9f00;
        return true;
      case SR.FPSR:
        cpu.fpsr = lo & 0xf800009f;
        return true;
      case SR.TPIDR_EL0:
        this.tpidrLo = lo;
        this.tpidrHi = hi;
        return true;
      case SR.TPIDRRO_EL0:
        if (cpu.el === 0) return false;
        this.tpidrroLo = lo;
        this.tpidrroHi = hi;
        return true;
      case SR.CNTP_CTL_EL0:
        this.ptimer.ctl = lo & 3;
        this.ptimer.update();
        return true;
      case SR.CNTV_CTL_EL0:
        this.vtimer.ctl = lo & 3;
        this.vtimer.update();
        return true;
      case SR.CNTP_CVAL_EL0:
        this.ptimer.cval = v;
        this.ptimer.update();
        return true;
      case SR.CNTV_CVAL_EL0:
        this.vtimer.cval = v;
        this.vtimer.update();
        return true;
      case SR.CNTP_TVAL_EL0:
        this.ptimer.cval = BigInt.asUintN(64, this.ptimer.now() + BigInt.asIntN(32, v));
        this.ptimer.update();
        return true;
      case SR.CNTV_TVAL_EL0:
        this.vtimer.cval = BigInt.asUintN(64, this.vtimer.now() + BigInt.asIntN(32, v));
        this.vtimer.update();
        return true;
      case SR.SCTLR_EL1:
        this.sctlr = lo;
        this.plainGen++; // EnIA/EnIB: the translated PACIxSP/AUTIxSP memo (IO_WORD.spTag) is checked again
        cpu.flushTlb();
        return true;
      case SR.TTBR0_EL1:
      case SR.TTBR1_EL1:
      case SR.TCR_EL1:
        this.plain.set(key, v & M64);
        this.plainGen++;
        if (key === SR.TCR_EL1) this.tcrHi = hi;
        cpu.flushTlb();
        return true;
      case SR.SPSR_EL1:
        this.spsrEl1 = lo;
        return true;
      case SR.ELR_EL1:
        this.elrLo = lo;
        this.elrHi = hi;
        return true;
      case SR.SP_EL0:
        cpu.writeSpEl(0, lo, hi);
        return true;
      case SR.SPSel:
        cpu.setEl(cpu.el, lo & 1);
        return true;
      case SR.PAN:
        cpu.pan = (lo >>> 22) & 1;
        cpu.mmu.privChanged();
        return true;
      case SR.UAO:
        cpu.uao = (lo >>> 23) & 1;
        return true;
      case SR.ESR_EL1:
        this.esrEl1 = lo;
        return true;
      case SR.FAR_EL1:
        this.farLo = lo;
        this.farHi = hi;
        return true;
      case SR.VBAR_EL1:
        this.vbarLo = lo & ~0x7ff;
        this.vbarHi = hi;
        return true;
      case SR.OSLAR_EL1:
        this.oslsr = (this.oslsr & ~2) | ((lo & 1) << 1);
        cpu.updateDebug();
        return true;
      case SR.DBGCLAIMSET_EL1:
      case SR.DBGCLAIMCLR_EL1:
        return true;
      case SR.PMCR_EL0:
        this.pmu.writePmcr(lo);
        return true;
      case SR.PMCNTENSET_EL0:
      case SR.PMCNTENCLR_EL0:
        this.pmu.setCnten(lo, key === SR.PMCNTENSET_EL0);
        return true;
      case SR.PMINTENSET_EL1:
      case SR.PMINTENCLR_EL1:
        this.pmu.setInten(lo, key === SR.PMINTENSET_EL1);
        return true;
      case SR.PMOVSSET_EL0:
      case SR.PMOVSCLR_EL0:
        this.pmu.setOvs(lo, key === SR.PMOVSSET_EL0);
        return true;
      case SR.PMCCNTR_EL0:
        this.pmu.ccnt = v;
        return true;
      case SR.PMSWINC_EL0:
        this.pmu.swinc(lo, cpu.el);
        return true;
      case SR.PMSELR_EL0:
        this.pmu.selr = lo & 31;
        return true;
      case SR.PMUSERENR_EL0:
        this.pmu.userenr = lo & 0xf;
        return true;
      case SR.PMCCFILTR_EL0:
        this.pmu.writeTyper(31, lo);
        return true;
      case SR.PMXEVTYPER_EL0: {
        const n = this.pmu.selr;
        if (n !== 31 && n >= PMU_COUNTERS) return false;
        this.pmu.writeTyper(n, lo);
        return true;
      }
      case SR.PMXEVCNTR_EL0: {
        const n = this.pmu.selr;
        if (n >= PMU_COUNTERS) return false;
        this.pmu.evcnt[n] = lo >>> 0;
        return true;
      }
      default:
        break;
    }
    if (this.plain.has(key)) {
      this.plain.set(key, v & M64);
      this.plainGen++;
      if (key === SR.MDSCR_EL1 || key === SR.OSDLR_EL1 || key === SR.DBGPRCR_EL1) cpu.updateDebug();
      return true;
    }
    const op0 = key >> 14;
    const crn = (key >> 7) & 15;
    const op1 = (key >> 11) & 7;
    const crm = (key >> 3) & 15;
    const op2 = key & 7;
    if (op0 === 3 && op1 === 3 && crn === 14 && crm >= 8) {
      const n = ((crm & 3) << 3) | op2;
      if (n >= PMU_COUNTERS) return false;
      if (crm < 12) this.pmu.evcnt[n] = lo >>> 0;
      else this.pmu.writeTyper(n, lo);
      return true;
    }
    if (op0 === 2 && op1 === 0 && crn === 0) {
      if (op2 === 4 && crm < 6) {
        this.dbgbvr[crm] = v & M64;
        return true;
      }
      if (op2 === 5 && crm < 6) {
        this.dbgbcr[crm] = lo;
        cpu.updateDebug();
        return true;
      }
      if (op2 === 6 && crm < 4) {
        this.dbgwvr[crm] = v & M64;
        return true;
      }
      if (op2 === 7 && crm < 4) {
        this.dbgwcr[crm] = lo;
        cpu.updateDebug();
        return true;
      }
    }
    const blk = cpu.sysRegBlock;
    if (blk?.has(key)) {
      blk.write(cpu.index, key, v & M64);
      cpu.recheck = true;
      return true;
    }
    return false;
  }

  /**
   * Breakpoint, watchpoint and step debug events are not generated (D2.5, D2.6): the OS lock is
   * locked (OSLSR_EL1.OSLK, set at reset, cleared by OSLAR_EL1 = 0) or the OS double lock is
   * (OSDLR_EL1.DLK = 1 while DBGPRCR_EL1.CORENPDRQ = 0).
   */
  debugLocked(): boolean {
    if ((this.oslsr & 2) !== 0) return true;
    const dlk = (this.plain.get(SR.OSDLR_EL1) ?? 0n) & 1n;
    const corenpdrq = (this.plain.get(SR.DBGPRCR_EL1) ?? 0n) & 1n;
    return dlk === 1n && corenpdrq === 0n;
  }

  /** MDSCR_EL1 (SS bit 0, KDE bit 13, MDE bit 15). */
  mdscr(): number {
    return Number((this.plain.get(SR.MDSCR_EL1) ?? 0n) & 0xffffffffn);
  }
}
