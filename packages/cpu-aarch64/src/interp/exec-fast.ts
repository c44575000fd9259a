/*
 * Specialised handlers for the encodings that dominate compiled integer code (chosen by encoding id
 * at dispatch-build time): no variant decoding, no helper calls on the common path. Each falls back
 * to the general class handler for the rarer shapes (shift amounts, SP operands...).
 */
import type { Cpu } from "./cpu.js";
import { addsubImm, addsubShift, logShift } from "./exec-int.js";
import { ldstRegoff } from "./exec-mem.js";

/** ADD Xd, Xn, Xm (shift amount 0). */
export function add64reg(c: Cpu, w: number): void {
  if ((w & 0xfc00) !== 0) {
    addsubShift(c, w);
    return;
  }
  const x = c.x;
  const d = w & 31;
  if (d === 31) return;
  const n = 2 * ((w >>> 5) & 31);
  const m = 2 * ((w >>> 16) & 31);
  const l = (x[n]! >>> 0) + (x[m]! >>> 0);
  x[2 * d + 1] = (x[n + 1]! + x[m + 1]! + (l > 0xffffffff ? 1 : 0)) | 0;
  x[2 * d] = l | 0;
}

/** SUB Xd, Xn, Xm (shift amount 0). */
export function sub64reg(c: Cpu, w: number): void {
  if ((w & 0xfc00) !== 0) {
    addsubShift(c, w);
    return;
  }
  const x = c.x;
  const d = w & 31;
  if (d === 31) return;
  const n = 2 * ((w >>> 5) & 31);
  const m = 2 * ((w >>> 16) & 31);
  const l = (x[n]! >>> 0) - (x[m]! >>> 0);
  x[2 * d + 1] = (x[n + 1]! - x[m + 1]! - (l < 0 ? 1 : 0)) | 0;
  x[2 * d] = l | 0;
}

/** ADD/SUB Wd, Wn, Wm (shift amount 0). */
export function add32reg(c: Cpu, w: number): void {
  if ((w & 0xfc00) !== 0) {
    addsubShift(c, w);
    return;
  }
  const x = c.x;
  const d = w & 31;
  if (d === 31) return;
  x[2 * d] = (x[2 * ((w >>> 5) & 31)]! + x[2 * ((w >>> 16) & 31)]!) | 0;
  x[2 * d + 1] = 0;
}
export function sub32reg(c: Cpu, w: number): void {
  if ((w & 0xfc00) !== 0) {
    addsubShift(c, w);
    return;
  }
  const x = c.x;
  const d = w & 31;
  if (d === 31) return;
  x[2 * d] = (x[2 * ((w >>> 5) & 31)]! - x[2 * ((w >>> 16) & 31)]!) | 0;
  x[2 * d + 1] = 0;
}

/** SUBS Xd, Xn, Xm (CMP), shift amount 0. */
export function subs64reg(c: Cpu, w: number): void {
  if ((w & 0xfc00) !== 0) {
    addsubShift(c, w);
    return;
  }
  const x = c.x;
  const n = 2 * ((w >>> 5) & 31);
  const m = 2 * ((w >>> 16) & 31);
  const al = x[n]!;
  const ah = x[n + 1]!;
  const bl = x[m]!;
  const bh = x[m + 1]!;
  const l = (al >>> 0) - (bl >>> 0);
  const borrow = l < 0 ? 1 : 0;
  const h = (ah >>> 0) - (bh >>> 0) - borrow;
  const rl = l | 0;
  const rh = h | 0;
  c.nf = rh >>> 31;
  c.zf = (rl | rh) === 0 ? 1 : 0;
  c.cf = h >= 0 ? 1 : 0;
  c.vf = ((ah ^ bh) & (ah ^ rh)) >>> 31;
  const d = w & 31;
  if (d !== 31) {
    x[2 * d] = rl;
    x[2 * d + 1] = rh;
  }
}

