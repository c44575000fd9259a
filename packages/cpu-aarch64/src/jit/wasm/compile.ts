/*
 * Block compiler of the WebAssembly back end. A block is a run of guest instructions
 * inside one 4 KB page, as for the JS back end (../emit.ts, whose operations each case here
 * reproduces), compiled to one WebAssembly function over the arena: X0..X30 and SP are i64 locals
 * (loaded from the CPU's state block on entry, written back at every exit), NZCV are four i32
 * locals (exchanged through the state block's io words), loads and stores check the software TLB
 * inline (tag compare, then the access at the entry's arena offset). An instruction this compiler
 * does not handle ends the block before it (the interpreter runs it); a load/store whose TLB check
 * misses leaves before it with the exit kind "slow" (JitEngine.enter runs the interpreter's
 * handler). A block never throws and never calls out.
 *
 * Function: (budget i32, pcLo i32, pcHi i32) -> retired i32. On return the io words hold the next
 * PC (io[4], io[5]) and the exit kind (io[6]: 0 fall-through, 1 taken branch, 2 slow path).
 */
import { ENCODINGS } from "../../decoder/table.js";
import { bitMask, ones64, R, ror64 } from "../../interp/alu.js";
import { CTR_EL0_VALUE, DCZID_EL0_VALUE } from "../../interp/sysregs.js";
import { type FarInfo, jumpCacheLink } from "./far.js";
import { IO_WORD, SP_MEMO_BITS, SP_MEMO_K1, SP_MEMO_K2, SP_MEMO_W, STATE } from "./layout.js";
import { atomicOp, compareSwap, compareSwapPair, exclusive, ordered } from "./ops-atomic.js";
import { simdIns, simdPair, simdScale, simdTransfer } from "./ops-simd.js";
import { Bytes, I32, I64, OP } from "./writer.js";

/** Exit kinds in io[6]. */
export const EXIT_FALL = 0;
export const EXIT_JUMP = 1;
export const EXIT_SLOW = 2;
/** An interpreter handler the block called branched: the PC and c.jumped are already set. */
export const EXIT_HANDLER_JUMP = 3;
/** An interpreter handler the block called took an exception (ABORT): the block returns -(retired). */
export const EXIT_ABORT = 4;

/** What the handler import returns (backend.ts). */
export const CALL_GO_ON = 0;
export const CALL_JUMPED = 1;
export const CALL_RECHECK = 2;
export const CALL_ABORT = 3;

/**
 * Where a linked exit goes: a block already compiled (its table index and length), or the arena
 * address `at` of the page's link word for the target slot (backend.ts: 0 while the slot has no
 * block, else LINK_VALID | length << 16 | table index), read when the exit is taken.
 */
export type BlockLink = { ti: number; len: number } | { at: number };
export const LINK_VALID = 1 << 24;

/** Register slots, the written ones and whether NZCV is used, from a first pass over the block. */
export interface BlockShape {
  slots: readonly number[];
  written: ReadonlySet<number>;
  flags: boolean;
}

const IO = STATE.io;

/** Function state while one block is generated. */
export class BlockGen {
  readonly b = new Bytes();
  /** Types of the locals after the three parameters. */
  readonly locals: number[] = [];
  /** Labels open inside the loop: `br depth` continues the loop, `br depth + 1` leaves. */
  depth = 0;
  private readonly reg = new Map<number, number>();
  readonly written = new Set<number>();
  flags = false;
  // fixed locals
  readonly BUDGET = 0;
  /** Instructions the blocks chained before this one retired (a linked exit passes its sum on). */
  readonly ACC = 3;
  readonly PCLO = 1;
  readonly PCHI = 2;
  readonly PC: number;
  readonly N: number;
  readonly RET: number;
  readonly KIND: number;
  readonly NPC: number;
  readonly LEN: number;
  readonly NF: number;
  readonly ZF: number;
  readonly CF: number;
  readonly VF: number;
  readonly A: number;
  readonly B: number;
  readonly R: number;
  readonly WB: number;
  readonly ADDR: number;
  readonly V1: number;
  readonly V2: number;
  readonly a: number;
  readonly bb: number;
  readonly r: number;
  readonly LO: number;
  readonly TI: number;
  readonly O: number;
  readonly ABS: number;
  readonly ST: number;
  /** Handler calls emitted. */
  calls = 0;
  /** Linked exits emitted. */
  links = 0;

  /**
   * `shape`: the first pass's registers (second pass: a handler call flushes and reloads them all).
   * `link`: the block already compiled at byte offset `off` of this block's start in the same page
   * (its table index and length), for exits that go straight on to it; `typeIdx`: this function's
   * type index (for return_call_indirect).
   */
  constructor(
    readonly base: number,
    readonly shape?: BlockShape,
    readonly link?: (off: number) => BlockLink | undefined,
    readonly typeIdx = 0,
    readonly far?: FarInfo,
  ) {
    this.PC = this.local(I64);
    this.N = this.local(I32);
    this.RET = this.local(I32);
    this.KIND = this.local(I32);
    this.NPC = this.local(I64);
    this.LEN = this.local(I32);
    this.NF = this.local(I32);
    this.ZF = this.local(I32);
    this.CF = this.local(I32);
    this.VF = this.local(I32);
    this.A = this.local(I64);
    this.B = this.local(I64);
    this.R = this.local(I64);
    this.WB = this.local(I64);
    this.ADDR = this.local(I64);
    this.V1 = this.local(I64);
    this.V2 = this.local(I64);
    this.a = this.local(I32);
    this.bb = this.local(I32);
    this.r = this.local(I32);
    this.LO = this.local(I32);
    this.TI = this.local(I32);
    this.O = this.local(I32);
    this.ABS = this.local(I32);
    this.ST = this.local(I32);
    if (shape !== undefined) {
      for (const slot of shape.slots) this.regLocal(slot);
      this.flags = shape.flags;
    }
  }

  /** What a second pass needs to know. */
  shapeOf(): BlockShape {
    return { slots: [...this.reg.keys()], written: new Set(this.written), flags: this.flags };
  }

  /**
   * Call the interpreter's handler `idx` for instruction i (word w) through import 0: registers
   * and NZCV written back before (every register the block writes: in a loop, later instructions
   * of the previous pass wrote them too) and reloaded after (the handler, or an exception it took,
   * may change any of them); then leave as the JS back end's blocks do after a handler call.
   * For a handler whose registers are known (handlerRegs) only those, SP and NZCV.
   * `pure`: a data-processing handler (no memory, no branch, no re-check): no checks after it.
   */
  callHandler(i: number, idx: number, w: number, pure: boolean): this {
    this.calls++;
    const s = this.base;
    const shape = this.shape;
    const written = shape?.written ?? this.written;
    const flags = shape?.flags ?? this.flags;
    const known = handlerRegs(w);
    for (const slot of written) {
      if (known !== undefined && slot !== 32 && !known.includes(slot)) continue;
      this.i32(0)
        .get(this.regLocal(slot))
        .mem(OP.i64Store, s + 8 * slot);
    }
    const fl = [this.NF, this.ZF, this.CF, this.VF];
    if (flags)
      for (let k = 0; k < 4; k++)
        this.i32(0)
          .get(fl[k]!)
          .mem(OP.i32Store, s + IO + 4 * k);
    // PC of instruction i as two i32 halves
    this.i32(idx)
      .i32(w)
      .get(this.PC)
      .i64n(4 * i)
      .op(OP.i64Add)
      .tee(this.ADDR)
      .op(OP.i32WrapI64);
    this.get(this.ADDR).i64(32, 0).op(OP.i64ShrU).op(OP.i32WrapI64);
    this.b.u8(OP.call).uleb(0);
    this.set(this.ST);
    for (const [slot, l] of this.reg) {
      if (known !== undefined && slot !== 32 && !known.includes(slot)) continue;
      this.i32(0)
        .mem(OP.i64Load, s + 8 * slot)
        .set(l);
    }
    if (flags)
      for (let k = 0; k < 4; k++)
        this.i32(0)
          .mem(OP.i32Load, s + IO + 4 * k)
          .set(fl[k]!);
    if (pure) {
      this.get(this.ST)
        .i32(CALL_ABORT)
        .op(OP.i32Eq)
        .if()
        .exit(EXIT_ABORT, i + 1, 0)
        .end();
      return this;
    }
    this.get(this.ST).if();
    this.get(this.ST)
      .i32(CALL_JUMPED)
      .op(OP.i32Eq)
      .if()
      .exit(EXIT_HANDLER_JUMP, i + 1, 0)
      .end();
    this.get(this.ST)
      .i32(CALL_RECHECK)
      .op(OP.i32Eq)
      .if()
      .exit(EXIT_FALL, i + 1, 4 * i + 4)
      .end();
    this.exit(EXIT_ABORT, i + 1, 0);
    this.end();
    return this;
  }

