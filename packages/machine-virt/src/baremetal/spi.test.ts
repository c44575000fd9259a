import { describe, expect, it, vi } from "vitest";
import { QEMU_LAYOUT, VZ_LAYOUT } from "../layout.js";
import { assemble, runBare, runQemu } from "./harness.js";

// Runs under QEMU and on a loaded 2-core CI machine: allow more than the default 5 s.
vi.setConfig({ testTimeout: 30_000 });

const EXPECTED = [
  "spi",
  "acknowledged ok",
  "active in handler ok",
  "not pending in handler ok",
  "inactive after eoi ok",
  "still active after eoir ok",
  "priority dropped ok",
  "inactive after dir ok",
  "cpu 1 got the routed spi ok",
  "cpu 0 did not ok",
  "done",
  "",
].join("\n");

describe.each([
  ["vz", VZ_LAYOUT],
  ["qemu", QEMU_LAYOUT],
] as const)("bare-metal SPI state, EOImode and routing, %s layout", (name, layout) => {
  it("ISPENDR/ISACTIVER through acknowledge and EOI, EOImode 1 with ICC_DIR_EL1, IROUTER to CPU 1", async () => {
    const r = await runBare(assemble("spi", layout), name, { cpus: 2 });
    expect(r.out).toBe(EXPECTED);
    expect(r.stop).toBe("poweroff");
  });

  if (name === "qemu") {
    it("prints the same under qemu-system-aarch64 -M virt,gic-version=3 -smp 2", () => {
      expect(runQemu(assemble("spi", layout), { smp: 2 })).toBe(EXPECTED);
    });
  }
});
