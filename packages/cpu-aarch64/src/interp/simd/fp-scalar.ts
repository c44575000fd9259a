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
    const mode: FPRoundingMode =
      k === 0
        ? FPRounding.TIEEVEN
        : k === 1
          ? FPRounding.POSINF
          : k === 2
            ? FPRounding.NEGINF
            : k === 3
              ? FPRounding.ZERO
              : k === 4
                ? FPRounding.TIEAWAY
                : fpcrRounding(c.fpcr);
    r = fpRoundInt(s, n, hi, lo, mode, k === 6);
  } else if (opc >= 16 && opc <= 19) {
    if (n === 16) c.undefinedInstruction();
    const mode = opc & 1 ? fpcrRounding(c.fpcr) : FPRounding.ZERO;
    r = fpRoundIntN(s, n, hi, lo, mode, opc & 2 ? 64 : 32);
  } else r = c.undefinedInstruction();
  fpEnd(c);
  wrScalar(c, d, rn2, s.hi, r);
}

/** floatdp2: FMUL FDIV FADD FSUB FMAX FMIN FMAXNM FMINNM FNMUL. */
export function floatdp2(c: Cpu, w: number): void {
  const n = ftypeSize(c, w);
  const m = (w >>> 16) & 31;
  const opc = (w >>> 12) & 15;
  const rn = (w >>> 5) & 31;
  const d = w & 31;
  const al = rdLo(c, rn, n);
  const ah = rdHi(c, rn, n);
  const bl = rdLo(c, m, n);
  const bh = rdHi(c, m, n);
  const s = fpBegin(c);
  let r: number;
  switch (opc) {
    case 0:
    case 8:
      r = fpMul(s, n, ah, al, bh, bl);
      break;
    case 1:
      r = fpDiv(s, n, ah, al, bh, bl);
      break;
    case 2:
      r = fpAdd(s, n, ah, al, bh, bl);
      break;
    case 3:
      r = fpSub(s, n, ah, al, bh, bl);
      break;
    case 4:
      r = fpMax(s, n, ah, al, bh, bl);
      break;
    case 5:
      r = fpMin(s, n, ah, al, bh, bl);
      break;
    case 6:
      r = fpMaxNum(s, n, ah, al, bh, bl);
      break;
    case 7:
      r = fpMinNum(s, n, ah, al, bh, bl);
      break;
    default:
      r = c.undefinedInstruction();
  }
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

/** floatcmp: FCMP/FCMPE (register or #0.0). */
export function floatcmp(c: Cpu, w: number): void {
  const n = ftypeSize(c, w);
  const m = (w >>> 16) & 31;
  const rn = (w >>> 5) & 31;
  const opc = (w >>> 3) & 3;
  const zero = (opc & 1) !== 0;
  const s = fpBegin(c);
  const r = fpCompare(
    s,
    n,
    rdHi(c, rn, n),
    rdLo(c, rn, n),
    zero ? 0 : rdHi(c, m, n),
    zero ? 0 : rdLo(c, m, n),
    (opc & 2) !== 0,
  );
  fpEnd(c);
  setNZCV(c, r);
}

/** floatccmp: FCCMP/FCCMPE. */
export function floatccmp(c: Cpu, w: number): void {
  const n = ftypeSize(c, w);
  const m = (w >>> 16) & 31;
  const cond = (w >>> 12) & 15;
  const rn = (w >>> 5) & 31;
  const op = (w >>> 4) & 1;
  if (!condHolds(c, cond)) {
    setNZCV(c, w & 15);
    return;
  }
  const s = fpBegin(c);
  const r = fpCompare(s, n, rdHi(c, rn, n), rdLo(c, rn, n), rdHi(c, m, n), rdLo(c, m, n), op === 1);
  fpEnd(c);
  setNZCV(c, r);
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

function readXForFp(c: Cpu, r: number, sf: number, unsigned: boolean): void {
  const lo = r === 31 ? 0 : c.x[2 * r]!;
  let hi: number;
  if (sf) hi = r === 31 ? 0 : c.x[2 * r + 1]!;
  else hi = unsigned ? 0 : lo >> 31;
  XH = hi >>> 0;
  XL = lo >>> 0;
}
let XH = 0;
let XL = 0;

function intResult(c: Cpu, d: number, sf: number, lo: number, hi: number): void {
  setXHalves(c, d, lo, sf ? hi : 0);
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
  const s = fpBegin(c);
  if (opcode === 2 || opcode === 3) {
    if (rmode !== 0) c.undefinedInstruction();
    const uns = opcode === 3;
    readXForFp(c, rn, sf, uns);
    const r = fixedToFp(s, n, XH, XL, 0, uns, fpcrRounding(c.fpcr));
    fpEnd(c);
    wrScalar(c, d, n, s.hi, r);
    return;
  }
  let mode: FPRoundingMode;
  if (opcode === 0 || opcode === 1) {
    mode =
      rmode === 0
        ? FPRounding.TIEEVEN
        : rmode === 1
          ? FPRounding.POSINF
          : rmode === 2
            ? FPRounding.NEGINF
            : FPRounding.ZERO;
  } else if (opcode === 4 || opcode === 5) {
    if (rmode !== 0) c.undefinedInstruction();
    mode = FPRounding.TIEAWAY;
  } else mode = c.undefinedInstruction();
  const r = fpToFixed(s, n, rdHi(c, rn, n), rdLo(c, rn, n), 0, (opcode & 1) === 1, mode, sf ? 64 : 32);
  fpEnd(c);
  intResult(c, d, sf, r, s.hi);
}

/** float2fix: SCVTF/UCVTF/FCVTZS/FCVTZU with fractional bits. */
export function float2fix(c: Cpu, w: number): void {
  const sf = w >>> 31;
  const rmode = (w >>> 19) & 3;
  const opcode = (w >>> 16) & 7;
  const scale = (w >>> 10) & 63;
  const rn = (w >>> 5) & 31;
  const d = w & 31;
  if (sf === 0 && scale < 32) c.undefinedInstruction();
  const n = ftypeSize(c, w);
  const fbits = 64 - scale;
  const s = fpBegin(c);
  if (rmode === 0 && (opcode === 2 || opcode === 3)) {
    const uns = opcode === 3;
    readXForFp(c, rn, sf, uns);
    const r = fixedToFp(s, n, XH, XL, fbits, uns, fpcrRounding(c.fpcr));
    fpEnd(c);
    wrScalar(c, d, n, s.hi, r);
    return;
  }
  if (rmode === 3 && (opcode === 0 || opcode === 1)) {
    const r = fpToFixed(
      s,
      n,
      rdHi(c, rn, n),
      rdLo(c, rn, n),
      fbits,
      opcode === 1,
      FPRounding.ZERO,
      sf ? 64 : 32,
    );
    fpEnd(c);
    intResult(c, d, sf, r, s.hi);
    return;
  }
  c.undefinedInstruction();
}
