import fc from "fast-check";
import { afterAll, beforeAll } from "vitest";
import { ArmOracle } from "./fp-oracle.js";

/**
 * What the qemu-aarch64 oracle tests share: one oracle process per test file (started before its
 * tests, closed after them) and fast-check samples of FC_NUM_RUNS (default 150) cases from the seed
 * FC_SEED (default: the clock).
 */
export interface OracleSuite {
  oracle(): ArmOracle;
  /** `runs` cases (default FC_NUM_RUNS) of `arb` from the seed. */
  sample<T>(arb: fc.Arbitrary<T>, runs?: number): T[];
  /** FC_NUM_RUNS and FC_SEED as used (print the seed with a failure). */
  runs: number;
  seed: number;
}

export function oracleSuite(): OracleSuite {
  const numRuns = Number(process.env.FC_NUM_RUNS ?? 150);
  const seed = Number(process.env.FC_SEED ?? Date.now() % 1_000_000);
  let oracle: ArmOracle | undefined;
  beforeAll(() => {
    oracle = ArmOracle.start();
  });
  afterAll(() => oracle?.close());
  return {
    oracle: () => {
      if (oracle === undefined) throw new Error("the oracle starts in beforeAll");
      return oracle;
    },
    sample: (arb, runs = numRuns) => fc.sample(arb, { numRuns: runs, seed }),
    runs: numRuns,
    seed,
  };
}
