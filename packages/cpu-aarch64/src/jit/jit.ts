/*
 * Dynamic translator: hot straight-line runs of guest code in one 4 KB page become JS
 * functions (`new Function`) over the interpreter's own state (Cpu.x, flags, the software TLB through
 * Cpu.ld64/st64 and friends). The interpreter's run loop calls `enter()` where it would execute an instruction; a
 * block runs only when its whole length fits in what is left of the run slice, so deadlines,
 * interrupts and `--max-instructions` fall at the same instruction count as with the interpreter.
 * Why JS and not WebAssembly: see the package README (M0 measurements).
 */
import { appendFileSync } from "node:fs";
import { ConfigError } from "@armature/core";
import { ENCODINGS } from "../decoder/table.js";
import { mul64, R, shift32, shift64 } from "../interp/alu.js";
import { ABORT, type Cpu, type PageCache, TLB_SIZE } from "../interp/cpu.js";
import { HANDLERS } from "../interp/dispatch.js";
import { nop } from "../interp/exec-sys.js";
import { BLOCK_END_CLASSES, type Emitted, emit, exitTo, PURE_CLASSES } from "./emit.js";
import { compileWasmBatch, farExit, noteTarget, type WasmRequest, wasmCapable } from "./wasm/backend.js";
import { type CpuState, jumpCacheStale } from "./wasm/layout.js";

/**
 * A translated block: runs from the PC (which must be the block's first instruction) and returns
 * the number of instructions retired (> 0; c.jumped tells whether the last one branched), or
 * -(retired) when an exception was taken (the faulting instruction counts, as in the interpreter).
 * `done`: what the run loop's slice retired before the call (a WebAssembly block that goes on
 * across pages ends the slice there: backend.ts farExit).
 */
export type BlockFn = (c: Cpu, page: PageCache, budget: number, done: number) => number;

/** Translations of one physical page; dropped with the page's pre-decode (PageCache.invalidate). */
export class JitPage {
  constructor(private readonly owner?: JitEngine) {}
  /** The page's translations are dropped (the jump cache's entries for them are stale). */
  drop(): void {
    this.owner?.dropped();
  }
  /** Block per start slot: a function, or null when the slot was found untranslatable. */
  readonly fns: (BlockFn | null | undefined)[] = new Array(1024);
  /** Length (instructions) of the block per start slot. */
  readonly lens = new Uint8Array(1024);
  /** Instructions interpreted from each slot where control arrived, until the threshold (counted by the run loop). */
  readonly hits = new Uint32Array(1024);
}

export interface JitOptions {
  /**
   * Instructions interpreted from an instruction where control arrived (by a branch, or at the
   * start of a run slice) up to the next such arrival, summed over its arrivals, before a block
   * starting there is translated (default 1,000,000: a block must retire that many to repay V8's
   * compile of its function, and counting instructions rather than arrivals picks the entries of
   * long straight runs first; see the package README; ARMATURE_JIT_THRESHOLD in the environment
   * replaces that default; 10,000 with the "wasm" back end).
   */
  threshold?: number;
  /** Longest block in instructions (default 48, at most 255). */
  maxBlock?: number;
  /** Translated blocks kept before the whole cache is dropped (default 65536). */
  maxBlocks?: number;
  /**
   * Blocks per WebAssembly module (back end "wasm", default 64): blocks that reached the threshold
   * are compiled together, so the fixed cost of a module and of an instance is shared.
   */
  wasmBatch?: number;
  /**
   * "js" (`new Function`) or "wasm" (src/jit/wasm/: WebAssembly over the bus's arena; a CPU whose
   * bus has no arena gets JS blocks). Default: ARMATURE_JIT_BACKEND when set, else "wasm" when the
   * CPU's bus has an arena (the boards and UserProcess give theirs one: BusOptions.arena "auto"),
   * else "js".
   * With "wasm" the default threshold is 10,000 instead of 1,000,000.
   */
  backend?: JitBackend;
}

/** The translator's code generators (JitOptions.backend). */
export type JitBackend = "js" | "wasm";

function envBackend(): JitBackend | undefined {
  const v = typeof process === "undefined" ? undefined : process.env?.ARMATURE_JIT_BACKEND;
  if (v === undefined || v === "") return undefined;
  if (v !== "js" && v !== "wasm")
    throw new ConfigError(`ARMATURE_JIT_BACKEND="${v}": expected "js" or "wasm"`);
  return v;
}

