import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  type Case,
  caseArb,
  caseLine,
  FP_OPS,
  judge,
  knownDivergence,
  type OpSpec,
} from "../test/fp-cases.js";
import { oracleSuite } from "../test/oracle-suite.js";

// Cases per instruction form: FC_NUM_RUNS; a large run is oracle/large-run.ts.
const { oracle, sample, runs: RUNS, seed: SEED } = oracleSuite();

async function check(specs: readonly OpSpec[]): Promise<void> {
  const cases: Array<[OpSpec, Case]> = [];
  for (const spec of specs) {
    for (const c of sample(caseArb(spec))) cases.push([spec, c]);
  }
  const res = await oracle().run(cases.map(([, c]) => caseLine(c)));
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

describe("host fast paths (round to nearest, normal operands) vs qemu-aarch64", () => {
  it("fmadd/fadd/fmul/fdiv/fsqrt/fcvt/fcvtzs/scvtf on plain finite values", async () => {
    // Doubles with nearby exponents and full random significands: mostly taken by the fast paths
    // (TwoSum/Dekker inexact detection, round-to-odd FMA emulation).
    const f64 = fc
      .tuple(
        fc.integer({ min: 0, max: 1 }),
        fc.integer({ min: 1023 - 40, max: 1023 + 40 }),
        fc.nat({ max: 0xfffff }),
        fc.nat({ max: 0xffffffff }),
      )
      .map(([s, e, h, l]) => [((s << 31) | (e << 20) | h) >>> 0, l] as const);
    const names = [
      "fmadd_d",
      "fmsub_d",
      "fnmadd_d",
      "fadd_d",
      "fsub_d",
      "fmul_d",
      "fdiv_d",
      "fsqrt_d",
      "fcvt_sd",
      "fcvtzs_x_d",
      "fcvtns_w_d",
      "fmadd_s",
      "fadd_s",
    ];
    const specs = FP_OPS.filter((s) => names.includes(s.name));
    const cases: Array<[OpSpec, Case]> = [];
    for (const spec of specs) {
      const arb = fc.tuple(f64, f64, f64, fc.constantFrom(0, 1 << 24, 1 << 25));
      for (const [a, b, c, fpcr] of sample(arb, RUNS * 4)) {
        const narrow = (x: readonly [number, number]) =>
          [
            0,
            ((x[0] & 0x80000000) | ((((x[0] >>> 20) & 0x7ff) - 896) << 23) | ((x[0] & 0xfffff) << 3)) >>> 0,
          ] as const;
        const s32 = spec.n === 32;
        cases.push([
          spec,
          { op: spec.name, fpcr, a: s32 ? narrow(a) : a, b: s32 ? narrow(b) : b, c: s32 ? narrow(c) : c },
        ]);
      }
    }
    // Double-rounding traps for FMA emulation: c + a*b = 1 + 2^-53 + 2^-131 (scaled, signed);
    // a naive double-double sum lands on the tie and rounds the wrong way.
    const fma = FP_OPS.find((s) => s.name === "fmadd_d")!;
    for (const k of [-600, -1, 0, 5, 600]) {
      for (const sg of [0, 0x80000000]) {
        const a = [(0x3ff00000 | sg) >>> 0, 0x04000000] as const;
        const b = [((969 + k) << 20) | 0xfffff, 0xf8000002] as const;
        const c = [(((1023 + k) << 20) | sg) >>> 0, 0] as const;
        cases.push([fma, { op: "fmadd_d", fpcr: 0, a, b, c }]);
      }
    }
    // Single precision: 1 + (1 + 2^-12) * (1 - 2^-12 + 2^-24) * 2^-24 = 1 + 2^-24 + 2^-60.
    const fma32 = FP_OPS.find((s) => s.name === "fmadd_s")!;
    for (const k of [-60, 0, 60]) {
      for (const sg of [0, 0x80000000]) {
        const a = [0, (0x3f800800 | sg) >>> 0] as const;
        const b = [0, (((0x66 + k) << 23) | 0x7ff001) >>> 0] as const;
        const c = [0, (((0x7f + k) << 23) | sg) >>> 0] as const;
        cases.push([fma32, { op: "fmadd_s", fpcr: 0, a, b, c }]);
      }
    }
    const res = await oracle().run(cases.map(([, c]) => caseLine(c)));
    const bad: string[] = [];
    cases.forEach(([spec, c], i) => {
      const v = judge(spec, c, res[i]!);
      if (!v.ok) bad.push(`${caseLine(c)}\n    model  ${v.model}\n    qemu   ${v.oracle}`);
    });
    expect(bad.length, `FC_SEED=${SEED} ${bad.length}/${cases.length}\n${bad.slice(0, 5).join("\n")}`).toBe(
      0,
    );
  }, 120_000);
});
