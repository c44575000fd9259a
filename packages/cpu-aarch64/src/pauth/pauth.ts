/**
 * Pointer authentication (ARM ARM J1.1.x shared/functions/pac: ComputePAC, AddPAC, Auth, Strip,
 * CalculateBottomPACBit, EffectiveTBI).
 *
 * 64-bit values are passed as uint32 halves (hi, lo). Results go to a caller-owned `PacOut`
 * (no allocation). Two algorithms:
 *  - `PacAlgorithm.QARMA5`: the architected ComputePAC (QARMA-64, 5 rounds, sigma-2 S-box), so
 *    PACs match QEMU `-cpu max` bit for bit;
 *  - `PacAlgorithm.IMPDEF`: Armature's IMPLEMENTATION DEFINED algorithm (see `impdefPac`), about
 *    an order of magnitude cheaper, for CPU models advertising ID_AA64ISAR1_EL1.API/GPI.
 */

export const PacAlgorithm = { QARMA5: 0, IMPDEF: 1 } as const;
export type PacAlgorithm = (typeof PacAlgorithm)[keyof typeof PacAlgorithm];

/** PAuth feature level (ID_AA64ISAR1_EL1.APA/API): 1 PAuth, 2 EPAC, 3 PAuth2 (XOR insertion). */
export type PauthLevel = 1 | 2 | 3;

/** Result holder: 64-bit value as halves plus the FPAC fault indication. */
export class PacOut {
  hi = 0;
  lo = 0;
  /** Set by `auth` when FEAT_FPAC reports an authentication failure (caller raises the fault). */
  fault = false;
  /**
   * Set by `addPac`: the pointer's extension bits were all copies of selbit (the PAC was not
   * corrupted), so `auth` of the result with the same key, modifier and regime returns the
   * pointer unchanged and no fault.
   */
  good = false;
}

/**
 * Translation-regime parameters that shape PAC insertion (TCR_ELx.TBI0/1, TBID0/1, T0SZ/T1SZ).
 * The caller keeps it current when TCR changes; `twoRanges` is true for the EL1&0 (and EL2&0) regimes.
 */
export class PacRegime {
  twoRanges = true;
  tbi0 = false;
  tbi1 = false;
  tbid0 = false;
  tbid1 = false;
  t0sz = 16;
  t1sz = 16;
  /** Clamp bounds for TnSZ in CalculateBottomPACBit (16..39 without FEAT_TTST/LVA). */
  tszMin = 16;
  tszMax = 39;
  level: PauthLevel = 1;
  fpac = false;
  fpacCombined = false;
  algorithm: PacAlgorithm = PacAlgorithm.QARMA5;

  /** Load the two-range (EL1&0 / EL2&0) fields from TCR_ELx = hi:lo (T0SZ, T1SZ, TBI0/1, TBID0/1). */
  setFromTcrTwoRanges(tcrHi: number, tcrLo: number): void {
    this.twoRanges = true;
    this.t0sz = tcrLo & 0x3f;
    this.t1sz = (tcrLo >>> 16) & 0x3f;
    this.tbi0 = ((tcrHi >>> 5) & 1) === 1; // bit 37
    this.tbi1 = ((tcrHi >>> 6) & 1) === 1; // bit 38
    this.tbid0 = ((tcrHi >>> 19) & 1) === 1; // bit 51
    this.tbid1 = ((tcrHi >>> 20) & 1) === 1; // bit 52
  }

  /** Load the one-range (EL2 without E2H, EL3) fields from TCR_ELx: T0SZ, TBI (20), TBID (29). */
  setFromTcrOneRange(tcrLo: number): void {
    this.twoRanges = false;
    this.t0sz = tcrLo & 0x3f;
    this.tbi0 = ((tcrLo >>> 20) & 1) === 1;
    this.tbid0 = ((tcrLo >>> 29) & 1) === 1;
  }
}

// ---------------------------------------------------------------------------------------------
// QARMA-64 / ComputePAC

