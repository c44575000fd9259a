// The long differential run: `node --conditions=source --import tsx harness/diff-run.mts [cases] [seed]`
// (defaults: 1,000,000 cases, seed 1). Builds the harness, streams cases to one qemu-aarch64 process
// in batches, and prints the agreement with every difference classified.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildUserPrograms, integerDiff, runDiff } from "../src/interp/difftest.js";

const total = Number(process.argv[2] ?? 1_000_000);
const seed = Number(process.argv[3] ?? 1);
const dir = mkdtempSync(join(tmpdir(), "armature-harness-"));
buildUserPrograms(dir, "inherit");
const run = integerDiff(join(dir, "harness"), seed);
const known = new Map<string, number>();
let unexplained = 0;
let identical = 0;
const t0 = Date.now();
await runDiff(
  run,
  total,
  10_000,
  (_c, v) => {
    if (v.kind === "same") identical++;
    else if (v.kind === "known") known.set(v.name, (known.get(v.name) ?? 0) + 1);
    else if (++unexplained <= 10) console.log(`--- unexplained #${unexplained}\n${v.detail}`);
  },
  (done) => {
    if (done % 100_000 === 0 || done === total) {
      console.log(
        `${done} cases, ${((Date.now() - t0) / 1000).toFixed(0)} s: identical ${identical}, unexplained ${unexplained}`,
      );
    }
  },
);
run.qemu.close();
console.log(`encodings drawn from: ${run.entries}`);
console.log(`identical: ${identical}/${total} (${((100 * identical) / total).toFixed(4)} %)`);
console.log(`documented QEMU deviations: ${JSON.stringify(Object.fromEntries(known))}`);
console.log(`unexplained: ${unexplained} (${((100 * unexplained) / total).toFixed(4)} %)`);
