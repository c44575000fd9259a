/**
 * A deterministic byte stream (xorshift32) for replayable runs (`--deterministic`): virtio-rng,
 * firmware RNG services. Not for secrets. A zero seed is taken as 1 (xorshift's fixed point).
 */
export function seededBytes(seed: number): SeededBytes {
  let x = seed >>> 0 || 1;
  const fill = (buf: Uint8Array) => {
    for (let i = 0; i < buf.length; i++) {
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      x >>>= 0;
      buf[i] = x & 0xff;
    }
  };
  return Object.defineProperty(fill, "state", {
    get: () => x,
    set: (v: number) => {
      x = v >>> 0 || 1;
    },
    enumerable: true,
  }) as SeededBytes;
}

/** A seeded byte stream; `state` is the generator's position (snapshots save and restore it). */
export interface SeededBytes {
  (buf: Uint8Array): void;
  state: number;
}
