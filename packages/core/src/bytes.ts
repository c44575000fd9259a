/**
 * `buf` when `used + need` bytes fit in it, else a new buffer, doubled in size until they fit,
 * holding a copy of its first `used` bytes (the growth step of the DTB and ACPI writers).
 */
export function withRoom(buf: Uint8Array<ArrayBuffer>, used: number, need: number): Uint8Array<ArrayBuffer> {
  if (used + need <= buf.length) return buf;
  let size = Math.max(1, buf.length * 2);
  while (size < used + need) size *= 2;
  const next = new Uint8Array(size);
  next.set(buf.subarray(0, used));
  return next;
}

/** The little-endian 32-bit word at `off` of `b`, unsigned. */
export function getU32LE(b: Uint8Array, off: number): number {
  return (b[off]! | (b[off + 1]! << 8) | (b[off + 2]! << 16) | (b[off + 3]! << 24)) >>> 0;
}

/**
 * The little-endian unsigned value of the `size` bytes (1 to 6) at `off` of `b`; a byte past the
 * end of `b` reads as 0 (a register read of a device's configuration structure).
 */
export function getUintLE(b: Uint8Array, off: number, size: number): number {
  let v = 0;
  for (let i = size - 1; i >= 0; i--) v = v * 256 + (b[off + i] ?? 0);
  return v;
}

/** Writes the low 32 bits of `v` little-endian at `off` of `b` (descriptor and FIS encoders). */
export function putU32LE(b: Uint8Array, off: number, v: number): void {
  b[off] = v & 0xff;
  b[off + 1] = (v >>> 8) & 0xff;
  b[off + 2] = (v >>> 16) & 0xff;
  b[off + 3] = (v >>> 24) & 0xff;
}

/** `parts` joined into one new buffer, in order. */
export function concatBytes(parts: readonly Uint8Array[]): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}
