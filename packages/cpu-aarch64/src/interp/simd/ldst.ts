/*
 * LD1-LD4 / ST1-ST4 (single structure) and LD1R-LD4R (ARM ARM C4.1.66 asisdlso/asisdlsop, C7.2
 * LD1..LD4 (single structure)): the one implementation of these forms; the multiple-structure
 * forms are in exec-simd.ts.
 */
import type { Cpu } from "../cpu.js";
import type { Handler } from "./common.js";

const tmp = new Uint8Array(64);

export const ldstSingle: Handler = (c: Cpu, w: number): void => {
  const Q = (w >>> 30) & 1;
  const L = (w >>> 22) & 1;
  const R = (w >>> 21) & 1;
  const post = (w >>> 23) & 1;
  const m = (w >>> 16) & 31;
  const opcode = (w >>> 13) & 7;
  const S = (w >>> 12) & 1;
  const size = (w >>> 10) & 3;
  const n = (w >>> 5) & 31;
  const t = w & 31;
  const selem = (((opcode & 1) << 1) | R) + 1;
  let scale = opcode >>> 1;
  let index = 0;
  let replicate = false;
  if (scale === 3) {
    if (!L || S) c.undefinedInstruction();
    replicate = true;
    scale = size;
  } else if (scale === 0) index = (Q << 3) | (S << 2) | size;
  else if (scale === 1) {
    if (size & 1) c.undefinedInstruction();
    index = (Q << 2) | (S << 1) | (size >>> 1);
  } else if ((size & 1) === 0) {
    if (size & 2) c.undefinedInstruction();
    index = (Q << 1) | S;
  } else {
    if (size & 2 || S) c.undefinedInstruction();
    index = Q;
    scale = 3;
  }
  const es = 1 << scale;
  const ni = n === 31 ? 64 : 2 * n;
  const blo = c.x[ni]!;
  const bhi = c.x[ni + 1]!;
  const total = es * selem;
  for (let k = 0; k < total; k++) {
    const a = (blo + k) | 0;
    const ah = a >>> 0 < blo >>> 0 ? (bhi + 1) | 0 : bhi;
    const reg = (t + ((k / es) | 0)) & 31;
    const byte = k % es;
    if (L) tmp[k] = c.ld8(a, ah);
    else c.st8(a, ah, c.vb[16 * reg + index * es + byte]!);
  }
  if (L) {
    for (let s = 0; s < selem; s++) {
      const reg = (t + s) & 31;
      if (replicate) {
        const bytes = Q ? 16 : 8;
        for (let i = 0; i < bytes; i++) c.vb[16 * reg + i] = tmp[s * es + (i % es)]!;
        if (!Q) {
          c.v[4 * reg + 2] = 0;
          c.v[4 * reg + 3] = 0;
        }
      } else for (let k = 0; k < es; k++) c.vb[16 * reg + index * es + k] = tmp[s * es + k]!;
    }
  }
  if (post) {
    let lo: number;
    let hi: number;
    if (m === 31) {
      lo = (blo >>> 0) + total;
      hi = bhi + (lo > 0xffffffff ? 1 : 0);
    } else {
      lo = (blo >>> 0) + (c.x[2 * m]! >>> 0);
      hi = bhi + c.x[2 * m + 1]! + (lo > 0xffffffff ? 1 : 0);
    }
    c.x[ni] = lo | 0;
    c.x[ni + 1] = hi | 0;
  }
};