/** SUBS Wd, Wn, Wm (CMP), shift amount 0. */
export function subs32reg(c: Cpu, w: number): void {
  if ((w & 0xfc00) !== 0) {
    addsubShift(c, w);
    return;
  }
  const x = c.x;
  const a = x[2 * ((w >>> 5) & 31)]!;
  const b = x[2 * ((w >>> 16) & 31)]!;
  const l = (a >>> 0) - (b >>> 0);
  const r = l | 0;
  c.nf = r >>> 31;
  c.zf = r === 0 ? 1 : 0;
  c.cf = l >= 0 ? 1 : 0;
  c.vf = ((a ^ b) & (a ^ r)) >>> 31;
  const d = w & 31;
  if (d !== 31) {
    x[2 * d] = r;
    x[2 * d + 1] = 0;
  }
}

/** ADD Xd|SP, Xn|SP, #imm (no shift). */
export function add64imm(c: Cpu, w: number): void {
  if ((w & 0x400000) !== 0) {
    addsubImm(c, w);
    return;
  }
  const x = c.x;
  const n = (w >>> 5) & 31;
  const d = w & 31;
  const ni = n === 31 ? 64 : 2 * n;
  const di = d === 31 ? 64 : 2 * d;
  const l = (x[ni]! >>> 0) + ((w >>> 10) & 0xfff);
  x[di + 1] = (x[ni + 1]! + (l > 0xffffffff ? 1 : 0)) | 0;
  x[di] = l | 0;
}

/** SUB Xd|SP, Xn|SP, #imm (no shift). */
export function sub64imm(c: Cpu, w: number): void {
  if ((w & 0x400000) !== 0) {
    addsubImm(c, w);
    return;
  }
  const x = c.x;
  const n = (w >>> 5) & 31;
  const d = w & 31;
  const ni = n === 31 ? 64 : 2 * n;
  const di = d === 31 ? 64 : 2 * d;
  const l = (x[ni]! >>> 0) - ((w >>> 10) & 0xfff);
  x[di + 1] = (x[ni + 1]! - (l < 0 ? 1 : 0)) | 0;
  x[di] = l | 0;
}

/** ADD Wd|WSP, Wn|WSP, #imm (no shift). */
export function add32imm(c: Cpu, w: number): void {
  if ((w & 0x400000) !== 0) {
    addsubImm(c, w);
    return;
  }
  const x = c.x;
  const n = (w >>> 5) & 31;
  const d = w & 31;
  const di = d === 31 ? 64 : 2 * d;
  x[di] = (x[n === 31 ? 64 : 2 * n]! + ((w >>> 10) & 0xfff)) | 0;
  x[di + 1] = 0;
}

/** SUBS Xd, Xn|SP, #imm (CMP #imm), no shift. */
export function subs64imm(c: Cpu, w: number): void {
  if ((w & 0x400000) !== 0) {
    addsubImm(c, w);
    return;
  }
  const x = c.x;
  const n = (w >>> 5) & 31;
  const ni = n === 31 ? 64 : 2 * n;
  const al = x[ni]!;
  const ah = x[ni + 1]!;
  const l = (al >>> 0) - ((w >>> 10) & 0xfff);
  const borrow = l < 0 ? 1 : 0;
  const rl = l | 0;
  const rh = (ah - borrow) | 0;
  c.nf = rh >>> 31;
  c.zf = (rl | rh) === 0 ? 1 : 0;
  c.cf = ah === 0 && borrow === 1 ? 0 : 1;
  c.vf = (ah & ~rh) >>> 31;
  const d = w & 31;
  if (d !== 31) {
    x[2 * d] = rl;
    x[2 * d + 1] = rh;
  }
}