  local(t: number): number {
    this.locals.push(t);
    return 4 + this.locals.length - 1;
  }

  op(o: number): this {
    this.b.u8(o);
    return this;
  }
  get(l: number): this {
    this.b.u8(OP.localGet).uleb(l);
    return this;
  }
  set(l: number): this {
    this.b.u8(OP.localSet).uleb(l);
    return this;
  }
  tee(l: number): this {
    this.b.u8(OP.localTee).uleb(l);
    return this;
  }
  i32(v: number): this {
    this.b.u8(OP.i32Const).sleb32(v);
    return this;
  }
  /** i64 constant from int32 halves. */
  i64(lo: number, hi: number): this {
    this.b.u8(OP.i64Const).sleb64(lo, hi);
    return this;
  }
  /** i64 constant of a safe integer (may be negative). */
  i64n(v: number): this {
    const hi = Math.floor(v / 4294967296);
    return this.i64(v - hi * 4294967296, hi);
  }
  /** Memory access at (stack address) + constant offset. */
  mem(o: number, off: number): this {
    this.b.u8(o).uleb(0).uleb(off);
    return this;
  }
  /** Open an `if` (result type: none unless given). */
  if(result?: number): this {
    this.b.u8(OP.if).u8(result ?? 0x40);
    this.depth++;
    return this;
  }
  else(): this {
    this.b.u8(OP.else);
    return this;
  }
  end(): this {
    this.b.u8(OP.end);
    this.depth--;
    return this;
  }

  /** Local of a register slot (0..30, 32 = SP), created on first use. */
  private regLocal(slot: number): number {
    let l = this.reg.get(slot);
    if (l === undefined) {
      l = this.local(I64);
      this.reg.set(slot, l);
    }
    return l;
  }
  /** Push X<r> (31 = XZR). */
  x(r: number): this {
    if (r === 31) return this.i64(0, 0);
    return this.get(this.regLocal(r));
  }
  /** Push X<r> (31 = SP). */
  xsp(r: number): this {
    return this.get(this.regLocal(r === 31 ? 32 : r));
  }
  /** Push the low 32 bits of X<r> (31 = WZR) as i32. */
  w(r: number): this {
    if (r === 31) return this.i32(0);
    return this.get(this.regLocal(r)).op(OP.i32WrapI64);
  }
  /** Push the low 32 bits of X<r> (31 = WSP) as i32. */
  wsp(r: number): this {
    return this.get(this.regLocal(r === 31 ? 32 : r)).op(OP.i32WrapI64);
  }
  /** Pop an i64 into X<r> (31 = XZR: dropped). */
  setX(r: number): this {
    if (r === 31) return this.op(OP.drop);
    this.written.add(r);
    return this.set(this.regLocal(r));
  }
  /** Pop an i64 into X<r> (31 = SP). */
  setXsp(r: number): this {
    const s = r === 31 ? 32 : r;
    this.written.add(s);
    return this.set(this.regLocal(s));
  }
  /** Pop an i32 into W<r> (zero-extended; 31 = WZR). */
  setW(r: number): this {
    return this.op(OP.i64ExtendI32U).setX(r);
  }
  /** Pop an i32 into W<r> (zero-extended; 31 = WSP). */
  setWsp(r: number): this {
    return this.op(OP.i64ExtendI32U).setXsp(r);
  }

  /** Store the registers the block writes and NZCV (the epilogue's write-back). */
  writeBack(): this {
    const s = this.base;
    for (const slot of this.shape?.written ?? this.written) {
      this.i32(0)
        .get(this.regLocal(slot))
        .mem(OP.i64Store, s + 8 * slot);
    }
    const fl = [this.NF, this.ZF, this.CF, this.VF];
    if (this.shape?.flags ?? this.flags)
      for (let k = 0; k < 4; k++)
        this.i32(0)
          .get(fl[k]!)
          .mem(OP.i32Store, s + IO + 4 * k);
    return this;
  }

  /**
   * Leave the block: ret = n + `ret`, next PC = pc + `off` (or, with `fromStack`, the popped i64),
   * kind. With `mayLink` (an exit of inline code to a fixed PC: nothing can have asked for a
   * re-check or written code) and a block already compiled at the target in this page, go on to
   * it by a tail call when its length fits in what is left of the budget, as JitEngine.enter
   * would chain them.
   */
  exit(kind: number, ret: number, off: number, fromStack = false, mayLink = false): this {
    if (fromStack) this.set(this.NPC);
    else this.get(this.PC).i64n(off).op(OP.i64Add).set(this.NPC);
    this.get(this.N).i32(ret).op(OP.i32Add).set(this.RET);
    this.i32(kind).set(this.KIND);
    const t = mayLink && !fromStack && off !== 0 ? this.link?.(off) : undefined;
    if (t !== undefined && "at" in t) {
      // the target's link word: a block there (compiled after this one, maybe) whose length fits
      this.links++;
      this.i32(0).mem(OP.i32Load, t.at).tee(this.TI).op(OP.i32Eqz).op(OP.i32Eqz);
      this.get(this.BUDGET).get(this.RET).op(OP.i32Sub);
      this.get(this.TI).i32(16).op(OP.i32ShrU).i32(0xff).op(OP.i32And).op(OP.i32GeS);
      this.op(OP.i32And).if();
      this.writeBack();
      this.get(this.BUDGET).get(this.RET).op(OP.i32Sub);
      this.get(this.NPC).op(OP.i32WrapI64).get(this.NPC).i64(32, 0).op(OP.i64ShrU).op(OP.i32WrapI64);
      this.get(this.ACC).get(this.RET).op(OP.i32Add);
      this.get(this.TI).i32(0xffff).op(OP.i32And);
      this.b.u8(OP.returnCallIndirect).uleb(this.typeIdx).uleb(0);
      this.end();
    } else if (t !== undefined) {
      this.links++;
      this.get(this.BUDGET).get(this.RET).op(OP.i32Sub).i32(t.len).op(OP.i32GeS).if();
      this.writeBack();
      this.get(this.BUDGET).get(this.RET).op(OP.i32Sub);
      this.get(this.NPC).op(OP.i32WrapI64).get(this.NPC).i64(32, 0).op(OP.i64ShrU).op(OP.i32WrapI64);
      this.get(this.ACC).get(this.RET).op(OP.i32Add).i32(t.ti);
      this.b.u8(OP.returnCallIndirect).uleb(this.typeIdx).uleb(0);
      this.end();
    } else if (this.far !== undefined && (kind === EXIT_JUMP || kind === EXIT_FALL)) {
      // not linked here: through the jump cache (far.ts) for a computed target or another page
      const to = 4 * this.far.slot + off;
      const cross = fromStack ? "maybe" : mayLink && (to < 0 || to >= 4096) ? "yes" : undefined;
      if (cross !== undefined) {
        this.links++;
        jumpCacheLink(this, cross);
      }
    }
    this.b.u8(OP.br).uleb(this.depth + 1);
    return this;
  }

  /** A taken direct branch from instruction i by `off` bytes (a loop when it targets the block's start). */
  takeBranch(i: number, off: number): this {
    const to = 4 * i + off;
    if (to === 0) {
      // loop while a whole further pass fits in the budget (as the JS back end's takeBranch)
      this.get(this.BUDGET)
        .get(this.N)
        .op(OP.i32Sub)
        .i32(i + 1)
        .get(this.LEN)
        .op(OP.i32Add)
        .op(OP.i32GeS);
      this.if();
      this.get(this.N)
        .i32(i + 1)
        .op(OP.i32Add)
        .set(this.N);
      this.b.u8(OP.br).uleb(this.depth);
      this.end();
    }
    return this.exit(EXIT_JUMP, i + 1, to, false, true);
  }

  /** Push ConditionHolds(cond) (ARM ARM J1.1.3 ConditionHolds) as i32 0/1. */
  cond(cond: number): this {
    this.flags = true;
    switch (cond >>> 1) {
      case 0:
        this.get(this.ZF);
        break;
      case 1:
        this.get(this.CF);
        break;
      case 2:
        this.get(this.NF);
        break;
      case 3:
        this.get(this.VF);
        break;
      case 4:
        this.get(this.CF).get(this.ZF).i32(1).op(OP.i32Xor).op(OP.i32And);
        break;
      case 5:
        this.get(this.NF).get(this.VF).op(OP.i32Eq);
        break;
      case 6:
        this.get(this.NF).get(this.VF).op(OP.i32Eq).get(this.ZF).i32(1).op(OP.i32Xor).op(OP.i32And);
        break;
      default:
        this.i32(1);
    }
    if ((cond & 1) !== 0 && cond !== 15) this.op(OP.i32Eqz);
    return this;
  }

