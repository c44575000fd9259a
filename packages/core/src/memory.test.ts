import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ConfigError } from "./errors.js";
import { MAX_RAM_REGION, RAM_WINDOW, RamRegion } from "./memory.js";

describe("RamRegion accessors", () => {
  it("round-trip at every width and alignment, little-endian", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 56 }),
        fc.constantFrom(1, 2, 4, 8),
        fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }),
        (off, width, raw) => {
          const r = new RamRegion("ram", 0x4000_0000, 64);
          const v = BigInt.asUintN(width * 8, raw);
          if (width === 8) r.writeU64(off, v);
          else if (width === 4) r.writeU32(off, Number(v));
          else if (width === 2) r.writeU16(off, Number(v));
          else r.writeU8(off, Number(v));
          const back =
            width === 8
              ? r.readU64(off)
              : BigInt(width === 4 ? r.readU32(off) : width === 2 ? r.readU16(off) : r.readU8(off));
          expect(back).toBe(v);
          // byte order: least significant byte first
          for (let i = 0; i < width; i++) expect(BigInt(r.u8[off + i]!)).toBe((v >> BigInt(8 * i)) & 0xffn);
        },
      ),
    );
  });

  it("works over a SharedArrayBuffer with an offset", () => {
    const sab = new SharedArrayBuffer(32);
    const r = new RamRegion("shared", 0x1000, sab, 16);
    expect(r.size).toBe(16);
    r.writeU32(0, 0xdeadbeef);
    expect(new Uint8Array(sab)[16]).toBe(0xef);
  });

  it("rejects bad placements with a ConfigError", () => {
    expect(() => new RamRegion("x", -1, 16)).toThrow(ConfigError);
    expect(() => new RamRegion("x", 0, 0)).toThrow(ConfigError);
    expect(() => new RamRegion("x", 2 ** 52 - 8, 16)).toThrow(/52-bit/);
    // More than one typed array holds: a ConfigError saying so, not a raw RangeError.
    expect(() => new RamRegion("x", 0, 2 ** 32 + 2 ** 20)).toThrow(/more than one buffer holds/);
  });
});

describe("RamRegion.windowView", () => {
  it("up to 2 GiB: the whole view and the same offset", () => {
    const r = new RamRegion("r", 0, 1 << 20);
    expect(r.windowView(0x1234)).toBe(r.view);
    expect(r.windowOffset(0x1234)).toBe(0x1234);
  });
  it("over 2 GiB: a 1 GiB window whose offsets are below 2^31 and alias the same bytes", () => {
    const r = new RamRegion("r", 0, MAX_RAM_REGION);
    for (const off of [0, RAM_WINDOW - 8, RAM_WINDOW, 0x8000_0000, 0xe000_1230, MAX_RAM_REGION - 8]) {
      const v = r.windowView(off);
      const o = r.windowOffset(off);
      expect(o).toBeGreaterThanOrEqual(0);
      expect(o + 8).toBeLessThanOrEqual(RAM_WINDOW);
      v.setUint32(o, off >>> 0, true);
      expect(r.readU32(off)).toBe(off >>> 0);
      expect(r.windowView(off)).toBe(v); // one view per window, made once
    }
  });
});
