import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ConfigError } from "./errors.js";
import { RamRegion } from "./memory.js";

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
