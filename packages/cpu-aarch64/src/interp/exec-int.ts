/*
 * Data-processing and branch instructions (ARM ARM C4.1.86 "Data Processing -- Immediate",
 * C4.1.88 "Data Processing -- Register", C4.1.87 "Branches"). Each handler extracts its own fields
 * from the word (no allocation) and works on the two-halves register file of `Cpu`.
 */
import {
  bitfieldMasks64,
  bitMask,
  CRC32_TABLE,
  CRC32C_TABLE,
  cls32,
  crcBytes,
  mul64,
  R,
  rbit32,
  rev16w,
  rev32,
  ror64,
  sdiv64,
  shift32,
  shift64,
  smulh64,
  udiv64,
  umul32,
  umulh64,
} from "./alu.js";
import type { Cpu } from "./cpu.js";

// ------------------------------------------------------------------ helpers

/** AddWithCarry, 64-bit; result in R; flags when S. */
function adc64(c: Cpu, alo: number, ahi: number, blo: number, bhi: number, cin: number, S: number): void {
  const l = (alo >>> 0) + (blo >>> 0) + cin;
  const cl = l > 0xffffffff ? 1 : 0;
  const h = (ahi >>> 0) + (bhi >>> 0) + cl;
  const rlo = l | 0;
  const rhi = h | 0;
  R[0] = rlo;
  R[1] = rhi;
  if (S !== 0) {
    c.nf = rhi >>> 31;
    c.zf = (rlo | rhi) === 0 ? 1 : 0;
    c.cf = h > 0xffffffff ? 1 : 0;
    c.vf = (~(ahi ^ bhi) & (ahi ^ rhi)) >>> 31;
  }
}

/** AddWithCarry, 32-bit; returns the result (int32). */
function adc32(c: Cpu, a: number, b: number, cin: number, S: number): number {
  const l = (a >>> 0) + (b >>> 0) + cin;
  const r = l | 0;
  if (S !== 0) {
    c.nf = r >>> 31;
    c.zf = r === 0 ? 1 : 0;
    c.cf = l > 0xffffffff ? 1 : 0;
    c.vf = (~(a ^ b) & (a ^ r)) >>> 31;
  }
  return r;
}

/** ConditionHolds (ARM ARM J1 shared/functions/system/ConditionHolds). */
export function condHolds(c: Cpu, cond: number): boolean {
  let r: boolean;
  switch (cond >>> 1) {
    case 0:
      r = c.zf === 1;
      break;
    case 1:
      r = c.cf === 1;
      break;
    case 2:
      r = c.nf === 1;
      break;
    case 3:
      r = c.vf === 1;
      break;
    case 4:
      r = c.cf === 1 && c.zf === 0;
      break;
    case 5:
      r = c.nf === c.vf;
      break;
    case 6:
      r = c.nf === c.vf && c.zf === 0;
      break;
    default:
      r = true;
  }
  return (cond & 1) !== 0 && cond !== 15 ? !r : r;
}

function setD(c: Cpu, d: number, lo: number, hi: number): void {
  if (d !== 31) {
    c.x[2 * d] = lo;
    c.x[2 * d + 1] = hi;
  }
}

/** Write Rd where 31 means SP. */
function setDsp(c: Cpu, d: number, lo: number, hi: number): void {
  const i = d === 31 ? 64 : 2 * d;
  c.x[i] = lo;
  c.x[i + 1] = hi;
}

/** PC-relative target: pc + off (off a signed number < 2^31 in magnitude) into R. */
function pcPlus(c: Cpu, off: number): void {
  const l = c.pc + off;
  if (l >= 0 && l <= 0xffffffff) {
    R[0] = l | 0;
    R[1] = c.pcHi;
  } else if (l > 0xffffffff) {
    R[0] = (l - 4294967296) | 0;
    R[1] = (c.pcHi + 1) | 0;
  } else {
    R[0] = (l + 4294967296) | 0;
    R[1] = (c.pcHi - 1) | 0;
  }
}

/** A taken branch: PC = hi:lo (`jumped` tells the run loop not to advance it). */
export function branchTo(c: Cpu, lo: number, hi: number): void {
  c.pc = lo >>> 0;
  c.pcHi = hi | 0;
  c.jumped = true;
}