  /** NZCV from a 4-bit immediate. */
  flagsImm(nzcv: number): this {
    this.flags = true;
    this.i32((nzcv >>> 3) & 1).set(this.NF);
    this.i32((nzcv >>> 2) & 1).set(this.ZF);
    this.i32((nzcv >>> 1) & 1).set(this.CF);
    return this.i32(nzcv & 1).set(this.VF);
  }

  /** R = A + B (or A - B), NZCV set when S (AddWithCarry, 64-bit). */
  add64(sub: boolean, S: boolean): this {
    const { A, B } = this;
    this.get(A)
      .get(B)
      .op(sub ? OP.i64Sub : OP.i64Add)
      .set(this.R);
    if (!S) return this;
    this.flags = true;
    const r = this.R;
    this.get(r).i64(0, 0).op(OP.i64LtS).set(this.NF);
    this.get(r).op(OP.i64Eqz).set(this.ZF);
    if (sub) {
      this.get(A).get(B).op(OP.i64GeU).set(this.CF);
      this.get(A).get(B).op(OP.i64Xor).get(A).get(r).op(OP.i64Xor).op(OP.i64And);
    } else {
      this.get(r).get(A).op(OP.i64LtU).set(this.CF);
      this.get(A).get(r).op(OP.i64Xor).get(B).get(r).op(OP.i64Xor).op(OP.i64And);
    }
    return this.i64(0, 0).op(OP.i64LtS).set(this.VF);
  }

  /** r = a + b (or a - b) on i32 locals, NZCV set when S (AddWithCarry, 32-bit). */
  add32(sub: boolean, S: boolean): this {
    const { a, bb } = this;
    this.get(a)
      .get(bb)
      .op(sub ? OP.i32Sub : OP.i32Add)
      .set(this.r);
    if (!S) return this;
    this.flags = true;
    const r = this.r;
    this.get(r).i32(31).op(OP.i32ShrU).set(this.NF);
    this.get(r).op(OP.i32Eqz).set(this.ZF);
    if (sub) {
      this.get(a).get(bb).op(OP.i32GeU).set(this.CF);
      this.get(a).get(bb).op(OP.i32Xor).get(a).get(r).op(OP.i32Xor).op(OP.i32And);
    } else {
      this.get(r).get(a).op(OP.i32LtU).set(this.CF);
      this.get(a).get(r).op(OP.i32Xor).get(bb).get(r).op(OP.i32Xor).op(OP.i32And);
    }
    return this.i32(31).op(OP.i32ShrU).set(this.VF);
  }

  /** N and Z from the i64 R (C = V = 0), as ANDS/TST. */
  logicFlags64(): this {
    this.flags = true;
    this.get(this.R).i64(0, 0).op(OP.i64LtS).set(this.NF);
    this.get(this.R).op(OP.i64Eqz).set(this.ZF);
    return this.i32(0).set(this.CF).i32(0).set(this.VF);
  }
  logicFlags32(): this {
    this.flags = true;
    this.get(this.r).i32(31).op(OP.i32ShrU).set(this.NF);
    this.get(this.r).op(OP.i32Eqz).set(this.ZF);
    return this.i32(0).set(this.CF).i32(0).set(this.VF);
  }

  /**
   * The software TLB check of the i64 address on the stack for an access of 2^size bytes
   * (exactly Cpu.ld* and st*'s: tag lo/hi equal, the access inside the page, and the page in the
   * arena); a miss leaves the block before instruction i. After it, ABS + O is the access's
   * arena address.
   */
  tlb(i: number, size: number, write: boolean, bytes = 1 << size): this {
    const s = this.base;
    const [tl, th, ab] = write
      ? [STATE.wTagLo, STATE.wTagHi, STATE.wAbs]
      : [STATE.rTagLo, STATE.rTagHi, STATE.rAbs];
    this.tee(this.ADDR).op(OP.i32WrapI64).set(this.LO);
    this.get(this.LO).i32(12).op(OP.i32ShrU).i32(511).op(OP.i32And).i32(2).op(OP.i32Shl).set(this.TI);
    this.get(this.TI)
      .mem(OP.i32Load, s + tl)
      .get(this.LO)
      .i32(-4096)
      .op(OP.i32And)
      .op(OP.i32Eq);
    this.get(this.TI)
      .mem(OP.i32Load, s + th)
      .get(this.ADDR)
      .i64(32, 0)
      .op(OP.i64ShrU)
      .op(OP.i32WrapI64);
    this.op(OP.i32Eq).op(OP.i32And);
    this.get(this.LO).i32(0xfff).op(OP.i32And).set(this.O);
    if (bytes > 1)
      this.get(this.O)
        .i32(0x1000 - bytes)
        .op(OP.i32LeU)
        .op(OP.i32And);
    this.get(this.TI)
      .mem(OP.i32Load, s + ab)
      .tee(this.ABS)
      .i32(0)
      .op(OP.i32GeS)
      .op(OP.i32And);
    this.op(OP.i32Eqz).if();
    this.exit(EXIT_SLOW, i, 4 * i);
    this.end();
    return this;
  }
  /** Push the access's arena address (after tlb). */
  at(plus = 0): this {
    this.get(this.ABS).get(this.O).op(OP.i32Add);
    if (plus !== 0) this.i32(plus).op(OP.i32Add);
    return this;
  }

  /** The function body: prologue (PC, registers, flags), the block in a loop, epilogue. */
  finish(len: number): Uint8Array {
    const s = this.base;
    const pro = new Bytes();
    const g = (o: number, l: number) => pro.u8(o).uleb(l);
    // PC = pcHi:pcLo
    g(OP.localGet, this.PCLO)
      .u8(OP.i64ExtendI32U)
      .u8(OP.localGet)
      .uleb(this.PCHI)
      .u8(OP.i64ExtendI32U)
      .u8(OP.i64Const)
      .sleb64(32, 0)
      .u8(OP.i64Shl)
      .u8(OP.i64Or);
    g(OP.localSet, this.PC);
    for (const [slot, l] of this.reg) {
      pro
        .u8(OP.i32Const)
        .sleb32(0)
        .u8(OP.i64Load)
        .uleb(0)
        .uleb(s + 8 * slot);
      g(OP.localSet, l);
    }
    const flagLocals = [this.NF, this.ZF, this.CF, this.VF];
    if (this.flags) {
      flagLocals.forEach((l, k) => {
        pro
          .u8(OP.i32Const)
          .sleb32(0)
          .u8(OP.i32Load)
          .uleb(0)
          .uleb(s + IO + 4 * k);
        g(OP.localSet, l);
      });
    }
    pro.u8(OP.i32Const).sleb32(len);
    g(OP.localSet, this.LEN);
    pro.u8(OP.block).u8(0x40).u8(OP.loop).u8(0x40);
    pro.bytes(this.b.view());
    pro.u8(OP.end).u8(OP.end);
    for (const slot of this.written) {
      pro.u8(OP.i32Const).sleb32(0);
      g(OP.localGet, this.reg.get(slot)!);
      pro
        .u8(OP.i64Store)
        .uleb(0)
        .uleb(s + 8 * slot);
    }
    if (this.flags) {
      flagLocals.forEach((l, k) => {
        pro.u8(OP.i32Const).sleb32(0);
        g(OP.localGet, l);
        pro
          .u8(OP.i32Store)
          .uleb(0)
          .uleb(s + IO + 4 * k);
      });
    }
    pro.u8(OP.i32Const).sleb32(0);
    g(OP.localGet, this.NPC);
    pro
      .u8(OP.i64Store)
      .uleb(0)
      .uleb(s + IO + 16);
    pro.u8(OP.i32Const).sleb32(0);
    g(OP.localGet, this.KIND);
    pro
      .u8(OP.i32Store)
      .uleb(0)
      .uleb(s + IO + 24);
    g(OP.localGet, this.RET);
    g(OP.localGet, this.ACC);
    pro.u8(OP.i32Add);
    return pro.view().slice();
  }
}

/**
 * The general registers (slots) the interpreter's handler of word `w` reads or writes, for the
 * handlers blocks call most (boot, per 300 M instructions: PACIASP 3.6 M, AUTIASP 3.1 M, MRS
 * 1.3 M, SYS 0.75 M calls): a call of one of these writes back and reloads only those, SP and
 * NZCV (exception entry reads NZCV and SP and may switch SP) instead of every register the block
 * uses. Undefined: not known (the full write-back and reload).
 */
