/*
 * The integer SIMD moves, compares, permutes and structure loads/stores that static glibc uses
 * (memset/memcpy/strlen/printf): ARM ARM C4.1.95 "Data Processing -- Scalar Floating-Point and
 * Advanced SIMD" (integer forms only) and C4.1.66 (LD1/ST1... multiple structures). FP/SIMD arithmetic is in simd/
 * (with src/fp); these handlers only move and compare bits. Registers: see the layout in cpu.ts.
 */
import type { Cpu } from "./cpu.js";

type Handler = (c: Cpu, w: number) => void;

// Element access on V registers (little-endian bytes; 64-bit elements as bigint, rare path).
function getE(c: Cpu, r: number, i: number, size: number): number {
  const o = 16 * r + (i << size);
  const dv = c.vdv;
  if (size === 0) return dv.getUint8(o);
  if (size === 1) return dv.getUint16(o, true);
  return dv.getUint32(o, true);
}
function setE(c: Cpu, r: number, i: number, size: number, v: number): void {
  const o = 16 * r + (i << size);
  const dv = c.vdv;
  if (size === 0) dv.setUint8(o, v);
  else if (size === 1) dv.setUint16(o, v, true);
  else dv.setUint32(o, v >>> 0, true);
}
function getD(c: Cpu, r: number, i: number): bigint {
  return c.vdv.getBigUint64(16 * r + 8 * i, true);
}
function setD(c: Cpu, r: number, i: number, v: bigint): void {
  c.vdv.setBigUint64(16 * r + 8 * i, BigInt.asUintN(64, v), true);
}
function clearHigh(c: Cpu, r: number): void {
  c.v[4 * r + 2] = 0;
  c.v[4 * r + 3] = 0;
}
function signExt(v: number, size: number): number {
  const sh = 32 - (8 << size);
  return sh === 0 ? v | 0 : (v << sh) >> sh;
}
const scratch = new Uint8Array(64);
const scratch2 = new Uint8Array(16);

function setX(c: Cpu, d: number, lo: number, hi: number): void {
  if (d !== 31) {
    c.x[2 * d] = lo;
    c.x[2 * d + 1] = hi;
  }
}

/** Per-element integer op for sizes 0..2 (number) and 3 (bigint). */
function elementwise3(
  c: Cpu,
  w: number,
  f32: (a: number, b: number, size: number) => number,
  f64: (a: bigint, b: bigint) => bigint,
): boolean {
  const Q = (w >>> 30) & 1;
  const size = (w >>> 22) & 3;
  const m = (w >>> 16) & 31;
  const n = (w >>> 5) & 31;
  const d = w & 31;
  if (size === 3) {
    const r0 = f64(getD(c, n, 0), getD(c, m, 0));
    const r1 = Q ? f64(getD(c, n, 1), getD(c, m, 1)) : 0n;
    setD(c, d, 0, r0);
    setD(c, d, 1, r1);
    return true;
  }
  const cnt = (Q ? 16 : 8) >> size;
  const out = scratch;
  for (let i = 0; i < cnt; i++) {
    const r = f32(getE(c, n, i, size), getE(c, m, i, size), size);
    new DataView(out.buffer).setUint32(4 * i, r >>> 0, true);
  }
  for (let i = 0; i < cnt; i++) setE(c, d, i, size, new DataView(out.buffer).getUint32(4 * i, true));
  if (!Q) clearHigh(c, d);
  return true;
}

const mask = (size: number): number => (size === 2 ? 0xffffffff : (1 << (8 << size)) - 1);
const ones = (b: boolean, size: number): number => (b ? mask(size) : 0);
const s64 = (v: bigint): bigint => BigInt.asIntN(64, v);
function bigMax(a: bigint, b: bigint): bigint {
  if (a > b) return a;
  return b;
}
function bigMin(a: bigint, b: bigint): bigint {
  if (a < b) return a;
  return b;
}

/** Advanced SIMD three same (integer forms). */
export function asimdsame(c: Cpu, w: number): void {
  asimdsameOp(c, w);
}

