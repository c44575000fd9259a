import type { PciFunctionHost } from "@armature/core";
import { describe, expect, it } from "vitest";
import { AtapiDvd } from "./atapi.js";
import { SataDisk } from "./disk.js";
import { AhciPciFunction } from "./pci.js";
import { PortReg, PxIS } from "./regs.js";
import { AhciTestDriver, TestBlockBackend, testMemory } from "./test/index.js";

function setup() {
  const { bus, dma } = testMemory();
  const fn = new AhciPciFunction({
    dma,
    devices: [new SataDisk(new TestBlockBackend(1 << 20)), new AtapiDvd()],
  });
  const intx: boolean[] = [];
  const msis: Array<[number, number, number]> = [];
  let bme = true;
  const host: PciFunctionHost = {
    requesterId: 0x80,
    msi: {
      sendMsi(a, d, id) {
        msis.push([a, d, id]);
        return true;
      },
    },
    setIntx: (v) => intx.push(v),
    busMasterEnabled: () => bme,
  };
  fn.attach(host);
  const drv = new AhciTestDriver(bus, fn.bars[0]!.device);
  return { fn, drv, intx, msis, setBme: (v: boolean) => (bme = v) };
}

describe("AHCI as a PCI function", () => {
  it("class 01/06/01, the ABAR in BAR 5 (32-bit memory, 8 KiB), INTA", () => {
    const { fn } = setup();
    expect(fn.ids.classCode).toBe(0x010601);
    expect(fn.bars).toHaveLength(1);
    expect(fn.bars[0]).toMatchObject({ index: 5, kind: "mem32", size: 0x2000 });
    expect(fn.ids.interruptPin).toBe(1);
  });

  it("an MSI capability (ID 05h, 64-bit, one vector) at the capability pointer", () => {
    const { fn } = setup();
    const at = fn.capabilityPointer;
    expect(fn.configRead(at, 1)).toBe(0x05);
    expect(fn.configRead(at + 1, 1)).toBe(0); // last capability
    const ctl = fn.configRead(at + 2, 2);
    expect(ctl & 0x80).toBe(0x80); // 64-bit address capable
    expect((ctl >> 1) & 7).toBe(0); // one vector
    expect(ctl & 1).toBe(0);
  });

  it("INTx follows the interrupt condition while MSI is off", () => {
    const { drv, intx } = setup();
    drv.probe();
    drv.issue(0, { tf: { command: 0xec }, bytes: 512 });
    expect(intx).toEqual([true, false]);
  });

  it("with MSI enabled every completion sends the programmed message with the requester id", () => {
    const { fn, drv, intx, msis } = setup();
    const at = fn.capabilityPointer;
    fn.configWrite(at + 4, 4, 0x0800_0040);
    fn.configWrite(at + 8, 4, 0);
    fn.configWrite(at + 12, 2, 0x21);
    fn.configWrite(at + 2, 2, 1);
    expect(fn.configRead(at + 2, 2) & 1).toBe(1);
    drv.probe();
    drv.issue(0, { tf: { command: 0xec }, bytes: 512 });
    drv.issue(0, { tf: { command: 0x25, lba: 0, count: 1, device: 0x40 }, bytes: 512 });
    expect(msis).toEqual([
      [0x0800_0040, 0x21, 0x80],
      [0x0800_0040, 0x21, 0x80],
    ]);
    expect(intx).toEqual([]);
  });

  it("without Bus Master Enable a command is not executed: host bus fatal error", () => {
    const { drv, setBme } = setup();
    drv.probe();
    setBme(false);
    drv.pw(0, PortReg.CI, 1);
    expect(drv.pr(0, PortReg.IS) & PxIS.HBFS).toBeTruthy();
  });
});
