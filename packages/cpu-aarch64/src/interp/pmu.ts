/*
 * Performance Monitors Extension, PMUv3 (ARM ARM D11, registers D19.4). Four 32-bit event
 * counters and the 64-bit cycle counter. Time here is instructions: one cycle per instruction
 * (deterministic), so CPU_CYCLES and INST_RETIRED count the same way. Supported events (PMCEID0
 * advertises exactly these): SW_INCR, INST_RETIRED, CPU_CYCLES, CHAIN. MEM_ACCESS is not
 * counted (doing it exactly would cost every load and store) and so not advertised.
 *
 * Cost: nothing while no enabled counter counts per-instruction events (`active` false). While one
 * does, the run loop executes one instruction per slice and calls `tick` after each, so counts,
 * overflow and the overflow interrupt are exact to the instruction.
 */
import type { IrqLine, StateReader, StateWriter } from "@armature/core";

/** Common event numbers (ARM ARM D11.11). */
export const PMU_EVENT = {
  SW_INCR: 0x00,
  INST_RETIRED: 0x08,
  CPU_CYCLES: 0x11,
  MEM_ACCESS: 0x13,
  CHAIN: 0x1e,
} as const;

/** Event counters implemented (PMCR_EL0.N). */
export const PMU_COUNTERS = 4;

const PMCR_E = 1 << 0;
const PMCR_P = 1 << 1;
const PMCR_C = 1 << 2;
const PMCR_D = 1 << 3;
/** PMCR_EL0.LC: RES1 when AArch32 is not implemented (the cycle counter overflows at 2^64). */
const PMCR_LC = 1 << 6;
/** Writable PMCR_EL0 bits: E, D, X, DP (P and C are write-one actions). */
const PMCR_RW = PMCR_E | PMCR_D | (1 << 4) | (1 << 5);
/** PMEVTYPER/PMCCFILTR filter bits: P (exclude EL1), U (exclude EL0), NSK, NSU, NSH, M. */
const FILTER_P = 1 << 31;
const FILTER_U = 1 << 30;
const TYPER_RW = 0xfc00_ffff | 0;
const CCFILTR_RW = 0xfc00_0000 | 0;
const CYCLE_BIT = 1 << 31;

export class Pmu {
  pmcr = PMCR_LC;
  cnten = 0;
  inten = 0;
  ovs = 0;
  selr = 0;
  userenr = 0;
  ccfiltr = 0;
  readonly evtyper = new Int32Array(PMU_COUNTERS);
  readonly evcnt = new Uint32Array(PMU_COUNTERS);
  /** PMCCNTR_EL0 as two 32-bit halves. */
  ccLo = 0;
  ccHi = 0;
  /** PMCR_EL0.D prescaler (the cycle counter counts every 64th cycle). */
  private ccDiv = 0;
  /** An enabled counter counts per-instruction events: the run loop must call `tick`. */
  active = false;
  /** Events per counter that `tick` counts (bit n: counter n counts INST_RETIRED or CPU_CYCLES). */
  private tickMask = 0;

  constructor(
    private readonly line: IrqLine,
    private readonly onActiveChange: () => void,
    readonly imp: number,
  ) {
    this.reset();
  }

  reset(): void {
    this.pmcr = PMCR_LC | (PMU_COUNTERS << 11) | (this.imp << 24);
    this.cnten = this.inten = this.ovs = this.selr = this.userenr = this.ccfiltr = 0;
    this.evtyper.fill(0);
    this.evcnt.fill(0);
    this.ccLo = this.ccHi = this.ccDiv = 0;
    this.recompute();
  }

  /** PMCEID0_EL0: events 0x00-0x1f implemented (bit n = event n). */
  static readonly PMCEID0 =
    (1 << PMU_EVENT.SW_INCR) |
    (1 << PMU_EVENT.INST_RETIRED) |
    (1 << PMU_EVENT.CPU_CYCLES) |
    (1 << PMU_EVENT.CHAIN);

  writePmcr(v: number): void {
    if (v & PMCR_P) this.evcnt.fill(0);
    if (v & PMCR_C) this.ccLo = this.ccHi = this.ccDiv = 0;
    this.pmcr = (this.pmcr & ~PMCR_RW) | (v & PMCR_RW);
    this.recompute();
  }
  writeTyper(n: number, v: number): void {
    if (n === 31) this.ccfiltr = v & CCFILTR_RW;
    else this.evtyper[n] = v & TYPER_RW;
    this.recompute();
  }
  readTyper(n: number): number {
    return (n === 31 ? this.ccfiltr : this.evtyper[n]!) >>> 0;
  }
  setCnten(v: number, set: boolean): void {
    this.cnten = set ? this.cnten | v : this.cnten & ~v;
    this.cnten &= CYCLE_BIT | ((1 << PMU_COUNTERS) - 1);
    this.recompute();
  }
  setInten(v: number, set: boolean): void {
    this.inten = set ? this.inten | v : this.inten & ~v;
    this.inten &= CYCLE_BIT | ((1 << PMU_COUNTERS) - 1);
    this.updateIrq();
  }
  setOvs(v: number, set: boolean): void {
    this.ovs = set ? this.ovs | v : this.ovs & ~v;
    this.ovs &= CYCLE_BIT | ((1 << PMU_COUNTERS) - 1);
    this.updateIrq();
  }

