import { describe, expect, it } from "vitest";
import { ENCODINGS } from "../../decoder/table.js";
import { runDiff } from "../../test/difftest.js";
import { buildSimdHarness, isSimdClass, simdDiff } from "../../test/difftest-simd.js";
import { qemuDiffRun } from "../../test/tools.js";
import { UNIMPLEMENTED_IDS } from "../dispatch.js";

describe("FP/AdvSIMD/crypto differential test against qemu-aarch64", () => {
  const { seed, run } = qemuDiffRun("armature-simd-", buildSimdHarness, "simd-harness", simdDiff);

  it("every FP/SIMD/crypto/PAuth entry of the table is executed", () => {
    const missing = UNIMPLEMENTED_IDS.filter((id) => {
      const e = ENCODINGS.find((x) => x.id === id)!;
      return isSimdClass(e.iclass) || e.feature === "FEAT_PAuth";
    });
    expect(missing).toEqual([]);
  });

  it("random words with special-value registers and random FPCR match QEMU (X, V, FPSR, NZCV)", async () => {
    const n = Number(process.env.SIMD_DIFF_CASES ?? process.env.FC_NUM_RUNS ?? 24000);
    const unexplained: string[] = [];
    const seen = new Set<string>();
    await runDiff(run(), n, 4000, (k, v) => {
      seen.add(k.id);
      if (v.kind === "diff") unexplained.push(`${k.id} ${k.word.toString(16)}: ${v.detail}`);
    });
    expect(unexplained.slice(0, 8).join("\n"), `seed ${seed}`).toBe("");
    // the sample reaches (nearly) every entry
    expect(seen.size).toBeGreaterThan(run().entries * 0.9);
  }, 180_000);
});
