/**
 * Scalar floating-point core following the ARM ARM shared pseudocode (J1.3 shared/functions/float:
 * FPUnpackBase, FPRoundBase, FPProcessNaN(s), FPAdd, FPMul, FPDiv, FPSqrt, FPMulAdd, ...).
 *
 * Exact arithmetic: operands are unpacked to an integer significand in [2^52, 2^53) (a JS number,
 * exact) and an exponent. Results are formed exactly (or with a sticky "jam" bit) in a 128-bit
 * integer frame held in four module-level uint32 limbs, then rounded once by `roundPack`
 * (FPRoundBase). Nothing allocates; no BigInt.
 */
import type { FPRoundingMode, FPSize, FPState } from "./state.js";

// Local copies of the FPCR/FPSR bit positions (state.ts exports the same values): keeps the hot
// paths free of cross-module binding lookups.
const FPCR_AHP = 1 << 26;
const FPCR_DN = 1 << 25;
const FPCR_FZ = 1 << 24;
const FPCR_FZ16 = 1 << 19;
const FPSR_IOC = 1;
const FPSR_DZC = 2;
const FPSR_OFC = 4;
const FPSR_UFC = 8;
const FPSR_IXC = 16;
const FPSR_IDC = 128;
const RMODE_MASK = 3 << 22;
// FPRounding values (same numbering as state.ts FPRounding).
const RN = 0;
const RP = 1;
const RM = 2;
const RZ = 3;
const RA = 4;
const RO = 5;
function fpcrRounding(fpcr: number): number {
  return (fpcr >>> 22) & 3;
}

const TWO32 = 4294967296;
// Module scratch lives in typed arrays: storing non-Smi numbers into typed-array slots never
// allocates (module-level \`let\` doubles would box a HeapNumber on every write).
/** 128-bit frames: L[0..3] = w (L[0] most significant), L[4..7] = x. */
const L = new Uint32Array(8);
/** Scalars: 0 rHi, 1 rLo, 2 uSign, 3 uExp, 4 uSig, 5 iMag (RoundDown magnitude), 6 iErr (0 exact,
 * 1 below half, 2 half, 3 above), 7 mHi, 8 mLo, 9 fA, 10 fB. */
const S = new Float64Array(11);
/** POW2[i] = 2^i for 0 <= i <= 64. */
const POW2 = new Float64Array(65);
for (let i = 0; i <= 64; i++) POW2[i] = 2 ** i;
function pow2(i: number): number {
  return POW2[i]!;
}
const TWO52 = 4503599627370496;
const TWO63 = 2 ** 63;

// FPType
const T_ZERO = 0;
const T_DENORMAL = 1;
const T_NONZERO = 2;
const T_INF = 3;
const T_QNAN = 4;
const T_SNAN = 5;

const ZERO_EXP = -1e7; // exponent given to zero operands so they align below everything
const INF_EXP = 1e7;

function fracBits(n: FPSize): number {
  return n === 16 ? 10 : n === 32 ? 23 : 52;
}
function expBits(n: FPSize): number {
  return n === 16 ? 5 : n === 32 ? 8 : 11;
}
function minExp(n: FPSize): number {
  return n === 16 ? -14 : n === 32 ? -126 : -1022;
}

// ---------------------------------------------------------------------------------------------
// 128-bit frame arithmetic (L[0]! most significant limb). x is a second operand.

function setW(sig: number): void {
  L[0] = 0;
  L[1] = 0;
  L[2] = Math.floor(sig / TWO32);
  L[3] = sig >>> 0;
}
function swapWX(): void {
  let t = L[0]!;
  L[0] = L[4]!;
  L[4] = t;
  t = L[1]!;
  L[1] = L[5]!;
  L[5] = t;
  t = L[2]!;
  L[2] = L[6]!;
  L[6] = t;
  t = L[3]!;
  L[3] = L[7]!;
  L[7] = t;
}
function wIsZero(): boolean {
  return (L[0]! | L[1]! | L[2]! | L[3]!) === 0;
}
function clzW(): number {
  if (L[0]! !== 0) return Math.clz32(L[0]!);
  if (L[1]! !== 0) return 32 + Math.clz32(L[1]!);
  if (L[2]! !== 0) return 64 + Math.clz32(L[2]!);
  return 96 + Math.clz32(L[3]!);
}
function shlW(n: number): void {
  while (n >= 32) {
    L[0] = L[1]!;
    L[1] = L[2]!;
    L[2] = L[3]!;
    L[3] = 0;
    n -= 32;
  }
  if (n > 0) {
    const r = 32 - n;
    L[0] = ((L[0]! << n) | (L[1]! >>> r)) >>> 0;
    L[1] = ((L[1]! << n) | (L[2]! >>> r)) >>> 0;
    L[2] = ((L[2]! << n) | (L[3]! >>> r)) >>> 0;
    L[3] = (L[3]! << n) >>> 0;
  }
}
/** Shift right by n, ORing every shifted-out bit into bit 0 (sticky jam). */
function shrJamW(n: number): void {
  if (n <= 0) return;
  if (n >= 128) {
    const nz = (L[0]! | L[1]! | L[2]! | L[3]!) !== 0;
    L[0] = 0;
    L[1] = 0;
    L[2] = 0;
    L[3] = nz ? 1 : 0;
    return;
  }
  let sticky = 0;
  while (n >= 32) {
    sticky |= L[3]!;
    L[3] = L[2]!;
    L[2] = L[1]!;
    L[1] = L[0]!;
    L[0] = 0;
    n -= 32;
  }
  if (n > 0) {
    const r = 32 - n;
    sticky |= L[3]! << r;
    L[3] = ((L[3]! >>> n) | (L[2]! << r)) >>> 0;
    L[2] = ((L[2]! >>> n) | (L[1]! << r)) >>> 0;
    L[1] = ((L[1]! >>> n) | (L[0]! << r)) >>> 0;
    L[0] = L[0]! >>> n;
  }
  if (sticky !== 0) L[3] = (L[3]! | 1) >>> 0;
}
function addWX(): void {
  let s = L[3]! + L[7]!;
  L[3] = s >>> 0;
  let c = s >= TWO32 ? 1 : 0;
  s = L[2]! + L[6]! + c;
  L[2] = s >>> 0;
  c = s >= TWO32 ? 1 : 0;
  s = L[1]! + L[5]! + c;
  L[1] = s >>> 0;
  c = s >= TWO32 ? 1 : 0;
  L[0] = (L[0]! + L[4]! + c) >>> 0;
}
/** w -= x, assuming w >= x. */
function subWX(): void {
  let d = L[3]! - L[7]!;
  L[3] = d >>> 0;
  let b = d < 0 ? 1 : 0;
  d = L[2]! - L[6]! - b;
  L[2] = d >>> 0;
  b = d < 0 ? 1 : 0;
  d = L[1]! - L[5]! - b;
  L[1] = d >>> 0;
  b = d < 0 ? 1 : 0;
  L[0] = (L[0]! - L[4]! - b) >>> 0;
}
function cmpWX(): number {
  if (L[0]! !== L[4]!) return L[0]! > L[4]! ? 1 : -1;
  if (L[1]! !== L[5]!) return L[1]! > L[5]! ? 1 : -1;
  if (L[2]! !== L[6]!) return L[2]! > L[6]! ? 1 : -1;
  if (L[3]! !== L[7]!) return L[3]! > L[7]! ? 1 : -1;
  return 0;
}
/** 32x32 -> 64 exact multiply into S[7]!:S[8]!. */
function mul32(a: number, b: number): void {
  const al = a & 0xffff;
  const ah = a >>> 16;
  const p0 = al * b;
  const p1 = ah * b;
  const p1lo = p1 % 65536;
  const mid = p1lo * 65536 + p0;
  S[8] = mid % TWO32;
  S[7] = (p1 - p1lo) / 65536 + Math.floor(mid / TWO32);
}
/** w = a * b exactly, for integers a, b < 2^53. */
function mulW(a: number, b: number): void {
  const al = a >>> 0;
  const ah = Math.floor(a / TWO32);
  const bl = b >>> 0;
  const bh = Math.floor(b / TWO32);
  mul32(al, bl);
  const lh = al * bh;
  const hl = ah * bl;
  const hh = ah * bh;
  L[3] = S[8]!;
  const t2 = S[7]! + (lh % TWO32) + (hl % TWO32);
  L[2] = t2 % TWO32;
  const t1 = (hh % TWO32) + Math.floor(lh / TWO32) + Math.floor(hl / TWO32) + Math.floor(t2 / TWO32);
  L[1] = t1 % TWO32;
  L[0] = Math.floor(hh / TWO32) + Math.floor(t1 / TWO32);
}
function limbW(i: number): number {
  return i === 0 ? L[0]! : i === 1 ? L[1]! : i === 2 ? L[2]! : L[3]!;
}
/** Bit g (0 = lsb of the 128-bit frame). */
function bitW(g: number): number {
  return (limbW(3 - (g >>> 5)) >>> (g & 31)) & 1;
}
/** Any bit strictly below g set? */
function anyBelowW(g: number): boolean {
  const idx = 3 - (g >>> 5);
  const b = g & 31;
  if (b !== 0 && (limbW(idx) & ((1 << b) - 1)) !== 0) return true;
  for (let i = idx + 1; i < 4; i++) if (limbW(i) !== 0) return true;
  return false;
}

// ---------------------------------------------------------------------------------------------
// Packing helpers: every result lands in S[0]!:S[1]! and is published to st.hi/st.lo.

