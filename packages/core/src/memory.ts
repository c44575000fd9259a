import { ConfigError, hex } from "./errors.js";

/** Guest-physical addresses are JS numbers: exact up to 2^53, enough for 52-bit PAs. */
export type PhysAddr = number;

export type GuestBuffer = ArrayBuffer | SharedArrayBuffer;

const HOST_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/**
 * A block of guest RAM mapped at a guest-physical base. The typed-array views are public so hot
 * paths (the CPU's software TLB, virtio rings) index them directly. All accessors are
 * little-endian, as AArch64 data accesses are with SCTLR.EE = 0.
 */
/** The largest RAM region one buffer backs: a typed array's length limit on Node 20 (4 GiB). */
export const MAX_RAM_REGION = 2 ** 32;

/**
 * The span of one `RamRegion.windowView`: a region larger than 2 GiB is seen through 1 GiB windows so
 * that offsets kept in Int32Arrays (the CPU's software TLB) stay non-negative.
 */
export const RAM_WINDOW = 2 ** 30;
const WHOLE_VIEW_MAX = 2 ** 31;

export class RamRegion {
  readonly kind = "ram" as const;
  readonly name: string;
  readonly base: PhysAddr;
  readonly size: number;
  readonly buffer: GuestBuffer;
  readonly u8: Uint8Array;
  readonly view: DataView;
  /** Whether `u16/u32` host views are little-endian (true on every host Node supports today). */
  static readonly hostLittleEndian = HOST_LITTLE_ENDIAN;

  /** With a buffer: the region is `length` bytes at `offset` (default: the rest of the buffer). */
  constructor(name: string, base: PhysAddr, sizeOrBuffer: number | GuestBuffer, offset = 0, length?: number) {
    if (!Number.isSafeInteger(base) || base < 0) {
      throw new ConfigError(`RAM region "${name}": base ${base} is not a non-negative integer address`);
    }
    let buffer: GuestBuffer;
    let size: number;
    if (typeof sizeOrBuffer === "number") {
      if (!Number.isSafeInteger(sizeOrBuffer) || sizeOrBuffer <= 0) {
        throw new ConfigError(`RAM region "${name}": size ${sizeOrBuffer} must be a positive integer`);
      }
      size = sizeOrBuffer;
      if (size > MAX_RAM_REGION)
        throw new ConfigError(
          `RAM region "${name}": ${size} bytes is more than one buffer holds here (at most ${MAX_RAM_REGION}, 4 GiB); use several regions`,
        );
      buffer = new ArrayBuffer(size);
    } else {
      buffer = sizeOrBuffer;
      size = length ?? buffer.byteLength - offset;
      if (size <= 0) throw new ConfigError(`RAM region "${name}": the buffer is empty past offset ${offset}`);
      if (offset + size > buffer.byteLength)
        throw new ConfigError(`RAM region "${name}": ${size} bytes at offset ${offset} run past the buffer`);
    }
    if (base + size > 2 ** 52) {
      throw new ConfigError(`RAM region "${name}" ends at ${hex(base + size)}, past the 52-bit PA limit`);
    }
    this.name = name;
    this.base = base;
    this.size = size;
    this.buffer = buffer;
    this.u8 = new Uint8Array(buffer, offset, size);
    this.view = new DataView(buffer, offset, size);
  }

  readU8(off: number): number {
    return this.u8[off]!;
  }
  readU16(off: number): number {
    return this.view.getUint16(off, true);
  }
  readU32(off: number): number {
    return this.view.getUint32(off, true);
  }
  /** 64-bit read as a bigint (not for hot paths: use readU32 twice there). */
  readU64(off: number): bigint {
    return this.view.getBigUint64(off, true);
  }
  writeU8(off: number, v: number): void {
    this.u8[off] = v;
  }
  writeU16(off: number, v: number): void {
    this.view.setUint16(off, v, true);
  }
  writeU32(off: number, v: number): void {
    this.view.setUint32(off, v >>> 0, true);
  }
  writeU64(off: number, v: bigint): void {
    this.view.setBigUint64(off, BigInt.asUintN(64, v), true);
  }
  /**
   * A view holding byte `off` of the region whose own offset for it (`windowOffset(off)`) is below
   * 2^31: the whole-region `view` up to 2 GiB, else the RAM_WINDOW-aligned window around `off`.
   * Accesses through it must not cross a RAM_WINDOW boundary (a 4 KiB page never does).
   */
  windowView(off: number): DataView {
    if (this.size <= WHOLE_VIEW_MAX) return this.view;
    const k = Math.floor(off / RAM_WINDOW);
    let v = this.windows[k];
    if (v === undefined) {
      const start = k * RAM_WINDOW;
      v = new DataView(this.buffer, this.view.byteOffset + start, Math.min(RAM_WINDOW, this.size - start));
      this.windows[k] = v;
    }
    return v;
  }
  /** `off` relative to `windowView(off)`. */
  windowOffset(off: number): number {
    return this.size <= WHOLE_VIEW_MAX ? off : off % RAM_WINDOW;
  }
  private readonly windows: (DataView | undefined)[] = [];

  /** Whether [addr, addr+len) lies wholly inside this region. */
  contains(addr: PhysAddr, len = 1): boolean {
    return addr >= this.base && addr + len <= this.base + this.size;
  }
}
