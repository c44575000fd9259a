import { VirtualClock } from "@armature/core";
import { RecordingIrqLine } from "@armature/core/test";
import { describe, expect, it } from "vitest";
import { Pl031, RTCDR, RTCICR, RTCIMSC, RTCLR, RTCMIS, RTCMR } from "./pl031.js";

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
