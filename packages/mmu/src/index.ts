export type { AtOutcome } from "./at.js";
export { AtOp, at, parFromFault, parFromResult } from "./at.js";
export { RamDescriptorMemory } from "./memory.js";
export * from "./regs.js";
export { Tlb, Tlbi } from "./tlb.js";
export * from "./types.js";
export * from "./walk.js";

/** Split a VA given as a bigint into the (hi, lo) uint32 halves the walker takes. */
export function splitVa(va: bigint): [hi: number, lo: number] {
  const v = BigInt.asUintN(64, va);
  return [Number(v >> 32n), Number(v & 0xffffffffn)];
}
