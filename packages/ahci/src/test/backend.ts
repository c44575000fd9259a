import type { BlockBackend } from "../backend.js";

/** An in-memory block backend for tests (same contract as core's memory backend). */
export class TestBlockBackend implements BlockBackend {
  readonly data: Uint8Array;
  readonly size: number;
  readonly readOnly: boolean;
  flushes = 0;
  discards: Array<[number, number]> = [];
  /** Make the next reads fail (simulated I/O error). */
  failReads = false;
  constructor(sizeOrData: number | Uint8Array, opts: { readOnly?: boolean } = {}) {
    this.data = typeof sizeOrData === "number" ? new Uint8Array(sizeOrData) : sizeOrData;
    this.size = this.data.length;
    this.readOnly = opts.readOnly ?? false;
  }
  read(offset: number, dst: Uint8Array): boolean {
    if (this.failReads || offset < 0 || offset + dst.length > this.size) return false;
    dst.set(this.data.subarray(offset, offset + dst.length));
    return true;
  }
  write(offset: number, src: Uint8Array): boolean {
    if (this.readOnly || offset < 0 || offset + src.length > this.size) return false;
    this.data.set(src, offset);
    return true;
  }
  flush(): boolean {
    this.flushes++;
    return true;
  }
  discard(offset: number, length: number): boolean {
    if (this.readOnly) return false;
    this.discards.push([offset, length]);
    this.data.fill(0, offset, offset + length);
    return true;
  }
  writeZeroes(offset: number, length: number): boolean {
    return this.discard(offset, length);
  }
}
