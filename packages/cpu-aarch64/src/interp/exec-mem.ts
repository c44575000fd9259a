/*
 * Loads and stores (ARM ARM C4.1.66 "Loads and Stores"): single register (immediate, register
 * offset, literal, unprivileged), pairs, exclusives, load-acquire/store-release, RCPC, LSE atomics
 * (C6.2 LDADD.. SWP, CAS, CASP). Scalar FP/SIMD registers (V=1) use the same address forms.
 */
import { R } from "./alu.js";
import type { Cpu } from "./cpu.js";

/** base (lo, hi) + off (a signed number, |off| < 2^32) into R. */
function addOff(lo: number, hi: number, off: number): void {
  const l = (lo >>> 0) + off;
  if (l > 0xffffffff) {
    R[0] = (l - 4294967296) | 0;
    R[1] = (hi + 1) | 0;
  } else if (l < 0) {
    R[0] = (l + 4294967296) | 0;
    R[1] = (hi - 1) | 0;
  } else {
    R[0] = l | 0;
    R[1] = hi;
  }
}

/** Base register n (31 = SP) into R. */
function base(c: Cpu, n: number): void {
  const i = n === 31 ? 64 : 2 * n;
  R[0] = c.x[i]!;
  R[1] = c.x[i + 1]!;
}

function writeBase(c: Cpu, n: number, lo: number, hi: number): void {
  const i = n === 31 ? 64 : 2 * n;
  c.x[i] = lo;
  c.x[i + 1] = hi;
}

function setT(c: Cpu, t: number, lo: number, hi: number): void {
  if (t !== 31) {
    c.x[2 * t] = lo;
    c.x[2 * t + 1] = hi;
  }
}

/** Bytes moved by a single-register load/store word (size, V, opc). */
function accessBytes(w: number): number {
  const size = w >>> 30;
  if ((w >>> 26) & 1 && size === 0 && (w >>> 23) & 1) return 16;
  return 1 << size;
}

/** Scale (log2 bytes) of a single-register word. */
function scaleOf(w: number): number {
  const size = w >>> 30;
  if ((w >>> 26) & 1 && size === 0 && (w >>> 23) & 1) return 4;
  return size;
}

/** Load one SIMD&FP register (bytes 1..16), zeroing the rest of V[t]. */
function loadV(c: Cpu, t: number, lo: number, hi: number, bytes: number): void {
  const v = c.v;
  const b = 4 * t;
  if (bytes === 16) {
    const a = c.ld64(lo, hi);
    const ah = c.rhi;
    addOff(lo, hi, 8);
    const bb = c.ld64(R[0]!, R[1]!);
    v[b] = a;
    v[b + 1] = ah;
    v[b + 2] = bb;
    v[b + 3] = c.rhi;
    return;
  }
  let l0 = 0;
  let l1 = 0;
  if (bytes === 8) {
    l0 = c.ld64(lo, hi);
    l1 = c.rhi;
  } else if (bytes === 4) l0 = c.ld32(lo, hi);
  else if (bytes === 2) l0 = c.ld16(lo, hi);
  else l0 = c.ld8(lo, hi);
  v[b] = l0;
  v[b + 1] = l1;
  v[b + 2] = 0;
  v[b + 3] = 0;
}

function storeV(c: Cpu, t: number, lo: number, hi: number, bytes: number): void {
  const v = c.v;
  const b = 4 * t;
  if (bytes === 16) {
    addOff(lo, hi, 15);
    c.probeWrite(R[0]!, R[1]!);
    c.st64(lo, hi, v[b]! | 0, v[b + 1]! | 0);
    addOff(lo, hi, 8);
    c.st64(R[0]!, R[1]!, v[b + 2]! | 0, v[b + 3]! | 0);
  } else if (bytes === 8) c.st64(lo, hi, v[b]! | 0, v[b + 1]! | 0);
  else if (bytes === 4) c.st32(lo, hi, v[b]! | 0);
  else if (bytes === 2) c.st16(lo, hi, v[b]! & 0xffff);
  else c.st8(lo, hi, v[b]! & 0xff);
}

