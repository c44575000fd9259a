/*
 * AdvSIMD integer classes not covered by exec-simd.ts (ARM ARM C4.1.95.x): three-same (halving,
 * saturating, shifts by register, absolute difference, multiply(-accumulate), SQ(R)DMULH, RDM),
 * two-register misc (pairwise long adds, saturating abs/neg/narrow, SHLL, SUQADD/USQADD), three
 * different (long/wide/narrow forms, SQDMLAL..., PMULL), shifts by immediate (rounding, saturating,
 * inserting, narrowing) and by element (MLA..., SQDMULH..., DOT), vector and scalar. Elements are
 * handled as bigints (exact for 64-bit products); saturation sets FPSR.QC.
 */
import { pmull8, pmull64 } from "../../crypto/index.js";
import type { Cpu } from "../cpu.js";
import {
  commit,
  eBig,
  eLo,
  elemIdx,
  elemRm,
  type Handler,
  idxOf,
  put,
  RH,
  RL,
  sat,
  saturate,
  stageBig,
  vmOf,
} from "./common.js";

/** Element op: a, b operands (already signed/unsigned), d accumulator (same signedness), bits. */
type Op = (c: Cpu, a: bigint, b: bigint, d: bigint, bits: number) => bigint;

const abs = (v: bigint): bigint => (v < 0n ? -v : v);
function shiftBy(a: bigint, sh: bigint, round: boolean): bigint {
  if (sh >= 0n) return a << sh;
  const r = -sh;
  return round ? (a + (1n << (r - 1n))) >> r : a >> r;
}
/** Shift amount from the low byte of b (signed). */
const shAmt = (b: bigint): bigint => BigInt.asIntN(8, b);

interface OpDef {
  signed: boolean;
  op: Op;
}
const S = (op: Op): OpDef => ({ signed: true, op });
const U = (op: Op): OpDef => ({ signed: false, op });
const ones = (t: boolean): bigint => (t ? -1n : 0n);

function pmul8(a: bigint, b: bigint): bigint {
  let r = 0n;
  for (let i = 0n; i < 8n; i++) if ((b >> i) & 1n) r ^= a << i;
  return r & 0xffn;
}
const sqdmulh =
  (round: boolean): Op =>
  (c, a, b, _d, bits) => {
    const p = 2n * a * b + (round ? 1n << BigInt(bits - 1) : 0n);
    return sat(c, p >> BigInt(bits), bits, true);
  };
const sqrdmlah =
  (sub: boolean): Op =>
  (c, a, b, d, bits) => {
    const B = BigInt(bits);
    const acc = (d << B) + (sub ? -2n : 2n) * a * b + (1n << (B - 1n));
    return sat(c, acc >> B, bits, true);
  };

