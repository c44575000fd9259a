import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  addPac,
  auth,
  computePac,
  computePacImpdef,
  computePacQarma5,
  computePacQarma5Reference,
  PacAlgorithm,
  PacOut,
  PacRegime,
  pacga,
  strip,
} from "./pauth.js";

const RUNS = Number(process.env.FC_NUM_RUNS ?? 300);
const h = (v: number) => (v >>> 0).toString(16).padStart(8, "0");
const u32 = fc.nat({ max: 0xffffffff });
/** ComputePAC's eight input words: data hi/lo, modifier hi/lo, key0 hi/lo, key1 hi/lo. */
type PacInputs = [number, number, number, number, number, number, number, number];
const pacInputs: fc.Arbitrary<PacInputs> = fc.tuple(u32, u32, u32, u32, u32, u32, u32, u32);

/**
 * The published QARMA-64 test vector (Avanzi, ToSC 2017(1): sigma2, r = 5) as 32-bit halves:
 * P = fb623599da6e8127 (data), T = 477d469dec0b8762 (modifier), w0 = 84be85ce9804e94b,
 * k0 = ec2802d4e0a488e9 (key0, key1).
 */
const QARMA64_VECTOR = [
  0xfb623599, 0xda6e8127, 0x477d469d, 0xec0b8762, 0x84be85ce, 0x9804e94b, 0xec2802d4, 0xe0a488e9,
] as const;

describe("QARMA5 ComputePAC", () => {
  it("matches the published QARMA-64 test vector (Avanzi, ToSC 2017(1): sigma2, r = 5)", () => {
    // P = fb623599da6e8127, T = 477d469dec0b8762, w0 = 84be85ce9804e94b, k0 = ec2802d4e0a488e9.
    // ComputePAC(data = P, modifier = T, key0 = w0, key1 = k0) is that cipher.
    const out = new PacOut();
    computePacQarma5(out, ...QARMA64_VECTOR);
    expect(h(out.hi) + h(out.lo)).toBe("c003b93999b33765");
  });

  it("PACGA keeps the top 32 bits (APGAKeyHi = key0, APGAKeyLo = key1)", () => {
    const out = new PacOut();
    pacga(out, PacAlgorithm.QARMA5, ...QARMA64_VECTOR);
    expect(h(out.hi) + h(out.lo)).toBe("c003b93900000000");
  });

  it("table-driven QARMA5 equals the cell-by-cell ComputePAC transcription", () => {
    const a = new PacOut();
    const b = new PacOut();
    fc.assert(
      fc.property(pacInputs, ([d0, d1, m0, m1, k0, k1, k2, k3]) => {
        computePacQarma5(a, d0, d1, m0, m1, k0, k1, k2, k3);
        computePacQarma5Reference(b, d0, d1, m0, m1, k0, k1, k2, k3);
        expect([a.hi, a.lo]).toEqual([b.hi, b.lo]);
      }),
      { numRuns: RUNS },
    );
  });

  it("is a function of every input (flipping any input bit changes the PAC)", () => {
    const a = new PacOut();
    const b = new PacOut();
    const base = [0x12345678, 0x9abcdef0, 1, 2, 3, 4, 5, 6] as const;
    computePacQarma5(a, ...base);
    for (let arg = 0; arg < 8; arg++) {
      for (const bit of [0, 13, 31]) {
        const v: PacInputs = [...base];
        v[arg] = (v[arg]! ^ (1 << bit)) >>> 0;
        computePacQarma5(b, ...v);
        expect(b.hi !== a.hi || b.lo !== a.lo).toBe(true);
      }
    }
  });
});

function regimeArb(): fc.Arbitrary<PacRegime> {
  return fc
    .record({
      tbi0: fc.boolean(),
      tbi1: fc.boolean(),
      t0sz: fc.integer({ min: 16, max: 39 }),
      t1sz: fc.integer({ min: 16, max: 39 }),
      level: fc.constantFrom(1, 2, 3),
      alg: fc.constantFrom(PacAlgorithm.QARMA5, PacAlgorithm.IMPDEF),
    })
    .map((r) => {
      const rg = new PacRegime();
      rg.tbi0 = r.tbi0;
      rg.tbi1 = r.tbi1;
      rg.t0sz = r.t0sz;
      rg.t1sz = r.t1sz;
      rg.level = r.level as 1 | 2 | 3;
      rg.algorithm = r.alg;
      return rg;
    });
}

