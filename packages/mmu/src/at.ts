/**
 * AT S1E0R / S1E0W / S1E1R / S1E1W / S1E1RP / S1E1WP (ARM DDI 0487 C5.5 "A64 system instructions
 * for address translation") and the PAR_EL1 value they produce. Off the hot path: PAR is a bigint.
 */
import type { TranslationRegs } from "./regs.js";
import { Access, type DescriptorMemory, FaultKind, WalkResult } from "./types.js";
import { translate } from "./walk.js";

export const AtOp = {
  S1E0R: 0,
  S1E0W: 1,
  S1E1R: 2,
  S1E1W: 3,
  S1E1RP: 4,
  S1E1WP: 5,
  /** EL2 operations: stage 1 and stage 2; stage 2 faults (S1PTW too) are recorded in PAR. */
  S12E1R: 6,
  S12E1W: 7,
  S12E0R: 8,
  S12E0W: 9,
} as const;
export type AtOp = (typeof AtOp)[keyof typeof AtOp];

const AT_ACCESS: readonly number[] = [
  Access.At | Access.Unpriv,
  Access.At | Access.Unpriv | Access.Write,
  Access.At,
  Access.At | Access.Write,
  Access.At | Access.AtPan,
  Access.At | Access.AtPan | Access.Write,
  Access.At,
  Access.At | Access.Write,
  Access.At | Access.Unpriv,
  Access.At | Access.Unpriv | Access.Write,
];

export interface AtOutcome {
  /**
   * The new PAR_EL1, or null when the operation instead takes a stage 2 fault on its stage 1
   * table walk to EL2 (`walk` then holds that fault: stage 2, S1PTW) and PAR_EL1 is unchanged.
   */
  par: bigint | null;
  /** The walk behind it. */
  walk: WalkResult;
}

/** PAR_EL1 for a successful translation (F = 0): ATTR[63:56], PA[51:12], bit 11 RES1, SH[8:7]. */
export function parFromResult(res: WalkResult): bigint {
  const attr = res.memAttr & 0xff;
  // Device memory and Normal Inner+Outer Non-cacheable report Outer Shareable (PAR_EL1.SH).
  const sh = (attr & 0xf0) === 0 || attr === 0x44 ? 2 : res.sh;
  const pa = BigInt(res.pa - (res.pa % 4096));
  return (BigInt(attr) << 56n) | pa | 0x800n | (BigInt(sh) << 7n);
}

/** PAR_EL1 for a fault (F = 1): FST[6:1], PTW[8], S[9], bit 11 RES1. */
export function parFromFault(res: WalkResult): bigint {
  return BigInt(1 | (res.fsc << 1) | (res.s1ptw ? 1 << 8 : 0) | (res.stage === 2 ? 1 << 9 : 0) | 0x800);
}

/**
 * Execute an AT operation on the EL1&0 regime for the 64-bit VA (two uint32 halves): S1E* from
 * EL1 (stage 1 only: PAR holds the IPA), or S12E* from EL2 (both stages when HCR_EL2.VM; PAR.ATTR
 * and SH then report stage 1's attributes: stage 1/2 attribute combining is not modelled).
 */
export function at(
  r: TranslationRegs,
  mem: DescriptorMemory,
  op: AtOp,
  vaHi: number,
  vaLo: number,
): AtOutcome {
  const walk = new WalkResult();
  const s12 = op >= AtOp.S12E1R;
  const acc = AT_ACCESS[op]! | (s12 ? 0 : Access.Stage1Only);
  const f = translate(r, mem, vaHi, vaLo, acc, walk);
  if (f === FaultKind.None) return { par: parFromResult(walk), walk };
  // S1E*: a stage 2 fault on the stage 1 walk is taken to EL2, PAR unchanged.
  if (!s12 && walk.stage === 2) return { par: null, walk };
  return { par: parFromFault(walk), walk };
}
