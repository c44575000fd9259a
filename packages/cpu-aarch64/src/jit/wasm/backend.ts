/*
 * The WebAssembly back end's glue: compiles the block at a page slot with compile.ts,
 * instantiates it over the CPU's arena and wraps it as a BlockFn for JitEngine (NZCV into the io
 * words before the call, the next PC, c.jumped and c.jitSlow out of them after). Instructions
 * compile.ts does not translate call the interpreter's handler through one import per CPU.
 */
import { type WasmTable, wasmApi } from "@armature/core";
import { ENCODINGS } from "../../decoder/table.js";
import { ABORT, type Cpu, type PageCache } from "../../interp/cpu.js";
import { HANDLERS } from "../../interp/dispatch.js";
import { nop } from "../../interp/exec-sys.js";
import { BLOCK_END_CLASSES, PURE_CLASSES } from "../emit.js";
import type { BlockFn, JitPage } from "../jit.js";
import {
  BlockGen,
  type BlockLink,
  type BlockShape,
  CALL_ABORT,
  CALL_GO_ON,
  CALL_JUMPED,
  CALL_RECHECK,
  EXIT_FALL,
  EXIT_HANDLER_JUMP,
  emitInsn,
  LINK_VALID,
} from "./compile.js";
import { JC, jumpCacheLookup } from "./far.js";
import { IO_WORD, JC_BITS, JC_ENTRY_SHIFT, JC_W, jcIndex, jumpCacheStale } from "./layout.js";
import { Bytes, blockBatchModule, I32, OP } from "./writer.js";

const PAGE_SLOTS = 1024;
/** Classes whose inline code always leaves the block. */
const ENDS = new Set(["branch_imm", "branch_reg"]);

/** A compiled block: its function, length, instructions compiled inline, module size. */
export interface WasmBlock {
  fn: BlockFn;
  len: number;
  inline: number;
  bytes: number;
}

/** Blocks per function table; a full table is left to the blocks in it and a new one started. */
const TABLE_SLOTS = 65536;

/**
 * One function table and the trampoline that calls its entries: every block is entered through
 * the same JS-to-wasm call site (`run`), so V8 uses one optimised call instead of a generic
 * wrapper per block function, and `call_indirect` picks the block.
 */
export interface Trampoline {
  table: WasmTable;
  run: (i: number, budget: number, lo: number, hi: number) => number;
  next: number;
  /** Tells its blocks' jump cache entries from other tables' (far.ts). */
  serial: number;
}
let trampolines = 0;

/** The trampoline module: imports table env.t, exports run(i, budget, lo, hi) = t[i](budget, lo, hi). */
function trampolineBytes(): Uint8Array {
  const out = new Bytes();
  const sec = (id: number, b: Bytes) => out.u8(id).uleb(b.len).bytes(b.view());
  out.bytes(new Uint8Array([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00]));
  const types = new Bytes().uleb(2);
  types.u8(0x60).uleb(4).u8(I32).u8(I32).u8(I32).u8(I32).uleb(1).u8(I32);
  types.u8(0x60).uleb(4).u8(I32).u8(I32).u8(I32).u8(I32).uleb(1).u8(I32);
  sec(1, types);
  // import env.t: table of funcref, limits min 0
  sec(2, new Bytes().uleb(1).name("env").name("t").u8(0x01).u8(0x70).u8(0x00).uleb(0));
  sec(3, new Bytes().uleb(1).uleb(1));
  sec(7, new Bytes().uleb(1).name("run").u8(0x00).uleb(0));
  const body = new Bytes().uleb(0);
  // t[i](budget, lo, hi, 0): nothing retired before the first block
  for (const l of [1, 2, 3]) body.u8(OP.localGet).uleb(l);
  body.u8(OP.i32Const).sleb32(0).u8(OP.localGet).uleb(0);
  body.u8(OP.callIndirect).uleb(0).uleb(0).u8(OP.end);
  sec(10, new Bytes().uleb(1).uleb(body.len).bytes(body.view()));
  return out.view().slice();
}

