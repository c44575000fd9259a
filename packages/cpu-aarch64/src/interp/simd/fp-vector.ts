/*
 * AdvSIMD floating-point (ARM ARM C4.1.95.x: asimdsame/asisdsame FP forms incl. FP16, asimdmisc/
 * asisdmisc FP forms, asimdall FMAXV..., asisdpair FADDP..., asimdelem/asisdelem FMLA..., asimdshf/
 * asisdshf fixed-point conversions, asimdsame2 FCMLA/FCADD, FHM FMLAL/FMLSL). Element arithmetic is
 * the src/fp core; this file only walks elements.
 */
import {
  FPRounding,
  type FPRoundingMode,
  type FPSize,
  FPSR_IOC,
  type FPState,
  fixedToFp,
  fpAbd,
  fpAdd,
  fpCompareCond,
  fpConvert,
  fpcrRounding,
  fpDiv,
  fpMax,
  fpMaxNum,
  fpMin,
  fpMinNum,
  fpMul,
  fpMulAdd,
  fpMulAddH,
  fpMulX,
  fpRecipEstimate,
  fpRecipStep,
  fpRecpX,
  fpRoundInt,
  fpRoundIntN,
  fpRSqrtEstimate,
  fpRSqrtStep,
  fpSqrt,
  fpSub,
  fpToFixed,
  unsignedRecipEstimate,
  unsignedRSqrtEstimate,
} from "../../fp/index.js";
import type { Cpu } from "../cpu.js";
import {
  absHi,
  absLo,
  commit,
  eHi,
  eLo,
  elemIdx,
  elemRm,
  fpBegin,
  fpEnd,
  fpSize,
  type Handler,
  idxOf,
  negHi,
  negLo,
  put,
  RH,
  RL,
  vmOf,
} from "./common.js";

/** Binary element op: returns low word, high word in s.hi. */
type Bin = (s: FPState, n: FPSize, ah: number, al: number, bh: number, bl: number) => number;

function cmpMask(n: FPSize, s: FPState, t: boolean): number {
  const m = t ? (n === 16 ? 0xffff : 0xffffffff) : 0;
  s.hi = n === 64 ? m : 0;
  return m;
}
const cmp =
  (kind: 0 | 1 | 2, abs: boolean): Bin =>
  (s, n, ah, al, bh, bl) => {
    if (abs) {
      ah = absHi(n, ah);
      al = absLo(n, al);
      bh = absHi(n, bh);
      bl = absLo(n, bl);
    }
    return cmpMask(n, s, fpCompareCond(s, n, ah, al, bh, bl, kind));
  };

const BIN: Record<string, Bin> = {
  FADD: fpAdd,
  FSUB: fpSub,
  FMUL: fpMul,
  FDIV: fpDiv,
  FMAX: fpMax,
  FMIN: fpMin,
  FMAXNM: fpMaxNum,
  FMINNM: fpMinNum,
  FMULX: fpMulX,
  FABD: fpAbd,
  FRECPS: fpRecipStep,
  FRSQRTS: fpRSqrtStep,
  FCMEQ: cmp(0, false),
  FCMGE: cmp(1, false),
  FCMGT: cmp(2, false),
  FACGE: cmp(1, true),
  FACGT: cmp(2, true),
  FADDP: fpAdd,
  FMAXP: fpMax,
  FMINP: fpMin,
  FMAXNMP: fpMaxNum,
  FMINNMP: fpMinNum,
};

/** es for FP vector/scalar forms: FP16 ids → 1, else sz (bit 22) → 2/3. */
function esOf(fp16: boolean, w: number): number {
  return fp16 ? 1 : (w >>> 22) & 1 ? 3 : 2;
}

function vecBytes(w: number): number {
  return (w >>> 30) & 1 ? 16 : 8;
}