/** SUBS Wd, Wn|WSP, #imm (CMP #imm), no shift. */
export function subs32imm(c: Cpu, w: number): void {
  if ((w & 0x400000) !== 0) {
    addsubImm(c, w);
    return;
  }
  const x = c.x;
  const n = (w >>> 5) & 31;
  const a = x[n === 31 ? 64 : 2 * n]!;
  const l = (a >>> 0) - ((w >>> 10) & 0xfff);
  const r = l | 0;
  c.nf = r >>> 31;
  c.zf = r === 0 ? 1 : 0;
  c.cf = l >= 0 ? 1 : 0;
  c.vf = (a & ~r) >>> 31;
  const d = w & 31;
  if (d !== 31) {
    x[2 * d] = r;
    x[2 * d + 1] = 0;
  }
}

/** LDR Xt, [Xn|SP, #imm] */
export function ldr64pos(c: Cpu, w: number): void {
  const x = c.x;
  const n = (w >>> 5) & 31;
  const i = n === 31 ? 64 : 2 * n;
  const l = (x[i]! >>> 0) + ((w >>> 10) & 0xfff) * 8;
  const lo = c.ld64(l | 0, l > 0xffffffff ? (x[i + 1]! + 1) | 0 : x[i + 1]!);
  const t = w & 31;
  if (t !== 31) {
    x[2 * t] = lo;
    x[2 * t + 1] = c.rhi;
  }
}

/** LDR Wt, [Xn|SP, #imm] */
export function ldr32pos(c: Cpu, w: number): void {
  const x = c.x;
  const n = (w >>> 5) & 31;
  const i = n === 31 ? 64 : 2 * n;
  const l = (x[i]! >>> 0) + ((w >>> 10) & 0xfff) * 4;
  const v = c.ld32(l | 0, l > 0xffffffff ? (x[i + 1]! + 1) | 0 : x[i + 1]!);
  const t = w & 31;
  if (t !== 31) {
    x[2 * t] = v;
    x[2 * t + 1] = 0;
  }
}

/** LDRB Wt, [Xn|SP, #imm] */
export function ldrbpos(c: Cpu, w: number): void {
  const x = c.x;
  const n = (w >>> 5) & 31;
  const i = n === 31 ? 64 : 2 * n;
  const l = (x[i]! >>> 0) + ((w >>> 10) & 0xfff);
  const v = c.ld8(l | 0, l > 0xffffffff ? (x[i + 1]! + 1) | 0 : x[i + 1]!);
  const t = w & 31;
  if (t !== 31) {
    x[2 * t] = v;
    x[2 * t + 1] = 0;
  }
}

/** STR Xt, [Xn|SP, #imm] */
export function str64pos(c: Cpu, w: number): void {
  const x = c.x;
  const n = (w >>> 5) & 31;
  const i = n === 31 ? 64 : 2 * n;
  const l = (x[i]! >>> 0) + ((w >>> 10) & 0xfff) * 8;
  const t = w & 31;
  c.st64(l | 0, l > 0xffffffff ? (x[i + 1]! + 1) | 0 : x[i + 1]!, x[2 * t]!, x[2 * t + 1]!);
}

/** STR Wt, [Xn|SP, #imm] */
export function str32pos(c: Cpu, w: number): void {
  const x = c.x;
  const n = (w >>> 5) & 31;
  const i = n === 31 ? 64 : 2 * n;
  const l = (x[i]! >>> 0) + ((w >>> 10) & 0xfff) * 4;
  c.st32(l | 0, l > 0xffffffff ? (x[i + 1]! + 1) | 0 : x[i + 1]!, x[2 * (w & 31)]!);
}

/** STRB Wt, [Xn|SP, #imm] */
export function strbpos(c: Cpu, w: number): void {
  const x = c.x;
  const n = (w >>> 5) & 31;
  const i = n === 31 ? 64 : 2 * n;
  const l = (x[i]! >>> 0) + ((w >>> 10) & 0xfff);
  c.st8(l | 0, l > 0xffffffff ? (x[i + 1]! + 1) | 0 : x[i + 1]!, x[2 * (w & 31)]! & 0xff);
}