function newTrampoline(): Trampoline {
  const api = wasmApi!;
  const table = new api.Table({ element: "anyfunc", initial: 64, maximum: TABLE_SLOTS });
  const inst = new api.Instance(new api.Module(trampolineBytes()), { env: { t: table } });
  trampolines = (trampolines + 1) | 0;
  return { table, run: inst.exports.run as Trampoline["run"], next: 0, serial: trampolines };
}

/**
 * Per CPU: the handler import, the page of the block running (its code-written check), the table;
 * the jump cache's pages (per entry, the page its block is in) and, while a block runs, where the
 * current slice started (`acc`, in the call's count: minus what the slice retired before the
 * call, then the last far link's IO_WORD.xAt) and the clock's next deadline when the call started.
 */
interface CpuGlue {
  call: (idx: number, w: number, lo: number, hi: number) => number;
  page: PageCache | undefined;
  tramp: Trampoline | undefined;
  readonly jcPage: (PageCache | undefined)[];
  acc: number;
  dl: number;
}
const glue = new WeakMap<Cpu, CpuGlue>();

/**
 * What a block call that took far links reports to JitEngine.enter (read and cleared right after
 * the call): `at` the count in the call at the last crossing (0: none), the page and virtual page
 * it went on to, and the far links taken.
 */
export const farExit = { at: 0, page: undefined as PageCache | undefined, lo: 0, hi: 0, count: 0 };

/**
 * Far links taken since the slice recorded in gl.acc started: end that slice at the last one as
 * Cpu.run would (retired count and clock; the next slice is the rest of it: crossLimit) and make
 * its target's page the block's page.
 */
function settle(c: Cpu, gl: CpuGlue, io: Int32Array): void {
  const x = io[IO_WORD.xAt]!;
  if (x === 0 || x === gl.acc) return;
  const d = x - gl.acc;
  gl.acc = x;
  c.retired += d;
  c.clock?.advanceInstructions(d);
  gl.page = gl.jcPage[io[IO_WORD.xEntry]! >>> JC_ENTRY_SHIFT];
}

/**
 * Whether Cpu.beginSlice would take an interrupt now (Cpu.interruptVector, the rule its checkInterrupts uses: a line up and not
 * masked by PSTATE.{A,I,F}). A line that is up but masked does not stop far links: inside a block
 * PSTATE only gains masks (MSR DAIFSet); what clears them is a handler (checked after each call).
 */
function interruptDue(c: Cpu): boolean {
  return (c.irqLevel || c.fiqLevel || c.serrorPending) && c.interruptVector() >= 0;
}

/**
 * IO_WORD.xLimit for a call starting now: far links are taken only where the next slice would be the
 * rest of the current one (no interrupt due, so Cpu.beginSlice takes none; the deterministic
 * clock at 1 ns per instruction with an integer deadline, so the slice's end does not move; a
 * deadline armed or an interrupt unmasked during the call stops them: wasmHandlerCall). With the real-time clock the slice
 * is cut by the host's time at each start: then within REALTIME_FAR instructions of the call's
 * start only (the run loop reads the clock again after that).
 */
const REALTIME_FAR = 2048;
function crossLimit(c: Cpu, gl: CpuGlue): number {
  if (interruptDue(c)) return 0;
  const clock = c.clock;
  if (clock === undefined) return 0x7fffffff;
  const dl = clock.nextDeadline();
  gl.dl = dl;
  if (clock.mode !== "deterministic") return REALTIME_FAR;
  return clock.nsPerInstruction === 1 && (dl === Number.POSITIVE_INFINITY || Number.isInteger(dl))
    ? 0x7fffffff
    : 0;
}