function asimdsameOp(c: Cpu, w: number): boolean {
  const U = (w >>> 29) & 1;
  const opcode = (w >>> 11) & 31;
  const size = (w >>> 22) & 3;
  const M64 = 0xffffffffffffffffn;
  switch (opcode) {
    case 0b10000:
      return U
        ? elementwise3(
            c,
            w,
            (a, b, s) => (a - b) & mask(s),
            (a, b) => a - b,
          )
        : elementwise3(
            c,
            w,
            (a, b, s) => (a + b) & mask(s),
            (a, b) => a + b,
          );
    case 0b10001:
      return U
        ? elementwise3(
            c,
            w,
            (a, b, s) => ones(a === b, s),
            (a, b) => (a === b ? M64 : 0n),
          )
        : elementwise3(
            c,
            w,
            (a, b, s) => ones((a & b) !== 0, s),
            (a, b) => ((a & b) !== 0n ? M64 : 0n),
          );
    case 0b00110:
      return U
        ? elementwise3(
            c,
            w,
            (a, b, s) => ones(a > b, s),
            (a, b) => (a > b ? M64 : 0n),
          )
        : elementwise3(
            c,
            w,
            (a, b, s) => ones(signExt(a, s) > signExt(b, s), s),
            (a, b) => (s64(a) > s64(b) ? M64 : 0n),
          );
    case 0b00111:
      return U
        ? elementwise3(
            c,
            w,
            (a, b, s) => ones(a >= b, s),
            (a, b) => (a >= b ? M64 : 0n),
          )
        : elementwise3(
            c,
            w,
            (a, b, s) => ones(signExt(a, s) >= signExt(b, s), s),
            (a, b) => (s64(a) >= s64(b) ? M64 : 0n),
          );
    case 0b01100:
      return U
        ? elementwise3(c, w, (a, b) => Math.max(a, b), bigMax)
        : elementwise3(
            c,
            w,
            (a, b, s) => (signExt(a, s) > signExt(b, s) ? a : b),
            (a, b) => (s64(a) > s64(b) ? a : b),
          );
    case 0b01101:
      return U
        ? elementwise3(c, w, (a, b) => Math.min(a, b), bigMin)
        : elementwise3(
            c,
            w,
            (a, b, s) => (signExt(a, s) < signExt(b, s) ? a : b),
            (a, b) => (s64(a) < s64(b) ? a : b),
          );
    case 0b10100:
    case 0b10101:
    case 0b10111:
      return pairwise(c, w, opcode, U);
    case 0b00011: {
      const Q = (w >>> 30) & 1;
      const m = (w >>> 16) & 31;
      const n = (w >>> 5) & 31;
      const d = w & 31;
      const v = c.v;
      for (let i = 0; i < (Q ? 4 : 2); i++) {
        const a = v[4 * n + i]!;
        const b = v[4 * m + i]!;
        const dd = v[4 * d + i]!;
        let r: number;
        if (!U) r = size === 0 ? a & b : size === 1 ? a & ~b : size === 2 ? a | b : a | ~b;
        else if (size === 0) r = a ^ b;
        else if (size === 1)
          r = (dd & a) | (~dd & b); // BSL
        else if (size === 2)
          r = (dd & ~b) | (a & b); // BIT
        else r = (dd & b) | (a & ~b); // BIF
        v[4 * d + i] = r >>> 0;
      }
      if (!Q) clearHigh(c, d);
      return true;
    }
    default:
      return c.undefinedInstruction();
  }
}

function pairwise(c: Cpu, w: number, opcode: number, U: number): boolean {
  const Q = (w >>> 30) & 1;
  const size = (w >>> 22) & 3;
  const m = (w >>> 16) & 31;
  const n = (w >>> 5) & 31;
  const d = w & 31;
  if (size === 3) {
    // ADDP .2D only
    const a = getD(c, n, 0) + getD(c, n, 1);
    const b = getD(c, m, 0) + getD(c, m, 1);
    setD(c, d, 0, a);
    setD(c, d, 1, b);
    return true;
  }
  const cnt = (Q ? 16 : 8) >> size;
  const half = cnt >> 1;
  const res: number[] = [];
  for (let i = 0; i < cnt; i++) {
    const src = i < half ? n : m;
    const j = (i % half) * 2;
    let a = getE(c, src, j, size);
    let b = getE(c, src, j + 1, size);
    if (!U && opcode !== 0b10111) {
      a = signExt(a, size);
      b = signExt(b, size);
    }
    let r: number;
    if (opcode === 0b10111) r = (a + b) & mask(size);
    else if (opcode === 0b10100) r = Math.max(a, b);
    else r = Math.min(a, b);
    res.push(r & mask(size));
  }
  for (let i = 0; i < cnt; i++) setE(c, d, i, size, res[i]!);
  if (!Q) clearHigh(c, d);
  return true;
}