/** Three-same FP (vector or scalar), incl. pairwise and FMLA/FMLS. */
function fp3(mn: string, fp16: boolean, scalar: boolean): Handler {
  const pairwise = mn.endsWith("P") && mn !== "FCMP";
  const acc = mn === "FMLA" || mn === "FMLS" ? (mn === "FMLS" ? -1 : 1) : 0;
  const op = BIN[mn];
  return (c, w) => {
    const es = esOf(fp16, w);
    const n: FPSize = fpSize(es);
    if (!scalar && es === 3 && !((w >>> 30) & 1)) c.undefinedInstruction();
    const count = scalar ? 1 : vecBytes(w) >> es;
    const m = (w >>> 16) & 31;
    const rn = (w >>> 5) & 31;
    const d = w & 31;
    const s = fpBegin(c);
    for (let i = 0; i < count; i++) {
      let ah: number;
      let al: number;
      let bh: number;
      let bl: number;
      if (pairwise) {
        const j = 2 * i;
        const src = j < count ? rn : m;
        const k = j < count ? j : j - count;
        ah = eHi(c, src, k, es);
        al = eLo(c, src, k, es);
        bh = eHi(c, src, k + 1, es);
        bl = eLo(c, src, k + 1, es);
      } else {
        ah = eHi(c, rn, i, es);
        al = eLo(c, rn, i, es);
        bh = eHi(c, m, i, es);
        bl = eLo(c, m, i, es);
      }
      if (acc !== 0) {
        if (acc < 0) {
          ah = negHi(n, ah);
          al = negLo(n, al);
        }
        RL[i] = fpMulAdd(s, n, eHi(c, d, i, es), eLo(c, d, i, es), ah, al, bh, bl);
      } else RL[i] = op!(s, n, ah, al, bh, bl);
      RH[i] = s.hi;
    }
    fpEnd(c);
    commit(c, d, es, count);
  };
}

/** Unary element op. */
type Un = (s: FPState, n: FPSize, hi: number, lo: number, c: Cpu) => number;

const rint =
  (mode: FPRoundingMode | -1, exact: boolean): Un =>
  (s, n, hi, lo, c) =>
    fpRoundInt(s, n, hi, lo, mode === -1 ? fpcrRounding(c.fpcr) : mode, exact);
const rintN =
  (z: boolean, bits: 32 | 64): Un =>
  (s, n, hi, lo, c) =>
    fpRoundIntN(s, n, hi, lo, z ? FPRounding.ZERO : fpcrRounding(c.fpcr), bits);

/** FP → integer of the element's own size (16-bit results saturate from the 32-bit conversion). */
function toInt(
  s: FPState,
  n: FPSize,
  hi: number,
  lo: number,
  fbits: number,
  uns: boolean,
  mode: FPRoundingMode,
) {
  if (n !== 16) return fpToFixed(s, n, hi, lo, fbits, uns, mode, n === 64 ? 64 : 32);
  const before = s.fpsr;
  const r = fpToFixed(s, 16, 0, lo, fbits, uns, mode, 32);
  const v = r | 0;
  const max = uns ? 0xffff : 0x7fff;
  const min = uns ? 0 : -0x8000;
  const val = uns ? r >>> 0 : v;
  if (val > max || val < min) {
    s.fpsr = before | FPSR_IOC;
    s.hi = 0;
    return (val > max ? max : min) & 0xffff;
  }
  s.hi = 0;
  return r & 0xffff;
}
const cvt =
  (mode: FPRoundingMode, uns: boolean): Un =>
  (s, n, hi, lo) =>
    toInt(s, n, hi, lo, 0, uns, mode);
/** Integer element → FP (sign/zero-extended to 64 bits first). */
function fromInt(s: FPState, n: FPSize, hi: number, lo: number, fbits: number, uns: boolean, c: Cpu): number {
  if (n !== 64) {
    const sh = 32 - n;
    const v = uns ? (lo << sh) >>> sh : (lo << sh) >> sh;
    hi = uns ? 0 : v >> 31;
    lo = v >>> 0;
  }
  return fixedToFp(s, n, hi >>> 0, lo >>> 0, fbits, uns, fpcrRounding(c.fpcr));
}
const cmpZ =
  (kind: 0 | 1 | 2, swap: boolean): Un =>
  (s, n, hi, lo) =>
    cmpMask(n, s, swap ? fpCompareCond(s, n, 0, 0, hi, lo, kind) : fpCompareCond(s, n, hi, lo, 0, 0, kind));

