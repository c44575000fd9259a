/*
 * Pointer authentication instructions (ARM ARM C6.2: PACIA/PACIB/PACDA/PACDB (+Z forms, hint forms
 * 1716/SP/Z), AUT*, XPACI/XPACD/XPACLRI, PACGA, BRAA/BRAB(Z), BLRAA/BLRAB(Z), RETAA/RETAB,
 * ERETAA/ERETAB, LDRAA/LDRAB) over src/pauth (AddPAC/Auth/Strip, J1 shared/functions/pac).
 *
 * Keys come from the AP*Key_EL1 registers, enables from SCTLR_EL1.{EnIA,EnIB,EnDA,EnDB} (in
 * `armature user` mode they are all on, as Linux sets them for every process). The algorithm follows
 * ID_AA64ISAR1_EL1: API/GPI (IMPLEMENTATION DEFINED) selects Armature's fast algorithm, APA/GPA
 * the architected QARMA5.
 */
import { sysRegKey } from "@armature/core";
import { IO_WORD, SP_MEMO_BITS, SP_MEMO_K1, SP_MEMO_K2, SP_MEMO_W } from "../../jit/wasm/layout.js";
import { addPac, auth, PacAlgorithm, PacOut, PacRegime, pacga, strip } from "../../pauth/index.js";
import type { Cpu } from "../cpu.js";
import { branchTo } from "../exec-int.js";
import type { Handler } from "./common.js";

const out = new PacOut();
const rg = new PacRegime();

const KEY = {
  IA: sysRegKey(3, 0, 2, 1, 0),
  IB: sysRegKey(3, 0, 2, 1, 2),
  DA: sysRegKey(3, 0, 2, 2, 0),
  DB: sysRegKey(3, 0, 2, 2, 2),
  GA: sysRegKey(3, 0, 2, 3, 0),
} as const;
type KeyName = keyof typeof KEY;
const TCR_EL1 = sysRegKey(3, 0, 2, 0, 2);
// SCTLR_EL1 enable bits (D19.2.118).
const EN: Record<KeyName, number> = { IA: 1 << 31, IB: 1 << 30, DA: 1 << 27, DB: 1 << 13, GA: 0 };

/**
 * Key halves: K[0..3] = KeyHi<63:32>, KeyHi<31:0>, KeyLo<63:32>, KeyLo<31:0>, as int32 (a uint32
 * of 2^31 or more would be a heap number, boxed on every call into src/pauth).
 */
const K = new Int32Array(4);

/**
 * Key halves per key (IA, IB, DA, DB, GA) as last read, valid while `keyValid` has the key's bit
 * and the SysRegs object and its plainGen are those of the last read (a key or TCR_EL1 write,
 * a reset or a restore bumps plainGen): reading two 64-bit registers as bigints per PAC/AUT
 * cost a sixth of a Linux boot.
 */
const halves = new Int32Array(4 * 5);
const KEY_SLOT: Record<KeyName, number> = { IA: 0, IB: 1, DA: 2, DB: 3, GA: 4 };
let keyValid = 0;
let regimeValid = false;
let cacheSys: object | undefined;
let cacheGen = -1;

/** Drop the caches when another CPU's registers are used or they changed. */
function checkCache(c: Cpu): void {
  const s = c.sys;
  if (s !== cacheSys || s.plainGen !== cacheGen) {
    cacheSys = s;
    cacheGen = s.plainGen;
    keyValid = 0;
    regimeValid = false;
    spSelect(s);
  }
}

/**
 * Make spEpoch the epoch of the SysRegs object and its SP_DEPS values: the one they had when last
 * seen (among the SP_SETS most recent), so memo entries made with them are valid again (Linux
 * switches the APIA key on every kernel entry and exit, and per task), else a new one.
 */
function spSelect(s: CpuSysRegs): void {
  const vals = SP_DEPS.map((k) => s.read(k) ?? 0n);
  let i = spSets.findIndex((t) => t.sys === s && t.vals.every((v, j) => v === vals[j]));
  if (i < 0) {
    if (spNext > 0x0fffffff) {
      // epochs start again: every CPU's memo is emptied before its next use (spHint)
      spNext = 1;
      spSets.length = 0;
      spWrap++;
    }
    spSets.unshift({ sys: s, vals, epoch: spNext++ });
    if (spSets.length > SP_SETS) spSets.pop();
    i = 0;
  } else if (i > 0) spSets.unshift(...spSets.splice(i, 1));
  spEpoch = spSets[0]!.epoch;
}