function glueOf(c: Cpu): CpuGlue {
  const have = glue.get(c);
  if (have !== undefined) return have;
  const io = c.state.io;
  const gl: CpuGlue = {
    page: undefined,
    tramp: undefined,
    jcPage: new Array<PageCache | undefined>(1 << JC_BITS).fill(undefined),
    acc: 0,
    dl: 0,
    // as the JS back end's handler call: the PC set first, the run loop's checks after it
    call: function wasmHandlerCall(idx, w, lo, hi) {
      settle(c, gl, io);
      c.nf = io[0]!;
      c.zf = io[1]!;
      c.cf = io[2]!;
      c.vf = io[3]!;
      c.pc = lo >>> 0;
      c.pcHi = hi;
      let st = CALL_GO_ON;
      try {
        HANDLERS[idx]!(c, w);
        if (c.jumped) st = CALL_JUMPED;
        else if (c.recheck || !gl.page!.hasCode) st = CALL_RECHECK;
      } catch (e) {
        if (e !== ABORT) throw e;
        st = CALL_ABORT;
      }
      // a deadline armed or cancelled, an interrupt unmasked: the next slice would not just go on
      if (
        io[IO_WORD.xLimit] !== 0 &&
        ((c.clock !== undefined && c.clock.nextDeadline() !== gl.dl) || interruptDue(c))
      )
        io[IO_WORD.xLimit] = 0;
      io[0] = c.nf;
      io[1] = c.zf;
      io[2] = c.cf;
      io[3] = c.vf;
      return st;
    },
  };
  glue.set(c, gl);
  return gl;
}

/** Where each block function sits (its table and index) and its length: exits of later blocks link to it. */
const LINKS = new WeakMap<BlockFn, { tramp: Trampoline; ti: number; len: number }>();

/**
 * A page's link words (one int32 per slot, in the arena; compile.ts BlockLink): exits to a slot
 * whose block is compiled later read its word and go on to it inside WebAssembly. A table belongs
 * to one trampoline (its words are that table's indices); a page whose blocks move to a new
 * trampoline gets a new table.
 */
interface LinkTable {
  tramp: Trampoline;
  words: Int32Array;
}
const linkTables = new WeakMap<JitPage, LinkTable>();
/** Link tables of dropped pages, per arena, for reuse (zeroed then). */
const freeTables = new WeakMap<object, Int32Array[]>();
const reclaim = new FinalizationRegistry<{ free: Int32Array[]; words: Int32Array }>(({ free, words }) => {
  free.push(words);
});

/** Link tables allocated per arena at most (4 KiB each: 8 MiB of the 16 MiB Bus keeps for CPU state). */
const MAX_LINK_TABLES = 2048;
const tablesMade = new WeakMap<object, number>();

/**
 * The link table of `jp` for `tramp`, made on first use (undefined when the arena has no room
 * or MAX_LINK_TABLES are live: the page's exits then link only to blocks compiled before them).
 * A page's JitPage (and with it every block that reads the table) is dropped as a whole; the
 * table is reused after that.
 */
function linkTableOf(c: Cpu, jp: JitPage, tramp: Trampoline): LinkTable | undefined {
  const have = linkTables.get(jp);
  if (have !== undefined && have.tramp === tramp) return have;
  const arena = c.state.arena!;
  let free = freeTables.get(arena);
  if (free === undefined) {
    free = [];
    freeTables.set(arena, free);
  }
  let words = free.pop();
  if (words !== undefined) words.fill(0);
  else {
    const made = tablesMade.get(arena) ?? 0;
    if (made >= MAX_LINK_TABLES || arena.used + 4 * PAGE_SLOTS + 64 > arena.maxBytes) return undefined;
    tablesMade.set(arena, made + 1);
    words = arena.int32(PAGE_SLOTS);
  }
  const lt = { tramp, words };
  linkTables.set(jp, lt);
  reclaim.register(jp, { free, words });
  return lt;
}

