// One process's use of the code cache (a fresh V8 isolate: no in-memory compilation cache),
// for code-cache.test.ts: node --import tsx code-cache-child.ts FILE KEY DIR|off save|nosave|refresh
// (refresh: a hit rewrites the cache at exit when this run compiled more).
import { runWithCodeCache } from "../code-cache.js";

const [file, key, dir, save] = process.argv.slice(2) as [string, string, string, string];
const r = runWithCodeCache(file, key, {
  dir: dir === "off" ? null : dir,
  saveOnExit: false,
  ...(save === "refresh" ? { refreshOnExit: () => true } : {}),
});
if (save === "save") r.save();
process.stdout.write(`${r.state}\n`);
