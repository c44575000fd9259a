/**
 * Host side of a block device: the same shape as core's shared `BlockBackend` (file, memory,
 * read-only, or the user's own), so any of those backends plugs in unchanged. Offsets and lengths
 * are bytes; the device models bounds-check every request before calling. Methods return false
 * on an I/O error.
 */
export interface BlockBackend {
  readonly size: number;
  readonly readOnly: boolean;
  read(offset: number, dst: Uint8Array): boolean;
  write(offset: number, src: Uint8Array): boolean;
  flush(): boolean;
  /** Deallocate; contents read as zero afterwards. */
  discard(offset: number, length: number): boolean;
  writeZeroes(offset: number, length: number): boolean;
}
