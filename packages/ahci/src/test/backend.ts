import { MemoryBlockBackend } from "@armature/core";

/**
 * core's in-memory disk with counters and fault injection, for tests. Like every backend it
 * throws BlockAccessError when a device model breaks the contract (out of bounds, a write to
 * read-only media), so tests and the fuzzer catch such bugs.
 */
export class TestBlockBackend extends MemoryBlockBackend {
  flushes = 0;
  discards: Array<[number, number]> = [];
  /** Make reads fail (simulated host I/O error). */
  failReads = false;

  override read(offset: number, dst: Uint8Array): boolean {
    return super.read(offset, dst) && !this.failReads;
  }
  override flush(): boolean {
    this.flushes++;
    return true;
  }
  override discard(offset: number, length: number): boolean {
    const ok = super.discard(offset, length);
    this.discards.push([offset, length]);
    return ok;
  }
}