export function handlerRegs(w: number): readonly number[] | undefined {
  const u = w >>> 0;
  if ((u & 0xfffff01f) >>> 0 === 0xd503201f) {
    // HINT (C6.2.114): CRm 3 = PACIxZ/PACIxSP/AUTIxZ/AUTIxSP on X30 (with SP or zero),
    // CRm 1 even op2 = PACIx1716/AUTIx1716 on X17 with X16, CRm 0 op2 7 = XPACLRI on X30
    const crm = (w >>> 8) & 15;
    const op2 = (w >>> 5) & 7;
    if (crm === 3) return [30];
    if (crm === 1 && (op2 & 1) === 0) return [16, 17];
    if (crm === 0 && op2 === 7) return [30];
    return undefined;
  }
  // MRS (C6.2.194) writes Rt; SYS (C6.2.368: DC, IC, TLBI, AT) reads Rt
  if ((u & 0xfff80000) >>> 0 === 0xd5380000 || (u & 0xfff80000) >>> 0 === 0xd5080000)
    return (w & 31) === 31 ? [] : [w & 31];
  return undefined;
}

/** The memo entry's key words after its tag (byte offset, what it must equal): X30 hi, lo, SP hi, lo. */
const SP_MEMO_KEY = [
  [4, "hi30"],
  [8, "lo30"],
  [12, "hiSp"],
  [16, "loSp"],
] as const;

/** Handler (decoder table) index per encoding id. */
const HANDLER_INDEX = new Map(ENCODINGS.map((e, k) => [e.id, k] as const));

/**
 * PACIASP / AUTIASP (`aut`) through the CPU's memo in the arena (pauth.ts spHint: the same entry,
 * hash and tag), valid while IO_WORD.spTag is set and plainGen has not moved since (IO_WORD.gen =
 * IO_WORD.spGen: no key, TCR_EL1 or SCTLR_EL1 write); IO_WORD.spTag -1: APIA disabled, nothing to do.
 * A miss calls the handler, which fills the entry (and sets IO_WORD.spTag).
 */
function spHintInline(g: BlockGen, i: number, w: number, id: string, aut: boolean): boolean {
  const idx = HANDLER_INDEX.get(id);
  if (idx === undefined) return false;
  const s = g.base;
  const io = s + STATE.io;
  const m = s + STATE.spMemo;
  const op = aut ? 4 : 0;
  g.i32(0).set(g.r);
  g.i32(0)
    .mem(OP.i32Load, io + 4 * IO_WORD.spTag)
    .set(g.TI);
  g.get(g.TI).i32(0).op(OP.i32Ne);
  genStill(g, IO_WORD.spGen);
  g.op(OP.i32And).if();
  // r: 0 call the handler, 1 nothing to do (APIA disabled), 2 the memo's result
  g.get(g.TI).i32(-1).op(OP.i32Eq).if().i32(1).set(g.r).else();
  g.x(30).op(OP.i32WrapI64).set(g.a);
  g.xsp(31).op(OP.i32WrapI64).set(g.bb);
  // entry: SP_W * (h + (aut << (BITS - 1))), h = imul(pl ^ imul(ml, K1), K2) >>> (33 - BITS)
  g.get(g.a)
    .get(g.bb)
    .i32(SP_MEMO_K1)
    .op(OP.i32Mul)
    .op(OP.i32Xor)
    .i32(SP_MEMO_K2)
    .op(OP.i32Mul)
    .i32(33 - SP_MEMO_BITS)
    .op(OP.i32ShrU);
  if (aut) g.i32(1 << (SP_MEMO_BITS - 1)).op(OP.i32Add);
  g.i32(4 * SP_MEMO_W)
    .op(OP.i32Mul)
    .set(g.O);
  // tag, X30 hi, lo, SP hi, lo
  g.get(g.O).mem(OP.i32Load, m).get(g.TI).i32(op).op(OP.i32Or).op(OP.i32Eq);
  for (const [off, r] of SP_MEMO_KEY) {
    g.get(g.O).mem(OP.i32Load, m + off);
    if (r === "lo30") g.get(g.a);
    else if (r === "loSp") g.get(g.bb);
    else (r === "hi30" ? g.x(30) : g.xsp(31)).i64(32, 0).op(OP.i64ShrU).op(OP.i32WrapI64);
    g.op(OP.i32Eq).op(OP.i32And);
  }
  g.i32(1).op(OP.i32Shl).set(g.r).end().end();
  g.get(g.r).i32(2).op(OP.i32Eq).if();
  u64FromWords(g, g.O, m + 20, m + 24);
  g.setX(30);
  g.end();
  g.get(g.r).op(OP.i32Eqz).if();
  g.callHandler(i, idx, w | 0, false);
  g.end();
  return true;
}

/**
 * DC ZVA Xt (C5.3.12; DCZID_EL0.BS 4: 64 bytes at Xt & ~63) inline while the handler last found
 * it cannot trap and plainGen has not moved since (IO_WORD.dzOk, IO_WORD.dzGen: an SCTLR_EL1 write moves
 * it); the write TLB check sends a miss (fault, MMIO, code page) to the handler as a slow path.
 * Otherwise the handler runs.
 */
function dcZvaInline(g: BlockGen, i: number, w: number, id: string): boolean {
  const idx = HANDLER_INDEX.get(id);
  if (idx === undefined) return false;
  ioWord(g, IO_WORD.dzOk);
  genStill(g, IO_WORD.dzGen);
  g.op(OP.i32And).if();
  g.x(w & 31)
    .i64(-64, -1)
    .op(OP.i64And)
    .tlb(i, 3, true, 64);
  for (let k = 0; k < 64; k += 8) g.at(k).i64(0, 0).mem(OP.i64Store, 0);
  return orHandler(g, i, idx, w);
}

/**
 * MRS Xt, SP_EL0 (Linux's `current`): at EL1 with SPSel 1 (IO_WORD.el1h) the banked SP_EL0 in the
 * state block (Cpu.spBank); otherwise (the current SP, or an EL0 access that traps) the handler.
 */
function mrsSpEl0Inline(g: BlockGen, i: number, w: number, id: string): boolean {
  const idx = HANDLER_INDEX.get(id);
  const t = w & 31;
  if (idx === undefined || t === 31) return false;
  ioWord(g, IO_WORD.el1h);
  g.if();
  g.i32(0)
    .mem(OP.i64Load, g.base + STATE.spBank)
    .setX(t);
  return orHandler(g, i, idx, w);
}

/**
 * MRS Xt, TPIDR_EL1 (Linux's per-CPU offset): at EL1 with SPSel 1 (IO_WORD.el1h; EL0 would trap) the
 * value the handler last read, while plainGen has not moved since (IO_WORD.tpidr1Gen); else the handler.
 */
function mrsTpidrEl1Inline(g: BlockGen, i: number, w: number, id: string): boolean {
  const idx = HANDLER_INDEX.get(id);
  const t = w & 31;
  if (idx === undefined || t === 31) return false;
  const io = g.base + STATE.io;
  ioWord(g, IO_WORD.el1h);
  genStill(g, IO_WORD.tpidr1Gen);
  g.op(OP.i32And).if();
  u64FromWords(g, -1, io + 4 * IO_WORD.tpidr1Hi, io + 4 * IO_WORD.tpidr1Lo);
  g.setX(t);
  return orHandler(g, i, idx, w);
}

/** MRS Xt, DAIF (C5.2.2): at EL1 (IO_WORD.el1h; EL0 may trap) the io word Cpu.daif lives in; else the handler. */
function mrsDaifInline(g: BlockGen, i: number, w: number, id: string): boolean {
  const idx = HANDLER_INDEX.get(id);
  if (idx === undefined) return false;
  ioWord(g, IO_WORD.el1h);
  g.if();
  g.i32(0)
    .mem(OP.i64Load32U, g.base + STATE.io + 4 * IO_WORD.daif)
    .setX(w & 31);
  return orHandler(g, i, idx, w);
}

/**
 * MSR DAIFSet, #imm (C5.2.2): at EL1 (EL0 may trap) the mask bits are set in the io word; masking
 * cannot make an interrupt taken, so the block goes on (DAIFClr asks for a re-check: the handler).
 */
function daifSetInline(g: BlockGen, i: number, w: number, id: string): boolean {
  const idx = HANDLER_INDEX.get(id);
  if (idx === undefined) return false;
  const at = g.base + STATE.io + 4 * IO_WORD.daif;
  ioWord(g, IO_WORD.el1h);
  g.if();
  g.i32(0)
    .i32(0)
    .mem(OP.i32Load, at)
    .i32(((w >>> 8) & 15) << 6)
    .op(OP.i32Or)
    .mem(OP.i32Store, at);
  return orHandler(g, i, idx, w);
}

