import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Bus } from "./bus.js";
import { BusError, RegionOverlapError } from "./errors.js";
import { ScratchMmio } from "./test/index.js";

// A naive reference model: every byte address maps to (region index, offset) by linear search.
interface ModelRegion {
  kind: "ram" | "mmio";
  base: number;
  size: number;
}

function modelFind(rs: ModelRegion[], a: number): number {
  return rs.findIndex((r) => a >= r.base && a < r.base + r.size);
}

const regionSet = fc
  .array(
    fc.record({
      kind: fc.constantFrom<"ram" | "mmio">("ram", "mmio"),
      gap: fc.integer({ min: 0, max: 12 }),
      size: fc.integer({ min: 1, max: 24 }),
    }),
    { minLength: 1, maxLength: 6 },
  )
  .map((specs) => {
    let at = 0x1000;
    const out: ModelRegion[] = [];
    for (const s of specs) {
      at += s.gap;
      out.push({ kind: s.kind, base: at, size: s.size });
      at += s.size;
    }
    return out;
  });

describe("Bus against a byte-wise reference model", () => {
  it("dispatches random accesses exactly like the model", () => {
    fc.assert(
      fc.property(
        regionSet,
        fc.array(
          fc.record({
            off: fc.integer({ min: -8, max: 200 }),
            size: fc.constantFrom<1 | 2 | 4>(1, 2, 4),
            write: fc.boolean(),
            value: fc.integer({ min: 0, max: 0xffffffff }),
          }),
          { maxLength: 40 },
        ),
        fc.boolean(),
        (regions, accesses, shuffle) => {
          const bus = new Bus();
          // Placement order must not matter.
          const order = shuffle ? [...regions].reverse() : regions;
          const devs = new Map<ModelRegion, ScratchMmio>();
          for (const r of order) {
            if (r.kind === "ram") bus.addRam(`r${r.base}`, r.base, r.size);
            else {
              const d = new ScratchMmio(r.size);
              devs.set(r, d);
              bus.addMmio(`m${r.base}`, r.base, r.size, d);
            }
          }
          const mem = new Map<number, number>(); // model contents, byte address -> value
          for (const acc of accesses) {
            const addr = 0x1000 + acc.off;
            const idx: number[] = [];
            for (let i = 0; i < acc.size; i++) idx.push(modelFind(regions, addr + i));
            const first = idx[0]!;
            const whole = first >= 0 && idx.every((x) => x === first);
            const anyUnmapped = idx.some((x) => x < 0);
            const anyMmio = idx.some((x) => x >= 0 && regions[x]!.kind === "mmio");
            let expectErr: string | null = null;
            if (!whole) expectErr = anyUnmapped ? "unmapped" : anyMmio ? "straddle" : null;
            const mask = acc.size === 4 ? 0xffffffff : acc.size === 2 ? 0xffff : 0xff;
            if (acc.write) {
              const run = () => bus.write(addr, acc.size, acc.value);
              if (expectErr) {
                expect(run).toThrow(BusError);
                try {
                  run();
                } catch (e) {
                  expect((e as BusError).kind).toBe(expectErr);
                }
                continue;
              }
              run();
              if (whole && regions[first]!.kind === "mmio") {
                const d = devs.get(regions[first]!)!;
                const last = d.log[d.log.length - 1]!;
                expect(last).toEqual({
                  op: "w",
                  offset: addr - regions[first]!.base,
                  size: acc.size,
                  value: (acc.value & mask) >>> 0,
                });
              }
              for (let i = 0; i < acc.size; i++) {
                const r = regions[idx[i]!]!;
                if (r.kind === "ram") mem.set(addr + i, (acc.value >>> (8 * i)) & 0xff);
              }
            } else {
              const run = () => bus.read(addr, acc.size);
              if (expectErr) {
                expect(run).toThrow(BusError);
                continue;
              }
              const got = run();
              if (whole && regions[first]!.kind === "mmio") {
                const d = devs.get(regions[first]!)!;
                const off = addr - regions[first]!.base;
                let v = 0;
                for (let i = acc.size - 1; i >= 0; i--) v = v * 256 + d.bytes[off + i]!;
                expect(got).toBe(v);
              } else {
                let v = 0;
                for (let i = acc.size - 1; i >= 0; i--) v = v * 256 + (mem.get(addr + i) ?? 0);
                expect(got).toBe(v);
              }
            }
          }
        },
      ),
      { numRuns: 500 },
    );
  });

  it("rejects overlapping placements naming both regions", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 100 }),
        fc.integer({ min: 1, max: 100 }),
        fc.integer({ min: 0, max: 200 }),
        fc.integer({ min: 1, max: 100 }),
        (b1, s1, b2, s2) => {
          const bus = new Bus();
          bus.addRam("alpha", b1, s1);
          const overlaps = b2 < b1 + s1 && b1 < b2 + s2;
          const place = () => bus.addMmio("beta", b2, s2, new ScratchMmio(s2));
          if (overlaps) {
            expect(place).toThrow(RegionOverlapError);
            expect(place).toThrow(/"beta".*"alpha"/);
          } else {
            expect(place).not.toThrow();
          }
        },
      ),
    );
  });

  it("splits 64-bit MMIO accesses into two 32-bit halves, low word first", () => {
    const bus = new Bus();
    const d = new ScratchMmio(16);
    bus.addMmio("dev", 0x100, 16, d);
    bus.write64(0x104, 0x1122334455667788n);
    expect(d.log).toEqual([
      { op: "w", offset: 4, size: 4, value: 0x55667788 },
      { op: "w", offset: 8, size: 4, value: 0x11223344 },
    ]);
    expect(bus.read64(0x104)).toBe(0x1122334455667788n);
  });

  it("uses read64/write64 when the device has them", () => {
    const bus = new Bus();
    const seen: bigint[] = [];
    bus.addMmio("dev", 0, 8, {
      read: () => 0,
      write: () => {},
      read64: () => 0xfedcba9876543210n,
      write64: (_o, v) => {
        seen.push(v);
      },
    });
    bus.write64(0, -1n);
    expect(seen).toEqual([0xffffffffffffffffn]);
    expect(bus.read64(0)).toBe(0xfedcba9876543210n);
  });

  it("composes accesses across adjacent RAM regions and copies bytes across them", () => {
    const bus = new Bus();
    bus.addRam("lo", 0, 4);
    bus.addRam("hi", 4, 4);
    bus.write(2, 4, 0xaabbccdd);
    expect(bus.read(2, 4)).toBe(0xaabbccdd);
    bus.write64(0, 0x0102030405060708n);
    expect(bus.read64(0)).toBe(0x0102030405060708n);
    const out = new Uint8Array(8);
    bus.readBytes(0, out);
    expect([...out]).toEqual([8, 7, 6, 5, 4, 3, 2, 1]);
    expect(() => bus.readBytes(4, new Uint8Array(8))).toThrow(BusError);
    expect(() => bus.writeBytes(4, new Uint8Array(8))).toThrow(BusError);
    // a refused write has no partial effect
    expect(bus.read(4, 4)).toBe(0x01020304);
  });
});