/** The transfer of a single-register load/store at address (lo, hi). */
function transfer(c: Cpu, w: number, lo: number, hi: number): void {
  const t = w & 31;
  const size = w >>> 30;
  const opc = (w >>> 22) & 3;
  if ((w >>> 26) & 1) {
    const bytes = accessBytes(w);
    if (opc & 1) loadV(c, t, lo, hi, bytes);
    else storeV(c, t, lo, hi, bytes);
    return;
  }
  const x = c.x;
  if (opc === 0) {
    if (size === 3) c.st64(lo, hi, x[2 * t]!, x[2 * t + 1]!);
    else if (size === 2) c.st32(lo, hi, x[2 * t]!);
    else if (size === 1) c.st16(lo, hi, x[2 * t]! & 0xffff);
    else c.st8(lo, hi, x[2 * t]! & 0xff);
    return;
  }
  let v: number;
  if (size === 3) {
    if (opc !== 1) return; // PRFM / PRFUM: a hint
    v = c.ld64(lo, hi);
    setT(c, t, v, c.rhi);
    return;
  }
  if (size === 2) v = c.ld32(lo, hi);
  else if (size === 1) v = c.ld16(lo, hi);
  else v = c.ld8(lo, hi);
  if (opc === 1) setT(c, t, size === 2 ? v : v, 0);
  else {
    // sign extend
    const s = size === 2 ? v : size === 1 ? (v << 16) >> 16 : (v << 24) >> 24;
    setT(c, t, s, opc === 2 ? s >> 31 : 0);
  }
}

export function ldstPos(c: Cpu, w: number): void {
  const n = (w >>> 5) & 31;
  base(c, n);
  const off = ((w >>> 10) & 0xfff) * (1 << scaleOf(w));
  addOff(R[0]!, R[1]!, off);
  transfer(c, w, R[0]!, R[1]!);
}

/** Unscaled (LDUR/STUR), unprivileged (LDTR/STTR), pre- and post-index forms: imm9 at 20:12. */
export function ldstImm9(c: Cpu, w: number): void {
  const n = (w >>> 5) & 31;
  const off = (w << 11) >> 23;
  const mode = (w >>> 10) & 3; // 0 unscaled, 1 post, 2 unprivileged, 3 pre
  base(c, n);
  const blo = R[0]!;
  const bhi = R[1]!;
  addOff(blo, bhi, off);
  const alo = R[0]!;
  const ahi = R[1]!;
  if (mode === 1) {
    transfer(c, w, blo, bhi);
    writeBase(c, n, alo, ahi);
  } else if (mode === 3) {
    transfer(c, w, alo, ahi);
    writeBase(c, n, alo, ahi);
  } else if (mode === 2 && c.el !== 0) c.mmu.unprivileged(() => transfer(c, w, alo, ahi));
  else transfer(c, w, alo, ahi);
}

export function ldstRegoff(c: Cpu, w: number): void {
  const n = (w >>> 5) & 31;
  const m = (w >>> 16) & 31;
  const option = (w >>> 13) & 7;
  const sh = (w >>> 12) & 1 ? scaleOf(w) : 0;
  let lo = c.x[2 * m]!;
  let hi = c.x[2 * m + 1]!;
  if (option === 2) hi = 0;
  else if (option === 6) hi = lo >> 31;
  // shift left by sh (0..4)
  if (sh !== 0) {
    hi = (hi << sh) | (lo >>> (32 - sh));
    lo <<= sh;
  }
  base(c, n);
  const l = (R[0]! >>> 0) + (lo >>> 0);
  const h = (R[1]! + hi + (l > 0xffffffff ? 1 : 0)) | 0;
  transfer(c, w, l | 0, h);
}

