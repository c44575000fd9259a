import type { StateWriter } from "@armature/core";
import { expectTruncatedRefused, restoreStateInto, savedState } from "@armature/core/test";
import { describe, expect, it } from "vitest";
import { VirtioMmioReg as R, VirtioMmio } from "./mmio.js";
import { VirtioRng } from "./rng.js";
import {
  DriverPackedQueue,
  DriverSplitQueue,
  GuestMemory,
  initializeDevice,
  MmioTransportDriver,
} from "./test/index.js";

const ALL = (1n << 64n) - 1n;
/** A counting entropy source: byte i of the stream is i & 0xff. */
const counting = () => {
  let n = 0;
  return new VirtioRng({
    fill: (b) => {
      for (let i = 0; i < b.length; i++) b[i] = n++ & 0xff;
    },
  });
};

/** Every 32-bit register of the window, with each queue selected in turn. */
function registerDump(t: VirtioMmio): number[] {
  const out: number[] = [];
  for (let q = 0; q < 2; q++) {
    t.write(R.QueueSel, 4, q);
    for (let off = 0; off < 0x100; off += 4) if (off !== R.InterruptStatus) out.push(t.read(off, 4));
  }
  return out;
}

describe("virtio-mmio snapshot", () => {
  it("a restored transport reads back the same registers and carries on the same ring", () => {
    const mem = new GuestMemory();
    const d = new MmioTransportDriver();
    const a = new VirtioMmio(counting(), { dma: mem.dma, irq: d.line });
    d.connect(a);
    const q = new DriverSplitQueue(mem, 8);
    initializeDevice(d, ALL, [q]);
    q.add([{ writable: 16 }]);
    d.notify(0);
    expect(q.takeUsed()).toHaveLength(1);
    // Leave an interrupt unacknowledged and odd selectors, which the snapshot must carry.
    d.w(R.DeviceFeaturesSel, 1);
    d.w(R.DriverFeaturesSel, 1);

    const d2 = new MmioTransportDriver();
    const b = new VirtioMmio(counting(), { dma: mem.dma, irq: d2.line });
    const bytes = restoreStateInto(a, b);
    expect(b.read(R.InterruptStatus, 4)).toBe(1);
    expect(b.read(R.DeviceFeatures, 4)).toBe(a.read(R.DeviceFeatures, 4)); // selector 1: high word
    expect(b.read(R.Status, 4)).toBe(0xf);
    expect(registerDump(b)).toEqual(registerDump(a));
    expect(savedState(b)).toEqual(savedState(a));
    expect(bytes.length).toBeGreaterThan(16);

    // The next request on the restored transport continues the ring where the original left it.
    d2.connect(b);
    q.add([{ writable: 4 }]);
    d2.notify(0);
    const used = q.takeUsed();
    expect(used).toHaveLength(1);
    expect(used[0]!.len).toBe(4);
  });

  it("a packed ring carries on past its wrap: the restored device answers the next chains where the original would", () => {
    const mem = new GuestMemory();
    const d = new MmioTransportDriver();
    const a = new VirtioMmio(counting(), { dma: mem.dma, irq: d.line, packed: true });
    d.connect(a);
    const q = new DriverPackedQueue(mem, 4);
    initializeDevice(d, ALL, [q]);
    // Five chains through a 4-entry ring: the device's avail and used wrap counters have flipped.
    for (let i = 0; i < 5; i++) {
      q.add([{ writable: 2 }]);
      d.notify(0);
      expect(q.takeUsed()).toHaveLength(1);
    }
    const d2 = new MmioTransportDriver();
    const b = new VirtioMmio(counting(), { dma: mem.dma, irq: d2.line, packed: true });
    restoreStateInto(a, b);
    expect(savedState(b)).toEqual(savedState(a));
    d2.connect(b);
    for (let i = 0; i < 4; i++) {
      q.add([{ writable: 2 }]);
      d2.notify(0);
      const used = q.takeUsed();
      expect(used).toHaveLength(1);
      // b's own entropy source (a fresh counting stream) filled it: the ring, not the source, was restored.
      expect(Array.from(q.readWritten(used[0]!))).toEqual([2 * i, 2 * i + 1]);
    }
  });

  it("a truncated, over-long or bad section is refused and changes nothing", () => {
    const mem = new GuestMemory();
    const d = new MmioTransportDriver();
    const a = new VirtioMmio(counting(), { dma: mem.dma, irq: d.line });
    d.connect(a);
    initializeDevice(d, ALL, [new DriverSplitQueue(mem, 8)]);
    const fresh = new VirtioMmio(counting(), { dma: mem.dma, irq: new MmioTransportDriver().line });
    const bytes = savedState(a);
    expect(expectTruncatedRefused(fresh, bytes)).toBeGreaterThan(bytes.length - 2);
    const bad = bytes.slice();
    bad[0] = 0x10; // interrupt status has two bits
    const raw = { stateVersion: 1, saveState: (w: StateWriter) => w.raw(bad), loadState: () => () => {} };
    expect(() => restoreStateInto(raw, fresh)).toThrow(/interrupt status/);
    expect(fresh.read(R.Status, 4)).toBe(0);
  });
});
