/**
 * A deterministic byte stream (xorshift32) for replayable runs (`--deterministic`): virtio-rng,
 * firmware RNG services. Not for secrets. A zero seed is taken as 1 (xorshift's fixed point).
 */
export function seededBytes(seed: number): (buf: Uint8Array) => void {
  let x = seed >>> 0 || 1;
  return (buf) => {
    for (let i = 0; i < buf.length; i++) {
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      x >>>= 0;
      buf[i] = x & 0xff;
    }
  };
}