export function loadlit(c: Cpu, w: number): void {
  const t = w & 31;
  const opc = w >>> 30;
  const off = ((w << 8) >> 13) * 4;
  const l = c.pc + off;
  let lo = l;
  let hi = c.pcHi;
  if (l > 0xffffffff) {
    lo -= 4294967296;
    hi++;
  } else if (l < 0) {
    lo += 4294967296;
    hi--;
  }
  lo |= 0;
  if ((w >>> 26) & 1) {
    loadV(c, t, lo, hi, opc === 0 ? 4 : opc === 1 ? 8 : 16);
    return;
  }
  if (opc === 3) return; // PRFM literal
  if (opc === 1) {
    const v = c.ld64(lo, hi);
    setT(c, t, v, c.rhi);
  } else {
    const v = c.ld32(lo, hi);
    setT(c, t, v, opc === 2 ? v >> 31 : 0);
  }
}

/** LDP/STP/LDPSW/LDNP/STNP (all index modes: bits 24:23 = 00 no-allocate, 01 post, 10 offset, 11 pre). */
export function ldstPair(c: Cpu, w: number): void {
  const opc = w >>> 30;
  const V = (w >>> 26) & 1;
  const L = (w >>> 22) & 1;
  const mode = (w >>> 23) & 3;
  const t = w & 31;
  const t2 = (w >>> 10) & 31;
  const n = (w >>> 5) & 31;
  const scale = V ? 2 + opc : 2 + (opc >>> 1);
  const bytes = 1 << scale;
  const off = ((w << 10) >> 25) * bytes;
  base(c, n);
  const blo = R[0]!;
  const bhi = R[1]!;
  addOff(blo, bhi, off);
  const wlo = R[0]!;
  const whi = R[1]!;
  const alo = mode === 1 ? blo : wlo;
  const ahi = mode === 1 ? bhi : whi;
  addOff(alo, ahi, bytes);
  const a2lo = R[0]!;
  const a2hi = R[1]!;
  const x = c.x;
  if (V) {
    if (L) {
      // load both before writing either (t == t2 is CONSTRAINED UNPREDICTABLE; keep the second)
      loadV(c, t, alo, ahi, bytes);
      loadV(c, t2, a2lo, a2hi, bytes);
    } else {
      addOff(a2lo, a2hi, bytes - 1);
      c.probeWrite(R[0]!, R[1]!);
      storeV(c, t, alo, ahi, bytes);
      storeV(c, t2, a2lo, a2hi, bytes);
    }
  } else if (L) {
    if (bytes === 8) {
      const l1 = c.ld64(alo, ahi);
      const h1 = c.rhi;
      const l2 = c.ld64(a2lo, a2hi);
      const h2 = c.rhi;
      setT(c, t, l1, h1);
      setT(c, t2, l2, h2);
    } else {
      const v1 = c.ld32(alo, ahi);
      const v2 = c.ld32(a2lo, a2hi);
      const sx = opc === 1;
      setT(c, t, v1, sx ? v1 >> 31 : 0);
      setT(c, t2, v2, sx ? v2 >> 31 : 0);
    }
  } else {
    const t1lo = x[2 * t]!;
    const t1hi = x[2 * t + 1]!;
    const t2lo = x[2 * t2]!;
    const t2hi = x[2 * t2 + 1]!;
    addOff(a2lo, a2hi, bytes - 1);
    c.probeWrite(R[0]!, R[1]!);
    if (bytes === 8) {
      c.st64(alo, ahi, t1lo, t1hi);
      c.st64(a2lo, a2hi, t2lo, t2hi);
    } else {
      c.st32(alo, ahi, t1lo);
      c.st32(a2lo, a2hi, t2lo);
    }
  }
  if (mode === 1 || mode === 3) writeBase(c, n, wlo, whi);
}

// ------------------------------------------------------------------ exclusives, ordered, atomics

function checkAlign(c: Cpu, lo: number, hi: number, bytes: number, write: boolean): void {
  if ((lo & (bytes - 1)) !== 0) c.alignmentFault(lo, hi, write);
}

/**
 * Ordered accesses (LDAR/STLR/LDAPR/LDAPUR/STLUR) with FEAT_LSE2 (ARM ARM B2.5.2): an unaligned one
 * faults unless SCTLR_EL1.nAA = 1 and it stays within 16 bytes (Linux leaves nAA = 0).
 */