const SUB = [0xb, 0x6, 0x8, 0xf, 0xc, 0x0, 0x9, 0xe, 0x3, 0x7, 0x4, 0x5, 0xd, 0x2, 0x1, 0xa];
const INV_SUB = new Array<number>(16).fill(0);
for (let i = 0; i < 16; i++) INV_SUB[SUB[i]!] = i;
// PACCellShuffle: out cell i = in cell CELL_SHUFFLE[i].
const CELL_SHUFFLE = [13, 6, 11, 0, 7, 12, 1, 10, 8, 3, 14, 5, 2, 9, 4, 15];
const CELL_INV_SHUFFLE = new Array<number>(16).fill(0);
for (let i = 0; i < 16; i++) CELL_INV_SHUFFLE[CELL_SHUFFLE[i]!] = i;
// TweakShuffle: out cell i = in cell TWEAK_SHUFFLE[i]; the TWEAK_ROT output cells also pass
// through TweakCellRot (the QARMA tweak LFSR).
const TWEAK_ROT = [2, 4, 7, 11, 12, 14, 15];
const TWEAK_SHUFFLE = [4, 5, 6, 7, 11, 2, 3, 8, 12, 13, 14, 15, 0, 1, 10, 9];
const TWEAK_INV_SHUFFLE = new Array<number>(16).fill(0);
for (let i = 0; i < 16; i++) TWEAK_INV_SHUFFLE[TWEAK_SHUFFLE[i]!] = i;

// Round constants and alpha as cells.
const RC_HEX = [
  "0000000000000000",
  "13198a2e03707344",
  "a4093822299f31d0",
  "082efa98ec4e6c89",
  "452821e638d01377",
];
function cellsOfHex(h: string): Uint8Array {
  const c = new Uint8Array(16);
  for (let i = 0; i < 16; i++) c[i] = Number.parseInt(h[15 - i]!, 16);
  return c;
}
const RC = RC_HEX.map(cellsOfHex);
const ALPHA = cellsOfHex("c0ac29b7c97c50dd");

const W = new Uint8Array(16);
const TW = new Uint8Array(16);
const K0 = new Uint8Array(16);
const K1 = new Uint8Array(16);
const MK0 = new Uint8Array(16);
const TMP = new Uint8Array(16);

function load(c: Uint8Array, hi: number, lo: number): void {
  for (let i = 0; i < 8; i++) {
    c[i] = (lo >>> (4 * i)) & 0xf;
    c[i + 8] = (hi >>> (4 * i)) & 0xf;
  }
}
function store(c: Uint8Array, out: PacOut): void {
  let h = 0;
  let l = 0;
  for (let i = 7; i >= 0; i--) {
    l = (l << 4) | c[i]!;
    h = (h << 4) | c[i + 8]!;
  }
  out.hi = h >>> 0;
  out.lo = l >>> 0;
}
function xorInto(d: Uint8Array, s: Uint8Array): void {
  for (let i = 0; i < 16; i++) d[i] = d[i]! ^ s[i]!;
}
function permute(c: Uint8Array, p: readonly number[]): void {
  for (let i = 0; i < 16; i++) TMP[i] = c[p[i]!]!;
  c.set(TMP);
}
function sub(c: Uint8Array, s: readonly number[]): void {
  for (let i = 0; i < 16; i++) c[i] = s[c[i]!]!;
}
function rotCell(x: number, a: number): number {
  return ((x << a) | (x >>> (4 - a))) & 0xf;
}
/** PACMult: per column (cells i, i+4, i+8, i+12) multiply by circ(0, rho, rho^2, rho). */
function mult(c: Uint8Array): void {
  for (let i = 0; i < 4; i++) {
    const c0 = c[i]!;
    const c1 = c[i + 4]!;
    const c2 = c[i + 8]!;
    const c3 = c[i + 12]!;
    TMP[i] = rotCell(c1, 1) ^ rotCell(c2, 2) ^ rotCell(c3, 1);
    TMP[i + 4] = rotCell(c0, 1) ^ rotCell(c2, 1) ^ rotCell(c3, 2);
    TMP[i + 8] = rotCell(c0, 2) ^ rotCell(c1, 1) ^ rotCell(c3, 1);
    TMP[i + 12] = rotCell(c0, 1) ^ rotCell(c1, 2) ^ rotCell(c2, 1);
  }
  c.set(TMP);
}
function tweakShuffle(t: Uint8Array): void {
  permute(t, TWEAK_SHUFFLE);
  // TweakCellRot: out<3> = in<0>^in<1>, out<2:0> = in<3:1>
  for (const i of TWEAK_ROT) {
    const x = t[i]!;
    t[i] = (x >>> 1) | (((x ^ (x >>> 1)) & 1) << 3);
  }
}
function tweakInvShuffle(t: Uint8Array): void {
  // TweakCellInvRot on the same cells before un-permuting: out<3:1> = in<2:0>, out<0> = in<0>^in<3>
  for (const i of TWEAK_ROT) {
    const x = t[i]!;
    t[i] = ((x << 1) & 0xe) | ((x ^ (x >>> 3)) & 1);
  }
  permute(t, TWEAK_INV_SHUFFLE);
}

