/*
 * Where a Cpu's state lives when its bus has an arena (the WebAssembly back end): one
 * block per CPU inside the arena's memory, so code generated as WebAssembly reads and writes the
 * register file and the software TLB with plain loads and stores at constant offsets. Without an
 * arena the same arrays are ordinary typed arrays (the interpreter and the JS back end index them
 * the same way either way).
 */
import type { Arena } from "@armature/core";

/** Entries of each direct-mapped software TLB (Cpu's TLB_SIZE). */
const TLB = 512;

/**
 * The PACIxSP/AUTIxSP result memo (src/interp/simd/pauth.ts spHint), one per CPU: 2^SP_MEMO_BITS
 * entries of SP_MEMO_W int32 (tag, X30 hi, lo, SP hi, lo, result hi, lo), so that translated code
 * can look results up without calling out.
 */
export const SP_MEMO_BITS = 14;
export const SP_MEMO_W = 7;
/**
 * The memo's hash multipliers: entry h = imul(X30 lo ^ imul(SP lo, K1), K2) >>> (33 - SP_MEMO_BITS)
 * (pauth.ts spEntry; compile.ts spHintInline emits the same in WebAssembly).
 */
export const SP_MEMO_K1 = 0x85ebca77 | 0;
export const SP_MEMO_K2 = 0x9e3779b1 | 0;

/**
 * The PACIxSP/AUTIxSP memo's validity. spTag: the tag base (epoch << 3) of this CPU's current keys
 * and regime with APIA enabled, -1 with APIA disabled (SCTLR_EL1.EnIA 0: PACIASP and AUTIASP are
 * NOPs), or 0 (not known); valid while gen equals spGen. spWrap: the epoch restarts (pauth.ts
 * spWrap) this CPU's memo has seen (older entries are dropped).
 */
const IO_PAC = { spTag: 8, gen: 9, spGen: 10, spWrap: 11 } as const;
/**
 * dzOk: DC ZVA cannot trap (user mode, or SCTLR_EL1.DZE set) while gen equals dzGen: 1 (set by its
 * handler). el1h: 1 while the CPU is at EL1 with SPSel 1 (SP_EL0 is banked: Cpu.spBank,
 * STATE.spBank), else 0. daif: PSTATE.{D,A,I,F} at bits 9..6 (Cpu.daif lives here). tpidr1Lo/Hi:
 * TPIDR_EL1 as the MRS handler last read it, valid while gen equals tpidr1Gen (-1 until then).
 */
const IO_SYS = { dzOk: 12, dzGen: 13, el1h: 14, daif: 15 } as const;
const IO_TPIDR1 = { tpidr1Lo: 16, tpidr1Hi: 17, tpidr1Gen: 18 } as const;
/**
 * jcGen: the jump cache's generation (STATE.jc, far.ts), moved when a page's translations are
 * dropped (every entry made before is stale); eSerial: the count of fetch-TLB fills (STATE.eSerial:
 * per slot, the fill that made it). Far links (jump cache links that cross pages, where the run
 * loop would end the slice and start the next): set by JS before each call into a block, one may
 * be taken while the instructions retired in the call are below xLimit (0: none; backend.ts
 * crossLimit); it writes that count at the crossing to xAt and the entry's byte offset in the jump
 * cache to xEntry, and counts itself in xCount.
 */
const IO_FAR = { jcGen: 20, eSerial: 21, xLimit: 22, xAt: 23, xEntry: 24, xCount: 25 } as const;
/**
 * The exclusive monitor of LDXR/STXR (Cpu.exValid 0/1, exLo, exHi, exSize, exVal0, exVal1 live
 * here: exec-mem.ts ldstExcl); a 128-bit pair's second doubleword stays in Cpu.exVal2/exVal3.
 */
const IO_EX = { exValid: 26, exLo: 27, exHi: 28, exSize: 29, exVal0: 30, exVal1: 31 } as const;
/**
 * XPACLRI (strip the PAC of X30, an instruction address) as masks its handler recorded while
 * TCR_EL1 was as now (gen equal to xpacGen, -1 until then): X30 & and0 when bit 55 is 0,
 * X30 | or1 when it is 1 (pauth.ts xpaclri).
 */