function checkAlign16(c: Cpu, lo: number, hi: number, bytes: number, write: boolean): void {
  if ((lo & (bytes - 1)) !== 0 && ((c.sys.sctlr & (1 << 6)) === 0 || (lo & 15) + bytes > 16)) {
    c.alignmentFault(lo, hi, write);
  }
}

function loadSized(c: Cpu, lo: number, hi: number, size: number): number {
  if (size === 3) return c.ld64(lo, hi);
  c.rhi = 0;
  if (size === 2) return c.ld32(lo, hi);
  if (size === 1) return c.ld16(lo, hi);
  return c.ld8(lo, hi);
}

function storeSized(c: Cpu, lo: number, hi: number, size: number, vlo: number, vhi: number): void {
  if (size === 3) c.st64(lo, hi, vlo, vhi);
  else if (size === 2) c.st32(lo, hi, vlo);
  else if (size === 1) c.st16(lo, hi, vlo & 0xffff);
  else c.st8(lo, hi, vlo & 0xff);
}

/** Load/store exclusive, load-acquire/store-release, CAS and CASP (the "ldstexcl" space, op0=x0x0 1000). */
export function ldstExcl(c: Cpu, w: number): void {
  const size = w >>> 30;
  const o2 = (w >>> 23) & 1;
  const L = (w >>> 22) & 1;
  const o1 = (w >>> 21) & 1;
  const s = (w >>> 16) & 31;
  const t2 = (w >>> 10) & 31;
  const n = (w >>> 5) & 31;
  const t = w & 31;
  const x = c.x;
  base(c, n);
  const lo = R[0]!;
  const hi = R[1]!;
  if (o2 === 1) {
    if (o1 === 1) {
      cas(c, size, s, t, lo, hi);
      return;
    }
    // LDAR/LDLAR, STLR/STLLR
    const bytes = 1 << size;
    if (L) {
      checkAlign16(c, lo, hi, bytes, false);
      const v = loadSized(c, lo, hi, size);
      setT(c, t, v, c.rhi);
    } else {
      checkAlign16(c, lo, hi, bytes, true);
      storeSized(c, lo, hi, size, x[2 * t]!, x[2 * t + 1]!);
    }
    return;
  }
  if (o1 === 1 && size < 2) {
    casp(c, size, s, t, lo, hi);
    return;
  }
  const pair = o1 === 1;
  const esize = pair ? 2 + (size & 1) : size; // log2 bytes of one element
  const total = pair ? 2 << esize : 1 << esize;
  if (L) {
    checkAlign(c, lo, hi, total, false);
    // exVal0/1: the loaded value (zero-extended to 64 bits; a 32-bit pair packs both halves);
    // exVal2/3: the second doubleword of a 64-bit pair (kept otherwise), as QEMU's exclusive_high.
    if (pair) {
      const a = loadSized(c, lo, hi, esize);
      const ah = c.rhi;
      const b = loadSized(c, (lo + (1 << esize)) | 0, hi, esize);
      const bh = c.rhi;
      setT(c, t, a, esize === 3 ? ah : 0);
      setT(c, t2, b, esize === 3 ? bh : 0);
      if (esize === 3) {
        c.exVal0 = a;
        c.exVal1 = ah;
        c.exVal2 = b;
        c.exVal3 = bh;
      } else {
        c.exVal0 = a;
        c.exVal1 = b;
      }
    } else {
      const a = loadSized(c, lo, hi, esize);
      const ah = c.rhi;
      setT(c, t, a, ah);
      c.exVal0 = a;
      c.exVal1 = ah;
    }
    c.exValid = true;
    c.exLo = lo;
    c.exHi = hi;
    c.exSize = total;
    return;
  }
  // Store exclusive. The monitor is checked first: a store to another address fails without any
  // access, so neither alignment nor translation faults are reported (QEMU user mode behaves so; the
  // ARM ARM ExclusiveMonitorsPass checks alignment first, and makes the abort order IMP DEF).
  // On a matching address it succeeds when memory still holds what the load-exclusive read.
  let ok = c.exValid && c.exLo === lo && c.exHi === hi;
  if (ok) {
    checkAlign(c, lo, hi, total, true);
    // A size different from the load-exclusive's is CONSTRAINED UNPREDICTABLE (K1.2.6); like QEMU we
    // compare the memory being replaced (zero-extended) with the value the load-exclusive read.
    let mlo: number;
    let mhi = 0;
    if (total === 1) mlo = c.ld8(lo, hi);
    else if (total === 2) mlo = c.ld16(lo, hi);
    else if (total === 4) mlo = c.ld32(lo, hi);
    else {
      mlo = c.ld64(lo, hi);
      mhi = c.rhi;
    }
    ok = mlo === c.exVal0 && mhi === c.exVal1;
    if (ok && total === 16) {
      const l2 = (lo + 8) | 0;
      const h2 = l2 >>> 0 < lo >>> 0 ? (hi + 1) | 0 : hi;
      ok = c.ld64(l2, h2) === c.exVal2 && c.rhi === c.exVal3;
    }
  }
  c.exValid = false;
  const tlo = x[2 * t]!;
  const thi = x[2 * t + 1]!;
  const t2lo = x[2 * t2]!;
  const t2hi = x[2 * t2 + 1]!;
  if (ok) {
    if (pair) {
      storeSized(c, lo, hi, esize, tlo, thi);
      storeSized(c, (lo + (1 << esize)) | 0, hi, esize, t2lo, t2hi);
    } else storeSized(c, lo, hi, esize, tlo, thi);
  }
  setT(c, s, ok ? 0 : 1, 0);
}