/** Counters (read them for the bench; they do not affect execution). */
export interface JitStats {
  blocksCompiled: number;
  /** Total instructions in compiled blocks (static). */
  insnsCompiled: number;
  /** Instructions emitted inline (the rest call the interpreter's handler). */
  insnsInline: number;
  /** Instructions retired inside translated blocks. */
  insnsRun: number;
  blockRuns: number;
  /** Calls of `enter` that ran a block (each returns to the run loop once: an exit). */
  enters: number;
  /** Page crossings where translated code went on to the target page's block without returning. */
  pageChains: number;
  /** Loads/stores a block left for (its inline TLB check did not serve them): run by `enter`. */
  slowPaths: number;
  compileMs: number;
  flushes: number;
}

/**
 * ARMATURE_JIT_THRESHOLD: the threshold of every JitEngine built without an explicit one (tests
 * run the suite with a low value so short programs translate too); a ConfigError unless a
 * positive integer.
 */
function envThreshold(): number | undefined {
  const v = typeof process === "undefined" ? undefined : process.env?.ARMATURE_JIT_THRESHOLD;
  if (v === undefined || v === "") return undefined;
  const t = Number(v);
  if (!Number.isInteger(t) || t < 1)
    throw new ConfigError(`ARMATURE_JIT_THRESHOLD="${v}": expected a positive integer`);
  return t;
}

const PAGE_SLOTS = 1024;
const NOP: Emitted = { code: "", mayThrow: false, store: false, ends: false };
/** alu.ts helpers the emitted code calls (results in R), and the handler trampoline. */
const ALU = {
  mul64,
  shift32,
  shift64,
  /** The interpreter's handler `idx` for word `w`: one call site for every block (see `source`). */
  call: (idx: number, c: Cpu, w: number): void => HANDLERS[idx]!(c, w),
};

export class JitEngine {
  readonly threshold: number;
  readonly maxBlock: number;
  readonly maxBlocks: number;
  readonly wasmBatch: number;
  readonly backend: JitBackend;
  readonly stats: JitStats = {
    blocksCompiled: 0,
    insnsCompiled: 0,
    insnsInline: 0,
    insnsRun: 0,
    blockRuns: 0,
    enters: 0,
    pageChains: 0,
    slowPaths: 0,
    compileMs: 0,
    flushes: 0,
  };
  private readonly attached = new Set<PageCache>();
  private live = 0;
  /** Blocks waiting for the WebAssembly back end's next batch (`compile`). */
  private readonly pending: (WasmRequest & { jp: JitPage })[] = [];
  /** The state of the CPU this engine ran for (its jump cache), once `enter` has run. */
  private cpuState: CpuState | undefined;

  /** `arena`: whether the CPU's state and RAM are in an arena (the default back end is then "wasm"). */
  constructor(opts: JitOptions = {}, arena = false) {
    const b = opts.backend ?? envBackend() ?? (arena ? "wasm" : "js");
    if (b !== "js" && b !== "wasm")
      throw new ConfigError(`unknown translator back end "${String(b)}": use "js" or "wasm"`);
    this.backend = b;
    // a WebAssembly block repays its compile far sooner (README, "WebAssembly back end")
    this.threshold = Math.max(1, opts.threshold ?? envThreshold() ?? (b === "wasm" ? 10_000 : 1_000_000));
    this.maxBlock = Math.max(1, Math.min(255, opts.maxBlock ?? 48));
    this.maxBlocks = opts.maxBlocks ?? 65536;
    this.wasmBatch = Math.max(
      1,
      opts.wasmBatch ?? (Number(typeof process === "undefined" ? 0 : process.env?.ARMATURE_JIT_BATCH) || 64),
    );
  }

  /** The page's translation table, created on first use (the run loop counts hits in it). */
  attach(page: PageCache): JitPage {
    let jp = page.jit;
    if (jp === undefined) {
      jp = new JitPage(this);
      page.jit = jp;
      this.attached.add(page);
    }
    return jp;
  }

