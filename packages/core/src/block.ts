import { closeSync, fstatSync, fsyncSync, openSync, readSync, writeSync } from "node:fs";
import { ArmatureError, ConfigError } from "./errors.js";

/**
 * Host side of a block device (a virtio-blk disk, an AHCI disk, ATAPI CD media, a USB mass
 * storage LUN). Offsets and lengths are in bytes, so a 2048-byte-sector CD and a 512-byte-sector
 * disk use the same calls. The device model checks every guest request against `size` and
 * `readOnly` before calling: a call out of bounds or a write to read-only media is a device-model
 * bug and throws {@link BlockAccessError}. Methods return false on a host I/O error (the guest
 * then sees the device's I/O error status).
 */
export interface BlockBackend {
  /** Bytes; a multiple of `blockSize`. */
  readonly size: number;
  readonly readOnly: boolean;
  /** The sector size the image was checked against (512 for disks, 2048 for CD media). */
  readonly blockSize: number;
  read(offset: number, dst: Uint8Array): boolean;
  write(offset: number, src: Uint8Array): boolean;
  flush(): boolean;
  /** Contents of the range then read as zero. */
  writeZeroes(offset: number, length: number): boolean;
  /** Deallocate the range (contents undefined afterwards; both backends here read zero). Optional. */
  discard?(offset: number, length: number): boolean;
  /** Release the host resource; every later access throws. Optional. */
  close?(): void;
}

export interface BlockBackendOptions {
  readOnly?: boolean;
  /** The image must be a whole number of these (default 512; 2048 for CD/DVD media). */
  blockSize?: number;
}

/** A block backend was called out of bounds, to write read-only media, or after close(). */
export class BlockAccessError extends ArmatureError {
  constructor(message: string) {
    super("E_BLOCK_ACCESS", message);
  }
}

/** True when [offset, offset+length) lies inside the backend (for a device model's checks). */
export function blockRangeOk(b: { readonly size: number }, offset: number, length: number): boolean {
  return (
    Number.isSafeInteger(offset) &&
    Number.isSafeInteger(length) &&
    offset >= 0 &&
    length >= 0 &&
    offset + length <= b.size
  );
}

function checkBlockSize(blockSize: number): number {
  if (!Number.isInteger(blockSize) || blockSize < 1 || (blockSize & (blockSize - 1)) !== 0) {
    throw new ConfigError(`block size ${blockSize} is not a power of two`);
  }
  return blockSize;
}

function checkAccess(b: BlockBackend, what: string, offset: number, length: number, write: boolean): void {
  if (write && b.readOnly) throw new BlockAccessError(`${what} on read-only media`);
  if (!blockRangeOk(b, offset, length)) {
    throw new BlockAccessError(
      `${what} of ${length} byte(s) at offset ${offset} is outside the ${b.size}-byte medium; ` +
        "check the request against size before calling the backend",
    );
  }
}

/** A disk held in memory. */
export class MemoryBlockBackend implements BlockBackend {
  readonly data: Uint8Array;
  readonly size: number;
  readonly readOnly: boolean;
  readonly blockSize: number;
  constructor(sizeOrData: number | Uint8Array, opts: BlockBackendOptions = {}) {
    this.data = typeof sizeOrData === "number" ? new Uint8Array(sizeOrData) : sizeOrData;
    this.size = this.data.length;
    this.readOnly = opts.readOnly ?? false;
    this.blockSize = checkBlockSize(opts.blockSize ?? 512);
    if (this.size % this.blockSize !== 0) {
      throw new ConfigError(`disk size ${this.size} is not a multiple of ${this.blockSize} bytes`);
    }
  }
  read(offset: number, dst: Uint8Array): boolean {
    checkAccess(this, "read", offset, dst.length, false);
    dst.set(this.data.subarray(offset, offset + dst.length));
    return true;
  }
  write(offset: number, src: Uint8Array): boolean {
    checkAccess(this, "write", offset, src.length, true);
    this.data.set(src, offset);
    return true;
  }
  flush(): boolean {
    return true;
  }
  discard(offset: number, length: number): boolean {
    return this.writeZeroes(offset, length);
  }
  writeZeroes(offset: number, length: number): boolean {
    checkAccess(this, "write-zeroes", offset, length, true);
    this.data.fill(0, offset, offset + length);
    return true;
  }
}