/**
 * Cell-by-cell transcription of ComputePAC (QARMA5); the reference for `computePacQarma5`, which
 * computes the same function with table-driven linear layers.
 */
export function computePacQarma5Reference(
  out: PacOut,
  dataHi: number,
  dataLo: number,
  modHi: number,
  modLo: number,
  key0Hi: number,
  key0Lo: number,
  key1Hi: number,
  key1Lo: number,
): void {
  load(K0, key0Hi, key0Lo);
  load(K1, key1Hi, key1Lo);
  // modk0 = key0<0> : key0<63:2> : (key0<63> EOR key0<1>)
  const mh = ((key0Lo << 31) | (key0Hi >>> 1)) >>> 0;
  const ml = (((key0Hi << 31) | (key0Lo >>> 1)) ^ (key0Hi >>> 31)) >>> 0;
  load(MK0, mh, ml);
  load(TW, modHi, modLo);
  load(W, dataHi, dataLo);
  xorInto(W, K0);
  for (let i = 0; i < 5; i++) {
    xorInto(W, K1);
    xorInto(W, TW);
    xorInto(W, RC[i]!);
    if (i > 0) {
      permute(W, CELL_SHUFFLE);
      mult(W);
    }
    sub(W, SUB);
    tweakShuffle(TW);
  }
  xorInto(W, MK0);
  xorInto(W, TW);
  permute(W, CELL_SHUFFLE);
  mult(W);
  sub(W, SUB);
  permute(W, CELL_SHUFFLE);
  mult(W);
  xorInto(W, K1);
  permute(W, CELL_INV_SHUFFLE);
  sub(W, INV_SUB);
  mult(W);
  permute(W, CELL_INV_SHUFFLE);
  xorInto(W, K0);
  xorInto(W, TW);
  for (let i = 0; i < 5; i++) {
    sub(W, INV_SUB);
    if (i < 4) {
      mult(W);
      permute(W, CELL_INV_SHUFFLE);
    }
    tweakInvShuffle(TW);
    xorInto(W, RC[4 - i]!);
    xorInto(W, K1);
    xorInto(W, TW);
    xorInto(W, ALPHA);
  }
  xorInto(W, MK0);
  store(W, out);
}

