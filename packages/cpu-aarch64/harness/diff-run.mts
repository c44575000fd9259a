// The long differential run: `node --conditions=source --import tsx harness/diff-run.mts [cases] [seed]`
// (defaults: 1,000,000 cases, seed 1). Builds the harness, streams cases to one qemu-aarch64 process
// in batches, and prints the agreement with every difference classified.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildUserPrograms, integerDiff, runDiff } from "../src/test/difftest.js";

const total = Number(process.argv[2] ?? 1_000_000);
const seed = Number(process.argv[3] ?? 1);
const dir = mkdtempSync(join(tmpdir(), "armature-harness-"));
buildUserPrograms(dir, "inherit");
const run = integerDiff(join(dir, "harness"), seed);
let shown = 0;
const tally = await runDiff(
  run,
  total,
  10_000,
  (_c, v) => {
    if (v.kind === "diff" && ++shown <= 10) console.log(`--- unexplained #${shown}\n${v.detail}`);
  },
  (t) => {
    if (t.cases % 100_000 === 0 || t.cases === total) {
      console.log(
        `${t.cases} cases, ${t.seconds.toFixed(0)} s: identical ${t.identical}, unexplained ${t.differences}`,
      );
    }
  },
);
run.qemu.close();
const { identical, known, differences } = tally;
console.log(`encodings drawn from: ${run.entries}`);
console.log(`identical: ${identical}/${total} (${((100 * identical) / total).toFixed(4)} %)`);
console.log(`documented QEMU deviations: ${JSON.stringify(Object.fromEntries(known))}`);
console.log(`unexplained: ${differences} (${((100 * differences) / total).toFixed(4)} %)`);
