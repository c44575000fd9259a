import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { requireTool } from "../test/tools.js";
import {
  describeDiff,
  generatorEntries,
  knownDifference,
  LocalOracle,
  QemuOracle,
  Rng,
  randomCase,
  sameResult,
} from "./difftest.js";

const HERE = new URL(".", import.meta.url).pathname;
const BUILD = join(HERE, "../../harness/build.sh");

describe("differential test against qemu-aarch64 user mode", () => {
  let oracle: QemuOracle;
  let dir: string;
  beforeAll(() => {
    requireTool("qemu-aarch64");
    requireTool("aarch64-linux-gnu-gcc");
    dir = mkdtempSync(join(tmpdir(), "armature-harness-"));
    execFileSync("bash", [BUILD, dir], { stdio: "pipe" });
    expect(existsSync(join(dir, "harness"))).toBe(true);
    oracle = new QemuOracle(join(dir, "harness"));
  }, 120_000);
  afterAll(() => {
    oracle?.close();
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });

  it("random integer/memory/atomic/branch sequences match QEMU", async () => {
    const n = Number(process.env.DIFF_CASES ?? process.env.FC_NUM_RUNS ?? 4000);
    const seed = Number(process.env.DIFF_SEED ?? 20261121);
    const rng = new Rng(seed);
    const entries = generatorEntries();
    const local = new LocalOracle();
    const cases = Array.from({ length: n }, () => randomCase(rng, entries));
    const theirs = await oracle.run(cases);
    const unexplained: string[] = [];
    cases.forEach((c, i) => {
      const ours = local.run(c);
      if (!sameResult(ours, theirs[i]!) && knownDifference(c, ours, theirs[i]!) === null) {
        unexplained.push(describeDiff(c, ours, theirs[i]!));
      }
    });
    expect(unexplained.slice(0, 5).join("\n---\n"), `seed ${seed}`).toBe("");
  }, 120_000);
});
