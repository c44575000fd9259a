// The long differential run: `node --conditions=source --import tsx harness/diff-run.mts [cases] [seed]`
// (defaults: 1,000,000 cases, seed 1). Builds the harness, streams cases to one qemu-aarch64 process
// in batches, and prints the agreement with every difference classified.
import { execFileSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  describeDiff,
  generatorEntries,
  knownDifference,
  LocalOracle,
  QemuOracle,
  Rng,
  randomCase,
  sameResult,
} from "../src/interp/difftest.js";

const total = Number(process.argv[2] ?? 1_000_000);
const seed = Number(process.argv[3] ?? 1);
const dir = mkdtempSync(join(tmpdir(), "armature-harness-"));
execFileSync("bash", [join(import.meta.dirname, "build.sh"), dir], { stdio: "inherit" });
const qemu = new QemuOracle(join(dir, "harness"));
const local = new LocalOracle();
const rng = new Rng(seed);
const entries = generatorEntries();
const known = new Map<string, number>();
let unexplained = 0;
let identical = 0;
const t0 = Date.now();
for (let done = 0; done < total; ) {
  const n = Math.min(10_000, total - done);
  const cases = Array.from({ length: n }, () => randomCase(rng, entries));
  const theirs = await qemu.run(cases);
  cases.forEach((c, i) => {
    const ours = local.run(c);
    if (sameResult(ours, theirs[i]!)) {
      identical++;
      return;
    }
    const k = knownDifference(c, ours, theirs[i]!);
    if (k !== null) known.set(k, (known.get(k) ?? 0) + 1);
    else if (++unexplained <= 10)
      console.log(`--- unexplained #${unexplained}\n${describeDiff(c, ours, theirs[i]!)}`);
  });
  done += n;
  if (done % 100_000 === 0 || done === total) {
    console.log(
      `${done} cases, ${((Date.now() - t0) / 1000).toFixed(0)} s: identical ${identical}, unexplained ${unexplained}`,
    );
  }
}
qemu.close();
console.log(`encodings drawn from: ${entries.length}`);
console.log(`identical: ${identical}/${total} (${((100 * identical) / total).toFixed(4)} %)`);
console.log(`documented QEMU deviations: ${JSON.stringify(Object.fromEntries(known))}`);
console.log(`unexplained: ${unexplained} (${((100 * unexplained) / total).toFixed(4)} %)`);