  /** Counter n (0..N-1) counts events at exception level `el` (enable bits and P/U filters). */
  private counts(n: number, el: number): boolean {
    if ((this.pmcr & PMCR_E) === 0 || (this.cnten & (1 << n)) === 0) return false;
    const f = n === 31 ? this.ccfiltr : this.evtyper[n]!;
    return (f & (el === 0 ? FILTER_U : FILTER_P)) === 0;
  }

  /** PMSWINC_EL0 write at `el`: counters set to SW_INCR and enabled count one (D11.11). */
  swinc(v: number, el: number): void {
    for (let n = 0; n < PMU_COUNTERS; n++) {
      if ((v & (1 << n)) !== 0 && (this.evtyper[n]! & 0xffff) === PMU_EVENT.SW_INCR && this.counts(n, el)) {
        this.inc(n, el);
      }
    }
  }

  /** One instruction retired at `el` (called by the run loop while `active`). */
  tick(el: number): void {
    if (this.counts(31, el)) {
      if ((this.pmcr & PMCR_D) === 0 || ++this.ccDiv === 64) {
        this.ccDiv = 0;
        const lo = (this.ccLo + 1) >>> 0;
        this.ccLo = lo;
        if (lo === 0) {
          this.ccHi = (this.ccHi + 1) >>> 0;
          if (this.ccHi === 0) this.overflow(CYCLE_BIT);
        }
      }
    }
    const m = this.tickMask;
    for (let n = 0; n < PMU_COUNTERS; n++) if ((m & (1 << n)) !== 0 && this.counts(n, el)) this.inc(n, el);
  }

  private inc(n: number, el: number): void {
    const v = (this.evcnt[n]! + 1) >>> 0;
    this.evcnt[n] = v;
    if (v !== 0) return;
    this.overflow(1 << n);
    // CHAIN (odd counter): counts each overflow of the even counter below it (D11.6.2).
    const odd = n + 1;
    if ((n & 1) === 0 && odd < PMU_COUNTERS && (this.evtyper[odd]! & 0xffff) === PMU_EVENT.CHAIN) {
      if (this.counts(odd, el)) this.inc(odd, el);
    }
  }

  private overflow(bit: number): void {
    this.ovs |= bit;
    this.updateIrq();
  }

  /** The PMU overflow interrupt request (PPI): PMCR.E, PMINTENSET and PMOVSSET (D11.7). */
  private updateIrq(): void {
    this.line.set((this.pmcr & PMCR_E) !== 0 && (this.ovs & this.inten) !== 0);
  }

  /** tickMask from the event types, and whether any enabled counter counts; returns the latter. */
  private countingCounters(): boolean {
    let m = 0;
    for (let n = 0; n < PMU_COUNTERS; n++) {
      const e = this.evtyper[n]! & 0xffff;
      if (e === PMU_EVENT.INST_RETIRED || e === PMU_EVENT.CPU_CYCLES) m |= 1 << n;
    }
    this.tickMask = m;
    const enabled = (this.pmcr & PMCR_E) !== 0 ? this.cnten : 0;
    return (enabled & (m | CYCLE_BIT)) !== 0;
  }

  private recompute(): void {
    const active = this.countingCounters();
    if (active !== this.active) {
      this.active = active;
      this.onActiveChange();
    }
    this.updateIrq();
  }

  /** Snapshot (the counters and controls; the interrupt level is the GIC's input, saved there). */
  saveState(w: StateWriter): void {
    for (const v of [this.pmcr, this.cnten, this.inten, this.ovs, this.selr, this.userenr, this.ccfiltr])
      w.f64(v);
    w.u32s(this.evtyper);
    w.u32s(this.evcnt);
    w.f64(this.ccLo);
    w.f64(this.ccHi);
    w.f64(this.ccDiv);
  }
  loadState(r: StateReader): () => void {
    const f = [r.f64(), r.f64(), r.f64(), r.f64(), r.f64(), r.f64(), r.f64()] as const;
    const evtyper = r.u32s(PMU_COUNTERS, "PMEVTYPER");
    const evcnt = r.u32s(PMU_COUNTERS, "PMEVCNTR");
    const cc = [r.f64(), r.f64(), r.f64()] as const;
    return () => {
      [this.pmcr, this.cnten, this.inten, this.ovs, this.selr, this.userenr, this.ccfiltr] = f;
      this.evtyper.set(new Int32Array(evtyper.buffer));
      this.evcnt.set(evcnt);
      [this.ccLo, this.ccHi, this.ccDiv] = cc;
      // tickMask and `active` without driving the line (the GIC's input level is restored as saved).
      this.active = this.countingCounters();
    };
  }

  get ccnt(): bigint {
    return (BigInt(this.ccHi) << 32n) | BigInt(this.ccLo);
  }
  set ccnt(v: bigint) {
    this.ccLo = Number(v & 0xffffffffn) >>> 0;
    this.ccHi = Number((v >> 32n) & 0xffffffffn) >>> 0;
  }
}
