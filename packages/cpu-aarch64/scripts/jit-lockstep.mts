// Long run of the translator's lockstep differential test (src/jit/lockstep.ts): N cases from SEED,
// half of them counted loops. Usage: npx tsx --conditions=source scripts/jit-lockstep.mts [N] [SEED]

import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { lockstepCase } from "../src/jit/lockstep.js";
import { generatorEntries, Rng } from "../src/test/difftest.js";

const n = Number(process.argv[2] ?? 100_000);
const seed = Number(process.argv[3] ?? Date.now() % 2 ** 31);
console.log(`jit lockstep long run: ${n} cases, seed ${seed}`);
const rng = new Rng(seed);
// Each case's buses make WebAssembly arenas (with ARMATURE_JIT_BACKEND=wasm), whose address space
// V8 gives back only when a full GC finds them dead: without a GC now and then a long run stops
// after ~10,000 cases with "WebAssembly.Memory(): could not allocate memory".
setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as () => void;
const entries = generatorEntries();
let stops = 0;
let insns = 0;
let translated = 0;
const t0 = Date.now();
for (let i = 0; i < n; i++) {
  const r = lockstepCase(rng, entries, 3, i % 2 === 1);
  stops += r.stops;
  insns += r.insns;
  translated += r.translated;
  if (r.mismatch !== null) {
    console.log(`MISMATCH at case ${i} (seed ${seed}):\n${r.mismatch}`);
    process.exit(1);
  }
  if ((i + 1) % 1_000 === 0) gc();
  if ((i + 1) % 10_000 === 0) console.log(`${i + 1} cases, ${stops} stops, ${insns} instructions`);
}
console.log(
  `ok: ${n} cases, ${stops} stops, ${insns} instructions (${translated} in translated blocks), ${((Date.now() - t0) / 1000).toFixed(0)} s`,
);
