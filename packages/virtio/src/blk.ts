import { type BlockBackend, getUintLE, type StateReader, type StateWriter } from "@armature/core";
import { featureBit, VirtioDeviceId } from "./constants.js";
import { type VirtioDevice, VirtioDeviceBase, type VirtioDeviceContext } from "./device.js";
import type { DescChain } from "./queue.js";

/** virtio-blk feature bits (§5.2.3). */
export const VirtioBlkFeature = {
  SIZE_MAX: 1,
  SEG_MAX: 2,
  GEOMETRY: 4,
  RO: 5,
  BLK_SIZE: 6,
  FLUSH: 9,
  TOPOLOGY: 10,
  CONFIG_WCE: 11,
  MQ: 12,
  DISCARD: 13,
  WRITE_ZEROES: 14,
} as const;

/** Request types (§5.2.6). */
export const VirtioBlkType = {
  IN: 0,
  OUT: 1,
  FLUSH: 4,
  GET_ID: 8,
  GET_LIFETIME: 10,
  DISCARD: 11,
  WRITE_ZEROES: 13,
  SECURE_ERASE: 14,
} as const;

/** Request status byte (§5.2.6). */
export const VirtioBlkStatus = { OK: 0, IOERR: 1, UNSUPP: 2 } as const;

export interface VirtioBlkOptions {
  /** Up to 20 bytes returned by GET_ID (default "armature"). */
  serial?: string;
  queueSize?: number;
  /** Per-request cap on discard / write-zeroes sectors (default 2^22 = 2 GiB). */
  maxDiscardSectors?: number;
}

const SECTOR = 512;
const SEG_MAX = 254;
const MAX_DZ_SEGS = 32;
/** Requests move through a bounded bounce buffer, whatever length the guest asks for. */
const CHUNK = 1 << 20;

/** virtio-blk (virtio 1.2 §5.2), one request queue, over a BlockBackend. */
export class VirtioBlk extends VirtioDeviceBase implements VirtioDevice {
  readonly deviceId = VirtioDeviceId.BLOCK;
  readonly name = "blk";
  readonly deviceFeatures: bigint;
  readonly queueMaxSizes: readonly number[];
  readonly configSize = 60;
  private readonly config = new Uint8Array(60);
  private buf = new Uint8Array(64 * 1024);
  private readonly hdr = new Uint8Array(16);
  private readonly hdrView = new DataView(this.hdr.buffer);
  private readonly status = new Uint8Array(1);
  private readonly id: Uint8Array;
  private readonly maxDz: number;
  /** Requests served (for tests and stats). */
  requests = 0;

  constructor(
    readonly backend: BlockBackend,
    opts: VirtioBlkOptions = {},
  ) {
    super();
    const ro = backend.readOnly;
    let f =
      featureBit(VirtioBlkFeature.SEG_MAX) |
      featureBit(VirtioBlkFeature.BLK_SIZE) |
      featureBit(VirtioBlkFeature.FLUSH) |
      featureBit(VirtioBlkFeature.DISCARD) |
      featureBit(VirtioBlkFeature.WRITE_ZEROES);
    if (ro) f |= featureBit(VirtioBlkFeature.RO);
    this.deviceFeatures = f;
    this.queueMaxSizes = [opts.queueSize ?? 256];
    this.maxDz = opts.maxDiscardSectors ?? 1 << 22;
    const enc = new TextEncoder().encode(opts.serial ?? "armature");
    this.id = enc.subarray(0, 20);
    const v = new DataView(this.config.buffer);
    const sectors = Math.floor(backend.size / SECTOR);
    v.setUint32(0, sectors % 2 ** 32, true);
    v.setUint32(4, Math.floor(sectors / 2 ** 32), true);
    v.setUint32(12, SEG_MAX, true);
    v.setUint32(20, SECTOR, true);
    v.setUint32(36, this.maxDz, true);
    v.setUint32(40, MAX_DZ_SEGS, true);
    v.setUint32(44, 1, true);
    v.setUint32(48, this.maxDz, true);
    v.setUint32(52, MAX_DZ_SEGS, true);
    this.config[56] = 1;
  }

  readConfig(offset: number, size: 1 | 2 | 4): number {
    return getUintLE(this.config, offset, size);
  }

  writeConfig(_offset: number, _size: 1 | 2 | 4, _value: number): void {
    this.ctx?.log.warn("cfg-ro", "write to read-only virtio-blk config ignored");
  }

  readonly stateVersion = 1;
  saveState(w: StateWriter): void {
    w.f64(this.requests);
  }
  loadState(r: StateReader): (ctx: VirtioDeviceContext | undefined) => void {
    const requests = r.f64();
    return (ctx) => {
      this.ctx = ctx;
      this.requests = requests;
    };
  }
  queueNotify(i: number): void {
    const ctx = this.ctx;
    if (ctx === undefined || i !== 0) return;
    const q = ctx.queue(0);
    for (let chain = q.pop(); chain !== null; chain = q.pop()) {
      this.requests++;
      const written = this.serve(ctx, chain);
      if (written < 0) return;
      q.push(chain, written);
    }
    ctx.notifyUsed(0);
  }

