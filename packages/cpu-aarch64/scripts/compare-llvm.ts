/**
 * Long cross-check against llvm-mc 14 (run by hand: `npx tsx scripts/compare-llvm.ts [WORDS] [PER_ENTRY]`).
 * 1) WORDS fresh uniformly random words (default 1,000,000), 2) PER_ENTRY words generated from every
 * table entry with random fields (default 50), 3) a sweep of the whole MRS/MSR register space.
 * Prints per-region and per-class agreement tables (Markdown) plus sample disagreements.
 */
import { xorshift32 } from "@armature/core/test";
import { decode } from "../src/decoder/decode.js";
import { ENCODINGS } from "../src/decoder/table.js";
import { regionOf } from "../src/disasm/classes.js";
import { disassemble } from "../src/disasm/disasm.js";
import { exceptionFor } from "../src/disasm/exceptions.js";
import { entryWords } from "../src/disasm/gen.js";
import { llvmDisassemble } from "../src/disasm/oracle.js";
import { M1_MODEL } from "../src/model.js";

const WORDS = Number(process.argv[2] ?? 1_000_000);
const PER_ENTRY = Number(process.argv[3] ?? 50);
const SEED = Number(process.env.SEED ?? Date.now() % 2 ** 31) | 0;

const rng = xorshift32;

interface Tally {
  total: number;
  agree: number;
  exception: number;
  llvmValid: number;
}
const hex = (w: number): string => (w >>> 0).toString(16).padStart(8, "0");

function compare(label: string, words: number[], ...keyers: ((w: number) => string)[]): void {
  const t0 = Date.now();
  const ref = llvmDisassemble(words, 50_000);
  keyers.forEach((keyOf, n) => {
    table(n === 0 ? label : `${label} (by class)`, words, ref, keyOf, t0);
  });
}

function table(
  label: string,
  words: number[],
  ref: ReturnType<typeof llvmDisassemble>,
  keyOf: (w: number) => string,
  t0: number,
): void {
  const byKey = new Map<string, Tally>();
  const samples: string[] = [];
  const all: Tally = { total: 0, agree: 0, exception: 0, llvmValid: 0 };
  const unpredictable = { total: 0, agree: 0 };
  words.forEach((w, i) => {
    const k = keyOf(w);
    const t = byKey.get(k) ?? { total: 0, agree: 0, exception: 0, llvmValid: 0 };
    const ours = disassemble(w, M1_MODEL);
    const r = ref[i]!;
    for (const x of [t, all]) {
      x.total++;
      if (r.text !== null) x.llvmValid++;
      if (ours === r.text) x.agree++;
      else if (exceptionFor(w, ours, r.text)) x.exception++;
    }
    if (r.unpredictable) {
      unpredictable.total++;
      if (ours === r.text) unpredictable.agree++;
    }
    if (ours !== r.text && !exceptionFor(w, ours, r.text) && samples.length < 40) {
      samples.push(`${hex(w)} [${k}] ours=${ours} llvm=${r.text}`);
    }
    byKey.set(k, t);
  });
  const pct = (a: number, b: number): string => (b ? ((100 * a) / b).toFixed(3) : "-");
  console.log(
    `\n### ${label}: ${words.length} words, seed ${SEED}, ${((Date.now() - t0) / 1000).toFixed(1)} s\n`,
  );
  console.log(
    `Overall: ${all.agree}/${all.total} identical (${pct(all.agree, all.total)} %), ` +
      `${all.exception} documented exceptions, agreement incl. exceptions ${pct(all.agree + all.exception, all.total)} %; ` +
      `llvm-mc "potentially undefined" words: ${unpredictable.agree}/${unpredictable.total} identical\n`,
  );
  console.log("| class | words | llvm-valid | identical | exceptions | agreement % |");
  console.log("|---|---:|---:|---:|---:|---:|");
  for (const [k, t] of [...byKey].sort((a, b) => a[0].localeCompare(b[0]))) {
    console.log(
      `| ${k} | ${t.total} | ${t.llvmValid} | ${t.agree} | ${t.exception} | ${pct(t.agree + t.exception, t.total)} |`,
    );
  }
  if (samples.length) console.log(`\nDisagreements (first ${samples.length}):\n${samples.join("\n")}`);
}

const next = rng(SEED);
const random: number[] = [];
for (let i = 0; i < WORDS; i++) random.push(next());
const byClass = (w: number): string => {
  const i = decode(w, M1_MODEL);
  return i < 0 ? "(unallocated)" : ENCODINGS[i]!.iclass;
};
compare("Uniformly random words, per top-level region", random, (w) => regionOf(w), byClass);

const perEntry = entryWords(next, PER_ENTRY, M1_MODEL);
compare("Words generated per table entry, per instruction class", perEntry, byClass);

const sysWords: number[] = [];
for (let l = 0; l < 2; l++)
  for (let k = 0; k < 1 << 16; k++) sysWords.push((0xd5000001 | (l << 21) | (k << 5)) >>> 0);
compare("Every MRS/MSR/SYS/SYSL register encoding (Rt=1), per class", sysWords, byClass);
