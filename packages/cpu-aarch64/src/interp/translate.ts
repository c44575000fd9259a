/*
 * VMSAv8-64 stage 1 translation for the EL1&0 regime, wired into the CPU.
 *
 * The CPU's direct-mapped software TLB (cpu.ts: read/write/exec tag arrays) stays the hot path.
 * On a miss with SCTLR_EL1.M = 1, `Cpu.translate` calls `CpuMmu.translate`, which asks the
 * @armature/mmu `Tlb` (ASID-tagged second level; walks on a miss) for the access kind at hand under
 * the current privilege, so the software TLB entry it fills carries exactly the permission of that
 * access kind for the current (EL, PSTATE.PAN). When that privilege key changes (exception entry,
 * ERET, MSR PAN, LDTR/STTR at EL1) the software TLB is flushed; TLBI is precise in the second level
 * and flushes the software TLB. Faults become Instruction/Data Abort exceptions with the walker's
 * IFSC/DFSC (ARM DDI 0487 D17.2.40 ESR_EL1, ISS encoding for an exception from an abort).
 */
import {
  Access,
  AtOp,
  at,
  defaultRegs,
  FaultKind,
  RamDescriptorMemory,
  setSctlrEl1,
  setTcrEl1,
  Tlb,
  Tlbi,
  type TranslationRegs,
  translate,
  WalkResult,
} from "@armature/mmu";
import type { Cpu } from "./cpu.js";
import { EC, ecFrom, ISS_WNR } from "./syndrome.js";
import { SR } from "./sysregs.js";

/** ID_AA64MMFR0_EL1.PARange -> bits (D19.2.64). */
const PA_RANGE = [32, 36, 40, 42, 44, 48, 52];

function lo32(v: bigint | undefined): number {
  return v === undefined ? 0 : Number(v & 0xffffffffn) | 0;
}
function hi32(v: bigint | undefined): number {
  return v === undefined ? 0 : Number((v >> 32n) & 0xffffffffn) | 0;
}

/** The translation state of one CPU: decoded controls, the second-level TLB, the walk memory. */
export class CpuMmu {
  readonly regs: TranslationRegs = defaultRegs();
  readonly tlb = new Tlb(2048);
  readonly mem: RamDescriptorMemory;
  private readonly out = new WalkResult();
  /** The controls must be re-read from the system registers (set on every software TLB flush). */
  regsDirty = true;
  /** An LDTR/STTR-style unprivileged access is in progress at EL1. */
  private unpriv = false;
  /** Privilege key the software TLB entries were filled under (0 = EL0/unprivileged, 1 = EL1, 2 = EL1 with PAN). */
  private key = 1;
  /** Whether the software TLB may hold MMU-on entries filled under `key`. */
  private filled = false;

  constructor(private readonly cpu: Cpu) {
    this.mem = RamDescriptorMemory.ofBus(cpu.bus);
  }

  /**
   * Whether the last successful translate() came from a stage 1 block, a page larger than 4 KiB
   * or a contiguous range: a TLBI by VA of another 4 KiB page of it concerns it too.
   */
  lastWide(): boolean {
    return this.out.s1SizeLog2 > 12 || this.out.contiguous;
  }

  /** Re-decode SCTLR_EL1, TCR_EL1, TTBR0/1_EL1, MAIR_EL1 and the PA size from the system registers. */
  loadRegs(): void {
    const s = this.cpu.sys;
    const r = this.regs;
    this.regsDirty = false;
    setSctlrEl1(r, s.sctlr);
    const tcr = s.read(SR.TCR_EL1, true);
    setTcrEl1(r, lo32(tcr), hi32(tcr));
    // Fields of features the model does not implement are RES0 (ID_AA64MMFR1_EL1.HAFDBS, HPDS).
    const mmfr1 = Number(s.id.mmfr1 & 0xffffn);
    const hafdbs = mmfr1 & 15;
    if (hafdbs < 1) r.ha = false;
    if (hafdbs < 2) r.hd = false;
    if (((mmfr1 >>> 12) & 15) === 0) r.hpd0 = r.hpd1 = false;
    if (((Number(s.id.mmfr0 >> 4n) & 15) as number) < 2) r.as16 = false;
    const t0 = s.read(SR.TTBR0_EL1, true);
    const t1 = s.read(SR.TTBR1_EL1, true);
    const mair = s.read(SR.MAIR_EL1, true);
    r.ttbr0Lo = lo32(t0);
    r.ttbr0Hi = hi32(t0);
    r.ttbr1Lo = lo32(t1);
    r.ttbr1Hi = hi32(t1);
    r.mairLo = lo32(mair);
    r.mairHi = hi32(mair);
    r.paBits = PA_RANGE[Number(s.id.mmfr0 & 15n)] ?? 48;
  }

