import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { qemuDivergent, runPacOracle } from "../test/pac-oracle.js";
import { addPac, auth, PacAlgorithm, PacOut, PacRegime, pacga, strip } from "./pauth.js";

// Independent oracle: the real instructions at EL1 in qemu-system-aarch64 -M virt -cpu max
// (FEAT_PAuth with QARMA5, FEAT_TTST), keys and TCR_EL1 set per case by oracle/pac_baremetal.c.
const RUNS = Number(process.env.FC_NUM_RUNS ?? 300);
const SEED = Number(process.env.FC_SEED ?? Date.now() % 1_000_000);

interface PCase {
  ptr: bigint;
  mod: bigint;
  klo: bigint;
  khi: bigint;
  t0sz: number;
  t1sz: number;
  tbi0: boolean;
  tbi1: boolean;
  tbid0: boolean;
  tbid1: boolean;
}
const u64 = fc.bigInt({ min: 0n, max: (1n << 64n) - 1n });
const M64 = (1n << 64n) - 1n;
const ptrArb = fc.oneof(
  u64,
  fc.bigInt({ min: 0n, max: (1n << 48n) - 1n }),
  fc.bigInt({ min: 0n, max: (1n << 40n) - 1n }).map((v) => M64 ^ v),
  fc
    .tuple(fc.bigInt({ min: 0n, max: 255n }), fc.bigInt({ min: 0n, max: (1n << 39n) - 1n }), fc.boolean())
    .map(([top, low, up]) => (top << 56n) | (up ? ((1n << 56n) - 1n) ^ low : low)),
);
const caseArb: fc.Arbitrary<PCase> = fc.record({
  ptr: ptrArb,
  mod: u64,
  klo: u64,
  khi: u64,
  t0sz: fc.oneof(fc.integer({ min: 16, max: 39 }), fc.integer({ min: 10, max: 50 })),
  t1sz: fc.oneof(fc.integer({ min: 16, max: 39 }), fc.integer({ min: 10, max: 50 })),
  tbi0: fc.boolean(),
  tbi1: fc.boolean(),
  tbid0: fc.boolean(),
  tbid1: fc.boolean(),
});

function tcr(c: PCase): bigint {
  return (
    BigInt(c.t0sz) |
    (BigInt(c.t1sz) << 16n) |
    (2n << 30n) | // TG1 = 4K (TG0 = 0 = 4K)
    (c.tbi0 ? 1n << 37n : 0n) |
    (c.tbi1 ? 1n << 38n : 0n) |
    (c.tbid0 ? 1n << 51n : 0n) |
    (c.tbid1 ? 1n << 52n : 0n)
  );
}

describe("PAuth vs qemu-system-aarch64 -cpu max at EL1 (QARMA5)", () => {
  it("PACIA, PACDB, AUTIA (good / wrong modifier), AUTDB, XPACI and PACGA match bit-exactly", () => {
    const cases = fc.sample(caseArb, { numRuns: RUNS, seed: SEED });
    const lines = runPacOracle(cases.map((c) => ({ ...c, tcr: tcr(c) })));
    expect(lines.at(-1)).toBe("END");
    const isar1 = BigInt(`0x${lines[0]!.split(" ")[0]}`);
    expect((isar1 >> 4n) & 15n).toBe(1n); // APA = 1: FEAT_PAuth, QARMA5, no EPAC/PAuth2
    const rg = new PacRegime();
    rg.level = 1;
    rg.algorithm = PacAlgorithm.QARMA5;
    rg.tszMax = 48; // FEAT_TTST (ID_AA64MMFR2_EL1.ST = 1) with the 4K granule
    const o = new PacOut();
    const hi = (v: bigint) => Number(v >> 32n);
    const lo = (v: bigint) => Number(v & 0xffffffffn);
    const big = (p: PacOut) => (BigInt(p.hi) << 32n) | BigInt(p.lo >>> 0);
    const bad: string[] = [];
    let documented = 0;
    let compared = 0;
    cases.forEach((c, i) => {
      const t = tcr(c);
      rg.setFromTcrTwoRanges(Number(t >> 32n), Number(t & 0xffffffffn));
      const k = [hi(c.khi), lo(c.khi), hi(c.klo), lo(c.klo)] as const;
      const r: bigint[] = [];
      addPac(o, rg, hi(c.ptr), lo(c.ptr), hi(c.mod), lo(c.mod), ...k, false);
      r.push(big(o));
      addPac(o, rg, hi(c.ptr), lo(c.ptr), hi(c.mod), lo(c.mod), ...k, true);
      r.push(big(o));
      const m2 = c.mod ^ 1n;
      auth(o, rg, hi(r[0]!), lo(r[0]!), hi(c.mod), lo(c.mod), ...k, false, 0, false);
      r.push(big(o));
      auth(o, rg, hi(r[0]!), lo(r[0]!), hi(m2), lo(m2), ...k, false, 0, false);
      r.push(big(o));
      auth(o, rg, hi(r[1]!), lo(r[1]!), hi(c.mod), lo(c.mod), ...k, true, 1, false);
      r.push(big(o));
      strip(o, rg, hi(r[0]!), lo(r[0]!), false);
      r.push(big(o));
      pacga(o, PacAlgorithm.QARMA5, hi(c.ptr), lo(c.ptr), hi(c.mod), lo(c.mod), ...k);
      r.push(big(o));
      // Documented divergence: for a pointer whose bit 55 differs from bit 63 without effective TBI
      // (not canonical), the ARM ARM takes the PAC field size and extension from selbit = ptr<63>
      // (AddPAC, CalculateBottomPACBit(selbit)); QEMU 7.2 uses the range picked by ptr<55>. The
      // model follows the ARM ARM; such results are excluded, PACGA is always compared.
      const skip = qemuDivergent({ ...c, tcr: t });
      const q = lines[i + 1]!.split(" ");
      if (skip.some((x) => x)) documented++;
      const model = r.map((v, j) => (skip[j] ? "-" : v.toString(16).padStart(16, "0"))).join(" ");
      const qemu = q.map((v, j) => (skip[j] ? "-" : v)).join(" ");
      compared++;
      if (model !== qemu)
        bad.push(
          `${JSON.stringify(c, (_, v) => (typeof v === "bigint" ? v.toString(16) : v))}\n  model ${model}\n  qemu  ${qemu}`,
        );
    });
    console.info(
      `PAuth oracle: ${compared} cases, ${documented} with the documented non-canonical divergence`,
    );
    expect(compared).toBe(cases.length);
    expect(documented).toBeLessThan(cases.length / 2);
    expect(bad.length, `FC_SEED=${SEED} ${bad.length}/${cases.length}\n${bad.slice(0, 5).join("\n")}`).toBe(
      0,
    );
  }, 120_000);
});