/** Three-same integer ops (also the scalar forms, and by-element with b = the indexed element). */
const SAME: Record<string, OpDef> = {
  SHADD: S((_c, a, b) => (a + b) >> 1n),
  UHADD: U((_c, a, b) => (a + b) >> 1n),
  SRHADD: S((_c, a, b) => (a + b + 1n) >> 1n),
  URHADD: U((_c, a, b) => (a + b + 1n) >> 1n),
  SHSUB: S((_c, a, b) => (a - b) >> 1n),
  UHSUB: U((_c, a, b) => (a - b) >> 1n),
  SQADD: S((c, a, b, _d, bits) => sat(c, a + b, bits, true)),
  UQADD: U((c, a, b, _d, bits) => sat(c, a + b, bits, false)),
  SQSUB: S((c, a, b, _d, bits) => sat(c, a - b, bits, true)),
  UQSUB: U((c, a, b, _d, bits) => sat(c, a - b, bits, false)),
  SSHL: S((_c, a, b) => shiftBy(a, shAmt(b), false)),
  USHL: U((_c, a, b) => shiftBy(a, shAmt(b), false)),
  SRSHL: S((_c, a, b) => shiftBy(a, shAmt(b), true)),
  URSHL: U((_c, a, b) => shiftBy(a, shAmt(b), true)),
  SQSHL: S((c, a, b, _d, bits) => sat(c, shiftBy(a, shAmt(b), false), bits, true)),
  UQSHL: U((c, a, b, _d, bits) => sat(c, shiftBy(a, shAmt(b), false), bits, false)),
  SQRSHL: S((c, a, b, _d, bits) => sat(c, shiftBy(a, shAmt(b), true), bits, true)),
  UQRSHL: U((c, a, b, _d, bits) => sat(c, shiftBy(a, shAmt(b), true), bits, false)),
  SABD: S((_c, a, b) => abs(a - b)),
  UABD: U((_c, a, b) => abs(a - b)),
  SABA: S((_c, a, b, d) => d + abs(a - b)),
  UABA: U((_c, a, b, d) => d + abs(a - b)),
  MLA: U((_c, a, b, d) => d + a * b),
  MLS: U((_c, a, b, d) => d - a * b),
  MUL: U((_c, a, b) => a * b),
  PMUL: U((_c, a, b) => pmul8(a, b)),
  SQDMULH: S(sqdmulh(false)),
  SQRDMULH: S(sqdmulh(true)),
  SQRDMLAH: S(sqrdmlah(false)),
  SQRDMLSH: S(sqrdmlah(true)),
  ADD: U((_c, a, b) => a + b),
  SUB: U((_c, a, b) => a - b),
  CMEQ: U((_c, a, b) => ones(a === b)),
  CMTST: U((_c, a, b) => ones((a & b) !== 0n)),
  CMGT: S((_c, a, b) => ones(a > b)),
  CMGE: S((_c, a, b) => ones(a >= b)),
  CMHI: U((_c, a, b) => ones(a > b)),
  CMHS: U((_c, a, b) => ones(a >= b)),
};

/** Number versions of the three-same ops (exact for 8/16-bit elements, and for 32-bit when `wide`). */
type OpN = (c: Cpu, a: number, b: number, d: number, bits: number) => number;
const absN = Math.abs;
function shiftByN(a: number, sh: number, round: boolean): number {
  if (sh >= 0) return a * 2 ** sh;
  const p = 2 ** -sh;
  return Math.floor((round ? a + p / 2 : a) / p);
}
const shAmtN = (b: number): number => (b << 24) >> 24;
/** [op, exact for 32-bit elements] */
const SAME_N: Record<string, [OpN, boolean]> = {
  SHADD: [(_c, a, b) => Math.floor((a + b) / 2), true],
  UHADD: [(_c, a, b) => Math.floor((a + b) / 2), true],
  SRHADD: [(_c, a, b) => Math.floor((a + b + 1) / 2), true],
  URHADD: [(_c, a, b) => Math.floor((a + b + 1) / 2), true],
  SHSUB: [(_c, a, b) => Math.floor((a - b) / 2), true],
  UHSUB: [(_c, a, b) => Math.floor((a - b) / 2), true],
  SQADD: [(c, a, b, _d, bits) => satN(c, a + b, bits, true), true],
  UQADD: [(c, a, b, _d, bits) => satN(c, a + b, bits, false), true],
  SQSUB: [(c, a, b, _d, bits) => satN(c, a - b, bits, true), true],
  UQSUB: [(c, a, b, _d, bits) => satN(c, a - b, bits, false), true],
  SSHL: [(_c, a, b) => shiftByN(a, shAmtN(b), false), true],
  USHL: [(_c, a, b) => shiftByN(a, shAmtN(b), false), true],
  SRSHL: [(_c, a, b) => shiftByN(a, shAmtN(b), true), true],
  URSHL: [(_c, a, b) => shiftByN(a, shAmtN(b), true), true],
  SQSHL: [(c, a, b, _d, bits) => satN(c, shiftByN(a, shAmtN(b), false), bits, true), true],
  UQSHL: [(c, a, b, _d, bits) => satN(c, shiftByN(a, shAmtN(b), false), bits, false), true],
  SQRSHL: [(c, a, b, _d, bits) => satN(c, shiftByN(a, shAmtN(b), true), bits, true), true],
  UQRSHL: [(c, a, b, _d, bits) => satN(c, shiftByN(a, shAmtN(b), true), bits, false), true],
  SABD: [(_c, a, b) => absN(a - b), true],
  UABD: [(_c, a, b) => absN(a - b), true],
  SABA: [(_c, a, b, d) => d + absN(a - b), true],
  UABA: [(_c, a, b, d) => d + absN(a - b), true],
  MLA: [(_c, a, b, d) => d + Math.imul(a, b), true],
  MLS: [(_c, a, b, d) => d - Math.imul(a, b), true],
  MUL: [(_c, a, b) => Math.imul(a, b), true],
  SQDMULH: [(c, a, b, _d, bits) => satN(c, Math.floor((2 * a * b) / 2 ** bits), bits, true), false],
  SQRDMULH: [
    (c, a, b, _d, bits) => satN(c, Math.floor((2 * a * b + 2 ** (bits - 1)) / 2 ** bits), bits, true),
    false,
  ],
  ADD: [(_c, a, b) => a + b, true],
  SUB: [(_c, a, b) => a - b, true],
  CMEQ: [(_c, a, b) => (a === b ? -1 : 0), true],
  CMTST: [(_c, a, b) => ((a & b) !== 0 ? -1 : 0), true],
  CMGT: [(_c, a, b) => (a > b ? -1 : 0), true],
  CMGE: [(_c, a, b) => (a >= b ? -1 : 0), true],
  CMHI: [(_c, a, b) => (a > b ? -1 : 0), true],
  CMHS: [(_c, a, b) => (a >= b ? -1 : 0), true],
};

