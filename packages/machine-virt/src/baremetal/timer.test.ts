import { describe, expect, it, vi } from "vitest";
import { QEMU_LAYOUT, VZ_LAYOUT } from "../layout.js";
import { assemble, runBare, runQemu } from "./harness.js";

// Runs under QEMU and on a loaded 2-core CI machine: allow more than the default 5 s.
vi.setConfig({ testTimeout: 30_000 });

const EXPECTED = [
  "gic timer",
  "iar idle ok",
  "cntv ticks ok",
  "cntv intid ok",
  "rpr in handler ok",
  "cntv disabled ok",
  "cntp ticks ok",
  "cntp intid ok",
  "no other irq ok",
  "rpr idle ok",
  "iar after ok",
  "done",
  "",
].join("\n");

describe.each([
  ["vz", VZ_LAYOUT],
  ["qemu", QEMU_LAYOUT],
] as const)("bare-metal GICv3 + generic timer, %s layout", (name, layout) => {
  it("CNTV (PPI 27) and CNTP (PPI 30) interrupt through the GIC and are acknowledged/EOIed", async () => {
    const r = await runBare(assemble("timer", layout), name);
    expect(r.out).toBe(EXPECTED);
    expect(r.stop).toBe("poweroff");
  });

  if (name === "qemu") {
    it("prints the same verdicts under qemu-system-aarch64 -M virt,gic-version=3", () => {
      expect(runQemu(assemble("timer", layout))).toBe(EXPECTED);
    });
  }
});