/** AdvSIMDExpandImm (ARM ARM J1 shared/functions/vector/AdvSIMDExpandImm) as [lo, hi]. */
function expandImm(op: number, cmode: number, imm8: number): [number, number] {
  let v: number;
  switch (cmode >>> 1) {
    case 0:
      v = imm8;
      return [v, v];
    case 1:
      v = imm8 << 8;
      return [v, v];
    case 2:
      v = imm8 << 16;
      return [v, v];
    case 3:
      v = imm8 << 24;
      return [v, v];
    case 4:
      v = imm8 | (imm8 << 16);
      return [v, v];
    case 5:
      v = (imm8 << 8) | (imm8 << 24);
      return [v, v];
    case 6:
      v = cmode & 1 ? (imm8 << 16) | 0xffff : (imm8 << 8) | 0xff;
      return [v, v];
    default:
      if ((cmode & 1) === 0 && op === 0) {
        v = imm8 | (imm8 << 8) | (imm8 << 16) | (imm8 << 24);
        return [v, v];
      }
      if ((cmode & 1) === 0 && op === 1) {
        let lo = 0;
        let hi = 0;
        for (let i = 0; i < 4; i++) if ((imm8 >>> i) & 1) lo |= 0xff << (8 * i);
        for (let i = 0; i < 4; i++) if ((imm8 >>> (i + 4)) & 1) hi |= 0xff << (8 * i);
        return [lo, hi];
      }
      if (op === 0) {
        // FMOV (vector, single): a:NOT(b):bbbbb:cdefgh:Zeros(19)
        const a = imm8 >>> 7;
        const b = (imm8 >>> 6) & 1;
        const f = (a << 31) | ((b ^ 1) << 30) | (b ? 0x3e000000 : 0) | ((imm8 & 0x3f) << 19);
        return [f, f];
      }
      {
        // FMOV (vector, double): a:NOT(b):bbbbbbbb:cdefgh:Zeros(48)
        const a = imm8 >>> 7;
        const b = (imm8 >>> 6) & 1;
        return [0, (a << 31) | ((b ^ 1) << 30) | (b ? 0x3fc00000 : 0) | ((imm8 & 0x3f) << 16)];
      }
  }
}

/** MOVI/MVNI/ORR/BIC (vector, immediate), FMOV (vector, immediate). */
export function asimdimm(c: Cpu, w: number): void {
  const Q = (w >>> 30) & 1;
  const op = (w >>> 29) & 1;
  const cmode = (w >>> 12) & 15;
  const imm8 = (((w >>> 16) & 7) << 5) | ((w >>> 5) & 31);
  const d = w & 31;
  let [lo, hi] = expandImm(op, cmode, imm8);
  const v = c.v;
  const isOrrBic = (cmode & 1) === 1 && cmode < 12;
  if (isOrrBic) {
    for (let i = 0; i < (Q ? 4 : 2); i++) {
      const imm = i & 1 ? hi : lo;
      v[4 * d + i] = (op ? v[4 * d + i]! & ~imm : v[4 * d + i]! | imm) >>> 0;
    }
  } else {
    if (op === 1 && cmode !== 14 && cmode !== 15) {
      lo = ~lo;
      hi = ~hi;
    }
    v[4 * d] = lo >>> 0;
    v[4 * d + 1] = hi >>> 0;
    v[4 * d + 2] = Q ? lo >>> 0 : 0;
    v[4 * d + 3] = Q ? hi >>> 0 : 0;
  }
  if (!Q) clearHigh(c, d);
}

