// M0 of the translator's design: what the host costs before choosing a translator back end (prints figures only).
// WebAssembly compile + instantiate for 1/4/32 KB modules, JS->wasm and wasm->JS calls,
// return_call_indirect (if the engine has tail calls), `new Function` compile and warm-up.
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (m: object, imports: object) => { exports: Record<string, unknown> };
  validate(bytes: Uint8Array): boolean;
}
// the package's tsconfig has no DOM/wasm lib: a minimal view of the global
const WebAssembly = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;
const now = () => Number(process.hrtime.bigint()) / 1e3; // µs
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n !== 0) b |= 0x80;
    out.push(b);
  } while (n !== 0);
  return out;
}
function section(id: number, body: number[]): number[] {
  return [id, ...uleb(body.length), ...body];
}
/** A module: import env.f (i32)->i32; export "run"(i32)->i32 with `ops` i64 add/xor ops on locals; export "nop"()->i32. */
function buildModule(ops: number, callImport: boolean, salt = 0): Uint8Array {
  const types = [2, 0x60, 1, 0x7f, 1, 0x7f, 0x60, 0, 1, 0x7f];
  const imports = [1, 3, ...[0x65, 0x6e, 0x76], 1, 0x66, 0x00, 0];
  const funcs = [2, 0, 1];
  const exp = [2, 3, 0x72, 0x75, 0x6e, 0x00, 1, 3, 0x6e, 0x6f, 0x70, 0x00, 2];
  const body: number[] = [1, 2, 0x7e]; // 2 locals i64
  body.push(0x20, 0, 0xad, 0x21, 1); // local1 = extend_u(p0)
  for (let i = 0; i < ops; i++) {
    body.push(0x20, 1, 0x42, ...sleb(i * 7 + 1 + salt), 0x7c, 0x21, 1); // l1 += c
    body.push(0x20, 1, 0x20, 2, 0x85, 0x21, 2); // l2 ^= l1
  }
  if (callImport) body.push(0x20, 2, 0xa7, 0x10, 0, 0x1a);
  body.push(0x20, 2, 0xa7, 0x0b);
  const f1 = [...uleb(body.length), ...body];
  const f2b = [0, 0x41, 7, 0x0b];
  const f2 = [...uleb(f2b.length), ...f2b];
  const code = [2, ...f1, ...f2];
  return new Uint8Array([
    0,
    0x61,
    0x73,
    0x6d,
    1,
    0,
    0,
    0,
    ...section(1, types),
    ...section(2, imports),
    ...section(3, funcs),
    ...section(7, exp),
    ...section(10, code),
  ]);
}
function sleb(n: number): number[] {
  const out: number[] = [];
  for (;;) {
    const b = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (b & 0x40) === 0) || (n === -1 && (b & 0x40) !== 0)) {
      out.push(b);
      return out;
    }
    out.push(b | 0x80);
  }
}