function cas(c: Cpu, size: number, s: number, t: number, lo: number, hi: number): void {
  const x = c.x;
  checkAlign(c, lo, hi, 1 << size, true);
  const old = loadSized(c, lo, hi, size);
  const oldh = c.rhi;
  let clo = x[2 * s]!;
  let chi = x[2 * s + 1]!;
  if (size < 3) {
    chi = 0;
    if (size === 1) clo &= 0xffff;
    else if (size === 0) clo &= 0xff;
  }
  if (old === clo && oldh === chi) storeSized(c, lo, hi, size, x[2 * t]!, x[2 * t + 1]!);
  else c.probeWrite(lo, hi); // CAS always needs write permission (ARM ARM C6.2.41)
  setT(c, s, old, oldh);
}

function casp(c: Cpu, sz: number, s: number, t: number, lo: number, hi: number): void {
  const x = c.x;
  const esize = 2 + sz;
  const eb = 1 << esize;
  checkAlign(c, lo, hi, 2 * eb, true);
  const a = loadSized(c, lo, hi, esize);
  const ah = c.rhi;
  const lo2 = (lo + eb) | 0;
  const b = loadSized(c, lo2, hi, esize);
  const bh = c.rhi;
  const e0 = x[2 * s]!;
  const e0h = esize === 3 ? x[2 * s + 1]! : 0;
  const e1 = x[2 * (s + 1)]!;
  const e1h = esize === 3 ? x[2 * (s + 1) + 1]! : 0;
  if (a === e0 && ah === e0h && b === e1 && bh === e1h) {
    storeSized(c, lo, hi, esize, x[2 * t]!, x[2 * t + 1]!);
    storeSized(c, lo2, hi, esize, x[2 * (t + 1)]!, x[2 * (t + 1) + 1]!);
  } else c.probeWrite(lo, hi);
  setT(c, s, a, ah);
  setT(c, s + 1, b, bh);
}

/** -1, 0 or 1 as ah:al compares with bh:bl (int32 halves), as signed or unsigned 64-bit values. */
function compare64(ah: number, al: number, bh: number, bl: number, signed: boolean): number {
  if (ah !== bh) return (signed ? ah < bh : ah >>> 0 < bh >>> 0) ? -1 : 1;
  return al >>> 0 === bl >>> 0 ? 0 : al >>> 0 < bl >>> 0 ? -1 : 1;
}

