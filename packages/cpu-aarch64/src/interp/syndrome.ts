/**
 * Exception classes and syndrome (ESR_ELx) building, ARM ARM D19.2.40 "ESR_EL1". A leaf module:
 * it imports nothing, so the CPU, its instruction handlers, the MMU walker and boards can all use
 * it without import cycles.
 */

/** ESR_ELx.EC values (bits 31:26). */
export const EC = {
  UNKNOWN: 0x00,
  WFX: 0x01,
  FP_ACCESS: 0x07,
  ILLEGAL_STATE: 0x0e,
  SVC64: 0x15,
  HVC64: 0x16,
  SMC64: 0x17,
  SYSREG: 0x18,
  IABT_LOWER: 0x20,
  IABT_SAME: 0x21,
  PC_ALIGN: 0x22,
  DABT_LOWER: 0x24,
  DABT_SAME: 0x25,
  SP_ALIGN: 0x26,
  SERROR: 0x2f,
  BKPT_LOWER: 0x30,
  BKPT_SAME: 0x31,
  SOFTSTEP_LOWER: 0x32,
  SOFTSTEP_SAME: 0x33,
  WPT_LOWER: 0x34,
  WPT_SAME: 0x35,
  BRK64: 0x3c,
} as const;

/** Fault status codes (ISS.DFSC / ISS.IFSC). */
export const FSC = {
  /** Translation fault, level 0 (add the level for 1..3). */
  TRANSLATION_L0: 0x04,
  /** Synchronous External abort, not on a translation table walk. */
  EXTERNAL: 0x10,
  /** Alignment fault. */
  ALIGNMENT: 0x21,
  /** Debug exception (breakpoint, watchpoint, step: ISS IFSC/DFSC = 0b100010). */
  DEBUG: 0x22,
} as const;

/** ISS.WnR (bit 6) of a data abort or watchpoint: the access was a write. */
export const ISS_WNR = 1 << 6;
/** ISS.ISV (bit 24). */
export const ISS_ISV = 1 << 24;

/** ESR value: EC << 26 | IL << 25 | ISS (IL = 1: a 32-bit instruction). */
export function esr(ec: number, iss: number): number {
  return ((ec << 26) | (1 << 25) | (iss & 0x1ffffff)) >>> 0;
}

/** The EC of an exception of class `lowerEc` taken from `el` to EL1: the "same EL" class is lowerEc + 1. */
export function ecFrom(lowerEc: number, el: number): number {
  return el === 0 ? lowerEc : lowerEc + 1;
}

/** Exception class of an ESR value. */
export function ecOf(esrValue: number): number {
  return esrValue >>> 26;
}