// Table-driven QARMA5. Every layer except the S-box is linear over GF(2) (cell shuffles, PACMult,
// the tweak shuffle with its cell LFSR), so each is the XOR of per-byte lookup tables: 8 tables
// of 256 (hi, lo) entries. The S-box layers use a 256-entry table per byte (two cells at a time).
function linearTable(f: (c: Uint8Array) => void): Uint32Array {
  const t = new Uint32Array(8 * 256 * 2);
  const c = new Uint8Array(16);
  const tmp = new PacOut();
  for (let b = 0; b < 8; b++) {
    for (let v = 0; v < 256; v++) {
      c.fill(0);
      c[2 * b] = v & 15;
      c[2 * b + 1] = v >>> 4;
      f(c);
      store(c, tmp);
      t[(b * 256 + v) * 2] = tmp.hi;
      t[(b * 256 + v) * 2 + 1] = tmp.lo;
    }
  }
  return t;
}
// Built on the first QARMA5 computation, not when the module loads (~20 ms of start-up that a
// run with the IMPLEMENTATION DEFINED algorithm, or a `--help`, never needs).
const EMPTY: Uint32Array = new Uint32Array(0);
let T_SHUF_MULT: Uint32Array = EMPTY;
let T_INVSHUF: Uint32Array = EMPTY;
let T_MULT_INVSHUF: Uint32Array = EMPTY;
let T_TWEAK: Uint32Array = EMPTY;
let T_TWEAK_INV: Uint32Array = EMPTY;
function buildTables(): void {
  T_SHUF_MULT = linearTable((c) => {
    permute(c, CELL_SHUFFLE);
    mult(c);
  });
  T_INVSHUF = linearTable((c) => permute(c, CELL_INV_SHUFFLE));
  T_MULT_INVSHUF = linearTable((c) => {
    mult(c);
    permute(c, CELL_INV_SHUFFLE);
  });
  T_TWEAK = linearTable(tweakShuffle);
  T_TWEAK_INV = linearTable(tweakInvShuffle);
}
const SUB8 = new Uint8Array(256);
const INV_SUB8 = new Uint8Array(256);
for (let v = 0; v < 256; v++) {
  SUB8[v] = SUB[v & 15]! | (SUB[v >>> 4]! << 4);
  INV_SUB8[v] = INV_SUB[v & 15]! | (INV_SUB[v >>> 4]! << 4);
}
const RC_HI = new Uint32Array(5);
const RC_LO = new Uint32Array(5);
for (let i = 0; i < 5; i++) {
  RC_HI[i] = Number.parseInt(RC_HEX[i]!.slice(0, 8), 16);
  RC_LO[i] = Number.parseInt(RC_HEX[i]!.slice(8), 16);
}
const ALPHA_HI = 0xc0ac29b7;
const ALPHA_LO = 0xc97c50dd;
/** Linear-layer result (hi, lo). */
const LR = new Uint32Array(2);
function lin(t: Uint32Array, hi: number, lo: number): void {
  let rh = 0;
  let rl = 0;
  for (let b = 0; b < 4; b++) {
    const i = (b * 256 + ((lo >>> (8 * b)) & 255)) * 2;
    rh ^= t[i]!;
    rl ^= t[i + 1]!;
    const j = ((b + 4) * 256 + ((hi >>> (8 * b)) & 255)) * 2;
    rh ^= t[j]!;
    rl ^= t[j + 1]!;
  }
  LR[0] = rh;
  LR[1] = rl;
}
function sub32(s: Uint8Array, w: number): number {
  return (
    (s[w & 255]! | (s[(w >>> 8) & 255]! << 8) | (s[(w >>> 16) & 255]! << 16) | (s[w >>> 24]! << 24)) >>> 0
  );
}

