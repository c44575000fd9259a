import { describe, expect, it, vi } from "vitest";
import { QEMU_LAYOUT, VZ_LAYOUT } from "../layout.js";
import { assemble, runBare, runQemu } from "./harness.js";

// Runs under QEMU and on a loaded 2-core CI machine: allow more than the default 5 s.
vi.setConfig({ testTimeout: 30_000 });

// SGI 2 nests inside SGI 1; SGI 3 runs only after both; SGI 4 waits for the PMR.
const EXPECTED = [
  "priority",
  "<1<2>2>1<3>3",
  "pmr masks sgi 4 ok",
  "hppir shows sgi 4 ok",
  "<4>4",
  "rpr in sgi 1 ok",
  "rpr in sgi 2 ok",
  "sgi 3 pending during sgi 2 ok",
  "done",
  "",
].join("\n");

describe.each([
  ["vz", VZ_LAYOUT],
  ["qemu", QEMU_LAYOUT],
] as const)("bare-metal GIC priorities and preemption, %s layout", (name, layout) => {
  it("a higher-priority SGI preempts, a lower one waits, the PMR masks", async () => {
    const r = await runBare(assemble("priority", layout), name);
    expect(r.out).toBe(EXPECTED);
    expect(r.stop).toBe("poweroff");
  });

  if (name === "qemu") {
    it("prints the same under qemu-system-aarch64 -M virt,gic-version=3", () => {
      expect(runQemu(assemble("priority", layout))).toBe(EXPECTED);
    });
  }
});
