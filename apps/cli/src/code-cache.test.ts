import { isAscii } from "node:buffer";
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { codeCacheDir } from "./code-cache.js";

const HERE = dirname(fileURLToPath(import.meta.url));
/** The `armature` bin (package.json) and the bundle it runs. */
const MAIN = join(HERE, "..", "dist", "main.cjs");
const BUNDLE = join(HERE, "..", "dist", "entry.cjs");
const CHILD = join(HERE, "test", "code-cache-child.ts");
const dirs: string[] = [];
function tmp(): string {
  const d = mkdtempSync(join(tmpdir(), "armature-cc-"));
  dirs.push(d);
  return d;
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** A CommonJS file that prints what it is (`tag`), its __filename and a require()d module's work. */
function script(dir: string, name: string, tag: string): string {
  const p = join(dir, name);
  const fns = Array.from({ length: 400 }, (_, i) => `function f${i}(x) { return x * ${i} + 1; }`).join("\n");
  // With CC_MORE set, the run calls (so compiles) every function: its cache is bigger.
  writeFileSync(
    p,
    `#!/usr/bin/env node\n${fns}\nconst path = require("node:path");\n` +
      `if (process.env.CC_MORE) for (let i = 0; i < 400; i++) eval("f" + i)(i);\n` +
      `process.stdout.write("${tag} " + path.basename(__filename) + " " + f7(2) + "\\n");\n`,
  );
  return p;
}

/** Run `file` through the cache in a new process: [what the file printed, the cache state]. */
function run(
  file: string,
  key: string,
  dir: string | null,
  save: boolean | "refresh",
  env: NodeJS.ProcessEnv = {},
): [string, string] {
  const how = save === "refresh" ? "refresh" : save ? "save" : "nosave";
  const out = execFileSync(process.execPath, ["--import", "tsx", CHILD, file, key, dir ?? "off", how], {
    encoding: "utf8",
    cwd: HERE,
    env: { ...process.env, ...env },
  });
  const lines = out.trim().split("\n");
  return [lines[0]!, lines[1]!];
}

/** Script A run once with saving on: the script, its cache directory and the cache file written. */
function savedRun(): { p: string; cache: string; file: string } {
  const cache = tmp();
  const p = script(tmp(), "a.cjs", "A");
  run(p, "run", cache, true);
  const [name] = readdirSync(cache);
  return { p, cache, file: join(cache, name!) };
}

describe("code cache (each run in its own process)", () => {
  it("a miss runs the file and saves; the next run is a hit and runs the same code", () => {
    const cache = join(tmp(), "sub");
    const p = script(tmp(), "a.cjs", "A");
    expect(run(p, "run", cache, true)).toEqual(["A a.cjs 15", "miss"]);
    expect(readdirSync(cache)).toEqual([expect.stringMatching(/^run-[0-9a-f]{16}\.v8cache$/)]);
    expect(run(p, "run", cache, false)).toEqual(["A a.cjs 15", "hit"]);
  }, 30_000);

  it("another source of the same length never meets the first one's cache (V8 checks only the length)", () => {
    const src = tmp();
    const cache = tmp();
    const a = script(src, "a.cjs", "A");
    run(a, "run", cache, true);
    run(a, "other", cache, true);
    const b = script(src, "a.cjs", "B"); // same name and length, other code
    expect(run(b, "run", cache, true)).toEqual(["B a.cjs 15", "miss"]);
    expect(run(b, "run", cache, false)).toEqual(["B a.cjs 15", "hit"]);
    // B's cache replaced A's (one cache per key); the other key's stays.
    expect(
      readdirSync(cache)
        .map((f) => f.split("-")[0])
        .sort(),
    ).toEqual(["other", "run"]);
  }, 30_000);

  it("a file with characters outside ASCII is read as UTF-8, also from its cache", () => {
    const cache = tmp();
    const p = script(tmp(), "u.cjs", "\u00c4\u2264\u{1f600}"); // in a string literal, as UTF-8
    expect(run(p, "run", cache, true)).toEqual(["\u00c4\u2264\u{1f600} u.cjs 15", "miss"]);
    expect(run(p, "run", cache, false)).toEqual(["\u00c4\u2264\u{1f600} u.cjs 15", "hit"]);
  }, 30_000);

  it.runIf(existsSync(BUNDLE))("the built bundle is ASCII, so it is read as a one-byte string", () => {
    expect(isAscii(readFileSync(BUNDLE))).toBe(true);
  });

  it("a corrupt cache file is rejected, the file still runs, and saving repairs it", () => {
    const { p, cache, file } = savedRun();
    writeFileSync(file, Buffer.alloc(4096, 0x5a));
    expect(run(p, "run", cache, true)).toEqual(["A a.cjs 15", "rejected"]);
    expect(run(p, "run", cache, false)).toEqual(["A a.cjs 15", "hit"]);
  }, 30_000);

  it("a hit after a short run: a longer run that compiled more replaces the cache at exit", () => {
    const { p, cache, file } = savedRun();
    const small = statSync(file).size;
    expect(run(p, "run", cache, "refresh")).toEqual(["A a.cjs 15", "hit"]); // compiled nothing new
    expect(statSync(file).size).toBe(small);
    expect(run(p, "run", cache, "refresh", { CC_MORE: "1" })).toEqual(["A a.cjs 15", "hit"]);
    const big = statSync(file).size;
    expect(big).toBeGreaterThan(small * 1.1);
    expect(run(p, "run", cache, false, { CC_MORE: "1" })).toEqual(["A a.cjs 15", "hit"]);
  }, 30_000);

  it("off, or a cache directory that cannot be made: the file runs and nothing is written", () => {
    const p = script(tmp(), "a.cjs", "A");
    expect(run(p, "run", null, true)).toEqual(["A a.cjs 15", "off"]);
    const notDir = join(tmp(), "file");
    writeFileSync(notDir, "x");
    expect(run(p, "run", join(notDir, "cache"), true)).toEqual(["A a.cjs 15", "miss"]);
  }, 30_000);

  it("where the cache lives: ARMATURE_CODE_CACHE (off/0 or a directory), else XDG_CACHE_HOME, else ~/.cache", () => {
    expect(codeCacheDir({ ARMATURE_CODE_CACHE: "off" })).toBeUndefined();
    expect(codeCacheDir({ ARMATURE_CODE_CACHE: "0" })).toBeUndefined();
    expect(codeCacheDir({ ARMATURE_CODE_CACHE: "/x/y" })).toBe("/x/y");
    expect(codeCacheDir({ XDG_CACHE_HOME: "/c" })).toBe(join("/c", "armature"));
    expect(codeCacheDir({})).toMatch(/\.cache[/\\]armature$/);
  });

  it.runIf(existsSync(MAIN))(
    "the built binary leaves a cache per command and runs the same from it",
    () => {
      const cache = tmp();
      const env = { ...process.env, ARMATURE_CODE_CACHE: cache };
      const v1 = execFileSync(process.execPath, [MAIN, "--version"], { env, encoding: "utf8" });
      const v2 = execFileSync(process.execPath, [MAIN, "--version"], { env, encoding: "utf8" });
      expect(v2).toBe(v1);
      expect(v1).toMatch(/^\d+\.\d+\.\d+/);
      const names = () =>
        readdirSync(cache)
          .filter((f) => f.endsWith(".v8cache"))
          .map((f) => f.replace(/-[0-9a-f]{16}\.v8cache$/, ""))
          .sort();
      // A command's help and a usage error leave nothing under the command's key; a real use does.
      execFileSync(process.execPath, [MAIN, "disasm", "--help"], { env, encoding: "utf8" });
      expect(() =>
        execFileSync(process.execPath, [MAIN, "disasm", "--frob"], { env, stdio: "ignore" }),
      ).toThrow();
      expect(names()).toEqual(["other"]);
      const words = join(cache, "words.txt");
      writeFileSync(words, "d503201f\n8b020020\n");
      const d1 = execFileSync(process.execPath, [MAIN, "disasm", "--words", words], {
        env,
        encoding: "utf8",
      });
      const d2 = execFileSync(process.execPath, [MAIN, "disasm", "--words", words], {
        env,
        encoding: "utf8",
      });
      expect(d2).toBe(d1);
      expect(d1).toContain("add x0, x1, x2");
      expect(names()).toEqual(["disasm", "other"]);
    },
    30_000,
  );
});