function same(def: OpDef, scalar: boolean, mn: string): Handler {
  const num = SAME_N[mn];
  return (c, w) => {
    if (num !== undefined) {
      const es = (w >>> 22) & 3;
      if (es <= 1 || (es === 2 && num[1])) {
        const q = (w >>> 30) & 1;
        const count = scalar ? 1 : (q ? 16 : 8) >> es;
        const m = (w >>> 16) & 31;
        const n = (w >>> 5) & 31;
        const d = w & 31;
        const bits = 8 << es;
        const f = num[0];
        for (let i = 0; i < count; i++) {
          RL[i] =
            f(
              c,
              eNum(c, n, i, es, def.signed),
              eNum(c, m, i, es, def.signed),
              eNum(c, d, i, es, def.signed),
              bits,
            ) >>> 0;
        }
        commit(c, d, es, count);
        return;
      }
    }
    const es = (w >>> 22) & 3;
    const q = (w >>> 30) & 1;
    if (!scalar && es === 3 && !q) c.undefinedInstruction();
    const count = scalar ? 1 : (q ? 16 : 8) >> es;
    const m = (w >>> 16) & 31;
    const n = (w >>> 5) & 31;
    const d = w & 31;
    const bits = 8 << es;
    for (let i = 0; i < count; i++) {
      const r = def.op(
        c,
        eBig(c, n, i, es, def.signed),
        eBig(c, m, i, es, def.signed),
        eBig(c, d, i, es, def.signed),
        bits,
      );
      stageBig(i, r);
    }
    commit(c, d, es, count);
  };
}

/** The integer by-element forms take 16- and 32-bit elements; other sizes are UNDEFINED. */
function elemSize(c: Cpu, es: number): void {
  if (es !== 1 && es !== 2) c.undefinedInstruction();
}

function elemSame(def: OpDef, scalar: boolean): Handler {
  return (c, w) => {
    const es = (w >>> 22) & 3;
    const q = (w >>> 30) & 1;
    elemSize(c, es);
    const rm = elemRm(w, es);
    const idx = elemIdx(w, es);
    const count = scalar ? 1 : (q ? 16 : 8) >> es;
    const n = (w >>> 5) & 31;
    const d = w & 31;
    const bits = 8 << es;
    const b = eBig(c, rm, idx, es, def.signed);
    for (let i = 0; i < count; i++) {
      stageBig(i, def.op(c, eBig(c, n, i, es, def.signed), b, eBig(c, d, i, es, def.signed), bits));
    }
    commit(c, d, es, count);
  };
}

