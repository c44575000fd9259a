/**
 * Access kinds, fault kinds, the descriptor-memory contract and the caller-owned walk result.
 */

/** Access kind bits (combine with `|`). A plain privileged (EL1) data read is 0. */
export const Access = {
  /** A data write (sets ESR.WnR on a fault). */
  Write: 1,
  /** An instruction fetch (IFSC rather than DFSC; checked against UXN/PXN). */
  Exec: 2,
  /** An unprivileged access: from EL0, or LDTR/STTR at EL1. */
  Unpriv: 4,
  /** An AT instruction: no dirty-state update, and PAN ignored unless `AtPan` is also set. */
  At: 8,
  /** AT S1E1RP/S1E1WP: PSTATE.PAN is honoured (FEAT_PAN2). */
  AtPan: 16,
  /** Stop after stage 1 (AT S1E*): `pa` is then the IPA. Stage 1 table walks still go through stage 2. */
  Stage1Only: 32,
} as const;

/** Fault kinds. `None` = 0 so `if (out.fault)` tests for a fault. */
export const FaultKind = {
  None: 0,
  Translation: 1,
  AccessFlag: 2,
  Permission: 3,
  AddressSize: 4,
  /** Synchronous external abort on a translation table walk (the descriptor read aborted). */
  ExternalAbortOnWalk: 5,
} as const;
export type FaultKind = (typeof FaultKind)[keyof typeof FaultKind];

/**
 * The ESR_ELx DFSC/IFSC (and PAR_EL1.FST) code of a fault at a level (ARM DDI 0487, ESR_ELx ISS
 * encoding for Data/Instruction Aborts): address size 0b0000LL, translation 0b0001LL,
 * access flag 0b0010LL, permission 0b0011LL, synchronous external abort on walk 0b0101LL.
 */
export function faultStatusCode(kind: FaultKind, level: number): number {
  switch (kind) {
    case FaultKind.AddressSize:
      return 0x00 | level;
    case FaultKind.Translation:
      return 0x04 | level;
    case FaultKind.AccessFlag:
      return 0x08 | level;
    case FaultKind.Permission:
      return 0x0c | level;
    case FaultKind.ExternalAbortOnWalk:
      return 0x14 | level;
    default:
      return 0;
  }
}

/** Outcome of `DescriptorMemory.cas64`. */
export const Cas = { Ok: 0, Mismatch: 1, Abort: 2 } as const;

/**
 * Physical memory as the walker sees it: 64-bit little-endian descriptors, each as two uint32
 * halves (descriptors use bits above 2^53: PXN 53, UXN 54, APTable 62:61 ...).
 */
export interface DescriptorMemory {
  /** Read the 8-byte-aligned word at `pa` into out[0] (bits 31:0) and out[1] (bits 63:32). False = external abort. */
  read64(pa: number, out: Uint32Array): boolean;
  /**
   * Atomically replace the word at `pa` by (newLo, newHi) if it still equals (expLo, expHi);
   * used for FEAT_HAFDBS Access flag and dirty-state updates. Returns a `Cas` code.
   */
  cas64(pa: number, expLo: number, expHi: number, newLo: number, newHi: number): number;
}

/**
 * Caller-owned walk result, filled in place (no allocation per walk). When `fault` is not None,
 * only the fault fields (`fault`, `fsc`, `level`, `stage`, `s1ptw`, `wnr`, `ipa` for stage 2) mean anything.
 */