/** Push NZCV as the i32 MRS NZCV reads (N at bit 31 .. V at bit 28). */
function packNzcv(g: BlockGen): BlockGen {
  g.flags = true;
  g.get(g.NF).i32(31).op(OP.i32Shl);
  g.get(g.ZF).i32(30).op(OP.i32Shl).op(OP.i32Or);
  g.get(g.CF).i32(29).op(OP.i32Shl).op(OP.i32Or);
  return g.get(g.VF).i32(28).op(OP.i32Shl).op(OP.i32Or);
}

/**
 * XPACLRI (C6.2.399): Strip of X30 through the masks its handler recorded, while TCR_EL1 is as it
 * was then (IO_WORD.xpacGen; plainGen moves on any TCR_EL1 write): bit 55 selects X30 & and0 or
 * X30 | or1. Otherwise the handler (which records them).
 */
function xpaclriInline(g: BlockGen, i: number, w: number, id: string): boolean {
  const idx = HANDLER_INDEX.get(id);
  if (idx === undefined) return false;
  const io = g.base + STATE.io;
  genStill(g, IO_WORD.xpacGen);
  g.if();
  g.x(30).set(g.A);
  u64FromWords(g, -1, io + 4 * IO_WORD.xpacOr1Hi, io + 4 * IO_WORD.xpacOr1Lo);
  g.get(g.A).op(OP.i64Or);
  u64FromWords(g, -1, io + 4 * IO_WORD.xpacAnd0Hi, io + 4 * IO_WORD.xpacAnd0Lo);
  g.get(g.A).op(OP.i64And);
  g.get(g.A).i64(55, 0).op(OP.i64ShrU).op(OP.i32WrapI64).i32(1).op(OP.i32And);
  g.op(OP.select).setX(30);
  return orHandler(g, i, idx, w);
}

/** Push the state block's io word `k` (an i32). */
function ioWord(g: BlockGen, k: number): void {
  g.i32(0).mem(OP.i32Load, g.base + STATE.io + 4 * k);
}

/** Push io[IO_WORD.gen] == io[genWord]: plainGen has not moved since a handler recorded what it saw. */
function genStill(g: BlockGen, genWord: number): void {
  ioWord(g, IO_WORD.gen);
  ioWord(g, genWord);
  g.op(OP.i32Eq);
}

/** Push the u64 whose high and low halves are the u32 words at `hi` and `lo` (from local `base`, or absolute when -1). */
function u64FromWords(g: BlockGen, base: number, hi: number, lo: number): void {
  if (base < 0) g.i32(0);
  else g.get(base);
  g.mem(OP.i64Load32U, hi).i64(32, 0).op(OP.i64Shl);
  if (base < 0) g.i32(0);
  else g.get(base);
  g.mem(OP.i64Load32U, lo).op(OP.i64Or);
}

/** Close an inline fast path (inside an open `if`) with the handler call as its `else`. */
function orHandler(g: BlockGen, i: number, idx: number, w: number): true {
  g.else();
  g.callHandler(i, idx, w | 0, false);
  g.end();
  return true;
}

/** Push RBIT of X<n> (or W<n>, zero-extended): bits swapped in pairs, nibbles, bytes, then the bytes reversed. */
function rbit(g: BlockGen, n: number, wide: boolean): void {
  g.x(n);
  if (!wide) g.i64(32, 0).op(OP.i64Shl);
  g.set(g.V1);
  for (const [sh, lo] of [
    [1, 0x55555555],
    [2, 0x33333333],
    [4, 0x0f0f0f0f],
    [8, 0x00ff00ff],
    [16, 0x0000ffff],
  ] as const) {
    g.get(g.V1).i64(sh, 0).op(OP.i64ShrU).i64(lo, lo).op(OP.i64And);
    g.get(g.V1).i64(lo, lo).op(OP.i64And).i64(sh, 0).op(OP.i64Shl).op(OP.i64Or).set(g.V1);
  }
  g.get(g.V1).i64(32, 0).op(OP.i64Rotr);
}

/**
 * Push the high 64 bits of the 128-bit product X<n> * X<m> (UMULH, or SMULH when `signed`:
 * the unsigned high half minus Xm when Xn < 0 and minus Xn when Xm < 0), from 32-bit partial products.
 */
function mulHigh(g: BlockGen, n: number, m: number, signed: boolean): void {
  const { A, B, R, V1, V2 } = g;
  const lo32 = (v: number) => g.get(v).i64(-1, 0).op(OP.i64And);
  const hi32 = (v: number) => g.get(v).i64(32, 0).op(OP.i64ShrU);
  g.x(n).set(A).x(m).set(B);
  // V1 = aL*bH, V2 = aH*bL; mid = (aL*bL >> 32) + lo(V1) + lo(V2)
  lo32(A);
  hi32(B);
  g.op(OP.i64Mul).set(V1);
  hi32(A);
  lo32(B);
  g.op(OP.i64Mul).set(V2);
  lo32(A);
  lo32(B);
  g.op(OP.i64Mul).i64(32, 0).op(OP.i64ShrU);
  lo32(V1);
  g.op(OP.i64Add);
  lo32(V2);
  g.op(OP.i64Add).i64(32, 0).op(OP.i64ShrU).set(R);
  hi32(A);
  hi32(B);
  g.op(OP.i64Mul);
  hi32(V1);
  g.op(OP.i64Add);
  hi32(V2);
  g.op(OP.i64Add).get(R).op(OP.i64Add);
  if (signed) {
    g.get(B).get(A).i64(63, 0).op(OP.i64ShrS).op(OP.i64And).op(OP.i64Sub);
    g.get(A).get(B).i64(63, 0).op(OP.i64ShrS).op(OP.i64And).op(OP.i64Sub);
  }
}

/** Shift of the i64 on the stack by a constant (0 LSL, 1 LSR, 2 ASR, 3 ROR). */
function shift64(g: BlockGen, type: number, amt: number): void {
  if (amt === 0) return;
  g.i64(amt, 0).op([OP.i64Shl, OP.i64ShrU, OP.i64ShrS, OP.i64Rotr][type]!);
}
function shift32(g: BlockGen, type: number, amt: number): void {
  if (amt === 0) return;
  g.i32(amt).op([OP.i32Shl, OP.i32ShrU, OP.i32ShrS, OP.i32Rotr][type]!);
}

/** Push the extended register operand of ADD/SUB (extended register), i64. */
function extended(g: BlockGen, m: number, option: number, sh: number): void {
  g.x(m);
  switch (option) {
    case 0:
      g.i64(0xff, 0).op(OP.i64And);
      break;
    case 1:
      g.i64(0xffff, 0).op(OP.i64And);
      break;
    case 2:
      g.i64(-1, 0).op(OP.i64And);
      break;
    case 4:
      g.op(OP.i64Extend8S);
      break;
    case 5:
      g.op(OP.i64Extend16S);
      break;
    case 6:
      g.op(OP.i64Extend32S);
      break;
  }
  if (sh !== 0) g.i64(sh, 0).op(OP.i64Shl);
}

const LOAD64 = [
  [OP.i64Load8U, OP.i64Load16U, OP.i64Load32U, OP.i64Load],
  [OP.i64Load8S, OP.i64Load16S, OP.i64Load32S, OP.i64Load],
];
const STORE64 = [OP.i64Store8, OP.i64Store16, OP.i64Store32, OP.i64Store];

/**
 * A single-register integer load/store (the JS back end's `transfer`) at the address pushed by
 * `addr`; `after` runs once the access is done (base write-back). False: not handled.
 */
function transfer(g: BlockGen, i: number, w: number, addr: () => void, after: () => void): boolean {
  const t = w & 31;
  const size = w >>> 30;
  const opc = (w >>> 22) & 3;
  if (opc === 0) {
    addr();
    g.tlb(i, size, true);
    g.at().x(t).mem(STORE64[size]!, 0);
    after();
    return true;
  }
  if (size === 3 && opc === 2) {
    // PRFM/PRFUM: a hint; the interpreter computes the address and touches nothing
    addr();
    g.op(OP.drop);
    after();
    return true;
  }
  if (size === 3 && opc !== 1) return false;
  if (size === 2 && opc === 3) return false;
  addr();
  g.tlb(i, size, false);
  g.at().mem(LOAD64[opc === 1 ? 0 : 1]![size]!, 0);
  if (opc === 3) g.i64(-1, 0).op(OP.i64And);
  g.setX(t);
  after();
  return true;
}

