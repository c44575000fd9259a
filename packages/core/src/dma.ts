import type { Bus } from "./bus.js";
import type { PhysAddr } from "./memory.js";

/** Result of a DMA access. Devices turn a non-Ok status into their own error report. */
export const DmaStatus = {
  Ok: 0,
  /** Nothing at that (translated) address, or not RAM. */
  Unmapped: 1,
  /** An IOMMU refused the access (translation or permission fault). */
  Fault: 2,
} as const;
export type DmaStatus = (typeof DmaStatus)[keyof typeof DmaStatus];

/**
 * How a device reaches memory. Addresses are the device's view (bus addresses, or IOVAs when an
 * IOMMU sits in front). Accesses never throw for guest mistakes: they return a status.
 */
export interface DmaSpace {
  read(addr: number, dst: Uint8Array): DmaStatus;
  write(addr: number, src: Uint8Array): DmaStatus;
}

/** Translation of one device access; `limit` is how many bytes from `addr` share this mapping. */
export interface DmaTranslation {
  status: DmaStatus;
  pa: PhysAddr;
  limit: number;
}

/**
 * What an IOMMU implements so that a TranslatingDmaSpace can sit in front of the bus. `out` is a
 * caller-owned object filled in place (no allocation per access).
 */
export interface DmaTranslator {
  translate(streamId: number, addr: number, write: boolean, out: DmaTranslation): void;
}

/** Addresses a guest hands a device can be any 64-bit value: refuse what a JS number cannot hold. */
function inRange(addr: number, len: number): boolean {
  return Number.isSafeInteger(addr) && addr >= 0 && Number.isSafeInteger(addr + len);
}

/** The plain DMA space: device addresses are guest-physical addresses on the bus. RAM only. */
export class BusDmaSpace implements DmaSpace {
  constructor(private readonly bus: Bus) {}

  read(addr: number, dst: Uint8Array): DmaStatus {
    if (!inRange(addr, dst.length)) return DmaStatus.Unmapped;
    return this.bus.copyRam(addr, dst, false) < 0 ? DmaStatus.Ok : DmaStatus.Unmapped;
  }

  write(addr: number, src: Uint8Array): DmaStatus {
    // copyRam checks the whole range first, so a failing write has no partial effect.
    if (!inRange(addr, src.length)) return DmaStatus.Unmapped;
    return this.bus.copyRam(addr, src, true) < 0 ? DmaStatus.Ok : DmaStatus.Unmapped;
  }
}

/**
 * A DMA space for one stream id behind an IOMMU: every access is translated (in chunks, as far
 * as each translation's `limit` reaches) and then performed on the underlying space.
 */
export class TranslatingDmaSpace implements DmaSpace {
  private readonly t: DmaTranslation = { status: DmaStatus.Ok, pa: 0, limit: 0 };
  constructor(
    private readonly inner: DmaSpace,
    private readonly translator: DmaTranslator,
    readonly streamId: number,
  ) {}

  read(addr: number, dst: Uint8Array): DmaStatus {
    return this.walk(addr, dst, false);
  }

  write(addr: number, src: Uint8Array): DmaStatus {
    // Translate the whole range first so a fault leaves memory untouched.
    let done = 0;
    while (done < src.length) {
      this.translator.translate(this.streamId, addr + done, true, this.t);
      if (this.t.status !== DmaStatus.Ok) return this.t.status;
      done += Math.max(1, this.t.limit);
    }
    return this.walk(addr, src, true);
  }

  private walk(addr: number, buf: Uint8Array, write: boolean): DmaStatus {
    let done = 0;
    while (done < buf.length) {
      this.translator.translate(this.streamId, addr + done, write, this.t);
      if (this.t.status !== DmaStatus.Ok) return this.t.status;
      const n = Math.min(buf.length - done, Math.max(1, this.t.limit));
      const part = buf.subarray(done, done + n);
      const s = write ? this.inner.write(this.t.pa, part) : this.inner.read(this.t.pa, part);
      if (s !== DmaStatus.Ok) return s;
      done += n;
    }
    return DmaStatus.Ok;
  }
}

const scratch = new Uint8Array(8);
const scratchView = new DataView(scratch.buffer);

/** Little-endian scalar helpers over any DmaSpace; they return -1 on a failed read. */
export const dma = {
  readU16(space: DmaSpace, addr: number): number {
    return space.read(addr, scratch.subarray(0, 2)) === DmaStatus.Ok ? scratchView.getUint16(0, true) : -1;
  },
  readU32(space: DmaSpace, addr: number): number {
    return space.read(addr, scratch.subarray(0, 4)) === DmaStatus.Ok ? scratchView.getUint32(0, true) : -1;
  },
  /** Reads 8 bytes as a JS number (exact below 2^53; guest addresses are). -1 on failure. */
  readU64(space: DmaSpace, addr: number): number {
    if (space.read(addr, scratch) !== DmaStatus.Ok) return -1;
    return scratchView.getUint32(4, true) * 2 ** 32 + scratchView.getUint32(0, true);
  },
  writeU16(space: DmaSpace, addr: number, v: number): DmaStatus {
    scratchView.setUint16(0, v, true);
    return space.write(addr, scratch.subarray(0, 2));
  },
  writeU32(space: DmaSpace, addr: number, v: number): DmaStatus {
    scratchView.setUint32(0, v >>> 0, true);
    return space.write(addr, scratch.subarray(0, 4));
  },
  writeU64(space: DmaSpace, addr: number, v: number): DmaStatus {
    scratchView.setUint32(0, (v % 2 ** 32) >>> 0, true);
    scratchView.setUint32(4, Math.floor(v / 2 ** 32) >>> 0, true);
    return space.write(addr, scratch);
  },
};
