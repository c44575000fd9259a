/**
 * FP control/status state shared by every FP helper (ARM ARM D1/C5: FPCR, FPSR).
 *
 * Value representation: every floating-point operand is a raw bit pattern given as two
 * uint32 halves `hi`/`lo`. For half and single precision `hi` is ignored (pass 0) and the
 * pattern is the low 16/32 bits of `lo`. Double precision uses both halves, so signalling-NaN
 * payloads survive untouched (JS numbers would quieten them).
 *
 * Every operation returns the low 32 bits of its result and also stores both halves in
 * `st.hi`/`st.lo` (for 16/32-bit results `st.hi` is 0). Nothing allocates.
 */
export class FPState {
  /** FPCR value consulted by every operation (RMode, FZ, FZ16, DN, AHP). */
  fpcr = 0;
  /** Cumulative FPSR flags; operations OR bits into it and never clear it. */
  fpsr = 0;
  /** Upper 32 bits of the last result (64-bit results). */
  hi = 0;
  /** Lower 32 bits of the last result. */
  lo = 0;
  /** NZCV (4-bit, N=8 Z=4 C=2 V=1) produced by compares and FJCVTZS. */
  nzcv = 0;
}

/** Operand/result size in bits. */
export type FPSize = 16 | 32 | 64;

/** ARM ARM FPRounding values (FPCR.RMode 0..3 map onto the first four). */
export const FPRounding = {
  TIEEVEN: 0,
  POSINF: 1,
  NEGINF: 2,
  ZERO: 3,
  TIEAWAY: 4,
  ODD: 5,
} as const;
export type FPRoundingMode = (typeof FPRounding)[keyof typeof FPRounding];

// FPCR fields (ARM ARM D17 FPCR).
export const FPCR_AHP = 1 << 26;
export const FPCR_DN = 1 << 25;
export const FPCR_FZ = 1 << 24;
export const FPCR_RMODE_SHIFT = 22;
export const FPCR_FZ16 = 1 << 19;

// FPSR cumulative flags (ARM ARM D17 FPSR).
export const FPSR_IOC = 1 << 0;
export const FPSR_DZC = 1 << 1;
export const FPSR_OFC = 1 << 2;
export const FPSR_UFC = 1 << 3;
export const FPSR_IXC = 1 << 4;
export const FPSR_IDC = 1 << 7;
export const FPSR_QC = 1 << 27;

/** FPDecodeRounding(rmode): RMode 0..3 are TIEEVEN, POSINF, NEGINF, ZERO (FPRounding's first four). */
export function fpDecodeRounding(rmode: number): FPRoundingMode {
  return (rmode & 3) as FPRoundingMode;
}

/** FPRoundingMode(FPCR): the RMode field. */
export function fpcrRounding(fpcr: number): FPRoundingMode {
  return fpDecodeRounding(fpcr >>> FPCR_RMODE_SHIFT);
}
