/**
 * Throughput of the FP / crypto / PAuth helpers (ops per second). Prints figures, never fails.
 * Run: npx tsx packages/cpu-aarch64/bench/fp.bench.ts
 */
import { aese, crc32, pmull64, sha256h } from "../src/crypto/index.js";
import {
  FPRounding,
  FPState,
  fixedToFp,
  fpAdd,
  fpConvert,
  fpDiv,
  fpMul,
  fpMulAdd,
  fpSqrt,
  fpToFixed,
} from "../src/fp/index.js";
import {
  addPac,
  auth,
  computePacImpdef,
  computePacQarma5,
  PacAlgorithm,
  PacOut,
  PacRegime,
} from "../src/pauth/index.js";

const st = new FPState();
const N = 256;
const f64 = new Float64Array(N);
const w = new Uint32Array(f64.buffer);
const f32 = new Uint32Array(N);
const fv = new Float32Array(f32.buffer);
for (let i = 0; i < N; i++) {
  f64[i] = (Math.random() - 0.5) * 2 ** (Math.random() * 40 - 20);
  fv[i] = (Math.random() - 0.5) * 1000;
}
const hi = (i: number) => w[2 * (i & (N - 1)) + 1]!;
const lo = (i: number) => w[2 * (i & (N - 1))]!;

function bench(name: string, fn: (i: number) => number): void {
  let sink = 0;
  for (let i = 0; i < 20000; i++) sink ^= fn(i);
  let iters = 0;
  const t0 = performance.now();
  let t = t0;
  while (t - t0 < 400) {
    for (let i = 0; i < 10000; i++) sink ^= fn(i);
    iters += 10000;
    t = performance.now();
  }
  const rate = (iters / (t - t0)) * 1000;
  console.log(`${name.padEnd(28)} ${(rate / 1e6).toFixed(2).padStart(8)} Mops/s${sink === 0.5 ? "!" : ""}`);
}

bench("fpAdd f64", (i) => fpAdd(st, 64, hi(i), lo(i), hi(i + 1), lo(i + 1)));
bench("fpMul f64", (i) => fpMul(st, 64, hi(i), lo(i), hi(i + 1), lo(i + 1)));
bench("fpDiv f64", (i) => fpDiv(st, 64, hi(i), lo(i), hi(i + 1), lo(i + 1)));
bench("fpSqrt f64", (i) => fpSqrt(st, 64, hi(i) & 0x7fffffff, lo(i)));
bench("fpMulAdd f64", (i) => fpMulAdd(st, 64, hi(i), lo(i), hi(i + 1), lo(i + 1), hi(i + 2), lo(i + 2)));
bench("fpAdd f32", (i) => fpAdd(st, 32, 0, f32[i & (N - 1)]!, 0, f32[(i + 1) & (N - 1)]!));
bench("fpMulAdd f32", (i) =>
  fpMulAdd(st, 32, 0, f32[i & (N - 1)]!, 0, f32[(i + 1) & (N - 1)]!, 0, f32[(i + 2) & (N - 1)]!),
);
bench("fpConvert f64->f32", (i) => fpConvert(st, 64, 32, hi(i), lo(i), FPRounding.TIEEVEN));
bench("fpToFixed f64->s64", (i) => fpToFixed(st, 64, hi(i), lo(i), 0, false, FPRounding.ZERO, 64));
bench("fixedToFp s64->f64", (i) => fixedToFp(st, 64, hi(i), lo(i), 0, false, FPRounding.TIEEVEN));

const v = new Uint32Array(12);
for (let i = 0; i < 12; i++) v[i] = (Math.random() * 2 ** 32) >>> 0;
bench("aese", () => {
  aese(v, 0, 4);
  return v[0]!;
});
bench("sha256h", () => {
  sha256h(v, 0, 4, 8);
  return v[0]!;
});
bench("pmull 64x64", () => {
  pmull64(v, 8, 0, 4, false);
  return v[8]!;
});
bench("crc32 (word)", (i) => crc32(i, i * 7, 4, false));
const po = new PacOut();
bench("ComputePAC QARMA5", (i) => {
  computePacQarma5(po, i, 2, 3, 4, 5, 6, 7, 8);
  return po.lo;
});
bench("ComputePAC IMPDEF", (i) => {
  computePacImpdef(po, i, 2, 3, 4, 5, 6, 7, 8);
  return po.lo;
});

const rg = new PacRegime();
rg.algorithm = PacAlgorithm.IMPDEF;
rg.t0sz = 25;
bench("PACIA+AUTIA IMPDEF", (i) => {
  addPac(po, rg, 0x7f, i * 16, 0, i, 1, 2, 3, 4, false);
  auth(po, rg, po.hi, po.lo, 0, i, 1, 2, 3, 4, false, 0, false);
  return po.lo;
});
rg.algorithm = PacAlgorithm.QARMA5;
bench("PACIA+AUTIA QARMA5", (i) => {
  addPac(po, rg, 0x7f, i * 16, 0, i, 1, 2, 3, 4, false);
  auth(po, rg, po.hi, po.lo, 0, i, 1, 2, 3, 4, false, 0, false);
  return po.lo;
});
