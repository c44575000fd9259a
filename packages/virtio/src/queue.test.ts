import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { PackedQueue } from "./packed.js";
import { type DescChain, SplitQueue } from "./queue.js";
import { configured, DriverPackedQueue, DriverSplitQueue, GuestMemory } from "./test/index.js";

const RUNS = Number(process.env.FC_NUM_RUNS ?? 300);

type Seg = { write: boolean; len: number };
type Op =
  | { op: "add"; segs: Seg[]; indirect: boolean }
  | { op: "process"; k: number; frac: number }
  | { op: "usedEvent"; delta: number }
  | { op: "noInterrupt"; on: boolean }
  | { op: "check" };

const segArb = fc.record({ write: fc.boolean(), len: fc.integer({ min: 0, max: 64 }) });
const opArb: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      op: fc.constant("add" as const),
      segs: fc.array(segArb, { minLength: 1, maxLength: 5 }),
      indirect: fc.boolean(),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      op: fc.constant("process" as const),
      k: fc.integer({ min: 0, max: 8 }),
      frac: fc.double({ min: 0, max: 1, noNaN: true }),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ op: fc.constant("usedEvent" as const), delta: fc.integer({ min: -3, max: 6 }) }),
  },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("noInterrupt" as const), on: fc.boolean() }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant("check" as const) }) },
);

/**
 * Reference for the driver's interrupt wish (§2.7.7 / §2.7.10), written as a plain scan: with
 * EVENT_IDX the driver wants an interrupt when the used index moved past used_event, i.e.
 * used_event is one of old, old+1, ..., new-1 (mod 2^16); without it, unless NO_INTERRUPT is set.
 */
function refWantsInterrupt(
  eventIdx: boolean,
  old: number,
  now: number,
  usedEvent: number,
  noInt: boolean,
): boolean {
  if (old === now) return false;
  if (!eventIdx) return !noInt;
  for (let i = old; i !== now; i = (i + 1) & 0xffff) if (i === usedEvent) return true;
  return false;
}

