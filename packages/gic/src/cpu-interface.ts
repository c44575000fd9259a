import type { SysRegBlock } from "@armature/core";
import { ICC, INTID_SPURIOUS } from "./regs.js";
import { BPR0_MIN, BPR1_MIN, type GicState, log, type PeState, PRI_BITS, PRI_MASK } from "./state.js";

const KEYS: ReadonlySet<number> = new Set(Object.values(ICC));

/**
 * The GIC CPU interface as System registers (12.2, ICC_*_EL1), for the CPU package to forward
 * MRS/MSR to. One block serves every PE; `cpuIndex` selects the PE.
 */
export class CpuInterface implements SysRegBlock {
  constructor(private readonly s: GicState) {}

  has(key: number): boolean {
    return KEYS.has(key);
  }

  private pe(cpuIndex: number): PeState | undefined {
    const pe = this.s.pes[cpuIndex];
    if (pe === undefined)
      log.warn("icc-cpu", `ICC access from CPU index ${cpuIndex} that has no redistributor`);
    return pe;
  }

  /** ICC_CTLR_EL1 value (12.2.6): PRIbits, IDbits, A3V, RSS, CBPR, EOImode. */
  ctlr(pe: PeState): number {
    const idBits = this.s.lpiIdBits > 16 ? 1 : 0;
    return (
      (pe.cbpr ? 1 : 0) |
      (pe.eoiMode ? 2 : 0) |
      ((PRI_BITS - 1) << 8) |
      (idBits << 11) |
      (1 << 15) | // A3V
      (1 << 18) // RSS: SGI target lists reach Aff0 values 0-255 through RS
    );
  }

  read(cpuIndex: number, key: number): bigint {
    const pe = this.pe(cpuIndex);
    if (pe === undefined) return 0n;
    return BigInt(this.read32(pe, key) >>> 0);
  }

  private read32(pe: PeState, key: number): number {
    const s = this.s;
    switch (key) {
      case ICC.IAR1_EL1:
        return s.acknowledge(pe, 1);
      case ICC.IAR0_EL1:
        return s.acknowledge(pe, 0);
      case ICC.HPPIR1_EL1:
        return pe.hppiGroup === 1 ? pe.hppi : INTID_SPURIOUS;
      case ICC.HPPIR0_EL1:
        return pe.hppiGroup === 0 ? pe.hppi : INTID_SPURIOUS;
      case ICC.PMR_EL1:
        return pe.pmr;
      case ICC.BPR0_EL1:
        return pe.bpr0;
      case ICC.BPR1_EL1:
        return pe.cbpr ? Math.min(pe.bpr0 + 1, 7) : pe.bpr1;
      case ICC.RPR_EL1:
        return pe.runningPriority();
      case ICC.CTLR_EL1:
        return this.ctlr(pe);
      case ICC.SRE_EL1:
        return 7; // SRE, DFB, DIB: RAO/WI (System register interface only)
      case ICC.SRE_EL2:
        return 0xf; // SRE, DFB, DIB, Enable: RAO/WI
      case ICC.IGRPEN0_EL1:
        return pe.igrpen0 ? 1 : 0;
      case ICC.IGRPEN1_EL1:
        return pe.igrpen1 ? 1 : 0;
      case ICC.AP0R0_EL1:
        return pe.apr0;
      case ICC.AP1R0_EL1:
        return pe.apr1;
      case ICC.EOIR0_EL1:
      case ICC.EOIR1_EL1:
      case ICC.DIR_EL1:
      case ICC.SGI0R_EL1:
      case ICC.SGI1R_EL1:
      case ICC.ASGI1R_EL1:
        log.warn("icc-wo", `PE${pe.index}: MRS of a write-only ICC register reads 0`);
        return 0;
      default:
        return 0; // AP0R1-3 / AP1R1-3: RAZ/WI with 5 priority bits
    }
  }

