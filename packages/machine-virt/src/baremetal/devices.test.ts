import { describe, expect, it, vi } from "vitest";
import { QEMU_LAYOUT, VZ_LAYOUT } from "../layout.js";
import { assemble, runBare, runQemu } from "./harness.js";

// Runs under QEMU and on a loaded 2-core CI machine: allow more than the default 5 s.
vi.setConfig({ testTimeout: 30_000 });

const TYPED = "ab1 q";
const UART_EXPECTED = ["uart rx", "ready", "<a><b><1>< ><q>", "uart intid ok", "bytes ok", "done", ""].join(
  "\n",
);

const RTC_EXPECTED = [
  "rtc",
  "rtcdr plausible ok",
  "periph id0 ok",
  "rtc intid ok",
  "rtcmis in handler ok",
  "rtcdr reached match ok",
  "rtcris cleared ok",
  "done",
  "",
].join("\n");

describe.each([
  ["vz", VZ_LAYOUT],
  ["qemu", QEMU_LAYOUT],
] as const)("bare-metal PL011 and PL031, %s layout", (name, layout) => {
  it("typed bytes raise the PL011 RX SPI (INTID 33) and the guest echoes them", async () => {
    const r = await runBare(assemble("uart", layout), name, {
      before: (m) => m.input(new TextEncoder().encode(TYPED)),
    });
    expect(r.out).toBe(UART_EXPECTED);
    expect(r.stop).toBe("poweroff");
  });

  it("the PL031 counts seconds and raises its match interrupt (INTID 34)", async () => {
    const r = await runBare(assemble("rtc", layout), name);
    expect(r.out).toBe(RTC_EXPECTED);
    expect(r.stop).toBe("poweroff");
  });

  if (name === "qemu") {
    it("prints the same verdicts under qemu-system-aarch64 -M virt,gic-version=3", () => {
      expect(runQemu(assemble("uart", layout), { input: TYPED })).toBe(UART_EXPECTED);
      expect(runQemu(assemble("rtc", layout))).toBe(RTC_EXPECTED);
    });
  }
});
