/*
 * SIMD&FP register loads and stores and the general-register moves glibc's memset and memcpy
 * use (DUP, INS and UMOV with a general register) inline in WebAssembly blocks, as
 * src/interp/exec-mem.ts and exec-simd.ts run them. V0..V31 live in the CPU's state block
 * (STATE.v), so a block reads and writes them in memory at constant offsets and a handler call
 * needs nothing flushed for them. An access the TLB check does not serve leaves as a slow path.
 */
import type { BlockGen } from "./compile.js";
import { STATE } from "./layout.js";
import { OP } from "./writer.js";

const LOAD_U = [OP.i64Load8U, OP.i64Load16U, OP.i64Load32U, OP.i64Load];
const STORE = [OP.i64Store8, OP.i64Store16, OP.i64Store32, OP.i64Store];

/** Arena address of byte `k` of V<n>. */
function vAt(g: BlockGen, n: number, k = 0): number {
  return g.base + STATE.v + 16 * n + k;
}

/** Load V<t> from the access's arena address + `plus` (2^scale bytes, 4 = Q), zeroing the rest of it. */
function loadV(g: BlockGen, t: number, scale: number, plus: number): void {
  g.i32(0);
  g.at(plus).mem(scale >= 3 ? OP.i64Load : LOAD_U[scale]!, 0);
  g.mem(OP.i64Store, vAt(g, t));
  g.i32(0);
  if (scale === 4) g.at(plus + 8).mem(OP.i64Load, 0);
  else g.i64(0, 0);
  g.mem(OP.i64Store, vAt(g, t, 8));
}

/** Store the low 2^scale bytes of V<t> (4 = all 16) at the access's arena address + `plus`. */
function storeV(g: BlockGen, t: number, scale: number, plus: number): void {
  g.at(plus).i32(0).mem(OP.i64Load, vAt(g, t));
  g.mem(scale >= 3 ? OP.i64Store : STORE[scale]!, 0);
  if (scale === 4)
    g.at(plus + 8)
      .i32(0)
      .mem(OP.i64Load, vAt(g, t, 8))
      .mem(OP.i64Store, 0);
}

/** log2 of the bytes a single-register SIMD&FP load/store word moves (4 = Q), or -1 if unallocated. */
export function simdScale(w: number): number {
  const size = w >>> 30;
  if (((w >>> 23) & 1) === 0) return size;
  return size === 0 ? 4 : -1;
}

/**
 * LDR/STR/LDUR/STUR (SIMD&FP, C7.2.176 ...) of V<t> at the address pushed by `addr`; `after`
 * runs once the access is done (base write-back). False: not handled.
 */
export function simdTransfer(
  g: BlockGen,
  i: number,
  w: number,
  addr: () => void,
  after: () => void,
): boolean {
  const scale = simdScale(w);
  if (scale < 0) return false;
  addr();
  const load = ((w >>> 22) & 1) === 1;
  g.tlb(i, 0, !load, 1 << scale);
  if (load) loadV(g, w & 31, scale, 0);
  else storeV(g, w & 31, scale, 0);
  after();
  return true;
}

/** LDP/STP/LDNP/STNP (SIMD&FP, C7.2.170 ...): the first register, then the second (a load with t == t2 keeps the second). */
export function simdPair(g: BlockGen, i: number, w: number, mode: number): boolean {
  const opc = w >>> 30;
  if (opc === 3) return false;
  const scale = 2 + opc;
  const bytes = 1 << scale;
  const n = (w >>> 5) & 31;
  const t = w & 31;
  const t2 = (w >>> 10) & 31;
  g.xsp(n)
    .i64n(((w << 10) >> 25) * bytes)
    .op(OP.i64Add)
    .set(g.WB);
  if (mode === 1) g.xsp(n);
  else g.get(g.WB);
  const load = ((w >>> 22) & 1) === 1;
  g.tlb(i, 0, !load, 2 * bytes);
  const move = load ? loadV : storeV;
  move(g, t, scale, 0);
  move(g, t2, scale, bytes);
  if (mode === 1 || mode === 3) g.get(g.WB).setXsp(n);
  return true;
}

/** The i64 that repeats the low 2^size bytes of an element (1, 0x0101.., 0x00010001.., 0x100000001). */
const REPEAT: readonly (readonly [number, number])[] = [
  [0x01010101, 0x01010101],
  [0x00010001, 0x00010001],
  [1, 1],
];
const MASK: readonly (readonly [number, number])[] = [
  [0xff, 0],
  [0xffff, 0],
  [-1, 0],
];

/** DUP (general), INS (general), UMOV (C7.2.39, C7.2.176, C7.2.371): false for the rest of the class. */
export function simdIns(g: BlockGen, w: number): boolean {
  const imm5 = (w >>> 16) & 31;
  if ((w >>> 29) & 1 || (imm5 & 15) === 0) return false;
  const size = imm5 & 1 ? 0 : imm5 & 2 ? 1 : imm5 & 4 ? 2 : 3;
  const [Q, imm4, n, d] = [(w >>> 30) & 1, (w >>> 11) & 15, (w >>> 5) & 31, w & 31];
  const idx = imm5 >>> (size + 1);
  if (imm4 === 1) {
    // DUP Vd.T, Rn: the element repeated in each doubleword; the high one zero without Q
    if (size === 3 && !Q) return false;
    g.x(n);
    if (size < 3) {
      const [mlo, mhi] = MASK[size]!;
      const [rlo, rhi] = REPEAT[size]!;
      g.i64(mlo, mhi).op(OP.i64And).i64(rlo, rhi).op(OP.i64Mul);
    }
    g.set(g.V1);
    g.i32(0).get(g.V1).mem(OP.i64Store, vAt(g, d));
    g.i32(0);
    if (Q) g.get(g.V1);
    else g.i64(0, 0);
    g.mem(OP.i64Store, vAt(g, d, 8));
    return true;
  }
  if (imm4 === 3) {
    // INS Vd.Ts[idx], Rn
    g.i32(0)
      .x(n)
      .mem(STORE[size]!, vAt(g, d, idx << size));
    return true;
  }
  if (imm4 === 7 && (size === 3 ? Q === 1 : Q === 0)) {
    // UMOV Rd, Vn.Ts[idx]
    g.i32(0)
      .mem(LOAD_U[size]!, vAt(g, n, idx << size))
      .setX(d);
    return true;
  }
  return false;
}
