import { describe, expect, it } from "vitest";
import { runFuzz } from "./test/fuzz.js";

const CASES = Number(process.env.SMMU_FUZZ_CASES ?? 10_000);

describe("SMMU fuzz: random stream tables, CDs, command queues and transactions", () => {
  it(`${CASES} cases, 0 host exceptions`, () => {
    const seed = Number(process.env.SMMU_FUZZ_SEED ?? (Date.now() ^ (Math.random() * 2 ** 32)) >>> 0);
    console.log(`smmu fuzz seed ${seed} (replay: SMMU_FUZZ_SEED=${seed})`);
    const r = runFuzz(seed, CASES);
    expect(r.firstError, `seed ${seed}`).toBeUndefined();
    expect(r.exceptions).toBe(0);
    // Not vacuous: translations succeed and fail, events and commands flow.
    expect(r.ok).toBeGreaterThan(0);
    expect(r.events).toBeGreaterThan(CASES);
    expect(r.commands).toBeGreaterThan(CASES);
  }, 300_000);
});