/** Register-offset address with LSL/UXTX (option 011) into the returned lo; hi in `RO_HI`. */
let roHi = 0;
function regoffAddr(c: Cpu, w: number, scale: number): number {
  const x = c.x;
  const n = (w >>> 5) & 31;
  const i = n === 31 ? 64 : 2 * n;
  const m = 2 * ((w >>> 16) & 31);
  const sh = (w >>> 12) & 1 ? scale : 0;
  let mlo = x[m]!;
  let mhi = x[m + 1]!;
  if (sh !== 0) {
    mhi = (mhi << sh) | (mlo >>> (32 - sh));
    mlo <<= sh;
  }
  const l = (x[i]! >>> 0) + (mlo >>> 0);
  roHi = (x[i + 1]! + mhi + (l > 0xffffffff ? 1 : 0)) | 0;
  return l | 0;
}

/** LDR/STR register-offset forms with option LSL (011): the common compiled shape. */
export function ldr64reg(c: Cpu, w: number): void {
  if (((w >>> 13) & 7) !== 3) {
    ldstRegoff(c, w);
    return;
  }
  const lo = regoffAddr(c, w, 3);
  const v = c.ld64(lo, roHi);
  const t = w & 31;
  if (t !== 31) {
    c.x[2 * t] = v;
    c.x[2 * t + 1] = c.rhi;
  }
}
export function ldr32reg(c: Cpu, w: number): void {
  if (((w >>> 13) & 7) !== 3) {
    ldstRegoff(c, w);
    return;
  }
  const lo = regoffAddr(c, w, 2);
  const v = c.ld32(lo, roHi);
  const t = w & 31;
  if (t !== 31) {
    c.x[2 * t] = v;
    c.x[2 * t + 1] = 0;
  }
}
export function ldrbreg(c: Cpu, w: number): void {
  if (((w >>> 13) & 7) !== 3) {
    ldstRegoff(c, w);
    return;
  }
  const lo = regoffAddr(c, w, 0);
  const v = c.ld8(lo, roHi);
  const t = w & 31;
  if (t !== 31) {
    c.x[2 * t] = v;
    c.x[2 * t + 1] = 0;
  }
}
export function str64reg(c: Cpu, w: number): void {
  if (((w >>> 13) & 7) !== 3) {
    ldstRegoff(c, w);
    return;
  }
  const lo = regoffAddr(c, w, 3);
  const t = w & 31;
  c.st64(lo, roHi, c.x[2 * t]!, c.x[2 * t + 1]!);
}
export function str32reg(c: Cpu, w: number): void {
  if (((w >>> 13) & 7) !== 3) {
    ldstRegoff(c, w);
    return;
  }
  const lo = regoffAddr(c, w, 2);
  c.st32(lo, roHi, c.x[2 * (w & 31)]!);
}
export function strbreg(c: Cpu, w: number): void {
  if (((w >>> 13) & 7) !== 3) {
    ldstRegoff(c, w);
    return;
  }
  const lo = regoffAddr(c, w, 0);
  c.st8(lo, roHi, c.x[2 * (w & 31)]! & 0xff);
}

/** ORR Xd, Xn, Xm (MOV Xd, Xm when Rn = XZR), shift amount 0. */
export function orr64reg(c: Cpu, w: number): void {
  if ((w & 0xfc00) !== 0) {
    logShift(c, w);
    return;
  }
  const x = c.x;
  const d = w & 31;
  if (d === 31) return;
  const n = 2 * ((w >>> 5) & 31);
  const m = 2 * ((w >>> 16) & 31);
  x[2 * d] = x[n]! | x[m]!;
  x[2 * d + 1] = x[n + 1]! | x[m + 1]!;
}

/** ORR Wd, Wn, Wm (MOV Wd, Wm), shift amount 0. */
export function orr32reg(c: Cpu, w: number): void {
  if ((w & 0xfc00) !== 0) {
    logShift(c, w);
    return;
  }
  const x = c.x;
  const d = w & 31;
  if (d === 31) return;
  x[2 * d] = x[2 * ((w >>> 5) & 31)]! | x[2 * ((w >>> 16) & 31)]!;
  x[2 * d + 1] = 0;
}