function setNZ64(c: Cpu, lo: number, hi: number): void {
  c.nf = hi >>> 31;
  c.zf = (lo | hi) === 0 ? 1 : 0;
  c.cf = 0;
  c.vf = 0;
}

// ------------------------------------------------------------------ data processing, immediate

export function pcreladdr(c: Cpu, w: number): void {
  const immlo = (w >>> 29) & 3;
  const immhi = (w << 8) >> 13; // signed bits 23:5
  const d = w & 31;
  if (w >>> 31 === 0) {
    pcPlus(c, immhi * 4 + immlo);
    setD(c, d, R[0]!, R[1]!);
  } else {
    // ADRP: (pc & ~0xfff) + imm << 12
    const imm = immhi * 4 + immlo; // 21-bit signed page count
    const l = c.pc - (c.pc % 4096) + imm * 4096;
    const carry = Math.floor(l / 4294967296);
    setD(c, d, (l - carry * 4294967296) | 0, (c.pcHi + carry) | 0);
  }
}

export function addsubImm(c: Cpu, w: number): void {
  const x = c.x;
  let imm = (w >>> 10) & 0xfff;
  if ((w >>> 22) & 1) imm <<= 12;
  const n = (w >>> 5) & 31;
  const ni = n === 31 ? 64 : 2 * n;
  const d = w & 31;
  const S = (w >>> 29) & 1;
  const sub = (w >>> 30) & 1;
  if (w >>> 31) {
    if (sub) adc64(c, x[ni]!, x[ni + 1]!, ~imm, -1, 1, S);
    else adc64(c, x[ni]!, x[ni + 1]!, imm, 0, 0, S);
    if (S) setD(c, d, R[0]!, R[1]!);
    else setDsp(c, d, R[0]!, R[1]!);
  } else {
    const r = sub ? adc32(c, x[ni]!, ~imm, 1, S) : adc32(c, x[ni]!, imm, 0, S);
    if (S) setD(c, d, r, 0);
    else setDsp(c, d, r, 0);
  }
}

export function logImm(c: Cpu, w: number): void {
  const x = c.x;
  const sf = w >>> 31;
  const opc = (w >>> 29) & 3;
  bitMask((w >>> 22) & 1, (w >>> 10) & 63, (w >>> 16) & 63);
  const n = (w >>> 5) & 31;
  const d = w & 31;
  let lo = x[2 * n]!;
  let hi = sf ? x[2 * n + 1]! : 0;
  const mlo = R[0]!;
  const mhi = sf ? R[1]! : 0;
  if (opc === 0 || opc === 3) {
    lo &= mlo;
    hi &= mhi;
  } else if (opc === 1) {
    lo |= mlo;
    hi |= mhi;
  } else {
    lo ^= mlo;
    hi ^= mhi;
  }
  if (opc === 3) {
    if (sf) setNZ64(c, lo, hi);
    else setNZ64(c, lo, lo);
    c.zf = (sf ? lo | hi : lo) === 0 ? 1 : 0;
    setD(c, d, lo, hi);
  } else setDsp(c, d, lo, hi);
}

export function movewide(c: Cpu, w: number): void {
  const x = c.x;
  const sf = w >>> 31;
  const opc = (w >>> 29) & 3;
  const hw = (w >>> 21) & 3;
  const imm = (w >>> 5) & 0xffff;
  const d = w & 31;
  if (d === 31) return;
  let lo: number;
  let hi: number;
  if (opc === 3) {
    lo = x[2 * d]!;
    hi = x[2 * d + 1]!;
    if (hw === 0) lo = (lo & 0xffff0000) | imm;
    else if (hw === 1) lo = (lo & 0xffff) | (imm << 16);
    else if (hw === 2) hi = (hi & 0xffff0000) | imm;
    else hi = (hi & 0xffff) | (imm << 16);
  } else {
    lo = 0;
    hi = 0;
    if (hw === 0) lo = imm;
    else if (hw === 1) lo = imm << 16;
    else if (hw === 2) hi = imm;
    else hi = imm << 16;
    if (opc === 0) {
      lo = ~lo;
      hi = ~hi;
    }
  }
  x[2 * d] = lo | 0;
  x[2 * d + 1] = sf ? hi | 0 : 0;
}

