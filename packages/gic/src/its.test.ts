import { Bus, BusDmaSpace } from "@armature/core";
import { RecordingIrqLine } from "@armature/core/test";
import { describe, expect, it } from "vitest";
import { Gicv3, ICC, ITS_ERR } from "./index.js";
import { itsCmd } from "./test/index.js";

const ITS = 0x0808_0000;
const DT = 0x10000; // device table, 64 KiB flat
const CT = 0x20000; // collection table
const Q = 0x30000; // command queue, 4 KiB
const PROP = 0x40000;
const PEND = [0x50000, 0x60000];
const ITT = 0x70000;

function setup(opts: { indirect?: boolean } = {}) {
  const bus = new Bus();
  bus.addRam("ram", 0, 0x100000);
  const irq = [new RecordingIrqLine(), new RecordingIrqLine()];
  const gic = new Gicv3({ mpidrs: [0, 1], irqLines: irq, dma: new BusDmaSpace(bus), lpiIdBits: 16 });
  const its = gic.createIts({ base: ITS, busDeviceId: 0x42 });
  bus.addMmio("its", ITS, 0x20000, its);
  const d = gic.distributor;
  const icc = gic.cpuInterface;
  d.write(0, 4, 0x13);
  for (let p = 0; p < 2; p++) {
    const r = gic.redistributor(p);
    r.write(0x14, 4, 0);
    r.write(0x70, 4, PROP | 15);
    r.write(0x78, 4, PEND[p]!);
    r.write(0, 4, 1);
    icc.write(p, ICC.PMR_EL1, 0xf0n);
    icc.write(p, ICC.IGRPEN1_EL1, 1n);
  }
  for (let i = 0; i < 256; i++) bus.write(PROP + i, 1, 0xa0 | 3);
  // GITS_BASER0 (devices): 64 KiB pages, one page (indirect: one level-1 page).
  its.write(0x100, 4, DT | (2 << 8));
  its.write(0x104, 4, 0x80000000 | (opts.indirect ? 0x40000000 : 0));
  its.write(0x108, 4, CT | (2 << 8));
  its.write(0x10c, 4, 0x80000000);
  its.write(0x80, 4, Q); // 4 KiB queue
  its.write(0x84, 4, 0x80000000);
  its.write(0, 4, 1);
  let cw = 0;
  const send = (...cmds: Uint8Array[]) => {
    for (const c of cmds) {
      bus.writeBytes(Q + cw, c);
      cw = (cw + 32) % 4096;
    }
    its.write(0x88, 4, cw);
  };
  return { bus, gic, its, icc, irq, send };
}

describe("ITS registers", () => {
  it("GITS_TYPER, BASER read-only fields, CBASER resets CREADR, CWRITER outside the queue is ignored", () => {
    const { its } = setup();
    const t = its.read(0x8, 4);
    expect(t & 1).toBe(1); // Physical
    expect((t >>> 4) & 0xf).toBe(7); // ITT entry size 8
    expect((t >>> 8) & 0x1f).toBe(15); // 16 EventID bits
    expect((t >>> 13) & 0x1f).toBe(15); // 16 DeviceID bits
    expect((t >>> 19) & 1).toBe(0); // PTA = 0
    expect(its.read(0x104, 4) >>> 24).toBe(0x81); // Valid, Type = Device
    expect((its.read(0x104, 4) >>> 16) & 0x1f).toBe(7);
    expect(its.read(0x10c, 4) >>> 24).toBe(0x84);
    expect(its.read(0x114, 4)).toBe(0); // BASER2 unimplemented
    expect(its.read(0, 4)).toBe(1);
    its.write(0x104, 4, 0); // ignored while enabled
    expect(its.read(0x104, 4) >>> 31).toBe(1);
    its.write(0x88, 4, 0x2000); // beyond the 4 KiB queue
    expect(its.read(0x88, 4)).toBe(0);
    its.write(0, 4, 0);
    expect(its.read(0, 4) >>> 31).toBe(1); // Quiescent
    its.write(0x80, 4, 0x30000);
    expect(its.read(0x90, 4)).toBe(0);
  });
});