const IO_XPAC = { xpacAnd0Lo: 32, xpacAnd0Hi: 33, xpacOr1Lo: 34, xpacOr1Hi: 35, xpacGen: 36 } as const;
/**
 * Indices of the state block's io words (int32) that carry state between the interpreter and
 * WebAssembly blocks (words 0..3 are NZCV, 4..6 a block's exit: compile.ts). Translated code
 * trusts a word a handler recorded only while IO_WORD.gen (SysRegs.plainGen: any key, TCR_EL1 or
 * SCTLR_EL1 write, reset or restore moves it) still equals the generation recorded with it.
 */
export const IO_WORD = { ...IO_PAC, ...IO_SYS, ...IO_TPIDR1, ...IO_FAR, ...IO_EX, ...IO_XPAC } as const;

/**
 * The jump cache (STATE.jc, far.ts): translated code goes on to the block at a virtual address
 * found there, within its page or across pages, without returning to JS. 2^JC_BITS entries of
 * JC_W int32 (virtual address lo, hi; IO_WORD.jcGen and the fetch-TLB slot's fill serial when
 * made; function table serial; table index | length << 16), at index jcIndex(lo).
 */
export const JC_BITS = 12;
export const JC_W = 8;
/** log2 of an entry's bytes: entry i is at byte i << JC_ENTRY_SHIFT of the jump cache (JC_W a power of two). */
export const JC_ENTRY_SHIFT = Math.log2(4 * JC_W);

/** Index of the jump cache entry for virtual address lo (low word). */
export function jcIndex(lo: number): number {
  return ((lo >>> 2) ^ (lo >>> 12)) & ((1 << JC_BITS) - 1);
}

/** Byte offsets inside a CPU's state block. */
export const STATE = {
  /** Cpu.x: 68 int32 (X0..X30 as lo/hi pairs = one little-endian i64 at 8n; 31 zero; 32 SP; 33 scratch). */
  x: 0,
  /** Exchange words between JS and a WebAssembly block (NZCV in, exit PC/kind out, IO_WORD): 64 int32 used of 128. */
  io: 512,
  rTagLo: 1024,
  rTagHi: 1024 + 4 * TLB,
  rBase: 1024 + 8 * TLB,
  /** Per read-TLB entry: the arena offset of the page's first byte, or -1 (not in the arena). */
  rAbs: 1024 + 12 * TLB,
  wTagLo: 1024 + 16 * TLB,
  wTagHi: 1024 + 20 * TLB,
  wBase: 1024 + 24 * TLB,
  /** Per write-TLB entry: the arena offset of the page's first byte, or -1. */
  wAbs: 1024 + 28 * TLB,
  /** The PACIxSP/AUTIxSP memo (SP_MEMO_W << SP_MEMO_BITS int32). */
  spMemo: 1024 + 32 * TLB,
  /** Cpu.spBank: 4 int32 (SP_EL0 lo, hi, SP_EL1 lo, hi). */
  spBank: 1024 + 32 * TLB + 4 * (SP_MEMO_W << SP_MEMO_BITS),
  /** Cpu.v: V0..V31, 16 bytes each (little-endian, V<n> at 16n). */
  v: 1024 + 32 * TLB + 4 * (SP_MEMO_W << SP_MEMO_BITS) + 16,
  /** The fetch TLB (Cpu.eTagLo, eTagHi) and per slot the serial of the fill that made it. */
  eTagLo: 1024 + 32 * TLB + 4 * (SP_MEMO_W << SP_MEMO_BITS) + 528,
  eTagHi: 1024 + 36 * TLB + 4 * (SP_MEMO_W << SP_MEMO_BITS) + 528,
  eSerial: 1024 + 40 * TLB + 4 * (SP_MEMO_W << SP_MEMO_BITS) + 528,
  /** The jump cache: JC_W << JC_BITS int32. */
  jc: 1024 + 44 * TLB + 4 * (SP_MEMO_W << SP_MEMO_BITS) + 528,
  size: 1024 + 44 * TLB + 4 * (SP_MEMO_W << SP_MEMO_BITS) + 528 + 4 * (JC_W << JC_BITS),
} as const;

