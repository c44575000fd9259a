import { describe, expect, it } from "vitest";
import { concatBytes, getUintLE } from "./bytes.js";

describe("concatBytes", () => {
  it("joins the parts in order into a new buffer", () => {
    const a = Uint8Array.of(1, 2);
    const out = concatBytes([a, new Uint8Array(0), Uint8Array.of(3), Uint8Array.of(4, 5).subarray(1)]);
    expect([...out]).toEqual([1, 2, 3, 5]);
    out[0] = 9;
    expect(a[0]).toBe(1);
    expect(concatBytes([]).length).toBe(0);
  });
});

describe("getUintLE", () => {
  it("reads 1, 2, 4 and 6 bytes little-endian, unsigned; bytes past the end read as 0", () => {
    const b = Uint8Array.of(0x01, 0x02, 0x03, 0x84, 0x05, 0x06);
    expect(getUintLE(b, 0, 1)).toBe(0x01);
    expect(getUintLE(b, 1, 2)).toBe(0x0302);
    expect(getUintLE(b, 0, 4)).toBe(0x8403_0201);
    expect(getUintLE(b, 0, 6)).toBe(0x0605_8403_0201);
    expect(getUintLE(b, 4, 4)).toBe(0x0605);
    expect(getUintLE(b, 8, 2)).toBe(0);
  });
});
