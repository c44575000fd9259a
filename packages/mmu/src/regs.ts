/**
 * The translation controls the walker reads: a plain, caller-owned object of already-decoded
 * register fields (SCTLR_EL1, TCR_EL1, TTBR0/1_EL1, MAIR_EL1, PSTATE.PAN, HCR_EL2.VM, VTCR_EL2,
 * VTTBR_EL2) plus the implementation's PA size. 64-bit registers are held as two uint32 halves
 * (`...Lo` = bits 31:0, `...Hi` = bits 63:32) so that no BigInt is needed on the walk path.
 *
 * Use `setTcrEl1` / `setVtcrEl2` / `setSctlrEl1` to decode raw register values into it.
 */

/** log2 of a translation granule: 4KB, 16KB or 64KB. */
export type GranuleLog2 = 12 | 14 | 16;
export const GRANULE_4K = 12 as const;
export const GRANULE_16K = 14 as const;
export const GRANULE_64K = 16 as const;

export interface TranslationRegs {
  /** Implemented physical address size in bits (ID_AA64MMFR0_EL1.PARange): 32..48, or 52 (FEAT_LPA+FEAT_LVA, 64KB granule only). */
  paBits: number;
  /** SCTLR_EL1.M: stage 1 enabled. */
  m: boolean;
  /** SCTLR_EL1.WXN. */
  wxn: boolean;
  /** PSTATE.PAN. */
  pan: boolean;
  // ---- TCR_EL1 ----
  t0sz: number;
  t1sz: number;
  tg0: GranuleLog2;
  tg1: GranuleLog2;
  epd0: boolean;
  epd1: boolean;
  tbi0: boolean;
  tbi1: boolean;
  /** FEAT_HPDS: hierarchical permissions disabled for TTBR0 / TTBR1 walks. */
  hpd0: boolean;
  hpd1: boolean;
  /** TCR_EL1.A1: the ASID comes from TTBR1_EL1 (else TTBR0_EL1). */
  a1: boolean;
  /** TCR_EL1.AS: 16-bit ASIDs. */
  as16: boolean;
  /** TCR_EL1.IPS encoding (0..7). */
  ips: number;
  /** FEAT_HAFDBS: hardware Access flag update / dirty state (stage 1). */
  ha: boolean;
  hd: boolean;
  ttbr0Lo: number;
  ttbr0Hi: number;
  ttbr1Lo: number;
  ttbr1Hi: number;
  mairLo: number;
  mairHi: number;
  // ---- stage 2: HCR_EL2.VM, VTCR_EL2, VTTBR_EL2 ----
  /** HCR_EL2.VM: stage 2 enabled. */
  vm: boolean;
  vt0sz: number;
  vsl0: number;
  vtg0: GranuleLog2;
  /** VTCR_EL2.PS encoding (0..7). */
  vps: number;
  /** VTCR_EL2.VS: 16-bit VMIDs. */
  vs16: boolean;
  vha: boolean;
  vhd: boolean;
  vttbrLo: number;
  vttbrHi: number;
}

/** Reset-like defaults: MMU off, 4KB granules, 48-bit PA, everything else 0. */
export function defaultRegs(): TranslationRegs {
  return {
    paBits: 48,
    m: false,
    wxn: false,
    pan: false,
    t0sz: 16,
    t1sz: 16,
    tg0: 12,
    tg1: 12,
    epd0: false,
    epd1: false,
    tbi0: false,
    tbi1: false,
    hpd0: false,
    hpd1: false,
    a1: false,
    as16: false,
    ips: 5,
    ha: false,
    hd: false,
    ttbr0Lo: 0,
    ttbr0Hi: 0,
    ttbr1Lo: 0,
    ttbr1Hi: 0,
    mairLo: 0,
    mairHi: 0,
    vm: false,
    vt0sz: 16,
    vsl0: 2,
    vtg0: 12,
    vps: 5,
    vs16: false,
    vha: false,
    vhd: false,
    vttbrLo: 0,
    vttbrHi: 0,
  };
}