const UN: Record<string, Un> = {
  FRINTN: rint(FPRounding.TIEEVEN, false),
  FRINTP: rint(FPRounding.POSINF, false),
  FRINTM: rint(FPRounding.NEGINF, false),
  FRINTZ: rint(FPRounding.ZERO, false),
  FRINTA: rint(FPRounding.TIEAWAY, false),
  FRINTX: rint(-1, true),
  FRINTI: rint(-1, false),
  FRINT32Z: rintN(true, 32),
  FRINT32X: rintN(false, 32),
  FRINT64Z: rintN(true, 64),
  FRINT64X: rintN(false, 64),
  FCVTNS: cvt(FPRounding.TIEEVEN, false),
  FCVTNU: cvt(FPRounding.TIEEVEN, true),
  FCVTPS: cvt(FPRounding.POSINF, false),
  FCVTPU: cvt(FPRounding.POSINF, true),
  FCVTMS: cvt(FPRounding.NEGINF, false),
  FCVTMU: cvt(FPRounding.NEGINF, true),
  FCVTZS: cvt(FPRounding.ZERO, false),
  FCVTZU: cvt(FPRounding.ZERO, true),
  FCVTAS: cvt(FPRounding.TIEAWAY, false),
  FCVTAU: cvt(FPRounding.TIEAWAY, true),
  SCVTF: (s, n, hi, lo, c) => fromInt(s, n, hi, lo, 0, false, c),
  UCVTF: (s, n, hi, lo, c) => fromInt(s, n, hi, lo, 0, true, c),
  FCMGT: cmpZ(2, false),
  FCMGE: cmpZ(1, false),
  FCMEQ: cmpZ(0, false),
  FCMLT: cmpZ(2, true),
  FCMLE: cmpZ(1, true),
  FABS: (s, n, hi, lo) => {
    s.hi = absHi(n, hi);
    return absLo(n, lo);
  },
  FNEG: (s, n, hi, lo) => {
    s.hi = negHi(n, hi);
    return negLo(n, lo);
  },
  FSQRT: (s, n, hi, lo) => fpSqrt(s, n, hi, lo),
  FRECPE: (s, n, hi, lo) => fpRecipEstimate(s, n, hi, lo),
  FRSQRTE: (s, n, hi, lo) => fpRSqrtEstimate(s, n, hi, lo),
  FRECPX: (s, n, hi, lo) => fpRecpX(s, n, hi, lo),
};

/** Two-register misc FP (vector or scalar). */
function fpMisc(mn: string, fp16: boolean, scalar: boolean): Handler {
  if (mn === "URECPE" || mn === "URSQRTE") {
    const f = mn === "URECPE" ? unsignedRecipEstimate : unsignedRSqrtEstimate;
    return (c, w) => {
      if ((w >>> 22) & 1) c.undefinedInstruction();
      const count = vecBytes(w) >> 2;
      const rn = (w >>> 5) & 31;
      for (let i = 0; i < count; i++) RL[i] = f(c.v[4 * rn + i]!);
      commit(c, w & 31, 2, count);
    };
  }
  const op = UN[mn]!;
  return (c, w) => {
    const es = esOf(fp16, w);
    if (!scalar && es === 3 && !((w >>> 30) & 1)) c.undefinedInstruction();
    const n = fpSize(es);
    const count = scalar ? 1 : vecBytes(w) >> es;
    const rn = (w >>> 5) & 31;
    const s = fpBegin(c);
    for (let i = 0; i < count; i++) {
      RL[i] = op(s, n, eHi(c, rn, i, es), eLo(c, rn, i, es), c);
      RH[i] = s.hi;
    }
    fpEnd(c);
    commit(c, w & 31, es, count);
  };
}

/** FCVTN/FCVTN2/FCVTXN/FCVTXN2 (narrow) and FCVTL/FCVTL2 (widen). */
function fpNarrowWiden(mn: string, scalar: boolean): Handler {
  return (c, w) => {
    const sz = (w >>> 22) & 1;
    const q = scalar ? 0 : (w >>> 30) & 1;
    const rn = (w >>> 5) & 31;
    const d = w & 31;
    const s = fpBegin(c);
    if (mn === "FCVTL") {
      const from: FPSize = sz ? 32 : 16;
      const to: FPSize = sz ? 64 : 32;
      const esF = sz ? 2 : 1;
      const count = 8 >> esF;
      for (let i = 0; i < count; i++) {
        RL[i] = fpConvert(s, from, to, 0, eLo(c, rn, i + q * count, esF), fpcrRounding(c.fpcr));
        RH[i] = s.hi;
      }
      fpEnd(c);
      commit(c, d, esF + 1, count);
      return;
    }
    const odd = mn === "FCVTXN";
    if (odd && !sz) c.undefinedInstruction();
    const from: FPSize = sz ? 64 : 32;
    const to: FPSize = sz ? 32 : 16;
    const esF = sz ? 3 : 2;
    const count = scalar ? 1 : 8 >> (esF - 1);
    for (let i = 0; i < count; i++) {
      RL[i] = fpConvert(
        s,
        from,
        to,
        eHi(c, rn, i, esF),
        eLo(c, rn, i, esF),
        odd ? FPRounding.ODD : fpcrRounding(c.fpcr),
      );
      RH[i] = 0;
    }
    fpEnd(c);
    if (q) put(c, d, esF - 1, count, count);
    else commit(c, d, esF - 1, count);
  };
}

