import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ConfigError } from "../errors.js";
import { uintBits } from "./index.js";

describe("uintBits", () => {
  it("draws every value of an n-bit field and nothing wider, both ends included", () => {
    for (const n of [1, 4, 8, 22, 32, 48, 53]) {
      const seen = fc.sample(uintBits(n), { numRuns: 2000, seed: 14 });
      expect(seen.every((v) => Number.isInteger(v) && v >= 0 && v <= 2 ** n - 1)).toBe(true);
      expect([Math.min(...seen), Math.max(...seen)]).toEqual([0, 2 ** n - 1]);
    }
  });

  it("refuses a width no number holds exactly", () => {
    for (const n of [0, 54, 2.5]) expect(() => uintBits(n)).toThrow(ConfigError);
  });
});
