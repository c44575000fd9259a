/*
 * A small WebAssembly binary writer (WebAssembly Core Specification 2.0, chapter 5 "Binary
 * Format"): LEB128 integers, the opcodes the block compiler uses, and a module of functions that
 * import one shared memory and export themselves.
 */

/** Value types (5.3.1). */
export const I32 = 0x7f;
export const I64 = 0x7e;

/** Opcodes (5.4). */
export const OP = {
  block: 0x02,
  loop: 0x03,
  if: 0x04,
  else: 0x05,
  end: 0x0b,
  br: 0x0c,
  call: 0x10,
  callIndirect: 0x11,
  returnCallIndirect: 0x13,
  brIf: 0x0d,
  return: 0x0f,
  drop: 0x1a,
  select: 0x1b,
  localGet: 0x20,
  localSet: 0x21,
  localTee: 0x22,
  i32Load: 0x28,
  i64Load: 0x29,
  i64Load8S: 0x30,
  i64Load8U: 0x31,
  i64Load16S: 0x32,
  i64Load16U: 0x33,
  i64Load32S: 0x34,
  i64Load32U: 0x35,
  i32Store: 0x36,
  i64Store: 0x37,
  i64Store8: 0x3c,
  i64Store16: 0x3d,
  i64Store32: 0x3e,
  i32Const: 0x41,
  i64Const: 0x42,
  i32Eqz: 0x45,
  i32Eq: 0x46,
  i32Ne: 0x47,
  i32LtS: 0x48,
  i32LtU: 0x49,
  i32LeS: 0x4c,
  i32GeS: 0x4e,
  i32GeU: 0x4f,
  i32LeU: 0x4d,
  i64Eqz: 0x50,
  i64Eq: 0x51,
  i64Ne: 0x52,
  i64LtS: 0x53,
  i64LtU: 0x54,
  i64LeU: 0x58,
  i64GeU: 0x5a,
  i32Clz: 0x67,
  i32Add: 0x6a,
  i32Sub: 0x6b,
  i32Mul: 0x6c,
  i32DivS: 0x6d,
  i32DivU: 0x6e,
  i32And: 0x71,
  i32Or: 0x72,
  i32Xor: 0x73,
  i32Shl: 0x74,
  i32ShrS: 0x75,
  i32ShrU: 0x76,
  i32Rotr: 0x78,
  i64Clz: 0x79,
  i64Add: 0x7c,
  i64Sub: 0x7d,
  i64Mul: 0x7e,
  i64DivS: 0x7f,
  i64DivU: 0x80,
  i64And: 0x83,
  i64Or: 0x84,
  i64Xor: 0x85,
  i64Shl: 0x86,
  i64ShrS: 0x87,
  i64ShrU: 0x88,
  i64Rotr: 0x8a,
  i32WrapI64: 0xa7,
  i64ExtendI32S: 0xac,
  i64ExtendI32U: 0xad,
  i32Extend8S: 0xc0,
  i32Extend16S: 0xc1,
  i64Extend8S: 0xc2,
  i64Extend16S: 0xc3,
  i64Extend32S: 0xc4,
} as const;

/** A growable byte buffer with LEB128 writers. */
export class Bytes {
  buf = new Uint8Array(256);
  len = 0;

  private room(n: number): void {
    if (this.len + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.len + n) size *= 2;
    const b = new Uint8Array(size);
    b.set(this.buf.subarray(0, this.len));
    this.buf = b;
  }

  u8(v: number): this {
    this.room(1);
    this.buf[this.len++] = v & 0xff;
    return this;
  }

  /** Unsigned LEB128 of a non-negative integer below 2^53. */
  uleb(v: number): this {
    this.room(8);
    do {
      let b = v % 128;
      v = Math.floor(v / 128);
      if (v !== 0) b |= 0x80;
      this.buf[this.len++] = b;
    } while (v !== 0);
    return this;
  }

  /** Signed LEB128 of an int32. */
  sleb32(v: number): this {
    v |= 0;
    this.room(5);
    for (;;) {
      const b = v & 0x7f;
      v >>= 7;
      if ((v === 0 && (b & 0x40) === 0) || (v === -1 && (b & 0x40) !== 0)) {
        this.buf[this.len++] = b;
        return this;
      }
      this.buf[this.len++] = b | 0x80;
    }
  }

  /** Signed LEB128 of the 64-bit value hi:lo (two int32 halves). */
  sleb64(lo: number, hi: number): this {
    this.room(10);
    lo >>>= 0;
    hi |= 0;
    for (;;) {
      const b = lo & 0x7f;
      // arithmetic shift of hi:lo right by 7
      lo = ((lo >>> 7) | (hi << 25)) >>> 0;
      hi >>= 7;
      const done =
        (hi === 0 && lo === 0 && (b & 0x40) === 0) || (hi === -1 && lo === 0xffffffff && (b & 0x40) !== 0);
      if (done) {
        this.buf[this.len++] = b;
        return this;
      }
      this.buf[this.len++] = b | 0x80;
    }
  }

  bytes(b: Uint8Array): this {
    this.room(b.length);
    this.buf.set(b, this.len);
    this.len += b.length;
    return this;
  }

  name(s: string): this {
    const b = new TextEncoder().encode(s);
    return this.uleb(b.length).bytes(b);
  }

  view(): Uint8Array {
    return this.buf.subarray(0, this.len);
  }
}

/** One function of a module: its signature, extra locals (type per local) and body (without the final `end`). */
export interface WasmFunc {
  params: readonly number[];
  results: readonly number[];
  locals: readonly number[];
  body: Uint8Array;
  /** Export name. */
  name: string;
}

