import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Case, caseArb, caseLine, FP_OPS, judge, knownDivergence, type OpSpec } from "./oracle-cases.js";
import { ArmOracle } from "./qemu-oracle.js";

// Cases per instruction form; a large run is oracle/large-run.ts.
const RUNS = Number(process.env.FC_NUM_RUNS ?? 150);
const SEED = Number(process.env.FC_SEED ?? Date.now() % 1_000_000);

let oracle: ArmOracle;
beforeAll(() => {
  oracle = ArmOracle.start();
});
afterAll(() => oracle?.close());

async function check(specs: readonly OpSpec[]): Promise<void> {
  const cases: Array<[OpSpec, Case]> = [];
  for (const spec of specs) {
    for (const c of fc.sample(caseArb(spec), { numRuns: RUNS, seed: SEED })) cases.push([spec, c]);
  }
  const res = await oracle.run(cases.map(([, c]) => caseLine(c)));
  const bad: string[] = [];
  cases.forEach(([spec, c], i) => {
    const v = judge(spec, c, res[i]!);
    if (!v.ok && !knownDivergence(spec, c))
      bad.push(`${caseLine(c)}\n    model  ${v.model}\n    qemu   ${v.oracle}`);
  });
  if (bad.length) {
    console.error(
      `FC_SEED=${SEED}: ${bad.length}/${cases.length} mismatches\n${bad.slice(0, 15).join("\n")}`,
    );
  }
  expect(bad.length, `FC_SEED=${SEED}; first: ${bad[0]}`).toBe(0);
}

const groups: Array<[string, RegExp]> = [
  ["add/sub/abd", /^f(add|sub|abd)_/],
  ["mul/mulx/nmul/div", /^f(mul|mulx|nmul|div)_/],
  ["sqrt", /^fsqrt_/],
  ["fused multiply-add", /^f(n?madd|n?msub)_/],
  ["widening fused multiply-add (FMLAL/FMLSL)", /^fml[as]l$/],
  ["max/min", /^f(max|min)(nm)?_/],
  ["compare", /^f(cmp|cmpe|cmpz|cmeq|cmge|cmgt)_/],
  ["round to integral", /^frint/],
  ["precision conversions", /^fcvtx?n?_[sdh][sdh]$/],
  ["float to integer", /^fcvt[znamp][su]_/],
  ["integer to float", /^[su]cvtf_/],
  ["estimates and steps", /^(frecpe|frsqrte|frecpx|frecps|frsqrts|urecpe|ursqrte)/],
  ["fjcvtzs", /^fjcvtzs$/],
];

describe("FP core vs qemu-aarch64 -cpu max (bit-exact incl. FPSR)", () => {
  for (const [title, re] of groups) {
    it(title, async () => {
      const specs = FP_OPS.filter((s) => re.test(s.name));
      expect(specs.length).toBeGreaterThan(0);
      await check(specs);
    }, 120_000);
  }
});
