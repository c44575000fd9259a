/*
 * Scalar floating-point (ARM ARM C4.1.96.x: floatdp1, floatdp2, floatdp3, floatcmp, floatccmp,
 * floatsel, float2int, float2fix). Arithmetic is delegated to the bit-exact src/fp core.
 */
import {
  FPRounding,
  type FPRoundingMode,
  type FPSize,
  fixedToFp,
  fpAdd,
  fpCompare,
  fpConvert,
  fpcrRounding,
  fpDecodeRounding,
  fpDiv,
  fpMax,
  fpMaxNum,
  fpMin,
  fpMinNum,
  fpMul,
  fpMulAdd,
  fpRoundInt,
  fpRoundIntN,
  fpSqrt,
  fpSub,
  fpToFixed,
  fpToFixedJS,
} from "../../fp/index.js";
import type { Cpu } from "../cpu.js";
import { condHolds } from "../exec-int.js";
import { absHi, absLo, fpBegin, fpEnd, negHi, negLo, setXHalves } from "./common.js";

/** ftype (bits 23:22) → operand size; 10 is reserved. */
function ftypeSize(c: Cpu, w: number): FPSize {
  const t = (w >>> 22) & 3;
  if (t === 0) return 32;
  if (t === 1) return 64;
  if (t === 3) return 16;
  return c.undefinedInstruction();
}

function rdLo(c: Cpu, r: number, n: FPSize): number {
  const v = c.v[4 * r]!;
  return n === 16 ? v & 0xffff : v;
}
function rdHi(c: Cpu, r: number, n: FPSize): number {
  return n === 64 ? c.v[4 * r + 1]! : 0;
}
/** Write a scalar FP result (zeroing the rest of V`d`). */
export function wrScalar(c: Cpu, d: number, n: FPSize, hi: number, lo: number): void {
  const v = c.v;
  v[4 * d] = n === 16 ? lo & 0xffff : lo;
  v[4 * d + 1] = n === 64 ? hi : 0;
  v[4 * d + 2] = 0;
  v[4 * d + 3] = 0;
}

function setNZCV(c: Cpu, nzcv: number): void {
  c.nf = (nzcv >>> 3) & 1;
  c.zf = (nzcv >>> 2) & 1;
  c.cf = (nzcv >>> 1) & 1;
  c.vf = nzcv & 1;
}

/** floatdp1: FMOV(reg) FABS FNEG FSQRT FCVT FRINT* FRINT32/64*. */
export function floatdp1(c: Cpu, w: number): void {
  const n = ftypeSize(c, w);
  const opc = (w >>> 15) & 63;
  const rn = (w >>> 5) & 31;
  const d = w & 31;
  const lo = rdLo(c, rn, n);
  const hi = rdHi(c, rn, n);
  switch (opc) {
    case 0:
      wrScalar(c, d, n, hi, lo);
      return;
    case 1:
      wrScalar(c, d, n, absHi(n, hi), absLo(n, lo));
      return;
    case 2:
      wrScalar(c, d, n, negHi(n, hi), negLo(n, lo));
      return;
  }
  const s = fpBegin(c);
  let r: number;
  let rn2: FPSize = n;
  if (opc === 3) r = fpSqrt(s, n, hi, lo);
  else if (opc >= 4 && opc <= 7) {
    const to = opc & 3;
    rn2 = to === 0 ? 32 : to === 1 ? 64 : to === 3 ? 16 : (c.undefinedInstruction() as never);
    if (rn2 === n) c.undefinedInstruction();
    r = fpConvert(s, n, rn2, hi, lo, fpcrRounding(c.fpcr));
  } else if (opc >= 8 && opc <= 15) {
    const k = opc & 7;
    if (k === 5) c.undefinedInstruction();
    // FRINTN/P/M/Z (rmode = k), FRINTA (TIEAWAY), FRINTX/I (FPCR)
    const mode = k < 4 ? fpDecodeRounding(k) : k === 4 ? FPRounding.TIEAWAY : fpcrRounding(c.fpcr);
    r = fpRoundInt(s, n, hi, lo, mode, k === 6);
  } else if (opc >= 16 && opc <= 19) {
    if (n === 16) c.undefinedInstruction();
    const mode = opc & 1 ? fpcrRounding(c.fpcr) : FPRounding.ZERO;
    r = fpRoundIntN(s, n, hi, lo, mode, opc & 2 ? 64 : 32);
  } else r = c.undefinedInstruction();
  fpEnd(c);
  wrScalar(c, d, rn2, s.hi, r);
}