function out(st: FPState): number {
  st.hi = S[0]!;
  st.lo = S[1]!;
  return S[1]!;
}
function setZero(n: FPSize, sign: number): void {
  if (n === 64) {
    S[0] = sign ? 0x80000000 : 0;
    S[1] = 0;
  } else {
    S[0] = 0;
    S[1] = sign ? (n === 32 ? 0x80000000 : 0x8000) : 0;
  }
}
function setInf(n: FPSize, sign: number): void {
  if (n === 64) {
    S[0] = (sign ? 0xfff00000 : 0x7ff00000) >>> 0;
    S[1] = 0;
  } else {
    S[0] = 0;
    S[1] = n === 32 ? (sign ? 0xff800000 : 0x7f800000) >>> 0 : sign ? 0xfc00 : 0x7c00;
  }
}
function setMaxNormal(n: FPSize, sign: number): void {
  if (n === 64) {
    S[0] = (sign ? 0xffefffff : 0x7fefffff) >>> 0;
    S[1] = 0xffffffff;
  } else {
    S[0] = 0;
    S[1] = n === 32 ? (sign ? 0xff7fffff : 0x7f7fffff) >>> 0 : sign ? 0xfbff : 0x7bff;
  }
}
function setDefaultNaN(n: FPSize): void {
  if (n === 64) {
    S[0] = 0x7ff80000;
    S[1] = 0;
  } else {
    S[0] = 0;
    S[1] = n === 32 ? 0x7fc00000 : 0x7e00;
  }
}
/** Encode sign * (1 + frac/2^F) * 2^(biasedExp - bias) from fields. */
function setFields(n: FPSize, sign: number, biased: number, frac: number): void {
  if (n === 64) {
    S[0] = ((sign << 31) | (biased << 20) | Math.floor(frac / TWO32)) >>> 0;
    S[1] = frac >>> 0;
  } else if (n === 32) {
    S[0] = 0;
    S[1] = ((sign << 31) | (biased << 23) | frac) >>> 0;
  } else {
    S[0] = 0;
    S[1] = (sign << 15) | (biased << 10) | frac;
  }
}
function setRaw(hi: number, lo: number, n: FPSize): void {
  S[0] = n === 64 ? hi >>> 0 : 0;
  S[1] = n === 16 ? lo & 0xffff : lo >>> 0;
}

// ---------------------------------------------------------------------------------------------
// FPUnpack. Results in u* module variables.

function flushes(n: FPSize, fpcr: number): boolean {
  return n === 16 ? (fpcr & FPCR_FZ16) !== 0 : (fpcr & FPCR_FZ) !== 0;
}

/**
 * FPUnpackBase. `cv` selects FPUnpackCV (FZ16 ignored, AHP honoured); otherwise AHP is ignored.
 * Nonzero finite values: S[4]! in [2^52, 2^53), value = S[4]! * 2^S[3]!.
 */
function unpack(n: FPSize, hi: number, lo: number, st: FPState, fpexc: boolean, cv: boolean): number {
  const fpcr = st.fpcr;
  let exp: number;
  let frac: number;
  let maxE: number;
  if (n === 64) {
    S[2] = hi >>> 31;
    exp = (hi >>> 20) & 0x7ff;
    frac = (hi & 0xfffff) * TWO32 + (lo >>> 0);
    maxE = 0x7ff;
  } else if (n === 32) {
    S[2] = lo >>> 31;
    exp = (lo >>> 23) & 0xff;
    frac = lo & 0x7fffff;
    maxE = 0xff;
  } else {
    S[2] = (lo >>> 15) & 1;
    exp = (lo >>> 10) & 0x1f;
    frac = lo & 0x3ff;
    maxE = 0x1f;
  }
  const F = fracBits(n);
  if (exp === 0) {
    if (frac === 0) {
      S[4] = 0;
      S[3] = ZERO_EXP;
      return T_ZERO;
    }
    if (n === 16 ? !cv && (fpcr & FPCR_FZ16) !== 0 : (fpcr & FPCR_FZ) !== 0) {
      if (n !== 16 && fpexc) st.fpsr |= FPSR_IDC;
      S[4] = 0;
      S[3] = ZERO_EXP;
      return T_ZERO;
    }
    let e = minExp(n) - F;
    let s = frac * pow2(52 - F);
    while (s < TWO52) {
      s *= 2;
      e--;
    }
    S[4] = s;
    S[3] = e - (52 - F);
    return T_DENORMAL;
  }
  if (exp === maxE && !(n === 16 && cv && (fpcr & FPCR_AHP) !== 0)) {
    if (frac === 0) {
      S[4] = TWO52;
      S[3] = INF_EXP;
      return T_INF;
    }
    S[4] = 0;
    S[3] = 0;
    return frac >= pow2(F - 1) ? T_QNAN : T_SNAN;
  }
  S[4] = (pow2(F) + frac) * pow2(52 - F);
  S[3] = exp - (n === 64 ? 1075 : n === 32 ? 179 : 67); // bias + 52
  return T_NONZERO;
}

function isNaNType(t: number): boolean {
  return t >= T_QNAN;
}

/** FPProcessNaN: quieten (IOC for signalling), or default NaN when FPCR.DN. */
function processNaN(n: FPSize, t: number, hi: number, lo: number, st: FPState, fpexc: boolean): void {
  if (n === 64) {
    S[0] = t === T_SNAN ? (hi | 0x80000) >>> 0 : hi >>> 0;
    S[1] = lo >>> 0;
  } else if (n === 32) {
    S[0] = 0;
    S[1] = t === T_SNAN ? (lo | 0x400000) >>> 0 : lo >>> 0;
  } else {
    S[0] = 0;
    S[1] = t === T_SNAN ? (lo | 0x200) & 0xffff : lo & 0xffff;
  }
  if (t === T_SNAN && fpexc) st.fpsr |= FPSR_IOC;
  if ((st.fpcr & FPCR_DN) !== 0) setDefaultNaN(n);
}

// ---------------------------------------------------------------------------------------------
// FPRoundBase on the exact value (-1)^sign * w * 2^fexp (w != 0).

function roundPack(n: FPSize, sign: number, fexp: number, st: FPState, rmode: number, cv: boolean): void {
  const fpcr = st.fpcr;
  const lz = clzW();
  shlW(lz);
  const exponent = fexp + 127 - lz;
  const F = fracBits(n);
  const mexp = minExp(n);
  const flush = n === 16 ? !cv && (fpcr & FPCR_FZ16) !== 0 : (fpcr & FPCR_FZ) !== 0;
  if (flush && exponent < mexp) {
    st.fpsr |= FPSR_UFC;
    setZero(n, sign);
    return;
  }
  let biased = exponent - mexp + 1;
  let k: number;
  if (biased > 0) k = F + 1;
  else {
    k = F + 1 + exponent - mexp;
    biased = 0;
  }
  let intMant: number;
  let err: number; // 0 exact, 1 below half, 2 half, 3 above half
  if (k <= 0) {
    intMant = 0;
    err = k === 0 ? (anyBelowW(127) ? 3 : 2) : 1;
  } else {
    intMant = k <= 32 ? L[0]! >>> (32 - k) : L[0]! * pow2(k - 32) + (L[1]! >>> (64 - k));
    const g = 127 - k;
    const sticky = anyBelowW(g);
    err = bitW(g) ? (sticky ? 3 : 2) : sticky ? 1 : 0;
  }
  if (biased === 0 && err !== 0) st.fpsr |= FPSR_UFC;
  let roundUp: boolean;
  let overflowToInf: boolean;
  switch (rmode) {
    case RN:
      roundUp = err === 3 || (err === 2 && intMant % 2 === 1);
      overflowToInf = true;
      break;
    case RP:
      roundUp = err !== 0 && sign === 0;
      overflowToInf = sign === 0;
      break;
    case RM:
      roundUp = err !== 0 && sign === 1;
      overflowToInf = sign === 1;
      break;
    case RA:
      roundUp = err >= 2;
      overflowToInf = true;
      break;
    default: // ZERO, ODD
      roundUp = false;
      overflowToInf = false;
  }
  if (roundUp) {
    intMant++;
    if (intMant === pow2(F)) biased = 1;
    if (intMant === pow2(F + 1)) {
      biased++;
      intMant /= 2;
    }
  }
  if (err !== 0 && rmode === RO && intMant % 2 === 0) intMant++;
  if (n === 16 && cv && (fpcr & FPCR_AHP) !== 0) {
    if (biased >= 32) {
      S[0] = 0;
      S[1] = sign ? 0xffff : 0x7fff;
      st.fpsr |= FPSR_IOC;
      return;
    }
  } else if (biased >= (n === 64 ? 0x7ff : n === 32 ? 0xff : 0x1f)) {
    if (overflowToInf) setInf(n, sign);
    else setMaxNormal(n, sign);
    st.fpsr |= FPSR_OFC | FPSR_IXC;
    return;
  }
  const hidden = pow2(F);
  setFields(n, sign, biased, intMant >= hidden ? intMant - hidden : intMant);
  if (err !== 0) st.fpsr |= FPSR_IXC;
}

/** Round an exact value sig * 2^exp (sig integer < 2^53, > 0). */
function roundSig(n: FPSize, sign: number, sig: number, exp: number, st: FPState, rmode: number): void {
  setW(sig);
  roundPack(n, sign, exp, st, rmode, false);
}

function zeroByRounding(n: FPSize, rmode: number): void {
  setZero(n, rmode === RM ? 1 : 0);
}