/** A canonical pointer for the regime: bits above VA size copy bit 55 (top byte free when TBI). */
function canonical(rg: PacRegime, hi: number, lo: number, upper: boolean): [number, number] {
  const tsz = upper ? rg.t1sz : rg.t0sz;
  const vaBits = 64 - tsz; // bits [vaBits-1:0] are address
  const tbi = upper ? rg.tbi1 : rg.tbi0;
  const topKeep = tbi ? hi & 0xff000000 : 0;
  let H = hi;
  let L = lo;
  for (let b = vaBits; b < 64; b++) {
    if (b < 32) L = upper ? L | (1 << b) : L & ~(1 << b);
    else H = upper ? H | (1 << (b - 32)) : H & ~(1 << (b - 32));
  }
  if (tbi) H = (H & 0x00ffffff) | topKeep;
  return [H >>> 0, L >>> 0];
}

describe("AddPAC / Auth / Strip (ARM ARM semantics)", () => {
  it("Auth(AddPAC(p)) == p and Strip(AddPAC(p)) == p for canonical pointers", () => {
    fc.assert(
      fc.property(
        regimeArb(),
        u32,
        u32,
        fc.boolean(),
        u32,
        u32,
        fc.array(u32, { minLength: 4, maxLength: 4 }),
        fc.boolean(),
        (rg, ph, pl, up, mh, ml, k, data) => {
          const [H, L] = canonical(rg, ph, pl, up);
          const signed = new PacOut();
          addPac(signed, rg, H, L, mh, ml, k[0]!, k[1]!, k[2]!, k[3]!, data);
          const back = new PacOut();
          auth(back, rg, signed.hi, signed.lo, mh, ml, k[0]!, k[1]!, k[2]!, k[3]!, data, 0, false);
          expect([h(back.hi), h(back.lo), back.fault]).toEqual([h(H), h(L), false]);
          strip(back, rg, signed.hi, signed.lo, data);
          expect([h(back.hi), h(back.lo)]).toEqual([h(H), h(L)]);
          // Bits below the PAC field are never touched.
          expect(signed.lo & 0xffffff).toBe(L & 0xffffff);
        },
      ),
      { numRuns: RUNS },
    );
  });

  it("PacOut.good: when AddPAC did not corrupt the PAC, Auth of its result gives p back, no fault", () => {
    let good = 0;
    let bad = 0;
    fc.assert(
      fc.property(
        regimeArb(),
        fc.record({ tbid0: fc.boolean(), tbid1: fc.boolean(), oneRange: fc.boolean(), fpac: fc.nat(2) }),
        u32,
        u32,
        fc.boolean(),
        fc.nat(64),
        u32,
        u32,
        fc.array(u32, { minLength: 4, maxLength: 4 }),
        fc.boolean(),
        fc.constantFrom(0 as const, 1 as const),
        fc.boolean(),
        (rg, more, ph, pl, up, flip, mh, ml, k, data, keyNumber, combined) => {
          rg.tbid0 = more.tbid0;
          rg.tbid1 = more.tbid1;
          rg.twoRanges = !more.oneRange;
          rg.fpac = more.fpac > 0;
          rg.fpacCombined = more.fpac > 1;
          let [H, L] = canonical(rg, ph, pl, up);
          // one bit flipped (or none, flip >= 64): non-canonical pointers and different tops
          if (flip < 32) L ^= 1 << flip;
          else if (flip < 64) H ^= 1 << (flip - 32);
          H >>>= 0;
          L >>>= 0;
          const signed = new PacOut();
          addPac(signed, rg, H, L, mh, ml, k[0]!, k[1]!, k[2]!, k[3]!, data);
          const back = new PacOut();
          auth(back, rg, signed.hi, signed.lo, mh, ml, k[0]!, k[1]!, k[2]!, k[3]!, data, keyNumber, combined);
          if (signed.good) {
            good++;
            expect([h(back.hi), h(back.lo), back.fault]).toEqual([h(H), h(L), false]);
          } else bad++;
        },
      ),
      { numRuns: RUNS * 3 },
    );
    expect(good).toBeGreaterThan(RUNS / 2);
    expect(bad).toBeGreaterThan(RUNS / 10);
  });

  it("a wrong modifier poisons the pointer with the key's error code (PAuth) or faults (FPAC)", () => {
    const k = [0x01234567, 0x89abcdef, 0xfedcba98, 0x76543210] as const;
    const rg = new PacRegime();
    rg.t0sz = 25;
    const signed = new PacOut();
    const out = new PacOut();
    let poisoned = 0;
    for (let i = 0; i < 64; i++) {
      addPac(signed, rg, 0x0000007f, 0xfff01230 + i * 16, 0, i, ...k, false);
      auth(out, rg, signed.hi, signed.lo, 0, i + 1, ...k, false, 1, false);
      // error_code for key B (keynumber 1) = '10' at bits 62:61 (no TBI)
      if (out.hi >>> 29 === 0b010 && out.lo === (0xfff01230 + i * 16) >>> 0) poisoned++;
    }
    // A 2^-k chance per try of a matching PAC; with 25 PAC bits none should match.
    expect(poisoned).toBe(64);
    rg.level = 3;
    rg.fpac = true;
    addPac(signed, rg, 0x0000007f, 0xfff01230, 0, 7, ...k, false);
    auth(out, rg, signed.hi, signed.lo, 0, 8, ...k, false, 0, false);
    expect(out.fault).toBe(true);
    auth(out, rg, signed.hi, signed.lo, 0, 7, ...k, false, 0, false);
    expect(out.fault).toBe(false);
    expect([out.hi, out.lo >>> 0]).toEqual([0x7f, 0xfff01230]);
  });

  it("PAuth (level 1) flips PAC<top_bit-1> for a non-canonical pointer, so Auth fails", () => {
    const rg = new PacRegime();
    rg.t0sz = 16;
    const s = new PacOut();
    const a = new PacOut();
    addPac(s, rg, 0x00010000, 0x1000, 0, 0, 1, 2, 3, 4, false); // bit 48 set: not canonical
    auth(a, rg, s.hi, s.lo, 0, 0, 1, 2, 3, 4, false, 0, false);
    expect(a.hi >>> 29).toBe(0b001); // error code '01' for key A
  });

  it("IMPDEF PAC avalanches: each of the 256 input bits flips about half of the 64 output bits", () => {
    const base = new PacOut();
    const o = new PacOut();
    const rnd = fc.sample(pacInputs, { numRuns: 20, seed: 7 });
    let flips = 0;
    let trials = 0;
    let minFlips = 64;
    for (const args of rnd) {
      computePacImpdef(base, ...args);
      for (let word = 0; word < 8; word++) {
        for (let bit = 0; bit < 32; bit++) {
          const w: PacInputs = [...args];
          w[word] = (w[word]! ^ (1 << bit)) >>> 0;
          computePacImpdef(o, ...w);
          let d = 0;
          for (let x = (o.hi ^ base.hi) >>> 0; x; x &= x - 1) d++;
          for (let x = (o.lo ^ base.lo) >>> 0; x; x &= x - 1) d++;
          flips += d;
          trials++;
          minFlips = Math.min(minFlips, d);
        }
      }
    }
    expect(minFlips).toBeGreaterThan(8);
    expect(flips / trials).toBeGreaterThan(28);
    expect(flips / trials).toBeLessThan(36);
  });

  it("IMPDEF PAC differs from QARMA5 and depends on the key", () => {
    const q = new PacOut();
    const i1 = new PacOut();
    const i2 = new PacOut();
    computePacQarma5(q, 1, 2, 3, 4, 5, 6, 7, 8);
    computePacImpdef(i1, 1, 2, 3, 4, 5, 6, 7, 8);
    computePacImpdef(i2, 1, 2, 3, 4, 5, 6, 7, 9);
    expect([q.hi, q.lo]).not.toEqual([i1.hi, i1.lo]);
    expect([i1.hi, i1.lo]).not.toEqual([i2.hi, i2.lo]);
  });
});

