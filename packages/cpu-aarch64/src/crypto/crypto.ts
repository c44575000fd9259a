/**
 * Cryptographic-extension instruction semantics (ARM ARM C7.2: AESE, AESD, AESMC, AESIMC, SHA1*,
 * SHA256*, SHA512*, EOR3, BCAX, RAX1, XAR, PMULL/PMULL2; C6.2: CRC32*, CRC32C*).
 *
 * 128-bit values live in a caller-owned Uint32Array as four little-endian words (word 0 = bits
 * 31:0). `d`, `n`, `m`, `a` are word offsets of the Vd/Vn/Vm/Va registers (e.g. 4 * regno), so a
 * register file held as one Uint32Array works directly. Vd may alias a source. No allocation.
 */

import { CRC32_TABLE, CRC32C_TABLE, crcBytes, R, ror64, shift64 } from "../interp/alu.js";

// ---------------------------------------------------------------------------------------------
// AES (FIPS-197): tables are computed at load time from GF(2^8) arithmetic.
const SBOX = new Uint8Array(256);
const INV_SBOX = new Uint8Array(256);
const MUL2 = new Uint8Array(256);
(() => {
  const xt = (b: number) => ((b << 1) ^ (b & 0x80 ? 0x1b : 0)) & 0xff;
  // Inverses through powers of the generator 0x03 (x * 3 = xt(x) ^ x): inv(3^i) = 3^(255-i).
  // A search per byte cost ~3 ms of every start-up in unoptimised code.
  const exp = new Uint8Array(256);
  const log = new Uint8Array(256);
  for (let i = 0, p = 1; i < 255; i++, p = xt(p) ^ p) {
    exp[i] = p;
    log[p] = i;
  }
  for (let x = 0; x < 256; x++) {
    const inv = x === 0 ? 0 : exp[(255 - log[x]!) % 255]!;
    let s = inv;
    let r = inv;
    for (let i = 0; i < 4; i++) {
      r = ((r << 1) | (r >> 7)) & 0xff;
      s ^= r;
    }
    s ^= 0x63;
    SBOX[x] = s;
    INV_SBOX[s] = x;
    MUL2[x] = xt(x);
  }
})();

const COLS = new Uint32Array(4);
/**
 * V[d] = box(ShiftRows(V[d] ^ V[n])) with byte r of column c taken from column (c + step * r) mod 4:
 * step 1 is ShiftRows (AESE, with the S-box), step 3 (= -1) InvShiftRows (AESD, inverse S-box).
 */
function aesRound(v: Uint32Array, d: number, n: number, box: Uint8Array, step: number): void {
  for (let c = 0; c < 4; c++) COLS[c] = v[d + c]! ^ v[n + c]!;
  for (let c = 0; c < 4; c++) {
    v[d + c] = shiftSub(
      box,
      COLS[c]!,
      COLS[(c + step) & 3]!,
      COLS[(c + 2 * step) & 3]!,
      COLS[(c + 3 * step) & 3]!,
    );
  }
}

/** AESE: V[d] = SubBytes(ShiftRows(V[d] ^ V[n])). */
export function aese(v: Uint32Array, d: number, n: number): void {
  aesRound(v, d, n, SBOX, 1);
}

/** AESD: V[d] = InvSubBytes(InvShiftRows(V[d] ^ V[n])). */
export function aesd(v: Uint32Array, d: number, n: number): void {
  aesRound(v, d, n, INV_SBOX, 3);
}

/** Column built from byte 0 of a, byte 1 of b, byte 2 of c, byte 3 of e, each through the S-box. */
function shiftSub(box: Uint8Array, a: number, b: number, c: number, e: number): number {
  return (
    (box[a & 255]! |
      (box[(b >>> 8) & 255]! << 8) |
      (box[(c >>> 16) & 255]! << 16) |
      (box[e >>> 24]! << 24)) >>>
    0
  );
}

