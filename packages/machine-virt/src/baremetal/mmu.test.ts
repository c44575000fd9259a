import { describe, expect, it, vi } from "vitest";
import { QEMU_LAYOUT, VZ_LAYOUT } from "../layout.js";
import { assemble, runBare, runQemu } from "./harness.js";

// Runs under QEMU and on a loaded 2-core CI machine: allow more than the default 5 s.
vi.setConfig({ testTimeout: 30_000 });

const EXPECTED = [
  "mmu",
  "mmu on",
  "alias reads ram ok",
  "translation fault esr ok",
  "translation fault far ok",
  "translation fault elr ok",
  "external abort esr ok",
  "external abort far is the va ok",
  "done",
  "",
].join("\n");

describe.each([
  ["vz", VZ_LAYOUT],
  ["qemu", QEMU_LAYOUT],
] as const)("bare-metal MMU faults, %s layout", (name, layout) => {
  const bin = () => assemble("mmu", layout, { UNMAPPED: layout.ramBase + 0x800_0100 });

  it("translation faults and external aborts with the MMU on report the VA in FAR_EL1", async () => {
    const r = await runBare(bin(), name);
    expect(r.out).toBe(EXPECTED);
    expect(r.stop).toBe("poweroff");
  });

  if (name === "qemu") {
    it("prints the same under qemu-system-aarch64 -M virt", () => {
      expect(runQemu(bin())).toBe(EXPECTED);
    });
  }
});
