import { describe, expect, it, vi } from "vitest";
import { QEMU_LAYOUT, VZ_LAYOUT } from "../layout.js";
import { assemble, runBare, runQemu } from "./harness.js";

// Runs under QEMU and on a loaded 2-core CI machine: allow more than the default 5 s.
vi.setConfig({ testTimeout: 30_000 });

const EXPECTED = [
  "sgi",
  "affinity before ok",
  "cpu_on ok",
  "cpu_on again refused ok",
  "affinity on ok",
  "context id ok",
  "cpu1 mpidr aff0 ok",
  "cpu1 got sgi ok",
  "cpu0 got sgi ok",
  "affinity off ok",
  "done",
  "",
].join("\n");

describe.each([
  ["vz", VZ_LAYOUT],
  ["qemu", QEMU_LAYOUT],
] as const)("bare-metal SGIs between 2 CPUs, %s layout", (name, layout) => {
  it("PSCI CPU_ON starts CPU 1; SGIs through ICC_SGI1R_EL1 reach each target; AFFINITY_INFO tracks it", async () => {
    const r = await runBare(assemble("sgi", layout, { CHECK_CPU_ON_AGAIN: 1 }), name, { cpus: 2 });
    expect(r.out).toBe(EXPECTED);
    expect(r.stop).toBe("poweroff");
  });

  if (name === "qemu") {
    it("prints the same verdicts under qemu-system-aarch64 -M virt,gic-version=3 -smp 2", () => {
      const bin = assemble("sgi", layout, { CHECK_CPU_ON_AGAIN: 0 });
      expect(runQemu(bin, { smp: 2 })).toBe(EXPECTED.replace("cpu_on again refused ok\n", ""));
    });
  }
});
