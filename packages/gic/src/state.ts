import { type DmaSpace, DmaStatus, type IrqLine, RateLimitedLog, unconnectedIrqLine } from "@armature/core";
import { INTID_SPURIOUS, LPI_BASE } from "./regs.js";

/** Implemented priority bits (ICC_CTLR_EL1.PRIbits + 1): priorities are multiples of 8. */
export const PRI_BITS = 5;
export const PRI_MASK = (0xff << (8 - PRI_BITS)) & 0xff;
/** Minimum ICC_BPR0_EL1 for PRI_BITS (group priority field [7:3]); BPR1's minimum is one more. */
export const BPR0_MIN = 7 - PRI_BITS;
export const BPR1_MIN = BPR0_MIN + 1;

export const log = new RateLimitedLog("gic");

const lpiByte = new Uint8Array(1);

/** The bits of a group bitmap (1 = Group 1) whose group is enabled. */
function groupSelect(grp: number, g0: boolean, g1: boolean): number {
  return ((g1 ? grp : 0) | (g0 ? ~grp : 0)) >>> 0;
}

/**
 * A write to one of a set/clear register pair (GICD_ISENABLER<n>/ICENABLER<n>, ISPENDR/ICPENDR,
 * ISACTIVER/ICACTIVER and the GICR_*0 forms, IHI 0069 12.9, 12.11): the 1 bits of `v` set the
 * state in the set form and clear it in the clear form; 0 bits leave it.
 */
export function setClear(bits: number, v: number, set: boolean): number {
  return set ? bits | v : bits & ~v;
}

function ctz32(m: number): number {
  return 31 - Math.clz32(m & -m);
}

/** Everything one PE's redistributor and CPU interface hold. */
export class PeState {
  /** Affinity packed as Aff3<<24 | Aff2<<16 | Aff1<<8 | Aff0 (unsigned). */
  readonly aff: number;
  // SGIs and PPIs (INTID 0-31), one bit each.
  enable = 0;
  /** Pending latch: edges, ISPENDR writes, SGIs. Level-sensitive inputs add `level`. */
  pend = 0;
  level = 0;
  active = 0;
  /** 1 = Group 1. */
  group = 0;
  /** 1 = edge-triggered (SGIs always are). */
  edge = 0x0000ffff;
  readonly prio = new Uint8Array(32);
  // Redistributor
  /** GICR_WAKER.ProcessorSleep (reset 1). */
  sleep = true;
  enableLpis = false;
  propLo = 0;
  propHi = 0;
  pendLo = 0;
  pendHi = 0;
  /** Pending LPIs and their configuration byte (cached as the spec allows, refreshed by INV). */
  readonly lpis = new Map<number, number>();
  // CPU interface (ICC_*_EL1)
  pmr = 0;
  bpr0 = BPR0_MIN;
  bpr1 = BPR1_MIN;
  igrpen0 = false;
  igrpen1 = false;
  eoiMode = false;
  cbpr = false;
  apr0 = 0;
  apr1 = 0;
  // Highest priority pending interrupt, recomputed by GicState.update().
  hppi = INTID_SPURIOUS;
  hppiPrio = 0xff;
  hppiGroup = 1;
  irqOut = false;
  fiqOut = false;

  constructor(
    readonly index: number,
    readonly mpidr: number,
    public irqLine: IrqLine,
    public fiqLine: IrqLine,
  ) {
    const aff3 = Math.floor(mpidr / 2 ** 32) & 0xff;
    this.aff = ((aff3 << 24) | (mpidr & 0xffffff)) >>> 0;
  }

  /** Mask applied to a priority to get its group priority (4.8.3, ICC_BPRn_EL1). */
  groupPriorityMask(group: number): number {
    if (group === 0 || this.cbpr) return (0xff << (this.bpr0 + 1)) & 0xff;
    return (0xff << this.bpr1) & 0xff;
  }