/** DUP (element/general), INS (element/general), SMOV, UMOV. */
export function asimdins(c: Cpu, w: number): void {
  const Q = (w >>> 30) & 1;
  const op = (w >>> 29) & 1;
  const imm5 = (w >>> 16) & 31;
  const imm4 = (w >>> 11) & 15;
  const n = (w >>> 5) & 31;
  const d = w & 31;
  const size = imm5 & 1 ? 0 : imm5 & 2 ? 1 : imm5 & 4 ? 2 : 3;
  const idx = imm5 >>> (size + 1);
  if (op === 1) {
    // INS (element): Vd.Ts[idx] = Vn.Ts[imm4 >> size]
    const src = imm4 >>> size;
    if (size === 3) setD(c, d, idx, getD(c, n, src));
    else setE(c, d, idx, size, getE(c, n, src, size));
    return;
  }
  const cnt = (Q ? 16 : 8) >> size;
  switch (imm4) {
    case 0: {
      // DUP (element)
      if (size === 3) {
        const e = getD(c, n, idx);
        setD(c, d, 0, e);
        setD(c, d, 1, Q ? e : 0n);
        return;
      }
      const e = getE(c, n, idx, size);
      for (let i = 0; i < cnt; i++) setE(c, d, i, size, e);
      if (!Q) clearHigh(c, d);
      return;
    }
    case 1: {
      // DUP (general)
      const lo = c.x[2 * n]!;
      const hi = c.x[2 * n + 1]!;
      if (size === 3) {
        for (let i = 0; i < (Q ? 2 : 1); i++) {
          c.v[4 * d + 2 * i] = lo >>> 0;
          c.v[4 * d + 2 * i + 1] = hi >>> 0;
        }
      } else for (let i = 0; i < cnt; i++) setE(c, d, i, size, lo & mask(size));
      if (!Q) clearHigh(c, d);
      return;
    }
    case 3: {
      // INS (general)
      if (size === 3) {
        c.v[4 * d + 2 * idx] = c.x[2 * n]! >>> 0;
        c.v[4 * d + 2 * idx + 1] = c.x[2 * n + 1]! >>> 0;
      } else setE(c, d, idx, size, c.x[2 * n]! & mask(size));
      return;
    }
    case 5:
    case 7: {
      // SMOV / UMOV
      if (size === 3) {
        setX(c, d, c.v[4 * n + 2 * idx]! | 0, c.v[4 * n + 2 * idx + 1]! | 0);
        return;
      }
      const e = getE(c, n, idx, size);
      if (imm4 === 7) setX(c, d, e | 0, 0);
      else {
        const s = signExt(e, size);
        setX(c, d, s, Q ? s >> 31 : 0);
      }
      return;
    }
    default:
      c.undefinedInstruction();
  }
}

/** USHR/SSHR/USRA/SSRA/SHL/SHRN/USHLL/SSHLL (vector). */
export function asimdshf(c: Cpu, w: number): void {
  const Q = (w >>> 30) & 1;
  const U = (w >>> 29) & 1;
  const immh = (w >>> 19) & 15;
  const immhb = (w >>> 16) & 127;
  const opcode = (w >>> 11) & 31;
  const n = (w >>> 5) & 31;
  const d = w & 31;
  const size = immh & 8 ? 3 : immh & 4 ? 2 : immh & 2 ? 1 : 0;
  const esize = 8 << size;
  if (opcode === 0b00000 || opcode === 0b00010) {
    const sh = 2 * esize - immhb;
    const acc = opcode === 0b00010;
    if (size === 3) {
      for (let i = 0; i < (Q ? 2 : 1); i++) {
        const a = getD(c, n, i);
        const r = U ? a >> BigInt(sh) : BigInt.asUintN(64, s64(a) >> BigInt(sh));
        setD(c, d, i, acc ? getD(c, d, i) + r : r);
      }
      if (!Q) clearHigh(c, d);
      return;
    }
    const cnt = (Q ? 16 : 8) >> size;
    for (let i = 0; i < cnt; i++) {
      const a = getE(c, n, i, size);
      const r = U ? (sh >= 32 ? 0 : a >>> sh) : signExt(a, size) >> Math.min(sh, 31);
      setE(c, d, i, size, ((acc ? getE(c, d, i, size) + r : r) & mask(size)) >>> 0);
    }
    if (!Q) clearHigh(c, d);
    return;
  }
  if (opcode === 0b01010 && U === 0) {
    const sh = immhb - esize;
    if (size === 3) {
      for (let i = 0; i < (Q ? 2 : 1); i++) setD(c, d, i, getD(c, n, i) << BigInt(sh));
    } else {
      const cnt = (Q ? 16 : 8) >> size;
      for (let i = 0; i < cnt; i++) setE(c, d, i, size, (getE(c, n, i, size) << sh) & mask(size));
    }
    if (!Q) clearHigh(c, d);
    return;
  }
  if (opcode === 0b10000 && U === 0) {
    // SHRN{2}: narrow 2*esize elements of Vn to esize in the lower/upper half of Vd
    const sh = 2 * esize - immhb;
    const cnt = 8 >> size;
    const out: number[] = [];
    for (let i = 0; i < cnt; i++) {
      if (size === 2) out.push(Number((getD(c, n, i) >> BigInt(sh)) & 0xffffffffn));
      else out.push((getE(c, n, i, size + 1) >>> sh) & mask(size));
    }
    for (let i = 0; i < cnt; i++) setE(c, d, i + (Q ? cnt : 0), size, out[i]!);
    if (!Q) clearHigh(c, d);
    return;
  }
  if (opcode === 0b10100) {
    // SSHLL/USHLL{2} (UXTL/SXTL): widen
    const sh = immhb - esize;
    const cnt = 8 >> size;
    const out: number[] = [];
    for (let i = 0; i < cnt; i++) {
      const e = getE(c, n, i + (Q ? cnt : 0), size);
      out.push(U ? e : signExt(e, size));
    }
    for (let i = 0; i < cnt; i++) {
      if (size === 2) setD(c, d, i, (U ? BigInt(out[i]! >>> 0) : BigInt(out[i]!)) << BigInt(sh));
      else setE(c, d, i, size + 1, (out[i]! << sh) & mask(size + 1));
    }
    return;
  }
  c.undefinedInstruction();
}

