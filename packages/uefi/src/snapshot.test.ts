import { SnapshotError } from "@armature/core";
import { expectTruncatedRefused, restoreStateInto, savedState } from "@armature/core/test";
import { describe, expect, it } from "vitest";
import { GUID, guidBytes } from "./guid.js";
import { EFI_SUCCESS } from "./status.js";
import { UefiTestDriver } from "./test/index.js";

const NV_BS_RT = 7;
const BS_RT = 6;
const RAM = 0x4000_0000;
const SIZE = 64 * 1024 * 1024;

/** A guest that exited boot services, set a variable of each kind and moved the clock. */
function exited(): UefiTestDriver {
  const d = new UefiTestDriver();
  const g = d.guid(guidBytes(GUID.GLOBAL_VARIABLE));
  const data = d.alloc(4);
  d.put(data, new Uint8Array([1, 0, 2, 0]));
  expect(d.call("RT.SetVariable", d.utf16("BootOrder"), g, NV_BS_RT, 4, data)).toBe(EFI_SUCCESS);
  expect(d.call("RT.SetVariable", d.utf16("Volatile"), g, BS_RT, 2, data)).toBe(EFI_SUCCESS);
  const sizeP = d.alloc(8);
  const keyP = d.alloc(8);
  const map = d.alloc(16384);
  d.setU64(sizeP, 16384n);
  d.call("BS.GetMemoryMap", sizeP, map, keyP, 0, 0);
  expect(d.call("BS.ExitBootServices", d.fw.imageHandle, d.u64(keyP))).toBe(EFI_SUCCESS);
  const t = d.alloc(16);
  const nt = new Uint8Array(16);
  new DataView(nt.buffer).setUint16(0, 2031, true);
  nt.set([6, 7, 8, 9, 10], 2);
  new DataView(nt.buffer).setInt16(12, 60, true);
  d.put(t, nt);
  expect(d.call("RT.SetTime", t)).toBe(EFI_SUCCESS);
  return d;
}

function moveRam(from: UefiTestDriver, to: UefiTestDriver): void {
  const b = new Uint8Array(SIZE);
  from.bus.readBytes(RAM, b);
  to.bus.writeBytes(RAM, b);
}

/** What the runtime services answer: GetTime's EFI_TIME and each variable's bytes. */
function observe(d: UefiTestDriver): unknown {
  const t = d.alloc(16);
  d.call("RT.GetTime", t, 0);
  const g = d.guid(guidBytes(GUID.GLOBAL_VARIABLE));
  const vars = ["BootOrder", "Volatile"].map((n) => {
    const sizeP = d.alloc(8);
    d.setU64(sizeP, 64n);
    const out = d.alloc(64);
    const st = d.call("RT.GetVariable", d.utf16(n), g, 0, sizeP, out);
    return [st, [...d.bytes(out, Number(d.u64(sizeP)))]];
  });
  return { time: [...d.bytes(t, 16)], vars };
}

describe("UEFI runtime snapshot", () => {
  it("after ExitBootServices: the time offset, time zone and variables come back, and boot services stay gone", () => {
    const a = exited();
    const b = new UefiTestDriver();
    moveRam(a, b);
    restoreStateInto(a.fw, b.fw);
    expect(b.fw.bootServicesExited).toBe(true);
    expect(observe(b)).toEqual(observe(a));
    expect((observe(b) as { time: number[] }).time.slice(0, 2)).toEqual([2031 & 0xff, 2031 >> 8]);
    expect(b.fw.variables.list().map((v) => v.name)).toEqual(["BootOrder", "Volatile"]);
    expect(savedState(b.fw)).toEqual(savedState(a.fw));
    // Boot services refuse after the restore as they did before it.
    expect(b.call("BS.AllocatePages", 0, 2, 1, b.alloc(8))).toBe(
      a.call("BS.AllocatePages", 0, 2, 1, a.alloc(8)),
    );
  });

  it("refuses a save before ExitBootServices, a firmware laid out elsewhere, a truncated section", () => {
    const before = new UefiTestDriver();
    expect(() => savedState(before.fw)).toThrow(SnapshotError);
    expect(() => savedState(before.fw)).toThrow(/before ExitBootServices/);
    const a = exited();
    const bytes = savedState(a.fw);
    const bigger = new UefiTestDriver({ ramMiB: 128 });
    expect(() => restoreStateInto(a.fw, bigger.fw)).toThrow(/tables were at/);
    const other = exited(); // expectTruncatedRefused compares the part's own saved state before and after
    other.call(
      "RT.SetVariable",
      other.utf16("Volatile"),
      other.guid(guidBytes(GUID.GLOBAL_VARIABLE)),
      BS_RT,
      0,
      0,
    );
    expect(expectTruncatedRefused(other.fw, bytes)).toBe(bytes.length + 1);
    expect(other.fw.variables.list().map((v) => v.name)).toEqual(["BootOrder"]);
  });
});