  /** ICC_RPR_EL1: the group priority of the highest active priority, 0xFF when idle. */
  runningPriority(): number {
    const a = this.apr0 | this.apr1;
    if (a === 0) return 0xff;
    return ctz32(a) << (8 - PRI_BITS);
  }
}

export interface GicConfig {
  mpidrs: readonly number[];
  spiCount: number;
  lpiIdBits: number;
  lpis: boolean;
  lastInRegion: readonly boolean[];
}

/**
 * The shared state of the distributor, the redistributors and the CPU interfaces, and the one
 * function that decides, per PE, which interrupt is the highest priority pending one and
 * whether it is signalled (4.7 "Interrupt prioritization", 4.8 "Preemption").
 */
export class GicState {
  readonly pes: PeState[];
  /** Number of INTIDs below the LPI range that exist: 32 + SPIs. */
  readonly nIrq: number;
  readonly lpiIdBits: number;
  readonly lpis: boolean;
  readonly lastInRegion: readonly boolean[];
  dma: DmaSpace | undefined;
  // Distributor
  ctlr = 0;
  readonly spiEnable: Uint32Array;
  readonly spiPend: Uint32Array;
  readonly spiLevel: Uint32Array;
  readonly spiActive: Uint32Array;
  readonly spiGroup: Uint32Array;
  readonly spiEdge: Uint32Array;
  readonly spiPrio: Uint8Array;
  /** GICD_IROUTER<n> affinity (Aff3<<24 | Aff2.Aff1.Aff0). */
  readonly spiRoute: Uint32Array;
  /** PE index an SPI routes to, or -1 when no PE has that affinity. */
  readonly spiTarget: Int16Array;
  private updating = false;

  constructor(cfg: GicConfig, irqLines: readonly IrqLine[], fiqLines: readonly IrqLine[], dma?: DmaSpace) {
    this.nIrq = 32 + cfg.spiCount;
    this.lpiIdBits = cfg.lpiIdBits;
    this.lpis = cfg.lpis;
    this.lastInRegion = cfg.lastInRegion;
    this.dma = dma;
    this.pes = cfg.mpidrs.map(
      (m, i) => new PeState(i, m, irqLines[i] ?? unconnectedIrqLine, fiqLines[i] ?? unconnectedIrqLine),
    );
    const words = this.nIrq >>> 5;
    this.spiEnable = new Uint32Array(words);
    this.spiPend = new Uint32Array(words);
    this.spiLevel = new Uint32Array(words);
    this.spiActive = new Uint32Array(words);
    this.spiGroup = new Uint32Array(words);
    this.spiEdge = new Uint32Array(words);
    this.spiPrio = new Uint8Array(this.nIrq);
    this.spiRoute = new Uint32Array(this.nIrq);
    this.spiTarget = new Int16Array(this.nIrq);
    for (let i = 32; i < this.nIrq; i++) this.retarget(i);
  }

  peByAffinity(aff: number): number {
    for (const pe of this.pes) if (pe.aff === aff >>> 0) return pe.index;
    return -1;
  }

  retarget(intid: number): void {
    this.spiTarget[intid] = this.peByAffinity(this.spiRoute[intid]!);
  }

  // ---- inputs ----

  /** Drive the input of a private interrupt (SGI/PPI) of one PE. */
  setPrivateLevel(pe: PeState, intid: number, level: boolean): void {
    const bit = 1 << intid;
    const was = (pe.level & bit) !== 0;
    if (level) pe.level |= bit;
    else pe.level &= ~bit;
    // An edge-triggered interrupt latches pending on the rising edge (4.1.2).
    if (level && !was && (pe.edge & bit) !== 0) pe.pend |= bit;
    if (!this.updating) this.updatePe(pe); // a private interrupt concerns its own PE only
  }

  pulsePrivate(pe: PeState, intid: number): void {
    pe.pend |= 1 << intid;
    if (!this.updating) this.updatePe(pe);
  }