/**
 * Results of the SP hint forms (PACIASP, PACIBSP, AUTIASP, AUTIBSP: every Linux function's
 * prologue and epilogue), direct-mapped, one memo per CPU (Cpu.state.spMemo, in its arena with
 * one: WebAssembly blocks look APIA results up there, see IO_WORD.spTag), SP_W int32 per entry: tag = spEpoch << 3 | op (op = key
 * slot 0 A / 1 B, plus 4 for AUT), X30 hi, lo, SP hi, lo, result hi, lo. The result is a pure function of those
 * and of the keys and the regime (TCR_EL1, ID_AA64ISAR1_EL1), which the epoch names: one per
 * SysRegs object and SP_DEPS values (spSelect). The enable bit
 * (SCTLR_EL1.EnIA/EnIB) is tested before the memo; an AUT that faults (FEAT_FPAC) is not kept.
 * The slot is chosen by the op (PAC or AUT half) and a hash of the low halves only (a kernel's high
 * halves are all alike), so the key slot, the epoch and the high halves are told apart by the
 * comparison alone (the handler tests depend on that).
 */
/** The registers the memo's results depend on besides its key fields (ID registers are fixed). */
const SP_DEPS = [TCR_EL1, KEY.IA, KEY.IA + 1, KEY.IB, KEY.IB + 1];
type CpuSysRegs = Cpu["sys"];
const SP_SETS = 16;
const spSets: { sys: CpuSysRegs; vals: bigint[]; epoch: number }[] = [];
let spNext = 1;
const SP_BITS = SP_MEMO_BITS;
const SP_W = SP_MEMO_W;
let spEpoch = 0;
/** Times the epochs started again (a CPU's memo made before that is emptied: IO_WORD.spWrap). */
let spWrap = 0;

/** Key slot (KEY_SLOT) per key; the hot paths below take slots, not names. */
const KEY_BY_SLOT: readonly KeyName[] = ["IA", "IB", "DA", "DB", "GA"];
const EN_BY_SLOT = KEY_BY_SLOT.map((k) => EN[k]);

function loadKey(c: Cpu, name: KeyName): void {
  loadKeySlot(c, KEY_SLOT[name]);
}

function loadKeySlot(c: Cpu, i: number): void {
  checkCache(c);
  const o = 4 * i;
  if ((keyValid & (1 << i)) === 0) {
    const name = KEY_BY_SLOT[i]!;
    const lo = c.sys.read(KEY[name]) ?? 0n;
    const hi = c.sys.read(KEY[name] + 1) ?? 0n;
    halves[o] = Number(BigInt.asIntN(32, hi >> 32n));
    halves[o + 1] = Number(BigInt.asIntN(32, hi));
    halves[o + 2] = Number(BigInt.asIntN(32, lo >> 32n));
    halves[o + 3] = Number(BigInt.asIntN(32, lo));
    keyValid |= 1 << i;
  }
  K[0] = halves[o]!;
  K[1] = halves[o + 1]!;
  K[2] = halves[o + 2]!;
  K[3] = halves[o + 3]!;
}

function enabled(c: Cpu, slot: number): boolean {
  return c.userMode || (c.sys.sctlr & EN_BY_SLOT[slot]!) !== 0;
}

/** Refresh the regime from TCR_EL1 and the ID registers (recomputed only when they change). */
function regime(c: Cpu): PacRegime {
  checkCache(c);
  if (regimeValid) return rg;
  regimeValid = true;
  const tcr = c.sys.read(TCR_EL1) ?? 0n;
  const isar = c.sys.id.isar1;
  const lo = Number(tcr & 0xffffffffn);
  const hi = Number(tcr >> 32n);
  rg.twoRanges = true;
  rg.t0sz = lo & 63;
  rg.t1sz = (lo >>> 16) & 63;
  rg.tbi0 = ((hi >>> 5) & 1) === 1;
  rg.tbi1 = ((hi >>> 6) & 1) === 1;
  rg.tbid0 = ((hi >>> 19) & 1) === 1;
  rg.tbid1 = ((hi >>> 20) & 1) === 1;
  const isar1 = Number(isar & 0xffffffffn);
  const apa = (isar1 >>> 4) & 15;
  const api = (isar1 >>> 8) & 15;
  const lvl = Math.max(apa, api);
  rg.level = lvl >= 3 ? 3 : lvl === 2 ? 2 : 1;
  rg.fpac = lvl >= 4;
  rg.fpacCombined = lvl >= 5;
  rg.algorithm = api !== 0 ? PacAlgorithm.IMPDEF : PacAlgorithm.QARMA5;
  return rg;
}

