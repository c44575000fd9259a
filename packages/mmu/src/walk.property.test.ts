/**
 * The fast walker against the naive reference walker (src/test/reference.ts) on random
 * translation controls and random page tables in random memory; see test/walk-harness.ts.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { WalkResult } from "./index.js";
import { configArb, runConfig, stats, WALKS_PER_CONFIG } from "./test/walk-harness.js";

const RUNS = Number(process.env.FC_NUM_RUNS ?? 2200);

describe("fast walker vs reference walker", () => {
  it(
    `agrees on ${RUNS} random configurations x ${WALKS_PER_CONFIG} random walks`,
    () => {
      const out = new WalkResult();
      const levelsSeen = new Set<string>();
      fc.assert(
        fc.property(configArb, (c) => {
          runConfig(c, levelsSeen, out);
        }),
        { numRuns: RUNS },
      );
      // Every granule's every block/page size must have been reached by successful walks.
      for (const want of [
        "g12/size12",
        "g12/size21",
        "g12/size30",
        "g14/size14",
        "g14/size25",
        "g16/size16",
        "g16/size29",
      ]) {
        if (RUNS >= 1000) expect(levelsSeen.has(want), `no successful walk with ${want}`).toBe(true);
      }
      if (process.env.MMU_STATS) {
        console.log(
          JSON.stringify({
            ...stats,
            faults: Object.fromEntries([...stats.faults].sort()),
            sizes: [...levelsSeen].sort(),
          }),
        );
      }
      expect(stats.walks).toBe(RUNS * WALKS_PER_CONFIG);
      if (RUNS >= 1000) {
        // Coverage floor: nested (stage 1 + 2) and stage-2-only successes, HA/HD writes, S1PTW faults.
        expect(stats.nestedOk).toBeGreaterThan(100);
        expect(stats.s2 - stats.nestedOk).toBeGreaterThan(10);
        expect(stats.updates).toBeGreaterThan(50);
        expect([...stats.faults.keys()].filter((k) => k.endsWith("/ptw")).length).toBeGreaterThan(10);
      }
    },
    Math.max(120_000, RUNS * 100),
  );
});