/** Exact w (sign sa, exp ea) + x (sign sb, exp eb) aligned by the caller; rounds. Frames have msb <= 126. */
function addAligned(
  n: FPSize,
  sa: number,
  sb: number,
  fexp: number,
  st: FPState,
  rmode: number,
  cv: boolean,
) {
  let sign = sa;
  if (sa === sb) addWX();
  else {
    const c = cmpWX();
    if (c === 0) {
      zeroByRounding(n, rmode);
      return;
    }
    if (c < 0) {
      swapWX();
      sign = sb;
    }
    subWX();
  }
  if (wIsZero()) {
    zeroByRounding(n, rmode);
    return;
  }
  roundPack(n, sign, fexp, st, rmode, cv);
}

// ---------------------------------------------------------------------------------------------
// Fast paths: round-to-nearest, normal operands, result comfortably normal. Host IEEE arithmetic
// then gives the exact ARM result (RNE; for f32 the double-rounding bound 53 >= 2*24+2 holds for
// + - * / sqrt) and error-free transformations (TwoSum, Dekker TwoProduct) decide Inexact.
// Everything else falls through to the exact integer path.
const FB = new Float64Array(1);
const UB = new Uint32Array(FB.buffer);
const FB32 = new Float32Array(FB.buffer);
const HOST_LE = (() => {
  FB[0] = 1;
  return UB[1] === 0x3ff00000;
})();
const MIN_NORMAL32 = 2 ** -126;
const SPLIT = 134217729; // 2^27 + 1 (Veltkamp)

function fastOk(st: FPState): boolean {
  return HOST_LE && (st.fpcr & RMODE_MASK) === 0;
}
/** Both f64 operands normal with biased exponent in [123, 1923] (|x| in ~[2^-900, 2^900]). */
function load64(ah: number, al: number, bh: number, bl: number): boolean {
  const ea = (ah >>> 20) & 0x7ff;
  const eb = (bh >>> 20) & 0x7ff;
  if (ea < 123 || ea > 1923 || eb < 123 || eb > 1923) return false;
  UB[0] = al;
  UB[1] = ah;
  S[9] = FB[0]!;
  UB[0] = bl;
  UB[1] = bh;
  S[10] = FB[0]!;
  return true;
}
function load32(a: number, b: number): boolean {
  const ea = (a >>> 23) & 0xff;
  const eb = (b >>> 23) & 0xff;
  if (ea === 0 || ea === 0xff || eb === 0 || eb === 0xff) return false;
  UB[0] = a;
  S[9] = FB32[0]!;
  UB[0] = b;
  S[10] = FB32[0]!;
  return true;
}
/** Publish a double result if its magnitude is in [2^-900, 2^900]. */
function emit64(r: number): boolean {
  const m = Math.abs(r);
  if (!(m > 1.4e-271 && m < 8.4e270)) return false;
  FB[0] = r;
  S[0] = UB[1]!;
  S[1] = UB[0]!;
  return true;
}
function emit32(r: number): boolean {
  const m = Math.abs(r);
  if (!(m > MIN_NORMAL32 && m < Number.POSITIVE_INFINITY)) return false;
  FB32[0] = r;
  S[0] = 0;
  S[1] = UB[0]!;
  return true;
}
/** Exact error of the product a*b = p (Dekker), valid for |a|,|b|,|p| within [2^-900, 2^900]. */
function productError(a: number, b: number, p: number): number {
  let c = SPLIT * a;
  const ah = c - (c - a);
  const al = a - ah;
  c = SPLIT * b;
  const bh = c - (c - b);
  const bl = b - bh;
  return ah * bh - p + ah * bl + al * bh + al * bl;
}

function fastAddSub(st: FPState, n: FPSize, ah: number, al: number, bh: number, bl: number, neg: boolean) {
  if (n === 64) {
    if (!load64(ah, al, bh, bl)) return false;
  } else if (n !== 32 || !load32(al, bl)) return false;
  const a = S[9]!;
  const b = neg ? -S[10]! : S[10]!;
  const s = a + b;
  const bb = s - a;
  const err = a - (s - bb) + (b - bb);
  if (n === 64) {
    if (!emit64(s)) return false;
    if (err !== 0) st.fpsr |= FPSR_IXC;
    return true;
  }
  const r = Math.fround(s);
  if (!emit32(r)) return false;
  if (err !== 0 || r !== s) st.fpsr |= FPSR_IXC;
  return true;
}
function fastMul(st: FPState, n: FPSize, ah: number, al: number, bh: number, bl: number): boolean {
  if (n === 64) {
    if (!load64(ah, al, bh, bl)) return false;
    const p = S[9]! * S[10]!;
    if (!emit64(p)) return false;
    if (productError(S[9]!, S[10]!, p) !== 0) st.fpsr |= FPSR_IXC;
    return true;
  }
  if (n !== 32 || !load32(al, bl)) return false;
  const p = S[9]! * S[10]!; // exact: 24 x 24 bits
  const r = Math.fround(p);
  if (!emit32(r)) return false;
  if (r !== p) st.fpsr |= FPSR_IXC;
  return true;
}
function fastDiv(st: FPState, n: FPSize, ah: number, al: number, bh: number, bl: number): boolean {
  if (n === 64) {
    if (!load64(ah, al, bh, bl)) return false;
    const q = S[9]! / S[10]!;
    if (!emit64(q)) return false;
    // remainder a - q*b is exact: (a - ph) - pl
    const ph = q * S[10]!;
    if (S[9]! - ph - productError(q, S[10]!, ph) !== 0) st.fpsr |= FPSR_IXC;
    return true;
  }
  if (n !== 32 || !load32(al, bl)) return false;
  const q = S[9]! / S[10]!;
  const r = Math.fround(q);
  if (!emit32(r)) return false;
  if (r !== q || r * S[10]! !== S[9]!) st.fpsr |= FPSR_IXC;
  return true;
}
function fastSqrt(st: FPState, n: FPSize, ah: number, al: number): boolean {
  if (n === 64) {
    if (ah >>> 31 || !load64(ah, al, ah, al)) return false;
    const r = Math.sqrt(S[9]!);
    if (!emit64(r)) return false;
    const ph = r * r;
    if (S[9]! - ph - productError(r, r, ph) !== 0) st.fpsr |= FPSR_IXC;
    return true;
  }
  if (n !== 32 || al >>> 31 || !load32(al, al)) return false;
  const r = Math.fround(Math.sqrt(S[9]!));
  if (!emit32(r)) return false;
  if (r * r !== S[9]!) st.fpsr |= FPSR_IXC;
  return true;
}

/**
 * Fused multiply-add fast path: the exact value c + a*b is formed as a sum of two doubles (Dekker
 * product, TwoSum); only when that sum is itself exact is it rounded once by the host, otherwise
 * the exact integer path runs.
 */
function fastFma(
  st: FPState,
  n: FPSize,
  ch: number,
  cl: number,
  ah: number,
  al: number,
  bh: number,
  bl: number,
) {
  if (n === 64) {
    const ec = (ch >>> 20) & 0x7ff;
    if (ec < 123 || ec > 1923 || !load64(ah, al, bh, bl)) return false;
    UB[0] = cl;
    UB[1] = ch;
    const c = FB[0]!;
    const a = S[9]!;
    const b = S[10]!;
    const p = a * b;
    const m = Math.abs(p);
    if (!(m > 1.4e-271 && m < 8.4e270)) return false;
    const e = productError(a, b, p);
    const sum = c + p;
    let bb = sum - c;
    const t = c - (sum - bb) + (p - bb);
    let u = t + e;
    bb = u - t;
    const err2 = t - (u - bb) + (e - bb);
    if (err2 !== 0) {
      // v = RO(t + e) (round to odd), then RN(sum + v) is the correctly rounded fused result
      // (Boldo & Melquiond, IEEE TC 2008, emulated FMA). Here X is never representable: t != 0
      // means c + p was inexact, so |t + e| <= 2^-51 |sum| and X - sum would be exact (Sterbenz).
      FB[0] = u;
      if ((UB[0]! & 1) === 0) {
        // move one ulp toward the exact value: magnitude up if err2 has u's sign, else down
        const up = err2 > 0 === u > 0;
        const l = UB[0]!;
        if (up) {
          UB[0] = l + 1;
          if (l === 0xffffffff) UB[1] = UB[1]! + 1;
        } else {
          UB[0] = l - 1;
          if (l === 0) UB[1] = UB[1]! - 1;
        }
        u = FB[0]!;
      }
      const r = sum + u;
      if (!emit64(r)) return false;
      st.fpsr |= FPSR_IXC;
      return true;
    }
    const r = sum + u;
    if (!emit64(r)) return false;
    bb = r - sum;
    if (sum - (r - bb) + (u - bb) !== 0) st.fpsr |= FPSR_IXC;
    return true;
  }
  if (n !== 32) return false;
  const ec = (cl >>> 23) & 0xff;
  if (ec === 0 || ec === 0xff || !load32(al, bl)) return false;
  UB[0] = cl;
  const c = FB32[0]!;
  const p = S[9]! * S[10]!; // exact: 24 x 24 bits
  let sum = c + p;
  const bb = sum - c;
  const err = c - (sum - bb) + (p - bb);
  if (err !== 0) {
    // Round c + p to odd at 53 bits; RN to 24 bits of that is correctly rounded (53 >= 24 + 2).
    FB[0] = sum;
    if ((UB[0]! & 1) === 0) {
      const l = UB[0]!;
      if (err > 0 === sum > 0) {
        UB[0] = l + 1;
        if (l === 0xffffffff) UB[1] = UB[1]! + 1;
      } else {
        UB[0] = l - 1;
        if (l === 0) UB[1] = UB[1]! - 1;
      }
      sum = FB[0]!;
    }
  }
  const r = Math.fround(sum);
  if (!emit32(r)) return false;
  if (err !== 0 || r !== sum) st.fpsr |= FPSR_IXC;
  return true;
}