console.log(`node ${process.version}, ${process.arch}`);
console.log("| measurement | figure |");
console.log("|---|---|");
for (const kb of [1, 4, 32]) {
  // ~14 bytes per op
  const ops = Math.max(1, Math.round((kb * 1024) / 14));
  let bytes = buildModule(ops, false);
  const ts: number[] = [];
  const ti: number[] = [];
  const tf: number[] = [];
  for (let i = 0; i < 30; i++) {
    bytes = buildModule(ops, false, 1000 + i * 17 + kb * 1000); // unique bytes: no module cache hit
    const t0 = now();
    const m = new WebAssembly.Module(bytes);
    const t1 = now();
    const inst = new WebAssembly.Instance(m, { env: { f: (x: number) => x } });
    const t2 = now();
    (inst.exports.run as (x: number) => number)(i);
    tf.push(now() - t2);
    ts.push(t1 - t0);
    ti.push(t2 - t1);
  }
  console.log(
    `| wasm module ${(bytes.length / 1024).toFixed(1)} KB: compile (sync) | ${median(ts).toFixed(0)} µs |`,
  );
  console.log(
    `| wasm module ${(bytes.length / 1024).toFixed(1)} KB: instantiate | ${median(ti).toFixed(0)} µs |`,
  );
  console.log(
    `| wasm module ${(bytes.length / 1024).toFixed(1)} KB: first call (lazy Liftoff compile) | ${median(tf).toFixed(0)} µs |`,
  );
}
{
  const inst = new WebAssembly.Instance(new WebAssembly.Module(buildModule(1, true)), {
    env: { f: (x: number) => x },
  });
  const nop = inst.exports.nop as () => number;
  const run = inst.exports.run as (x: number) => number;
  const N = 5_000_000;
  let s = 0;
  for (let i = 0; i < N; i++) s += nop();
  let t0 = now();
  for (let i = 0; i < N; i++) s += nop();
  console.log(`| JS→wasm call (empty export) | ${(((now() - t0) * 1000) / N).toFixed(1)} ns |`);
  for (let i = 0; i < N; i++) s += run(i);
  t0 = now();
  for (let i = 0; i < N; i++) s += run(i);
  const withImport = ((now() - t0) * 1000) / N;
  const inst2 = new WebAssembly.Instance(new WebAssembly.Module(buildModule(1, false)), {
    env: { f: (x: number) => x },
  });
  const run2 = inst2.exports.run as (x: number) => number;
  for (let i = 0; i < N; i++) s += run2(i);
  t0 = now();
  for (let i = 0; i < N; i++) s += run2(i);
  const without = ((now() - t0) * 1000) / N;
  console.log(`| wasm→JS call (import, difference) | ${(withImport - without).toFixed(1)} ns |`);
  if (s === 42) console.log("");
}
{
  // return_call_indirect (tail calls): validate a tiny module using opcode 0x13.
  const ok = (() => {
    try {
      // (type (func)) (table 1 funcref) (func (return_call_indirect (type 0) (i32.const 0)))
      const m = new Uint8Array([
        0, 0x61, 0x73, 0x6d, 1, 0, 0, 0, 1, 4, 1, 0x60, 0, 0, 3, 2, 1, 0, 4, 4, 1, 0x70, 0, 1, 10, 9, 1, 7, 0,
        0x41, 0, 0x13, 0, 0, 0x0b,
      ]);
      return WebAssembly.validate(m);
    } catch {
      return false;
    }
  })();
  console.log(
    `| return_call_indirect (tail calls) available | ${ok ? "yes" : "no (Node 20 needs --experimental-wasm-return-call)"} |`,
  );
}
// new Function for a block of N JS statements over an Int32Array (the shape of a translated block)
for (const n of [8, 32, 128]) {
  const srcs: string[] = [];
  for (let k = 0; k < 40; k++) {
    let src = `"use strict"; const x = c.x; let l;`;
    for (let i = 0; i < n; i++) {
      const d = 2 * ((i * 7 + k) % 30);
      const a = 2 * ((i * 3 + 1) % 30);
      src += `l=(x[${a}]>>>0)+${(i * 13 + k) & 0xfff}; x[${d + 1}]=(x[${a + 1}]+(l>0xffffffff?1:0))|0; x[${d}]=l|0;`;
    }
    src += `return ${n};`;
    srcs.push(src);
  }
  const tc: number[] = [];
  const first: number[] = [];
  const fns: ((c: { x: Int32Array }) => number)[] = [];
  const c = { x: new Int32Array(68) };
  for (const s of srcs) {
    const t0 = now();
    const f = new Function("c", s) as (c: { x: Int32Array }) => number;
    const t1 = now();
    f(c);
    first.push(now() - t1);
    tc.push(t1 - t0);
    fns.push(f);
  }
  const f = fns[0]!;
  const warm: number[] = [];
  for (let i = 0; i < 20000; i++) {
    const t0 = now();
    f(c);
    if (i % 1000 === 0 || i < 10) warm.push(now() - t0);
  }
  let t0 = now();
  for (let i = 0; i < 100000; i++) f(c);
  const hot = ((now() - t0) * 1000) / 100000;
  console.log(
    `| new Function, ${n} statements (${srcs[0]!.length} B): compile / first call / hot call | ${median(tc).toFixed(0)} µs / ${median(first).toFixed(0)} µs / ${hot.toFixed(0)} ns (${(hot / n).toFixed(2)} ns per guest insn) |`,
  );
  void t0;
  t0 = 0;
}
