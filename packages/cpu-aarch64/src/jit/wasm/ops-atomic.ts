/*
 * Load-acquire/store-release (LDAR, STLR), compare-and-swap (CAS) and the LSE atomic memory
 * operations (LDADD, LDCLR, LDEOR, LDSET, SWP, LDAPR) inline in WebAssembly blocks, as
 * src/interp/exec-mem.ts runs them (one CPU at a time: the ordering semantics need nothing more).
 * Every case the interpreter could fault on or send elsewhere leaves the block as a slow path
 * before the instruction (the interpreter's handler then runs it): an unaligned address, a read
 * or write TLB miss (a fault, MMIO, a watched code page), an access across the page.
 */
import { type BlockGen, EXIT_SLOW } from "./compile.js";
import { IO_WORD, STATE } from "./layout.js";
import { OP } from "./writer.js";

const LOAD_U = [OP.i64Load8U, OP.i64Load16U, OP.i64Load32U, OP.i64Load];
const STORE = [OP.i64Store8, OP.i64Store16, OP.i64Store32, OP.i64Store];
/** The low 2^size bytes of an i64, as (lo, hi) halves. */
const MASK: readonly (readonly [number, number])[] = [
  [0xff, 0],
  [0xffff, 0],
  [-1, 0],
  [-1, -1],
];

/** Push X<n> (31 = SP) as the access address, leaving the block (slow path) when not 2^size aligned. */
function alignedBase(g: BlockGen, i: number, n: number, size: number): void {
  g.xsp(n).set(g.ADDR);
  if (size > 0) {
    g.get(g.ADDR)
      .op(OP.i32WrapI64)
      .i32((1 << size) - 1)
      .op(OP.i32And)
      .if()
      .exit(EXIT_SLOW, i, 4 * i)
      .end();
  }
  g.get(g.ADDR);
}

/**
 * The read and the write TLB checks of the address in ADDR (both must hit, at the same arena
 * page, as a read-modify-write needs); after it ABS + O is the access's arena address.
 */
function readWriteTlb(g: BlockGen, i: number, size: number): void {
  g.tlb(i, size, false);
  g.get(g.ABS).set(g.a);
  g.get(g.ADDR).tlb(i, size, true);
  g.get(g.ABS)
    .get(g.a)
    .op(OP.i32Ne)
    .if()
    .exit(EXIT_SLOW, i, 4 * i)
    .end();
}

/** LDAR/LDARB/LDARH, STLR/STLRB/STLRH (C6.2.103, C6.2.248: the "ldstord" class, o2 1, o1 0). */
export function ordered(g: BlockGen, i: number, w: number): boolean {
  if (((w >>> 23) & 1) === 0 || ((w >>> 21) & 1) !== 0) return false;
  const size = w >>> 30;
  const t = w & 31;
  alignedBase(g, i, (w >>> 5) & 31, size);
  if ((w >>> 22) & 1) {
    g.tlb(i, size, false);
    g.at().mem(LOAD_U[size]!, 0).setX(t);
  } else {
    g.tlb(i, size, true);
    g.at().x(t).mem(STORE[size]!, 0);
  }
  return true;
}

/** CAS, CASA, CASL, CASAL (B, H, W, X; C6.2.52): Rs gets the old value, Rt is stored when it equalled Rs. */
export function compareSwap(g: BlockGen, i: number, w: number): boolean {
  if (((w >>> 23) & 1) === 0 || ((w >>> 21) & 1) === 0) return false;
  const size = w >>> 30;
  const s = (w >>> 16) & 31;
  const t = w & 31;
  const [mlo, mhi] = MASK[size]!;
  alignedBase(g, i, (w >>> 5) & 31, size);
  readWriteTlb(g, i, size);
  g.at().mem(LOAD_U[size]!, 0).tee(g.V1);
  g.x(s);
  if (size < 3) g.i64(mlo, mhi).op(OP.i64And);
  g.op(OP.i64Eq).if();
  g.at().x(t).mem(STORE[size]!, 0);
  g.end();
  g.get(g.V1).setX(s);
  return true;
}

/**
 * CASP, CASPA, CASPL, CASPAL (W or X pairs, C6.2.54): Rs:Rs+1 get the old pair, Rt:Rt+1 are
 * stored when it equalled them (the pair aligned to its whole size, as exec-mem.ts casp).
 */
