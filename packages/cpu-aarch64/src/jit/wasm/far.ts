/*
 * Links through the jump cache (layout.ts STATE.jc): an exit whose target is not linked at compile
 * time (an indirect branch, a branch or fall-through to another page) looks its virtual address
 * up in the CPU's jump cache and goes on to the block found there by a tail call, inside
 * WebAssembly. JS fills the cache where it went on from one block to the next itself
 * (JitEngine.enter, backend.ts noteTarget).
 *
 * An entry is trusted while the fetch-TLB slot of its page still holds the fill it was made from
 * (the tag and the fill serial: same translation, so the same physical page as JS found), no
 * page's translations were dropped since (IO_WORD.jcGen), and it belongs to this block's function
 * table. A link that crosses pages is where the run loop would end its slice and start the next
 * (Cpu.beginSlice): it is taken only while IO_WORD.xLimit allows (JS sets that when the new slice
 * could only be the rest of the current one: see backend.ts crossLimit), and it leaves the count
 * at the crossing in IO_WORD.xAt for JS to settle the slice as Cpu.run would.
 */
import type { BlockGen } from "./compile.js";
import { IO_WORD, JC_BITS, JC_ENTRY_SHIFT, STATE } from "./layout.js";
import { Bytes, I32, OP } from "./writer.js";

/** Byte offsets of an entry's words. */
export const JC = { lo: 0, hi: 4, gen: 8, serial: 12, tramp: 16, word: 20 } as const;

/** What a block needs for jump-cache links: its first slot (whether a fixed target is on its page). */
export interface FarInfo {
  slot: number;
}

/** Function index of the lookup in a block module (writer.ts blockBatchModule: after the handler import). */
export const LOOKUP_FUNC = 1;

/**
 * The lookup function of a block module for the CPU whose state block is at `base`, blocks of
 * function table `tramp`: (lo, hi, left, at) -> the entry's word (table index | length << 16) of
 * the block at virtual address hi:lo when it may be entered with `left` instructions of budget,
 * else 0. `at` is 0 for a target on the same page; else the call's count at this crossing: the
 * link is taken only below IO_WORD.xLimit and is recorded (IO_WORD.xAt, IO_WORD.xEntry, IO_WORD.xCount).
 */
export function jumpCacheLookup(
  base: number,
  tramp: number,
): { locals: readonly number[]; body: Uint8Array } {
  const b = new Bytes();
  const io = base + STATE.io;
  const jc = base + STATE.jc;
  const [LO, HI, LEFT, AT, E, T, W] = [0, 1, 2, 3, 4, 5, 6];
  const get = (l: number) => b.u8(OP.localGet).uleb(l);
  const set = (l: number) => b.u8(OP.localSet).uleb(l);
  const i32 = (v: number) => b.u8(OP.i32Const).sleb32(v);
  const load = (off: number) => b.u8(OP.i32Load).uleb(2).uleb(off);
  const store = (off: number) => b.u8(OP.i32Store).uleb(2).uleb(off);
  const op = (o: number) => b.u8(o);
  const fail = () => b.u8(OP.if).u8(0x40).u8(OP.i32Const).sleb32(0).u8(OP.return).u8(OP.end);
  // a crossing at or past the limit
  get(AT);
  op(OP.i32Eqz);
  op(OP.i32Eqz);
  i32(0);
  load(io + 4 * IO_WORD.xLimit);
  get(AT);
  op(OP.i32LeS);
  op(OP.i32And);
  fail();
  // the entry (jcIndex, as a byte offset): address, generation, function table
  get(LO);
  i32(2);
  op(OP.i32ShrU);
  get(LO);
  i32(12);
  op(OP.i32ShrU);
  op(OP.i32Xor);
  i32((1 << JC_BITS) - 1);
  op(OP.i32And);
  i32(JC_ENTRY_SHIFT);
  op(OP.i32Shl);
  set(E);
  get(E);
  load(jc + JC.lo);
  get(LO);
  op(OP.i32Ne);
  get(E);
  load(jc + JC.hi);
  get(HI);
  op(OP.i32Ne);
  op(OP.i32Or);
  get(E);
  load(jc + JC.gen);
  i32(0);
  load(io + 4 * IO_WORD.jcGen);
  op(OP.i32Ne);
  op(OP.i32Or);
  get(E);
  load(jc + JC.tramp);
  i32(tramp);
  op(OP.i32Ne);
  op(OP.i32Or);
  fail();
  // the fetch-TLB slot still holds the fill the entry was made from
  get(LO);
  i32(12);
  op(OP.i32ShrU);
  i32(511);
  op(OP.i32And);
  i32(2);
  op(OP.i32Shl);
  set(T);
  get(T);
  load(base + STATE.eTagLo);
  get(LO);
  i32(-4096);
  op(OP.i32And);
  op(OP.i32Ne);
  get(T);
  load(base + STATE.eSerial);
  get(E);
  load(jc + JC.serial);
  op(OP.i32Ne);
  op(OP.i32Or);
  fail();
  // the block's length fits in what is left of the budget
  get(E);
  load(jc + JC.word);
  set(W);
  get(LEFT);
  get(W);
  i32(16);
  op(OP.i32ShrU);
  op(OP.i32LtS);
  fail();
  // a crossing: recorded
  get(AT);
  b.u8(OP.if).u8(0x40);
  i32(0);
  get(AT);
  store(io + 4 * IO_WORD.xAt);
  i32(0);
  get(E);
  store(io + 4 * IO_WORD.xEntry);
  i32(0);
  i32(0);
  load(io + 4 * IO_WORD.xCount);
  i32(1);
  op(OP.i32Add);
  store(io + 4 * IO_WORD.xCount);
  op(OP.end);
  get(W);
  return { locals: [I32, I32, I32], body: b.view().slice() };
}

/**
 * At an exit whose next PC is in g.NPC and count in g.RET: go on to the block the jump cache
 * holds for it (jumpCacheLookup) by a tail call, else fall through to the exit. `cross`: "yes"
 * when the target is on another page (known when compiling), "maybe" for a computed target
 * (compared with the block's page here).
 */
export function jumpCacheLink(g: BlockGen, cross: "yes" | "maybe"): void {
  const { LO, a: HI, TI: W } = g;
  g.b.u8(OP.block).u8(0x40);
  g.depth++;
  g.get(g.NPC).op(OP.i32WrapI64).tee(LO);
  g.get(g.NPC).i64(32, 0).op(OP.i64ShrU).op(OP.i32WrapI64).tee(HI);
  g.get(g.BUDGET).get(g.RET).op(OP.i32Sub);
  g.get(g.ACC).get(g.RET).op(OP.i32Add);
  if (cross === "maybe") {
    // 0 (no crossing) when the target is on the block's page
    g.i32(0);
    g.get(g.NPC).get(g.PC).op(OP.i64Xor).i64(12, 0).op(OP.i64ShrU).op(OP.i64Eqz).op(OP.i32Eqz);
    g.op(OP.select);
  }
  g.b.u8(OP.call).uleb(LOOKUP_FUNC);
  g.tee(W).op(OP.i32Eqz);
  g.b.u8(OP.brIf).uleb(0);
  g.writeBack();
  g.get(g.BUDGET).get(g.RET).op(OP.i32Sub);
  g.get(LO).get(HI);
  g.get(g.ACC).get(g.RET).op(OP.i32Add);
  g.get(W).i32(0xffff).op(OP.i32And);
  g.b.u8(OP.returnCallIndirect).uleb(g.typeIdx).uleb(0);
  g.end();
}