/** ComputePAC with QARMA5: result in out.hi/out.lo. key0 = K<127:64>, key1 = K<63:0>. */
export function computePacQarma5(
  out: PacOut,
  dataHi: number,
  dataLo: number,
  modHi: number,
  modLo: number,
  key0Hi: number,
  key0Lo: number,
  key1Hi: number,
  key1Lo: number,
): void {
  if (T_TWEAK_INV === EMPTY) buildTables();
  // modk0 = key0<0> : key0<63:2> : (key0<63> EOR key0<1>)
  const mkh = ((key0Lo << 31) | (key0Hi >>> 1)) >>> 0;
  const mkl = (((key0Hi << 31) | (key0Lo >>> 1)) ^ (key0Hi >>> 31)) >>> 0;
  let th = modHi >>> 0;
  let tl = modLo >>> 0;
  let wh = (dataHi ^ key0Hi) >>> 0;
  let wl = (dataLo ^ key0Lo) >>> 0;
  for (let i = 0; i < 5; i++) {
    wh = wh ^ key1Hi ^ th ^ RC_HI[i]!;
    wl = wl ^ key1Lo ^ tl ^ RC_LO[i]!;
    if (i > 0) {
      lin(T_SHUF_MULT, wh, wl);
      wh = LR[0]!;
      wl = LR[1]!;
    }
    wh = sub32(SUB8, wh);
    wl = sub32(SUB8, wl);
    lin(T_TWEAK, th, tl);
    th = LR[0]!;
    tl = LR[1]!;
  }
  lin(T_SHUF_MULT, wh ^ mkh ^ th, wl ^ mkl ^ tl);
  wh = sub32(SUB8, LR[0]!);
  wl = sub32(SUB8, LR[1]!);
  lin(T_SHUF_MULT, wh, wl);
  lin(T_INVSHUF, LR[0]! ^ key1Hi, LR[1]! ^ key1Lo);
  wh = sub32(INV_SUB8, LR[0]!);
  wl = sub32(INV_SUB8, LR[1]!);
  lin(T_MULT_INVSHUF, wh, wl);
  wh = LR[0]! ^ key0Hi ^ th;
  wl = LR[1]! ^ key0Lo ^ tl;
  for (let i = 0; i < 5; i++) {
    wh = sub32(INV_SUB8, wh >>> 0);
    wl = sub32(INV_SUB8, wl >>> 0);
    if (i < 4) {
      lin(T_MULT_INVSHUF, wh, wl);
      wh = LR[0]!;
      wl = LR[1]!;
    }
    lin(T_TWEAK_INV, th, tl);
    th = LR[0]!;
    tl = LR[1]!;
    wh = wh ^ RC_HI[4 - i]! ^ key1Hi ^ th ^ ALPHA_HI;
    wl = wl ^ RC_LO[4 - i]! ^ key1Lo ^ tl ^ ALPHA_LO;
  }
  out.hi = (wh ^ mkh) >>> 0;
  out.lo = (wl ^ mkl) >>> 0;
}

/**
 * Armature's IMPLEMENTATION DEFINED PAC function: a 4-round add-rotate-xor/multiply mix of the
 * data and modifier words keyed by all four key words (MurmurHash3/xxHash-style finalisers).
 * Deterministic, every output bit depends on every input bit, ~10x cheaper than QARMA5. It is a
 * checksum against corruption and accidental forgery, not a cryptographically strong MAC.
 */
export function computePacImpdef(
  out: PacOut,
  dataHi: number,
  dataLo: number,
  modHi: number,
  modLo: number,
  key0Hi: number,
  key0Lo: number,
  key1Hi: number,
  key1Lo: number,
): void {
  let a = (dataLo ^ key0Lo) | 0;
  let b = (dataHi ^ key0Hi) | 0;
  let c = (modLo ^ key1Lo) | 0;
  let d = (modHi ^ key1Hi) | 0;
  for (let r = 0; r < 4; r++) {
    a = (Math.imul(a ^ ((d << 7) | (d >>> 25)), 0x9e3779b1) + c) | 0;
    b = (Math.imul(b ^ ((a << 13) | (a >>> 19)), 0x85ebca77) + d) | 0;
    c = (Math.imul(c ^ ((b << 17) | (b >>> 15)), 0xc2b2ae3d) + a) | 0;
    d = (Math.imul(d ^ ((c << 11) | (c >>> 21)), 0x27d4eb2f) + b) | 0;
    a ^= key1Hi;
    b ^= key1Lo;
    c ^= key0Hi;
    d ^= key0Lo;
  }
  out.hi = (a ^ c ^ (b >>> 16)) >>> 0;
  out.lo = (b ^ d ^ (a >>> 15)) >>> 0;
}

/**
 * Results of recent ComputePAC calls (direct-mapped, MEMO_SIZE entries of 11 int32: the algorithm
 * + 1 (0 = empty), the eight input words, the two result words). ComputePAC is a pure function of
 * its inputs, so a hit returns exactly what the computation would; a function's AUTIASP finds the
 * PAC its PACIASP computed (same pointer, SP and key), which is most of a Linux kernel's calls.
 */
const MEMO_BITS = 10;
const MEMO_W = 11;
const MEMO = new Int32Array(MEMO_W << MEMO_BITS);

