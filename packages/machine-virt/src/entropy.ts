import { seededBytes } from "@armature/core";
import type { EntropySource } from "@armature/virtio";

/** A fixed-seed byte stream for virtio-rng in deterministic mode: not for secrets. */
export function seededEntropy(seed: number): EntropySource {
  const s = seededBytes(seed);
  return {
    fill: s,
    get state() {
      return s.state;
    },
    set state(v: number) {
      s.state = v;
    },
  };
}