function xLo(c: Cpu, r: number): number {
  return r === 31 ? 0 : c.x[2 * r]!;
}
function xHi(c: Cpu, r: number): number {
  return r === 31 ? 0 : c.x[2 * r + 1]!;
}
/** Register or SP (r = 31 → current SP, slot 32). */
function spLo(c: Cpu, r: number): number {
  return c.x[2 * (r === 31 ? 32 : r)]!;
}
function spHi(c: Cpu, r: number): number {
  return c.x[2 * (r === 31 ? 32 : r) + 1]!;
}

/** PAC* on X`d` with modifier (mh, ml), key slot `key` (KEY_SLOT: 0 IA, 1 IB, 2 DA, 3 DB). */
function doPac(c: Cpu, d: number, mh: number, ml: number, key: number): void {
  if (!enabled(c, key)) return;
  loadKeySlot(c, key);
  addPac(out, regime(c), c.x[2 * d + 1]!, c.x[2 * d]!, mh, ml, K[0]!, K[1]!, K[2]!, K[3]!, key >= 2);
  c.x[2 * d] = out.lo | 0;
  c.x[2 * d + 1] = out.hi | 0;
}

/** Auth of (ph, pl): result in out (unchanged pointer when the key is disabled). */
function doAuth(
  c: Cpu,
  ph: number,
  pl: number,
  mh: number,
  ml: number,
  key: number,
  combined: boolean,
): void {
  if (!enabled(c, key)) {
    out.hi = ph >>> 0;
    out.lo = pl >>> 0;
    out.fault = false;
    return;
  }
  loadKeySlot(c, key);
  const data = key >= 2;
  const b = key & 1;
  auth(out, regime(c), ph, pl, mh, ml, K[0]!, K[1]!, K[2]!, K[3]!, data, b === 0 ? 0 : 1, combined);
  // FEAT_FPAC: the authentication failure is an exception (EC 0x1C, ISS bit 1 = data key, bit 0 = B key).
  if (out.fault) c.syncException(0x1c, (data ? 2 : 0) | b, 0, 0, c.pc, c.pcHi);
}

function doAut(c: Cpu, d: number, mh: number, ml: number, key: number): void {
  doAuth(c, c.x[2 * d + 1]!, c.x[2 * d]!, mh, ml, key, false);
  c.x[2 * d] = out.lo | 0;
  c.x[2 * d + 1] = out.hi | 0;
}

function doStrip(c: Cpu, d: number, data: boolean): void {
  strip(out, regime(c), c.x[2 * d + 1]!, c.x[2 * d]!, data);
  c.x[2 * d] = out.lo | 0;
  c.x[2 * d + 1] = out.hi | 0;
}

/** PACIxSP (op = key slot) / AUTIxSP (op = 4 | key slot) on X30 with SP, through the CPU's memo. */
function spHint(c: Cpu, op: number): void {
  const key = op & 3;
  const io = c.state.io;
  if (!enabled(c, key)) {
    if (key === 0) {
      // translated code may treat PACIASP/AUTIASP as NOPs until SCTLR_EL1 (plainGen) moves
      io[IO_WORD.spTag] = -1;
      io[IO_WORD.spGen] = c.sys.plainGen;
    }
    return;
  }
  const s = c.sys;
  if (s !== cacheSys || s.plainGen !== cacheGen) checkCache(c);
  const m = c.state.spMemo;
  if (io[IO_WORD.spWrap] !== spWrap) {
    m.fill(0);
    io[IO_WORD.spWrap] = spWrap;
  }
  if (key === 0) {
    // translated code may use this CPU's APIA entries until plainGen moves
    io[IO_WORD.spTag] = spEpoch << 3;
    io[IO_WORD.spGen] = s.plainGen;
  }
  const x = c.x;
  const ph = x[61]!;
  const pl = x[60]!;
  const mh = x[65]!;
  const ml = x[64]!;
  const e = spEntry(pl, ml, op >>> 2);
  const tag = (spEpoch << 3) | op;
  if (m[e] === tag && m[e + 1] === ph && m[e + 2] === pl && m[e + 3] === mh && m[e + 4] === ml) {
    x[60] = m[e + 6]!;
    x[61] = m[e + 5]!;
    return;
  }
  if (op & 4) doAut(c, 30, mh, ml, key);
  else doPac(c, 30, mh, ml, key);
  if (out.fault) return;
  const rh = x[61]!;
  const rl = x[60]!;
  spPut(m, e, tag, ph, pl, mh, ml, rh, rl);
  if (op & 4 || !out.good) return;
  // The matching AUT of a good pointer gives it back (Auth(AddPAC(p)) = p, see PacOut.good):
  // its entry is written now, so a function's first AUTIASP after a missed PACIASP hits too.
  spPut(m, spEntry(rl, ml, 1), tag | 4, rh, rl, mh, ml, ph, pl);
}

