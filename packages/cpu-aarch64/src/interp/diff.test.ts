import { existsSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  buildUserPrograms,
  type DiffCase,
  type DiffResult,
  type DiffRun,
  integerDiff,
  runDiff,
} from "../test/difftest.js";
import { buildDir } from "../test/tools.js";

describe("differential test against qemu-aarch64 user mode", () => {
  const seed = Number(process.env.DIFF_SEED ?? 20261121);
  let run: DiffRun<DiffCase, DiffResult>;
  const dir = buildDir("armature-harness-", ["qemu-aarch64", "aarch64-linux-gnu-gcc"], buildUserPrograms);
  beforeAll(() => {
    expect(existsSync(join(dir(), "harness"))).toBe(true);
    run = integerDiff(join(dir(), "harness"), seed);
  });
  afterAll(() => run?.qemu.close());

  it("random integer/memory/atomic/branch sequences match QEMU", async () => {
    const n = Number(process.env.DIFF_CASES ?? process.env.FC_NUM_RUNS ?? 4000);
    const unexplained: string[] = [];
    await runDiff(run, n, n, (_c, v) => {
      if (v.kind === "diff") unexplained.push(v.detail);
    });
    expect(unexplained.slice(0, 5).join("\n---\n"), `seed ${seed}`).toBe("");
  }, 120_000);
});