/** Across lanes: FMAXV FMINV FMAXNMV FMINNMV (pairwise tree, ARM ARM Reduce()). */
function fpAcross(mn: string, fp16: boolean): Handler {
  const op = BIN[mn.slice(0, -1)]!;
  return (c, w) => {
    const es = fp16 ? 1 : 2;
    const n = fpSize(es);
    const count = vecBytes(w) >> es;
    if (!fp16 && count !== 4) c.undefinedInstruction();
    const rn = (w >>> 5) & 31;
    const s = fpBegin(c);
    const tmp = TMP;
    for (let i = 0; i < count; i++) tmp[i] = eLo(c, rn, i, es);
    for (let len = count; len > 1; len >>= 1) {
      for (let i = 0; i < len / 2; i++) tmp[i] = op(s, n, 0, tmp[2 * i]!, 0, tmp[2 * i + 1]!);
    }
    fpEnd(c);
    RL[0] = tmp[0]!;
    commit(c, w & 31, es, 1);
  };
}
const TMP = new Uint32Array(16);

/** Scalar pairwise: FADDP/FMAXP/... Vd = op(Vn[0], Vn[1]). */
function fpPair(mn: string, fp16: boolean): Handler {
  const op = BIN[mn]!;
  return (c, w) => {
    const es = esOf(fp16, w);
    const rn = (w >>> 5) & 31;
    const s = fpBegin(c);
    RL[0] = op(s, fpSize(es), eHi(c, rn, 0, es), eLo(c, rn, 0, es), eHi(c, rn, 1, es), eLo(c, rn, 1, es));
    RH[0] = s.hi;
    fpEnd(c);
    commit(c, w & 31, es, 1);
  };
}

/** By element: FMLA FMLS FMUL FMULX (vector or scalar). size 00 = FP16, 10 = single, 11 = double. */
function fpElem(mn: string, scalar: boolean): Handler {
  const acc = mn === "FMLA" ? 1 : mn === "FMLS" ? -1 : 0;
  const op = mn === "FMULX" ? fpMulX : fpMul;
  return (c, w) => {
    const size = (w >>> 22) & 3;
    // size 01 is unallocated; a double's index is H alone, so L must be 0
    if (size === 1 || (size === 3 && (w >>> 21) & 1)) c.undefinedInstruction();
    const es = size === 0 ? 1 : size;
    const rm = elemRm(w, es);
    const idx = elemIdx(w, es);
    if (!scalar && es === 3 && !((w >>> 30) & 1)) c.undefinedInstruction();
    const n = fpSize(es);
    const count = scalar ? 1 : vecBytes(w) >> es;
    const rn = (w >>> 5) & 31;
    const d = w & 31;
    const bh = eHi(c, rm, idx, es);
    const bl = eLo(c, rm, idx, es);
    const s = fpBegin(c);
    for (let i = 0; i < count; i++) {
      let ah = eHi(c, rn, i, es);
      let al = eLo(c, rn, i, es);
      if (acc !== 0) {
        if (acc < 0) {
          ah = negHi(n, ah);
          al = negLo(n, al);
        }
        RL[i] = fpMulAdd(s, n, eHi(c, d, i, es), eLo(c, d, i, es), ah, al, bh, bl);
      } else RL[i] = op(s, n, ah, al, bh, bl);
      RH[i] = s.hi;
    }
    fpEnd(c);
    commit(c, d, es, count);
  };
}