export function bitfield(c: Cpu, w: number): void {
  const x = c.x;
  const sf = w >>> 31;
  const opc = (w >>> 29) & 3; // 0 SBFM, 1 BFM, 2 UBFM
  const r = (w >>> 16) & 63;
  const s = (w >>> 10) & 63;
  const n = (w >>> 5) & 31;
  const d = w & 31;
  if (!sf) {
    const src = x[2 * n]!;
    const dst = opc === 1 ? x[2 * d]! : 0;
    // wmask = ROR(Ones(s+1), r) (32-bit), tmask = Ones(((s - r) & 31) + 1)
    const ones = s === 31 ? -1 : (1 << (s + 1)) - 1;
    const wm = r === 0 ? ones : (ones >>> r) | (ones << (32 - r));
    const tb = ((s - r) & 31) + 1;
    const tm = tb === 32 ? -1 : (1 << tb) - 1;
    const rot = r === 0 ? src : (src >>> r) | (src << (32 - r));
    const bot = (dst & ~wm) | (rot & wm);
    const top = opc === 0 ? -((src >>> s) & 1) : dst;
    setD(c, d, (top & ~tm) | (bot & tm), 0);
    return;
  }
  const slo = x[2 * n]!;
  const shi = x[2 * n + 1]!;
  const dlo = opc === 1 ? x[2 * d]! : 0;
  const dhi = opc === 1 ? x[2 * d + 1]! : 0;
  bitfieldMasks64(s, r);
  const wlo = R[0]!;
  const whi = R[1]!;
  const tlo = R[2]!;
  const thi = R[3]!;
  ror64(slo, shi, r);
  const blo = (dlo & ~wlo) | (R[0]! & wlo);
  const bhi = (dhi & ~whi) | (R[1]! & whi);
  let plo = dlo;
  let phi = dhi;
  if (opc === 0) {
    const bit = s >= 32 ? (shi >>> (s - 32)) & 1 : (slo >>> s) & 1;
    plo = -bit;
    phi = -bit;
  }
  setD(c, d, (plo & ~tlo) | (blo & tlo), (phi & ~thi) | (bhi & thi));
}

export function extract(c: Cpu, w: number): void {
  const x = c.x;
  const m = (w >>> 16) & 31;
  const lsb = (w >>> 10) & 63;
  const n = (w >>> 5) & 31;
  const d = w & 31;
  if (w >>> 31) {
    // (Xn:Xm) >> lsb, low 64 bits
    const mlo = x[2 * m]!;
    const mhi = x[2 * m + 1]!;
    const nlo = x[2 * n]!;
    const nhi = x[2 * n + 1]!;
    if (lsb === 0) setD(c, d, mlo, mhi);
    else if (lsb < 32) setD(c, d, (mlo >>> lsb) | (mhi << (32 - lsb)), (mhi >>> lsb) | (nlo << (32 - lsb)));
    else if (lsb === 32) setD(c, d, mhi, nlo);
    else {
      const k = lsb - 32;
      setD(c, d, (mhi >>> k) | (nlo << (32 - k)), (nlo >>> k) | (nhi << (32 - k)));
    }
  } else {
    const mv = x[2 * m]!;
    const nv = x[2 * n]!;
    setD(c, d, lsb === 0 ? mv : (mv >>> lsb) | (nv << (32 - lsb)), 0);
  }
}

// ------------------------------------------------------------------ data processing, register

/** Shifted-register operand 2 into R (64-bit) or returned (32-bit via R[0]!). */
function opShifted(c: Cpu, w: number, sf: number): void {
  const m = (w >>> 16) & 31;
  const type = (w >>> 22) & 3;
  const amt = (w >>> 10) & 63;
  if (sf) shift64(c.x[2 * m]!, c.x[2 * m + 1]!, type, amt);
  else {
    R[0] = shift32(c.x[2 * m]!, type, amt);
    R[1] = 0;
  }
}