  setSpiLevel(intid: number, level: boolean): void {
    const w = intid >>> 5;
    const bit = 1 << (intid & 31);
    const was = (this.spiLevel[w]! & bit) !== 0;
    if (level) this.spiLevel[w]! |= bit;
    else this.spiLevel[w]! &= ~bit;
    if (level && !was && (this.spiEdge[w]! & bit) !== 0) this.spiPend[w]! |= bit;
    this.update();
  }

  pulseSpi(intid: number): void {
    this.spiPend[intid >>> 5]! |= 1 << (intid & 31);
    this.update();
  }

  // ---- LPIs ----

  /** Read an LPI's configuration byte from the LPI Configuration table (6.1.1); 0 when unreadable. */
  readLpiConfig(pe: PeState, intid: number): number {
    const idBits = Math.min((pe.propLo & 0x1f) + 1, this.lpiIdBits);
    if (intid >= 2 ** idBits || this.dma === undefined) return 0;
    const base = (pe.propHi & 0xfffff) * 2 ** 32 + ((pe.propLo & 0xfffff000) >>> 0);
    const addr = base + (intid - LPI_BASE);
    if (this.dma.read(addr, lpiByte) !== DmaStatus.Ok) {
      log.warn("lpi-prop", `LPI ${intid}: configuration table at 0x${addr.toString(16)} is not RAM`);
      return 0;
    }
    return lpiByte[0]!;
  }

  /** Make an LPI pending on a PE (ignored unless GICR_CTLR.EnableLPIs, 5.1). */
  setLpiPending(pe: PeState, intid: number, pending: boolean): void {
    if (intid < LPI_BASE || intid >= 2 ** this.lpiIdBits) return;
    if (pending) {
      if (!pe.enableLpis) return;
      if (!pe.lpis.has(intid)) pe.lpis.set(intid, this.readLpiConfig(pe, intid));
    } else {
      pe.lpis.delete(intid);
    }
    this.update();
  }

  /** Reload the cached configuration of pending LPIs (INV, INVALL, GICR_INVLPIR/INVALLR). */
  invalidateLpis(pe: PeState, intid = -1): void {
    for (const id of pe.lpis.keys()) {
      if (intid < 0 || id === intid) pe.lpis.set(id, this.readLpiConfig(pe, id));
    }
    this.update();
  }

  // ---- arbitration ----

  /** Recompute every PE's highest priority pending interrupt and drive its IRQ/FIQ lines. */
  update(): void {
    if (this.updating) return;
    this.updating = true;
    try {
      for (const pe of this.pes) this.updatePe(pe);
    } finally {
      this.updating = false;
    }
  }

  private updatePe(pe: PeState): void {
    let best = INTID_SPURIOUS;
    let bestPrio = 0x100;
    let bestGroup = 1;
    // A group takes part when enabled both in GICD_CTLR and in the PE's ICC_IGRPENn_EL1.
    const g0 = (this.ctlr & 1) !== 0 && pe.igrpen0;
    const g1 = (this.ctlr & 2) !== 0 && pe.igrpen1;
    if (!pe.sleep && (g0 || g1)) {
      // SGIs and PPIs
      let m = (pe.pend | (pe.level & ~pe.edge)) & pe.enable & ~pe.active & groupSelect(pe.group, g0, g1);
      while (m !== 0) {
        const b = ctz32(m);
        m &= m - 1;
        const p = pe.prio[b]!;
        if (p < bestPrio) {
          bestPrio = p;
          best = b;
          bestGroup = (pe.group >>> b) & 1;
        }
      }
      // SPIs routed to this PE
      const words = this.spiEnable.length;
      for (let w = 1; w < words; w++) {
        let c =
          (this.spiPend[w]! | (this.spiLevel[w]! & ~this.spiEdge[w]!)) &
          this.spiEnable[w]! &
          ~this.spiActive[w]! &
          groupSelect(this.spiGroup[w]!, g0, g1);
        while (c !== 0) {
          const b = ctz32(c);
          c &= c - 1;
          const id = (w << 5) | b;
          if (this.spiTarget[id] !== pe.index) continue;
          const p = this.spiPrio[id]!;
          if (p < bestPrio) {
            bestPrio = p;
            best = id;
            bestGroup = (this.spiGroup[w]! >>> b) & 1;
          }
        }
      }
      // LPIs (always Group 1)
      if (g1 && pe.enableLpis && pe.lpis.size > 0) {
        for (const [id, cfg] of pe.lpis) {
          if ((cfg & 1) === 0) continue;
          const p = cfg & PRI_MASK;
          if (p < bestPrio || (p === bestPrio && id < best)) {
            bestPrio = p;
            best = id;
            bestGroup = 1;
          }
        }
      }
    }
    pe.hppi = best;
    pe.hppiPrio = best === INTID_SPURIOUS ? 0xff : bestPrio;
    pe.hppiGroup = bestGroup;
    const signal = best !== INTID_SPURIOUS && this.canPreempt(pe);
    const irq = signal && bestGroup === 1;
    const fiq = signal && bestGroup === 0;
    if (irq !== pe.irqOut) {
      pe.irqOut = irq;
      pe.irqLine.set(irq);
    }
    if (fiq !== pe.fiqOut) {
      pe.fiqOut = fiq;
      pe.fiqLine.set(fiq);
    }
  }

