import { describe, expect, it } from "vitest";
import { buildUserPrograms, integerDiff, runDiff } from "../test/difftest.js";
import { qemuDiffRun } from "../test/tools.js";

describe("differential test against qemu-aarch64 user mode", () => {
  const { seed, run } = qemuDiffRun("armature-harness-", buildUserPrograms, "harness", integerDiff);

  it("random integer/memory/atomic/branch sequences match QEMU", async () => {
    const n = Number(process.env.DIFF_CASES ?? process.env.FC_NUM_RUNS ?? 4000);
    const unexplained: string[] = [];
    await runDiff(run(), n, n, (_c, v) => {
      if (v.kind === "diff") unexplained.push(v.detail);
    });
    expect(unexplained.slice(0, 5).join("\n---\n"), `seed ${seed}`).toBe("");
  }, 120_000);
});
