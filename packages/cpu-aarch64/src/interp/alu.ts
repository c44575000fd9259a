/*
 * 64-bit integer arithmetic on two signed 32-bit halves (lo, hi), with results in module-level
 * slots (no allocation, no BigInt). Every function writes its result to `R[0]!`/`R[1]!`.
 */

/**
 * Result slots R[0]! (low half) and R[1]! (high half). A typed array, not an object: storing an int32
 * outside the 31-bit Smi range into an object field would box it (allocation on the hot path).
 */
export const R = new Int32Array(4);

export function ror64(lo: number, hi: number, n: number): void {
  n &= 63;
  if (n >= 32) {
    const t = lo;
    lo = hi;
    hi = t;
    n -= 32;
  }
  if (n === 0) {
    R[0] = lo;
    R[1] = hi;
  } else {
    R[0] = (lo >>> n) | (hi << (32 - n));
    R[1] = (hi >>> n) | (lo << (32 - n));
  }
}

/** ShiftReg, 64-bit: `type` 0 LSL, 1 LSR, 2 ASR, 3 ROR by `n` mod 64. */
export function shift64(lo: number, hi: number, type: number, n: number): void {
  n &= 63;
  if (type === 3) ror64(lo, hi, n);
  else if (n === 0) {
    R[0] = lo;
    R[1] = hi;
  } else if (type === 0) {
    R[1] = n < 32 ? (hi << n) | (lo >>> (32 - n)) : lo << (n - 32);
    R[0] = n < 32 ? lo << n : 0;
  } else if (n < 32) {
    // LSR and ASR fill the low word alike; they differ in what enters the high word
    R[0] = (lo >>> n) | (hi << (32 - n));
    R[1] = type === 1 ? (hi >>> n) | 0 : hi >> n;
  } else {
    R[0] = type === 1 ? (hi >>> (n - 32)) | 0 : hi >> (n - 32);
    R[1] = type === 1 ? 0 : hi >> 31;
  }
}

/** Shift by type, 32-bit (result in R[0]!, R[1] = 0). */
export function shift32(v: number, type: number, n: number): number {
  n &= 31;
  if (n === 0) return v | 0;
  if (type === 0) return v << n;
  if (type === 1) return (v >>> n) | 0;
  if (type === 2) return v >> n;
  return (v >>> n) | (v << (32 - n));
}

/** Unsigned 32x32 -> 64 product into R[0]!/R[1]!. */
export function umul32(a: number, b: number): void {
  a >>>= 0;
  b >>>= 0;
  const a0 = a & 0xffff;
  const a1 = a >>> 16;
  const b0 = b & 0xffff;
  const b1 = b >>> 16;
  const p00 = a0 * b0;
  const p01 = a0 * b1;
  const p10 = a1 * b0;
  const p11 = a1 * b1;
  const mid = (p00 >>> 16) + (p01 & 0xffff) + (p10 & 0xffff);
  R[0] = (mid << 16) | (p00 & 0xffff);
  R[1] = (p11 + (p01 >>> 16) + (p10 >>> 16) + (mid >>> 16)) | 0;
}

/** Low 64 bits of a 64x64 product. */
export function mul64(alo: number, ahi: number, blo: number, bhi: number): void {
  umul32(alo, blo);
  R[1] = (R[1]! + Math.imul(alo, bhi) + Math.imul(ahi, blo)) | 0;
}