  /**
   * Run the block at `slot` of `page` (translating it first if there is none yet: the run loop
   * calls this once `page.jit.hits[slot]` reached the threshold, or when the slot has a block) if
   * its length fits in `budget`. Returns 0 when nothing ran (the interpreter executes the
   * instruction). `pre` is what the run loop retired in this slice before the call and `left`
   * what was left of its `run()` before the slice: at a page crossing whose target already has a
   * block, the slice ends and the next one starts here exactly as in `Cpu.run` (count, clock,
   * timers, interrupts: `Cpu.beginSlice`), and the blocks go on; `c.jitCross` tells the run loop.
   */
  enter(c: Cpu, page: PageCache, slot: number, budget: number, pre: number, left: number): number {
    this.cpuState = c.state;
    let jp = this.attach(page);
    let f = jp.fns[slot];
    if (f === undefined) {
      f = this.compile(c, page, jp, slot);
      if (f === undefined || page.jit !== jp) return 0; // waits for its batch; or compiling decoded ahead and something flushed (cache cap)
    }
    if (f === null || jp.lens[slot]! > budget) return 0;
    // Chain blocks of this page while the run loop would go on without a check of its own (the
    // same conditions as in Cpu.run); c.jumped describes the last block's end on return.
    let pageLo = c.pc - (c.pc & 0xfff);
    let pageHi = c.pcHi;
    let total = 0;
    let runs = 0;
    let all = 0;
    this.stats.enters++;
    for (;;) {
      const n = f(c, page, budget, pre + total);
      runs++;
      const at = farExit.at;
      if (at !== 0) {
        // the block went on across pages inside WebAssembly: the slice ended at the last
        // crossing, `at` instructions into the call, and the next one started there (as cross())
        farExit.at = 0;
        this.stats.pageChains += farExit.count;
        farExit.count = 0;
        left -= pre + total + at;
        pre = 0;
        total = -at;
        c.jitCross = 1;
        c.jitLeft = left;
        c.jitSlice = budget - at;
        page = farExit.page!;
        c.jitPage = page;
        pageLo = farExit.lo;
        pageHi = farExit.hi;
        c.jitPageLo = pageLo;
        c.jitPageHi = pageHi;
        farExit.page = undefined;
        const pj = page.jit;
        if (pj === undefined) {
          // dropped meanwhile (a store to the page): the run loop goes on from here
          c.jitSlow = false;
          all += n < 0 ? -n : n;
          this.stats.blockRuns += runs;
          this.stats.insnsRun += all;
          return n < 0 ? -(total - n) : total + n;
        }
        jp = pj;
      }
      if (n < 0) {
        total -= n;
        all -= n;
        this.stats.blockRuns += runs;
        this.stats.insnsRun += all;
        return -total;
      }
      total += n;
      all += n;
      budget -= n;
      if (c.jitSlow) {
        // the block left before a load/store its inline TLB check did not serve (a miss, MMIO,
        // an access across pages, a watched page): the interpreter's handler does it here, as
        // the run loop would (it fits: a block leaves a whole pass's length of the budget), and
        // the blocks go on after it
        c.jitSlow = false;
        this.stats.slowPaths++;
        const s = (c.pc & 0xfff) >>> 2;
        try {
          HANDLERS[page.decoded[s]!]!(c, page.words[s]!);
        } catch (e) {
          if (e !== ABORT) throw e;
          this.stats.blockRuns += runs;
          this.stats.insnsRun += all;
          return -(total + 1);
        }
        total++;
        budget--;
        if (!c.jumped) {
          c.pc += 4;
          if (c.pc > 0xffffffff) {
            c.pc -= 4294967296;
            c.pcHi = (c.pcHi + 1) | 0;
          }
        }
      }
      const npc = c.pc;
      let crossing: boolean;
      if (c.jumped) {
        if (c.exitPending || c.recheck || (npc & 3) !== 0) break;
        crossing = c.pcHi !== pageHi || npc - (npc & 0xfff) !== pageLo;
      } else {
        if (c.recheck) break;
        crossing = (npc & 0xfff) === 0;
      }
      if (crossing) {
        const g = this.cross(c, total + pre, left);
        if (g === undefined) break; // the run loop's own path
        left -= total + pre;
        pre = 0;
        total = 0;
        if (g === null) break;
        f = g;
        page = c.jitPage!;
        jp = page.jit!;
        budget = c.jitSlice;
        pageLo = npc - (npc & 0xfff);
        pageHi = c.pcHi;
        noteTarget(c, npc, pageHi, page, g);
        continue;
      }
      const s = (npc & 0xfff) >>> 2;
      if (page.jit !== jp) break; // the block wrote to its own page
      const g = jp.fns[s];
      if (g === undefined || g === null || jp.lens[s]! > budget) break;
      if (c.jumped) noteTarget(c, npc, pageHi, page, g);
      c.jumped = false;
      f = g;
    }
    this.stats.blockRuns += runs;
    this.stats.insnsRun += all;
    return total;
  }

