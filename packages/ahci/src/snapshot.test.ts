import { SnapshotError } from "@armature/core";
import {
  expectTruncatedRefused,
  RecordingIrqLine,
  restoreStateInto,
  savedState,
  thrownBy,
} from "@armature/core/test";
import { describe, expect, it } from "vitest";
import { AtapiDvd } from "./atapi.js";
import { SataDisk } from "./disk.js";
import { AhciHba } from "./hba.js";
import { AhciTestDriver, TEST_RAM_BASE, TEST_RAM_SIZE, TestBlockBackend, testMemory } from "./test/index.js";
import { buildIso9660 } from "./test/iso.js";

const ISO = buildIso9660([{ name: "HELLO.TXT", data: new TextEncoder().encode("hello\n") }]);

function machine(o: { diskBytes?: number; dvd?: boolean } = {}) {
  const { bus, dma } = testMemory();
  const disk = new TestBlockBackend(o.diskBytes ?? 8 << 20, { readOnly: false });
  for (let i = 0; i < disk.size; i += 512) disk.data[i] = (i / 512) & 0xff;
  const sata = new SataDisk(disk, { model: "TEST DISK", serial: "SN123", firmware: "FW1" });
  const dvd = new AtapiDvd(o.dvd === false ? {} : { medium: new TestBlockBackend(ISO, { readOnly: true }) });
  const hba = new AhciHba({ dma, irq: new RecordingIrqLine(), devices: [sata, dvd] });
  return { bus, hba, dvd, drv: new AhciTestDriver(bus, hba) };
}

/** The HBA's registers and both ports' registers. */
function registers(hba: AhciHba): number[] {
  const r: number[] = [];
  for (let off = 0; off < 0x100 + 2 * 0x80; off += 4) r.push(hba.read(off, 4));
  return r;
}

const IDENTIFY = { tf: { command: 0xec }, bytes: 512 };

/** A guest that probed both ports, turned the write cache off, locked the tray and left sense data. */
function driven() {
  const m = machine();
  expect(m.drv.probe()).toEqual(["ata", "atapi"]);
  m.drv.issue(0, { tf: { command: 0xef, features: 0x82 } }); // SET FEATURES: disable write cache
  m.drv.packet(1, [0x1e, 0, 0, 0, 1, 0], 0); // PREVENT ALLOW MEDIUM REMOVAL: prevent
  m.drv.packet(1, [0xff, 0, 0, 0, 0, 0], 0); // an invalid opcode: ILLEGAL REQUEST
  return m;
}

function copyRam(from: ReturnType<typeof machine>, to: ReturnType<typeof machine>): void {
  const b = new Uint8Array(TEST_RAM_SIZE);
  from.bus.readBytes(TEST_RAM_BASE, b);
  to.bus.writeBytes(TEST_RAM_BASE, b);
}

describe("AHCI snapshot", () => {
  it("a restored HBA, disk and DVD drive read back the same registers, settings, sense and lock", () => {
    const a = driven();
    const b = machine();
    copyRam(a, b);
    restoreStateInto(a.hba, b.hba);
    expect(registers(b.hba)).toEqual(registers(a.hba));
    expect(savedState(b.hba)).toEqual(savedState(a.hba));
    expect(b.dvd.locked).toBe(true);
    // The guest's next commands see the same device on both.
    // The error stalled port 1 (PxCI still set) until the driver restarts its engine.
    expect(b.hba.read(0x100 + 0x80 + 0x38, 4)).toBe(1);
    for (const m of [a, b]) m.drv.restartEngine(1);
    const senseB = b.drv.sense(1);
    expect(senseB).toEqual(a.drv.sense(1));
    expect(senseB).toEqual([0x5, 0x20, 0]); // ILLEGAL REQUEST, INVALID COMMAND OPERATION CODE
    const idA = a.drv.issue(0, IDENTIFY).data;
    const idB = b.drv.issue(0, IDENTIFY).data;
    expect(idB).toEqual(idA);
    expect(idB[85 * 2]! & 0x20).toBe(0); // word 85 bit 5: write cache disabled
    const read = b.drv.issue(0, { tf: { command: 0x25, lba: 3, count: 1, device: 0x40 }, bytes: 512 });
    expect(read.data[0]).toBe(3);
    a.drv.issue(0, { tf: { command: 0x25, lba: 3, count: 1, device: 0x40 }, bytes: 512 });
    expect(registers(b.hba)).toEqual(registers(a.hba));
  });

  it("refuses another medium or disk size, a truncated or over-long section, and changes nothing", () => {
    const a = driven();
    const bytes = savedState(a.hba);
    const noMedium = machine({ dvd: false });
    const e = thrownBy(() => restoreStateInto(a.hba, noMedium.hba), SnapshotError);
    expect(e.reason).toBe("disk");
    expect(e.message).toMatch(/had a \d+-byte medium, this one has none/);
    const bigger = machine({ diskBytes: 16 << 20 });
    expect(() => restoreStateInto(a.hba, bigger.hba)).toThrow(/sectors/);
    const fresh = machine();
    const before = registers(fresh.hba);
    expect(expectTruncatedRefused(fresh.hba, bytes)).toBe(bytes.length + 1);
    expect(registers(fresh.hba)).toEqual(before);
    expect(fresh.dvd.locked).toBe(false);
  });
});