/** Long ops: result element is 2*esize; "2" forms (Q=1) read the upper halves. */
type LongOp = (c: Cpu, a: bigint, b: bigint, d: bigint, bits: number) => bigint;
const LONG: Record<string, [boolean, LongOp]> = {
  SADDL: [true, (_c, a, b) => a + b],
  UADDL: [false, (_c, a, b) => a + b],
  SSUBL: [true, (_c, a, b) => a - b],
  USUBL: [false, (_c, a, b) => a - b],
  SABAL: [true, (_c, a, b, d) => d + abs(a - b)],
  UABAL: [false, (_c, a, b, d) => d + abs(a - b)],
  SABDL: [true, (_c, a, b) => abs(a - b)],
  UABDL: [false, (_c, a, b) => abs(a - b)],
  SMLAL: [true, (_c, a, b, d) => d + a * b],
  UMLAL: [false, (_c, a, b, d) => d + a * b],
  SMLSL: [true, (_c, a, b, d) => d - a * b],
  UMLSL: [false, (_c, a, b, d) => d - a * b],
  SMULL: [true, (_c, a, b) => a * b],
  UMULL: [false, (_c, a, b) => a * b],
  SQDMULL: [true, (c, a, b, _d, bits) => sat(c, 2n * a * b, bits, true)],
  SQDMLAL: [true, (c, a, b, d, bits) => sat(c, d + sat(c, 2n * a * b, bits, true), bits, true)],
  SQDMLSL: [true, (c, a, b, d, bits) => sat(c, d - sat(c, 2n * a * b, bits, true), bits, true)],
};

const LONG_N: Record<string, OpN> = {
  SADDL: (_c, a, b) => a + b,
  UADDL: (_c, a, b) => a + b,
  SSUBL: (_c, a, b) => a - b,
  USUBL: (_c, a, b) => a - b,
  SABAL: (_c, a, b, d) => d + absN(a - b),
  UABAL: (_c, a, b, d) => d + absN(a - b),
  SABDL: (_c, a, b) => absN(a - b),
  UABDL: (_c, a, b) => absN(a - b),
  SMLAL: (_c, a, b, d) => d + a * b,
  UMLAL: (_c, a, b, d) => d + a * b,
  SMLSL: (_c, a, b, d) => d - a * b,
  UMLSL: (_c, a, b, d) => d - a * b,
  SMULL: (_c, a, b) => a * b,
  UMULL: (_c, a, b) => a * b,
  SQDMULL: (c, a, b, _d, bits) => satN(c, 2 * a * b, bits, true),
  SQDMLAL: (c, a, b, d, bits) => satN(c, d + satN(c, 2 * a * b, bits, true), bits, true),
  SQDMLSL: (c, a, b, d, bits) => satN(c, d - satN(c, 2 * a * b, bits, true), bits, true),
};

/** 32x32 -> 64 multiply(-accumulate) forms without BigInt: 0 multiply, 1 accumulate, -1 subtract. */
const MAC32: Record<string, number> = { SMULL: 0, UMULL: 0, SMLAL: 1, UMLAL: 1, SMLSL: -1, UMLSL: -1 };
let ML = 0;
let MH = 0;
/** ML:MH = a * b exactly (a, b integers with |a|, |b| < 2^32), as a 64-bit two's complement value. */
function mul32(a: number, b: number): void {
  const neg = a < 0 !== b < 0 && a !== 0 && b !== 0;
  const x = Math.abs(a);
  const y = Math.abs(b);
  const xl = x % 65536;
  const xh = Math.floor(x / 65536);
  const yl = y % 65536;
  const yh = Math.floor(y / 65536);
  const mid = xh * yl + xl * yh; // < 2^49
  let lo = xl * yl + (mid % 65536) * 65536; // < 2^49
  const carry = Math.floor(lo / 4294967296);
  lo -= carry * 4294967296;
  ML = lo >>> 0;
  MH = (xh * yh + Math.floor(mid / 65536) + carry) >>> 0;
  if (neg) neg64();
}
function neg64(): void {
  ML = (~ML + 1) >>> 0;
  MH = (~MH + (ML === 0 ? 1 : 0)) >>> 0;
}