function popcnt8(v: number): number {
  v = v - ((v >>> 1) & 0x55);
  v = (v & 0x33) + ((v >>> 2) & 0x33);
  return (v + (v >>> 4)) & 0x0f;
}

/** Two-register misc (integer): REV*, CNT, NOT, RBIT, CMxx #0, ABS, NEG, XTN, CLZ, CLS. */
export function asimdmisc(c: Cpu, w: number): void {
  const Q = (w >>> 30) & 1;
  const U = (w >>> 29) & 1;
  const size = (w >>> 22) & 3;
  const opcode = (w >>> 12) & 31;
  const n = (w >>> 5) & 31;
  const d = w & 31;
  const bytes = Q ? 16 : 8;
  const vb = c.vb;
  const src = scratch2;
  src.set(vb.subarray(16 * n, 16 * n + 16));
  if (opcode <= 1) {
    // REV64 (U=0,op=0), REV32 (U=1,op=0), REV16 (U=0,op=1): reverse elements within containers
    const container = opcode === 1 ? 2 : U ? 4 : 8;
    const es = 1 << size;
    for (let b = 0; b < bytes; b += container) {
      for (let e = 0; e < container; e += es) {
        for (let k = 0; k < es; k++) vb[16 * d + b + e + k] = src[b + container - es - e + k]!;
      }
    }
    if (!Q) clearHigh(c, d);
    return;
  }
  if (opcode === 0b00101) {
    for (let i = 0; i < bytes; i++) {
      const x = src[i]!;
      let r: number;
      if (U === 0) r = popcnt8(x);
      else if (size === 0) r = ~x & 0xff;
      else {
        r = 0;
        for (let k = 0; k < 8; k++) if ((x >>> k) & 1) r |= 0x80 >>> k;
      }
      vb[16 * d + i] = r;
    }
    if (!Q) clearHigh(c, d);
    return;
  }
  if (opcode === 0b10010 && U === 0) {
    // XTN{2}
    const cnt = 8 >> size;
    const out: number[] = [];
    for (let i = 0; i < cnt; i++) {
      if (size === 2) out.push(Number(getD(c, n, i) & 0xffffffffn));
      else out.push(getE(c, n, i, size + 1) & mask(size));
    }
    for (let i = 0; i < cnt; i++) setE(c, d, i + (Q ? cnt : 0), size, out[i]!);
    if (!Q) clearHigh(c, d);
    return;
  }
  if ((opcode >= 0b01000 && opcode <= 0b01011) || opcode === 0b00100) {
    const M64 = 0xffffffffffffffffn;
    if (size === 3) {
      for (let i = 0; i < (Q ? 2 : 1); i++) {
        const a = s64(getD(c, n, i));
        let r: bigint;
        if (opcode === 0b01000) r = U ? (a >= 0n ? M64 : 0n) : a > 0n ? M64 : 0n;
        else if (opcode === 0b01001) r = U ? (a <= 0n ? M64 : 0n) : a === 0n ? M64 : 0n;
        else if (opcode === 0b01010) r = a < 0n ? M64 : 0n;
        else if (opcode === 0b01011) r = U ? -a : a < 0n ? -a : a;
        else {
          c.undefinedInstruction();
        }
        setD(c, d, i, r);
      }
      if (!Q) clearHigh(c, d);
      return;
    }
    const cnt = bytes >> size;
    const out: number[] = [];
    for (let i = 0; i < cnt; i++) {
      const u = getE(c, n, i, size);
      const a = signExt(u, size);
      let r: number;
      if (opcode === 0b01000) r = ones(U ? a >= 0 : a > 0, size);
      else if (opcode === 0b01001) r = ones(U ? a <= 0 : a === 0, size);
      else if (opcode === 0b01010) r = ones(a < 0, size);
      else if (opcode === 0b01011) r = (U ? -a : Math.abs(a)) & mask(size);
      else {
        // CLS (U=0) / CLZ (U=1)
        const bits = 8 << size;
        const z = Math.clz32(U ? u : (u ^ (a >> 31)) & mask(size)) - (32 - bits);
        r = U ? z : z - 1;
      }
      out.push(r);
    }
    for (let i = 0; i < cnt; i++) setE(c, d, i, size, out[i]! >>> 0);
    if (!Q) clearHigh(c, d);
    return;
  }
  c.undefinedInstruction();
}