describe("ITS commands", () => {
  it("MAPD/MAPC/MAPTI/MAPI then TRANSLATER, INT, CLEAR, INV, MOVI, MOVALL, DISCARD, SYNC", () => {
    const { its, icc, irq, send, bus, gic } = setup();
    send(itsCmd.mapc(0, 0), itsCmd.mapc(1, 1), itsCmd.mapd(0x42, ITT, 4), itsCmd.mapti(0x42, 3, 8200, 0));
    send(itsCmd.mapi(0x42, 9, 1)); // MAPI uses the EventID as the pINTID: 9 is no LPI
    expect(its.commandErrors.map((e) => e.code)).toEqual([ITS_ERR.MAPI_ID_OOR]);
    its.commandErrors.length = 0;
    // Over the bus: GITS_TRANSLATER with the bus device id 0x42.
    bus.write(ITS + 0x10040, 4, 3);
    expect(irq[0]!.level).toBe(true);
    expect(Number(icc.read(0, ICC.IAR1_EL1))).toBe(8200);
    icc.write(0, ICC.EOIR1_EL1, 8200n);
    // INT then CLEAR
    send(itsCmd.devEvent(0x03, 0x42, 3));
    expect(irq[0]!.level).toBe(true);
    send(itsCmd.devEvent(0x04, 0x42, 3));
    expect(irq[0]!.level).toBe(false);
    // INV after disabling in the property table
    send(itsCmd.devEvent(0x03, 0x42, 3));
    bus.write(PROP + 8, 1, 0xa0 | 2);
    expect(irq[0]!.level).toBe(true);
    send(itsCmd.devEvent(0x0c, 0x42, 3));
    expect(irq[0]!.level).toBe(false);
    bus.write(PROP + 8, 1, 0xa0 | 3);
    send(itsCmd.invall(0), itsCmd.sync(0));
    expect(irq[0]!.level).toBe(true);
    // MOVI moves the pending LPI to collection 1 (PE1)
    send(itsCmd.movi(0x42, 3, 1));
    expect(irq[0]!.level).toBe(false);
    expect(irq[1]!.level).toBe(true);
    // Collection 1 is remapped to PE0, then MOVALL PE1 -> PE0 moves what is pending.
    send(itsCmd.mapc(1, 0), itsCmd.movall(1, 0));
    expect(irq[1]!.level).toBe(false);
    expect(gic.highestPending(0)).toBe(8200);
    // DISCARD: pending cleared and the mapping gone
    send(itsCmd.devEvent(0x0f, 0x42, 3));
    expect(irq[0]!.level).toBe(false);
    expect(its.sendMsi(ITS + 0x10040, 3, 0x42)).toBe(false);
    expect(its.commandErrors).toEqual([]);
    // MAPI with an EventID that is a valid LPI number.
    send(itsCmd.mapd(0x43, ITT + 0x1000, 16), itsCmd.mapi(0x43, 8300, 1));
    expect(its.sendMsi(ITS + 0x10040, 8300, 0x43)).toBe(true);
    expect(gic.highestPending(0)).toBe(8300); // collection 1 now maps to PE0
    expect(its.sendMsi(ITS + 0x10044, 8300, 0x43)).toBe(false); // not the doorbell
  });

  it("reports the spec's command errors and keeps going", () => {
    const { its, send, irq } = setup();
    send(
      itsCmd.mapd(0x1_0000, ITT, 4), // DeviceID >= 2^16
      itsCmd.mapd(9000, ITT, 4), // beyond the 8192-entry flat table
      itsCmd.mapd(1, ITT, 17), // more EventID bits than GITS_TYPER.ID_bits
      itsCmd.mapc(9000, 0), // collection beyond the table
      itsCmd.mapc(2, 7), // no processor 7
      itsCmd.mapti(5, 0, 8192, 0), // device 5 not mapped
      itsCmd.mapd(1, ITT, 2),
      itsCmd.mapti(1, 4, 8192, 0), // EventID 4 >= 2^2
      itsCmd.mapti(1, 0, 100, 0), // not an LPI
      itsCmd.mapti(1, 0, 8192, 9000), // collection out of range
      itsCmd.devEvent(0x03, 1, 1), // INT of an unmapped event
      itsCmd.devEvent(0x04, 1, 1),
      itsCmd.devEvent(0x0c, 1, 1),
      itsCmd.devEvent(0x0f, 1, 1),
      itsCmd.movi(1, 1, 0),
      itsCmd.invall(3), // collection 3 not mapped
      itsCmd.movall(0, 5),
      itsCmd.mapc(0, 0),
      itsCmd.mapti(1, 0, 8192, 0),
      itsCmd.devEvent(0x03, 1, 0), // finally a good one
    );
    expect(its.commandErrors.map((e) => e.code)).toEqual([
      ITS_ERR.MAPD_DEVICE_OOR,
      ITS_ERR.MAPD_DEVICE_OOR,
      ITS_ERR.MAPD_ITTSIZE_OOR,
      ITS_ERR.MAPC_COLLECTION_OOR,
      ITS_ERR.MAPC_PROCNUM_OOR,
      ITS_ERR.MAPTI_UNMAPPED_DEVICE,
      ITS_ERR.MAPTI_ID_OOR,
      ITS_ERR.MAPTI_PHYSICALID_OOR,
      ITS_ERR.MAPTI_COLLECTION_OOR,
      ITS_ERR.INT_UNMAPPED_INTERRUPT,
      ITS_ERR.CLEAR_UNMAPPED_INTERRUPT,
      ITS_ERR.INV_UNMAPPED_INTERRUPT,
      ITS_ERR.DISCARD_UNMAPPED_INTERRUPT,
      ITS_ERR.MOVI_UNMAPPED_INTERRUPT,
      ITS_ERR.INVALL_UNMAPPED_COLLECTION,
      ITS_ERR.MOVALL_PROCNUM_OOR,
    ]);
    expect(its.commandErrors[0]!.offset).toBe(0);
    expect(irq[0]!.level).toBe(true);
    expect(its.read(0x90, 4)).toBe(20 * 32);
  });

  it("the queue wraps, and a queue outside RAM stalls (GITS_CREADR.Stalled) until Retry", () => {
    const { its, send, bus, irq } = setup();
    send(itsCmd.mapc(0, 0), itsCmd.mapd(2, ITT, 4), itsCmd.mapti(2, 1, 8195, 0));
    for (let i = 0; i < 130; i++) send(itsCmd.sync(0)); // 133 commands > 128 slots
    expect(its.read(0x90, 4)).toBe((133 * 32) % 4096);
    send(itsCmd.devEvent(0x03, 2, 1));
    expect(irq[0]!.level).toBe(true);
    // Move the queue where there is no RAM.
    its.write(0, 4, 0);
    its.write(0x80, 4, 0);
    its.write(0x84, 4, 0x80000001); // PA 4 GiB: nothing there
    its.write(0, 4, 1);
    its.write(0x88, 4, 32);
    expect(its.read(0x90, 4)).toBe(1); // offset 0, Stalled
    void bus;
  });

  it("two-level device table: level-1 entry points at a level-2 page", () => {
    const { its, send, bus, gic } = setup({ indirect: true });
    // DeviceID 0x2005 -> level-1 index 1 (8192 entries per 64 KiB page)
    const l2 = 0x80000;
    bus.write(DT + 8, 4, l2);
    bus.write(DT + 12, 4, 0x80000000);
    send(itsCmd.mapc(0, 1), itsCmd.mapd(0x2005, ITT, 3), itsCmd.mapti(0x2005, 7, 8300, 0));
    send(itsCmd.mapd(0x0005, ITT, 3)); // level-1 entry 0 invalid -> DEVICE_OOR
    expect(its.commandErrors.map((e) => e.code)).toEqual([ITS_ERR.MAPD_DEVICE_OOR]);
    expect(bus.read(l2 + 5 * 8 + 4, 4) >>> 31).toBe(1);
    expect(its.sendMsi(ITS + 0x10040, 7, 0x2005)).toBe(true);
    expect(gic.highestPending(1)).toBe(8300);
  });
});