function long(mn: string, mode: "diff" | "elem", scalar: boolean): Handler {
  const [signed, op] = LONG[mn]!;
  return (c, w) => {
    const es = (w >>> 22) & 3;
    if (es === 3) c.undefinedInstruction();
    const q = scalar ? 0 : (w >>> 30) & 1;
    const count = scalar ? 1 : 8 >> es;
    const n = (w >>> 5) & 31;
    const d = w & 31;
    if (mode === "elem") elemSize(c, es);
    const rm = vmOf(w, es, mode === "elem");
    const idx = idxOf(w, es, mode === "elem");
    const bits = 16 << es;
    const off = q * count;
    if (es <= 1) {
      // 8/16-bit sources: every intermediate is an exact double
      const f = LONG_N[mn]!;
      for (let i = 0; i < count; i++) {
        const a = eNum(c, n, i + off, es, signed);
        const b = idx >= 0 ? eNum(c, rm, idx, es, signed) : eNum(c, rm, i + off, es, signed);
        RL[i] = f(c, a, b, eNum(c, d, i, es + 1, signed), bits) >>> 0;
      }
      commit(c, d, es + 1, count);
      return;
    }
    const mac = MAC32[mn];
    if (mac !== undefined) {
      for (let i = 0; i < count; i++) {
        const a = eNum(c, n, i + off, 2, signed);
        const b = idx >= 0 ? eNum(c, rm, idx, 2, signed) : eNum(c, rm, i + off, 2, signed);
        mul32(a, b);
        if (mac !== 0) {
          const dl = c.v[4 * d + 2 * i]!;
          const dh = c.v[4 * d + 2 * i + 1]!;
          if (mac < 0) neg64();
          const l = dl + ML;
          ML = l >>> 0;
          MH = (dh + MH + (l > 0xffffffff ? 1 : 0)) >>> 0;
        }
        RL[i] = ML;
        RH[i] = MH;
      }
      commit(c, d, 3, count);
      return;
    }
    for (let i = 0; i < count; i++) {
      const a = eBig(c, n, i + off, es, signed);
      const b = idx >= 0 ? eBig(c, rm, idx, es, signed) : eBig(c, rm, i + off, es, signed);
      stageBig(i, op(c, a, b, eBig(c, d, i, es + 1, signed), bits));
    }
    commit(c, d, es + 1, count);
  };
}

/** SADDW/UADDW/SSUBW/USUBW: wide op narrow. */
function wide(mn: string): Handler {
  const signed = mn[0] === "S";
  const sub = mn.includes("SUB");
  return (c, w) => {
    const es = (w >>> 22) & 3;
    if (es === 3) c.undefinedInstruction();
    const q = (w >>> 30) & 1;
    const count = 8 >> es;
    const m = (w >>> 16) & 31;
    const n = (w >>> 5) & 31;
    for (let i = 0; i < count; i++) {
      const a = eBig(c, n, i, es + 1, signed);
      const b = eBig(c, m, i + q * count, es, signed);
      stageBig(i, sub ? a - b : a + b);
    }
    commit(c, w & 31, es + 1, count);
  };
}

/** ADDHN/SUBHN/RADDHN/RSUBHN (high narrow). */
function highNarrow(mn: string): Handler {
  const sub = mn.includes("SUB");
  const round = mn[0] === "R";
  return (c, w) => {
    const es = (w >>> 22) & 3;
    if (es === 3) c.undefinedInstruction();
    const q = (w >>> 30) & 1;
    const count = 8 >> es;
    const m = (w >>> 16) & 31;
    const n = (w >>> 5) & 31;
    const bits = BigInt(8 << es);
    for (let i = 0; i < count; i++) {
      const a = eBig(c, n, i, es + 1, false);
      const b = eBig(c, m, i, es + 1, false);
      const r = (sub ? a - b : a + b) + (round ? 1n << (bits - 1n) : 0n);
      stageBig(i, r >> bits);
    }
    narrowWrite(c, w & 31, es, count, q);
  };
}
function narrowWrite(c: Cpu, d: number, es: number, count: number, q: number): void {
  if (q) put(c, d, es, count, count);
  else commit(c, d, es, count);
}

/** PMULL/PMULL2 (8-bit → 16-bit, and 64-bit → 128-bit with FEAT_PMULL). */
const pmull: Handler = (c, w) => {
  const size = (w >>> 22) & 3;
  const q = ((w >>> 30) & 1) === 1;
  const m = (w >>> 16) & 31;
  const n = (w >>> 5) & 31;
  const d = w & 31;
  if (size === 0) pmull8(c.v, 4 * d, 4 * n, 4 * m, q);
  else if (size === 3) pmull64(c.v, 4 * d, 4 * n, 4 * m, q);
  else c.undefinedInstruction();
};