export function addsubShift(c: Cpu, w: number): void {
  const sf = w >>> 31;
  const sub = (w >>> 30) & 1;
  const S = (w >>> 29) & 1;
  const n = (w >>> 5) & 31;
  const d = w & 31;
  opShifted(c, w, sf);
  const x = c.x;
  if (sf) {
    if (sub) adc64(c, x[2 * n]!, x[2 * n + 1]!, ~R[0]!, ~R[1]!, 1, S);
    else adc64(c, x[2 * n]!, x[2 * n + 1]!, R[0]!, R[1]!, 0, S);
    setD(c, d, R[0]!, R[1]!);
  } else {
    const r = sub ? adc32(c, x[2 * n]!, ~R[0]!, 1, S) : adc32(c, x[2 * n]!, R[0]!, 0, S);
    setD(c, d, r, 0);
  }
}

/** ExtendReg (ARM ARM J1 aarch64/instrs/extendreg) of Rm into R (64-bit). */
function extendReg(c: Cpu, m: number, option: number, shift: number): void {
  let lo = c.x[2 * m]!;
  let hi = c.x[2 * m + 1]!;
  switch (option) {
    case 0:
      lo &= 0xff;
      hi = 0;
      break;
    case 1:
      lo &= 0xffff;
      hi = 0;
      break;
    case 2:
      hi = 0;
      break;
    case 3:
      break;
    case 4:
      lo = (lo << 24) >> 24;
      hi = lo >> 31;
      break;
    case 5:
      lo = (lo << 16) >> 16;
      hi = lo >> 31;
      break;
    case 6:
      hi = lo >> 31;
      break;
    default:
      break;
  }
  shift64(lo, hi, 0, shift);
}

export function addsubExt(c: Cpu, w: number): void {
  const sf = w >>> 31;
  const sub = (w >>> 30) & 1;
  const S = (w >>> 29) & 1;
  const n = (w >>> 5) & 31;
  const d = w & 31;
  extendReg(c, (w >>> 16) & 31, (w >>> 13) & 7, (w >>> 10) & 7);
  const x = c.x;
  const ni = n === 31 ? 64 : 2 * n;
  if (sf) {
    if (sub) adc64(c, x[ni]!, x[ni + 1]!, ~R[0]!, ~R[1]!, 1, S);
    else adc64(c, x[ni]!, x[ni + 1]!, R[0]!, R[1]!, 0, S);
    if (S) setD(c, d, R[0]!, R[1]!);
    else setDsp(c, d, R[0]!, R[1]!);
  } else {
    const r = sub ? adc32(c, x[ni]!, ~R[0]!, 1, S) : adc32(c, x[ni]!, R[0]!, 0, S);
    if (S) setD(c, d, r, 0);
    else setDsp(c, d, r, 0);
  }
}

export function addsubCarry(c: Cpu, w: number): void {
  const sf = w >>> 31;
  const sub = (w >>> 30) & 1;
  const S = (w >>> 29) & 1;
  const m = (w >>> 16) & 31;
  const n = (w >>> 5) & 31;
  const d = w & 31;
  const x = c.x;
  if (sf) {
    const blo = sub ? ~x[2 * m]! : x[2 * m]!;
    const bhi = sub ? ~x[2 * m + 1]! : x[2 * m + 1]!;
    adc64(c, x[2 * n]!, x[2 * n + 1]!, blo, bhi, c.cf, S);
    setD(c, d, R[0]!, R[1]!);
  } else {
    const b = sub ? ~x[2 * m]! : x[2 * m]!;
    setD(c, d, adc32(c, x[2 * n]!, b, c.cf, S), 0);
  }
}

