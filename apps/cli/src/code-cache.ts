// V8's code cache for the CLI's bundle (Node 20 has no module compile cache; Node 22's
// module.enableCompileCache does the same for ES modules): the bundle is compiled through
// vm.Script with the bytecode a previous run of the same command left, and a run without a
// usable cache leaves one when it exits (createCachedData then also holds every function that run
// compiled, e.g. the interpreter's). `armature run` to the kernel's first line: ~80 ms less CPU.

import { isAscii } from "node:buffer";
import { createHash } from "node:crypto";
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { homedir } from "node:os";
import { dirname, join } from "node:path";
import { Script } from "node:vm";

/** Where the cache lives, or undefined when it is off (ARMATURE_CODE_CACHE=off, or no home). */
export function codeCacheDir(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const v = env.ARMATURE_CODE_CACHE;
  if (v === "off" || v === "0") return undefined;
  if (v !== undefined && v !== "") return v;
  const xdg = env.XDG_CACHE_HOME;
  if (xdg !== undefined && xdg !== "") return join(xdg, "armature");
  let home: string;
  try {
    home = homedir();
  } catch {
    return undefined;
  }
  return home === "" ? undefined : join(home, ".cache", "armature");
}

export interface CodeCacheRun {
  /** The cache file this run read or will write (undefined: cache off). */
  file: string | undefined;
  /** "hit": V8 took the cached bytecode; "miss": none there; "rejected": V8 refused it; "off". */
  state: "hit" | "miss" | "rejected" | "off";
  /** Write the cache now (what the exit hook does after a miss or a rejected cache). */
  save(): void;
}

/**
 * Run the CommonJS file `path` (as `require` would, with its own require) compiled with the code
 * cache for `key` (e.g. the command name: each command compiles other functions). The cache file
 * is named by a hash of the source, Node's version, the architecture and `key`, so another build
 * never meets a stale cache (V8 only checks the source's length); when a run writes its cache,
 * older ones for the same key are removed. Any failure to read or write the cache only costs the
 * compile time. `opts.dir`: the cache directory (default codeCacheDir(); null: no cache);
 * `opts.saveOnExit`: whether (or for which exit codes) a miss writes the cache at exit;
 * `opts.refreshOnExit`: for which exit codes a hit rewrites it when this run compiled more.
 */
export function runWithCodeCache(
  path: string,
  key: string,
  opts: {
    dir?: string | null;
    saveOnExit?: boolean | ((exitCode: number) => boolean);
    refreshOnExit?: (exitCode: number) => boolean;
  } = {},
): CodeCacheRun {
  const dir = opts.dir === null ? undefined : (opts.dir ?? codeCacheDir());
  // An ASCII file (the bundle is made so: scripts/ascii-bundle.mjs) becomes a one-byte string
  // without UTF-8 decoding (~2 ms less for the 1.9 MB bundle; any other character makes V8 keep
  // the whole source as two-byte), and the hash reads the bytes (~3 ms less than the string).
  const bytes = readFileSync(path);
  const source = bytes.toString(isAscii(bytes) ? "latin1" : "utf8").replace(/^#!.*/, "");
  const wrapped = `(function (exports, require, module, __filename, __dirname) { ${source}\n});`;
  const safeKey = key.replace(/[^A-Za-z0-9_-]/g, "_");
  const hash = createHash("sha256")
    .update(`${process.version} ${process.arch} ${safeKey}\n`)
    .update(bytes)
    .digest("hex")
    .slice(0, 16);
  const file = dir === undefined ? undefined : join(dir, `${safeKey}-${hash}.v8cache`);
  let cached: Buffer | undefined;
  if (file !== undefined) {
    try {
      cached = readFileSync(file);
    } catch {
      cached = undefined;
    }
  }
  const script = new Script(wrapped, {
    filename: path,
    ...(cached === undefined ? {} : { cachedData: cached }),
  });
  const state: CodeCacheRun["state"] =
    file === undefined
      ? "off"
      : cached === undefined
        ? "miss"
        : script.cachedDataRejected
          ? "rejected"
          : "hit";
  const save = () => {
    if (file !== undefined) writeCache(file, safeKey, script);
  };
  const saveOnExit = opts.saveOnExit ?? true;
  if (file !== undefined && state !== "hit" && saveOnExit !== false)
    process.once("exit", (code) => {
      if (saveOnExit === true || saveOnExit(code)) save();
    });
  const refresh = opts.refreshOnExit;
  if (file !== undefined && state === "hit" && refresh !== undefined)
    process.once("exit", (code) => {
      // A cache left by a short run lacks what a long one compiled: replace it when this run's
      // is a tenth bigger.
      if (refresh(code)) writeCache(file, safeKey, script, Math.ceil(cached!.length * 1.1));
    });
  const fn = script.runInThisContext() as (
    exports: unknown,
    require: NodeJS.Require,
    module: { exports: unknown },
    filename: string,
    dirname: string,
  ) => void;
  const module = { exports: {} };
  fn.call(module.exports, module.exports, createRequire(path), module, path, dirname(path));
  return { file, state, save };
}

/**
 * Write the cache atomically (a temporary file renamed) unless it has fewer than `minBytes`, then
 * drop older caches of the key.
 */
function writeCache(file: string, key: string, script: Script, minBytes = 0): void {
  const dir = dirname(file);
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    const data = script.createCachedData();
    if (data.length < minBytes) return;
    mkdirSync(dir, { recursive: true });
    writeFileSync(tmp, data);
    renameSync(tmp, file);
    const name = file.slice(dir.length + 1);
    for (const f of readdirSync(dir))
      if (f !== name && f.startsWith(`${key}-`) && f.endsWith(".v8cache"))
        rmSync(join(dir, f), { force: true });
  } catch {
    try {
      rmSync(tmp, { force: true });
    } catch {
      // Nothing more to do: the next run compiles again.
    }
  }
}
