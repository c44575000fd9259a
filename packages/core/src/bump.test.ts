import { describe, expect, it } from "vitest";
import { BumpAllocator } from "./bump.js";
import { ConfigError } from "./errors.js";

describe("BumpAllocator", () => {
  it("hands out aligned addresses upwards and refuses what does not fit", () => {
    const b = new BumpAllocator(0x1004, 0x100, "test region");
    expect(b.take(3)).toBe(0x1008); // default alignment 8
    expect(b.take(0x10, 0x40)).toBe(0x1040);
    expect(b.take(0x10, 1)).toBe(0x1050);
    expect(b.take(0xa4, 1)).toBe(0x1060); // ends exactly at base + size (0x1104)
    expect(() => b.take(1, 1)).toThrow(ConfigError);
    expect(() => b.take(1, 1)).toThrow("test region exhausted");
  });
});