  /**
   * A block left its page for the (aligned) c.pc, `done` instructions into the run loop's slice
   * with `left` left of the run before that slice. When the target has a block (found through the
   * fetch TLB, as Cpu.fetchPage would find the page), end the slice and start the next one as
   * Cpu.run does, and return the block to run (c.jitCross 1, c.jitPage its page, c.jitLeft and
   * c.jitSlice the run's new totals) or null when the new slice cannot start with it (an
   * interrupt was taken, step mode, the block longer than the slice: c.jitCross 2, the run loop
   * fetches at c.pc). Undefined, nothing changed: the run loop's own path is taken.
   */
  private cross(c: Cpu, done: number, left: number): BlockFn | null | undefined {
    const rest = left - done;
    if (rest <= 0 || c.exitPending || c.halted || c.stepMode) return undefined;
    const lo = c.pc | 0;
    const hi = c.pcHi;
    const ti = (lo >>> 12) & (TLB_SIZE - 1);
    if (c.eTagLo[ti] !== (lo & -4096) || c.eTagHi[ti] !== hi) return undefined;
    const page = c.ePage[ti]!;
    const jp = page.jit;
    if (jp === undefined) return undefined;
    const s = (lo & 0xfff) >>> 2;
    const g = jp.fns[s];
    if (g === undefined || g === null) return undefined;
    // what Cpu.run does between slices (exitPending and recheck are clear: the caller checked)
    c.retired += done;
    c.clock?.advanceInstructions(done);
    const slice = c.beginSlice(rest);
    c.jitLeft = rest;
    c.jitSlice = slice;
    this.stats.pageChains++;
    if (c.pc !== lo >>> 0 || c.pcHi !== hi || c.stepMode || page.jit !== jp || jp.lens[s]! > slice) {
      c.jitCross = 2;
      return null;
    }
    c.jitCross = 1;
    c.jitPage = page;
    c.jitPageLo = (lo >>> 0) - (lo & 0xfff);
    c.jitPageHi = hi;
    return g;
  }

  /** A page's translations were dropped: blocks must no longer reach them through the jump cache. */
  dropped(): void {
    if (this.cpuState !== undefined) jumpCacheStale(this.cpuState);
  }

  /** Drop every translation (cache cap reached, or the host asks). */
  flush(): void {
    this.dropped();
    for (const p of this.attached) p.jit = undefined;
    this.attached.clear();
    this.pending.length = 0;
    this.live = 0;
    this.stats.flushes++;
  }