/** Across lanes: ADDV, SMAXV/UMAXV, SMINV/UMINV, SADDLV/UADDLV. */
export function asimdall(c: Cpu, w: number): void {
  const Q = (w >>> 30) & 1;
  const U = (w >>> 29) & 1;
  const size = (w >>> 22) & 3;
  const opcode = (w >>> 12) & 31;
  const n = (w >>> 5) & 31;
  const d = w & 31;
  const cnt = (Q ? 16 : 8) >> size;
  let acc =
    opcode === 0b00011 || opcode === 0b11011
      ? 0
      : U
        ? getE(c, n, 0, size)
        : signExt(getE(c, n, 0, size), size);
  for (let i = opcode === 0b00011 || opcode === 0b11011 ? 0 : 1; i < cnt; i++) {
    const u = getE(c, n, i, size);
    const e = U ? u : signExt(u, size);
    if (opcode === 0b11011 || opcode === 0b00011) acc += e;
    else if (opcode === 0b01010) acc = Math.max(acc, e);
    else if (opcode === 0b11010) acc = Math.min(acc, e);
    else c.undefinedInstruction();
  }
  c.v.fill(0, 4 * d, 4 * d + 4);
  if (opcode === 0b00011) {
    // long: result size is 2*esize
    const rs = size + 1;
    if (rs === 3) setD(c, d, 0, BigInt(acc));
    else setE(c, d, 0, rs, acc & mask(rs));
  } else setE(c, d, 0, size, acc & mask(size));
}

/** UZP1/2, TRN1/2, ZIP1/2. */
export function asimdperm(c: Cpu, w: number): void {
  const Q = (w >>> 30) & 1;
  const size = (w >>> 22) & 3;
  const m = (w >>> 16) & 31;
  const opcode = (w >>> 12) & 7;
  const n = (w >>> 5) & 31;
  const d = w & 31;
  const es = 1 << size;
  const bytes = Q ? 16 : 8;
  const cnt = bytes / es;
  const a = scratch.subarray(0, 16);
  const b = scratch.subarray(16, 32);
  a.set(c.vb.subarray(16 * n, 16 * n + 16));
  b.set(c.vb.subarray(16 * m, 16 * m + 16));
  const part = opcode >>> 2; // 0 -> *1, 1 -> *2
  const out = c.vb;
  const put = (i: number, src: Uint8Array, j: number): void => {
    for (let k = 0; k < es; k++) out[16 * d + i * es + k] = src[j * es + k]!;
  };
  const half = cnt / 2;
  for (let i = 0; i < cnt; i++) {
    switch (opcode & 3) {
      case 1: {
        // UZP: even (part 0) or odd elements of a:b
        const j = 2 * i + part;
        put(i, j < cnt ? a : b, j % cnt);
        break;
      }
      case 2: {
        // TRN
        const p = i & ~1;
        put(i, i & 1 ? b : a, p + part);
        break;
      }
      case 3: {
        // ZIP
        const j = (i >> 1) + part * half;
        put(i, i & 1 ? b : a, j);
        break;
      }
      default:
        c.undefinedInstruction();
    }
  }
  if (!Q) clearHigh(c, d);
}

/** EXT Vd, Vn, Vm, #imm. */
export function asimdext(c: Cpu, w: number): void {
  const Q = (w >>> 30) & 1;
  const m = (w >>> 16) & 31;
  const imm4 = (w >>> 11) & 15;
  const n = (w >>> 5) & 31;
  const d = w & 31;
  const bytes = Q ? 16 : 8;
  const t = scratch;
  t.set(c.vb.subarray(16 * n, 16 * n + bytes), 0);
  t.set(c.vb.subarray(16 * m, 16 * m + bytes), bytes);
  for (let i = 0; i < bytes; i++) c.vb[16 * d + i] = t[imm4 + i]!;
  if (!Q) clearHigh(c, d);
}

/** TBL / TBX. */
export function asimdtbl(c: Cpu, w: number): void {
  const Q = (w >>> 30) & 1;
  const m = (w >>> 16) & 31;
  const len = ((w >>> 13) & 3) + 1;
  const op = (w >>> 12) & 1;
  const n = (w >>> 5) & 31;
  const d = w & 31;
  const table = scratch;
  for (let r = 0; r < len; r++)
    table.set(c.vb.subarray(16 * ((n + r) & 31), 16 * ((n + r) & 31) + 16), 16 * r);
  const idx = scratch2;
  idx.set(c.vb.subarray(16 * m, 16 * m + 16));
  const bytes = Q ? 16 : 8;
  for (let i = 0; i < bytes; i++) {
    const k = idx[i]!;
    if (k < 16 * len) c.vb[16 * d + i] = table[k]!;
    else if (op === 0) c.vb[16 * d + i] = 0;
  }
  if (!Q) clearHigh(c, d);
}