/** FMLAL/FMLSL(2), vector or by element (FEAT_FHM). */
function fhm(mn: string, byElem: boolean): Handler {
  const sub = mn.startsWith("FMLSL");
  const upper = mn.endsWith("2");
  return (c, w) => {
    const q = (w >>> 30) & 1;
    const count = q ? 4 : 2;
    const rn = (w >>> 5) & 31;
    const d = w & 31;
    const rm = vmOf(w, 1, byElem);
    const idx = idxOf(w, 1, byElem);
    const off = upper ? count : 0;
    const s = fpBegin(c);
    for (let i = 0; i < count; i++) {
      let a = eLo(c, rn, i + off, 1);
      if (sub) a ^= 0x8000;
      const b = idx >= 0 ? eLo(c, rm, idx, 1) : eLo(c, rm, i + off, 1);
      RL[i] = fpMulAddH(s, c.v[4 * d + i]!, a, b);
    }
    fpEnd(c);
    commit(c, d, 2, count);
  };
}

/** FCMLA (vector / by element) and FCADD (FEAT_FCMA). */
function fcma(mn: string, byElem: boolean): Handler {
  return (c, w) => {
    const q = (w >>> 30) & 1;
    const rn = (w >>> 5) & 31;
    const d = w & 31;
    let es: number;
    const rm = (w >>> 16) & 31;
    let idx = -1;
    const size = (w >>> 22) & 3;
    if (byElem) {
      const H = (w >>> 11) & 1;
      const L = (w >>> 21) & 1;
      if (size === 1) {
        es = 1;
        idx = (H << 1) | L;
      } else if (size === 2) {
        es = 2;
        if (L || (!q && H)) c.undefinedInstruction();
        idx = H;
      } else return c.undefinedInstruction();
      if (es === 1 && !q && H) c.undefinedInstruction();
    } else {
      if (size === 0) c.undefinedInstruction();
      es = size;
      if (es === 3 && !q) c.undefinedInstruction();
    }
    const n = fpSize(es);
    const count = (q ? 16 : 8) >> es;
    const s = fpBegin(c);
    if (mn === "FCADD") {
      const rot = (w >>> 12) & 1; // 0: #90, 1: #270
      for (let p = 0; p < count; p += 2) {
        // #90: re = n.re - m.im, im = n.im + m.re ; #270: re = n.re + m.im, im = n.im - m.re
        let e1h = eHi(c, rm, p + 1, es);
        let e1l = eLo(c, rm, p + 1, es);
        let e3h = eHi(c, rm, p, es);
        let e3l = eLo(c, rm, p, es);
        if (rot === 0) {
          e1h = negHi(n, e1h);
          e1l = negLo(n, e1l);
        } else {
          e3h = negHi(n, e3h);
          e3l = negLo(n, e3l);
        }
        RL[p] = fpAdd(s, n, eHi(c, rn, p, es), eLo(c, rn, p, es), e1h, e1l);
        RH[p] = s.hi;
        RL[p + 1] = fpAdd(s, n, eHi(c, rn, p + 1, es), eLo(c, rn, p + 1, es), e3h, e3l);
        RH[p + 1] = s.hi;
      }
    } else {
      const rot = byElem ? (w >>> 13) & 3 : (w >>> 11) & 3;
      for (let p = 0; p < count; p += 2) {
        const mi = idx >= 0 ? 2 * idx : p;
        // ARM ARM FCMLA: rot 0/180 use n.re, rot 90/270 use n.im; m element / sign per rotation.
        const nsel = rot & 1 ? p + 1 : p;
        let e2h: number;
        let e2l: number;
        let e4h: number;
        let e4l: number;
        if (rot === 0) {
          e2h = eHi(c, rm, mi, es);
          e2l = eLo(c, rm, mi, es);
          e4h = eHi(c, rm, mi + 1, es);
          e4l = eLo(c, rm, mi + 1, es);
        } else if (rot === 1) {
          e2h = negHi(n, eHi(c, rm, mi + 1, es));
          e2l = negLo(n, eLo(c, rm, mi + 1, es));
          e4h = eHi(c, rm, mi, es);
          e4l = eLo(c, rm, mi, es);
        } else if (rot === 2) {
          e2h = negHi(n, eHi(c, rm, mi, es));
          e2l = negLo(n, eLo(c, rm, mi, es));
          e4h = negHi(n, eHi(c, rm, mi + 1, es));
          e4l = negLo(n, eLo(c, rm, mi + 1, es));
        } else {
          e2h = eHi(c, rm, mi + 1, es);
          e2l = eLo(c, rm, mi + 1, es);
          e4h = negHi(n, eHi(c, rm, mi, es));
          e4l = negLo(n, eLo(c, rm, mi, es));
        }
        const e1h = eHi(c, rn, nsel, es);
        const e1l = eLo(c, rn, nsel, es);
        RL[p] = fpMulAdd(s, n, eHi(c, d, p, es), eLo(c, d, p, es), e1h, e1l, e2h, e2l);
        RH[p] = s.hi;
        RL[p + 1] = fpMulAdd(s, n, eHi(c, d, p + 1, es), eLo(c, d, p + 1, es), e1h, e1l, e4h, e4l);
        RH[p + 1] = s.hi;
      }
    }
    fpEnd(c);
    commit(c, d, es, count);
  };
}