  /** Translate the block at `slot` (undefined: it waits for the WebAssembly back end's next batch). */
  private compile(c: Cpu, page: PageCache, jp: JitPage, slot: number): BlockFn | null | undefined {
    const t0 = performance.now();
    if (this.live >= this.maxBlocks) {
      this.flush();
      page.jit = jp;
      this.attached.add(page);
    }
    if (this.backend === "wasm" && wasmCapable(c)) {
      // the WebAssembly back end (no arena: JS blocks instead) compiles blocks in batches of
      // wasmBatch (one module and instance for all): a block that reached the threshold waits,
      // interpreted and counted again from 0, until the batch is full or it reaches the threshold
      // a second time
      const q = this.pending;
      let queued = false;
      for (const r of q) if (r.jp === jp && r.slot === slot) queued = true;
      if (!queued) {
        q.push({ page, slot, jp });
        if (q.length < this.wasmBatch) {
          jp.hits[slot] = 0;
          this.stats.compileMs += performance.now() - t0;
          return undefined;
        }
      }
      // still-valid requests only (a page's translations may have been dropped meanwhile)
      const reqs: WasmRequest[] = [];
      for (const r of q) if (r.page.jit === r.jp && r.jp.fns[r.slot] === undefined) reqs.push(r);
      q.length = 0;
      const out = compileWasmBatch(c, reqs, this.maxBlock);
      for (let i = 0; i < reqs.length; i++) {
        const { page: p, slot: s0 } = reqs[i]!;
        const pj = p.jit!;
        const wb = out[i]!;
        pj.fns[s0] = wb === null ? null : wb.fn;
        pj.lens[s0] = wb === null ? 0 : wb.len;
        if (wb === null) continue;
        this.live++;
        this.stats.blocksCompiled++;
        this.stats.insnsCompiled += wb.len;
        this.stats.insnsInline += wb.inline;
        for (let s = s0 + 1; s < s0 + wb.len && s < PAGE_SLOTS; s++)
          if (pj.fns[s] === undefined) pj.hits[s] = 0;
      }
      this.stats.compileMs += performance.now() - t0;
      return jp.fns[slot] ?? null;
    }
    const { src, len, inline } = this.source(c, page, slot);
    let f: BlockFn | null = null;
    if (len > 0) {
      // a name per block (block_<n>): profiles and V8's deopt traces say which block;
      // ARMATURE_JIT_DUMP=file appends every block's source to that file
      const named = src.replace("function block(", `function block_${this.stats.blocksCompiled}(`);
      if (process.env.ARMATURE_JIT_DUMP) appendFileSync(process.env.ARMATURE_JIT_DUMP, `${named}\n`);
      const factory = new Function("H", "ABORT", "A", "AR", named) as (
        h: typeof HANDLERS,
        abort: typeof ABORT,
        a: typeof ALU,
        ar: Int32Array,
      ) => BlockFn;
      f = factory(HANDLERS, ABORT, ALU, R);
      this.live++;
      this.stats.blocksCompiled++;
      this.stats.insnsCompiled += len;
      this.stats.insnsInline += inline;
    }
    jp.fns[slot] = f;
    jp.lens[slot] = len;
    // the interpreter counted the block's other slots on the same passes: they are not entries
    for (let s = slot + 1; s < slot + len && s < PAGE_SLOTS; s++) if (jp.fns[s] === undefined) jp.hits[s] = 0;
    this.stats.compileMs += performance.now() - t0;
    return f;
  }

  /** The factory source of the block at `slot` (exported for tests through `blockSource`). */
  source(c: Cpu, page: PageCache, slot: number): { src: string; len: number; inline: number } {
    const body: string[] = [];
    let len = 0;
    let inline = 0;
    let ended = false;
    // leave after instruction i, falling through to the next one
    const after = (i: number): string => exitTo(4 * (i + 1), i + 1, false);
    for (let i = 0; slot + i < PAGE_SLOTS && i < this.maxBlock; i++) {
      const s = slot + i;
      let idx = page.decoded[s]!;
      if (idx < 0) idx = c.fill(page, s);
      const w = page.words[s]! >>> 0;
      const e = ENCODINGS[idx];
      // the handler the interpreter would run is a no-op (NOP, barriers, hints): nothing to emit
      const em = e === undefined ? null : HANDLERS[idx] === nop ? NOP : emit(i, w, e.id, e.iclass);
      len++;
      if (em !== null) {
        inline++;
        if (em.mayThrow) body.push(`k = ${i}; c.pc = lo + ${4 * i};`);
        // an inline load/store's slow path leaves the block before it (enter runs its handler)
        body.push(em.code);
        if (em.store && !em.lazy) body.push(`if (c.recheck || !pg.hasCode) { ${after(i)} }`);
        if (em.ends) {
          ended = true;
          break;
        }
        continue;
      }
      // the interpreter's handler, then the run loop's checks after one instruction
      // through one shared trampoline (A.call): its call site is megamorphic, so TurboFan inlines
      // no handler into the block (a handler inlined cost ~0.8 ms of compile per call site; the
      // boot's blocks at threshold 50,000 compile ~10-18 % cheaper this way, scripts/jit-tfcost.mts)
      body.push(`k = ${i}; c.pc = lo + ${4 * i}; /*FLUSH*/ A.call(${idx}, c, ${w | 0}); /*RELOAD*/`);
      if (e !== undefined && PURE_CLASSES.has(e.iclass)) continue;
      body.push(`if (c.jumped) return n + ${i + 1};`);
      body.push(`if (c.recheck || !pg.hasCode) { ${after(i)} }`);
      if (e === undefined || BLOCK_END_CLASSES.has(e.iclass) || e.id.startsWith("ERET")) break;
    }
    if (!ended) body.push(after(len - 1));
    return { src: blockSource(body.join("\n").replaceAll("LEN", String(len))), len, inline };
  }
}