/** Two-register misc integer ops. */
function misc(mn: string, scalar: boolean): Handler {
  return (c, w) => {
    const es = (w >>> 22) & 3;
    const q = scalar ? 1 : (w >>> 30) & 1;
    const n = (w >>> 5) & 31;
    const d = w & 31;
    const bits = 8 << es;
    switch (mn) {
      case "SADDLP":
      case "UADDLP":
      case "SADALP":
      case "UADALP": {
        if (es === 3) c.undefinedInstruction();
        const signed = mn[0] === "S";
        const accum = mn.includes("AL");
        const count = (q ? 8 : 4) >> es;
        for (let i = 0; i < count; i++) {
          let r = eBig(c, n, 2 * i, es, signed) + eBig(c, n, 2 * i + 1, es, signed);
          if (accum) r += eBig(c, d, i, es + 1, signed);
          stageBig(i, r);
        }
        commit(c, d, es + 1, count);
        return;
      }
      case "SQXTN":
      case "UQXTN":
      case "SQXTUN": {
        if (es === 3) c.undefinedInstruction();
        const count = scalar ? 1 : 8 >> es;
        const srcSigned = mn !== "UQXTN";
        const dstSigned = mn === "SQXTN";
        for (let i = 0; i < count; i++)
          stageBig(i, sat(c, eBig(c, n, i, es + 1, srcSigned), bits, dstSigned));
        if (scalar) commit(c, d, es, 1);
        else narrowWrite(c, d, es, count, (w >>> 30) & 1);
        return;
      }
      case "SHLL": {
        if (es === 3) c.undefinedInstruction();
        const count = 8 >> es;
        const off = ((w >>> 30) & 1) * count;
        for (let i = 0; i < count; i++) stageBig(i, eBig(c, n, i + off, es, false) << BigInt(bits));
        commit(c, d, es + 1, count);
        return;
      }
    }
    if (!scalar && es === 3 && !q) c.undefinedInstruction();
    const count = scalar ? 1 : (q ? 16 : 8) >> es;
    for (let i = 0; i < count; i++) {
      let r: bigint;
      switch (mn) {
        case "SQABS":
          r = sat(c, abs(eBig(c, n, i, es, true)), bits, true);
          break;
        case "SQNEG":
          r = sat(c, -eBig(c, n, i, es, true), bits, true);
          break;
        case "SUQADD":
          r = sat(c, eBig(c, n, i, es, false) + eBig(c, d, i, es, true), bits, true);
          break;
        case "USQADD":
          r = sat(c, eBig(c, n, i, es, true) + eBig(c, d, i, es, false), bits, false);
          break;
        case "ABS":
          r = abs(eBig(c, n, i, es, true));
          break;
        case "NEG":
          r = -eBig(c, n, i, es, true);
          break;
        case "CMGT":
          r = ones(eBig(c, n, i, es, true) > 0n);
          break;
        case "CMGE":
          r = ones(eBig(c, n, i, es, true) >= 0n);
          break;
        case "CMEQ":
          r = ones(eBig(c, n, i, es, true) === 0n);
          break;
        case "CMLE":
          r = ones(eBig(c, n, i, es, true) <= 0n);
          break;
        case "CMLT":
          r = ones(eBig(c, n, i, es, true) < 0n);
          break;
        default:
          return c.undefinedInstruction();
      }
      stageBig(i, r);
    }
    commit(c, d, es, count);
  };
}

