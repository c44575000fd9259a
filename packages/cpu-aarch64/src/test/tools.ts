import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
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

/**
 * The QEMU differential run of one describe block: `build` makes the harnesses in a buildDir
 * (qemu-aarch64 and aarch64-linux-gnu-gcc required), `start` runs the `harness` built there with
 * the seed (DIFF_SEED, default 20261121) before the tests, and its QEMU process is closed after.
 * Returns the seed and the run (valid from beforeAll on).
 */
export function qemuDiffRun<R extends { qemu: { close(): void } }>(
  prefix: string,
  build: (dir: string) => void,
  harness: string,
  start: (path: string, seed: number) => R,
): { seed: number; run: () => R } {
  const seed = Number(process.env.DIFF_SEED ?? 20261121);
  const dir = buildDir(prefix, ["qemu-aarch64", "aarch64-linux-gnu-gcc"], build);
  let run: R | undefined;
  beforeAll(() => {
    const path = join(dir(), harness);
    if (!existsSync(path)) throw new Error(`${harness} was not built in ${dir()}`);
    run = start(path, seed);
  });
  afterAll(() => run?.qemu.close());
  return {
    seed,
    run: () => {
      if (run === undefined) throw new Error("the differential run starts in beforeAll");
      return run;
    },
  };
}