/** FPToFixed fast path: normal operand, |value| < 2^52, result in range, fbits = 0. */
function fastToInt(
  st: FPState,
  n: FPSize,
  hi: number,
  lo: number,
  unsigned: boolean,
  rmode: number,
  bits: number,
) {
  let v: number;
  if (n === 64) {
    const e = (hi >>> 20) & 0x7ff;
    if (e === 0 || e >= 1075) return false;
    UB[0] = lo;
    UB[1] = hi;
    v = FB[0]!;
  } else if (n === 32) {
    const e = (lo >>> 23) & 0xff;
    if (e === 0 || e === 0xff) return false;
    UB[0] = lo;
    v = FB32[0]!;
  } else return false;
  let r: number;
  if (rmode === RZ) r = Math.trunc(v);
  else if (rmode === RM) r = Math.floor(v);
  else if (rmode === RP) r = Math.ceil(v);
  else {
    const f = Math.floor(v);
    const d = v - f; // exact for |v| < 2^52
    r = d > 0.5 ? f + 1 : d < 0.5 ? f : f % 2 === 0 ? f : f + 1;
  }
  const lim = bits === 64 ? TWO63 : 2147483648; // 2^63 or 2^31
  if (unsigned ? r < 0 || r >= 2 * lim : r < -lim || r >= lim) return false;
  if (r !== v) st.fpsr |= FPSR_IXC;
  if (r >= 0) {
    S[0] = bits === 64 ? Math.floor(r / TWO32) : 0;
    S[1] = r % TWO32;
  } else {
    const m = -r;
    const ml = m % TWO32;
    const mh = Math.floor(m / TWO32);
    S[1] = ml === 0 ? 0 : TWO32 - ml;
    S[0] = bits === 64 ? (ml === 0 ? -mh >>> 0 : ~mh >>> 0) : 0;
  }
  return true;
}

/** FixedToFP fast path (round to nearest): |integer| < 2^53 is exact in a double. */
function fastFromInt(st: FPState, n: FPSize, hi: number, lo: number, fbits: number, unsigned: boolean) {
  hi >>>= 0;
  lo >>>= 0;
  let v: number;
  if (hi < 0x200000) v = hi * TWO32 + lo;
  else if (!unsigned && hi >= 0xffe00001)
    v = -((~hi >>> 0) * TWO32 + (TWO32 - lo)); // -(2^64 - x)
  else return false;
  if (v === 0 || fbits > 64) return false;
  v /= POW2[fbits]!; // exact: power-of-two scaling, no underflow
  if (n === 64) {
    FB[0] = v;
    S[0] = UB[1]!;
    S[1] = UB[0]!;
    return true;
  }
  const r = Math.fround(v);
  if (!emit32(r)) return false;
  if (r !== v) st.fpsr |= FPSR_IXC;
  return true;
}

/** FPConvert fast path between single and double for normal values (RN when narrowing). */
function fastConvert(st: FPState, from: FPSize, to: FPSize, hi: number, lo: number, rmode: number) {
  if (from === 64 && to === 32) {
    if (rmode !== RN) return false;
    const e = (hi >>> 20) & 0x7ff;
    if (e === 0 || e === 0x7ff) return false;
    UB[0] = lo;
    UB[1] = hi;
    const v = FB[0]!;
    const r = Math.fround(v);
    if (!emit32(r)) return false;
    if (r !== v) st.fpsr |= FPSR_IXC;
    return true;
  }
  if (from === 32 && to === 64) {
    const e = (lo >>> 23) & 0xff;
    if (e === 0 || e === 0xff) return false;
    UB[0] = lo;
    FB[0] = FB32[0]!;
    S[0] = UB[1]!;
    S[1] = UB[0]!;
    return true;
  }
  return false;
}

/**
 * Compare fast path: neither operand a NaN and, when FPCR.FZ is set, neither a denormal (those
 * raise flags). Host comparison of the values then equals FPCompare (+0 == -0, infinities order).
 */
function loadCmp(st: FPState, n: FPSize, ah: number, al: number, bh: number, bl: number): boolean {
  const fz = (st.fpcr & FPCR_FZ) !== 0;
  if (n === 64) {
    const ea = (ah >>> 20) & 0x7ff;
    const eb = (bh >>> 20) & 0x7ff;
    if (ea === 0x7ff && ((ah & 0xfffff) | al) !== 0) return false;
    if (eb === 0x7ff && ((bh & 0xfffff) | bl) !== 0) return false;
    if (fz && (ea === 0 || eb === 0)) return false;
    UB[0] = al;
    UB[1] = ah;
    S[9] = FB[0]!;
    UB[0] = bl;
    UB[1] = bh;
    S[10] = FB[0]!;
    return true;
  }
  if (n !== 32) return false;
  const ea = (al >>> 23) & 0xff;
  const eb = (bl >>> 23) & 0xff;
  if (ea === 0xff && (al & 0x7fffff) !== 0) return false;
  if (eb === 0xff && (bl & 0x7fffff) !== 0) return false;
  if (fz && (ea === 0 || eb === 0)) return false;
  UB[0] = al;
  S[9] = FB32[0]!;
  UB[0] = bl;
  S[10] = FB32[0]!;
  return true;
}

/** FPRoundInt fast path for normal f32/f64 operands (the result is exact: no UFC/OFC). */
function fastRoundInt(
  st: FPState,
  n: FPSize,
  hi: number,
  lo: number,
  rmode: number,
  exact: boolean,
): boolean {
  let v: number;
  let neg: boolean;
  if (n === 64) {
    const e = (hi >>> 20) & 0x7ff;
    if (e === 0 || e === 0x7ff) return false;
    if (e >= 1075) {
      S[0] = hi >>> 0; // already integral
      S[1] = lo >>> 0;
      return true;
    }
    UB[0] = lo;
    UB[1] = hi;
    v = FB[0]!;
    neg = hi >>> 31 === 1;
  } else if (n === 32) {
    const e = (lo >>> 23) & 0xff;
    if (e === 0 || e === 0xff) return false;
    if (e >= 150) {
      S[0] = 0;
      S[1] = lo >>> 0;
      return true;
    }
    UB[0] = lo;
    v = FB32[0]!;
    neg = lo >>> 31 === 1;
  } else return false;
  let r: number;
  if (rmode === RZ) r = Math.trunc(v);
  else if (rmode === RM) r = Math.floor(v);
  else if (rmode === RP) r = Math.ceil(v);
  else {
    const a = Math.abs(v);
    const f = Math.floor(a);
    const d = a - f; // exact below 2^52
    const m = d > 0.5 ? f + 1 : d < 0.5 ? f : rmode === RA || f % 2 === 1 ? f + 1 : f;
    r = neg ? -m : m;
  }
  if (r === 0) r = neg ? -0 : 0; // zero keeps the operand's sign
  if (exact && r !== v) st.fpsr |= FPSR_IXC;
  if (n === 64) {
    FB[0] = r;
    S[0] = UB[1]!;
    S[1] = UB[0]!;
  } else {
    FB32[0] = r;
    S[0] = 0;
    S[1] = UB[0]!;
  }
  return true;
}

// ---------------------------------------------------------------------------------------------
// Public operations. Arguments: (st, n, aHi, aLo, bHi, bLo, ...). Return low 32 bits of result.

function addSub(
  st: FPState,
  n: FPSize,
  ah: number,
  al: number,
  bh: number,
  bl: number,
  neg: boolean,
): number {
  if (fastOk(st) && fastAddSub(st, n, ah, al, bh, bl, neg)) return out(st);
  const rmode = fpcrRounding(st.fpcr);
  const t1 = unpack(n, ah, al, st, true, false);
  const s1 = S[2]!;
  const e1 = S[3]!;
  const m1 = S[4]!;
  const t2 = unpack(n, bh, bl, st, true, false);
  const s2 = neg ? S[2]! ^ 1 : S[2]!;
  const e2 = S[3]!;
  const m2 = S[4]!;
  if (t1 === T_SNAN) processNaN(n, t1, ah, al, st, true);
  else if (t2 === T_SNAN) processNaN(n, t2, bh, bl, st, true);
  else if (t1 === T_QNAN) processNaN(n, t1, ah, al, st, true);
  else if (t2 === T_QNAN) processNaN(n, t2, bh, bl, st, true);
  else if (t1 === T_INF && t2 === T_INF && s1 !== s2) {
    setDefaultNaN(n);
    st.fpsr |= FPSR_IOC;
  } else if ((t1 === T_INF && s1 === 0) || (t2 === T_INF && s2 === 0)) setInf(n, 0);
  else if (t1 === T_INF || t2 === T_INF) setInf(n, 1);
  else if (t1 === T_ZERO && t2 === T_ZERO && s1 === s2) setZero(n, s1);
  else {
    // Align: both significands at bit 126..74, shift the smaller exponent right with jam.
    if (e1 >= e2) {
      setW(m2);
      shlW(74);
      shrJamW(e1 - e2);
      swapWX();
      setW(m1);
      shlW(74);
      addAligned(n, s1, s2, e1 - 74, st, rmode, false);
    } else {
      setW(m1);
      shlW(74);
      shrJamW(e2 - e1);
      swapWX();
      setW(m2);
      shlW(74);
      addAligned(n, s2, s1, e2 - 74, st, rmode, false);
    }
  }
  return out(st);
}