/** Shift by immediate (vector and scalar). */
function shiftImm(mn: string, scalar: boolean): Handler {
  const narrow = mn.endsWith("N");
  return (c, w) => {
    const immh = (w >>> 19) & 15;
    if (immh === 0) c.undefinedInstruction();
    const immhb = (w >>> 16) & 127;
    const q = (w >>> 30) & 1;
    const n = (w >>> 5) & 31;
    const d = w & 31;
    const es = 31 - Math.clz32(immh); // 0..3 (source es for wide/normal; dest es for narrow)
    if (narrow) {
      if (es === 3) c.undefinedInstruction();
      const bits = 8 << es;
      const sh = BigInt(2 * bits - immhb);
      const count = scalar ? 1 : 8 >> es;
      const round = mn.includes("RSHR");
      const srcSigned = mn.startsWith("SQ") || mn === "SHRN" || mn === "RSHRN";
      const dstSigned = mn.startsWith("SQ") && !mn.includes("UN");
      const saturating = mn.includes("Q");
      for (let i = 0; i < count; i++) {
        const a = eBig(c, n, i, es + 1, srcSigned);
        const r = round ? (a + (1n << (sh - 1n))) >> sh : a >> sh;
        stageBig(i, saturating ? sat(c, r, bits, dstSigned) : r);
      }
      if (scalar) commit(c, d, es, 1);
      else narrowWrite(c, d, es, count, q);
      return;
    }
    if (!scalar && es === 3 && !q) c.undefinedInstruction();
    if (scalar && es !== 3 && !mn.includes("Q")) c.undefinedInstruction();
    const bits = 8 << es;
    if (es <= 2) {
      shiftImmNum(c, mn, es, immhb, scalar ? 1 : (q ? 16 : 8) >> es, n, d);
      return;
    }
    const right = BigInt(2 * bits - immhb);
    const left = BigInt(immhb - bits);
    const count = scalar ? 1 : (q ? 16 : 8) >> es;
    const signed = mn[0] === "S" && mn !== "SLI" && mn !== "SRI" && mn !== "SHL";
    const B = BigInt(bits);
    const mask = (1n << B) - 1n;
    for (let i = 0; i < count; i++) {
      const a = eBig(c, n, i, es, signed);
      let r: bigint;
      switch (mn) {
        case "SSHR":
        case "USHR":
          r = a >> right;
          break;
        case "SRSHR":
        case "URSHR":
          r = (a + (1n << (right - 1n))) >> right;
          break;
        case "SSRA":
        case "USRA":
          r = eBig(c, d, i, es, signed) + (a >> right);
          break;
        case "SRSRA":
        case "URSRA":
          r = eBig(c, d, i, es, signed) + ((a + (1n << (right - 1n))) >> right);
          break;
        case "SHL":
          r = a << left;
          break;
        case "SQSHL":
          r = sat(c, a << left, bits, true);
          break;
        case "UQSHL":
          r = sat(c, a << left, bits, false);
          break;
        case "SQSHLU":
          r = sat(c, eBig(c, n, i, es, true) << left, bits, false);
          break;
        case "SLI": {
          const m = (mask << left) & mask;
          r = (eBig(c, d, i, es, false) & ~m) | ((a << left) & m);
          break;
        }
        case "SRI": {
          const m = right >= B ? 0n : mask >> right;
          r = (eBig(c, d, i, es, false) & ~m) | ((a >> right) & m);
          break;
        }
        default:
          return c.undefinedInstruction();
      }
      stageBig(i, r);
    }
    commit(c, d, es, count);
  };
}

/** Element as a number (es <= 2), sign-extended when `signed`. */
function eNum(c: Cpu, r: number, i: number, es: number, signed: boolean): number {
  const v = eLo(c, r, i, es);
  if (!signed) return v >>> 0;
  const sh = 32 - (8 << es);
  return sh === 0 ? v | 0 : (v << sh) >> sh;
}

/** Saturate a number (exact integer) to `bits`; sets QC. */
function satN(c: Cpu, v: number, bits: number, signed: boolean): number {
  const max = signed ? 2 ** (bits - 1) - 1 : 2 ** bits - 1;
  const min = signed ? -(2 ** (bits - 1)) : 0;
  return saturate(c, v, min, max);
}