export function logShift(c: Cpu, w: number): void {
  const sf = w >>> 31;
  const opc = (w >>> 29) & 3;
  const neg = (w >>> 21) & 1;
  const n = (w >>> 5) & 31;
  const d = w & 31;
  opShifted(c, w, sf);
  let blo = R[0]!;
  let bhi = R[1]!;
  if (neg) {
    blo = ~blo;
    bhi = sf ? ~bhi : 0;
  }
  const x = c.x;
  let lo = x[2 * n]!;
  let hi = sf ? x[2 * n + 1]! : 0;
  if (opc === 0 || opc === 3) {
    lo &= blo;
    hi &= bhi;
  } else if (opc === 1) {
    lo |= blo;
    hi |= bhi;
  } else {
    lo ^= blo;
    hi ^= bhi;
  }
  if (opc === 3) {
    if (sf) setNZ64(c, lo, hi);
    else {
      c.nf = lo >>> 31;
      c.zf = lo === 0 ? 1 : 0;
      c.cf = 0;
      c.vf = 0;
    }
  }
  setD(c, d, lo, hi);
}

export function condsel(c: Cpu, w: number): void {
  const sf = w >>> 31;
  const op = (w >>> 30) & 1;
  const o2 = (w >>> 10) & 1;
  const m = (w >>> 16) & 31;
  const n = (w >>> 5) & 31;
  const d = w & 31;
  const x = c.x;
  let lo: number;
  let hi: number;
  if (condHolds(c, (w >>> 12) & 15)) {
    lo = x[2 * n]!;
    hi = x[2 * n + 1]!;
  } else {
    lo = x[2 * m]!;
    hi = x[2 * m + 1]!;
    if (op) {
      lo = ~lo;
      hi = ~hi;
    }
    if (o2) {
      // +1
      lo = (lo + 1) | 0;
      if (lo === 0) hi = (hi + 1) | 0;
    }
  }
  setD(c, d, lo, sf ? hi : 0);
}

export function condcmp(c: Cpu, w: number): void {
  const sf = w >>> 31;
  const sub = (w >>> 30) & 1;
  const isImm = (w >>> 11) & 1;
  const m = (w >>> 16) & 31;
  const n = (w >>> 5) & 31;
  const x = c.x;
  if (condHolds(c, (w >>> 12) & 15)) {
    const blo = isImm ? m : x[2 * m]!;
    const bhi = isImm ? 0 : x[2 * m + 1]!;
    if (sf) {
      if (sub) adc64(c, x[2 * n]!, x[2 * n + 1]!, ~blo, ~bhi, 1, 1);
      else adc64(c, x[2 * n]!, x[2 * n + 1]!, blo, bhi, 0, 1);
    } else if (sub) adc32(c, x[2 * n]!, ~blo, 1, 1);
    else adc32(c, x[2 * n]!, blo, 0, 1);
  } else c.setNZCV((w & 15) << 28);
}

export function dp1src(c: Cpu, w: number): void {
  const sf = w >>> 31;
  const opc = (w >>> 10) & 0x3f;
  const n = (w >>> 5) & 31;
  const d = w & 31;
  const x = c.x;
  const lo = x[2 * n]!;
  const hi = x[2 * n + 1]!;
  if (!sf) {
    let r: number;
    switch (opc) {
      case 0:
        r = rbit32(lo);
        break;
      case 1:
        r = rev16w(lo);
        break;
      case 2:
        r = rev32(lo);
        break;
      case 4:
        r = Math.clz32(lo);
        break;
      case 5:
        r = cls32(lo);
        break;
      // 6 = ABS (FEAT_CSSC) is not in our models
      default:
        c.undefinedInstruction();
    }
    setD(c, d, r, 0);
    return;
  }
  switch (opc) {
    case 0:
      setD(c, d, rbit32(hi), rbit32(lo));
      return;
    case 1:
      setD(c, d, rev16w(lo), rev16w(hi));
      return;
    case 2:
      setD(c, d, rev32(lo), rev32(hi));
      return;
    case 3:
      setD(c, d, rev32(hi), rev32(lo));
      return;
    case 4:
      setD(c, d, hi === 0 ? 32 + Math.clz32(lo) : Math.clz32(hi), 0);
      return;
    case 5: {
      // CLS over 64 bits
      const t = cls32(hi);
      if (t < 31) setD(c, d, t, 0);
      else setD(c, d, 31 + Math.clz32(lo ^ (hi >> 31)), 0);
      return;
    }
    default:
      c.undefinedInstruction();
  }
}