/** TCR_EL1.TG0 encoding -> granule. The reserved encoding 0b11 is treated as 4KB (IMPLEMENTATION DEFINED choice). */
export function tg0Granule(enc: number): GranuleLog2 {
  return enc === 1 ? 16 : enc === 2 ? 14 : 12;
}
/** TCR_EL1.TG1 encoding (01 16KB, 10 4KB, 11 64KB) -> granule; reserved 0b00 is treated as 4KB. */
export function tg1Granule(enc: number): GranuleLog2 {
  return enc === 1 ? 14 : enc === 3 ? 16 : 12;
}

/** Decode TCR_EL1 (given as two uint32 halves) into `r`. */
export function setTcrEl1(r: TranslationRegs, lo: number, hi: number): void {
  r.t0sz = lo & 0x3f;
  r.epd0 = ((lo >>> 7) & 1) === 1;
  r.tg0 = tg0Granule((lo >>> 14) & 3);
  r.t1sz = (lo >>> 16) & 0x3f;
  r.a1 = ((lo >>> 22) & 1) === 1;
  r.epd1 = ((lo >>> 23) & 1) === 1;
  r.tg1 = tg1Granule((lo >>> 30) & 3);
  r.ips = hi & 7;
  r.as16 = ((hi >>> 4) & 1) === 1;
  r.tbi0 = ((hi >>> 5) & 1) === 1;
  r.tbi1 = ((hi >>> 6) & 1) === 1;
  r.ha = ((hi >>> 7) & 1) === 1;
  r.hd = ((hi >>> 8) & 1) === 1;
  r.hpd0 = ((hi >>> 9) & 1) === 1;
  r.hpd1 = ((hi >>> 10) & 1) === 1;
}

/** Decode VTCR_EL2 (bits 31:0 carry every field this model uses). */
export function setVtcrEl2(r: TranslationRegs, lo: number): void {
  r.vt0sz = lo & 0x3f;
  r.vsl0 = (lo >>> 6) & 3;
  r.vtg0 = tg0Granule((lo >>> 14) & 3);
  r.vps = (lo >>> 16) & 7;
  r.vs16 = ((lo >>> 19) & 1) === 1;
  r.vha = ((lo >>> 21) & 1) === 1;
  r.vhd = ((lo >>> 22) & 1) === 1;
}

/** Decode the SCTLR_EL1 bits the walker uses: M (bit 0) and WXN (bit 19). */
export function setSctlrEl1(r: TranslationRegs, lo: number): void {
  r.m = (lo & 1) === 1;
  r.wxn = ((lo >>> 19) & 1) === 1;
}

/** The current ASID (TTBR0/1_EL1.ASID per TCR_EL1.A1, 8 or 16 bits per TCR_EL1.AS). */
export function currentAsid(r: TranslationRegs): number {
  const hi = r.a1 ? r.ttbr1Hi : r.ttbr0Hi;
  return r.as16 ? hi >>> 16 : (hi >>> 16) & 0xff;
}

/** The current VMID (VTTBR_EL2.VMID, 8 or 16 bits per VTCR_EL2.VS). */
export function currentVmid(r: TranslationRegs): number {
  return r.vs16 ? r.vttbrHi >>> 16 : (r.vttbrHi >>> 16) & 0xff;
}

const PS_BITS = [32, 36, 40, 42, 44, 48, 52] as const;

/**
 * Effective output size of a TCR.IPS / VTCR.PS encoding: capped at the implemented PA size; the
 * reserved encoding 0b111 reads as the implemented size; 52 bits only with the 64KB granule
 * (no FEAT_LPA2 here), otherwise 48.
 */
export function outputSizeBits(enc: number, paBits: number, granule: GranuleLog2): number {
  let n = enc < 7 ? PS_BITS[enc]! : paBits;
  if (n > paBits) n = paBits;
  if (n === 52 && granule !== 16) n = 48;
  return n;
}