/** An imported function (module "env"); imports take the first function indices. */
export interface WasmImport {
  name: string;
  params: readonly number[];
  results: readonly number[];
}

function section(out: Bytes, id: number, content: Bytes): void {
  out.u8(id).uleb(content.len).bytes(content.view());
}

/**
 * A module importing memory `env.mem` (shared, limits min 0 / max `maxPages`) and the functions
 * `imports` (indices 0..), with `table` the function table `env.t`, and exporting each function of
 * `funcs` under its name.
 */
export function wasmModule(
  funcs: readonly WasmFunc[],
  maxPages: number,
  fimports: readonly WasmImport[] = [],
  table = false,
): Uint8Array {
  const out = new Bytes();
  out.bytes(new Uint8Array([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00]));
  // one type per function (blocks are few per module: no dedup needed)
  const types = new Bytes().uleb(fimports.length + funcs.length);
  for (const f of [...fimports, ...funcs]) {
    types.u8(0x60).uleb(f.params.length);
    for (const p of f.params) types.u8(p);
    types.uleb(f.results.length);
    for (const r of f.results) types.u8(r);
  }
  section(out, 1, types);
  const imports = new Bytes()
    .uleb(1 + fimports.length + (table ? 1 : 0))
    .name("env")
    .name("mem")
    .u8(0x02)
    .u8(0x03)
    .uleb(0)
    .uleb(maxPages);
  fimports.forEach((f, i) => {
    imports.name("env").name(f.name).u8(0x00).uleb(i);
  });
  // env.t: a table of funcref, limits min 0 (table 0)
  if (table) imports.name("env").name("t").u8(0x01).u8(0x70).u8(0x00).uleb(0);
  section(out, 2, imports);
  const fsec = new Bytes().uleb(funcs.length);
  for (let i = 0; i < funcs.length; i++) fsec.uleb(fimports.length + i);
  section(out, 3, fsec);
  const exps = new Bytes().uleb(funcs.length);
  funcs.forEach((f, i) => {
    exps
      .name(f.name)
      .u8(0x00)
      .uleb(fimports.length + i);
  });
  section(out, 7, exps);
  const code = new Bytes().uleb(funcs.length);
  for (const f of funcs) {
    const body = new Bytes();
    // locals, run-length grouped by type
    const groups: [number, number][] = [];
    for (const t of f.locals) {
      const g = groups[groups.length - 1];
      if (g !== undefined && g[1] === t) g[0]++;
      else groups.push([1, t]);
    }
    body.uleb(groups.length);
    for (const [n, t] of groups) body.uleb(n).u8(t);
    body.bytes(f.body).u8(OP.end);
    code.uleb(body.len).bytes(body.view());
  }
  section(out, 10, code);
  return out.view().slice();
}

/** The one function type of block modules: (i32, i32, i32, i32) -> i32 (blocks and the handler import). */
const BLOCK_TYPE = [0x60, 4, I32, I32, I32, I32, 1, I32];

/**
 * A module of translated blocks: one type (`BLOCK_TYPE`, index 0), imports `env.mem` (shared,
 * limits min 0 / max `maxPages`), the function `env.h` (function 0) and the table `env.t`, and
 * defines `funcs` (functions 1.., or 2.. after `helper`, function 1, which the blocks may call),
 * placed in the table from index `tableBase` by an active element segment (5.5.12) when the
 * module is instantiated: nothing is exported.
 */
export function blockBatchModule(
  blocks: readonly { locals: readonly number[]; body: Uint8Array }[],
  maxPages: number,
  tableBase: number,
  helper?: { locals: readonly number[]; body: Uint8Array },
): Uint8Array {
  const funcs = helper === undefined ? blocks : [helper, ...blocks];
  const first = helper === undefined ? 1 : 2;
  const out = new Bytes();
  out.bytes(new Uint8Array([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00]));
  section(out, 1, new Bytes().uleb(1).bytes(new Uint8Array(BLOCK_TYPE)));
  const imports = new Bytes().uleb(3);
  imports.name("env").name("mem").u8(0x02).u8(0x03).uleb(0).uleb(maxPages);
  imports.name("env").name("h").u8(0x00).uleb(0);
  imports.name("env").name("t").u8(0x01).u8(0x70).u8(0x00).uleb(0);
  section(out, 2, imports);
  const fsec = new Bytes().uleb(funcs.length);
  for (let i = 0; i < funcs.length; i++) fsec.uleb(0);
  section(out, 3, fsec);
  // element segment, kind 0: active in table 0 at offset (i32.const tableBase), function indices
  const elem = new Bytes().uleb(1).uleb(0).u8(OP.i32Const).sleb32(tableBase).u8(OP.end).uleb(blocks.length);
  for (let i = 0; i < blocks.length; i++) elem.uleb(first + i);
  section(out, 9, elem);
  const code = new Bytes().uleb(funcs.length);
  const body = new Bytes();
  for (const f of funcs) {
    body.len = 0;
    // locals, run-length grouped by type
    let groups = 0;
    for (let i = 0; i < f.locals.length; i++) if (i === 0 || f.locals[i] !== f.locals[i - 1]) groups++;
    body.uleb(groups);
    for (let i = 0; i < f.locals.length; ) {
      let j = i + 1;
      while (j < f.locals.length && f.locals[j] === f.locals[i]) j++;
      body.uleb(j - i).u8(f.locals[i]!);
      i = j;
    }
    body.bytes(f.body).u8(OP.end);
    code.uleb(body.len).bytes(body.view());
  }
  section(out, 10, code);
  return out.view().slice();
}