/** LSE atomic memory operations (LDADD..LDUMIN, SWP) and LDAPR (RCPC). */
export function memop(c: Cpu, w: number): void {
  const size = w >>> 30;
  const s = (w >>> 16) & 31;
  const o3 = (w >>> 15) & 1;
  const opc = (w >>> 12) & 7;
  const n = (w >>> 5) & 31;
  const t = w & 31;
  const x = c.x;
  base(c, n);
  const lo = R[0]!;
  const hi = R[1]!;
  const bytes = 1 << size;
  if (o3 === 1 && opc === 4) {
    // LDAPR: the translation fault takes priority over the alignment fault (as QEMU reports it)
    const v = loadSized(c, lo, hi, size);
    const vh = c.rhi;
    checkAlign16(c, lo, hi, bytes, false);
    setT(c, t, v, vh);
    return;
  }
  checkAlign(c, lo, hi, bytes, true);
  const old = loadSized(c, lo, hi, size);
  const oldh = c.rhi;
  let slo = x[2 * s]!;
  let shi = size === 3 ? x[2 * s + 1]! : 0;
  const mask = size === 0 ? 0xff : size === 1 ? 0xffff : -1;
  slo &= mask;
  let rlo: number;
  let rhi: number;
  if (o3 === 1) {
    rlo = slo;
    rhi = shi;
  } else {
    switch (opc) {
      case 0: {
        const l = (old >>> 0) + (slo >>> 0);
        rlo = l | 0;
        rhi = (oldh + shi + (l > 0xffffffff ? 1 : 0)) | 0;
        break;
      }
      case 1:
        rlo = old & ~slo;
        rhi = oldh & ~shi;
        break;
      case 2:
        rlo = old ^ slo;
        rhi = oldh ^ shi;
        break;
      case 3:
        rlo = old | slo;
        rhi = oldh | shi;
        break;
      default: {
        // 4 SMAX, 5 SMIN, 6 UMAX, 7 UMIN: compare old with s at the access size
        const signed = opc < 6;
        let cmp: number;
        if (size === 3) cmp = compare64(oldh, old, shi, slo, signed);
        else {
          const sh = 32 - 8 * bytes;
          const a = signed ? (old << sh) >> sh : (old & mask) >>> 0;
          const b = signed ? (slo << sh) >> sh : slo >>> 0;
          cmp = a === b ? 0 : a < b ? -1 : 1;
        }
        const takeOld = opc === 4 || opc === 6 ? cmp >= 0 : cmp <= 0;
        rlo = takeOld ? old : slo;
        rhi = takeOld ? oldh : shi;
      }
    }
  }
  if (size !== 3) shi = 0;
  storeSized(c, lo, hi, size, rlo, rhi);
  setT(c, t, old, size === 3 ? oldh : 0);
}

/** LDAPUR/STLUR family (FEAT_LRCPC2, unscaled imm9). opc: 00 STLUR, 01 LDAPUR, 10 LDAPURS(64), 11 LDAPURS(32). */
export function ldapstlUnscaled(c: Cpu, w: number): void {
  const size = w >>> 30;
  const opc = (w >>> 22) & 3;
  const n = (w >>> 5) & 31;
  const t = w & 31;
  base(c, n);
  addOff(R[0]!, R[1]!, (w << 11) >> 23);
  const lo = R[0]!;
  const hi = R[1]!;
  const bytes = 1 << size;
  if (opc === 0) {
    checkAlign16(c, lo, hi, bytes, true);
    storeSized(c, lo, hi, size, c.x[2 * t]!, c.x[2 * t + 1]!);
    return;
  }
  checkAlign16(c, lo, hi, bytes, false);
  const v = loadSized(c, lo, hi, size);
  if (opc === 1) setT(c, t, v, c.rhi);
  else {
    const s = size === 2 ? v : size === 1 ? (v << 16) >> 16 : (v << 24) >> 24;
    setT(c, t, s, opc === 2 ? s >> 31 : 0);
  }
}