function mixColumn(w: number): number {
  const a0 = w & 0xff;
  const a1 = (w >>> 8) & 0xff;
  const a2 = (w >>> 16) & 0xff;
  const a3 = w >>> 24;
  const m0 = MUL2[a0]!;
  const m1 = MUL2[a1]!;
  const m2 = MUL2[a2]!;
  const m3 = MUL2[a3]!;
  const b0 = m0 ^ m1 ^ a1 ^ a2 ^ a3;
  const b1 = a0 ^ m1 ^ m2 ^ a2 ^ a3;
  const b2 = a0 ^ a1 ^ m2 ^ m3 ^ a3;
  const b3 = m0 ^ a0 ^ a1 ^ a2 ^ m3;
  return (b0 | (b1 << 8) | (b2 << 16) | (b3 << 24)) >>> 0;
}

/** AESMC: V[d] = MixColumns(V[n]). */
export function aesmc(v: Uint32Array, d: number, n: number): void {
  const c0 = mixColumn(v[n]!);
  const c1 = mixColumn(v[n + 1]!);
  const c2 = mixColumn(v[n + 2]!);
  const c3 = mixColumn(v[n + 3]!);
  v[d] = c0;
  v[d + 1] = c1;
  v[d + 2] = c2;
  v[d + 3] = c3;
}

/** AESIMC: V[d] = InvMixColumns(V[n]) (= MixColumns applied to a pre-mixed column, FIPS-197 5.3.3). */
export function aesimc(v: Uint32Array, d: number, n: number): void {
  for (let i = 0; i < 4; i++) {
    const w = v[n + i]!;
    const a0 = w & 0xff;
    const a1 = (w >>> 8) & 0xff;
    const a2 = (w >>> 16) & 0xff;
    const a3 = w >>> 24;
    // InvMixColumns = MixColumns o [u = 4*(a0^a2), w = 4*(a1^a3)] pre-step.
    const u = MUL2[MUL2[a0 ^ a2]!]!;
    const x = MUL2[MUL2[a1 ^ a3]!]!;
    v[d + i] = mixColumn(((a0 ^ u) | ((a1 ^ x) << 8) | ((a2 ^ u) << 16) | ((a3 ^ x) << 24)) >>> 0);
  }
}

// ---------------------------------------------------------------------------------------------
// SHA-1 / SHA-256 (32-bit lanes)

function rol(x: number, s: number): number {
  return ((x << s) | (x >>> (32 - s))) >>> 0;
}
function ror(x: number, s: number): number {
  return ((x >>> s) | (x << (32 - s))) >>> 0;
}
function choose(x: number, y: number, z: number): number {
  return ((y ^ z) & x) ^ z;
}
function parity(x: number, y: number, z: number): number {
  return x ^ y ^ z;
}
function majority(x: number, y: number, z: number): number {
  return (x & y) | ((x | y) & z);
}

/** Working state of the SHA-1/SHA-256 hash steps: X in words 0-3, Y from word 4 (32 or 128 bits). */
const S = new Uint32Array(8);
/** <Y, X> = ROL(Y : X, 32) over the first `words` words of S. */
function rolWord(words: number): void {
  const top = S[words - 1]!;
  S.copyWithin(1, 0, words - 1);
  S[0] = top;
}

function sha1hash(v: Uint32Array, d: number, n: number, m: number, f: 0 | 1 | 2): void {
  for (let i = 0; i < 4; i++) S[i] = v[d + i]!;
  S[4] = v[n]!;
  for (let e = 0; e < 4; e++) {
    const x1 = S[1]!;
    const x2 = S[2]!;
    const x3 = S[3]!;
    const t = f === 0 ? choose(x1, x2, x3) : f === 1 ? parity(x1, x2, x3) : majority(x1, x2, x3);
    S[4] = S[4]! + rol(S[0]!, 5) + t + v[m + e]!;
    S[1] = rol(x1, 30);
    rolWord(5);
  }
  for (let i = 0; i < 4; i++) v[d + i] = S[i]!;
}

