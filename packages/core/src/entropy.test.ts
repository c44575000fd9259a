import { describe, expect, it } from "vitest";
import { seededBytes } from "./entropy.js";

/** Marsaglia's xorshift32 (13, 17, 5) written out independently, as the reference. */
function reference(seed: number, n: number): number[] {
  let x = BigInt(seed >>> 0 || 1);
  const out: number[] = [];
  const m = 0xffff_ffffn;
  for (let i = 0; i < n; i++) {
    x = (x ^ (x << 13n)) & m;
    x = x ^ (x >> 17n);
    x = (x ^ (x << 5n)) & m;
    out.push(Number(x & 0xffn));
  }
  return out;
}

describe("seededBytes", () => {
  it("is xorshift32's low byte, the same stream however the buffer is split", () => {
    for (const seed of [1, 0x9e37_79b9, 0x5eed_1234, 0xffff_ffff]) {
      const whole = new Uint8Array(64);
      seededBytes(seed)(whole);
      expect([...whole]).toEqual(reference(seed, 64));
      const split = seededBytes(seed);
      const a = new Uint8Array(5);
      const b = new Uint8Array(59);
      split(a);
      split(b);
      expect([...a, ...b]).toEqual([...whole]);
    }
  });
  it("takes seed 0 as 1 (never the all-zero fixed point)", () => {
    const z = new Uint8Array(16);
    seededBytes(0)(z);
    expect([...z]).toEqual(reference(1, 16));
    expect(z.some((v) => v !== 0)).toBe(true);
  });
});