/**
 * A disk image file, opened once at construction and never grown: every access is bounds-checked
 * against the size the file had when opened.
 */
export class FileBlockBackend implements BlockBackend {
  readonly size: number;
  readonly readOnly: boolean;
  readonly blockSize: number;
  private fd: number;
  private readonly zeros = new Uint8Array(64 * 1024);

  constructor(
    readonly path: string,
    opts: BlockBackendOptions = {},
  ) {
    this.readOnly = opts.readOnly ?? false;
    this.blockSize = checkBlockSize(opts.blockSize ?? 512);
    try {
      this.fd = openSync(path, this.readOnly ? "r" : "r+");
    } catch (e) {
      throw new ConfigError(`cannot open disk image ${path}: ${e instanceof Error ? e.message : String(e)}`);
    }
    const size = fstatSync(this.fd).size;
    if (size % this.blockSize !== 0) {
      closeSync(this.fd);
      throw new ConfigError(
        `disk image ${path} is ${size} bytes, not a multiple of ${this.blockSize}; pad it (truncate -s)`,
      );
    }
    this.size = size;
  }

  private check(what: string, offset: number, length: number, write: boolean): void {
    if (this.fd < 0) throw new BlockAccessError(`${what} on ${this.path} after close()`);
    checkAccess(this, what, offset, length, write);
  }

  read(offset: number, dst: Uint8Array): boolean {
    this.check("read", offset, dst.length, false);
    try {
      let done = 0;
      while (done < dst.length) {
        const n = readSync(this.fd, dst, done, dst.length - done, offset + done);
        if (n <= 0) return false;
        done += n;
      }
      return true;
    } catch {
      return false;
    }
  }

  write(offset: number, src: Uint8Array): boolean {
    this.check("write", offset, src.length, true);
    try {
      let done = 0;
      while (done < src.length) {
        done += writeSync(this.fd, src, done, src.length - done, offset + done);
      }
      return true;
    } catch {
      return false;
    }
  }

  flush(): boolean {
    if (this.fd < 0) throw new BlockAccessError(`flush on ${this.path} after close()`);
    try {
      if (!this.readOnly) fsyncSync(this.fd);
      return true;
    } catch {
      return false;
    }
  }

  discard(offset: number, length: number): boolean {
    return this.writeZeroes(offset, length);
  }

  writeZeroes(offset: number, length: number): boolean {
    this.check("write-zeroes", offset, length, true);
    let done = 0;
    while (done < length) {
      const n = Math.min(this.zeros.length, length - done);
      if (!this.write(offset + done, this.zeros.subarray(0, n))) return false;
      done += n;
    }
    return true;
  }

  close(): void {
    if (this.fd >= 0) closeSync(this.fd);
    this.fd = -1;
  }
}

/**
 * Any backend seen as read-only media (an ISO image behind ATAPI, a write-protected USB stick):
 * reads pass through, every write throws {@link BlockAccessError}.
 */
export class ReadOnlyBlockBackend implements BlockBackend {
  readonly readOnly = true;
  constructor(readonly inner: BlockBackend) {}
  get size(): number {
    return this.inner.size;
  }
  get blockSize(): number {
    return this.inner.blockSize;
  }
  read(offset: number, dst: Uint8Array): boolean {
    return this.inner.read(offset, dst);
  }
  write(offset: number, src: Uint8Array): boolean {
    checkAccess(this, "write", offset, src.length, true);
    return false;
  }
  flush(): boolean {
    return true;
  }
  writeZeroes(offset: number, length: number): boolean {
    checkAccess(this, "write-zeroes", offset, length, true);
    return false;
  }
  close(): void {
    this.inner.close?.();
  }
}