describe("split virtqueue against a reference model", () => {
  it("pops exactly the chains the driver added, in order, and completes them in order", () => {
    fc.assert(
      fc.property(
        fc.constantFrom(1, 2, 4, 8, 16),
        fc.integer({ min: 0, max: 0xffff }),
        fc.boolean(),
        fc.array(opArb, { minLength: 1, maxLength: 60 }),
        (size, start, eventIdx, ops) => {
          const mem = new GuestMemory(0x4000_0000, 2 << 20);
          const drv = new DriverSplitQueue(mem, size);
          const dev = configured(drv, new SplitQueue(mem.dma), { eventIdx });
          dev.restore(start, start);
          drv.startAt(start);
          const added: Array<{ head: number; segs: Seg[]; addrs: number[] }> = [];
          const pushed: Array<{ id: number; len: number }> = [];
          let refUsed = start;
          let refSignalled = start;
          let usedEvent = start;
          let noInt = false;
          drv.setUsedEvent(usedEvent);
          for (const o of ops) {
            if (o.op === "add") {
              const segs = [...o.segs.filter((s) => !s.write), ...o.segs.filter((s) => s.write)];
              const bufs = segs.map((s) =>
                s.write ? { writable: s.len } : { readable: new Uint8Array(s.len).fill(s.len) },
              );
              const head = drv.add(bufs, { indirect: o.indirect, tag: added.length });
              if (head >= 0) added.push({ head, segs, addrs: [] });
            } else if (o.op === "process") {
              for (let i = 0; i < o.k; i++) {
                const c: DescChain | null = dev.pop();
                if (c === null) {
                  expect(added).toHaveLength(0);
                  // §2.7.10: with EVENT_IDX an empty ring publishes avail_event = next index wanted.
                  if (eventIdx) expect(drv.availEvent()).toBe(dev.lastAvail);
                  break;
                }
                const want = added.shift()!;
                expect(c.head).toBe(want.head);
                expect(c.count).toBe(want.segs.length);
                expect(c.readableCount).toBe(want.segs.filter((s) => !s.write).length);
                for (let s = 0; s < c.count; s++) expect(c.len[s]).toBe(want.segs[s]!.len);
                const rd = new Uint8Array(c.readableBytes);
                expect(c.read(0, rd)).toBe(c.readableBytes);
                let off = 0;
                for (const s of want.segs.filter((x) => !x.write)) {
                  expect(rd.subarray(off, off + s.len).every((b) => b === s.len)).toBe(true);
                  off += s.len;
                }
                const written = Math.floor(c.writableBytes * o.frac);
                expect(c.write(0, new Uint8Array(written).fill(0xab))).toBe(written);
                dev.push(c, written);
                pushed.push({ id: c.head, len: written });
                refUsed = (refUsed + 1) & 0xffff;
              }
            } else if (o.op === "usedEvent") {
              usedEvent = (refUsed + o.delta) & 0xffff;
              drv.setUsedEvent(usedEvent);
            } else if (o.op === "noInterrupt") {
              noInt = o.on;
              drv.setNoInterrupt(o.on);
            } else {
              expect(dev.needInterrupt()).toBe(
                refWantsInterrupt(eventIdx, refSignalled, refUsed, usedEvent, noInt),
              );
              refSignalled = refUsed;
            }
          }
          expect(dev.fault).toBeUndefined();
          expect(drv.usedIdx()).toBe(refUsed);
          const used = drv.takeUsed();
          expect(used.map((u) => ({ id: u.id, len: u.len }))).toEqual(pushed);
          for (const u of used) expect(drv.readWritten(u).every((b) => b === 0xab)).toBe(true);
        },
      ),
      { numRuns: RUNS },
    );
  });

  it("faults (never throws) on loops, bad indices, bad indirect tables and readable-after-writable", () => {
    const cases: Array<[string, (m: GuestMemory, d: DriverSplitQueue) => void]> = [
      ["loop", (m, d) => m.setU16(d.desc + 16 * 1 + 14, 0)],
      ["next past table", (m, d) => m.setU16(d.desc + 16 * 1 + 14, 99)],
      ["head past table", (m, d) => m.setU16(d.avail + 4, 77)],
      ["readable after writable", (m, d) => m.setU16(d.desc + 12, 1 | 2)],
      [
        "nested indirect",
        (m, d) => {
          m.setU16(d.desc + 12, 4);
          m.setU32(d.desc + 8, 32);
          m.setU64(d.desc, d.desc);
        },
      ],
      ["indirect with NEXT", (m, d) => m.setU16(d.desc + 12, 4 | 1)],
      [
        "indirect length not multiple of 16",
        (m, d) => {
          m.setU16(d.desc + 12, 4);
          m.setU32(d.desc + 8, 20);
        },
      ],
      ["avail idx jump", (m, d) => m.setU16(d.avail + 2, 9)],
      ["ring outside RAM", (_m, _d) => {}],
    ];
    for (const [name, corrupt] of cases) {
      const mem = new GuestMemory(0x4000_0000, 1 << 20);
      const drv = new DriverSplitQueue(mem, 4);
      const outside = name === "ring outside RAM";
      const dev = configured(drv, new SplitQueue(mem.dma), {
        driverAddr: outside ? 0x9000_0000 : drv.avail,
        eventIdx: true,
      });
      drv.add([{ readable: new Uint8Array(4) }, { readable: new Uint8Array(4) }, { writable: 4 }]);
      corrupt(mem, drv);
      expect(() => dev.pop(), name).not.toThrow();
      expect(dev.fault, name).toBeDefined();
      expect(dev.pop(), name).toBeNull();
    }
  });
});

describe("chain rules of both rings", () => {
  it("a device-readable buffer after a writable one, or a chain over 4 GiB, faults the queue, direct or indirect (§2.7.4.2, §2.8.4)", () => {
    const A = 0x4001_0000;
    const cases: Array<[string, { addr: number; len: number; write: boolean }[], string]> = [
      [
        "readable after writable",
        [
          { addr: A, len: 8, write: false },
          { addr: A, len: 8, write: true },
          { addr: A, len: 8, write: false },
        ],
        "device-readable descriptor after a writable one",
      ],
      [
        "over 4 GiB",
        [
          { addr: A, len: 0x8000_0000, write: false },
          { addr: A, len: 0x8000_0000, write: true },
        ],
        "descriptor chain longer than 4 GiB",
      ],
      [
        "4 GiB less one byte",
        [
          { addr: A, len: 0x8000_0000, write: false },
          { addr: A, len: 0x7fff_ffff, write: true },
        ],
        "",
      ],
    ];
    for (const packed of [false, true])
      for (const indirect of [false, true])
        for (const [name, segs, fault] of cases) {
          const mem = new GuestMemory(0x4000_0000, 1 << 20);
          const drv = packed ? new DriverPackedQueue(mem, 8) : new DriverSplitQueue(mem, 8);
          const dev = configured(drv, packed ? new PackedQueue(mem.dma) : new SplitQueue(mem.dma));
          drv.addSegments(segs, { indirect });
          const what = `${packed ? "packed" : "split"}${indirect ? " indirect" : ""}: ${name}`;
          const chain = dev.pop();
          expect(dev.fault ?? "", what).toBe(fault);
          expect(chain === null, what).toBe(fault !== "");
        }
  });
});
