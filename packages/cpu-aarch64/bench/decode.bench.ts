/**
 * Decode and disassembly throughput (words/s) on uniformly random words and on words from the table,
 * beside llvm-mc's disassembly of the same words in the same run. Prints figures; never fails on timing.
 */

import { xorshift32 } from "@armature/core/test";
import { decode, matchesEntry } from "../src/decoder/decode.js";
import { ENCODINGS } from "../src/decoder/table.js";
import { disassemble } from "../src/disasm/disasm.js";
import { llvmDisassemble } from "../src/disasm/oracle.js";
import { M1_MODEL } from "../src/model.js";

const rng = xorshift32;

const N = Number(process.env.BENCH_WORDS ?? 1_000_000);
const next = rng(12345);
const random = new Uint32Array(N);
for (let i = 0; i < N; i++) random[i] = next();
const valid = new Uint32Array(N);
for (let i = 0, k = 0; i < N; ) {
  const e = k++ % ENCODINGS.length;
  const s = ENCODINGS[e]!;
  const w = ((next() & ~s.mask) | s.bits) >>> 0;
  if (matchesEntry(e, w)) valid[i++] = w;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1]!;
}

function rate(label: string, words: Uint32Array, fn: (w: number) => number): void {
  let sink = 0;
  for (let i = 0; i < Math.min(words.length, 200_000); i++) sink += fn(words[i]!); // warm-up
  const runs: number[] = [];
  const cpuRuns: number[] = [];
  for (let r = 0; r < 5; r++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    for (let i = 0; i < words.length; i++) sink += fn(words[i]!);
    runs.push(words.length / ((performance.now() - t0) / 1000));
    const c = process.cpuUsage(c0);
    cpuRuns.push(words.length / ((c.user + c.system) / 1e6));
  }
  console.log(
    `${label.padEnd(34)} ${(median(runs) / 1e6).toFixed(2).padStart(8)} M words/s wall, ${(median(cpuRuns) / 1e6).toFixed(2)} M words/CPU-s (medians of 5)  [${sink & 1}]`,
  );
}

/** Decode loop with a direct (monomorphic) call, as an interpreter's dispatch would make it. */
function decodeRate(label: string, words: Uint32Array): void {
  let sink = 0;
  for (let i = 0; i < words.length; i++) sink += decode(words[i]!, M1_MODEL); // warm-up
  const runs: number[] = [];
  const cpuRuns: number[] = [];
  for (let r = 0; r < 5; r++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    for (let i = 0; i < words.length; i++) sink += decode(words[i]!, M1_MODEL);
    const wall = (performance.now() - t0) / 1000;
    const c = process.cpuUsage(c0);
    runs.push(words.length / wall);
    cpuRuns.push(words.length / ((c.user + c.system) / 1e6));
  }
  // Wall-clock rate, and the rate per CPU-second (robust when the machine is shared).
  console.log(
    `${label.padEnd(34)} ${(median(runs) / 1e6).toFixed(2).padStart(8)} M words/s wall, ${(median(cpuRuns) / 1e6).toFixed(2)} M words/CPU-s (medians of 5)  [${sink & 1}]`,
  );
}

console.log(`${ENCODINGS.length} encodings, ${N} words per run`);
decodeRate("decode, random words", random);
decodeRate("decode, valid words", valid);
const M = Math.min(N, 200_000);
rate("disassemble, random words", random.subarray(0, M), (w) => disassemble(w, M1_MODEL)?.length ?? 0);
rate("disassemble, valid words", valid.subarray(0, M), (w) => disassemble(w, M1_MODEL)?.length ?? 0);
try {
  const L = 200_000;
  for (const [label, words] of [
    ["llvm-mc --disassemble, random", random.subarray(0, L)],
    ["llvm-mc --disassemble, valid", valid.subarray(0, L)],
  ] as const) {
    const t0 = performance.now();
    llvmDisassemble(words, 50_000);
    const s = (performance.now() - t0) / 1000;
    console.log(
      `${label.padEnd(34)} ${(L / s / 1e6).toFixed(3).padStart(8)} M words/s wall (one run, 4 llvm-mc processes of 50k words)`,
    );
  }
} catch (e) {
  console.log(`llvm-mc not measured: ${(e as Error).message}`);
}