export function dp2src(c: Cpu, w: number): void {
  const sf = w >>> 31;
  const opc = (w >>> 10) & 0x3f;
  const m = (w >>> 16) & 31;
  const n = (w >>> 5) & 31;
  const d = w & 31;
  const x = c.x;
  const alo = x[2 * n]!;
  const ahi = x[2 * n + 1]!;
  const blo = x[2 * m]!;
  const bhi = x[2 * m + 1]!;
  if (opc >= 8 && opc <= 11) {
    // LSLV, LSRV, ASRV, RORV
    const type = opc - 8;
    if (sf) {
      shift64(alo, ahi, type, blo & 63);
      setD(c, d, R[0]!, R[1]!);
    } else setD(c, d, shift32(alo, type, blo & 31), 0);
    return;
  }
  if (opc === 2 || opc === 3) {
    const signed = opc === 3;
    if (sf) {
      if ((blo | bhi) === 0) setD(c, d, 0, 0);
      else {
        if (signed) sdiv64(alo, ahi, blo, bhi);
        else udiv64(alo, ahi, blo, bhi);
        setD(c, d, R[0]!, R[1]!);
      }
    } else if (blo === 0) setD(c, d, 0, 0);
    else if (signed) {
      const q = alo === -2147483648 && blo === -1 ? alo : Math.trunc(alo / blo) | 0;
      setD(c, d, q, 0);
    } else setD(c, d, Math.floor((alo >>> 0) / (blo >>> 0)) | 0, 0);
    return;
  }
  if (opc >= 16 && opc <= 23) {
    // CRC32{B,H,W,X}, CRC32C{...}: sz = opc & 3, C = opc bit 2
    const sz = opc & 3;
    const table = opc & 4 ? CRC32C_TABLE : CRC32_TABLE;
    let acc = alo;
    if (sz === 3) {
      acc = crcBytes(table, acc, blo, 4);
      acc = crcBytes(table, acc, bhi, 4);
    } else acc = crcBytes(table, acc, sz === 0 ? blo & 0xff : sz === 1 ? blo & 0xffff : blo, 1 << sz);
    setD(c, d, acc, 0);
    return;
  }
  c.undefinedInstruction();
}

export function dp3src(c: Cpu, w: number): void {
  const sf = w >>> 31;
  const op31 = (w >>> 21) & 7;
  const o0 = (w >>> 15) & 1;
  const m = (w >>> 16) & 31;
  const a = (w >>> 10) & 31;
  const n = (w >>> 5) & 31;
  const d = w & 31;
  const x = c.x;
  const nlo = x[2 * n]!;
  const nhi = x[2 * n + 1]!;
  const mlo = x[2 * m]!;
  const mhi = x[2 * m + 1]!;
  if (op31 === 0) {
    if (!sf) {
      const p = Math.imul(nlo, mlo);
      setD(c, d, o0 ? (x[2 * a]! - p) | 0 : (x[2 * a]! + p) | 0, 0);
      return;
    }
    mul64(nlo, nhi, mlo, mhi);
  } else if (op31 === 1 || op31 === 5) {
    // SMADDL/SMSUBL, UMADDL/UMSUBL: 32x32 -> 64
    umul32(nlo, mlo);
    if (op31 === 1) {
      let h = R[1]!;
      if (nlo < 0) h = (h - mlo) | 0;
      if (mlo < 0) h = (h - nlo) | 0;
      R[1] = h;
    }
  } else if (op31 === 2) {
    smulh64(nlo, nhi, mlo, mhi);
    setD(c, d, R[0]!, R[1]!);
    return;
  } else if (op31 === 6) {
    umulh64(nlo, nhi, mlo, mhi);
    setD(c, d, R[0]!, R[1]!);
    return;
  } else {
    c.undefinedInstruction();
  }
  const plo = R[0]!;
  const phi = R[1]!;
  const alo = x[2 * a]!;
  const ahi = x[2 * a + 1]!;
  if (o0) {
    const l = (alo >>> 0) - (plo >>> 0);
    setD(c, d, l | 0, (ahi - phi - (l < 0 ? 1 : 0)) | 0);
  } else {
    const l = (alo >>> 0) + (plo >>> 0);
    setD(c, d, l | 0, (ahi + phi + (l > 0xffffffff ? 1 : 0)) | 0);
  }
}