/** floatdp2's operations by opcode (C4.1.96.x): FMUL FDIV FADD FSUB FMAX FMIN FMAXNM FMINNM FNMUL. */
const FLOATDP2 = [fpMul, fpDiv, fpAdd, fpSub, fpMax, fpMin, fpMaxNum, fpMinNum, fpMul] as const;

/** floatdp2: FMUL FDIV FADD FSUB FMAX FMIN FMAXNM FMINNM FNMUL (the product negated). */
export function floatdp2(c: Cpu, w: number): void {
  const n = ftypeSize(c, w);
  const m = (w >>> 16) & 31;
  const opc = (w >>> 12) & 15;
  const rn = (w >>> 5) & 31;
  const d = w & 31;
  const op = FLOATDP2[opc];
  if (op === undefined) c.undefinedInstruction();
  const s = fpBegin(c);
  const r = op(s, n, rdHi(c, rn, n), rdLo(c, rn, n), rdHi(c, m, n), rdLo(c, m, n));
  fpEnd(c);
  if (opc === 8) wrScalar(c, d, n, negHi(n, s.hi), negLo(n, r));
  else wrScalar(c, d, n, s.hi, r);
}

/** floatdp3: FMADD FMSUB FNMADD FNMSUB (one rounding). */
export function floatdp3(c: Cpu, w: number): void {
  const n = ftypeSize(c, w);
  const o1 = (w >>> 21) & 1;
  const m = (w >>> 16) & 31;
  const o0 = (w >>> 15) & 1;
  const a = (w >>> 10) & 31;
  const rn = (w >>> 5) & 31;
  const d = w & 31;
  let al = rdLo(c, a, n);
  let ah = rdHi(c, a, n);
  let nl = rdLo(c, rn, n);
  let nh = rdHi(c, rn, n);
  // C7.2: FMSUB negates the product operand, FNMADD both, FNMSUB the addend.
  if (o0 !== o1) {
    nl = negLo(n, nl);
    nh = negHi(n, nh);
  }
  if (o1) {
    al = negLo(n, al);
    ah = negHi(n, ah);
  }
  const s = fpBegin(c);
  const r = fpMulAdd(s, n, ah, al, nh, nl, rdHi(c, m, n), rdLo(c, m, n));
  fpEnd(c);
  wrScalar(c, d, n, s.hi, r);
}

/** FPCompare of V`rn` with V`m` (or +0.0) into NZCV; `signal` for FCMPE/FCCMPE. */
function compareNzcv(c: Cpu, n: FPSize, rn: number, m: number, zero: boolean, signal: boolean): void {
  const s = fpBegin(c);
  const bh = zero ? 0 : rdHi(c, m, n);
  const bl = zero ? 0 : rdLo(c, m, n);
  const r = fpCompare(s, n, rdHi(c, rn, n), rdLo(c, rn, n), bh, bl, signal);
  fpEnd(c);
  setNZCV(c, r);
}

/** floatcmp: FCMP/FCMPE (register or #0.0). */
export function floatcmp(c: Cpu, w: number): void {
  const opc = (w >>> 3) & 3;
  compareNzcv(c, ftypeSize(c, w), (w >>> 5) & 31, (w >>> 16) & 31, (opc & 1) !== 0, (opc & 2) !== 0);
}

/** floatccmp: FCCMP/FCCMPE (NZCV from the instruction when the condition fails). */
export function floatccmp(c: Cpu, w: number): void {
  const n = ftypeSize(c, w);
  if (condHolds(c, (w >>> 12) & 15))
    compareNzcv(c, n, (w >>> 5) & 31, (w >>> 16) & 31, false, ((w >>> 4) & 1) === 1);
  else setNZCV(c, w & 15);
}