const memoGot = new PacOut();
const memoWant = new PacOut();
/** computePac (through its memo) gives what the algorithm computes when called directly. */
function memoAgrees(alg: PacAlgorithm, inputs: PacInputs): boolean {
  computePac(memoGot, alg, ...inputs);
  if (alg === PacAlgorithm.QARMA5) computePacQarma5(memoWant, ...inputs);
  else computePacImpdef(memoWant, ...inputs);
  return memoGot.hi === memoWant.hi && memoGot.lo === memoWant.lo;
}

describe("ComputePAC memo", () => {
  it("returns what each algorithm computes, for repeated, colliding and alternating inputs", () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(pacInputs, fc.boolean()), { minLength: 1, maxLength: 40 }), (calls) => {
        // each call twice (the second from the memo), then the whole list again in reverse
        for (const [w, q] of [...calls, ...calls, ...[...calls].reverse()]) {
          const alg = q ? PacAlgorithm.QARMA5 : PacAlgorithm.IMPDEF;
          for (let rep = 0; rep < 2; rep++) if (!memoAgrees(alg, w)) return false;
        }
        return true;
      }),
      { numRuns: RUNS },
    );
  });

  it("inputs differing in one bit of one word, in the same memo slot, do not share entries", () => {
    const base: PacInputs = [
      0xffff8000, 0x10203040, 0xffff8000, 0x7ffe0, 0x11111111, 0x22222222, 0x33333333, 0x44444444,
    ];
    for (let word = 0; word < 8; word++) {
      for (let bit = 0; bit < 32; bit++) {
        const v: PacInputs = [...base];
        v[word] = (v[word]! ^ (1 << bit)) >>> 0;
        // the base inputs fill the slot; the changed ones must miss it (or land in another slot)
        for (const w of [base, v, base])
          expect(memoAgrees(PacAlgorithm.IMPDEF, w), `word ${word} bit ${bit}: ${w.join(",")}`).toBe(true);
      }
    }
  });
});