/**
 * ComputePAC result as int32 halves (RES[0] = hi, RES[1] = lo). The internal paths keep every 64-bit
 * half an int32 (`| 0`), never a uint32: a uint32 of 2^31 or more is a heap number, boxed afresh
 * whenever it is passed to a function V8 did not inline (a kernel pointer's top half always is).
 */
const RES = new Int32Array(2);
const tmpOut = new PacOut();

/** ComputePAC into RES (memo first). */
function computePacRes(
  alg: PacAlgorithm,
  dataHi: number,
  dataLo: number,
  modHi: number,
  modLo: number,
  key0Hi: number,
  key0Lo: number,
  key1Hi: number,
  key1Lo: number,
): void {
  const h =
    Math.imul(dataLo ^ Math.imul(modLo, 0x85ebca77) ^ dataHi ^ modHi, 0x9e3779b1) >>> (32 - MEMO_BITS);
  const e = h * MEMO_W;
  const m = MEMO;
  if (
    m[e] === alg + 1 &&
    m[e + 1] === (dataHi | 0) &&
    m[e + 2] === (dataLo | 0) &&
    m[e + 3] === (modHi | 0) &&
    m[e + 4] === (modLo | 0) &&
    m[e + 5] === (key0Hi | 0) &&
    m[e + 6] === (key0Lo | 0) &&
    m[e + 7] === (key1Hi | 0) &&
    m[e + 8] === (key1Lo | 0)
  ) {
    RES[0] = m[e + 9]!;
    RES[1] = m[e + 10]!;
    return;
  }
  const o = tmpOut;
  if (alg === PacAlgorithm.QARMA5)
    computePacQarma5(o, dataHi, dataLo, modHi, modLo, key0Hi, key0Lo, key1Hi, key1Lo);
  else computePacImpdef(o, dataHi, dataLo, modHi, modLo, key0Hi, key0Lo, key1Hi, key1Lo);
  m[e] = alg + 1;
  m[e + 1] = dataHi;
  m[e + 2] = dataLo;
  m[e + 3] = modHi;
  m[e + 4] = modLo;
  m[e + 5] = key0Hi;
  m[e + 6] = key0Lo;
  m[e + 7] = key1Hi;
  m[e + 8] = key1Lo;
  m[e + 9] = o.hi;
  m[e + 10] = o.lo;
  RES[0] = m[e + 9]!;
  RES[1] = m[e + 10]!;
}

/** ComputePAC with the regime's algorithm. */
export function computePac(
  out: PacOut,
  alg: PacAlgorithm,
  dataHi: number,
  dataLo: number,
  modHi: number,
  modLo: number,
  key0Hi: number,
  key0Lo: number,
  key1Hi: number,
  key1Lo: number,
): void {
  computePacRes(
    alg,
    dataHi | 0,
    dataLo | 0,
    modHi | 0,
    modLo | 0,
    key0Hi | 0,
    key0Lo | 0,
    key1Hi | 0,
    key1Lo | 0,
  );
  out.hi = RES[0]! >>> 0;
  out.lo = RES[1]! >>> 0;
}

// ---------------------------------------------------------------------------------------------
// AddPAC / Auth / Strip

/** EffectiveTBI for a pointer (bit 55 selects the range in two-range regimes). */
export function effectiveTbi(rg: PacRegime, ptrHi: number, isInstr: boolean): boolean {
  const upper = rg.twoRanges && ((ptrHi >>> 23) & 1) === 1;
  const tbi = upper ? rg.tbi1 : rg.tbi0;
  const tbid = upper ? rg.tbid1 : rg.tbid0;
  return tbi && !(tbid && isInstr);
}

/** CalculateBottomPACBit: 64 - TnSZ, TnSZ clamped to the implemented range. */
export function bottomPacBit(rg: PacRegime, topBit: number): number {
  let tsz = rg.twoRanges && topBit === 1 ? rg.t1sz : rg.t0sz;
  if (tsz > rg.tszMax) tsz = rg.tszMax;
  if (tsz < rg.tszMin) tsz = rg.tszMin;
  return 64 - tsz;
}

