import { VirtualClock } from "@armature/core";
import { RecordingIrqLine } from "@armature/core/test";
import { FdtNode } from "@armature/fdt";
import { describe, expect, it } from "vitest";
import { describePl031, Pl031 } from "./pl031.js";
import { RTCDR, RTCICR, RTCIMSC, RTCLR, RTCMIS, RTCMR } from "./regs.js";

describe("PL031", () => {
  it("counts seconds of virtual time from the given epoch", () => {
    const clock = new VirtualClock();
    const rtc = new Pl031({ clock, epochSeconds: 1_700_000_000 });
    expect(rtc.read(RTCDR, 4)).toBe(1_700_000_000);
    clock.advanceTo(2.5e9);
    expect(rtc.read(RTCDR, 4)).toBe(1_700_000_002);
  });

  it("loads a new value and keeps counting from it", () => {
    const clock = new VirtualClock();
    const rtc = new Pl031({ clock, epochSeconds: 5 });
    clock.advanceTo(1e9);
    rtc.write(RTCLR, 4, 1000);
    expect(rtc.read(RTCDR, 4)).toBe(1000);
    clock.advanceTo(4e9);
    expect(rtc.read(RTCDR, 4)).toBe(1003);
  });

  it("raises the match interrupt when the counter reaches RTCMR, until cleared", () => {
    const clock = new VirtualClock();
    const irq = new RecordingIrqLine();
    const rtc = new Pl031({ clock, irq, epochSeconds: 100 });
    rtc.write(RTCIMSC, 4, 1);
    rtc.write(RTCMR, 4, 103);
    clock.advanceTo(2.9e9);
    clock.runDue();
    expect(irq.level).toBe(false);
    clock.advanceTo(3e9);
    clock.runDue();
    expect(irq.level).toBe(true);
    expect(rtc.read(RTCMIS, 4)).toBe(1);
    rtc.write(RTCICR, 4, 1);
    expect(irq.level).toBe(false);
  });

  it("identifies as PrimeCell PL031", () => {
    const rtc = new Pl031({ clock: new VirtualClock(), epochSeconds: 0 });
    let pid = 0;
    for (let i = 0; i < 4; i++) pid |= (rtc.read(0xfe0 + 4 * i, 4) & 0xff) << (8 * i);
    expect(pid & 0x000fffff).toBe(0x00041031);
  });
});

describe("device tree", () => {
  it("matches QEMU virt's pl031 node (reg, interrupts, clocks)", () => {
    // qemu-system-aarch64 -M virt,dumpdtb: pl031@9010000 { reg = <0x00 0x9010000 0x00 0x1000>;
    // interrupts = <0x00 0x02 0x04>; clocks = <0x8000>; clock-names = "apb_pclk"; }
    const root = new FdtNode("");
    const n = describePl031(root, { base: 0x0901_0000, interrupts: [0, 2, 4], clockPhandle: 0x8000 });
    expect(n.name).toBe("pl031@9010000");
    expect(n.getCells("reg")).toEqual([0, 0x0901_0000, 0, 0x1000]);
    expect(n.getCells("interrupts")).toEqual([0, 2, 4]);
    expect(n.getCells("clocks")).toEqual([0x8000]);
    expect(new TextDecoder().decode(n.property("compatible")!.value)).toBe("arm,pl031\0arm,primecell\0");
  });
});