/** RMIF (FEAT_FlagM): rotate Xn right by imm6 and insert selected bits into NZCV. */
export function rmif(c: Cpu, w: number): void {
  const n = (w >>> 5) & 31;
  ror64(c.x[2 * n]!, c.x[2 * n + 1]!, (w >>> 15) & 63);
  const mask = w & 15;
  const tmp = R[0]! & 15;
  const cur = c.getNZCV() >>> 28;
  c.setNZCV((((cur & ~mask) | (tmp & mask)) & 15) << 28);
}

/** SETF8/SETF16 (FEAT_FlagM). */
export function setf(c: Cpu, w: number): void {
  const n = (w >>> 5) & 31;
  const sz = (w >>> 14) & 1;
  const v = c.x[2 * n]!;
  const msb = sz ? 15 : 7;
  c.nf = (v >>> msb) & 1;
  c.zf = (sz ? v & 0xffff : v & 0xff) === 0 ? 1 : 0;
  c.vf = ((v >>> (msb + 1)) ^ (v >>> msb)) & 1;
}

// ------------------------------------------------------------------ branches

export function branchImm(c: Cpu, w: number): void {
  const off = (w << 6) >> 4; // imm26 * 4, signed
  if (w >>> 31) {
    // BL: X30 = PC + 4
    pcPlus(c, 4);
    c.x[60] = R[0]!;
    c.x[61] = R[1]!;
  }
  pcPlus(c, off);
  branchTo(c, R[0]!, R[1]!);
}

export function condbranch(c: Cpu, w: number): void {
  if (condHolds(c, w & 15)) {
    pcPlus(c, ((w << 8) >> 13) * 4);
    branchTo(c, R[0]!, R[1]!);
  }
}

export function compbranch(c: Cpu, w: number): void {
  const t = w & 31;
  const sf = w >>> 31;
  const op = (w >>> 24) & 1;
  const v = sf ? c.x[2 * t]! | c.x[2 * t + 1]! : c.x[2 * t]!;
  if ((v === 0) !== (op === 1)) {
    pcPlus(c, ((w << 8) >> 13) * 4);
    branchTo(c, R[0]!, R[1]!);
  }
}

export function testbranch(c: Cpu, w: number): void {
  const t = w & 31;
  const bit = ((w >>> 31) << 5) | ((w >>> 19) & 31);
  const op = (w >>> 24) & 1;
  const v = bit >= 32 ? (c.x[2 * t + 1]! >>> (bit - 32)) & 1 : (c.x[2 * t]! >>> bit) & 1;
  if (v === op) {
    pcPlus(c, ((w << 13) >> 18) * 4);
    branchTo(c, R[0]!, R[1]!);
  }
}

/** BR, BLR, RET (the PAuth forms BRA*, BLRA*, RETA* are in simd/pauth.ts). */
export function branchReg(c: Cpu, w: number): void {
  const opc = (w >>> 21) & 15;
  const n = (w >>> 5) & 31;
  const op3 = (w >>> 10) & 63;
  if (op3 !== 0 || (w & 31) !== 0 || opc > 2) {
    if (opc === 4) {
      eret(c);
      return;
    }
    c.undefinedInstruction();
  }
  const lo = c.x[2 * n]!;
  const hi = c.x[2 * n + 1]!;
  if (opc === 1) {
    pcPlus(c, 4);
    c.x[60] = R[0]!;
    c.x[61] = R[1]!;
  }
  branchTo(c, lo, hi);
}

/** ERET (ARM ARM C6.2.90): PC = ELR_EL1, PSTATE = SPSR_EL1. */
export function eret(c: Cpu, _w = 0): void {
  if (c.el === 0) c.undefinedInstruction();
  const s = c.sys;
  c.restoreSpsr(s.spsrEl1);
  c.exValid = false;
  c.exceptionRepeats = 0;
  let lo = s.elrLo;
  const hi = s.elrHi;
  if (c.el === 0) {
    // returning to AArch64 EL0: PC bits[1:0] kept; an unaligned PC faults on fetch
  }
  lo |= 0;
  branchTo(c, lo, hi);
}