/** High 64 bits of the unsigned 128-bit product. */
export function umulh64(alo: number, ahi: number, blo: number, bhi: number): void {
  umul32(alo, blo);
  const ll_hi = R[1]! >>> 0;
  umul32(alo, bhi);
  const lh_lo = R[0]! >>> 0;
  const lh_hi = R[1]! >>> 0;
  umul32(ahi, blo);
  const hl_lo = R[0]! >>> 0;
  const hl_hi = R[1]! >>> 0;
  umul32(ahi, bhi);
  const hh_lo = R[0]! >>> 0;
  const hh_hi = R[1]! >>> 0;
  // column 1 (bits 32..63): ll_hi + lh_lo + hl_lo -> carry into column 2
  const c1 = ll_hi + lh_lo + hl_lo;
  const carry1 = Math.floor(c1 / 4294967296);
  const c2 = hh_lo + lh_hi + hl_hi + carry1;
  const carry2 = Math.floor(c2 / 4294967296);
  R[0] = c2 | 0;
  R[1] = (hh_hi + carry2) | 0;
}

/** High 64 bits of the signed 128-bit product. */
export function smulh64(alo: number, ahi: number, blo: number, bhi: number): void {
  umulh64(alo, ahi, blo, bhi);
  let lo = R[0]!;
  let hi = R[1]!;
  if (ahi < 0) {
    // subtract b
    const l = (lo >>> 0) - (blo >>> 0);
    hi = (hi - bhi - (l < 0 ? 1 : 0)) | 0;
    lo = l | 0;
  }
  if (bhi < 0) {
    const l = (lo >>> 0) - (alo >>> 0);
    hi = (hi - ahi - (l < 0 ? 1 : 0)) | 0;
    lo = l | 0;
  }
  R[0] = lo;
  R[1] = hi;
}

const TWO32 = 4294967296;

/** Unsigned 64-bit division (divisor non-zero). Exact for every input. */
export function udiv64(alo: number, ahi: number, blo: number, bhi: number): void {
  const a = (ahi >>> 0) * TWO32 + (alo >>> 0);
  const b = (bhi >>> 0) * TWO32 + (blo >>> 0);
  if (a < 2 ** 53 && b < 2 ** 53) {
    let q = Math.floor(a / b);
    if (q * b > a) q--;
    else if (a - q * b >= b) q++;
    R[0] = (q % TWO32) | 0;
    R[1] = Math.floor(q / TWO32) | 0;
    return;
  }
  // Rare path (an operand >= 2^53): shift-subtract long division on halves.
  let qlo = 0;
  let qhi = 0;
  let rlo = 0;
  let rhi = 0;
  const bl = blo >>> 0;
  const bh = bhi >>> 0;
  for (let i = 63; i >= 0; i--) {
    // r = r << 1 | bit i of a
    rhi = ((rhi << 1) | (rlo >>> 31)) >>> 0;
    const bit = i >= 32 ? (ahi >>> (i - 32)) & 1 : (alo >>> i) & 1;
    rlo = ((rlo << 1) | bit) >>> 0;
    if (rhi > bh || (rhi === bh && rlo >= bl)) {
      const l = rlo - bl;
      rhi = (rhi - bh - (l < 0 ? 1 : 0)) >>> 0;
      rlo = l >>> 0;
      if (i >= 32) qhi |= 1 << (i - 32);
      else qlo |= 1 << i;
    }
  }
  R[0] = qlo | 0;
  R[1] = qhi | 0;
}

/** Signed 64-bit division, rounding toward zero; MIN / -1 = MIN (ARM ARM SDIV). */
export function sdiv64(alo: number, ahi: number, blo: number, bhi: number): void {
  const an = ahi < 0;
  const bn = bhi < 0;
  if (an) {
    alo = -alo | 0;
    ahi = (~ahi + (alo === 0 ? 1 : 0)) | 0;
  }
  if (bn) {
    blo = -blo | 0;
    bhi = (~bhi + (blo === 0 ? 1 : 0)) | 0;
  }
  udiv64(alo, ahi, blo, bhi);
  if (an !== bn) {
    const lo = -R[0]! | 0;
    R[1] = (~R[1]! + (lo === 0 ? 1 : 0)) | 0;
    R[0] = lo;
  }
}