/** SHA1C Qd, Sn, Vm.4S. */
export function sha1c(v: Uint32Array, d: number, n: number, m: number): void {
  sha1hash(v, d, n, m, 0);
}
/** SHA1P Qd, Sn, Vm.4S. */
export function sha1p(v: Uint32Array, d: number, n: number, m: number): void {
  sha1hash(v, d, n, m, 1);
}
/** SHA1M Qd, Sn, Vm.4S. */
export function sha1m(v: Uint32Array, d: number, n: number, m: number): void {
  sha1hash(v, d, n, m, 2);
}
/** SHA1H: fixed rotate, ROL(Sn, 30). */
export function sha1h(x: number): number {
  return rol(x >>> 0, 30);
}
/** SHA1SU0 Vd, Vn, Vm. */
export function sha1su0(v: Uint32Array, d: number, n: number, m: number): void {
  const r0 = v[d + 2]! ^ v[d]! ^ v[m]!;
  const r1 = v[d + 3]! ^ v[d + 1]! ^ v[m + 1]!;
  const r2 = v[n]! ^ v[d + 2]! ^ v[m + 2]!;
  const r3 = v[n + 1]! ^ v[d + 3]! ^ v[m + 3]!;
  v[d] = r0;
  v[d + 1] = r1;
  v[d + 2] = r2;
  v[d + 3] = r3;
}
/** SHA1SU1 Vd, Vn. */
export function sha1su1(v: Uint32Array, d: number, n: number): void {
  const t0 = v[d]! ^ v[n + 1]!;
  const t1 = v[d + 1]! ^ v[n + 2]!;
  const t2 = v[d + 2]! ^ v[n + 3]!;
  const t3 = v[d + 3]!;
  v[d] = rol(t0 >>> 0, 1);
  v[d + 1] = rol(t1 >>> 0, 1);
  v[d + 2] = rol(t2 >>> 0, 1);
  v[d + 3] = rol(t3 >>> 0, 1) ^ rol(t0 >>> 0, 2);
}

function sigma0(x: number): number {
  return ror(x, 2) ^ ror(x, 13) ^ ror(x, 22);
}
function sigma1(x: number): number {
  return ror(x, 6) ^ ror(x, 11) ^ ror(x, 25);
}

function sha256hash(v: Uint32Array, xo: number, yo: number, m: number, d: number, part1: boolean): void {
  for (let i = 0; i < 4; i++) {
    S[i] = v[xo + i]!;
    S[4 + i] = v[yo + i]!;
  }
  for (let e = 0; e < 4; e++) {
    const chs = choose(S[4]!, S[5]!, S[6]!);
    const maj = majority(S[0]!, S[1]!, S[2]!);
    const t = S[7]! + sigma1(S[4]!) + chs + v[m + e]!;
    S[3] = t + S[3]!;
    S[7] = t + sigma0(S[0]!) + maj;
    rolWord(8);
  }
  const o = part1 ? 0 : 4;
  for (let i = 0; i < 4; i++) v[d + i] = S[o + i]!;
}

/** SHA256H Qd, Qn, Vm.4S. */
export function sha256h(v: Uint32Array, d: number, n: number, m: number): void {
  sha256hash(v, d, n, m, d, true);
}
/** SHA256H2 Qd, Qn, Vm.4S. */
export function sha256h2(v: Uint32Array, d: number, n: number, m: number): void {
  sha256hash(v, n, d, m, d, false);
}
/** SHA256SU0 Vd.4S, Vn.4S. */
export function sha256su0(v: Uint32Array, d: number, n: number): void {
  const t0 = v[d + 1]!;
  const t1 = v[d + 2]!;
  const t2 = v[d + 3]!;
  const t3 = v[n]!;
  const s = (e: number) => ror(e, 7) ^ ror(e, 18) ^ (e >>> 3);
  v[d] = (s(t0) + v[d]!) >>> 0;
  v[d + 1] = (s(t1) + v[d + 1]!) >>> 0;
  v[d + 2] = (s(t2) + v[d + 2]!) >>> 0;
  v[d + 3] = (s(t3) + v[d + 3]!) >>> 0;
}
function ssig1(e: number): number {
  return ror(e, 17) ^ ror(e, 19) ^ (e >>> 10);
}
/** SHA256SU1 Vd.4S, Vn.4S, Vm.4S. */
export function sha256su1(v: Uint32Array, d: number, n: number, m: number): void {
  // T0 = operand3<31:0> : operand2<127:32>; T1 = operand3<127:64>
  const t00 = v[n + 1]!;
  const t01 = v[n + 2]!;
  const t02 = v[n + 3]!;
  const t03 = v[m]!;
  const r0 = (ssig1(v[m + 2]!) + v[d]! + t00) >>> 0;
  const r1 = (ssig1(v[m + 3]!) + v[d + 1]! + t01) >>> 0;
  const r2 = (ssig1(r0) + v[d + 2]! + t02) >>> 0;
  const r3 = (ssig1(r1) + v[d + 3]! + t03) >>> 0;
  v[d] = r0;
  v[d + 1] = r1;
  v[d + 2] = r2;
  v[d + 3] = r3;
}