/** A block's function (body and locals for blockBatchModule), length and instructions inline. */
interface BlockFunc {
  locals: readonly number[];
  body: Uint8Array;
  len: number;
  inline: number;
}

/**
 * The function of the block at `slot`, or null when it has no instruction. `link(s)`: the block
 * at slot s of this page a linked exit may go on to (its table index and length), if any.
 */
function blockFunc(
  c: Cpu,
  page: PageCache,
  slot: number,
  maxBlock: number,
  link: ((s: number) => BlockLink | undefined) | undefined,
  far = false,
): BlockFunc | null {
  const byOff =
    link === undefined
      ? undefined
      : (off: number) => {
          const s = slot + off / 4;
          return s < 0 || s >= PAGE_SLOTS ? undefined : link(s);
        };
  // two passes: the second knows every register the block uses and writes (a handler call
  // flushes and reloads them all, a linked exit writes them back)
  const first = generate(c, page, slot, maxBlock, undefined, byOff, 0, far);
  if (first === null) return null;
  // without handler calls and linked exits the first pass used no register set before it was
  // complete, and its locals are numbered as the second pass would number them: it is final
  const second =
    first.g.calls === 0 && first.g.links === 0
      ? first
      : generate(c, page, slot, maxBlock, first.g.shapeOf(), byOff, 0, far);
  if (second === null) return null;
  const { g, len } = second;
  return { locals: g.locals, body: g.finish(len), len, inline: len - g.calls };
}

/**
 * The module bytes of the block at `slot` alone (exported for tests; its function goes to table
 * index 0), or null when it has no instruction. With `tramp`, exits to blocks of this page
 * already in that table link to them.
 */
export function blockModule(
  c: Cpu,
  page: PageCache,
  slot: number,
  maxBlock: number,
  tramp?: Trampoline,
): { bytes: Uint8Array; len: number; inline: number } | null {
  const jp = page.jit;
  const link =
    tramp === undefined || jp === undefined
      ? undefined
      : (s: number) => {
          const f = jp.fns[s];
          const l = f === undefined || f === null ? undefined : LINKS.get(f);
          return l !== undefined && l.tramp === tramp ? l : undefined;
        };
  const f = blockFunc(c, page, slot, maxBlock, link);
  if (f === null) return null;
  return { bytes: blockBatchModule([f], 65536, 0), len: f.len, inline: f.inline };
}

function generate(
  c: Cpu,
  page: PageCache,
  slot: number,
  maxBlock: number,
  shape: BlockShape | undefined,
  link: ((off: number) => BlockLink | undefined) | undefined,
  typeIdx: number,
  far = false,
): { g: BlockGen; len: number } | null {
  const g = new BlockGen(c.state.base, shape, link, typeIdx, far ? { slot } : undefined);
  let len = 0;
  let ended = false;
  for (let i = 0; slot + i < PAGE_SLOTS && i < maxBlock; i++) {
    const s = slot + i;
    let idx = page.decoded[s]!;
    if (idx < 0) idx = c.fill(page, s);
    const e = ENCODINGS[idx];
    if (HANDLERS[idx] === nop) {
      len++;
      continue;
    }
    const w = page.words[s]!;
    const mark = g.b.len;
    if (e === undefined || !emitInsn(g, i, w >>> 0, e.id, e.iclass)) {
      // the interpreter's handler, then the checks the run loop makes after one instruction
      g.b.len = mark;
      g.callHandler(i, idx, w | 0, e !== undefined && PURE_CLASSES.has(e.iclass));
      len++;
      if (e === undefined || BLOCK_END_CLASSES.has(e.iclass) || e.id.startsWith("ERET")) break;
      continue;
    }
    len++;
    if (ENDS.has(e.iclass)) {
      ended = true;
      break;
    }
  }
  if (len === 0) return null;
  if (!ended) g.exit(EXIT_FALL, len, 4 * len, false, true);
  return { g, len };
}