export class WalkResult {
  /** FaultKind; 0 = translated. */
  fault: FaultKind = 0;
  /** ESR DFSC/IFSC (and PAR_EL1.FST) code, 6 bits. */
  fsc = 0;
  /** Lookup level of the fault (0..3). */
  level = 0;
  /** Stage that faulted: 1 or 2. */
  stage = 1;
  /** ESR.S1PTW: a stage 2 fault on a stage 1 translation table walk. */
  s1ptw = false;
  /** ESR.WnR: the faulting access was a write. */
  wnr = false;
  /** The IPA (stage 1 output); for stage 2 faults the faulting IPA (HPFAR_EL2 source). */
  ipa = 0;
  /** Output physical address (the IPA when stage 2 is off or with Access.Stage1Only). */
  pa = 0;
  /** log2 of the stage 1 block/page size (or 64 - nothing: 12 when stage 1 is off). */
  s1SizeLog2 = 12;
  /** log2 of the stage 2 block/page size (0 when stage 2 did not run). */
  s2SizeLog2 = 0;
  /** log2 of the combined mapping size: min of the stages that ran. */
  sizeLog2 = 12;
  /** Stage 1 descriptor Contiguous hint (bit 52) — a TLB hint only. */
  contiguous = false;
  /** Stage 2 descriptor Contiguous hint. */
  s2Contiguous = false;
  /** Stage 1 AttrIndx (descriptor bits 4:2). */
  attrIndx = 0;
  /** The MAIR_EL1 attribute byte selected by AttrIndx (Device-nGnRnE 0x00 when stage 1 is off, for data). */
  memAttr = 0;
  /** Stage 1 shareability SH[1:0]. */
  sh = 0;
  /** Stage 2 MemAttr[3:0] and SH[1:0]. */
  s2MemAttr = 0;
  s2Sh = 0;
  /** nG: the translation is tagged with `asid`; false = global. */
  nG = false;
  asid = 0;
  vmid = 0;
  /** Effective stage 1 AP[2:1] (hierarchical APTable applied, as the descriptor is in memory after any update). */
  ap = 0;
  /** Effective UXN / PXN (hierarchical UXNTable / PXNTable applied). */
  uxn = false;
  pxn = false;
  /** Stage 2 S2AP[1:0] (bit 1 = write, bit 0 = read) after any update, and stage 2 XN. */
  s2ap = 3;
  s2xn = false;
  /** Whether stage 1 / stage 2 ran (false = that stage is disabled: flat, all permissions). */
  s1 = false;
  s2 = false;
  /** The IPA of the start of the stage 2 block/page (for IPAS2E1 matching). */
  ipaBase = 0;

  reset(): void {
    this.fault = 0;
    this.fsc = 0;
    this.level = 0;
    this.stage = 1;
    this.s1ptw = false;
    this.wnr = false;
    this.contiguous = false;
    this.s2Contiguous = false;
    this.s2SizeLog2 = 0;
    this.s2ap = 3;
    this.s2xn = false;
    this.s2MemAttr = 0;
    this.s2Sh = 0;
    this.nG = false;
    this.s1 = false;
    this.s2 = false;
  }

  /**
   * Copy what a cached translation keeps besides its addresses and tags: which stages ran and
   * their sizes, the stage 2 block's IPA, nG, permissions, attributes and the Contiguous hint.
   */
  copyTranslation(from: WalkResult): void {
    this.s1 = from.s1;
    this.s2 = from.s2;
    this.s1SizeLog2 = from.s1SizeLog2;
    this.s2SizeLog2 = from.s2SizeLog2;
    this.ipaBase = from.ipaBase;
    this.nG = from.nG;
    this.ap = from.ap;
    this.uxn = from.uxn;
    this.pxn = from.pxn;
    this.s2ap = from.s2ap;
    this.s2xn = from.s2xn;
    this.attrIndx = from.attrIndx;
    this.memAttr = from.memAttr;
    this.sh = from.sh;
    this.s2MemAttr = from.s2MemAttr;
    this.s2Sh = from.s2Sh;
    this.contiguous = from.contiguous;
  }
}

/** Permission summary bits returned by `permissionsOf`. */
export const Perm = { El1R: 1, El1W: 2, El1X: 4, El0R: 8, El0W: 16, El0X: 32 } as const;

/**
 * The low ISS bits of the Data Abort (EC 0x24/0x25) or Instruction Abort (EC 0x20/0x21) a fault
 * raises: DFSC/IFSC[5:0], WnR[6] (data aborts only), S1PTW[7]. ISV, CM, EA, FnV are left 0.
 * ARM DDI 0487, ESR_ELx ISS encoding for an exception from a Data/Instruction Abort.
 */
export function abortIss(res: WalkResult, instruction: boolean): number {
  return res.fsc | (!instruction && res.wnr ? 1 << 6 : 0) | (res.s1ptw ? 1 << 7 : 0);
}

/** HPFAR_EL2 for a stage 2 fault: FIPA[43:4] = IPA[51:12] (a number, at most 44 bits). */
export function hpfarOf(res: WalkResult): number {
  return Math.floor(res.ipa / 4096) * 16;
}
