/*
 * Shared helpers for the FP/AdvSIMD/crypto/PAuth handlers: element access on the V
 * registers (layout in ../cpu.ts), the FPState bridge to FPCR/FPSR, and the result staging buffer
 * that lets a destination overlap its sources.
 */
import { type FPSize, FPSR_QC, FPState } from "../../fp/index.js";
import type { Cpu } from "../cpu.js";

export type Handler = (c: Cpu, w: number) => void;

/** The FP state every handler uses: FPCR in, cumulative FPSR flags out (see `fpBegin`/`fpEnd`). */
export const st = new FPState();

export function fpBegin(c: Cpu): FPState {
  st.fpcr = c.fpcr;
  st.fpsr = c.fpsr;
  return st;
}

export function fpEnd(c: Cpu): void {
  c.fpsr = st.fpsr;
}

/** Set FPSR.QC (cumulative saturation). */
export function setQC(c: Cpu): void {
  c.fpsr |= FPSR_QC;
}

/** Element `i` of V`r`, low 32 bits (es = log2 bytes). */
export function eLo(c: Cpu, r: number, i: number, es: number): number {
  if (es === 3) return c.v[4 * r + 2 * i]!;
  if (es === 2) return c.v[4 * r + i]!;
  if (es === 1) return c.vb[16 * r + 2 * i]! | (c.vb[16 * r + 2 * i + 1]! << 8);
  return c.vb[16 * r + i]!;
}

/** Element `i` of V`r`, high 32 bits (0 unless 64-bit). */
export function eHi(c: Cpu, r: number, i: number, es: number): number {
  return es === 3 ? c.v[4 * r + 2 * i + 1]! : 0;
}

/** Element as a bigint (signed or unsigned). */
export function eBig(c: Cpu, r: number, i: number, es: number, signed: boolean): bigint {
  if (es === 3) {
    return signed ? c.vdv.getBigInt64(16 * r + 8 * i, true) : c.vdv.getBigUint64(16 * r + 8 * i, true);
  }
  const v = eLo(c, r, i, es);
  if (!signed) return BigInt(v >>> 0);
  const sh = 32 - (8 << es);
  return BigInt(sh === 0 ? v | 0 : (v << sh) >> sh);
}

/** Result staging: RL/RH hold up to 16 elements; `commit` writes them to V`d`. */
export const RL = new Uint32Array(16);
export const RH = new Uint32Array(16);

/** Write `count` staged elements of size es to V`d`, zeroing every other byte of the register. */
export function commit(c: Cpu, d: number, es: number, count: number): void {
  const v = c.v;
  v[4 * d] = 0;
  v[4 * d + 1] = 0;
  v[4 * d + 2] = 0;
  v[4 * d + 3] = 0;
  put(c, d, es, count);
}

/** Write `count` staged elements of size es to V`d` starting at element `first`, keeping the rest. */
export function put(c: Cpu, d: number, es: number, count: number, first = 0): void {
  const v = c.v;
  const vb = c.vb;
  for (let k = 0; k < count; k++) {
    const i = first + k;
    if (es === 3) {
      v[4 * d + 2 * i] = RL[k]!;
      v[4 * d + 2 * i + 1] = RH[k]!;
    } else if (es === 2) v[4 * d + i] = RL[k]!;
    else if (es === 1) {
      vb[16 * d + 2 * i] = RL[k]! & 0xff;
      vb[16 * d + 2 * i + 1] = (RL[k]! >>> 8) & 0xff;
    } else vb[16 * d + i] = RL[k]! & 0xff;
  }
}

/** Stage a bigint as element k. */
export function stageBig(k: number, v: bigint): void {
  const u = BigInt.asUintN(64, v);
  RL[k] = Number(u & 0xffffffffn);
  RH[k] = Number(u >> 32n);
}

export function fpSize(es: number): FPSize {
  return es === 1 ? 16 : es === 2 ? 32 : 64;
}

/** FPNeg on a raw pattern (sign flip, NaNs untouched otherwise): returns [hi, lo] via NEG_H/NEG_L. */
export function negHi(n: FPSize, hi: number): number {
  return n === 64 ? (hi ^ 0x80000000) >>> 0 : hi;
}
export function negLo(n: FPSize, lo: number): number {
  return n === 64 ? lo : n === 32 ? (lo ^ 0x80000000) >>> 0 : lo ^ 0x8000;
}
export function absHi(n: FPSize, hi: number): number {
  return n === 64 ? (hi & 0x7fffffff) >>> 0 : hi;
}
export function absLo(n: FPSize, lo: number): number {
  return n === 64 ? lo : n === 32 ? (lo & 0x7fffffff) >>> 0 : lo & 0x7fff;
}

/**
 * By-element operand (ARM ARM C4.1.95, asimdelem/asisdelem): Vm is Rm<3:0> for 16-bit elements and
 * M:Rm<3:0> otherwise; the element index is H:L:M (16-bit), H:L (32-bit) or H (64-bit).
 */
export function elemRm(w: number, es: number): number {
  const rm = (w >>> 16) & 15;
  return es === 1 ? rm : rm | (((w >>> 20) & 1) << 4);
}
export function elemIdx(w: number, es: number): number {
  const H = (w >>> 11) & 1;
  const L = (w >>> 21) & 1;
  if (es === 1) return (H << 2) | (L << 1) | ((w >>> 20) & 1);
  return es === 2 ? (H << 1) | L : H;
}
/** Vm of a form that is a vector form (Rm) or, with `byElem`, a by-element form (elemRm). */
export function vmOf(w: number, es: number, byElem: boolean): number {
  return byElem ? elemRm(w, es) : (w >>> 16) & 31;
}
/** The element index of a by-element form (elemIdx); -1 for the vector form. */
export function idxOf(w: number, es: number, byElem: boolean): number {
  return byElem ? elemIdx(w, es) : -1;
}

/** Clamp v to [min, max], setting FPSR.QC when it saturates (the AdvSIMD saturating forms). */
export function saturate<T extends number | bigint>(c: Cpu, v: T, min: T, max: T): T {
  if (v > max) {
    setQC(c);
    return max;
  }
  if (v < min) {
    setQC(c);
    return min;
  }
  return v;
}

/** Saturate a bigint to `bits` (signed or unsigned); sets QC on saturation. */
export function sat(c: Cpu, v: bigint, bits: number, signed: boolean): bigint {
  const b = BigInt(bits);
  if (signed) return saturate(c, v, -(1n << (b - 1n)), (1n << (b - 1n)) - 1n);
  return saturate(c, v, 0n, (1n << b) - 1n);
}

/** Write X register d (31 = XZR ignored) from two halves. */
export function setXHalves(c: Cpu, d: number, lo: number, hi: number): void {
  if (d !== 31) {
    c.x[2 * d] = lo | 0;
    c.x[2 * d + 1] = hi | 0;
  }
}
