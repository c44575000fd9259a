import { Bus, BusDmaSpace } from "@armature/core";
import { expectTruncatedRefused, restoreStateInto, savedState } from "@armature/core/test";
import { describe, expect, it } from "vitest";
import { FwCfg } from "./fw-cfg.js";
import * as R from "./regs.js";

const BASE = 0x0902_0000;
const swap16 = (v: number) => ((v & 0xff) << 8) | (v >>> 8);

function machine(onWrite?: (d: Uint8Array) => void) {
  const bus = new Bus();
  bus.addRam("ram", 0x4000_0000, 1 << 20);
  const fw = new FwCfg({ dma: new BusDmaSpace(bus), ramSize: 1 << 30, cpus: 2 });
  fw.addFile("etc/hello", new TextEncoder().encode("hello, firmware"));
  const writable = new Uint8Array(8);
  const key = fw.addFile("etc/writable", writable, { writable: true, ...(onWrite ? { onWrite } : {}) });
  bus.addMmio("fw-cfg", BASE, R.FW_CFG_MMIO_SIZE, fw);
  const byte = () => bus.read(BASE + R.FW_CFG_DATA, 1);
  const select = (k: number) => bus.write(BASE + R.FW_CFG_SELECTOR, 2, swap16(k));
  return { fw, writable, key, byte, select };
}

describe("FwCfg snapshots", () => {
  it("a restored fw_cfg continues the selected item at the same offset, with the writable items' data", () => {
    const a = machine();
    a.select(R.FW_CFG_FILE_FIRST); // etc/hello
    for (let i = 0; i < 7; i++) a.byte();
    a.writable.set([1, 2, 3, 4]); // as a guest DMA write would have left it
    const seen: Uint8Array[] = [];
    const b = machine((d) => seen.push(d.slice()));
    restoreStateInto(a.fw, b.fw);
    expect(String.fromCharCode(...Array.from({ length: 8 }, b.byte))).toBe("firmware");
    expect([...b.writable]).toEqual([1, 2, 3, 4, 0, 0, 0, 0]);
    expect(seen).toEqual([new Uint8Array([1, 2, 3, 4, 0, 0, 0, 0])]); // its onWrite ran
    // The file directory selected mid-read restores too (it is built when selected).
    a.select(R.FW_CFG_FILE_DIR);
    for (let i = 0; i < 4; i++) a.byte();
    const c = machine();
    restoreStateInto(a.fw, c.fw);
    expect(Array.from({ length: 40 }, c.byte)).toEqual(Array.from({ length: 40 }, a.byte));
  });

  it("refuses a truncated state and an unknown item", () => {
    const a = machine();
    a.select(R.FW_CFG_FILE_FIRST + 1);
    const bytes = savedState(a.fw);
    expect(expectTruncatedRefused(machine().fw, bytes)).toBeGreaterThan(0);
    const bare = new FwCfg({ dma: new BusDmaSpace(new Bus()) });
    expect(() => restoreStateInto(a.fw, bare)).toThrow();
  });
});