/** FPAdd (FADD). */
export function fpAdd(st: FPState, n: FPSize, aHi: number, aLo: number, bHi: number, bLo: number): number {
  return addSub(st, n, aHi, aLo, bHi, bLo, false);
}

/** FPSub (FSUB): op1 - op2 (NaN operands propagate with their own sign). */
export function fpSub(st: FPState, n: FPSize, aHi: number, aLo: number, bHi: number, bLo: number): number {
  return addSub(st, n, aHi, aLo, bHi, bLo, true);
}

/** FABD: FPAbs(FPSub(op1, op2)) — the sign of a NaN result is cleared too. */
export function fpAbd(st: FPState, n: FPSize, aHi: number, aLo: number, bHi: number, bLo: number): number {
  addSub(st, n, aHi, aLo, bHi, bLo, true);
  if (n === 64) S[0] = (S[0]! & 0x7fffffff) >>> 0;
  else S[1] = n === 32 ? (S[1]! & 0x7fffffff) >>> 0 : S[1]! & 0x7fff;
  return out(st);
}

function nanPair(
  n: FPSize,
  t1: number,
  t2: number,
  ah: number,
  al: number,
  bh: number,
  bl: number,
  st: FPState,
): boolean {
  if (t1 === T_SNAN) processNaN(n, t1, ah, al, st, true);
  else if (t2 === T_SNAN) processNaN(n, t2, bh, bl, st, true);
  else if (t1 === T_QNAN) processNaN(n, t1, ah, al, st, true);
  else if (t2 === T_QNAN) processNaN(n, t2, bh, bl, st, true);
  else return false;
  return true;
}

function mulCommon(st: FPState, n: FPSize, ah: number, al: number, bh: number, bl: number, mulx: boolean) {
  if (fastOk(st) && fastMul(st, n, ah, al, bh, bl)) return out(st);
  const t1 = unpack(n, ah, al, st, true, false);
  const s1 = S[2]!;
  const e1 = S[3]!;
  const m1 = S[4]!;
  const t2 = unpack(n, bh, bl, st, true, false);
  const s2 = S[2]!;
  const e2 = S[3]!;
  const m2 = S[4]!;
  if (nanPair(n, t1, t2, ah, al, bh, bl, st)) return out(st);
  const sign = s1 ^ s2;
  if ((t1 === T_INF && t2 === T_ZERO) || (t1 === T_ZERO && t2 === T_INF)) {
    if (mulx)
      setFields(n, sign, 2 ** (expBits(n) - 1), 0); // FPTwo
    else {
      setDefaultNaN(n);
      st.fpsr |= FPSR_IOC;
    }
  } else if (t1 === T_INF || t2 === T_INF) setInf(n, sign);
  else if (t1 === T_ZERO || t2 === T_ZERO) setZero(n, sign);
  else {
    mulW(m1, m2);
    roundPack(n, sign, e1 + e2, st, fpcrRounding(st.fpcr), false);
  }
  return out(st);
}

/** FPMul (FMUL). */
export function fpMul(st: FPState, n: FPSize, aHi: number, aLo: number, bHi: number, bLo: number): number {
  return mulCommon(st, n, aHi, aLo, bHi, bLo, false);
}

/** FPMulX (FMULX): like FPMul but infinity * zero gives +-2.0. */
export function fpMulX(st: FPState, n: FPSize, aHi: number, aLo: number, bHi: number, bLo: number): number {
  return mulCommon(st, n, aHi, aLo, bHi, bLo, true);
}

/** FPDiv (FDIV). */
export function fpDiv(st: FPState, n: FPSize, aHi: number, aLo: number, bHi: number, bLo: number): number {
  if (fastOk(st) && fastDiv(st, n, aHi, aLo, bHi, bLo)) return out(st);
  const t1 = unpack(n, aHi, aLo, st, true, false);
  const s1 = S[2]!;
  const e1 = S[3]!;
  const m1 = S[4]!;
  const t2 = unpack(n, bHi, bLo, st, true, false);
  const s2 = S[2]!;
  const e2 = S[3]!;
  const m2 = S[4]!;
  if (nanPair(n, t1, t2, aHi, aLo, bHi, bLo, st)) return out(st);
  const sign = s1 ^ s2;
  if ((t1 === T_INF && t2 === T_INF) || (t1 === T_ZERO && t2 === T_ZERO)) {
    setDefaultNaN(n);
    st.fpsr |= FPSR_IOC;
  } else if (t1 === T_INF || t2 === T_ZERO) {
    setInf(n, sign);
    if (t1 !== T_INF) st.fpsr |= FPSR_DZC;
  } else if (t1 === T_ZERO || t2 === T_INF) setZero(n, sign);
  else {
    // Restoring division: Q = floor(m1 * 2^63 / m2), 64 quotient bits, remainder as sticky.
    let r = m1;
    let qh = 0;
    let ql = 0;
    for (let i = 0; i < 32; i++) {
      qh *= 2;
      if (r >= m2) {
        r -= m2;
        qh += 1;
      }
      r *= 2;
    }
    for (let i = 0; i < 32; i++) {
      ql *= 2;
      if (r >= m2) {
        r -= m2;
        ql += 1;
      }
      r *= 2;
    }
    L[0] = 0;
    L[1] = 0;
    L[2] = qh;
    L[3] = r !== 0 ? (ql | 1) >>> 0 : ql;
    roundPack(n, sign, e1 - e2 - 63, st, fpcrRounding(st.fpcr), false);
  }
  return out(st);
}

/** FPSqrt (FSQRT). */
export function fpSqrt(st: FPState, n: FPSize, aHi: number, aLo: number): number {
  if (fastOk(st) && fastSqrt(st, n, aHi, aLo)) return out(st);
  const t = unpack(n, aHi, aLo, st, true, false);
  if (isNaNType(t)) processNaN(n, t, aHi, aLo, st, true);
  else if (t === T_ZERO) setZero(n, S[2]!);
  else if (t === T_INF && S[2]! === 0) setInf(n, 0);
  else if (S[2]! === 1) {
    setDefaultNaN(n);
    st.fpsr |= FPSR_IOC;
  } else {
    let m = S[4]!;
    let e = S[3]!;
    if (e % 2 !== 0) {
      m *= 2;
      e -= 1;
    }
    // Math.sqrt is correctly rounded (RNE) at 53 bits; S = RN53(sqrt(m) * 2^26), then an exact
    // comparison of S^2 with m * 2^52 gives the direction of the remaining error.
    const s = Math.sqrt(m) * 67108864;
    setW(m);
    shlW(52);
    swapWX();
    mulW(s, s);
    const c = cmpWX();
    setW(s);
    shlW(10);
    if (c < 0) L[3] = (L[3]! | 1) >>> 0;
    else if (c > 0) {
      // S is above the true root: use S - tiny.
      L[4] = 0;
      L[5] = 0;
      L[6] = 0;
      L[7] = 1;
      subWX();
    }
    roundPack(n, 0, e / 2 - 26 - 10, st, fpcrRounding(st.fpcr), false);
  }
  return out(st);
}

/**
 * Fused (-1)^sa*ma*2^ea + (-1)^sp*m1*m2*2^(e1+e2), one rounding. `halve` divides the exact result
 * by two (FRSQRTS).
 */
function fusedCore(
  n: FPSize,
  sa: number,
  ea: number,
  ma: number,
  sp: number,
  e1: number,
  m1: number,
  e2: number,
  m2: number,
  st: FPState,
  halve: boolean,
): void {
  const rmode = fpcrRounding(st.fpcr);
  // Product at bits <=126 (shift 21), addend msb at 125 (shift 73).
  const eP = m1 === 0 || m2 === 0 ? ZERO_EXP : e1 + e2 - 21;
  const eA = ma === 0 ? ZERO_EXP : ea - 73;
  const adj = halve ? -1 : 0;
  if (eP >= eA) {
    setW(ma);
    shlW(73);
    shrJamW(eP - eA);
    swapWX();
    mulW(m1, m2);
    shlW(21);
    addAligned(n, sp, sa, eP + adj, st, rmode, false);
  } else {
    mulW(m1, m2);
    shlW(21);
    shrJamW(eA - eP);
    swapWX();
    setW(ma);
    shlW(73);
    addAligned(n, sa, sp, eA + adj, st, rmode, false);
  }
}

/** FPMulAdd (FMADD/FMLA): addend + op1 * op2 with a single rounding. */
export function fpMulAdd(
  st: FPState,
  n: FPSize,
  addHi: number,
  addLo: number,
  aHi: number,
  aLo: number,
  bHi: number,
  bLo: number,
): number {
  if (fastOk(st) && fastFma(st, n, addHi, addLo, aHi, aLo, bHi, bLo)) return out(st);
  const tA = unpack(n, addHi, addLo, st, true, false);
  const sA = S[2]!;
  const eA = S[3]!;
  const mA = S[4]!;
  const t1 = unpack(n, aHi, aLo, st, true, false);
  const s1 = S[2]!;
  const e1 = S[3]!;
  const m1 = S[4]!;
  const t2 = unpack(n, bHi, bLo, st, true, false);
  const s2 = S[2]!;
  const e2 = S[3]!;
  const m2 = S[4]!;
  const inf1 = t1 === T_INF;
  const inf2 = t2 === T_INF;
  const zero1 = t1 === T_ZERO;
  const zero2 = t2 === T_ZERO;
  const infZero = (inf1 && zero2) || (zero1 && inf2);
  let done = true;
  if (tA === T_SNAN) processNaN(n, tA, addHi, addLo, st, true);
  else if (t1 === T_SNAN) processNaN(n, t1, aHi, aLo, st, true);
  else if (t2 === T_SNAN) processNaN(n, t2, bHi, bLo, st, true);
  else if (tA === T_QNAN) processNaN(n, tA, addHi, addLo, st, true);
  else if (t1 === T_QNAN) processNaN(n, t1, aHi, aLo, st, true);
  else if (t2 === T_QNAN) processNaN(n, t2, bHi, bLo, st, true);
  else done = false;
  if (tA === T_QNAN && infZero) {
    setDefaultNaN(n);
    st.fpsr |= FPSR_IOC;
  }
  if (!done) {
    const infA = tA === T_INF;
    const zeroA = tA === T_ZERO;
    const sP = s1 ^ s2;
    const infP = inf1 || inf2;
    const zeroP = zero1 || zero2;
    if (infZero || (infA && infP && sA !== sP)) {
      setDefaultNaN(n);
      st.fpsr |= FPSR_IOC;
    } else if ((infA && sA === 0) || (infP && sP === 0)) setInf(n, 0);
    else if (infA || infP) setInf(n, 1);
    else if (zeroA && zeroP && sA === sP) setZero(n, sA);
    else fusedCore(n, sA, eA, mA, sP, e1, m1, e2, m2, st, false);
  }
  return out(st);
}

