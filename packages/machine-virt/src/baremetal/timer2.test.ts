import { describe, expect, it, vi } from "vitest";
import { QEMU_LAYOUT, VZ_LAYOUT } from "../layout.js";
import { assemble, runBare, runQemu } from "./harness.js";

// Runs under QEMU and on a loaded 2-core CI machine: allow more than the default 5 s.
vi.setConfig({ testTimeout: 30_000 });

const EXPECTED = [
  "timer2",
  "counter shared ok",
  "cpu 0 ticks ok",
  "cpu 1 ticks ok",
  "only ppi 27 ok",
  "done",
  "",
].join("\n");

describe.each([
  ["vz", VZ_LAYOUT],
  ["qemu", QEMU_LAYOUT],
] as const)("bare-metal per-CPU timers, %s layout", (name, layout) => {
  it("each CPU's CNTV interrupts only that CPU; TVAL and CVAL re-arming; one shared counter", async () => {
    const r = await runBare(assemble("timer2", layout), name, { cpus: 2 });
    expect(r.out).toBe(EXPECTED);
    expect(r.stop).toBe("poweroff");
  });

  if (name === "qemu") {
    it("prints the same under qemu-system-aarch64 -M virt,gic-version=3 -smp 2", () => {
      expect(runQemu(assemble("timer2", layout), { smp: 2 })).toBe(EXPECTED);
    });
  }
});
