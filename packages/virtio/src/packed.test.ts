import { MemoryBlockBackend } from "@armature/core";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { VirtioBlk, VirtioBlkType } from "./blk.js";
import { featureBit, VirtioFeature } from "./constants.js";
import { PackedQueue } from "./packed.js";
import { VirtioRng } from "./rng.js";
import { configured, DriverPackedQueue, GuestMemory, harness, initializeDevice } from "./test/index.js";

const RUNS = Number(process.env.FC_NUM_RUNS ?? 300);
const ALL = (1n << 64n) - 1n;

function hdr(type: number, sector: number): Uint8Array {
  const h = new Uint8Array(16);
  new DataView(h.buffer).setUint32(0, type, true);
  new DataView(h.buffer).setUint32(8, sector, true);
  return h;
}

describe.each(["mmio", "pci-msix", "pci-intx"] as const)("packed virtqueues over %s", (kind) => {
  it("blk writes and reads back through a packed ring (direct and indirect), wrapping around", () => {
    const disk = new MemoryBlockBackend(1 << 20);
    const h = harness(new VirtioBlk(disk), kind, undefined, { packed: true });
    const q = new DriverPackedQueue(h.mem, 5);
    const f = initializeDevice(h.t, ALL, [q]);
    expect(f & featureBit(VirtioFeature.RING_PACKED)).not.toBe(0n);
    for (let round = 0; round < 6; round++) {
      const data = new Uint8Array(1024).map((_, i) => (i * 31 + round) & 0xff);
      q.add([{ readable: hdr(VirtioBlkType.OUT, round * 2) }, { readable: data }, { writable: 1 }]);
      h.t.notify(0);
      let used = q.takeUsed();
      expect(used).toHaveLength(1);
      expect(disk.data.subarray(round * 1024, round * 1024 + 1024)).toEqual(data);
      q.add([{ readable: hdr(VirtioBlkType.IN, round * 2) }, { writable: 1024 }, { writable: 1 }], {
        indirect: round % 2 === 1,
      });
      h.t.notify(0);
      used = q.takeUsed();
      expect(used[0]!.len).toBe(1025);
      const back = q.readWritten(used[0]!);
      expect(back.subarray(0, 1024)).toEqual(data);
      expect(back[1024]).toBe(0);
    }
    expect(h.t.status()).toBe(15);
  });

  it("rng fills buffers through a packed ring", () => {
    const h = harness(new VirtioRng({ fill: (b) => b.fill(7) }), kind, undefined, { packed: true });
    const q = new DriverPackedQueue(h.mem, 4);
    initializeDevice(h.t, ALL, [q]);
    q.add([{ writable: 8 }]);
    q.add([{ writable: 4 }, { writable: 4 }]);
    h.t.notify(0);
    const used = q.takeUsed();
    expect(used.map((u) => u.len)).toEqual([8, 8]);
    expect(Array.from(q.readWritten(used[1]!))).toEqual([7, 7, 7, 7, 7, 7, 7, 7]);
  });
});

type Op =
  | { op: "add"; segs: Array<{ write: boolean; len: number }>; indirect: boolean }
  | { op: "process"; k: number }
  | { op: "event"; flags: number; ahead: number }
  | { op: "check" };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      op: fc.constant("add" as const),
      segs: fc.array(fc.record({ write: fc.boolean(), len: fc.integer({ min: 0, max: 40 }) }), {
        minLength: 1,
        maxLength: 4,
      }),
      indirect: fc.boolean(),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({ op: fc.constant("process" as const), k: fc.integer({ min: 0, max: 6 }) }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      op: fc.constant("event" as const),
      flags: fc.constantFrom(0, 1, 2, 2, 2),
      ahead: fc.integer({ min: 0, max: 6 }),
    }),
  },
  { weight: 2, arbitrary: fc.record({ op: fc.constant("check" as const) }) },
);

describe("packed virtqueue against a reference model", () => {
  it("pops what the driver added, returns used buffers by id, and decides interrupts per §2.8.10", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 9 }),
        fc.boolean(),
        fc.array(opArb, { minLength: 1, maxLength: 80 }),
        (size, eventIdx, ops) => {
          const mem = new GuestMemory(0x4000_0000, 2 << 20);
          const drv = new DriverPackedQueue(mem, size);
          const dev = configured(drv, new PackedQueue(mem.dma), { eventIdx });
          const added: Array<{ id: number; segs: Array<{ write: boolean; len: number }>; num: number }> = [];
          const pushed: Array<{ id: number; len: number }> = [];
          // Reference device position (slot, wrap) and the position at the last interrupt decision.
          let pos = { slot: 0, wrap: 1 };
          let signalled = { ...pos };
          let pushedSince = 0;
          let ev = { flags: 0, slot: 0, wrap: 0 };
          for (const o of ops) {
            if (o.op === "add") {
              const segs = [...o.segs.filter((s) => !s.write), ...o.segs.filter((s) => s.write)];
              const id = drv.add(
                segs.map((s) =>
                  s.write ? { writable: s.len } : { readable: new Uint8Array(s.len).fill(s.len) },
                ),
                { indirect: o.indirect },
              );
              if (id >= 0) added.push({ id, segs, num: o.indirect ? 1 : segs.length });
            } else if (o.op === "process") {
              for (let i = 0; i < o.k; i++) {
                const c = dev.pop();
                if (c === null) {
                  expect(added).toHaveLength(0);
                  break;
                }
                const want = added.shift()!;
                expect(c.head).toBe(want.id);
                expect(c.descCount).toBe(want.num);
                expect(Array.from({ length: c.count }, (_, s) => c.len[s])).toEqual(
                  want.segs.map((s) => s.len),
                );
                const w = c.writableBytes;
                expect(c.write(0, new Uint8Array(w).fill(0xab))).toBe(w);
                dev.push(c, w);
                pushed.push({ id: c.head, len: w });
                pushedSince++;
                for (let s = 0; s < want.num; s++) {
                  pos.slot++;
                  if (pos.slot === size) {
                    pos = { slot: 0, wrap: pos.wrap ^ 1 };
                  }
                }
              }
            } else if (o.op === "event") {
              // An event some positions ahead of the current one.
              let e = { ...pos };
              for (let s = 0; s < o.ahead; s++) {
                e.slot++;
                if (e.slot === size) e = { slot: 0, wrap: e.wrap ^ 1 };
              }
              ev = { flags: o.flags, slot: e.slot, wrap: e.wrap };
              drv.setEvent(o.flags, e.slot, e.wrap);
            } else {
              let want = false;
              if (pushedSince > 0) {
                if (ev.flags === 1) want = false;
                else if (ev.flags === 0 || !eventIdx) want = true;
                else {
                  // Scan the positions the device moved through since the last decision.
                  let p = { ...signalled };
                  while (p.slot !== pos.slot || p.wrap !== pos.wrap) {
                    if (p.slot === ev.slot && p.wrap === ev.wrap) want = true;
                    p.slot++;
                    if (p.slot === size) p = { slot: 0, wrap: p.wrap ^ 1 };
                  }
                }
                signalled = { ...pos };
                pushedSince = 0;
              }
              expect(dev.needInterrupt()).toBe(want);
            }
          }
          expect(dev.fault).toBeUndefined();
          const used = drv.takeUsed();
          expect(used.map((u) => ({ id: u.id, len: u.len }))).toEqual(pushed);
          for (const u of used) expect(drv.readWritten(u).every((b) => b === 0xab)).toBe(true);
        },
      ),
      { numRuns: RUNS },
    );
  });
});