  /** Whether the PE's HPPI passes the priority mask and preempts the running priority (4.8). */
  canPreempt(pe: PeState): boolean {
    if (pe.hppi === INTID_SPURIOUS) return false;
    if (pe.hppiPrio >= pe.pmr) return false;
    const rpr = pe.runningPriority();
    if (rpr === 0xff) return true;
    const mask = pe.groupPriorityMask(pe.hppiGroup);
    return (pe.hppiPrio & mask) < (rpr & mask);
  }

  // ---- CPU interface operations ----

  /** ICC_IARn_EL1 read: acknowledge the HPPI if it belongs to `group` and may be signalled. */
  acknowledge(pe: PeState, group: number): number {
    const id = pe.hppi;
    if (id === INTID_SPURIOUS || pe.hppiGroup !== group || !this.canPreempt(pe)) return INTID_SPURIOUS;
    const gp = pe.hppiPrio & pe.groupPriorityMask(group);
    const aprBit = 1 << (gp >>> (8 - PRI_BITS));
    if (group === 0) pe.apr0 |= aprBit;
    else pe.apr1 |= aprBit;
    if (id < 32) {
      pe.pend &= ~(1 << id);
      pe.active |= 1 << id;
    } else if (id < this.nIrq) {
      this.spiPend[id >>> 5]! &= ~(1 << (id & 31));
      this.spiActive[id >>> 5]! |= 1 << (id & 31);
    } else {
      pe.lpis.delete(id); // LPIs have no active state (5.1)
    }
    this.update();
    return id;
  }

  /** ICC_EOIRn_EL1 write: priority drop, and deactivation too unless EOImode (4.1.1). */
  endOfInterrupt(pe: PeState, group: number, intid: number): void {
    if (intid >= 1020 && intid < LPI_BASE) return; // special INTIDs are ignored
    const a = pe.apr0 | pe.apr1;
    if (a === 0) {
      log.warn("eoi-idle", `PE${pe.index}: EOI of INTID ${intid} with no active priority`);
    } else {
      const bit = a & -a;
      if (group === 0 && (pe.apr0 & bit) !== 0) pe.apr0 &= ~bit;
      else if (group === 1 && (pe.apr1 & bit) !== 0) pe.apr1 &= ~bit;
      else
        log.warn(
          "eoi-group",
          `PE${pe.index}: EOIR${group} but the highest active priority is the other group`,
        );
    }
    if (!pe.eoiMode) this.deactivate(pe, intid);
    this.update();
  }

  deactivate(pe: PeState, intid: number): void {
    if (intid < 32) pe.active &= ~(1 << intid);
    else if (intid < this.nIrq) this.spiActive[intid >>> 5]! &= ~(1 << (intid & 31));
    else if (intid < LPI_BASE)
      log.warn("dir-range", `PE${pe.index}: deactivation of INTID ${intid} that does not exist`);
    this.update();
  }
}