  write(cpuIndex: number, key: number, value: bigint): void {
    const pe = this.pe(cpuIndex);
    if (pe === undefined) return;
    const s = this.s;
    const lo = Number(value & 0xffffffffn);
    switch (key) {
      case ICC.EOIR1_EL1:
        s.endOfInterrupt(pe, 1, lo & 0xffffff);
        return;
      case ICC.EOIR0_EL1:
        s.endOfInterrupt(pe, 0, lo & 0xffffff);
        return;
      case ICC.DIR_EL1:
        // Only meaningful with EOImode == 1 (12.2.9); otherwise UNPREDICTABLE: ignored.
        if (pe.eoiMode) s.deactivate(pe, lo & 0xffffff);
        else log.warn("dir", `PE${pe.index}: ICC_DIR_EL1 write with EOImode=0 ignored`);
        return;
      case ICC.PMR_EL1:
        pe.pmr = lo & PRI_MASK;
        break;
      case ICC.BPR0_EL1:
        pe.bpr0 = Math.max(lo & 7, BPR0_MIN);
        break;
      case ICC.BPR1_EL1:
        if (!pe.cbpr) pe.bpr1 = Math.max(lo & 7, BPR1_MIN);
        break;
      case ICC.CTLR_EL1:
        pe.cbpr = (lo & 1) !== 0;
        pe.eoiMode = (lo & 2) !== 0;
        break;
      case ICC.IGRPEN0_EL1:
        pe.igrpen0 = (lo & 1) !== 0;
        break;
      case ICC.IGRPEN1_EL1:
        pe.igrpen1 = (lo & 1) !== 0;
        break;
      case ICC.AP0R0_EL1:
        pe.apr0 = lo >>> 0;
        break;
      case ICC.AP1R0_EL1:
        pe.apr1 = lo >>> 0;
        break;
      case ICC.SGI1R_EL1:
      case ICC.ASGI1R_EL1:
        this.generateSgi(pe, value, 1);
        return;
      case ICC.SGI0R_EL1:
        this.generateSgi(pe, value, 0);
        return;
      case ICC.SRE_EL1:
      case ICC.SRE_EL2:
      case ICC.ICH_HCR_EL2:
        return; // RAO/WI, RAZ/WI
      case ICC.IAR0_EL1:
      case ICC.IAR1_EL1:
      case ICC.HPPIR0_EL1:
      case ICC.HPPIR1_EL1:
      case ICC.RPR_EL1:
        log.warn("icc-ro", `PE${pe.index}: MSR to a read-only ICC register ignored`);
        return;
      default:
        return;
    }
    s.update();
  }

  /**
   * ICC_SGI0R/SGI1R_EL1 (12.2.22): TargetList[15:0], Aff1[23:16], INTID[27:24], Aff2[39:32],
   * IRM[40], RS[47:44], Aff3[55:48]. IRM=1 targets every PE but the sender. The SGI becomes
   * pending on a target only if it is configured in the group the register generates.
   */
  private generateSgi(from: PeState, value: bigint, group: number): void {
    const s = this.s;
    const lo = Number(value & 0xffffffffn);
    const hi = Number((value >> 32n) & 0xffffffffn);
    const intid = (lo >>> 24) & 0xf;
    const irm = (hi >>> 8) & 1;
    const targetList = lo & 0xffff;
    const aff1 = (lo >>> 16) & 0xff;
    const aff2 = hi & 0xff;
    const rs = (hi >>> 12) & 0xf;
    const aff3 = (hi >>> 16) & 0xff;
    const bit = 1 << intid;
    for (const pe of s.pes) {
      if (irm) {
        if (pe === from) continue;
      } else {
        if (pe.aff >>> 8 !== ((aff3 << 16) | (aff2 << 8) | aff1) >>> 0) continue;
        const aff0 = pe.aff & 0xff;
        if (aff0 >>> 4 !== rs || ((targetList >>> (aff0 & 15)) & 1) === 0) continue;
      }
      if (((pe.group >>> intid) & 1) === group) pe.pend |= bit;
    }
    s.update();
  }
}