/**
 * FPMulAddH (FMLAL/FMLAL2; FMLSL negates op1 first): single-precision addend + the product of two
 * half-precision operands, fused. The halves are unpacked as half precision (FZ16 flushing) and a
 * NaN among them is converted to single precision (FPProcessNaNs3H).
 */
export function fpMulAddH(st: FPState, addend: number, op1: number, op2: number): number {
  const tA = unpack(32, 0, addend, st, true, false);
  const sA = S[2]!;
  const eA = S[3]!;
  const mA = S[4]!;
  const t1 = unpack(16, 0, op1, st, true, false);
  const s1 = S[2]!;
  const e1 = S[3]!;
  const m1 = S[4]!;
  const t2 = unpack(16, 0, op2, st, true, false);
  const s2 = S[2]!;
  const e2 = S[3]!;
  const m2 = S[4]!;
  const inf1 = t1 === T_INF;
  const inf2 = t2 === T_INF;
  const zero1 = t1 === T_ZERO;
  const zero2 = t2 === T_ZERO;
  const infZero = (inf1 && zero2) || (zero1 && inf2);
  let done = true;
  if (tA === T_SNAN) processNaN(32, tA, 0, addend, st, true);
  else if (t1 === T_SNAN) halfNaNTo32(t1, op1, st);
  else if (t2 === T_SNAN) halfNaNTo32(t2, op2, st);
  else if (tA === T_QNAN) processNaN(32, tA, 0, addend, st, true);
  else if (t1 === T_QNAN) halfNaNTo32(t1, op1, st);
  else if (t2 === T_QNAN) halfNaNTo32(t2, op2, st);
  else done = false;
  if (tA === T_QNAN && infZero) {
    setDefaultNaN(32);
    st.fpsr |= FPSR_IOC;
  }
  if (!done) {
    const infA = tA === T_INF;
    const zeroA = tA === T_ZERO;
    const sP = s1 ^ s2;
    const infP = inf1 || inf2;
    const zeroP = zero1 || zero2;
    if (infZero || (infA && infP && sA !== sP)) {
      setDefaultNaN(32);
      st.fpsr |= FPSR_IOC;
    } else if ((infA && sA === 0) || (infP && sP === 0)) setInf(32, 0);
    else if (infA || infP) setInf(32, 1);
    else if (zeroA && zeroP && sA === sP) setZero(32, sA);
    else fusedCore(32, sA, eA, mA, sP, e1, m1, e2, m2, st, false);
  }
  return out(st);
}

/** FPConvertNaN(FPProcessNaN(type, op)) from half to single (default NaN when FPCR.DN). */
function halfNaNTo32(t: number, op: number, st: FPState): void {
  if (t === T_SNAN) st.fpsr |= FPSR_IOC;
  if ((st.fpcr & FPCR_DN) !== 0) {
    setDefaultNaN(32);
    return;
  }
  S[0] = 0;
  S[1] = (((op & 0x8000) << 16) | 0x7fc00000 | ((op & 0x1ff) << 13)) >>> 0;
}

/** FPRecipStepFused (FRECPS): 2.0 - op1 * op2, fused. */
export function fpRecipStep(st: FPState, n: FPSize, aHi: number, aLo: number, bHi: number, bLo: number) {
  return stepFused(st, n, aHi, aLo, bHi, bLo, false);
}

/** FPRSqrtStepFused (FRSQRTS): (3.0 - op1 * op2) / 2, fused. */
export function fpRSqrtStep(st: FPState, n: FPSize, aHi: number, aLo: number, bHi: number, bLo: number) {
  return stepFused(st, n, aHi, aLo, bHi, bLo, true);
}

function stepFused(st: FPState, n: FPSize, ah: number, al: number, bh: number, bl: number, rsqrt: boolean) {
  // op1 = FPNeg(op1) before anything else (a NaN op1 propagates negated).
  if (n === 64) ah = (ah ^ 0x80000000) >>> 0;
  else al = n === 32 ? (al ^ 0x80000000) >>> 0 : al ^ 0x8000;
  const t1 = unpack(n, ah, al, st, true, false);
  const s1 = S[2]!;
  const e1 = S[3]!;
  const m1 = S[4]!;
  const t2 = unpack(n, bh, bl, st, true, false);
  const s2 = S[2]!;
  const e2 = S[3]!;
  const m2 = S[4]!;
  if (nanPair(n, t1, t2, ah, al, bh, bl, st)) return out(st);
  if ((t1 === T_INF && t2 === T_ZERO) || (t1 === T_ZERO && t2 === T_INF)) {
    // FPTwo / FPOnePointFive
    const bias = 2 ** (expBits(n) - 1) - 1;
    if (rsqrt) setFields(n, 0, bias, 2 ** (fracBits(n) - 1));
    else setFields(n, 0, bias + 1, 0);
  } else if (t1 === T_INF || t2 === T_INF) setInf(n, s1 ^ s2);
  else if (rsqrt) fusedCore(n, 0, -51, 3 * 2 ** 51, s1 ^ s2, e1, m1, e2, m2, st, true);
  else fusedCore(n, 0, -51, TWO52, s1 ^ s2, e1, m1, e2, m2, st, false);
  return out(st);
}

// ---------------------------------------------------------------------------------------------
// Compare, min/max

/** Compare two unpacked values: -1, 0, 1 (zeros equal). */
function cmpVal(s1: number, e1: number, m1: number, s2: number, e2: number, m2: number): number {
  if (m1 === 0) return m2 === 0 ? 0 : s2 ? 1 : -1;
  if (m2 === 0) return s1 ? -1 : 1;
  if (s1 !== s2) return s1 ? -1 : 1;
  const mag = e1 !== e2 ? (e1 > e2 ? 1 : -1) : m1 > m2 ? 1 : m1 < m2 ? -1 : 0;
  return s1 ? -mag : mag;
}

/** FPCompare (FCMP/FCMPE): returns NZCV as a 4-bit value (also in st.nzcv). */
export function fpCompare(
  st: FPState,
  n: FPSize,
  aHi: number,
  aLo: number,
  bHi: number,
  bLo: number,
  signalNaNs: boolean,
): number {
  if (HOST_LE && loadCmp(st, n, aHi, aLo, bHi, bLo)) {
    const a = S[9]!;
    const b = S[10]!;
    const r = a === b ? 0b0110 : a < b ? 0b1000 : 0b0010;
    st.nzcv = r;
    return r;
  }
  const t1 = unpack(n, aHi, aLo, st, true, false);
  const s1 = S[2]!;
  const e1 = S[3]!;
  const m1 = S[4]!;
  const t2 = unpack(n, bHi, bLo, st, true, false);
  let r: number;
  if (isNaNType(t1) || isNaNType(t2)) {
    r = 0b0011;
    if (t1 === T_SNAN || t2 === T_SNAN || signalNaNs) st.fpsr |= FPSR_IOC;
  } else {
    const c = cmpVal(s1, e1, m1, S[2]!, S[3]!, S[4]!);
    r = c === 0 ? 0b0110 : c < 0 ? 0b1000 : 0b0010;
  }
  st.nzcv = r;
  return r;
}

/** FPCompareEQ/GE/GT (FCMEQ/FCMGE/FCMGT; FCMLE/LT swap operands). kind: 0 EQ, 1 GE, 2 GT. */
export function fpCompareCond(
  st: FPState,
  n: FPSize,
  aHi: number,
  aLo: number,
  bHi: number,
  bLo: number,
  kind: 0 | 1 | 2,
): boolean {
  if (HOST_LE && loadCmp(st, n, aHi, aLo, bHi, bLo)) {
    const a = S[9]!;
    const b = S[10]!;
    return kind === 0 ? a === b : kind === 1 ? a >= b : a > b;
  }
  const t1 = unpack(n, aHi, aLo, st, true, false);
  const s1 = S[2]!;
  const e1 = S[3]!;
  const m1 = S[4]!;
  const t2 = unpack(n, bHi, bLo, st, true, false);
  if (isNaNType(t1) || isNaNType(t2)) {
    if (kind !== 0 || t1 === T_SNAN || t2 === T_SNAN) st.fpsr |= FPSR_IOC;
    return false;
  }
  const c = cmpVal(s1, e1, m1, S[2]!, S[3]!, S[4]!);
  return kind === 0 ? c === 0 : kind === 1 ? c >= 0 : c > 0;
}

