import { execFileSync } from "node:child_process";
import { rmSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { extractExamples, REPO, writeScratchProject } from "./readme-examples.js";

/**
 * READMEs of packages whose owners have not made their example standalone yet: their type errors
 * are printed, not failed on. Remove an entry once its README passes (the test says so).
 */
const PENDING = new Map<string, string>([]);

const examples = extractExamples();
const dir = writeScratchProject(examples, String(process.pid));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function tsc(): string {
  try {
    execFileSync(process.execPath, [join(REPO, "node_modules", "typescript", "bin", "tsc"), "-p", dir], {
      cwd: REPO,
      stdio: "pipe",
    });
    return "";
  } catch (e) {
    return String((e as { stdout?: Buffer }).stdout ?? e);
  }
}

describe("README examples", () => {
  it("finds the ```ts blocks of every README", () => {
    expect(examples.length).toBeGreaterThan(15);
  });

  it("every ```ts block typechecks against the workspace sources", () => {
    const out = tsc();
    const failing = new Map<string, string[]>();
    for (const line of out.split("\n").filter((l) => l.includes(".mts("))) {
      const file = /([\w.-]+\.mts)\(/.exec(line)?.[1];
      const ex = examples.find((e) => e.file === file);
      const key = ex === undefined ? "?" : `${ex.readme}:${ex.line}`;
      failing.set(key, [...(failing.get(key) ?? []), line.replace(/^.*\.mts/, "")]);
    }
    const blocking = [...failing].filter(([k]) => !PENDING.has(k.replace(/:\d+$/, "")));
    for (const [k, errs] of failing)
      if (PENDING.has(k.replace(/:\d+$/, "")))
        console.warn(
          `README example ${k} (owner: ${PENDING.get(k.replace(/:\d+$/, ""))}) does not typecheck yet:\n  ${errs.join("\n  ")}`,
        );
    for (const readme of PENDING.keys())
      if (![...failing.keys()].some((k) => k.startsWith(`${readme}:`)))
        console.warn(`${readme} typechecks now: remove it from PENDING in scripts/readme-examples.test.ts`);
    expect(blocking.map(([k, errs]) => `${k}\n  ${errs.join("\n  ")}`)).toEqual([]);
  });

  const runnable = examples.filter((e) => e.run && !PENDING.has(e.readme));
  it.each(runnable.map((e) => [`${e.readme}:${e.line}`, e] as const))("%s runs", (_name, e) => {
    const out = execFileSync(
      process.execPath,
      [
        join(REPO, "node_modules", "tsx", "dist", "cli.mjs"),
        "--conditions=source",
        "--tsconfig",
        join(dir, "tsconfig.json"),
        join(dir, e.file),
      ],
      { cwd: REPO, stdio: "pipe", timeout: 60_000, input: "" },
    );
    expect(out).toBeInstanceOf(Buffer);
  });
});