/** floatsel: FCSEL. */
export function floatsel(c: Cpu, w: number): void {
  const n = ftypeSize(c, w);
  const m = (w >>> 16) & 31;
  const cond = (w >>> 12) & 15;
  const rn = (w >>> 5) & 31;
  const src = condHolds(c, cond) ? rn : m;
  wrScalar(c, w & 31, n, rdHi(c, src, n), rdLo(c, src, n));
}

/** [SU]CVTF: W/X`rn` (`sf`) as a fixed-point number with `fbits` fraction bits to FP V`d`. */
function cvtFromInt(c: Cpu, n: FPSize, d: number, rn: number, sf: number, uns: boolean, fbits: number): void {
  const lo = rn === 31 ? 0 : c.x[2 * rn]!;
  let hi: number;
  if (sf) hi = rn === 31 ? 0 : c.x[2 * rn + 1]!;
  else hi = uns ? 0 : lo >> 31;
  const s = fpBegin(c);
  const r = fixedToFp(s, n, hi >>> 0, lo >>> 0, fbits, uns, fpcrRounding(c.fpcr));
  fpEnd(c);
  wrScalar(c, d, n, s.hi, r);
}

/** FCVT*[SU]: FP V`rn` to W/X`d` (`sf`) as a fixed-point number with `fbits` fraction bits. */
function cvtToInt(
  c: Cpu,
  n: FPSize,
  d: number,
  rn: number,
  sf: number,
  uns: boolean,
  fbits: number,
  mode: FPRoundingMode,
): void {
  const s = fpBegin(c);
  const r = fpToFixed(s, n, rdHi(c, rn, n), rdLo(c, rn, n), fbits, uns, mode, sf ? 64 : 32);
  fpEnd(c);
  setXHalves(c, d, r, sf ? s.hi : 0);
}

/** float2int: FCVT[NAPMZ][SU], [SU]CVTF, FMOV (handled in exec-simd), FJCVTZS. */
export function float2int(c: Cpu, w: number): void {
  const sf = w >>> 31;
  const ftype = (w >>> 22) & 3;
  const rmode = (w >>> 19) & 3;
  const opcode = (w >>> 16) & 7;
  const rn = (w >>> 5) & 31;
  const d = w & 31;
  if (ftype === 1 && rmode === 3 && opcode === 6 && sf === 0) {
    const s = fpBegin(c);
    const r = fpToFixedJS(s, c.v[4 * rn + 1]!, c.v[4 * rn]!);
    fpEnd(c);
    setXHalves(c, d, r, 0);
    setNZCV(c, s.nzcv);
    return;
  }
  const n = ftypeSize(c, w);
  const uns = (opcode & 1) === 1;
  if (opcode === 2 || opcode === 3) {
    if (rmode !== 0) c.undefinedInstruction();
    cvtFromInt(c, n, d, rn, sf, uns, 0);
    return;
  }
  let mode: FPRoundingMode;
  if (opcode === 0 || opcode === 1) mode = fpDecodeRounding(rmode);
  else if (opcode === 4 || opcode === 5) {
    if (rmode !== 0) c.undefinedInstruction();
    mode = FPRounding.TIEAWAY;
  } else mode = c.undefinedInstruction();
  cvtToInt(c, n, d, rn, sf, uns, 0, mode);
}

/** float2fix: SCVTF/UCVTF/FCVTZS/FCVTZU with fractional bits. */
export function float2fix(c: Cpu, w: number): void {
  const sf = w >>> 31;
  const rmode = (w >>> 19) & 3;
  const opcode = (w >>> 16) & 7;
  const scale = (w >>> 10) & 63;
  if (sf === 0 && scale < 32) c.undefinedInstruction();
  const n = ftypeSize(c, w);
  const uns = (opcode & 1) === 1;
  if (rmode === 0 && (opcode === 2 || opcode === 3))
    cvtFromInt(c, n, w & 31, (w >>> 5) & 31, sf, uns, 64 - scale);
  else if (rmode === 3 && (opcode === 0 || opcode === 1))
    cvtToInt(c, n, w & 31, (w >>> 5) & 31, sf, uns, 64 - scale, FPRounding.ZERO);
  else c.undefinedInstruction();
}