// ---------------------------------------------------------------------------------------------
// 64-bit lanes as (hi, lo) pairs; results in a typed-array scratch (no number boxing):
// Q[2]:Q[3] accumulator, Q[4]:Q[5] carry-less product.
const Q = new Uint32Array(6);
/** Q[2]:Q[3] += h:l. */
function add64(h: number, l: number): void {
  const lo = Q[3]! + (l >>> 0);
  Q[3] = lo >>> 0;
  Q[2] = (Q[2]! + h + (lo >= 4294967296 ? 1 : 0)) >>> 0;
}
/**
 * Q[2]:Q[3] = w + (ROR(x, a) ^ ROR(x, b) ^ ROR(x, c)), or with x >> c for the last term when `shr`:
 * SHA-512's Sigma (three rotates) and sigma (two rotates and a shift) functions, plus a word.
 */
function sigmaPlus(
  h: number,
  l: number,
  a: number,
  b: number,
  c: number,
  shr: boolean,
  wh: number,
  wl: number,
) {
  ror64(l, h, a);
  let rl = R[0]!;
  let rh = R[1]!;
  ror64(l, h, b);
  rl ^= R[0]!;
  rh ^= R[1]!;
  shift64(l, h, shr ? 1 : 3, c);
  Q[2] = rh ^ R[1]!;
  Q[3] = rl ^ R[0]!;
  add64(wh, wl);
}

/**
 * SHA512H (`h2` false) and SHA512H2: two steps of Vtmp = Sigma + F + W, the upper doubleword first
 * (ARM ARM C7.2 pseudocode; SHA512H's second step takes Sigma of Vtmp<127:64> + Y<63:0>).
 */
function sha512hash(v: Uint32Array, d: number, n: number, m: number, h2: boolean): void {
  const xl0 = v[n]!;
  const xh0 = v[n + 1]!;
  const xl1 = v[n + 2]!;
  const xh1 = v[n + 3]!;
  const yl0 = v[m]!;
  const yh0 = v[m + 1]!;
  const yl1 = v[m + 2]!;
  const yh1 = v[m + 3]!;
  if (h2) {
    // NSigma0(Y<63:0>) + Maj(X<63:0>, Y<127:64>, Y<63:0>) + W<127:64>
    sigmaPlus(yh0, yl0, 28, 34, 39, false, v[d + 3]!, v[d + 2]!);
    add64(majority(xh0, yh1, yh0), majority(xl0, yl1, yl0));
  } else {
    // MSigma1(Y<127:64>) + Ch(Y<127:64>, X<63:0>, X<127:64>) + W<127:64>
    sigmaPlus(yh1, yl1, 14, 18, 41, false, v[d + 3]!, v[d + 2]!);
    add64(choose(yh1, xh0, xh1), choose(yl1, xl0, xl1));
  }
  const vh1 = Q[2]!;
  const vl1 = Q[3]!;
  if (h2) {
    sigmaPlus(vh1, vl1, 28, 34, 39, false, v[d + 1]!, v[d]!);
    add64(majority(vh1, yh0, yh1), majority(vl1, yl0, yl1));
  } else {
    add64(yh0, yl0); // tmp = Vtmp<127:64> + Y<63:0>
    const th = Q[2]!;
    const tl = Q[3]!;
    sigmaPlus(th, tl, 14, 18, 41, false, v[d + 1]!, v[d]!);
    add64(choose(th, yh1, xh0), choose(tl, yl1, xl0));
  }
  v[d] = Q[3]!;
  v[d + 1] = Q[2]!;
  v[d + 2] = vl1;
  v[d + 3] = vh1;
}

