import { describe, expect, it, vi } from "vitest";
import { QEMU_LAYOUT, VZ_LAYOUT } from "../layout.js";
import { assemble, runBare, runQemu } from "./harness.js";

// Runs under QEMU and on a loaded 2-core CI machine: allow more than the default 5 s.
vi.setConfig({ testTimeout: 30_000 });

const EXPECTED = [
  "smp4",
  "three cpus up ok",
  "broadcast reached 1-3 only ok",
  "target list {2} ok",
  "target list {1,3} ok",
  "done",
  "",
].join("\n");

describe.each([
  ["vz", VZ_LAYOUT],
  ["qemu", QEMU_LAYOUT],
] as const)("bare-metal SGI routing on 4 CPUs, %s layout", (name, layout) => {
  it("IRM broadcast excludes the sender; target lists reach exactly their PEs", async () => {
    const r = await runBare(assemble("smp4", layout), name, { cpus: 4, maxInstructions: 3_000_000 });
    expect(r.out).toBe(EXPECTED);
    expect(r.stop).toBe("poweroff");
  });

  if (name === "qemu") {
    it("prints the same under qemu-system-aarch64 -M virt,gic-version=3 -smp 4", () => {
      expect(runQemu(assemble("smp4", layout), { smp: 4 })).toBe(EXPECTED);
    });
  }
});