/** Shift by immediate for 8/16/32-bit elements with exact double arithmetic (no BigInt). */
function shiftImmNum(
  c: Cpu,
  mn: string,
  es: number,
  immhb: number,
  count: number,
  n: number,
  d: number,
): void {
  const bits = 8 << es;
  const right = 2 * bits - immhb;
  const left = immhb - bits;
  const signed = mn[0] === "S" && mn !== "SLI" && mn !== "SRI" && mn !== "SHL";
  const pr = 2 ** right;
  const half = right > 0 ? 2 ** (right - 1) : 0;
  const pl = 2 ** left;
  const mask = bits === 32 ? 0xffffffff : (1 << bits) - 1;
  for (let i = 0; i < count; i++) {
    const a = eNum(c, n, i, es, signed);
    let r: number;
    switch (mn) {
      case "SSHR":
      case "USHR":
        r = Math.floor(a / pr);
        break;
      case "SRSHR":
      case "URSHR":
        r = Math.floor((a + half) / pr);
        break;
      case "SSRA":
      case "USRA":
        r = eNum(c, d, i, es, signed) + Math.floor(a / pr);
        break;
      case "SRSRA":
      case "URSRA":
        r = eNum(c, d, i, es, signed) + Math.floor((a + half) / pr);
        break;
      case "SHL":
        r = a * pl;
        break;
      case "SQSHL":
        r = satN(c, a * pl, bits, true);
        break;
      case "UQSHL":
        r = satN(c, a * pl, bits, false);
        break;
      case "SQSHLU":
        r = satN(c, eNum(c, n, i, es, true) * pl, bits, false);
        break;
      case "SLI": {
        const m = (mask << left) & mask;
        r = (eLo(c, d, i, es) & ~m) | ((a << left) & m);
        break;
      }
      case "SRI": {
        const m = right >= bits ? 0 : mask >>> right;
        r = (eLo(c, d, i, es) & ~m) | (right >= bits ? 0 : (a >>> right) & m);
        break;
      }
      default:
        r = c.undefinedInstruction();
    }
    RL[i] = r >>> 0;
  }
  commit(c, d, es, count);
}

/** SDOT/UDOT (vector or by element). */
function dot(mn: string, byElem: boolean): Handler {
  const signed = mn[0] === "S";
  return (c, w) => {
    const q = (w >>> 30) & 1;
    const count = q ? 4 : 2;
    const n = (w >>> 5) & 31;
    const d = w & 31;
    const m = vmOf(w, 2, byElem);
    const idx = idxOf(w, 2, byElem);
    for (let i = 0; i < count; i++) {
      let r = eBig(c, d, i, 2, false);
      const j = idx >= 0 ? idx : i;
      for (let k = 0; k < 4; k++) r += eBig(c, n, 4 * i + k, 0, signed) * eBig(c, m, 4 * j + k, 0, signed);
      stageBig(i, r);
    }
    commit(c, d, 2, count);
  };
}

/** Handler for an integer AdvSIMD entry not executed by exec-simd.ts. */
export function intVectorHandler(id: string, iclass: string, mn: string): Handler | undefined {
  const base = mn.endsWith("2") && mn !== "SHA2" ? mn.slice(0, -1) : mn;
  switch (iclass) {
    case "asimdsame":
    case "asisdsame":
    case "asimdsame2":
    case "asisdsame2":
      if (mn === "SDOT" || mn === "UDOT") return dot(mn, false);
      if (SAME[mn]) return same(SAME[mn]!, iclass.startsWith("asisd"), mn);
      return undefined;
    case "asimdelem":
    case "asisdelem":
      if (mn === "SDOT" || mn === "UDOT") return dot(mn, true);
      if (LONG[base]) return long(base, "elem", iclass === "asisdelem");
      if (SAME[mn]) return elemSame(SAME[mn]!, iclass === "asisdelem");
      return undefined;
    case "asimddiff":
    case "asisddiff":
      if (base === "PMULL") return pmull;
      if (LONG[base]) return long(base, "diff", iclass === "asisddiff");
      if (base.endsWith("W")) return wide(base);
      if (base.endsWith("HN")) return highNarrow(base);
      return undefined;
    case "asimdmisc":
    case "asisdmisc":
      if (mn.startsWith("F") || mn === "SCVTF" || mn === "UCVTF" || mn.startsWith("UR")) return undefined;
      return misc(base, iclass === "asisdmisc");
    case "asimdshf":
    case "asisdshf":
      if (mn.includes("CVT")) return undefined;
      return shiftImm(base, iclass === "asisdshf");
  }
  void id;
  return undefined;
}