/** SHA512H Qd, Qn, Vm.2D. */
export function sha512h(v: Uint32Array, d: number, n: number, m: number): void {
  sha512hash(v, d, n, m, false);
}

/** SHA512H2 Qd, Qn, Vm.2D. */
export function sha512h2(v: Uint32Array, d: number, n: number, m: number): void {
  sha512hash(v, d, n, m, true);
}

/** SHA512SU0 Vd.2D, Vn.2D: Vd<63:0> = W<63:0> + sig0(W<127:64>), Vd<127:64> = W<127:64> + sig0(Vn<63:0>). */
export function sha512su0(v: Uint32Array, d: number, n: number): void {
  const wl1 = v[d + 2]!;
  const wh1 = v[d + 3]!;
  sigmaPlus(wh1, wl1, 1, 8, 7, true, v[d + 1]!, v[d]!);
  const rh0 = Q[2]!;
  const rl0 = Q[3]!;
  sigmaPlus(v[n + 1]!, v[n]!, 1, 8, 7, true, wh1, wl1);
  v[d] = rl0;
  v[d + 1] = rh0;
  v[d + 2] = Q[3]!;
  v[d + 3] = Q[2]!;
}

/** SHA512SU1 Vd.2D, Vn.2D, Vm.2D. */
export function sha512su1(v: Uint32Array, d: number, n: number, m: number): void {
  let rh = 0;
  let rl = 0;
  for (let lane = 1; lane >= 0; lane--) {
    const i = 2 * lane;
    sigmaPlus(v[n + i + 1]!, v[n + i]!, 19, 61, 6, true, v[d + i + 1]!, v[d + i]!);
    add64(v[m + i + 1]!, v[m + i]!);
    if (lane === 1) {
      rh = Q[2]!;
      rl = Q[3]!;
    }
  }
  v[d] = Q[3]!;
  v[d + 1] = Q[2]!;
  v[d + 2] = rl;
  v[d + 3] = rh;
}

// ---------------------------------------------------------------------------------------------
// SHA3 helpers

/** EOR3 Vd.16B, Vn.16B, Vm.16B, Va.16B. */
export function eor3(v: Uint32Array, d: number, n: number, m: number, a: number): void {
  for (let i = 0; i < 4; i++) v[d + i] = v[n + i]! ^ v[m + i]! ^ v[a + i]!;
}
/** BCAX Vd.16B, Vn.16B, Vm.16B, Va.16B: Vn ^ (Vm & ~Va). */
export function bcax(v: Uint32Array, d: number, n: number, m: number, a: number): void {
  for (let i = 0; i < 4; i++) v[d + i] = v[n + i]! ^ (v[m + i]! & ~v[a + i]!);
}
/** RAX1 Vd.2D, Vn.2D, Vm.2D: Vn ^ ROL(Vm, 1). */
export function rax1(v: Uint32Array, d: number, n: number, m: number): void {
  for (let i = 0; i < 4; i += 2) {
    const l = v[m + i]!;
    const h = v[m + i + 1]!;
    const rl = ((l << 1) | (h >>> 31)) >>> 0;
    const rh = ((h << 1) | (l >>> 31)) >>> 0;
    v[d + i] = v[n + i]! ^ rl;
    v[d + i + 1] = v[n + i + 1]! ^ rh;
  }
}
/** XAR Vd.2D, Vn.2D, Vm.2D, #imm6: ROR(Vn ^ Vm, imm6). */
export function xar(v: Uint32Array, d: number, n: number, m: number, imm6: number): void {
  for (let i = 0; i < 4; i += 2) {
    ror64(v[n + i]! ^ v[m + i]!, v[n + i + 1]! ^ v[m + i + 1]!, imm6);
    v[d + i] = R[0]!;
    v[d + i + 1] = R[1]!;
  }
}

