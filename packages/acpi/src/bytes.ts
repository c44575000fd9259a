import { putU32LE, withRoom } from "@armature/core";
import { fail } from "./errors.js";

/** A 64-bit quantity: plain numbers up to 2^53, bigint beyond. */
export type U64 = number | bigint;

export function toBigU64(v: U64, what: string): bigint {
  const b =
    typeof v === "bigint"
      ? v
      : Number.isInteger(v)
        ? BigInt(v)
        : fail("E_VALUE", `${what}: ${v} is not an integer`);
  if (b < 0n || b > 0xffff_ffff_ffff_ffffn) fail("E_RANGE", `${what}: ${v} does not fit in 64 bits`);
  return b;
}

export function checkUint(v: number, bits: number, what: string): number {
  if (!Number.isInteger(v) || v < 0 || v > 2 ** bits - 1) {
    fail("E_RANGE", `${what}: ${v} is not an unsigned ${bits}-bit integer`);
  }
  return v;
}

/** Growable little-endian byte writer. */
export class ByteWriter {
  private buf = new Uint8Array(256);
  private len = 0;

  get length(): number {
    return this.len;
  }

  private room(n: number): void {
    this.buf = withRoom(this.buf, this.len, n);
  }

  u8(v: number, what = "u8"): this {
    checkUint(v, 8, what);
    this.room(1);
    this.buf[this.len++] = v;
    return this;
  }
  u16(v: number, what = "u16"): this {
    checkUint(v, 16, what);
    this.room(2);
    this.buf[this.len++] = v & 0xff;
    this.buf[this.len++] = v >>> 8;
    return this;
  }
  u32(v: number, what = "u32"): this {
    checkUint(v, 32, what);
    this.room(4);
    for (let i = 0; i < 4; i++) this.buf[this.len++] = (v >>> (8 * i)) & 0xff;
    return this;
  }
  u64(v: U64, what = "u64"): this {
    const b = toBigU64(v, what);
    this.room(8);
    for (let i = 0n; i < 8n; i++) this.buf[this.len++] = Number((b >> (8n * i)) & 0xffn);
    return this;
  }
  bytes(b: ArrayLike<number>): this {
    this.room(b.length);
    this.buf.set(b, this.len);
    this.len += b.length;
    return this;
  }
  zeros(n: number): this {
    this.room(n);
    this.buf.fill(0, this.len, this.len + n);
    this.len += n;
    return this;
  }
  /** Fixed-width ASCII field, padded with `pad` (spaces for OEM IDs). */
  ascii(s: string, width: number, what: string, pad = 0x20): this {
    if (s.length > width) fail("E_RANGE", `${what}: "${s}" is longer than ${width} characters`);
    for (let i = 0; i < width; i++) {
      const c = i < s.length ? s.charCodeAt(i) : pad;
      if (c > 0x7e || (c < 0x20 && c !== 0)) fail("E_VALUE", `${what}: "${s}" is not printable ASCII`);
      this.u8(c);
    }
    return this;
  }
  align(n: number): this {
    while (this.len % n !== 0) this.u8(0);
    return this;
  }
  patchU8(at: number, v: number): void {
    this.buf[at] = v & 0xff;
  }
  patchU16(at: number, v: number): void {
    this.buf[at] = v & 0xff;
    this.buf[at + 1] = (v >>> 8) & 0xff;
  }
  patchU32(at: number, v: number): void {
    putU32LE(this.buf, at, v);
  }
  finish(): Uint8Array {
    return this.buf.slice(0, this.len);
  }
}

/** Byte that makes the 8-bit sum of `bytes` zero, given that bytes[at] is currently 0. */
export function checksum8(bytes: Uint8Array, start = 0, end = bytes.length): number {
  let s = 0;
  for (let i = start; i < end; i++) s = (s + bytes[i]!) & 0xff;
  return (0x100 - s) & 0xff;
}

export function sum8(bytes: Uint8Array, start = 0, end = bytes.length): number {
  let s = 0;
  for (let i = start; i < end; i++) s = (s + bytes[i]!) & 0xff;
  return s;
}

export function writeU32At(b: Uint8Array, at: number, v: number): void {
  for (let i = 0; i < 4; i++) b[at + i] = (v >>> (8 * i)) & 0xff;
}

export function writeU64At(b: Uint8Array, at: number, v: U64): void {
  const x = toBigU64(v, "address");
  for (let i = 0n; i < 8n; i++) b[at + Number(i)] = Number((x >> (8n * i)) & 0xffn);
}

export function readU32At(b: Uint8Array, at: number): number {
  return (b[at]! | (b[at + 1]! << 8) | (b[at + 2]! << 16) | (b[at + 3]! << 24)) >>> 0;
}