// Masks of bits [63:bottom] as int32 halves (bottom = CalculateBottomPACBit, 25..48 with the clamp,
// any 0..63 works): the extension field, the PAC field and the corruption check are this mask cut
// at bit 55 or 54 (the top halves' 0x00ffffff / 0x007fffff).
function geHi(bottom: number): number {
  return bottom >= 32 ? -1 << (bottom - 32) : -1;
}
function geLo(bottom: number): number {
  return bottom >= 32 ? 0 : -1 << bottom;
}

/**
 * AddPAC: insert a PAC computed with key K (keyHi = K<127:64>, keyLo = K<63:0>) into ptr.
 * `data` selects the data-address TBI rules (PACDA/PACDB vs PACIA/PACIB).
 */
export function addPac(
  out: PacOut,
  rg: PacRegime,
  ptrHi: number,
  ptrLo: number,
  modHi: number,
  modLo: number,
  keyHiHi: number,
  keyHiLo: number,
  keyLoHi: number,
  keyLoLo: number,
  data: boolean,
): void {
  ptrHi |= 0;
  ptrLo |= 0;
  const tbi = effectiveTbi(rg, ptrHi, !data);
  let sel: number;
  if (rg.twoRanges) {
    const use55 = data ? rg.tbi1 || rg.tbi0 : (rg.tbi1 && !rg.tbid1) || (rg.tbi0 && !rg.tbid0);
    sel = use55 ? (ptrHi >>> 23) & 1 : ptrHi >>> 31;
  } else sel = tbi ? (ptrHi >>> 23) & 1 : ptrHi >>> 31;
  const bottom = bottomPacBit(rg, sel);
  const geH = geHi(bottom);
  const extL = geLo(bottom);
  // extension field [top_bit:bottom], top_bit = 55 with TBI, else 63
  const extH = tbi ? geH & 0x00ffffff : geH;
  // ext_ptr: the extension field replaced by copies of selbit
  computePacRes(
    rg.algorithm,
    sel ? ptrHi | extH : ptrHi & ~extH,
    sel ? ptrLo | extL : ptrLo & ~extL,
    modHi | 0,
    modLo | 0,
    keyHiHi | 0,
    keyHiLo | 0,
    keyLoHi | 0,
    keyLoLo | 0,
  );
  let ph = RES[0]!;
  let pl = RES[1]!;
  // Extension bits [top_bit:bottom] must be all zeros or all ones, else the PAC is corrupted.
  const fH = ptrHi & extH;
  const fL = ptrLo & extL;
  const good = (fH === 0 && fL === 0) || (fH === extH && fL === extL);
  out.good = good;
  if (!good) {
    if (rg.level === 2) {
      ph = 0;
      pl = 0;
    } else if (rg.level === 1) {
      // PAC<top_bit-1> = NOT(PAC<top_bit-1>)
      ph ^= 1 << ((tbi ? 55 : 63) - 1 - 32);
    }
  }
  // Field receiving the PAC: bits 54:bottom, plus 63:56 when TBI is off. Bit 55 = selbit.
  const fieldH = tbi ? geH & 0x007fffff : (geH & 0x007fffff) | 0xff000000;
  let rH: number;
  let rL: number;
  if (rg.level === 3) {
    rH = ptrHi ^ (ph & fieldH);
    rL = ptrLo ^ (pl & extL);
  } else {
    rH = (ptrHi & ~fieldH) | (ph & fieldH);
    rL = (ptrLo & ~extL) | (pl & extL);
  }
  rH = (rH & ~(1 << 23)) | (sel << 23);
  out.hi = rH >>> 0;
  out.lo = rL >>> 0;
  out.fault = false;
}

/**
 * Auth: check and remove the PAC of ptr (AUTIA/AUTIB/AUTDA/AUTDB, RETAA, BRAA, LDRAA, ...).
 * keyNumber 0 = A key, 1 = B key; `combined` marks the combined branch/return/load forms (FPAC
 * only faults for them with FEAT_FPACCOMBINE). On failure without FPAC the pointer is poisoned
 * with the architected error code; with FPAC `out.fault` is set and the caller raises the fault.
 */