  /** A read or write of `len` bytes at `sector` covers whole sectors inside the disk; if not, say so. */
  private fits(ctx: VirtioDeviceContext, what: "read" | "write", len: number, sector: number): boolean {
    if (len % SECTOR === 0 && sector * SECTOR + len <= this.backend.size) return true;
    ctx.log.warn("blk-range", `${what} of ${len} bytes at sector ${sector} is past the disk or unaligned`);
    return false;
  }

  private scratch(n: number): Uint8Array {
    if (this.buf.length < n) this.buf = new Uint8Array(Math.max(n, this.buf.length * 2));
    return this.buf.subarray(0, n);
  }

  /** Serve one request; returns bytes written to the chain, or -1 after DEVICE_NEEDS_RESET. */
  private serve(ctx: VirtioDeviceContext, c: DescChain): number {
    // §5.2.6: header (16 readable bytes) ... status (last writable byte).
    if (c.readableBytes < 16 || c.writableBytes < 1) {
      ctx.needsReset("virtio-blk request without a 16-byte header or a status byte");
      return -1;
    }
    if (c.read(0, this.hdr) !== 16) {
      ctx.needsReset("virtio-blk request header is not in memory");
      return -1;
    }
    const type = this.hdrView.getUint32(0, true);
    const sector = this.hdrView.getUint32(12, true) * 2 ** 32 + this.hdrView.getUint32(8, true);
    const dataIn = c.writableBytes - 1;
    let st: number = VirtioBlkStatus.OK;
    let written = 0;
    const b = this.backend;
    switch (type) {
      case VirtioBlkType.IN: {
        const off = sector * SECTOR;
        if (!this.fits(ctx, "read", dataIn, sector)) {
          st = VirtioBlkStatus.IOERR;
          break;
        }
        for (let done = 0; done < dataIn; done += CHUNK) {
          const buf = this.scratch(Math.min(CHUNK, dataIn - done));
          if (!b.read(off + done, buf) || c.write(done, buf) !== buf.length) {
            st = VirtioBlkStatus.IOERR;
            break;
          }
        }
        if (st === VirtioBlkStatus.OK) written = dataIn;
        break;
      }
      case VirtioBlkType.OUT: {
        const len = c.readableBytes - 16;
        const off = sector * SECTOR;
        if (b.readOnly || !this.fits(ctx, "write", len, sector)) {
          st = VirtioBlkStatus.IOERR;
          break;
        }
        for (let done = 0; done < len; done += CHUNK) {
          const buf = this.scratch(Math.min(CHUNK, len - done));
          if (c.read(16 + done, buf) !== buf.length || !b.write(off + done, buf)) {
            st = VirtioBlkStatus.IOERR;
            break;
          }
        }
        break;
      }
      case VirtioBlkType.FLUSH:
        if (!b.flush()) st = VirtioBlkStatus.IOERR;
        break;
      case VirtioBlkType.GET_ID: {
        const n = Math.min(20, dataIn);
        const out = this.scratch(n);
        out.fill(0);
        out.set(this.id.subarray(0, n));
        if (c.write(0, out) !== n) st = VirtioBlkStatus.IOERR;
        else written = n;
        break;
      }
      case VirtioBlkType.DISCARD:
      case VirtioBlkType.WRITE_ZEROES:
        st = this.discardOrZero(c, type === VirtioBlkType.DISCARD);
        break;
      default:
        st = VirtioBlkStatus.UNSUPP;
    }
    this.status[0] = st;
    if (c.write(dataIn, this.status) !== 1) {
      ctx.needsReset("virtio-blk status byte is not in memory");
      return -1;
    }
    return written + 1;
  }

  private discardOrZero(c: DescChain, discard: boolean): number {
    const b = this.backend;
    if (b.readOnly) return VirtioBlkStatus.IOERR;
    const len = c.readableBytes - 16;
    if (len === 0 || len % 16 !== 0 || len / 16 > MAX_DZ_SEGS) return VirtioBlkStatus.UNSUPP;
    const segs = this.scratch(len);
    if (c.read(16, segs) !== len) return VirtioBlkStatus.IOERR;
    const v = new DataView(segs.buffer, segs.byteOffset, len);
    for (let o = 0; o < len; o += 16) {
      const sector = v.getUint32(o + 4, true) * 2 ** 32 + v.getUint32(o, true);
      const n = v.getUint32(o + 8, true);
      const flags = v.getUint32(o + 12, true);
      // §5.2.6.2: discard with the unmap flag, or unknown flags, are unsupported.
      if ((discard && flags & 1) || flags & ~1) return VirtioBlkStatus.UNSUPP;
      if (n > this.maxDz || (sector + n) * SECTOR > b.size) return VirtioBlkStatus.IOERR;
      // A backend without discard zeroes instead (§5.2.6.2 leaves discarded data undefined).
      const ok =
        discard && b.discard !== undefined
          ? b.discard(sector * SECTOR, n * SECTOR)
          : b.writeZeroes(sector * SECTOR, n * SECTOR);
      if (!ok) return VirtioBlkStatus.IOERR;
    }
    return VirtioBlkStatus.OK;
  }
}
