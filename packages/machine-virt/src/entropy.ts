import { seededBytes } from "@armature/core";
import type { EntropySource } from "@armature/virtio";

/** A fixed-seed byte stream for virtio-rng in deterministic mode: not for secrets. */
export function seededEntropy(seed: number): EntropySource {
  return { fill: seededBytes(seed) };
}
