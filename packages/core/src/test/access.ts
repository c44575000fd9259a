import fc from "fast-check";

/** One random guest register access of a fuzz test. */
export interface RegisterAccess {
  /** Which device, function or window (0 to `targets` - 1); the test decides what each is. */
  target: number;
  /** Not aligned: the test aligns or wraps it to what its target decodes. */
  offset: number;
  size: 1 | 2 | 4;
  write: boolean;
  /** For a write: the value, already below 2^(8 * size). */
  value: number;
}

export interface RegisterAccessOptions {
  targets: number;
  /** Offsets are drawn from [0, near] or [0, far] alike: most land on registers that exist. */
  near: number;
  far: number;
  /** Values that mean something to the targets (drawn as often as any other 32-bit value). */
  values: readonly number[];
  maxLength: number;
}

/**
 * A fast-check arbitrary of sequences of random register reads and writes (at least one), for
 * the register fuzz tests of the PCI and virtio transports (random accesses never throw, and
 * what the test checks afterwards still holds).
 */
export function registerAccesses(o: RegisterAccessOptions): fc.Arbitrary<RegisterAccess[]> {
  const access = fc
    .record({
      target: fc.integer({ min: 0, max: o.targets - 1 }),
      offset: fc.oneof(fc.integer({ min: 0, max: o.near }), fc.integer({ min: 0, max: o.far })),
      size: fc.constantFrom<(1 | 2 | 4)[]>(1, 2, 4),
      write: fc.boolean(),
      value: fc.oneof(fc.constantFrom(...o.values), fc.integer({ min: 0, max: 0xffffffff })),
    })
    .map((a) => ({ ...a, value: a.value % 2 ** (8 * a.size) }));
  return fc.array(access, { minLength: 1, maxLength: o.maxLength });
}