/** Whether `c` can have WebAssembly blocks (its bus has an arena and the host has WebAssembly). */
export function wasmCapable(c: Cpu): boolean {
  return c.state.arena !== undefined && wasmApi !== undefined;
}

/** A block to compile: slot `slot` of `page`. */
export interface WasmRequest {
  page: PageCache;
  slot: number;
}

/**
 * Compile the blocks `reqs` for `c` (which must be wasmCapable) into one module, so the fixed
 * cost of a module and of an instance is shared by the batch. Returns per request its block, or
 * null when there is nothing to compile there. Exits link to blocks of the same page compiled
 * before, including earlier ones of this batch (the batch is generated from the highest slot of a
 * page down: fall-through exits go to higher slots).
 */
export function compileWasmBatch(
  c: Cpu,
  reqs: readonly WasmRequest[],
  maxBlock: number,
): (WasmBlock | null)[] {
  const st = c.state;
  const arena = st.arena!;
  const gl = glueOf(c);
  let tr = gl.tramp;
  if (tr === undefined || tr.next + reqs.length > TABLE_SLOTS) {
    tr = newTrampoline();
    gl.tramp = tr;
    jumpCacheStale(st);
  }
  const tramp = tr;
  const base = tr.next;
  // by page (in order of first appearance), then from the highest slot down
  const first = new Map<PageCache, number>();
  reqs.forEach((r, i) => {
    if (!first.has(r.page)) first.set(r.page, i);
  });
  const order = reqs.map((_, i) => i);
  order.sort((a, b) => {
    const d = first.get(reqs[a]!.page)! - first.get(reqs[b]!.page)!;
    return d !== 0 ? d : reqs[b]!.slot - reqs[a]!.slot;
  });
  // blocks of this batch already generated: page -> slot -> table index and length
  const mine = new Map<PageCache, Map<number, { ti: number; len: number }>>();
  const funcs: BlockFunc[] = [];
  const out: (WasmBlock | null)[] = reqs.map(() => null);
  const tis: number[] = [];
  for (const r of order) {
    const { page, slot } = reqs[r]!;
    const jp = page.jit;
    const here = mine.get(page);
    const lt = jp === undefined ? undefined : linkTableOf(c, jp, tramp);
    const link = (s: number): BlockLink | undefined => {
      const b = here?.get(s);
      if (b !== undefined) return b;
      const f = jp?.fns[s];
      if (f === null) return undefined;
      const l = f === undefined ? undefined : LINKS.get(f);
      if (l !== undefined && l.tramp === tramp) return l;
      // not compiled yet: through the link word
      return lt === undefined || f !== undefined ? undefined : { at: lt.words.byteOffset + 4 * s };
    };
    const f = blockFunc(c, page, slot, maxBlock, link, true);
    if (f === null) continue;
    const ti = base + funcs.length;
    funcs.push(f);
    tis[r] = ti;
    let m = here;
    if (m === undefined) {
      m = new Map();
      mine.set(page, m);
    }
    m.set(slot, { ti, len: f.len });
  }
  if (funcs.length === 0) return out;
  const end = base + funcs.length;
  while (tr.table.length < end) tr.table.grow(Math.min(tr.table.length, TABLE_SLOTS - tr.table.length));
  const bytes = blockBatchModule(funcs, 65536, base, jumpCacheLookup(st.base, tramp.serial));
  new wasmApi!.Instance(new wasmApi!.Module(bytes), { env: { mem: arena.memory, h: gl.call, t: tr.table } });
  tr.next = end;
  let k = 0;
  for (const r of order) {
    const ti = tis[r];
    if (ti === undefined) continue;
    const f = funcs[k++]!;
    const fn = blockFn(c, gl, tr, ti);
    LINKS.set(fn, { tramp: tr, ti, len: f.len });
    const { page, slot } = reqs[r]!;
    const lt = page.jit === undefined ? undefined : linkTables.get(page.jit);
    if (lt !== undefined && lt.tramp === tr) lt.words[slot] = LINK_VALID | (f.len << 16) | ti;
    out[r] = { fn, len: f.len, inline: f.inline, bytes: Math.round(bytes.length / funcs.length) };
  }
  return out;
}