function maxMin(
  st: FPState,
  n: FPSize,
  ah: number,
  al: number,
  bh: number,
  bl: number,
  isMax: boolean,
  numeric: boolean,
): number {
  let t1 = unpack(n, ah, al, st, true, false);
  let s1 = S[2]!;
  let e1 = S[3]!;
  let m1 = S[4]!;
  let t2 = unpack(n, bh, bl, st, true, false);
  let s2 = S[2]!;
  let e2 = S[3]!;
  let m2 = S[4]!;
  if (numeric) {
    // FPMaxNum/FPMinNum: a single quiet NaN is replaced by -Inf (max) / +Inf (min).
    const infSign = isMax ? 1 : 0;
    if (t1 === T_QNAN && t2 !== T_QNAN) {
      t1 = T_INF;
      s1 = infSign;
      e1 = INF_EXP;
      m1 = TWO52;
    } else if (t1 !== T_QNAN && t2 === T_QNAN) {
      t2 = T_INF;
      s2 = infSign;
      e2 = INF_EXP;
      m2 = TWO52;
    }
  }
  if (nanPair(n, t1, t2, ah, al, bh, bl, st)) return out(st);
  const c = cmpVal(s1, e1, m1, s2, e2, m2);
  const take1 = isMax ? c > 0 : c < 0;
  const t = take1 ? t1 : t2;
  if (t === T_INF) setInf(n, take1 ? s1 : s2);
  else if (t === T_ZERO) setZero(n, isMax ? s1 & s2 : s1 | s2);
  else if (take1) setRaw(ah, al, n);
  else setRaw(bh, bl, n);
  return out(st);
}

/** FPMax (FMAX). */
export function fpMax(st: FPState, n: FPSize, aHi: number, aLo: number, bHi: number, bLo: number): number {
  return maxMin(st, n, aHi, aLo, bHi, bLo, true, false);
}
/** FPMin (FMIN). */
export function fpMin(st: FPState, n: FPSize, aHi: number, aLo: number, bHi: number, bLo: number): number {
  return maxMin(st, n, aHi, aLo, bHi, bLo, false, false);
}
/** FPMaxNum (FMAXNM). */
export function fpMaxNum(st: FPState, n: FPSize, aHi: number, aLo: number, bHi: number, bLo: number): number {
  return maxMin(st, n, aHi, aLo, bHi, bLo, true, true);
}
/** FPMinNum (FMINNM). */
export function fpMinNum(st: FPState, n: FPSize, aHi: number, aLo: number, bHi: number, bLo: number): number {
  return maxMin(st, n, aHi, aLo, bHi, bLo, false, true);
}

// ---------------------------------------------------------------------------------------------
// Conversions and rounding to integral

/** FPConvert (FCVT, FCVTN/L, FCVTXN with rounding ODD) from precision `from` to `to`. */
export function fpConvert(
  st: FPState,
  from: FPSize,
  to: FPSize,
  hi: number,
  lo: number,
  rmode: FPRoundingMode,
): number {
  if (HOST_LE && fastConvert(st, from, to, hi, lo, rmode)) return out(st);
  const t = unpack(from, hi, lo, st, true, true);
  const sign = S[2]!;
  const altHp = to === 16 && (st.fpcr & FPCR_AHP) !== 0;
  if (isNaNType(t)) {
    if (altHp) setZero(16, sign);
    else if ((st.fpcr & FPCR_DN) !== 0) setDefaultNaN(to);
    else {
      // FPConvertNaN: quiet, keep the most significant payload bits.
      const p =
        from === 64
          ? (hi & 0x7ffff) * TWO32 + (lo >>> 0)
          : from === 32
            ? (lo & 0x3fffff) * 2 ** 29
            : (lo & 0x1ff) * 2 ** 42;
      if (to === 64) {
        S[0] = ((sign << 31) | 0x7ff80000 | Math.floor(p / TWO32)) >>> 0;
        S[1] = p >>> 0;
      } else if (to === 32) {
        S[0] = 0;
        S[1] = ((sign << 31) | 0x7fc00000 | Math.floor(p / 2 ** 29)) >>> 0;
      } else {
        S[0] = 0;
        S[1] = (sign << 15) | 0x7e00 | Math.floor(p / 2 ** 42);
      }
    }
    if (t === T_SNAN || altHp) st.fpsr |= FPSR_IOC;
  } else if (t === T_INF) {
    if (altHp) {
      S[0] = 0;
      S[1] = sign ? 0xffff : 0x7fff;
      st.fpsr |= FPSR_IOC;
    } else setInf(to, sign);
  } else if (t === T_ZERO) setZero(to, sign);
  else {
    setW(S[4]!);
    roundPack(to, sign, S[3]!, st, rmode, true);
  }
  return out(st);
}

// Integer part / rounding-error classification of an unpacked value scaled by 2^scale.
function splitInt(sig: number, exp: number): void {
  if (exp >= 0) {
    S[5] = sig * 2 ** exp;
    S[6] = 0;
    return;
  }
  const sh = -exp;
  if (sh > 60) {
    S[5] = 0;
    S[6] = 1;
    return;
  }
  const div = pow2(sh);
  S[5] = Math.floor(sig / div);
  const rem = sig - S[5]! * div;
  const half = div / 2;
  S[6] = rem === 0 ? 0 : rem < half ? 1 : rem === half ? 2 : 3;
}
/** Round the magnitude per ARM rounding (sign-aware for directed modes). */
function roundMag(sign: number, rmode: number): number {
  let up: boolean;
  switch (rmode) {
    case RN:
      up = S[6]! === 3 || (S[6]! === 2 && S[5]! % 2 === 1);
      break;
    case RP:
      up = S[6]! !== 0 && sign === 0;
      break;
    case RM:
      up = S[6]! !== 0 && sign === 1;
      break;
    case RA:
      up = S[6]! >= 2;
      break;
    default:
      up = false;
  }
  return up ? S[5]! + 1 : S[5]!;
}

/** FPRoundInt (FRINTN/A/M/P/Z/I/X); `exact` raises Inexact (FRINTX). */
export function fpRoundInt(
  st: FPState,
  n: FPSize,
  hi: number,
  lo: number,
  rmode: FPRoundingMode,
  exact: boolean,
): number {
  if (HOST_LE && fastRoundInt(st, n, hi, lo, rmode, exact)) return out(st);
  const t = unpack(n, hi, lo, st, true, false);
  const sign = S[2]!;
  if (isNaNType(t)) processNaN(n, t, hi, lo, st, true);
  else if (t === T_INF) setInf(n, sign);
  else if (t === T_ZERO) setZero(n, sign);
  else {
    splitInt(S[4]!, S[3]!);
    const m = roundMag(sign, rmode);
    if (m === 0) setZero(n, sign);
    else if (S[3]! >= 0) setRaw(hi, lo, n);
    else roundSig(n, sign, m, 0, st, RZ);
    if (S[6]! !== 0 && exact) st.fpsr |= FPSR_IXC;
  }
  return out(st);
}

/** FPRoundIntN (FRINT32Z/X, FRINT64Z/X) for n = 32 or 64. */
export function fpRoundIntN(
  st: FPState,
  n: FPSize,
  hi: number,
  lo: number,
  rmode: FPRoundingMode,
  intSize: 32 | 64,
): number {
  const t = unpack(n, hi, lo, st, true, false);
  const sign = S[2]!;
  let overflow = false;
  if (isNaNType(t) || t === T_INF) overflow = true;
  else if (t === T_ZERO) setZero(n, sign);
  else {
    splitInt(S[4]!, S[3]!);
    const m = roundMag(sign, rmode);
    const lim = 2 ** (intSize - 1);
    if (sign ? m > lim : m >= lim) overflow = true;
    else if (m === 0) setZero(n, sign);
    else roundSig(n, sign, m, 0, st, RZ);
    if (!overflow && S[6]! !== 0) st.fpsr |= FPSR_IXC;
  }
  if (overflow) {
    roundSig(n, 1, 1, intSize - 1, st, RZ);
    st.fpsr |= FPSR_IOC;
  }
  return out(st);
}

/**
 * FPToFixed (FCVTZS/ZU, FCVTNS/NU/AS/AU/MS/MU/PS/PU, fixed-point FCVTZ* with fbits).
 * Result: `intBits`-bit integer (32 or 64), low word returned, high word in st.hi.
 */
export function fpToFixed(
  st: FPState,
  n: FPSize,
  hi: number,
  lo: number,
  fbits: number,
  unsigned: boolean,
  rmode: FPRoundingMode,
  intBits: 32 | 64,
): number {
  if (fbits === 0 && rmode !== RA && HOST_LE && fastToInt(st, n, hi, lo, unsigned, rmode, intBits))
    return out(st);
  const t = unpack(n, hi, lo, st, true, false);
  const sign = S[2]!;
  let mag: number;
  let err = 0;
  if (isNaNType(t)) {
    st.fpsr |= FPSR_IOC;
    mag = 0;
  } else if (t === T_ZERO) mag = 0;
  else if (t === T_INF) mag = Number.POSITIVE_INFINITY;
  else {
    splitInt(S[4]!, S[3]! + fbits);
    err = S[6]!;
    mag = roundMag(sign, rmode);
  }
  let neg = sign === 1 && mag !== 0;
  let h: number;
  let l: number;
  // Integer comparisons against exact powers of two (2^63 - 1 is not a double).
  const over = unsigned ? mag >= 2 ** intBits : neg ? mag > 2 ** (intBits - 1) : mag >= 2 ** (intBits - 1);
  if ((unsigned && neg) || over) {
    // Saturate (SatQ): written as halves because 2^63 - 1 is not a double.
    st.fpsr |= FPSR_IOC;
    if (unsigned) {
      l = neg ? 0 : 0xffffffff;
      h = neg || intBits === 32 ? 0 : 0xffffffff;
    } else if (intBits === 32) {
      h = 0;
      l = neg ? 0x80000000 : 0x7fffffff;
    } else {
      h = neg ? 0x80000000 : 0x7fffffff;
      l = neg ? 0 : 0xffffffff;
    }
    neg = false;
  } else {
    if (err !== 0) st.fpsr |= FPSR_IXC;
    h = Math.floor(mag / TWO32);
    l = mag % TWO32;
  }
  if (neg) {
    if (l === 0) h = -h >>> 0;
    else {
      l = TWO32 - l;
      h = ~h >>> 0;
    }
  }
  if (intBits === 32) h = 0;
  S[0] = h >>> 0;
  S[1] = l >>> 0;
  return out(st);
}

