/*
 * The WebAssembly back end's glue (issue #16): compiles the block at a page slot with compile.ts,
 * instantiates it over the CPU's arena and wraps it as a BlockFn for JitEngine (NZCV into the io
 * words before the call, the next PC, c.jumped and c.jitSlow out of them after). Instructions
 * compile.ts does not translate call the interpreter's handler through one import per CPU.
 */
import { wasmApi } from "@armature/core";
import { ENCODINGS } from "../../decoder/table.js";
import { ABORT, type Cpu, type PageCache } from "../../interp/cpu.js";
import { HANDLERS } from "../../interp/dispatch.js";
import { nop } from "../../interp/exec-sys.js";
import { BLOCK_END_CLASSES, PURE_CLASSES } from "../emit.js";
import type { BlockFn } from "../jit.js";
import {
  BlockGen,
  type BlockShape,
  CALL_ABORT,
  CALL_GO_ON,
  CALL_JUMPED,
  CALL_RECHECK,
  EXIT_FALL,
  EXIT_HANDLER_JUMP,
  emitInsn,
} from "./compile.js";
import { I32, type WasmImport, wasmModule } from "./writer.js";

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

/** The handler import: (handler index, word, PC lo, PC hi) -> CALL_* status. */
const HANDLER_IMPORT: WasmImport = { name: "h", params: [I32, I32, I32, I32], results: [I32] };

/** Per CPU: the handler import and the page of the block running (its code-written check). */
interface CpuGlue {
  call: (idx: number, w: number, lo: number, hi: number) => number;
  page: PageCache | undefined;
}
const glue = new WeakMap<Cpu, CpuGlue>();

function glueOf(c: Cpu): CpuGlue {
  const have = glue.get(c);
  if (have !== undefined) return have;
  const io = c.state.io;
  const gl: CpuGlue = {
    page: undefined,
    // as the JS back end's handler call: the PC set first, the run loop's checks after it
    call: (idx, w, lo, hi) => {
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

/** The module bytes of the block at `slot` (exported for tests), or null when it has no instruction. */
export function blockModule(
  c: Cpu,
  page: PageCache,
  slot: number,
  maxBlock: number,
): { bytes: Uint8Array; len: number; inline: number } | null {
  // two passes: the second knows every register the block uses and writes (a handler call
  // flushes and reloads them all)
  const first = generate(c, page, slot, maxBlock, undefined);
  if (first === null) return null;
  const second = generate(c, page, slot, maxBlock, first.g.shapeOf());
  if (second === null) return null;
  const { g, len } = second;
  const body = g.finish(len);
  const bytes = wasmModule(
    [{ params: [I32, I32, I32], results: [I32], locals: g.locals, body, name: "b" }],
    65536,
    g.calls > 0 ? [HANDLER_IMPORT] : [],
  );
  return { bytes, len, inline: len - g.calls };
}

function generate(
  c: Cpu,
  page: PageCache,
  slot: number,
  maxBlock: number,
  shape: BlockShape | undefined,
): { g: BlockGen; len: number } | null {
  const g = new BlockGen(c.state.base, shape);
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
  if (!ended) g.exit(EXIT_FALL, len, 4 * len);
  return { g, len };
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
  const st = c.state;
  const arena = st.arena;
  if (arena === undefined || wasmApi === undefined) return undefined;
  const m = blockModule(c, page, slot, maxBlock);
  if (m === null) return null;
  const gl = glueOf(c);
  const inst = new wasmApi.Instance(new wasmApi.Module(m.bytes), { env: { mem: arena.memory, h: gl.call } });
  const f = inst.exports.b as (budget: number, lo: number, hi: number) => number;
  const io = st.io;
  const fn: BlockFn = (cpu, pg, budget) => {
    gl.page = pg;
    io[0] = cpu.nf;
    io[1] = cpu.zf;
    io[2] = cpu.cf;
    io[3] = cpu.vf;
    const n = f(budget, cpu.pc, cpu.pcHi);
    cpu.nf = io[0]!;
    cpu.zf = io[1]!;
    cpu.cf = io[2]!;
    cpu.vf = io[3]!;
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
  return { fn, len: m.len, inline: m.inline, bytes: m.bytes.length };
}