/** The typed arrays of a CPU's state, inside `arena` when given (then `base` is the block's offset). */
export interface CpuState {
  readonly arena: Arena | undefined;
  /** Offset of the block in the arena (-1 without one). */
  readonly base: number;
  readonly x: Int32Array;
  readonly io: Int32Array;
  readonly rTagLo: Int32Array;
  readonly rTagHi: Int32Array;
  readonly rBase: Int32Array;
  readonly rAbs: Int32Array;
  readonly wTagLo: Int32Array;
  readonly wTagHi: Int32Array;
  readonly wBase: Int32Array;
  readonly wAbs: Int32Array;
  readonly spMemo: Int32Array;
  readonly spBank: Int32Array;
  /** The SIMD&FP registers' bytes (Cpu.v, vb and vdv view them). */
  readonly vBytes: Uint8Array;
  readonly eTagLo: Int32Array;
  readonly eTagHi: Int32Array;
  readonly eSerial: Int32Array;
  readonly jc: Int32Array;
}

/** Allocate a CPU's state (tags set to `invalidTag`, absolute offsets to -1). */
export function cpuState(arena: Arena | undefined, invalidTag: number): CpuState {
  // without an arena: separate arrays, exactly as the Cpu had them before the arena existed
  const base = arena === undefined ? -1 : arena.alloc(STATE.size, 4096);
  const buf = arena?.buffer;
  const view = (off: number, n: number): Int32Array =>
    buf === undefined ? new Int32Array(n) : new Int32Array(buf, base + off, n);
  const s: CpuState = {
    arena,
    base,
    x: view(STATE.x, 68),
    io: view(STATE.io, 64),
    rTagLo: view(STATE.rTagLo, TLB),
    rTagHi: view(STATE.rTagHi, TLB),
    rBase: view(STATE.rBase, TLB),
    rAbs: view(STATE.rAbs, TLB),
    wTagLo: view(STATE.wTagLo, TLB),
    wTagHi: view(STATE.wTagHi, TLB),
    wBase: view(STATE.wBase, TLB),
    wAbs: view(STATE.wAbs, TLB),
    spMemo: view(STATE.spMemo, SP_MEMO_W << SP_MEMO_BITS),
    spBank: view(STATE.spBank, 4),
    vBytes: buf === undefined ? new Uint8Array(512) : new Uint8Array(buf, base + STATE.v, 512),
    eTagLo: view(STATE.eTagLo, TLB),
    eTagHi: view(STATE.eTagHi, TLB),
    eSerial: view(STATE.eSerial, TLB),
    jc: view(STATE.jc, JC_W << JC_BITS),
  };
  s.rTagLo.fill(invalidTag);
  s.wTagLo.fill(invalidTag);
  s.eTagLo.fill(invalidTag);
  s.io[IO_WORD.jcGen] = 1;
  s.io[IO_WORD.tpidr1Gen] = -1;
  s.io[IO_WORD.xpacGen] = -1;
  s.rAbs.fill(-1);
  s.wAbs.fill(-1);
  return s;
}

/**
 * Every jump cache entry made so far is stale (a page's translations were dropped, or a new
 * function table was started). Entries hold the generation they were made in; 0 is never
 * current (a zeroed entry never matches), and at the wrap the cache is emptied.
 */
export function jumpCacheStale(s: CpuState): void {
  const g = (s.io[IO_WORD.jcGen]! + 1) | 0;
  if (g === 0) {
    s.jc.fill(0);
    s.io[IO_WORD.jcGen] = 1;
  } else s.io[IO_WORD.jcGen] = g;
}

/** Fetch-TLB slot i was filled: give it a new fill serial (at the counter's wrap the jump cache is emptied). */
export function fetchFilled(s: CpuState, i: number): void {
  let n = (s.io[IO_WORD.eSerial]! + 1) | 0;
  if (n === 0) {
    s.jc.fill(0);
    n = 1;
  }
  s.io[IO_WORD.eSerial] = n;
  s.eSerial[i] = n;
}
