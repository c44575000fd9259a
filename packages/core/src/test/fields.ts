import fc from "fast-check";
import { ConfigError } from "../errors.js";

/**
 * A fast-check arbitrary of an unsigned field `bits` wide (0 to 2^bits - 1), the width a spec's
 * register or structure layout gives it; for encoder/decoder property tests. `bits` is 1 to 53
 * (a field a number holds exactly).
 */
export function uintBits(bits: number): fc.Arbitrary<number> {
  if (!Number.isInteger(bits) || bits < 1 || bits > 53)
    throw new ConfigError(`uintBits(${bits}): a field is 1 to 53 bits wide`);
  return fc.integer({ min: 0, max: 2 ** bits - 1 });
}
