/** Long fuzz run: `pnpm --filter @armature/smmu fuzz:long [cases] [seed]`. Exits 1 on any host exception. */
import { runFuzz } from "../src/test/fuzz.js";

const cases = Number(process.argv[2] ?? 1_000_000);
const seed = Number(process.argv[3] ?? (Date.now() ^ (Math.random() * 2 ** 32)) >>> 0);
const t0 = Date.now();
let total = 0;
let ok = 0;
let events = 0;
const batch = 10_000;
for (let done = 0, s = seed; done < cases; done += batch, s = (s * 1103515245 + 12345) >>> 0) {
  const r = runFuzz(s, Math.min(batch, cases - done));
  total += r.cases;
  ok += r.ok;
  events += r.events;
  if (r.exceptions > 0) {
    console.error(`seed ${s}: ${r.exceptions} host exceptions\n${r.firstError}`);
    process.exit(1);
  }
}
console.log(
  `smmu fuzz: ${total} cases from seed ${seed}, 0 host exceptions, ${ok} translations ok, ${events} events, ${((Date.now() - t0) / 1000).toFixed(1)} s`,
);