/** Bit reverse of a 32-bit value. */
export function rbit32(v: number): number {
  v = ((v >>> 1) & 0x55555555) | ((v & 0x55555555) << 1);
  v = ((v >>> 2) & 0x33333333) | ((v & 0x33333333) << 2);
  v = ((v >>> 4) & 0x0f0f0f0f) | ((v & 0x0f0f0f0f) << 4);
  v = ((v >>> 8) & 0x00ff00ff) | ((v & 0x00ff00ff) << 8);
  return (v >>> 16) | (v << 16);
}

export function rev32(v: number): number {
  return (v >>> 24) | ((v >>> 8) & 0xff00) | ((v << 8) & 0xff0000) | (v << 24) | 0;
}

export function rev16w(v: number): number {
  return ((v >>> 8) & 0x00ff00ff) | ((v & 0x00ff00ff) << 8) | 0;
}

/** Count leading sign bits (CLS) of a 32-bit value. */
export function cls32(v: number): number {
  return Math.clz32((v ^ (v << 1)) | 1);
}

/** DecodeBitMasks wmask for a logical immediate into R[0]!/R[1]! (64-bit replicated). */
export function bitMask(n: number, imms: number, immr: number): void {
  const len = 31 - Math.clz32((n << 6) | (~imms & 0x3f));
  const esize = 1 << len;
  const levels = esize - 1;
  const s = imms & levels;
  const r = immr & levels;
  if (esize === 64) {
    // s+1 ones (1..63), rotated right by r
    if (s + 1 >= 32) {
      R[0] = -1;
      R[1] = s + 1 === 64 ? -1 : (1 << (s + 1 - 32)) - 1;
    } else {
      R[0] = (1 << (s + 1)) - 1;
      R[1] = 0;
    }
    ror64(R[0]!, R[1]!, r);
    return;
  }
  let elem = s + 1 === 32 ? -1 : (1 << (s + 1)) - 1;
  if (r !== 0) {
    elem = (elem >>> r) | (elem << (esize - r));
    if (esize < 32) elem &= (1 << esize) - 1;
  }
  for (let e = esize; e < 32; e *= 2) elem |= elem << e;
  R[0] = elem | 0;
  R[1] = elem | 0;
}

/** Ones(k) for 0 <= k <= 64 into R[0]!/R[1]!. */
export function ones64(k: number): void {
  if (k >= 64) {
    R[0] = -1;
    R[1] = -1;
  } else if (k >= 32) {
    R[0] = -1;
    R[1] = k === 32 ? 0 : (1 << (k - 32)) - 1;
  } else {
    R[0] = k === 0 ? 0 : k === 32 ? -1 : (1 << k) - 1;
    R[1] = 0;
  }
}

/**
 * DecodeBitMasks(N = 1, imms = s, immr = r) for a 64-bit bitfield move (SBFM/BFM/UBFM): wmask =
 * ROR(Ones(s + 1), r) into R[0]!/R[1]!, tmask = Ones(((s - r) & 63) + 1) into R[2]!/R[3]!.
 */
export function bitfieldMasks64(s: number, r: number): void {
  ones64(((s - r) & 63) + 1);
  R[2] = R[0]!;
  R[3] = R[1]!;
  ones64(s + 1);
  ror64(R[0]!, R[1]!, r);
}

function crcTable(poly: number): Int32Array {
  const t = new Int32Array(256);
  for (let i = 0; i < 256; i++) {
    let c = i;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ poly : c >>> 1;
    t[i] = c;
  }
  return t;
}
/** CRC-32 (ISO-HDLC, reflected 0xEDB88320) and CRC-32C (Castagnoli, reflected 0x82F63B78). */
export const CRC32_TABLE = crcTable(0xedb88320);
export const CRC32C_TABLE = crcTable(0x82f63b78);

export function crcBytes(table: Int32Array, acc: number, v: number, bytes: number): number {
  for (let i = 0; i < bytes; i++) {
    acc = table[(acc ^ v) & 0xff]! ^ (acc >>> 8);
    v >>>= 8;
  }
  return acc | 0;
}
