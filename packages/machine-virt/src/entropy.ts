import type { EntropySource } from "@armature/virtio";

/** A fixed-seed byte stream (xorshift32) for virtio-rng in deterministic mode: not for secrets. */
export function seededEntropy(seed: number): EntropySource {
  let x = seed >>> 0 || 1;
  return {
    fill(buf: Uint8Array): void {
      for (let i = 0; i < buf.length; i++) {
        x ^= x << 13;
        x ^= x >>> 17;
        x ^= x << 5;
        x >>>= 0;
        buf[i] = x & 0xff;
      }
    },
  };
}