/**
 * The memo's entry for X30's low half `pl` and SP's low half `ml`: PACs (aut 0) in the lower half of
 * the table, AUTs (aut 1) in the upper, since a function's AUT has its PAC's low halves
 * (src/jit/wasm/compile.ts spHintInline computes the same).
 */
function spEntry(pl: number, ml: number, aut: number): number {
  const h = Math.imul(pl ^ Math.imul(ml, SP_MEMO_K1), SP_MEMO_K2) >>> (33 - SP_BITS);
  return SP_W * (h + (aut << (SP_BITS - 1)));
}

/** Write memo entry `e`: the tag, the input X30 and SP, the resulting X30. */
function spPut(
  m: Int32Array,
  e: number,
  tag: number,
  ph: number,
  pl: number,
  mh: number,
  ml: number,
  rh: number,
  rl: number,
): void {
  m[e] = tag;
  m[e + 1] = ph;
  m[e + 2] = pl;
  m[e + 3] = mh;
  m[e + 4] = ml;
  m[e + 5] = rh;
  m[e + 6] = rl;
}

/** dp_1src PAC*, AUT*, XPAC*. */
const dp1src: Handler = (c, w) => {
  const op = (w >>> 10) & 63;
  const n = (w >>> 5) & 31;
  const d = w & 31;
  if (op >= 16) {
    if (n !== 31) c.undefinedInstruction();
    if (d !== 31) doStrip(c, d, op === 17);
    return;
  }
  const zero = op >= 8;
  if (zero && n !== 31) c.undefinedInstruction();
  if (d === 31) return;
  const key = op & 3;
  const mh = zero ? 0 : spHi(c, n);
  const ml = zero ? 0 : spLo(c, n);
  if (op & 4) doAut(c, d, mh, ml, key);
  else doPac(c, d, mh, ml, key);
};

/** PACGA Xd, Xn, Xm|SP. */
const pacgaH: Handler = (c, w) => {
  const m = (w >>> 16) & 31;
  const n = (w >>> 5) & 31;
  const d = w & 31;
  loadKey(c, "GA");
  const isar1 = Number(c.sys.id.isar1 & 0xffffffffn);
  const alg = (isar1 >>> 28) & 15 ? PacAlgorithm.IMPDEF : PacAlgorithm.QARMA5;
  pacga(out, alg, xHi(c, n), xLo(c, n), spHi(c, m), spLo(c, m), K[0]!, K[1]!, K[2]!, K[3]!);
  if (d !== 31) {
    c.x[2 * d] = 0;
    c.x[2 * d + 1] = out.hi | 0;
  }
};

/**
 * XPACLRI, and for translated code (compile.ts xpaclriInline) the masks Strip applies under the
 * current TCR_EL1: to an address with bit 55 clear (an AND) and with it set (an OR).
 */
function xpaclri(c: Cpu): void {
  doStrip(c, 30, false);
  const io = c.state.io;
  const rg = regime(c);
  strip(out, rg, 0xff7fffff | 0, -1, false);
  io[IO_WORD.xpacAnd0Lo] = out.lo | 0;
  io[IO_WORD.xpacAnd0Hi] = out.hi | 0;
  strip(out, rg, 0x00800000, 0, false);
  io[IO_WORD.xpacOr1Lo] = out.lo | 0;
  io[IO_WORD.xpacOr1Hi] = out.hi | 0;
  io[IO_WORD.xpacGen] = c.sys.plainGen;
}

