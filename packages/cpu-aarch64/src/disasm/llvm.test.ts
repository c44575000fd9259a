import { xorshift32 } from "@armature/core/test";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { decode, encode, fieldsOf, matchesEntry } from "../decoder/decode.js";
import { ENCODINGS } from "../decoder/table.js";
import { CORTEX_A72_MODEL, M1_MODEL, modelFromHwcaps } from "../model.js";
import { REGIONS, type Region, regionOf } from "./classes.js";
import { disassemble } from "./disasm.js";
import { exceptionFor } from "./exceptions.js";
import { entryWord, entryWords } from "./gen.js";
import { HWCAP_LLVM_MATTR, LLVM_MATTR, LLVM_MATTR_A72, llvmDisassemble, requireLlvmMc } from "./oracle.js";

/** Regions whose every encoding is in the table (all of them: the whole A64 space is asserted). */
export const COMPLETE_REGIONS: ReadonlySet<Region> = new Set<Region>(REGIONS);

const ALL_FEATURES = {
  name: "all",
  features: new Set(ENCODINGS.flatMap((e) => (e.feature ? [e.feature] : []))),
};
const RUNS = Number(process.env.FC_NUM_RUNS ?? 3);
/** xorshift32 word stream from a fast-check seed (so a failure reports one integer). */
const rng = (seed: number) => xorshift32(seed | 0 || 0x9e3779b9);
const hex = (w: number): string => (w >>> 0).toString(16).padStart(8, "0");

function mismatches(words: number[], onlyComplete: boolean, model = M1_MODEL, mattr = LLVM_MATTR): string[] {
  const ref = llvmDisassemble(words, 20000, mattr);
  const bad: string[] = [];
  words.forEach((w, i) => {
    if (onlyComplete && !COMPLETE_REGIONS.has(regionOf(w))) return;
    const ours = disassemble(w, model);
    const llvm = ref[i]!.text;
    if (ours !== llvm && !exceptionFor(w, ours, llvm)) bad.push(`${hex(w)}: ours=${ours} llvm=${llvm}`);
  });
  return bad;
}

describe("llvm-mc 14 cross-check", () => {
  it("llvm-mc is installed", () => {
    expect(requireLlvmMc()).toBe("llvm-mc");
  });

  it("(a) uniformly random words: verdict and text equal llvm-mc's", () => {
    fc.assert(
      fc.property(fc.integer(), (seed) => {
        const next = rng(seed);
        const words = Array.from({ length: 4000 }, next);
        const bad = mismatches(words, true);
        expect(bad.slice(0, 20)).toEqual([]);
      }),
      { numRuns: RUNS, endOnFailure: true },
    );
  }, 120_000);

  it("(b) words generated per table entry (random and corner fields): verdict and text equal llvm-mc's", () => {
    const perEntry = 4;
    fc.assert(
      fc.property(fc.integer(), (seed) => {
        const next = rng(seed);
        const bad = mismatches(entryWords(next, perEntry, M1_MODEL), false);
        expect(bad.slice(0, 20)).toEqual([]);
      }),
      { numRuns: RUNS, endOnFailure: true },
    );
  }, 120_000);
});

describe("system registers", () => {
  it("(f) every MRS/MSR/SYS/SYSL register encoding: text equals llvm-mc's", () => {
    const words: number[] = [];
    for (let l = 0; l < 2; l++)
      for (let k = 0; k < 1 << 16; k++) words.push((0xd5000001 | (l << 21) | (k << 5)) >>> 0);
    expect(mismatches(words, false).slice(0, 20)).toEqual([]);
  }, 120_000);
});

describe("feature gating is a table of flags", () => {
  it(`(d) Cortex-A72 model: verdict and text equal llvm-mc's with -mattr=${LLVM_MATTR_A72}`, () => {
    fc.assert(
      fc.property(fc.integer(), (seed) => {
        const next = rng(seed);
        const words = entryWords(next, 2);
        for (let k = 0; k < 2000; k++) words.push(next());
        expect(mismatches(words, false, CORTEX_A72_MODEL, LLVM_MATTR_A72).slice(0, 20)).toEqual([]);
      }),
      { numRuns: Math.max(1, Math.ceil(RUNS / 3)), endOnFailure: true },
    );
  }, 120_000);

  it("(e) models built from hwcap subsets: verdict and text equal llvm-mc's with the matching -mattr", () => {
    const subsets = [
      "fp asimd",
      "fp asimd atomics asimdrdm crc32",
      "fp asimd fphp asimdhp dcpop",
      "fp asimd jscvt fcma lrcpc",
      "fp asimd aes pmull sha1 sha2 sha3 sha512",
      "fp asimd asimddp",
      "fp asimd flagm flagm2 frint sb ssbs dit",
      "fp asimd paca pacg ilrcpc lrcpc uscat dcpodp",
      "fp asimd fphp asimdhp asimdfhm",
    ];
    fc.assert(
      fc.property(fc.integer(), fc.constantFrom(...subsets), (seed, hwcaps) => {
        const model = modelFromHwcaps(hwcaps, hwcaps);
        const mattr = [...new Set(hwcaps.split(" ").flatMap((h) => HWCAP_LLVM_MATTR[h] ?? []))].join(",");
        const next = rng(seed);
        const words: number[] = [];
        ENCODINGS.forEach((_, i) => {
          const w = entryWord(i, next, (next() & 1) === 1);
          if (w >= 0) words.push(w);
        });
        expect(mismatches(words, false, model, mattr).slice(0, 20)).toEqual([]);
      }),
      { numRuns: Math.max(2, RUNS), endOnFailure: true },
    );
  }, 120_000);
});

describe("encoding round trip", () => {
  it("(c) decode -> fields -> encode gives the same word", () => {
    fc.assert(
      fc.property(fc.nat({ max: ENCODINGS.length - 1 }), fc.nat({ max: 0xffffffff }), (i, r) => {
        const s = ENCODINGS[i]!;
        const w = ((r & ~s.mask) | s.bits) >>> 0;
        fc.pre(matchesEntry(i, w));
        const j = decode(w, ALL_FEATURES);
        expect(j).toBeGreaterThanOrEqual(0);
        const id = ENCODINGS[j]!.id;
        expect(encode(id, fieldsOf(j, w))).toBe(w);
      }),
      { numRuns: Math.max(2000, RUNS * 1000) },
    );
  });
});
