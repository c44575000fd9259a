/*
 * Half-precision FMOV forms (FEAT_FP16): FMOV Wd/Xd, Hn and Hd, Wn/Xn (float2int), FMOV Hd, #imm
 * (floatimm), FMOV Vd.4H/8H, #imm (asimdimm). They replace the base handlers for these ids, which
 * treat ftype 11 like single precision. VFPExpandImm: ARM ARM J1 shared/functions/float/vfpexpandimm.
 */
import type { Handler } from "./common.js";

/** VFPExpandImm(imm8) for N = 16. */
export function expandImmH(imm8: number): number {
  const sign = (imm8 >>> 7) & 1;
  const b6 = (imm8 >>> 6) & 1;
  const exp = ((b6 ^ 1) << 4) | (b6 ? 0b1100 : 0) | ((imm8 >>> 4) & 3);
  return (sign << 15) | (exp << 10) | ((imm8 & 15) << 6);
}

/** FMOV Wd|Xd, Hn: zero-extended 16 bits. */
const toGeneralH: Handler = (c, w) => {
  const d = w & 31;
  if (d === 31) return;
  c.x[2 * d] = c.v[4 * ((w >>> 5) & 31)]! & 0xffff;
  c.x[2 * d + 1] = 0;
};

/** FMOV Hd, Wn|Xn: low 16 bits, rest of Vd zero. */
const fromGeneralH: Handler = (c, w) => {
  const n = (w >>> 5) & 31;
  const d = w & 31;
  const v = c.v;
  v[4 * d] = n === 31 ? 0 : c.x[2 * n]! & 0xffff;
  v[4 * d + 1] = 0;
  v[4 * d + 2] = 0;
  v[4 * d + 3] = 0;
};

/** FMOV Hd, #imm. */
const immH: Handler = (c, w) => {
  const d = w & 31;
  const v = c.v;
  v[4 * d] = expandImmH((w >>> 13) & 0xff);
  v[4 * d + 1] = 0;
  v[4 * d + 2] = 0;
  v[4 * d + 3] = 0;
};

/** FMOV Vd.4H/8H, #imm (imm8 = a:b:c:d:e:f:g:h). */
const vecImmH: Handler = (c, w) => {
  const imm8 = (((w >>> 16) & 7) << 5) | ((w >>> 5) & 31);
  const h = expandImmH(imm8);
  const word = ((h << 16) | h) >>> 0;
  const d = w & 31;
  const q = (w >>> 30) & 1;
  const v = c.v;
  v[4 * d] = word;
  v[4 * d + 1] = word;
  v[4 * d + 2] = q ? word : 0;
  v[4 * d + 3] = q ? word : 0;
};

export const FMOV_H_OVERRIDES: Readonly<Record<string, Handler>> = {
  FMOV_32H_float2int: toGeneralH,
  FMOV_64H_float2int: toGeneralH,
  FMOV_H32_float2int: fromGeneralH,
  FMOV_H64_float2int: fromGeneralH,
  FMOV_H_floatimm: immH,
  FMOV_asimdimm_H_h: vecImmH,
};