/**
 * FixedToFP (SCVTF/UCVTF): the 64-bit integer hi:lo (callers sign- or zero-extend 32-bit
 * sources) divided by 2^fbits, rounded to precision n.
 */
export function fixedToFp(
  st: FPState,
  n: FPSize,
  hi: number,
  lo: number,
  fbits: number,
  unsigned: boolean,
  rmode: FPRoundingMode,
): number {
  if (rmode === RN && HOST_LE && n !== 16 && fastFromInt(st, n, hi, lo, fbits, unsigned)) return out(st);
  hi >>>= 0;
  lo >>>= 0;
  if ((hi | lo) === 0) {
    setZero(n, 0);
    return out(st);
  }
  let sign = 0;
  if (!unsigned && hi >= 0x80000000) {
    sign = 1;
    if (lo === 0) hi = -hi >>> 0;
    else {
      lo = (TWO32 - lo) >>> 0;
      hi = ~hi >>> 0;
    }
  }
  L[0] = 0;
  L[1] = 0;
  L[2] = hi;
  L[3] = lo;
  roundPack(n, sign, -fbits, st, rmode, false);
  return out(st);
}

/** FPToFixedJS (FJCVTZS): returns the 32-bit result; st.nzcv = 0:Z:0:0. */
export function fpToFixedJS(st: FPState, hi: number, lo: number): number {
  const t = unpack(64, hi, lo, st, true, false);
  const sign = S[2]!;
  let z = 1;
  let res = 0;
  if (isNaNType(t)) {
    st.fpsr |= FPSR_IOC;
    z = 0;
  } else if (t === T_INF) {
    st.fpsr |= FPSR_IOC;
    z = 0;
  } else if (t === T_ZERO) {
    if (sign === 1) z = 0;
    else if ((hi & 0xfffff) !== 0 || lo !== 0) z = 0;
  } else {
    splitInt(S[4]!, S[3]!);
    // Round toward zero: magnitude is truncated.
    const mag = S[5]!;
    const low = mag % TWO32; // fmod is exact for integral doubles
    res = sign ? (TWO32 - low) >>> 0 : low >>> 0;
    if (sign ? mag > 2 ** 31 : mag > 2 ** 31 - 1) {
      st.fpsr |= FPSR_IOC;
      z = 0;
    } else if (S[6]! !== 0) {
      st.fpsr |= FPSR_IXC;
      z = 0;
    }
  }
  st.nzcv = z << 2;
  S[0] = 0;
  S[1] = res;
  return out(st);
}

// ---------------------------------------------------------------------------------------------
// Estimates (ARM ARM FPRecipEstimate, FPRSqrtEstimate, FPRecpX, RecipEstimate, RecipSqrtEstimate)

/** RecipEstimate(a) for 256 <= a < 512. */
export function recipEstimate(a: number): number {
  a = a * 2 + 1;
  const b = Math.floor(2 ** 19 / a);
  return Math.floor((b + 1) / 2);
}

/** RecipSqrtEstimate(a) for 128 <= a < 512. */
export function recipSqrtEstimate(a: number): number {
  if (a < 256) a = a * 2 + 1;
  else {
    a = (a >> 1) << 1;
    a = (a + 1) * 2;
  }
  let b = 512;
  while (a * (b + 1) * (b + 1) < 2 ** 28) b++;
  return Math.floor((b + 1) / 2);
}

function rawFraction52(n: FPSize, hi: number, lo: number): number {
  return n === 64
    ? (hi & 0xfffff) * TWO32 + (lo >>> 0)
    : n === 32
      ? (lo & 0x7fffff) * 2 ** 29
      : (lo & 0x3ff) * 2 ** 42;
}
function rawExp(n: FPSize, hi: number, lo: number): number {
  return n === 64 ? (hi >>> 20) & 0x7ff : n === 32 ? (lo >>> 23) & 0xff : (lo >>> 10) & 0x1f;
}
function setFromFraction52(n: FPSize, sign: number, exp: number, f52: number): void {
  if (n === 64) setFields(64, sign, exp, f52);
  else if (n === 32) setFields(32, sign, exp, Math.floor(f52 / 2 ** 29));
  else setFields(16, sign, exp, Math.floor(f52 / 2 ** 42));
}

/** FPRecipEstimate (FRECPE). */
export function fpRecipEstimate(st: FPState, n: FPSize, hi: number, lo: number): number {
  const t = unpack(n, hi, lo, st, true, false);
  const sign = S[2]!;
  const rmode = fpcrRounding(st.fpcr);
  const top = S[3]! + 52; // |value| in [2^top, 2^(top+1))
  if (isNaNType(t)) processNaN(n, t, hi, lo, st, true);
  else if (t === T_INF) setZero(n, sign);
  else if (t === T_ZERO) {
    setInf(n, sign);
    st.fpsr |= FPSR_DZC;
  } else if (top < (n === 16 ? -16 : n === 32 ? -128 : -1024)) {
    const toInf = rmode === RN || (rmode === RP && sign === 0) || (rmode === RM && sign === 1);
    if (toInf) setInf(n, sign);
    else setMaxNormal(n, sign);
    st.fpsr |= FPSR_OFC | FPSR_IXC;
  } else if (flushes(n, st.fpcr) && top >= (n === 16 ? 14 : n === 32 ? 126 : 1022)) {
    setZero(n, sign);
    st.fpsr |= FPSR_UFC;
  } else {
    let fraction = rawFraction52(n, hi, lo);
    let exp = rawExp(n, hi, lo);
    if (exp === 0) {
      if (fraction < 2 ** 51) {
        exp = -1;
        fraction = (fraction % 2 ** 50) * 4;
      } else fraction = (fraction % 2 ** 51) * 2;
    }
    const scaled = 256 + Math.floor(fraction / 2 ** 44);
    let resultExp = (n === 16 ? 29 : n === 32 ? 253 : 2045) - exp;
    const est = recipEstimate(scaled);
    fraction = (est & 0xff) * 2 ** 44;
    if (resultExp === 0) fraction = 2 ** 51 + Math.floor(fraction / 2);
    else if (resultExp === -1) {
      fraction = 2 ** 50 + Math.floor(fraction / 4);
      resultExp = 0;
    }
    setFromFraction52(n, sign, resultExp, fraction);
  }
  return out(st);
}

/** FPRSqrtEstimate (FRSQRTE). */
export function fpRSqrtEstimate(st: FPState, n: FPSize, hi: number, lo: number): number {
  const t = unpack(n, hi, lo, st, true, false);
  const sign = S[2]!;
  if (isNaNType(t)) processNaN(n, t, hi, lo, st, true);
  else if (t === T_ZERO) {
    setInf(n, sign);
    st.fpsr |= FPSR_DZC;
  } else if (sign === 1) {
    setDefaultNaN(n);
    st.fpsr |= FPSR_IOC;
  } else if (t === T_INF) setZero(n, 0);
  else {
    let fraction = rawFraction52(n, hi, lo);
    let exp = rawExp(n, hi, lo);
    if (exp === 0) {
      while (fraction < 2 ** 51) {
        fraction *= 2;
        exp--;
      }
      fraction = (fraction % 2 ** 51) * 2;
    }
    const scaled =
      (exp & 1) === 0 ? 256 + Math.floor(fraction / 2 ** 44) : 128 + Math.floor(fraction / 2 ** 45);
    const resultExp = Math.floor(((n === 16 ? 44 : n === 32 ? 380 : 3068) - exp) / 2);
    const est = recipSqrtEstimate(scaled);
    setFromFraction52(n, 0, resultExp, (est & 0xff) * 2 ** 44);
  }
  return out(st);
}

/** FPRecpX (FRECPX). */
export function fpRecpX(st: FPState, n: FPSize, hi: number, lo: number): number {
  const t = unpack(n, hi, lo, st, true, false);
  if (isNaNType(t)) processNaN(n, t, hi, lo, st, true);
  else {
    const exp = rawExp(n, hi, lo);
    const maxE = 2 ** expBits(n) - 1;
    setFields(n, S[2]!, exp === 0 ? maxE - 1 : ~exp & maxE, 0);
  }
  return out(st);
}

/** UnsignedRecipEstimate (URECPE) on a 32-bit element. */
export function unsignedRecipEstimate(op: number): number {
  op >>>= 0;
  if (op < 0x80000000) return 0xffffffff;
  return (recipEstimate(op >>> 23) << 23) >>> 0;
}

/** UnsignedRSqrtEstimate (URSQRTE) on a 32-bit element. */
export function unsignedRSqrtEstimate(op: number): number {
  op >>>= 0;
  if (op < 0x40000000) return 0xffffffff;
  return (recipSqrtEstimate(op >>> 23) << 23) >>> 0;
}
