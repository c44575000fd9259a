// The long FP/AdvSIMD/crypto differential run:
//   node --conditions=source --import tsx scripts/simd-diff.mts [cases=1000000] [seed=1] [filter-regex]
// Streams cases to one qemu-aarch64 process, runs each in our interpreter, prints per-class
// agreement (X, V, FPSR incl. QC, NZCV, fault signal, memory) and the first differences per entry.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runDiff } from "../src/test/difftest.js";
import { buildSimdHarness, simdDiff } from "../src/test/difftest-simd.js";

const total = Number(process.argv[2] ?? 1_000_000);
const seed = Number(process.argv[3] ?? 1);
const filter = process.argv[4] ? new RegExp(process.argv[4]) : null;
const harness = buildSimdHarness(mkdtempSync(join(tmpdir(), "armature-simd-")));
const run = simdDiff(harness, seed, filter ? (id, ic) => filter.test(id) || filter.test(ic) : undefined);
const perClass = new Map<string, { n: number; ok: number; known: number }>();
const firstDiff = new Map<string, string>();
const diffCount = new Map<string, number>();
const tally = await runDiff(
  run,
  total,
  2000,
  (k, v) => {
    const s = perClass.get(k.iclass) ?? { n: 0, ok: 0, known: 0 };
    s.n++;
    if (v.kind === "same") s.ok++;
    else if (v.kind === "known") s.known++;
    else {
      diffCount.set(k.id, (diffCount.get(k.id) ?? 0) + 1);
      if (!firstDiff.has(k.id)) {
        const st = new DataView(k.state.buffer);
        firstDiff.set(
          k.id,
          `${k.word.toString(16).padStart(8, "0")} fpcr=${st.getUint32(248, true).toString(16)} ${v.detail}`,
        );
      }
    }
    perClass.set(k.iclass, s);
  },
  (t) => {
    if (t.cases % 100_000 === 0) process.stderr.write(`${t.cases} cases, ${t.seconds.toFixed(0)} s\n`);
  },
);
run.qemu.close();
console.log("| class | cases | identical | documented | agreement incl. documented % |");
console.log("| --- | ---: | ---: | ---: | ---: |");
for (const [c, s] of [...perClass].sort()) {
  console.log(`| ${c} | ${s.n} | ${s.ok} | ${s.known} | ${((100 * (s.ok + s.known)) / s.n).toFixed(3)} |`);
}
const { cases: n, identical: ok, known: knownCount, seconds: secs } = tally;
const kn = n - ok - tally.differences;
console.log(
  `\nOverall: ${ok}/${n} identical (${((100 * ok) / n).toFixed(4)} %), ${kn} documented differences ` +
    `(${[...knownCount].map(([k, v]) => `${k} ${v}`).join(", ") || "none"}), ` +
    `agreement incl. documented ${((100 * (ok + kn)) / n).toFixed(4)} %, ${secs.toFixed(1)} s, seed ${seed}`,
);
for (const [id, d] of [...firstDiff].sort()) console.log(`DIFF ${id} x${diffCount.get(id)}: ${d}`);