/** EOR Xd, Xn, Xm, shift amount 0. */
export function eor64reg(c: Cpu, w: number): void {
  if ((w & 0xfc00) !== 0) {
    logShift(c, w);
    return;
  }
  const x = c.x;
  const d = w & 31;
  if (d === 31) return;
  const n = 2 * ((w >>> 5) & 31);
  const m = 2 * ((w >>> 16) & 31);
  x[2 * d] = x[n]! ^ x[m]!;
  x[2 * d + 1] = x[n + 1]! ^ x[m + 1]!;
}

/** AND Xd, Xn, Xm, shift amount 0. */
export function and64reg(c: Cpu, w: number): void {
  if ((w & 0xfc00) !== 0) {
    logShift(c, w);
    return;
  }
  const x = c.x;
  const d = w & 31;
  if (d === 31) return;
  const n = 2 * ((w >>> 5) & 31);
  const m = 2 * ((w >>> 16) & 31);
  x[2 * d] = x[n]! & x[m]!;
  x[2 * d + 1] = x[n + 1]! & x[m + 1]!;
}

/** MOVZ Xd/Wd, #imm16, LSL #hw*16. */
export function movz(c: Cpu, w: number): void {
  const d = w & 31;
  if (d === 31) return;
  const imm = (w >>> 5) & 0xffff;
  const hw = (w >>> 21) & 3;
  const x = c.x;
  x[2 * d] = hw === 0 ? imm : hw === 1 ? imm << 16 : 0;
  x[2 * d + 1] = hw === 2 ? imm : hw === 3 ? imm << 16 : 0;
}

/** LDP/STP Xt1, Xt2, [Xn|SP, #imm]{!} / [Xn|SP], #imm: all three index modes, 64-bit. */
export function ldstp64(c: Cpu, w: number): void {
  const x = c.x;
  const n = (w >>> 5) & 31;
  const i = n === 31 ? 64 : 2 * n;
  const mode = (w >>> 23) & 3; // 1 post, 2 offset, 3 pre
  const off = ((w << 10) >> 25) * 8;
  const blo = x[i]!;
  const bhi = x[i + 1]!;
  const wl = (blo >>> 0) + off;
  const wlo = wl | 0;
  const whi = wl > 0xffffffff ? (bhi + 1) | 0 : wl < 0 ? (bhi - 1) | 0 : bhi;
  const alo = mode === 1 ? blo : wlo;
  const ahi = mode === 1 ? bhi : whi;
  const a2 = (alo >>> 0) + 8;
  const a2lo = a2 | 0;
  const a2hi = a2 > 0xffffffff ? (ahi + 1) | 0 : ahi;
  const t = w & 31;
  const t2 = (w >>> 10) & 31;
  if ((w >>> 22) & 1) {
    const l1 = c.ld64(alo, ahi);
    const h1 = c.rhi;
    const l2 = c.ld64(a2lo, a2hi);
    const h2 = c.rhi;
    if (t !== 31) {
      x[2 * t] = l1;
      x[2 * t + 1] = h1;
    }
    if (t2 !== 31) {
      x[2 * t2] = l2;
      x[2 * t2 + 1] = h2;
    }
  } else {
    const v1l = x[2 * t]!;
    const v1h = x[2 * t + 1]!;
    const v2l = x[2 * t2]!;
    const v2h = x[2 * t2 + 1]!;
    if ((a2lo & 0xfff) > 0xff8) c.probeWrite((a2lo + 7) | 0, a2hi);
    c.st64(alo, ahi, v1l, v1h);
    c.st64(a2lo, a2hi, v2l, v2h);
  }
  if (mode !== 2) {
    x[i] = wlo;
    x[i + 1] = whi;
  }
}