/**
 * The factory source around a block body. In a block that loops, X0..X30 live in locals (x<slot>): loaded
 * on entry, written back on every exit and around handler calls (the handler sees and may change
 * c.x); XZR reads become 0; SP stays in c.x (exception entry banks it). On an exception inside an
 * emitted instruction the locals hold the state before it (nothing is written before an access
 * succeeds), so they are written back; inside a handler call they were flushed before it.
 */
function blockSource(body: string): string {
  const written = new Set<number>();
  const used = new Set<number>();
  // Locals pay off when the block loops; for a short straight run the loads and write-backs on
  // entry and exit cost more than they save (boot, first 60 M instructions: 3.9 s vs 2.9 s CPU).
  let cache = body.includes("continue;");
  for (const m of body.matchAll(/x\[(\d+)\] = (?!=)/g)) {
    const slot = Number(m[1]);
    if (slot === 62 || slot === 63) cache = false;
    if (slot < 62) written.add(slot);
  }
  for (const m of body.matchAll(/x\[(\d+)\]/g)) {
    const slot = Number(m[1]);
    if (slot < 62) used.add(slot);
  }
  let wb = "";
  let reload = "";
  let decl = "";
  if (cache) {
    body = body.replace(/x\[(\d+)\]/g, (all, d: string) => {
      const slot = Number(d);
      return slot < 62 ? `x${slot}` : slot < 64 ? "0" : all;
    });
    const u = [...used].sort((p, q) => p - q);
    decl = u.length === 0 ? "" : `let ${u.map((r) => `x${r} = x[${r}]`).join(", ")};`;
    wb = [...written].map((r) => `x[${r}] = x${r};`).join(" ");
    reload = u.map((r) => `x${r} = x[${r}];`).join(" ");
  }
  // exits to pc(0) + off: numbered, their PC, count and c.jumped from tables in one epilogue
  const exits: string[] = [];
  const eo: number[] = [];
  const er: number[] = [];
  const ej: number[] = [];
  body = body.replace(
    /\/\*EXIT:(-?\d+):(\d+):([012])\*\//g,
    (all: string, o: string, r: string, j: string) => {
      let id = exits.indexOf(all);
      if (id < 0) {
        id = exits.length;
        exits.push(all);
        eo.push(Number(o));
        er.push(Number(r));
        ej.push(Number(j));
      }
      return `{ ex = ${id}; break; }`;
    },
  );
  let tables = "";
  let epilogue = "";
  if (exits.length > 0) {
    tables = `const EO = new Int32Array([${eo.join(", ")}]), ER = new Int32Array([${er.join(", ")}]), EJ = new Uint8Array([${ej.join(", ")}]);`;
    epilogue = `if (ex >= 0) { const l = lo + EO[ex]; if (l > 0xffffffff) { c.pc = l - 4294967296; c.pcHi = (hi + 1) | 0; } else if (l < 0) { c.pc = l + 4294967296; c.pcHi = (hi - 1) | 0; } else { c.pc = l; c.pcHi = hi; } const j = EJ[ex]; c.jumped = j === 1; c.jitSlow = j === 2; ret = n + ER[ex]; }`;
  }
  body = body
    .replaceAll("/*FLUSH*/", `${wb} hc = true;`)
    .replaceAll("/*RELOAD*/", `hc = false; ${reload}`)
    .replace(/return ([^;]+);/g, "{ ret = $1; break; }");
  // the software TLB's arrays (filled in place by Cpu, never replaced) for inline loads/stores
  let tlb = "";
  if (body.includes("RTL[")) tlb += " const RTL = c.rTagLo, RTH = c.rTagHi, RB = c.rBase, RV = c.rView;";
  if (body.includes("WTL[")) tlb += " const WTL = c.wTagLo, WTH = c.wTagHi, WB = c.wBase, WV = c.wView;";
  return `"use strict"; ${tables} return function block(c, pg, budget) {
  const x = c.x; const lo = c.pc; const hi = c.pcHi;${tlb}
  let n = 0, k = 0, rl = 0, rh = 0, al = 0, ah = 0, wl = 0, wh = 0, ret = 0, ex = -1, hc = false;
  ${decl}
  try {
  for (;;) {
${body}
  }
  } catch (e) { if (e !== ABORT) throw e; if (!hc) { ${wb} } return -(n + k + 1); }
  ${epilogue}
  ${wb}
  return ret;
};`;
}