function addOffset(lo: number, hi: number, off: number, out: Int32Array): void {
  const l = (lo >>> 0) + off;
  out[0] = l | 0;
  out[1] = (hi + (l > 0xffffffff ? 1 : 0)) | 0;
}
const addr = new Int32Array(2);

/** LD1-4/ST1-4 (multiple structures), with or without post-index. */
export function asisdlse(c: Cpu, w: number): void {
  const Q = (w >>> 30) & 1;
  const L = (w >>> 22) & 1;
  const post = (w >>> 23) & 1;
  const m = (w >>> 16) & 31;
  const opcode = (w >>> 12) & 15;
  const size = (w >>> 10) & 3;
  const n = (w >>> 5) & 31;
  const t = w & 31;
  let regs: number;
  let selem: number;
  switch (opcode) {
    case 0b0000:
      regs = 1;
      selem = 4;
      break;
    case 0b0010:
      regs = 4;
      selem = 1;
      break;
    case 0b0100:
      regs = 1;
      selem = 3;
      break;
    case 0b0110:
      regs = 3;
      selem = 1;
      break;
    case 0b0111:
      regs = 1;
      selem = 1;
      break;
    case 0b1000:
      regs = 1;
      selem = 2;
      break;
    case 0b1010:
      regs = 2;
      selem = 1;
      break;
    default:
      c.undefinedInstruction();
  }
  const ni = n === 31 ? 64 : 2 * n;
  const blo = c.x[ni]!;
  const bhi = c.x[ni + 1]!;
  const es = 1 << size;
  const elements = (Q ? 16 : 8) / es;
  let off = 0;
  for (let r = 0; r < regs; r++) {
    for (let e = 0; e < elements; e++) {
      for (let s = 0; s < selem; s++) {
        const reg = (t + r + s) & 31;
        addOffset(blo, bhi, off, addr);
        for (let k = 0; k < es; k++) {
          const a = (addr[0]! + k) | 0;
          const ah = a >>> 0 < addr[0]! >>> 0 ? (addr[1]! + 1) | 0 : addr[1]!;
          if (L) c.vb[16 * reg + e * es + k] = c.ld8(a, ah);
          else c.st8(a, ah, c.vb[16 * reg + e * es + k]!);
        }
        off += es;
      }
    }
  }
  if (L && !Q) for (let r = 0; r < regs * selem; r++) clearHigh(c, (t + r) & 31);
  if (post) {
    if (m === 31) addOffset(blo, bhi, off, addr);
    else {
      const l = (blo >>> 0) + (c.x[2 * m]! >>> 0);
      addr[0] = l | 0;
      addr[1] = (bhi + c.x[2 * m + 1]! + (l > 0xffffffff ? 1 : 0)) | 0;
    }
    c.x[ni] = addr[0]!;
    c.x[ni + 1] = addr[1]!;
  }
}

/** FMOV between general and SIMD&FP registers (bit moves; conversions are in simd/fp-scalar.ts). */
export function fmovGeneral(c: Cpu, w: number): void {
  const sf = w >>> 31;
  const ftype = (w >>> 22) & 3;
  const rmode = (w >>> 19) & 3;
  const opcode = (w >>> 16) & 7;
  const n = (w >>> 5) & 31;
  const d = w & 31;
  if (opcode === 6) {
    // to general
    if (rmode === 1) setX(c, d, c.v[4 * n + 2]! | 0, c.v[4 * n + 3]! | 0);
    else if (sf) setX(c, d, c.v[4 * n]! | 0, c.v[4 * n + 1]! | 0);
    else setX(c, d, ftype === 3 ? c.v[4 * n]! & 0xffff : c.v[4 * n]! | 0, 0);
    return;
  }
  if (opcode === 7) {
    const lo = c.x[2 * n]!;
    const hi = c.x[2 * n + 1]!;
    if (rmode === 1) {
      c.v[4 * d + 2] = lo >>> 0;
      c.v[4 * d + 3] = hi >>> 0;
      return;
    }
    c.v.fill(0, 4 * d, 4 * d + 4);
    c.v[4 * d] = ftype === 3 ? lo & 0xffff : lo >>> 0;
    if (sf) c.v[4 * d + 1] = hi >>> 0;
    return;
  }
  c.undefinedInstruction();
}

