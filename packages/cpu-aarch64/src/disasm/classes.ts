/**
 * Top-level A64 encoding region of a word (ARM ARM C4.1 "A64 instruction set encoding", op0 = bits
 * [28:25]), split a little further for reporting agreement per region.
 */
export type Region =
  | "reserved"
  | "sve"
  | "dpimm"
  | "branch_sys"
  | "ldst"
  | "ldst_simd_struct"
  | "dpreg"
  | "fp_scalar"
  | "simd_scalar"
  | "simd_vector";

export const REGIONS: readonly Region[] = [
  "reserved",
  "sve",
  "dpimm",
  "branch_sys",
  "ldst",
  "ldst_simd_struct",
  "dpreg",
  "fp_scalar",
  "simd_scalar",
  "simd_vector",
];

export function regionOf(word: number): Region {
  const op0 = (word >>> 25) & 15;
  if (op0 === 0 || op0 === 1 || op0 === 3) return "reserved";
  if (op0 === 2) return "sve";
  if ((op0 & 14) === 8) return "dpimm";
  if ((op0 & 14) === 10) return "branch_sys";
  if ((op0 & 5) === 4) {
    // op0 = 0x00 1 1 ... : AdvSIMD load/store structure when bits[29:27]=001 and bit 26 = 1
    return ((word >>> 27) & 7) === 1 && ((word >>> 26) & 1) === 1 && ((word >>> 31) & 1) === 0
      ? "ldst_simd_struct"
      : "ldst";
  }
  if ((op0 & 7) === 5) return "dpreg";
  if (((word >>> 28) & 1) === 1) return ((word >>> 30) & 1) === 0 ? "fp_scalar" : "simd_scalar";
  return "simd_vector";
}