/** Compile instruction i (word w, encoding id, class iclass) into g; false when not handled. */
export function emitInsn(g: BlockGen, i: number, w: number, id: string, iclass: string): boolean {
  const d = w & 31;
  const n = (w >>> 5) & 31;
  const sf = w >>> 31;
  switch (iclass) {
    case "systemmove":
      switch ((w & 0xffffffe0) >>> 0) {
        case 0xd5384100:
          return mrsSpEl0Inline(g, i, w, id);
        case 0xd538d080:
          return mrsTpidrEl1Inline(g, i, w, id);
        case 0xd53b4220:
          return mrsDaifInline(g, i, w, id);
        case 0xd53b4200:
          // MRS Xt, NZCV (any EL)
          if (d !== 31) packNzcv(g).op(OP.i64ExtendI32U).setX(d);
          return true;
        case 0xd53b0020:
          // MRS Xt, CTR_EL0 / DCZID_EL0: constants, readable at any EL (exec-sys.ts el0Allowed)
          g.i64(CTR_EL0_VALUE, 0).setX(d);
          return true;
        case 0xd53b00e0:
          g.i64(DCZID_EL0_VALUE, 0).setX(d);
          return true;
      }
      return false;
    case "asimdins":
      return simdIns(g, w);
    case "pstate":
      if ((w & 0xfffff0ff) >>> 0 === 0xd50340df) return daifSetInline(g, i, w, id);
      return false;
    case "systeminstrs":
      if ((w & 0xffffffe0) >>> 0 === 0xd50b7420) return dcZvaInline(g, i, w, id);
      return false;
    case "hints":
      if (w === 0xd503233f || w === 0xd50323bf) return spHintInline(g, i, w, id, w === 0xd50323bf);
      if (w === 0xd50320ff) return xpaclriInline(g, i, w, id);
      return false;
    case "addsub_imm": {
      let imm = (w >>> 10) & 0xfff;
      if ((w >>> 22) & 1) imm <<= 12;
      const S = ((w >>> 29) & 1) === 1;
      const sub = ((w >>> 30) & 1) === 1;
      if (sf) {
        g.xsp(n).set(g.A).i64(imm, 0).set(g.B).add64(sub, S).get(g.R);
        if (S) g.setX(d);
        else g.setXsp(d);
      } else {
        g.wsp(n).set(g.a).i32(imm).set(g.bb).add32(sub, S).get(g.r);
        if (S) g.setW(d);
        else g.setWsp(d);
      }
      return true;
    }
    case "addsub_shift": {
      const type = (w >>> 22) & 3;
      const amt = (w >>> 10) & 63;
      if (type === 3) return false;
      if (!sf && amt >= 32) return false;
      const m = (w >>> 16) & 31;
      const sub = ((w >>> 30) & 1) === 1;
      const S = ((w >>> 29) & 1) === 1;
      if (sf) {
        g.x(n).set(g.A).x(m);
        shift64(g, type, amt);
        g.set(g.B).add64(sub, S).get(g.R).setX(d);
      } else {
        g.w(n).set(g.a).w(m);
        shift32(g, type, amt);
        g.set(g.bb).add32(sub, S).get(g.r).setW(d);
      }
      return true;
    }
    case "log_shift": {
      const type = (w >>> 22) & 3;
      const amt = (w >>> 10) & 63;
      if (!sf && amt >= 32) return false;
      const m = (w >>> 16) & 31;
      const opc = (w >>> 29) & 3;
      const neg = (w >>> 21) & 1;
      const op64 = opc === 1 ? OP.i64Or : opc === 2 ? OP.i64Xor : OP.i64And;
      const op32 = opc === 1 ? OP.i32Or : opc === 2 ? OP.i32Xor : OP.i32And;
      if (sf) {
        g.x(n).x(m);
        shift64(g, type, amt);
        if (neg) g.i64(-1, -1).op(OP.i64Xor);
        g.op(op64).set(g.R);
        if (opc === 3) g.logicFlags64();
        g.get(g.R).setX(d);
      } else {
        g.w(n).w(m);
        shift32(g, type, amt);
        if (neg) g.i32(-1).op(OP.i32Xor);
        g.op(op32).set(g.r);
        if (opc === 3) g.logicFlags32();
        g.get(g.r).setW(d);
      }
      return true;
    }
    case "log_imm": {
      const opc = (w >>> 29) & 3;
      bitMask((w >>> 22) & 1, (w >>> 10) & 63, (w >>> 16) & 63);
      const mlo = R[0]!;
      const mhi = sf ? R[1]! : 0;
      const op64 = opc === 1 ? OP.i64Or : opc === 2 ? OP.i64Xor : OP.i64And;
      if (sf) {
        g.x(n).i64(mlo, mhi).op(op64).set(g.R);
        if (opc === 3) g.logicFlags64().get(g.R).setX(d);
        else g.get(g.R).setXsp(d);
      } else {
        const op32 = opc === 1 ? OP.i32Or : opc === 2 ? OP.i32Xor : OP.i32And;
        g.w(n).i32(mlo).op(op32).set(g.r);
        if (opc === 3) g.logicFlags32().get(g.r).setW(d);
        else g.get(g.r).setWsp(d);
      }
      return true;
    }
    case "addsub_ext": {
      const option = (w >>> 13) & 7;
      const sh = (w >>> 10) & 7;
      if (sh > 4) return false;
      const m = (w >>> 16) & 31;
      const sub = ((w >>> 30) & 1) === 1;
      const S = ((w >>> 29) & 1) === 1;
      if (sf) {
        g.xsp(n).set(g.A);
        extended(g, m, option, sh);
        g.set(g.B).add64(sub, S).get(g.R);
        if (S) g.setX(d);
        else g.setXsp(d);
      } else {
        g.wsp(n).set(g.a);
        extended(g, m, option, sh);
        g.op(OP.i32WrapI64).set(g.bb).add32(sub, S).get(g.r);
        if (S) g.setW(d);
        else g.setWsp(d);
      }
      return true;
    }
    case "bitfield": {
      const opc = (w >>> 29) & 3; // 0 SBFM, 1 BFM, 2 UBFM
      if (opc === 3) return false;
      const r = (w >>> 16) & 63;
      const s = (w >>> 10) & 63;
      if (!sf && (r >= 32 || s >= 32)) return false;
      if (d === 31) return true;
      if (!sf) {
        const ones = s === 31 ? -1 : (1 << (s + 1)) - 1;
        const wm = r === 0 ? ones : (ones >>> r) | (ones << (32 - r));
        const tb = ((s - r) & 31) + 1;
        const tm = tb === 32 ? -1 : (1 << tb) - 1;
        // bot = (dst & ~wm) | (ror(src, r) & wm)
        if (opc === 1) g.w(d).i32(~wm).op(OP.i32And);
        else g.i32(0);
        g.w(n);
        shift32(g, 3, r);
        g.i32(wm).op(OP.i32And).op(OP.i32Or).set(g.bb);
        // top: SBFM replicates bit s, BFM keeps dst, UBFM zero
        if (opc === 0) g.i32(0).w(n).i32(s).op(OP.i32ShrU).i32(1).op(OP.i32And).op(OP.i32Sub);
        else if (opc === 1) g.w(d);
        else g.i32(0);
        g.i32(~tm).op(OP.i32And).get(g.bb).i32(tm).op(OP.i32And).op(OP.i32Or).setW(d);
        return true;
      }
      ones64(s + 1);
      ror64(R[0]!, R[1]!, r);
      const wlo = R[0]!;
      const whi = R[1]!;
      ones64(((s - r) & 63) + 1);
      const tlo = R[0]!;
      const thi = R[1]!;
      if (opc === 1) g.x(d).i64(~wlo, ~whi).op(OP.i64And);
      else g.i64(0, 0);
      g.x(n);
      shift64(g, 3, r);
      g.i64(wlo, whi).op(OP.i64And).op(OP.i64Or).set(g.B);
      if (opc === 0) g.i64(0, 0).x(n).i64(s, 0).op(OP.i64ShrU).i64(1, 0).op(OP.i64And).op(OP.i64Sub);
      else if (opc === 1) g.x(d);
      else g.i64(0, 0);
      g.i64(~tlo, ~thi).op(OP.i64And).get(g.B).i64(tlo, thi).op(OP.i64And).op(OP.i64Or).setX(d);
      return true;
    }
    case "extract": {
      const m = (w >>> 16) & 31;
      const lsb = (w >>> 10) & 63;
      if (d === 31) return true;
      if (sf) {
        if (lsb === 0) g.x(m).setX(d);
        else
          g.x(m)
            .i64(lsb, 0)
            .op(OP.i64ShrU)
            .x(n)
            .i64(64 - lsb, 0)
            .op(OP.i64Shl)
            .op(OP.i64Or)
            .setX(d);
        return true;
      }
      if (lsb >= 32) return false;
      if (lsb === 0) g.w(m).setW(d);
      else
        g.w(m)
          .i32(lsb)
          .op(OP.i32ShrU)
          .w(n)
          .i32(32 - lsb)
          .op(OP.i32Shl)
          .op(OP.i32Or)
          .setW(d);
      return true;
    }
    case "condcmp": {
      if (((w >>> 10) & 1) !== 0 || ((w >>> 4) & 1) !== 0) return false;
      const sub = ((w >>> 30) & 1) === 1;
      const isImm = (w >>> 11) & 1;
      const m = (w >>> 16) & 31;
      g.cond((w >>> 12) & 15).if();
      if (sf) {
        g.x(n).set(g.A);
        if (isImm) g.i64(m, 0);
        else g.x(m);
        g.set(g.B).add64(sub, true);
      } else {
        g.w(n).set(g.a);
        if (isImm) g.i32(m);
        else g.w(m);
        g.set(g.bb).add32(sub, true);
      }
      g.else()
        .flagsImm(w & 15)
        .end();
      return true;
    }
    case "dp_2src": {
      const opc = (w >>> 10) & 0x3f;
      const m = (w >>> 16) & 31;
      if (opc >= 8 && opc <= 11) {
        const type = opc - 8;
        if (sf) g.x(n).x(m).op([OP.i64Shl, OP.i64ShrU, OP.i64ShrS, OP.i64Rotr][type]!).setX(d);
        else g.w(n).w(m).op([OP.i32Shl, OP.i32ShrU, OP.i32ShrS, OP.i32Rotr][type]!).setW(d);
        return true;
      }
      if (opc === 2 || opc === 3) {
        // UDIV/SDIV: x / 0 = 0; SDIV INT_MIN / -1 = INT_MIN (wasm's div_s traps on both)
        const signed = opc === 3;
        if (sf) {
          g.x(m).set(g.B).x(n).set(g.A);
          g.get(g.B).op(OP.i64Eqz).if(I64).i64(0, 0).else();
          if (signed) {
            g.get(g.B).i64(-1, -1).op(OP.i64Eq).if(I64).i64(0, 0).get(g.A).op(OP.i64Sub).else();
            g.get(g.A).get(g.B).op(OP.i64DivS).end();
          } else g.get(g.A).get(g.B).op(OP.i64DivU);
          g.end().setX(d);
        } else {
          g.w(m).set(g.bb).w(n).set(g.a);
          g.get(g.bb).op(OP.i32Eqz).if(I32).i32(0).else();
          if (signed) {
            g.get(g.bb).i32(-1).op(OP.i32Eq).if(I32).i32(0).get(g.a).op(OP.i32Sub).else();
            g.get(g.a).get(g.bb).op(OP.i32DivS).end();
          } else g.get(g.a).get(g.bb).op(OP.i32DivU);
          g.end().setW(d);
        }
        return true;
      }
      return false;
    }
    case "movewide": {
      if (d === 31) return true;
      const opc = (w >>> 29) & 3;
      const hw = (w >>> 21) & 3;
      const imm = (w >>> 5) & 0xffff;
      if (!sf && hw >= 2) return false;
      const lo = hw === 0 ? imm : hw === 1 ? imm << 16 : 0;
      const hi = hw === 2 ? imm : hw === 3 ? imm << 16 : 0;
      if (opc === 3) {
        const mlo = hw === 0 ? 0xffff : hw === 1 ? 0xffff0000 | 0 : 0;
        const mhi = hw === 2 ? 0xffff : hw === 3 ? 0xffff0000 | 0 : 0;
        g.x(d)
          .i64(~mlo, sf ? ~mhi : 0)
          .op(OP.i64And)
          .i64(lo, hi)
          .op(OP.i64Or)
          .setX(d);
        return true;
      }
      if (opc === 0) g.i64(~lo, sf ? ~hi : 0).setX(d);
      else if (opc === 2) g.i64(lo, hi).setX(d);
      else return false;
      return true;
    }
    case "pcreladdr": {
      const immlo = (w >>> 29) & 3;
      const immhi = (w << 8) >> 13;
      const imm = immhi * 4 + immlo;
      if (w >>> 31 === 0)
        g.get(g.PC)
          .i64n(4 * i + imm)
          .op(OP.i64Add)
          .setX(d);
      else
        g.get(g.PC)
          .i64n(4 * i)
          .op(OP.i64Add)
          .i64(-4096, -1)
          .op(OP.i64And)
          .i64n(imm * 4096)
          .op(OP.i64Add)
          .setX(d);
      return true;
    }
    case "condsel": {
      const op = (w >>> 30) & 1;
      const o2 = (w >>> 10) & 1;
      const m = (w >>> 16) & 31;
      if (d === 31) return true;
      g.x(n).x(m);
      if (op) g.i64(-1, -1).op(OP.i64Xor);
      if (o2) g.i64(1, 0).op(OP.i64Add);
      g.cond((w >>> 12) & 15).op(OP.select);
      if (!sf) g.i64(-1, 0).op(OP.i64And);
      g.setX(d);
      return true;
    }
    case "branch_imm": {
      const off = (w << 6) >> 4;
      if (w >>> 31) {
        g.get(g.PC)
          .i64n(4 * i + 4)
          .op(OP.i64Add)
          .setX(30);
        g.exit(EXIT_JUMP, i + 1, 4 * i + off, false, true);
      } else g.takeBranch(i, off);
      return true;
    }
    case "condbranch": {
      if ((w & 0x10) !== 0) return false;
      const off = ((w << 8) >> 13) * 4;
      g.cond(w & 15)
        .if()
        .takeBranch(i, off)
        .end();
      return true;
    }
    case "compbranch": {
      const op = (w >>> 24) & 1;
      const off = ((w << 8) >> 13) * 4;
      if (sf) g.x(d).op(OP.i64Eqz);
      else g.w(d).op(OP.i32Eqz);
      if (op) g.op(OP.i32Eqz);
      g.if().takeBranch(i, off).end();
      return true;
    }
    case "testbranch": {
      const bit = ((w >>> 31) << 5) | ((w >>> 19) & 31);
      const op = (w >>> 24) & 1;
      const off = ((w << 13) >> 18) * 4;
      g.x(d).i64(bit, 0).op(OP.i64ShrU).i64(1, 0).op(OP.i64And).op(OP.i32WrapI64);
      if (!op) g.op(OP.i32Eqz);
      g.if().takeBranch(i, off).end();
      return true;
    }
    case "branch_reg": {
      const opc = (w >>> 21) & 15;
      const op3 = (w >>> 10) & 63;
      if (op3 !== 0 || (w & 31) !== 0 || opc > 2) return false;
      g.x(n).set(g.B);
      if (opc === 1)
        g.get(g.PC)
          .i64n(4 * i + 4)
          .op(OP.i64Add)
          .setX(30);
      g.get(g.B).exit(EXIT_JUMP, i + 1, 0, true);
      return true;
    }
    case "ldst_pos": {
      const simd = (w >>> 26) & 1;
      const off = ((w >>> 10) & 0xfff) * (1 << (simd ? simdScale(w) : w >>> 30));
      return (simd ? simdTransfer : transfer)(
        g,
        i,
        w,
        () => g.xsp(n).i64n(off).op(OP.i64Add),
        () => {},
      );
    }
    case "ldst_unscaled":
    case "ldst_immpost":
    case "ldst_immpre": {
      const move = (w >>> 26) & 1 ? simdTransfer : transfer;
      const off = (w << 11) >> 23;
      const mode = (w >>> 10) & 3;
      if (mode === 0)
        return move(
          g,
          i,
          w,
          () => g.xsp(n).i64n(off).op(OP.i64Add),
          () => {},
        );
      // pre/post index: WB = base + off; the access at WB (pre) or base (post); then base = WB
      return move(
        g,
        i,
        w,
        () => {
          g.xsp(n).i64n(off).op(OP.i64Add).set(g.WB);
          if (mode === 1) g.xsp(n);
          else g.get(g.WB);
        },
        () => {
          g.get(g.WB).setXsp(n);
        },
      );
    }
    case "ldst_regoff": {
      const simd = (w >>> 26) & 1;
      const m = (w >>> 16) & 31;
      const option = (w >>> 13) & 7;
      const size = simd ? simdScale(w) : w >>> 30;
      const sh = (w >>> 12) & 1 ? size : 0;
      return (simd ? simdTransfer : transfer)(
        g,
        i,
        w,
        () => {
          g.xsp(n).x(m);
          if (option === 2) g.i64(-1, 0).op(OP.i64And);
          else if (option === 6) g.op(OP.i64Extend32S);
          if (sh !== 0) g.i64(sh, 0).op(OP.i64Shl);
          g.op(OP.i64Add);
        },
        () => {},
      );
    }
    case "ldstord":
      return ordered(g, i, w);
    case "comswap":
      return compareSwap(g, i, w);
    case "comswappr":
      return compareSwapPair(g, i, w);
    case "ldstexclr":
      return exclusive(g, i, w);
    case "memop":
      return atomicOp(g, i, w);
    case "ldstnapair_offs":
    case "ldstpair_off":
    case "ldstpair_pre":
    case "ldstpair_post": {
      // LDNP/STNP: LDP/STP (signed offset) with a non-temporal hint
      if ((w >>> 26) & 1) return simdPair(g, i, w, iclass === "ldstnapair_offs" ? 2 : (w >>> 23) & 3);
      const op = id.slice(0, id.indexOf("_ldst")).replace("NP_", "P_");
      if (op !== "LDP_64" && op !== "STP_64" && op !== "LDP_32" && op !== "STP_32" && op !== "LDPSW_64")
        return false;
      const wide = op.endsWith("P_64");
      const bytes = wide ? 8 : 4;
      const mode = iclass === "ldstnapair_offs" ? 2 : (w >>> 23) & 3;
      const off = ((w << 10) >> 25) * bytes;
      const t = w & 31;
      const t2 = (w >>> 10) & 31;
      g.xsp(n).i64n(off).op(OP.i64Add).set(g.WB);
      if (mode === 1) g.xsp(n);
      else g.get(g.WB);
      if ((w >>> 22) & 1) {
        g.tlb(i, 0, false, 2 * bytes);
        const ld = wide ? OP.i64Load : op === "LDPSW_64" ? OP.i64Load32S : OP.i64Load32U;
        g.at().mem(ld, 0).set(g.V1);
        g.at(bytes).mem(ld, 0).set(g.V2);
        g.get(g.V1).setX(t);
        g.get(g.V2).setX(t2);
      } else {
        g.x(t).set(g.V1).x(t2).set(g.V2);
        g.tlb(i, 0, true, 2 * bytes);
        const st = wide ? OP.i64Store : OP.i64Store32;
        g.at().get(g.V1).mem(st, 0);
        g.at(bytes).get(g.V2).mem(st, 0);
      }
      if (mode !== 2) g.get(g.WB).setXsp(n);
      return true;
    }
    case "addsub_carry": {
      // ADC/ADCS/SBC/SBCS: Rn + (Rm or NOT Rm) + C (AddWithCarry with the carry flag in)
      const sub = ((w >>> 30) & 1) === 1;
      const S = ((w >>> 29) & 1) === 1;
      const m = (w >>> 16) & 31;
      g.flags = true;
      if (sf) {
        g.x(n).set(g.A).x(m);
        if (sub) g.i64(-1, -1).op(OP.i64Xor);
        g.set(g.B);
        g.get(g.A).get(g.B).op(OP.i64Add).get(g.CF).op(OP.i64ExtendI32U).op(OP.i64Add).set(g.R);
        if (S) {
          // C: unsigned overflow, r < a, or r == a with a carry in
          const { A, B, R: r } = g;
          g.get(r).get(A).op(OP.i64LtU).get(g.CF).get(r).get(A).op(OP.i64Eq).op(OP.i32And).op(OP.i32Or);
          g.get(A)
            .get(r)
            .op(OP.i64Xor)
            .get(B)
            .get(r)
            .op(OP.i64Xor)
            .op(OP.i64And)
            .i64(0, 0)
            .op(OP.i64LtS)
            .set(g.VF);
          g.set(g.CF);
          g.get(r).i64(0, 0).op(OP.i64LtS).set(g.NF);
          g.get(r).op(OP.i64Eqz).set(g.ZF);
        }
        g.get(g.R).setX(d);
      } else {
        g.w(n).set(g.a).w(m);
        if (sub) g.i32(-1).op(OP.i32Xor);
        g.set(g.bb);
        g.get(g.a).get(g.bb).op(OP.i32Add).get(g.CF).op(OP.i32Add).set(g.r);
        if (S) {
          const { a, bb, r } = g;
          g.get(r).get(a).op(OP.i32LtU).get(g.CF).get(r).get(a).op(OP.i32Eq).op(OP.i32And).op(OP.i32Or);
          g.get(a)
            .get(r)
            .op(OP.i32Xor)
            .get(bb)
            .get(r)
            .op(OP.i32Xor)
            .op(OP.i32And)
            .i32(31)
            .op(OP.i32ShrU)
            .set(g.VF);
          g.set(g.CF);
          g.get(r).i32(31).op(OP.i32ShrU).set(g.NF);
          g.get(r).op(OP.i32Eqz).set(g.ZF);
        }
        g.get(g.r).setW(d);
      }
      return true;
    }
    case "dp_1src": {
      // REV16, REV32/REV (W), REV (X), CLZ; RBIT and CLS through the handler
      const opc = (w >>> 10) & 0x3f;
      if (((w >>> 16) & 31) !== 0 || ((w >>> 29) & 1) !== 0) return false;
      if (opc === 4) {
        if (sf) g.x(n).op(OP.i64Clz).setX(d);
        else g.w(n).op(OP.i32Clz).setW(d);
        return true;
      }
      if (opc === 0) {
        rbit(g, n, sf === 1);
        g.setX(d);
        return true;
      }
      if (opc < 1 || opc > 3 || (!sf && opc === 3)) return false;
      if (sf) {
        // bytes swapped within halfwords, then halfwords within words, then the words
        g.x(n).set(g.V1);
        g.get(g.V1).i64(8, 0).op(OP.i64ShrU).i64(0x00ff00ff, 0x00ff00ff).op(OP.i64And);
        g.get(g.V1).i64(0x00ff00ff, 0x00ff00ff).op(OP.i64And).i64(8, 0).op(OP.i64Shl).op(OP.i64Or).set(g.V1);
        if (opc >= 2) {
          g.get(g.V1).i64(16, 0).op(OP.i64ShrU).i64(0x0000ffff, 0x0000ffff).op(OP.i64And);
          g.get(g.V1)
            .i64(0x0000ffff, 0x0000ffff)
            .op(OP.i64And)
            .i64(16, 0)
            .op(OP.i64Shl)
            .op(OP.i64Or)
            .set(g.V1);
        }
        g.get(g.V1);
        if (opc === 3) g.i64(32, 0).op(OP.i64Rotr);
        g.setX(d);
      } else {
        g.w(n).set(g.a);
        g.get(g.a).i32(8).op(OP.i32ShrU).i32(0x00ff00ff).op(OP.i32And);
        g.get(g.a).i32(0x00ff00ff).op(OP.i32And).i32(8).op(OP.i32Shl).op(OP.i32Or);
        if (opc === 2) g.i32(16).op(OP.i32Rotr);
        g.setW(d);
      }
      return true;
    }
    case "dp_3src": {
      const op31 = (w >>> 21) & 7;
      const o0 = (w >>> 15) & 1;
      const m = (w >>> 16) & 31;
      const a = (w >>> 10) & 31;
      if (sf && (op31 === 2 || op31 === 6)) {
        if (o0) return false;
        mulHigh(g, n, m, op31 === 2);
        g.setX(d);
        return true;
      }
      if (sf && (op31 === 1 || op31 === 5)) {
        // SMADDL/SMSUBL, UMADDL/UMSUBL: Xa +- Wn * Wm, the W operands extended (C6.2.310, C6.2.395)
        const ext = op31 === 1 ? OP.i64ExtendI32S : OP.i64ExtendI32U;
        g.x(a).w(n).op(ext).w(m).op(ext).op(OP.i64Mul);
        g.op(o0 ? OP.i64Sub : OP.i64Add).setX(d);
        return true;
      }
      if (op31 !== 0) return false;
      if (sf)
        g.x(a)
          .x(n)
          .x(m)
          .op(OP.i64Mul)
          .op(o0 ? OP.i64Sub : OP.i64Add)
          .setX(d);
      else
        g.w(a)
          .w(n)
          .w(m)
          .op(OP.i32Mul)
          .op(o0 ? OP.i32Sub : OP.i32Add)
          .setW(d);
      return true;
    }
  }
  return false;
}
