// Malformed blobs: mutations and truncations of valid DTBs give an FdtParseError and nothing else.
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { serializeDtb } from "./dtb.js";
import { FdtParseError } from "./errors.js";
import { parseDtb } from "./parse.js";
import { dtc, pool, randomTree, requireDtc } from "./test/arb.js";
import { applyMutations, mutation } from "./test/mutate.js";
import { fdtDifference } from "./tree.js";

const RUNS = Number(process.env.FC_MUTATION_RUNS ?? 100_000);
const DTC_RUNS = Number(process.env.FC_DTC_MUTANTS ?? 400);
const SEED = Number(process.env.FC_SEED ?? Date.now() % 0x7fffffff);

const bases = fc
  .sample(randomTree, { numRuns: 48, seed: 12345 })
  .map((t) => serializeDtb(t.root, { reservations: t.reservations }));
const mutant = fc
  .record({
    base: fc.integer({ min: 0, max: bases.length - 1 }),
    ms: fc.array(mutation, { minLength: 1, maxLength: 3 }),
  })
  .map(({ base, ms }) => applyMutations(bases[base]!, ms));

/** parse; returns the result or the typed error; rethrows anything else. */
function tryParse(b: Uint8Array, strict: boolean): ReturnType<typeof parseDtb> | FdtParseError {
  try {
    return parseDtb(b, { strict });
  } catch (e) {
    if (e instanceof FdtParseError) return e;
    throw e;
  }
}

describe("parser robustness", () => {
  it(`${RUNS} mutated/truncated blobs give only FdtParseError (strict and structural modes)`, () => {
    const counts = { rejected: 0, accepted: 0 };
    const kinds = new Map<string, number>();
    fc.assert(
      fc.property(mutant, (b) => {
        const r = tryParse(b, true);
        tryParse(b, false);
        if (r instanceof FdtParseError) {
          counts.rejected++;
          kinds.set(r.kind, (kinds.get(r.kind) ?? 0) + 1);
          return;
        }
        counts.accepted++;
        // An accepted blob is a valid tree: it serializes and parses back to the same tree.
        const again = parseDtb(serializeDtb(r.root, { reservations: r.reservations }));
        expect(fdtDifference(r.root, again.root)).toBeUndefined();
      }),
      { numRuns: RUNS, seed: SEED },
    );
    console.log(
      `mutations (seed ${SEED}): ${counts.rejected} rejected, ${counts.accepted} accepted;`,
      Object.fromEntries([...kinds].sort()),
    );
    expect(counts.rejected + counts.accepted).toBe(RUNS);
  }, 120_000);

  it("every truncation of every base blob is rejected", () => {
    let n = 0;
    for (const b of bases.slice(0, 8))
      for (let len = 0; len < b.length; len++) {
        const r = tryParse(b.subarray(0, len), true);
        expect(r).toBeInstanceOf(FdtParseError);
        n++;
      }
    expect(n).toBeGreaterThan(1000);
  });
});

describe("whatever dtc rejects, we reject", () => {
  beforeAll(requireDtc);
  it(`${DTC_RUNS} mutants through dtc -I dtb -O dtb`, async () => {
    const ms = fc.sample(mutant, { numRuns: DTC_RUNS, seed: SEED });
    const c = { bothReject: 0, bothAccept: 0, onlyWeReject: 0, onlyDtcRejects: 0, treeDiff: 0 };
    const bad: string[] = [];
    const stricter = new Map<string, number>();
    await pool(ms, 4, async (b, i) => {
      const ours = tryParse(b, true);
      const theirs = await dtc(["-q", "-I", "dtb", "-O", "dtb"], b);
      if (theirs.status !== 0 && ours instanceof FdtParseError) c.bothReject++;
      else if (theirs.status !== 0) {
        c.onlyDtcRejects++;
        bad.push(`mutant #${i} (FC_SEED=${SEED}): dtc says ${theirs.stderr.trim()} but we accept`);
      } else if (ours instanceof FdtParseError) {
        c.onlyWeReject++;
        stricter.set(ours.kind, (stricter.get(ours.kind) ?? 0) + 1);
      } else {
        c.bothAccept++;
        const d = fdtDifference(ours.root, parseDtb(new Uint8Array(theirs.stdout), { strict: false }).root);
        if (d) {
          c.treeDiff++;
          bad.push(`mutant #${i} (FC_SEED=${SEED}): dtc reads another tree: ${d}`);
        }
      }
    });
    console.log(
      `dtc on ${DTC_RUNS} mutants (seed ${SEED}):`,
      c,
      "we alone reject:",
      Object.fromEntries(stricter),
    );
    expect(bad.slice(0, 5)).toEqual([]);
    expect(c.bothReject).toBeGreaterThan(0);
  }, 180_000);
});
