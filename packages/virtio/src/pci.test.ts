import type { PciFunctionHost } from "@armature/core";
import { MemoryBlockBackend } from "@armature/core";
import { describe, expect, it } from "vitest";
import { VirtioBlk } from "./blk.js";
import { VirtioPciFunction } from "./pci.js";
import { VirtioRng } from "./rng.js";
import { DriverSplitQueue, GuestMemory, initializeDevice, PciTransportDriver } from "./test/index.js";

const ALL = (1n << 64n) - 1n;

describe("virtio-pci function", () => {
  it("capabilities follow §4.1.4: vendor caps inside their BARs, aligned, with the right lengths", () => {
    const mem = new GuestMemory();
    const fn = new VirtioPciFunction(new VirtioBlk(new MemoryBlockBackend(4096)), { dma: mem.dma });
    expect(fn.ids.vendorId).toBe(0x1af4);
    expect(fn.ids.deviceId).toBe(0x1042);
    expect(fn.ids.revisionId).toBeGreaterThanOrEqual(1);
    expect(fn.ids.subsystemId).toBeGreaterThanOrEqual(0x40);
    const seen = new Map<number, { bar: number; off: number; len: number; capLen: number; at: number }>();
    let msix = 0;
    for (let p = fn.capabilityPointer, n = 0; p !== 0 && n < 48; p = fn.configRead(p + 1, 1), n++) {
      expect(p % 4).toBe(0);
      const id = fn.configRead(p, 1);
      if (id === 0x11) msix = p;
      if (id !== 0x09) continue;
      const type = fn.configRead(p + 3, 1);
      seen.set(type, {
        bar: fn.configRead(p + 4, 1),
        off: fn.configRead(p + 8, 4),
        len: fn.configRead(p + 12, 4),
        capLen: fn.configRead(p + 2, 1),
        at: p,
      });
    }
    expect([...seen.keys()].sort()).toEqual([1, 2, 3, 4, 5]);
    const align: Record<number, number> = { 1: 4, 2: 2, 3: 1, 4: 4 };
    const minLen: Record<number, number> = { 1: 0x38, 2: 2, 3: 1, 4: 60 };
    for (const [type, c] of seen) {
      if (type === 5) {
        expect(c.capLen).toBe(20);
        continue;
      }
      const bar = fn.bars.find((b) => b.index === c.bar)!;
      expect(bar, `cap ${type}`).toBeDefined();
      expect(c.off % align[type]!).toBe(0);
      expect(c.len).toBeGreaterThanOrEqual(minLen[type]!);
      expect(c.off + c.len).toBeLessThanOrEqual(bar.size);
      expect(c.capLen).toBe(type === 2 ? 20 : 16);
    }
    expect(fn.configRead(seen.get(2)!.at + 16, 4) % 2).toBe(0); // notify_off_multiplier: even (§4.1.4.4)
    // MSI-X: one vector per queue plus config, table in BAR 1.
    expect(msix).toBe(0x40);
    expect((fn.configRead(msix + 2, 2) & 0x7ff) + 1).toBe(2);
    expect(fn.configRead(msix + 4, 4) & 7).toBe(1);
    expect(fn.configRead(msix + 8, 4)).toBe(0x801); // PBA: BAR 1, offset 0x800
  });

  it("MSI-X: unusable vectors read back NO_VECTOR; masked vectors go pending and fire on unmask", () => {
    const mem = new GuestMemory();
    const fn = new VirtioPciFunction(new VirtioRng({ fill: (b) => b.fill(1) }), { dma: mem.dma });
    const t = new PciTransportDriver(fn);
    const q = new DriverSplitQueue(mem, 4);
    initializeDevice(t, ALL, [q]);
    // Message Control (PCI 3.0 §6.8.2.3) reads back enabled, with table size 2 - 1, whatever the width.
    expect([fn.configRead(0x42, 2), fn.configRead(0x43, 1), fn.configRead(0x40, 4) >>> 16]).toEqual([
      0x8001, 0x80, 0x8001,
    ]);
    const common = fn.bars.find((b) => b.index === 4)!.device;
    common.write(0x10, 2, 9);
    expect(common.read(0x10, 2)).toBe(0xffff);
    common.write(0x10, 2, 0);
    const msixBar = fn.bars.find((b) => b.index === 1)!.device;
    msixBar.write(16 * 1 + 12, 4, 1); // mask vector 1 (queue 0)
    t.takeInterrupts();
    q.add([{ writable: 4 }]);
    t.notify(0);
    expect(t.msis).toHaveLength(0);
    expect(msixBar.read(0x800, 4)).toBe(2);
    msixBar.write(16 * 1 + 12, 4, 0);
    expect(t.msis).toHaveLength(1);
    expect(t.msis[0]!.data).toBe(1);
    expect(msixBar.read(0x800, 4)).toBe(0);
  });

  it("VIRTIO_PCI_CAP_PCI_CFG window reaches BAR registers (§4.1.4.9)", () => {
    const mem = new GuestMemory();
    const fn = new VirtioPciFunction(new VirtioBlk(new MemoryBlockBackend(4096)), { dma: mem.dma });
    new PciTransportDriver(fn);
    let at = 0;
    for (let p = fn.capabilityPointer; p !== 0; p = fn.configRead(p + 1, 1))
      if (fn.configRead(p + 3, 1) === 5) at = p;
    fn.configWrite(at + 4, 1, 4);
    fn.configWrite(at + 8, 4, 0x12); // num_queues
    fn.configWrite(at + 12, 4, 2);
    expect(fn.configRead(at + 16, 4)).toBe(1);
    fn.configWrite(at + 8, 4, 0x2000); // device config: capacity (8 sectors)
    fn.configWrite(at + 12, 4, 4);
    expect(fn.configRead(at + 16, 4)).toBe(8);
  });

  it("INTx: ISR read clears and de-asserts; enabling MSI-X drops INTx; no bus master, no work", () => {
    const mem = new GuestMemory();
    const fn = new VirtioPciFunction(new VirtioRng({ fill: (b) => b.fill(2) }), { dma: mem.dma });
    const t = new PciTransportDriver(fn, { msix: false });
    const q = new DriverSplitQueue(mem, 4);
    initializeDevice(t, ALL, [q]);
    q.add([{ writable: 4 }]);
    t.notify(0);
    expect(t.intx).toBe(true);
    expect(t.readIsr()).toBe(1);
    expect(t.intx).toBe(false);
    expect(t.readIsr()).toBe(0);
    q.setUsedEvent(1); // EVENT_IDX: ask for the next interrupt
    q.add([{ writable: 4 }]);
    t.notify(0);
    expect(t.intx).toBe(true);
    fn.configWrite(0x42, 2, 0x8000);
    expect(t.intx).toBe(false);
    // A host whose Command register has Bus Master Enable clear.
    let bme = false;
    const host: PciFunctionHost = {
      requesterId: 8,
      msi: { sendMsi: () => true },
      setIntx() {},
      busMasterEnabled: () => bme,
    };
    fn.attach(host);
    q.add([{ writable: 4 }]);
    const before = q.usedIdx();
    fn.bars.find((b) => b.index === 4)!.device.write(0x3000, 2, 0);
    expect(q.usedIdx()).toBe(before);
    bme = true;
    fn.bars.find((b) => b.index === 4)!.device.write(0x3000, 2, 0);
    expect(q.usedIdx()).toBe(before + 1);
  });
});
