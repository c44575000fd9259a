import { BlockAccessError, type BlockBackend } from "@armature/core";

/**
 * An in-memory block backend for tests, with counters and fault injection. Like core's
 * backends it throws BlockAccessError when a device model breaks the contract (out of bounds,
 * a write to read-only media), so tests and the fuzzer catch such bugs.
 */
export class TestBlockBackend implements BlockBackend {
  readonly data: Uint8Array;
  readonly size: number;
  readonly readOnly: boolean;
  readonly blockSize: number;
  flushes = 0;
  discards: Array<[number, number]> = [];
  /** Make reads fail (simulated host I/O error). */
  failReads = false;
  constructor(sizeOrData: number | Uint8Array, opts: { readOnly?: boolean; blockSize?: number } = {}) {
    this.data = typeof sizeOrData === "number" ? new Uint8Array(sizeOrData) : sizeOrData;
    this.size = this.data.length;
    this.readOnly = opts.readOnly ?? false;
    this.blockSize = opts.blockSize ?? 512;
  }
  private check(what: string, offset: number, length: number, write: boolean): void {
    if (write && this.readOnly) throw new BlockAccessError(`${what} on read-only media`);
    if (!Number.isSafeInteger(offset) || offset < 0 || length < 0 || offset + length > this.size)
      throw new BlockAccessError(`${what} of ${length} bytes at ${offset} outside ${this.size}`);
  }
  read(offset: number, dst: Uint8Array): boolean {
    this.check("read", offset, dst.length, false);
    if (this.failReads) return false;
    dst.set(this.data.subarray(offset, offset + dst.length));
    return true;
  }
  write(offset: number, src: Uint8Array): boolean {
    this.check("write", offset, src.length, true);
    this.data.set(src, offset);
    return true;
  }
  flush(): boolean {
    this.flushes++;
    return true;
  }
  discard(offset: number, length: number): boolean {
    this.check("discard", offset, length, true);
    this.discards.push([offset, length]);
    this.data.fill(0, offset, offset + length);
    return true;
  }
  writeZeroes(offset: number, length: number): boolean {
    this.check("write-zeroes", offset, length, true);
    this.data.fill(0, offset, offset + length);
    return true;
  }
}
