export type { AtOutcome } from "./at.js";
export { AtOp, at, parFromFault, parFromResult } from "./at.js";
export { RamDescriptorMemory } from "./memory.js";
export type { GranuleLog2, TranslationRegs } from "./regs.js";
export {
  currentAsid,
  currentVmid,
  defaultRegs,
  GRANULE_4K,
  GRANULE_16K,
  GRANULE_64K,
  outputSizeBits,
  setSctlrEl1,
  setTcrEl1,
  setVtcrEl2,
  tg0Granule,
  tg1Granule,
} from "./regs.js";
export { Tlb, Tlbi } from "./tlb.js";
export type { DescriptorMemory } from "./types.js";
export { Access, abortIss, Cas, FaultKind, faultStatusCode, hpfarOf, Perm, WalkResult } from "./types.js";
export { clampTsz, permissionsOf, permits, s1Permits, s2Permits, translate } from "./walk.js";

/** Split a VA given as a bigint into the (hi, lo) uint32 halves the walker takes. */
export function splitVa(va: bigint): [hi: number, lo: number] {
  const v = BigInt.asUintN(64, va);
  return [Number(v >> 32n), Number(v & 0xffffffffn)];
}