/** The BlockFn of table entry `ti`: NZCV in and out through the io words, the exit decoded. */
function blockFn(c: Cpu, gl: CpuGlue, tr: Trampoline, ti: number): BlockFn {
  const run = tr.run;
  const io = c.state.io;
  const jc = c.state.jc;
  return function wasmBlock(cpu, pg, budget, done) {
    gl.page = pg;
    gl.acc = -done;
    io[IO_WORD.xAt] = 0;
    io[IO_WORD.xLimit] = crossLimit(cpu, gl);
    io[0] = cpu.nf;
    io[1] = cpu.zf;
    io[2] = cpu.cf;
    io[3] = cpu.vf;
    const n = run(ti, budget, cpu.pc, cpu.pcHi);
    cpu.nf = io[0]!;
    cpu.zf = io[1]!;
    cpu.cf = io[2]!;
    cpu.vf = io[3]!;
    const at = io[IO_WORD.xAt]!;
    if (at !== 0) {
      settle(cpu, gl, io);
      const e = io[IO_WORD.xEntry]! >>> 2;
      farExit.at = at;
      farExit.page = gl.page;
      farExit.lo = (jc[e + JC.lo / 4]! >>> 0) - (jc[e + JC.lo / 4]! & 0xfff);
      farExit.hi = jc[e + JC.hi / 4]!;
      farExit.count += io[IO_WORD.xCount]!;
      io[IO_WORD.xCount] = 0;
    }
    const k = io[6]!;
    if (k < EXIT_HANDLER_JUMP) {
      cpu.pc = io[4]! >>> 0;
      cpu.pcHi = io[5]!;
      cpu.jumped = k === 1;
      cpu.jitSlow = k === 2;
      return n;
    }
    // a handler branched (PC and c.jumped set) or took an exception (the count is negative)
    return k === EXIT_HANDLER_JUMP ? n : -n;
  };
}

/**
 * Compile the block at `slot` of `page` for `c` (whose bus must have an arena: undefined
 * otherwise), or null when there is nothing to compile.
 */
export function compileWasmBlock(
  c: Cpu,
  page: PageCache,
  slot: number,
  maxBlock: number,
): WasmBlock | null | undefined {
  if (!wasmCapable(c)) return undefined;
  return compileWasmBatch(c, [{ page, slot }], maxBlock)[0]!;
}

/**
 * JS went on from a block to the block `fn` at virtual address (lo, hi) of `page` (through the
 * fetch TLB, or on the same page): remember it in the jump cache so that WebAssembly blocks go on
 * to it themselves (far.ts). Nothing when `fn` is not a WebAssembly block or the fetch TLB does
 * not map that page there now.
 */
export function noteTarget(c: Cpu, lo: number, hi: number, page: PageCache, fn: BlockFn): void {
  const l = LINKS.get(fn);
  if (l === undefined) return;
  const st = c.state;
  const t = (lo >>> 12) & 511;
  if (st.eTagLo[t] !== (lo & -4096) || st.eTagHi[t] !== hi || c.ePage[t] !== page) return;
  const gl = glueOf(c);
  const i = jcIndex(lo);
  const e = i * JC_W;
  const jc = st.jc;
  jc[e + JC.lo / 4] = lo;
  jc[e + JC.hi / 4] = hi;
  jc[e + JC.gen / 4] = st.io[IO_WORD.jcGen]!;
  jc[e + JC.serial / 4] = st.eSerial[t]!;
  jc[e + JC.tramp / 4] = l.tramp.serial;
  jc[e + JC.word / 4] = l.ti | (l.len << 16);
  gl.jcPage[i] = page;
}