  /**
   * Translate VA (lo, hi) for access 0 read, 1 write, 2 fetch with SCTLR_EL1.M = 1; returns the
   * PA or takes the abort exception (never returns then).
   */
  translate(lo: number, hi: number, access: number): number {
    const c = this.cpu;
    if (this.regsDirty) this.loadRegs();
    const r = this.regs;
    r.pan = c.pan !== 0;
    let acc = access === 1 ? Access.Write : access === 2 ? Access.Exec : 0;
    if (c.el === 0 || (this.unpriv && access !== 2)) acc |= Access.Unpriv;
    this.filled = true;
    const out = this.out;
    if (this.tlb.translate(r, this.mem, hi >>> 0, lo >>> 0, acc, out) === FaultKind.None) return out.pa;
    // ESR_EL1.ISS for aborts: IFSC/DFSC in bits 5:0, WnR bit 6 (data only); S1PTW is stage 2 only.
    if (access === 2) {
      return c.syncException(ecFrom(EC.IABT_LOWER, c.el), out.fsc, lo, hi, lo, hi);
    }
    const ec = ecFrom(EC.DABT_LOWER, c.el);
    return c.syncException(ec, (access === 1 ? ISS_WNR : 0) | out.fsc, lo, hi, c.pc, c.pcHi);
  }

  /**
   * A debugger's read translation of VA (lo, hi) under the current privilege: the PA, or undefined
   * on a fault. Walks like AT S1E1R/S1E0R (no exception, no TLB fill, no access-flag update).
   */
  debugTranslate(lo: number, hi: number): number | undefined {
    const c = this.cpu;
    if (this.regsDirty) this.loadRegs();
    this.regs.pan = false;
    const out = new WalkResult();
    const res = translate(
      this.regs,
      this.mem,
      hi >>> 0,
      lo >>> 0,
      Access.At | (c.el === 0 ? Access.Unpriv : 0),
      out,
    );
    this.regs.pan = c.pan !== 0;
    return res === FaultKind.None ? out.pa : undefined;
  }

  /** Drop every cached translation and the decoded controls (after a snapshot restore). */
  resetCaches(): void {
    this.tlb.flushAll();
    this.regsDirty = true;
    this.unpriv = false;
    this.filled = false;
    const c = this.cpu;
    this.key = c.el === 0 ? 0 : 1 + c.pan;
  }

  /**
   * The privilege the next accesses are checked under may have changed (EL, PSTATE.PAN, LDTR/STTR):
   * drop the software TLB when it holds entries filled under another privilege.
   */
  privChanged(): void {
    const c = this.cpu;
    const k = c.el === 0 || this.unpriv ? 0 : 1 + c.pan;
    if (k === this.key) return;
    this.key = k;
    if (this.filled) {
      this.filled = false;
      const dirty = this.regsDirty;
      c.flushTlb();
      this.regsDirty = dirty;
      c.recheck = true;
    }
  }

  /** Run `fn` as an unprivileged access (LDTR/STTR family, ARM ARM C3.2.5): EL0 permissions at EL1 unless PSTATE.UAO. */
  unprivileged(fn: () => void): void {
    const c = this.cpu;
    if (c.el === 0 || c.uao !== 0 || (c.sys.sctlr & 1) === 0) {
      fn();
      return;
    }
    this.unpriv = true;
    this.privChanged();
    try {
      fn();
    } finally {
      this.unpriv = false;
      this.privChanged();
    }
  }

  /**
   * TLBI (SYS op1 = 0, CRn = 8; C5.5): precise in the second-level TLB, a full flush of the software
   * TLB. `crm`/`op2` select the operation; (xtLo, xtHi) is Xt. Range forms over-invalidate.
   */
  tlbi(op1: number, crm: number, op2: number, xtLo: number, xtHi: number): void {
    if (this.regsDirty) this.loadRegs();
    let op: Tlbi = Tlbi.VMALLE1;
    if (op1 === 0 && (crm === 7 || crm === 3 || crm === 1)) {
      if (op2 === 1) op = Tlbi.VAE1;
      else if (op2 === 2) op = Tlbi.ASIDE1;
      else if (op2 === 3) op = Tlbi.VAAE1;
      else if (op2 === 5) op = Tlbi.VALE1;
      else if (op2 === 7) op = Tlbi.VAALE1;
    }
    this.tlb.tlbi(op, this.regs, xtLo >>> 0, xtHi >>> 0);
    if (op === Tlbi.VAE1 || op === Tlbi.VALE1 || op === Tlbi.VAAE1 || op === Tlbi.VAALE1) {
      // By VA (Xt[43:0] = VA[55:12]): only the software TLB's pages in the region a cached
      // translation for VA could span (any ASID: over-invalidating is allowed).
      const vaHi = ((xtLo >>> 20) | ((xtHi & 0xfff) << 12)) & 0x00ffffff;
      this.cpu.flushTlbRegion((xtLo << 12) | 0, vaHi, this.tlb.maxSpanLog2());
      return;
    }
    this.cpu.flushTlb();
    // A TLBI changes no system register: the controls decoded above stay valid.
    this.regsDirty = false;
  }

  /** AT S1E1R/W, S1E0R/W (CRm 8, op2 0..3) and S1E1RP/WP (CRm 9, op2 0/1): PAR_EL1 from a fresh walk. */
  at(crm: number, op2: number, vaLo: number, vaHi: number): void {
    const c = this.cpu;
    this.loadRegs();
    this.regs.pan = c.pan !== 0;
    const op =
      crm === 9
        ? op2 === 0
          ? AtOp.S1E1RP
          : AtOp.S1E1WP
        : op2 === 0
          ? AtOp.S1E1R
          : op2 === 1
            ? AtOp.S1E1W
            : op2 === 2
              ? AtOp.S1E0R
              : AtOp.S1E0W;
    const res = at(this.regs, this.mem, op, vaHi >>> 0, vaLo >>> 0);
    if (res.par !== null) c.sys.write(SR.PAR_EL1, res.par);
  }
}