export function auth(
  out: PacOut,
  rg: PacRegime,
  ptrHi: number,
  ptrLo: number,
  modHi: number,
  modLo: number,
  keyHiHi: number,
  keyHiLo: number,
  keyLoHi: number,
  keyLoLo: number,
  data: boolean,
  keyNumber: 0 | 1,
  combined: boolean,
): void {
  ptrHi |= 0;
  ptrLo |= 0;
  const tbi = effectiveTbi(rg, ptrHi, !data);
  const b55 = (ptrHi >>> 23) & 1;
  const bottom = bottomPacBit(rg, b55);
  const geH = geHi(bottom);
  const fL = geLo(bottom);
  const extH = tbi ? geH & 0x00ffffff : geH;
  // original_ptr: the extension field [top_bit:bottom] replaced by copies of bit 55
  const oh = b55 ? ptrHi | extH : ptrHi & ~extH;
  const ol = b55 ? ptrLo | fL : ptrLo & ~fL;
  computePacRes(
    rg.algorithm,
    oh,
    ol,
    modHi | 0,
    modLo | 0,
    keyHiHi | 0,
    keyHiLo | 0,
    keyLoHi | 0,
    keyLoLo | 0,
  );
  // PAC field: bits 54:bottom, plus 63:56 when TBI is off
  const f54H = geH & 0x007fffff;
  const fH = tbi ? f54H : f54H | 0xff000000;
  out.fault = false;
  if (rg.level !== 3) {
    if (((RES[0]! ^ ptrHi) & fH) === 0 && ((RES[1]! ^ ptrLo) & fL) === 0) {
      out.hi = oh >>> 0;
      out.lo = ol >>> 0;
    } else {
      // error_code = keynumber : NOT(keynumber) at bits 54:53 (TBI) or 62:61.
      const code = keyNumber === 0 ? 1 : 2;
      const sh = tbi ? 53 - 32 : 61 - 32;
      out.hi = ((oh & ~(3 << sh)) | (code << sh)) >>> 0;
      out.lo = ol >>> 0;
    }
    return;
  }
  const rH = ptrHi ^ (RES[0]! & fH);
  const rL = ptrLo ^ (RES[1]! & fL);
  out.hi = rH >>> 0;
  out.lo = rL >>> 0;
  if (rg.fpacCombined || (rg.fpac && !combined)) {
    const rb55 = (rH >>> 23) & 1;
    const gH = rH & f54H;
    const gL = rL & fL;
    let ok = rb55 ? gH === f54H && gL === fL : gH === 0 && gL === 0;
    if (!tbi && rH >>> 24 !== (rb55 ? 0xff : 0)) ok = false;
    if (!ok) out.fault = true;
  }
}

/** Strip (XPACI/XPACD/XPACLRI): remove the PAC field without checking it. */
export function strip(out: PacOut, rg: PacRegime, ptrHi: number, ptrLo: number, data: boolean): void {
  ptrHi |= 0;
  ptrLo |= 0;
  const tbi = effectiveTbi(rg, ptrHi, !data);
  const b55 = (ptrHi >>> 23) & 1;
  const bottom = bottomPacBit(rg, b55);
  const geH = geHi(bottom);
  const extL = geLo(bottom);
  const extH = tbi ? geH & 0x00ffffff : geH;
  out.hi = (b55 ? ptrHi | extH : ptrHi & ~extH) >>> 0;
  out.lo = (b55 ? ptrLo | extL : ptrLo & ~extL) >>> 0;
  out.fault = false;
}

/** PACGA: ComputePAC(Xn, Xm, APGAKeyHi, APGAKeyLo)<63:32> : Zeros(32). */
export function pacga(
  out: PacOut,
  alg: PacAlgorithm,
  nHi: number,
  nLo: number,
  mHi: number,
  mLo: number,
  keyHiHi: number,
  keyHiLo: number,
  keyLoHi: number,
  keyLoLo: number,
): void {
  computePac(out, alg, nHi, nLo, mHi, mLo, keyHiHi, keyHiLo, keyLoHi, keyLoLo);
  out.lo = 0;
  out.fault = false;
}