// ---------------------------------------------------------------------------------------------
// Polynomial multiply

/** Carry-less 32x32 -> 64 into Q[4]!:Q[5]!. */
function clmul32(a: number, b: number): void {
  let h = 0;
  let l = 0;
  a >>>= 0;
  for (let i = 0; i < 32; i++) {
    if ((b >>> i) & 1) {
      l ^= a << i;
      if (i !== 0) h ^= a >>> (32 - i);
    }
  }
  Q[4] = h >>> 0;
  Q[5] = l >>> 0;
}

/**
 * PMULL/PMULL2 Vd.1Q, Vn.1D/2D, Vm.1D/2D: 64x64 -> 128 carry-less product of the lower
 * (upper when `upper`) doublewords.
 */
export function pmull64(v: Uint32Array, d: number, n: number, m: number, upper: boolean): void {
  const o = upper ? 2 : 0;
  const al = v[n + o]!;
  const ah = v[n + o + 1]!;
  const bl = v[m + o]!;
  const bh = v[m + o + 1]!;
  clmul32(al, bl);
  const r0 = Q[5]!;
  let r1 = Q[4]!;
  clmul32(ah, bh);
  let r2 = Q[5]!;
  const r3 = Q[4]!;
  clmul32(al, bh);
  r1 ^= Q[5]!;
  r2 ^= Q[4]!;
  clmul32(ah, bl);
  r1 ^= Q[5]!;
  r2 ^= Q[4]!;
  v[d] = r0;
  v[d + 1] = r1 >>> 0;
  v[d + 2] = r2 >>> 0;
  v[d + 3] = r3;
}

/** PMULL/PMULL2 Vd.8H, Vn.8B/16B, Vm.8B/16B: eight 8x8 -> 16 carry-less products. */
export function pmull8(v: Uint32Array, d: number, n: number, m: number, upper: boolean): void {
  const o = upper ? 2 : 0;
  for (let i = 0; i < 4; i++) {
    const aw = v[n + o + (i >> 1)]!;
    const bw = v[m + o + (i >> 1)]!;
    const s = (i & 1) * 16;
    const lo = polyMul8((aw >>> s) & 0xff, (bw >>> s) & 0xff);
    const hi = polyMul8((aw >>> (s + 8)) & 0xff, (bw >>> (s + 8)) & 0xff);
    tw[i] = (lo | (hi << 16)) >>> 0;
  }
  v[d] = tw[0]!;
  v[d + 1] = tw[1]!;
  v[d + 2] = tw[2]!;
  v[d + 3] = tw[3]!;
}
const tw = new Uint32Array(4);
function polyMul8(a: number, b: number): number {
  let r = 0;
  for (let i = 0; i < 8; i++) if ((b >>> i) & 1) r ^= a << i;
  return r;
}

// ---------------------------------------------------------------------------------------------
// CRC32 / CRC32C (reflected; no pre/post inversion, as the instructions define)

/**
 * CRC32B/H/W and CRC32CB/CH/CW: acc updated with the low `bytes` (1, 2 or 4) bytes of `data`.
 * `castagnoli` selects the CRC32C polynomial.
 */
export function crc32(acc: number, data: number, bytes: 1 | 2 | 4, castagnoli: boolean): number {
  return crcBytes(castagnoli ? CRC32C_TABLE : CRC32_TABLE, acc, data, bytes) >>> 0;
}

/** CRC32X / CRC32CX: acc updated with the 64-bit value hi:lo (low word first). */
export function crc32x(acc: number, hi: number, lo: number, castagnoli: boolean): number {
  return crc32(crc32(acc, lo, 4, castagnoli), hi, 4, castagnoli);
}