/** Hint-space forms (NOP when the key is disabled, which doPac/doAuth handle). */
function hint(id: string): Handler | undefined {
  const m = /^(PAC|AUT)I([AB])(1716|SP|Z)_HI_hints$/.exec(id);
  if (m === null) {
    if (id === "XPACLRI_HI_hints") return xpaclri;
    return undefined;
  }
  const key = m[2] === "A" ? 0 : 1;
  const isPac = m[1] === "PAC";
  const form = m[3];
  // one closure per form, so the hot PACIASP/AUTIASP of every kernel function pay no tests
  if (form === "SP") return isPac ? (c) => spHint(c, key) : (c) => spHint(c, 4 | key);
  const d = form === "1716" ? 17 : 30;
  const one = form === "1716";
  return (c) => {
    const mh = one ? c.x[33]! : 0;
    const ml = one ? c.x[32]! : 0;
    if (isPac) doPac(c, d, mh, ml, key);
    else doAut(c, d, mh, ml, key);
  };
}

function pcPlus4(c: Cpu): void {
  const l = c.pc + 4;
  c.x[60] = l | 0;
  c.x[61] = (c.pcHi + (l > 0xffffffff ? 1 : 0)) | 0;
}

/** BRAA/BRAB(Z), BLRAA/BLRAB(Z), RETAA/RETAB, ERETAA/ERETAB. */
function branch(mn: string): Handler {
  const key = mn.endsWith("B") || mn.endsWith("BZ") ? 1 : 0;
  const zero = mn.endsWith("Z");
  const link = mn.startsWith("BLR");
  const ret = mn.startsWith("RET");
  const eret = mn.startsWith("ERET");
  return (c, w) => {
    const n = (w >>> 5) & 31;
    const m = w & 31;
    if (eret) {
      if (c.el === 0) c.undefinedInstruction();
      const s = c.sys;
      doAuth(c, s.elrHi, s.elrLo, c.x[65]!, c.x[64]!, key, true);
      c.restoreSpsr(s.spsrEl1);
      c.exValid = false;
      branchTo(c, out.lo, out.hi);
      return;
    }
    let ph: number;
    let pl: number;
    let mh: number;
    let ml: number;
    if (ret) {
      ph = c.x[61]!;
      pl = c.x[60]!;
      mh = c.x[65]!;
      ml = c.x[64]!;
    } else {
      ph = xHi(c, n);
      pl = xLo(c, n);
      if (zero) {
        if (m !== 31) c.undefinedInstruction();
        mh = 0;
        ml = 0;
      } else {
        mh = spHi(c, m);
        ml = spLo(c, m);
      }
    }
    doAuth(c, ph, pl, mh, ml, key, true);
    if (link) pcPlus4(c);
    branchTo(c, out.lo, out.hi);
  };
}

/** LDRAA/LDRAB (offset and pre-indexed writeback). */
const ldra: Handler = (c, w) => {
  const M = (w >>> 23) & 1;
  const S = (w >>> 22) & 1;
  const imm9 = (w >>> 12) & 511;
  const wb = (w >>> 11) & 1;
  const n = (w >>> 5) & 31;
  const t = w & 31;
  const off = (((S << 9) | imm9) << 22) >> 19; // SignExtend(S:imm9) << 3
  const b = n === 31 ? 32 : n;
  doAuth(c, c.x[2 * b + 1]!, c.x[2 * b]!, 0, 0, M ? 3 : 2, true);
  const l = (out.lo >>> 0) + off;
  const lo = l | 0;
  const hi = (out.hi + (l > 0xffffffff ? 1 : l < 0 ? -1 : 0)) | 0;
  const vlo = c.ld64(lo, hi);
  const vhi = c.rhi;
  if (wb) {
    c.x[2 * b] = lo;
    c.x[2 * b + 1] = hi;
  }
  if (t !== 31) {
    c.x[2 * t] = vlo;
    c.x[2 * t + 1] = vhi;
  }
};

export function pauthHandler(id: string, iclass: string, mn: string): Handler | undefined {
  if (iclass === "hints") return hint(id);
  if (iclass === "dp_1src" && (mn.startsWith("PAC") || mn.startsWith("AUT") || mn.startsWith("XPAC")))
    return dp1src;
  if (iclass === "dp_2src" && mn === "PACGA") return pacgaH;
  if (iclass === "branch_reg" && /^(BRA|BLRA|RETA|ERETA)/.test(mn)) return branch(mn);
  if (iclass === "ldst_pac") return ldra;
  return undefined;
}