/** FMOV (scalar, immediate). */
export function fmovImm(c: Cpu, w: number): void {
  const ftype = (w >>> 22) & 3;
  const imm8 = (w >>> 13) & 0xff;
  const d = w & 31;
  const [lo, hi] = expandImm(1, 15, imm8);
  c.v.fill(0, 4 * d, 4 * d + 4);
  if (ftype === 1) {
    c.v[4 * d] = lo >>> 0;
    c.v[4 * d + 1] = hi >>> 0;
  } else if (ftype === 0) c.v[4 * d] = expandImm(0, 15, imm8)[0] >>> 0;
  else c.undefinedInstruction();
}

/** Scalar ADDP Dd, Vn.2D and DUP (element, scalar). */
export function asisdpair(c: Cpu, w: number): void {
  const U = (w >>> 29) & 1;
  const opcode = (w >>> 12) & 31;
  const size = (w >>> 22) & 3;
  const n = (w >>> 5) & 31;
  const d = w & 31;
  if (U === 0 && opcode === 0b11011 && size === 3) {
    const r = getD(c, n, 0) + getD(c, n, 1);
    c.v.fill(0, 4 * d, 4 * d + 4);
    setD(c, d, 0, r);
    return;
  }
  c.undefinedInstruction();
}

export function asisdone(c: Cpu, w: number): void {
  const imm5 = (w >>> 16) & 31;
  const n = (w >>> 5) & 31;
  const d = w & 31;
  const size = imm5 & 1 ? 0 : imm5 & 2 ? 1 : imm5 & 4 ? 2 : 3;
  const idx = imm5 >>> (size + 1);
  if (size === 3) {
    const e = getD(c, n, idx);
    c.v.fill(0, 4 * d, 4 * d + 4);
    setD(c, d, 0, e);
  } else {
    const e = getE(c, n, idx, size);
    c.v.fill(0, 4 * d, 4 * d + 4);
    setE(c, d, 0, size, e);
  }
}

const BY_CLASS: Readonly<Record<string, Handler>> = {
  asimdsame,
  asimdimm,
  asimdins,
  asimdshf,
  asimdmisc,
  asimdall,
  asimdperm,
  asimdext,
  asimdtbl,
  asisdlse,
  asisdlsep: asisdlse,
  asisdpair,
  asisdone,
};

/**
 * The SIMD&FP forms executed here (bit moves, integer compares/permutes, multiple-structure
 * loads/stores), by class and mnemonic; everything else in those classes is in simd/.
 */
const MNEMONICS: Readonly<Record<string, readonly string[]>> = {
  asimdsame:
    "ADD SUB CMTST CMEQ CMGT CMHI CMGE CMHS SMAX UMAX SMIN UMIN SMAXP UMAXP SMINP UMINP ADDP AND BIC ORR ORN EOR BSL BIT BIF MOV".split(
      " ",
    ),
  asimdimm: "MOVI MVNI ORR BIC FMOV".split(" "),
  asimdins: "DUP INS MOV UMOV SMOV".split(" "),
  asimdshf: "SSHR USHR SSRA USRA SHL SHRN SHRN2 SSHLL SSHLL2 USHLL USHLL2 SXTL SXTL2 UXTL UXTL2".split(" "),
  asimdmisc: "REV64 REV32 REV16 CNT NOT MVN RBIT CMEQ CMLE CMGT CMGE CMLT ABS NEG XTN XTN2 CLS CLZ".split(
    " ",
  ),
  asimdall: "ADDV SMAXV UMAXV SMINV UMINV SADDLV UADDLV".split(" "),
  asimdperm: "UZP1 UZP2 TRN1 TRN2 ZIP1 ZIP2".split(" "),
  asimdext: ["EXT"],
  asimdtbl: ["TBL", "TBX"],
  asisdlse: ["LD1", "ST1", "LD2", "ST2", "LD3", "ST3", "LD4", "ST4"],
  asisdlsep: ["LD1", "ST1", "LD2", "ST2", "LD3", "ST3", "LD4", "ST4"],
  asisdpair: ["ADDP"],
  asisdone: ["DUP", "MOV"],
};

/** Handler for a decoder entry if it is one of the forms implemented here. */
export function baseSimdHandler(id: string, iclass: string, mnemonic: string): Handler | undefined {
  if (iclass === "float2int") return id.startsWith("FMOV_") ? fmovGeneral : undefined;
  if (iclass === "floatimm") return fmovImm;
  return MNEMONICS[iclass]?.includes(mnemonic) ? BY_CLASS[iclass] : undefined;
}
