import { describe, expect, it } from "vitest";
import { generatorEntries, Rng } from "../interp/difftest.js";
import { lockstepCase } from "./lockstep.js";

describe("translator vs interpreter, lockstep", () => {
  it("random instruction streams: identical state at every run stop", () => {
    const n = Number(process.env.JIT_CASES ?? 100);
    const seed = Number(process.env.JIT_SEED ?? Date.now() % 2 ** 31);
    console.log(`jit lockstep: seed ${seed} (JIT_SEED=${seed} to replay), ${n} cases`);
    const rng = new Rng(seed);
    const entries = generatorEntries();
    let stops = 0;
    let insns = 0;
    let translated = 0;
    for (let i = 0; i < n; i++) {
      const r = lockstepCase(rng, entries, 3, i % 2 === 1);
      stops += r.stops;
      insns += r.insns;
      translated += r.translated;
      expect(r.mismatch, `seed ${seed} case ${i}`).toBeNull();
    }
    console.log(`jit lockstep: ${stops} stops, ${insns} instructions, ${translated} in translated blocks`);
    expect(translated).toBeGreaterThan(insns / 4);
  }, 300_000);
});
