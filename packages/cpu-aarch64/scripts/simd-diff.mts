// The long FP/AdvSIMD/crypto differential run:
//   node --conditions=source --import tsx scripts/simd-diff.mts [cases=1000000] [seed=1] [filter-regex]
// Streams cases to one qemu-aarch64 process, runs each in our interpreter, prints per-class
// agreement (X, V, FPSR incl. QC, NZCV, fault signal, memory) and the first differences per entry.
import {
  buildSimdHarness,
  compareSimd,
  knownSimdDifference,
  LocalSimdOracle,
  QemuSimdOracle,
  Rng,
  randomSimdCase,
  simdEntries,
} from "../src/interp/simd/difftest-simd.js";

const total = Number(process.argv[2] ?? 1_000_000);
const seed = Number(process.argv[3] ?? 1);
const filter = process.argv[4] ? new RegExp(process.argv[4]) : null;
const qemu = new QemuSimdOracle(buildSimdHarness());
const local = new LocalSimdOracle();
const rng = new Rng(seed);
const entries = simdEntries(filter ? (id, ic) => filter.test(id) || filter.test(ic) : undefined);
const perClass = new Map<string, { n: number; ok: number; known: number }>();
const knownCount = new Map<string, number>();
const firstDiff = new Map<string, string>();
const diffCount = new Map<string, number>();
const t0 = Date.now();
const BATCH = 2000;
for (let done = 0; done < total; ) {
  const n = Math.min(BATCH, total - done);
  const cases = Array.from({ length: n }, () => randomSimdCase(rng, entries));
  const theirs = await qemu.run(cases);
  for (let i = 0; i < n; i++) {
    const k = cases[i]!;
    const ours = local.run(k);
    const why = compareSimd(ours, theirs[i]!, k.flags !== 0);
    const s = perClass.get(k.iclass) ?? { n: 0, ok: 0, known: 0 };
    s.n++;
    const known = why === null ? null : knownSimdDifference(k, ours, theirs[i]!);
    if (why === null) s.ok++;
    else if (known !== null) {
      s.known++;
      knownCount.set(known, (knownCount.get(known) ?? 0) + 1);
    } else {
      diffCount.set(k.id, (diffCount.get(k.id) ?? 0) + 1);
      if (!firstDiff.has(k.id)) {
        const st = new DataView(k.state.buffer);
        firstDiff.set(
          k.id,
          `${k.word.toString(16).padStart(8, "0")} fpcr=${st.getUint32(248, true).toString(16)} ${why}`,
        );
      }
    }
    perClass.set(k.iclass, s);
  }
  done += n;
  if (done % 100_000 === 0)
    process.stderr.write(`${done} cases, ${((Date.now() - t0) / 1000).toFixed(0)} s\n`);
}
qemu.close();
const secs = (Date.now() - t0) / 1000;
let n = 0;
let ok = 0;
let kn = 0;
console.log("| class | cases | identical | documented | agreement incl. documented % |");
console.log("| --- | ---: | ---: | ---: | ---: |");
for (const [c, s] of [...perClass].sort()) {
  n += s.n;
  ok += s.ok;
  kn += s.known;
  console.log(`| ${c} | ${s.n} | ${s.ok} | ${s.known} | ${((100 * (s.ok + s.known)) / s.n).toFixed(3)} |`);
}
console.log(
  `\nOverall: ${ok}/${n} identical (${((100 * ok) / n).toFixed(4)} %), ${kn} documented differences ` +
    `(${[...knownCount].map(([k, v]) => `${k} ${v}`).join(", ") || "none"}), ` +
    `agreement incl. documented ${((100 * (ok + kn)) / n).toFixed(4)} %, ${secs.toFixed(1)} s, seed ${seed}`,
);
for (const [id, d] of [...firstDiff].sort()) console.log(`DIFF ${id} x${diffCount.get(id)}: ${d}`);