/** Fixed-point conversions by immediate: SCVTF/UCVTF/FCVTZS/FCVTZU (vector or scalar). */
function fpShiftConv(mn: string, scalar: boolean): Handler {
  const toFp = mn === "SCVTF" || mn === "UCVTF";
  const uns = mn === "UCVTF" || mn === "FCVTZU";
  return (c, w) => {
    const immh = (w >>> 19) & 15;
    const immhb = (w >>> 16) & 127;
    const es = immh & 8 ? 3 : immh & 4 ? 2 : immh & 2 ? 1 : (c.undefinedInstruction() as never);
    if (!scalar && es === 3 && !((w >>> 30) & 1)) c.undefinedInstruction();
    const n = fpSize(es);
    const fbits = 2 * n - immhb;
    const count = scalar ? 1 : vecBytes(w) >> es;
    const rn = (w >>> 5) & 31;
    const s = fpBegin(c);
    for (let i = 0; i < count; i++) {
      const hi = eHi(c, rn, i, es);
      const lo = eLo(c, rn, i, es);
      RL[i] = toFp ? fromInt(s, n, hi, lo, fbits, uns, c) : toInt(s, n, hi, lo, fbits, uns, FPRounding.ZERO);
      RH[i] = s.hi;
    }
    fpEnd(c);
    commit(c, w & 31, es, count);
  };
}

/** Handler for an FP AdvSIMD entry, or undefined if it is not one of these. */
export function fpVectorHandler(id: string, iclass: string, mn: string): Handler | undefined {
  const fp16 = id.includes("fp16") || id.endsWith("_H") || id.includes("_RH_H");
  switch (iclass) {
    case "asimdsame":
    case "asisdsame":
      if (mn.startsWith("FMLAL") || mn.startsWith("FMLSL")) return fhm(mn, false);
      if (mn in BIN || mn === "FMLA" || mn === "FMLS")
        return fp3(mn, id.includes("fp16"), iclass === "asisdsame");
      return undefined;
    case "asimdmisc":
    case "asisdmisc":
      if (mn === "FCVTN" || mn === "FCVTXN" || mn === "FCVTL")
        return fpNarrowWiden(mn, iclass === "asisdmisc");
      if (mn in UN || mn === "URECPE" || mn === "URSQRTE")
        return fpMisc(mn, id.includes("fp16"), iclass === "asisdmisc");
      return undefined;
    case "asimdall":
      if (mn.startsWith("FM")) return fpAcross(mn, id.endsWith("_H"));
      return undefined;
    case "asisdpair":
      if (mn.startsWith("F")) return fpPair(mn, id.endsWith("_H") || id.includes("fp16"));
      return undefined;
    case "asimdelem":
    case "asisdelem":
      if (mn.startsWith("FMLAL") || mn.startsWith("FMLSL")) return fhm(mn, true);
      if (mn === "FCMLA") return fcma(mn, true);
      if (mn === "FMLA" || mn === "FMLS" || mn === "FMUL" || mn === "FMULX")
        return fpElem(mn, iclass === "asisdelem");
      return undefined;
    case "asimdsame2":
      if (mn === "FCMLA" || mn === "FCADD") return fcma(mn, false);
      return undefined;
    case "asimdshf":
    case "asisdshf":
      if (mn === "SCVTF" || mn === "UCVTF" || mn === "FCVTZS" || mn === "FCVTZU")
        return fpShiftConv(mn, iclass === "asisdshf");
      return undefined;
  }
  void fp16;
  return undefined;
}
