import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll } from "vitest";

/** Fail loudly when a system tool the test needs is missing (never skip). Not part of the public surface. */
export function requireTool(tool: string): void {
  try {
    execFileSync("sh", ["-c", `command -v ${tool}`], { stdio: "ignore" });
  } catch {
    throw new Error(`${tool} is missing: run 'bash scripts/install-system-tools.sh'`);
  }
}

/**
 * The build folder of one describe block: before its tests, the `tools` are required, a temporary
 * folder named `prefix…` is made and `fill` builds into it; after them the folder is removed.
 * Returns the folder's path (valid from beforeAll on).
 */
export function buildDir(
  prefix: string,
  tools: readonly string[],
  fill: (dir: string) => void,
): () => string {
  let dir: string | undefined;
  beforeAll(() => {
    for (const t of tools) requireTool(t);
    dir = mkdtempSync(join(tmpdir(), prefix));
    fill(dir);
  }, 120_000);
  afterAll(() => {
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });
  return () => {
    if (dir === undefined) throw new Error("the build folder is made in beforeAll");
    return dir;
  };
}
