import { rmSync } from "node:fs";
import { dirname } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ENCODINGS } from "../../decoder/table.js";
import { requireTool } from "../../test/tools.js";
import { UNIMPLEMENTED_IDS } from "../dispatch.js";
import {
  buildSimdHarness,
  compareSimd,
  isSimdClass,
  knownSimdDifference,
  LocalSimdOracle,
  QemuSimdOracle,
  Rng,
  randomSimdCase,
  simdEntries,
} from "./difftest-simd.js";

describe("FP/AdvSIMD/crypto differential test against qemu-aarch64", () => {
  let qemu: QemuSimdOracle;
  let harness: string | undefined;
  beforeAll(() => {
    requireTool("qemu-aarch64");
    requireTool("aarch64-linux-gnu-gcc");
    harness = buildSimdHarness();
    qemu = new QemuSimdOracle(harness);
  }, 120_000);
  afterAll(() => {
    qemu?.close();
    // buildSimdHarness makes a folder of its own for the binary
    if (harness !== undefined) rmSync(dirname(harness), { recursive: true, force: true });
  });

  it("every FP/SIMD/crypto/PAuth entry of the table is executed", () => {
    const missing = UNIMPLEMENTED_IDS.filter((id) => {
      const e = ENCODINGS.find((x) => x.id === id)!;
      return isSimdClass(e.iclass) || e.feature === "FEAT_PAuth";
    });
    expect(missing).toEqual([]);
  });

  it("random words with special-value registers and random FPCR match QEMU (X, V, FPSR, NZCV)", async () => {
    const n = Number(process.env.SIMD_DIFF_CASES ?? process.env.FC_NUM_RUNS ?? 24000);
    const seed = Number(process.env.DIFF_SEED ?? 20261121);
    const rng = new Rng(seed);
    const entries = simdEntries();
    const local = new LocalSimdOracle();
    const unexplained: string[] = [];
    const seen = new Set<string>();
    for (let done = 0; done < n; done += 4000) {
      const cases = Array.from({ length: Math.min(4000, n - done) }, () => randomSimdCase(rng, entries));
      const theirs = await qemu.run(cases);
      cases.forEach((k, i) => {
        seen.add(k.id);
        const ours = local.run(k);
        const why = compareSimd(ours, theirs[i]!, k.flags !== 0);
        if (why !== null && knownSimdDifference(k, ours, theirs[i]!) === null) {
          unexplained.push(`${k.id} ${k.word.toString(16)}: ${why}`);
        }
      });
    }
    expect(unexplained.slice(0, 8).join("\n"), `seed ${seed}`).toBe("");
    // the sample reaches (nearly) every entry
    expect(seen.size).toBeGreaterThan(entries.length * 0.9);
  }, 180_000);
});