export function compareSwapPair(g: BlockGen, i: number, w: number): boolean {
  const s = (w >>> 16) & 31;
  const t = w & 31;
  if ((s & 1) !== 0 || (t & 1) !== 0) return false;
  const esize = 2 + ((w >>> 30) & 1);
  const eb = 1 << esize;
  const [mlo, mhi] = MASK[esize]!;
  alignedBase(g, i, (w >>> 5) & 31, esize + 1);
  readWriteTlb(g, i, esize + 1);
  g.at().mem(LOAD_U[esize]!, 0).set(g.V1);
  g.at(eb).mem(LOAD_U[esize]!, 0).set(g.V2);
  g.get(g.V1).x(s).i64(mlo, mhi).op(OP.i64And).op(OP.i64Eq);
  g.get(g.V2)
    .x(s + 1)
    .i64(mlo, mhi)
    .op(OP.i64And)
    .op(OP.i64Eq)
    .op(OP.i32And)
    .if();
  g.at().x(t).mem(STORE[esize]!, 0);
  g.at(eb)
    .x(t + 1)
    .mem(STORE[esize]!, 0);
  g.end();
  g.get(g.V1).setX(s);
  g.get(g.V2).setX(s + 1);
  return true;
}

/**
 * LDXR/LDAXR and STXR/STLXR (B, H, W, X; C6.2.135, C6.2.277) with the exclusive monitor in the
 * io words (IO_WORD.ex*), as exec-mem.ts ldstExcl: a store to another address than the monitor's
 * fails without an access; to the same address it checks alignment, reads the memory and succeeds
 * when it still holds what the load read. The pairs go to the handler.
 */
export function exclusive(g: BlockGen, i: number, w: number): boolean {
  if (((w >>> 23) & 1) !== 0 || ((w >>> 21) & 1) !== 0) return false;
  const size = w >>> 30;
  const t = w & 31;
  const word = (k: number) => g.base + STATE.io + 4 * k;
  if ((w >>> 22) & 1) {
    alignedBase(g, i, (w >>> 5) & 31, size);
    g.tlb(i, size, false);
    g.at().mem(LOAD_U[size]!, 0).set(g.V1);
    // exVal0/exVal1 and exLo/exHi are adjacent words: one i64 each
    g.i32(0).get(g.V1).mem(OP.i64Store, word(IO_WORD.exVal0));
    g.i32(0).get(g.ADDR).mem(OP.i64Store, word(IO_WORD.exLo));
    g.i32(0)
      .i32(1 << size)
      .mem(OP.i32Store, word(IO_WORD.exSize));
    g.i32(0).i32(1).mem(OP.i32Store, word(IO_WORD.exValid));
    g.get(g.V1).setX(t);
    return true;
  }
  // r: the store succeeds (the status register gets r ^ 1)
  g.xsp((w >>> 5) & 31).set(g.ADDR);
  g.i32(0).mem(OP.i32Load, word(IO_WORD.exValid));
  g.i32(0).mem(OP.i64Load, word(IO_WORD.exLo)).get(g.ADDR).op(OP.i64Eq).op(OP.i32And).tee(g.r);
  g.if();
  alignedBase(g, i, (w >>> 5) & 31, size);
  readWriteTlb(g, i, size);
  g.at().mem(LOAD_U[size]!, 0).i32(0).mem(OP.i64Load, word(IO_WORD.exVal0)).op(OP.i64Eq).tee(g.r).if();
  g.at().x(t).mem(STORE[size]!, 0);
  g.end().end();
  g.i32(0).i32(0).mem(OP.i32Store, word(IO_WORD.exValid));
  g.get(g.r)
    .i32(1)
    .op(OP.i32Xor)
    .op(OP.i64ExtendI32U)
    .setX((w >>> 16) & 31);
  return true;
}

/**
 * LDADD, LDCLR, LDEOR, LDSET, SWP (and their A/L/AL forms, C6.2.120 ...) and LDAPR (C6.2.108);
 * false for LDSMAX/LDSMIN/LDUMAX/LDUMIN (the handler runs them).
 */
export function atomicOp(g: BlockGen, i: number, w: number): boolean {
  const size = w >>> 30;
  const s = (w >>> 16) & 31;
  const o3 = (w >>> 15) & 1;
  const opc = (w >>> 12) & 7;
  const t = w & 31;
  if (o3 === 1 && opc === 4) {
    // LDAPR: the interpreter translates before the alignment check; a slow path covers both
    alignedBase(g, i, (w >>> 5) & 31, size);
    g.tlb(i, size, false);
    g.at().mem(LOAD_U[size]!, 0).setX(t);
    return true;
  }
  if ((o3 === 1 && opc !== 0) || (o3 === 0 && opc > 3)) return false;
  const [mlo, mhi] = MASK[size]!;
  g.x(s);
  if (size < 3) g.i64(mlo, mhi).op(OP.i64And);
  g.set(g.V2);
  alignedBase(g, i, (w >>> 5) & 31, size);
  readWriteTlb(g, i, size);
  g.at().mem(LOAD_U[size]!, 0).set(g.V1);
  g.at();
  if (o3 === 1) g.get(g.V2);
  else if (opc === 1) g.get(g.V1).get(g.V2).i64(-1, -1).op(OP.i64Xor).op(OP.i64And);
  else g.get(g.V1).get(g.V2).op([OP.i64Add, 0, OP.i64Xor, OP.i64Or][opc]!);
  g.mem(STORE[size]!, 0);
  g.get(g.V1).setX(t);
  return true;
}
