/** Byte-level helpers for Ethernet II / IPv4 / UDP / TCP frames (RFC 894, 791, 768, 793). */

export const ETH_HLEN = 14;
export const ETHERTYPE_IPV4 = 0x0800;
export const ETHERTYPE_ARP = 0x0806;
export const IPPROTO_ICMP = 1;
export const IPPROTO_TCP = 6;
export const IPPROTO_UDP = 17;
export const BROADCAST_MAC = new Uint8Array([0xff, 0xff, 0xff, 0xff, 0xff, 0xff]);

export function rd16(b: Uint8Array, o: number): number {
  return (b[o]! << 8) | b[o + 1]!;
}
export function rd32(b: Uint8Array, o: number): number {
  return ((b[o]! << 24) | (b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!) >>> 0;
}
export function wr16(b: Uint8Array, o: number, v: number): void {
  b[o] = (v >>> 8) & 0xff;
  b[o + 1] = v & 0xff;
}
export function wr32(b: Uint8Array, o: number, v: number): void {
  b[o] = (v >>> 24) & 0xff;
  b[o + 1] = (v >>> 16) & 0xff;
  b[o + 2] = (v >>> 8) & 0xff;
  b[o + 3] = v & 0xff;
}

/** One's-complement sum of b[from, to) folded to 16 bits, starting from `sum` (RFC 1071). */
export function onesSum(b: Uint8Array, from: number, to: number, sum = 0): number {
  let i = from;
  for (; i + 1 < to; i += 2) sum += (b[i]! << 8) | b[i + 1]!;
  if (i < to) sum += b[i]! << 8;
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return sum;
}

/** The Internet checksum of b[from, to): 0 when a received header's checksum is right. */
export function inetChecksum(b: Uint8Array, from: number, to: number, sum = 0): number {
  return ~onesSum(b, from, to, sum) & 0xffff;
}

/** The TCP/UDP pseudo-header sum (RFC 793 §3.1, RFC 768) for an IPv4 header at `ip`. */
export function pseudoHeaderSum(b: Uint8Array, ip: number, proto: number, length: number): number {
  let s = onesSum(b, ip + 12, ip + 20);
  s += proto + length;
  while (s > 0xffff) s = (s & 0xffff) + (s >>> 16);
  return s;
}

/** An IPv4 address as a 32-bit unsigned number. */
export type Ip4 = number;

export function parseIp4(s: string): Ip4 | undefined {
  const p = s.split(".");
  if (p.length !== 4) return undefined;
  let v = 0;
  for (const x of p) {
    if (!/^\d{1,3}$/.test(x)) return undefined;
    const n = Number(x);
    if (n > 255) return undefined;
    v = v * 256 + n;
  }
  return v;
}

export function formatIp4(v: Ip4): string {
  return `${v >>> 24}.${(v >>> 16) & 255}.${(v >>> 8) & 255}.${v & 255}`;
}

export function parseMacAddress(s: string): Uint8Array | undefined {
  const p = s.split(":");
  if (p.length !== 6 || p.some((x) => !/^[0-9a-fA-F]{2}$/.test(x))) return undefined;
  return new Uint8Array(p.map((x) => Number.parseInt(x, 16)));
}

export function formatMac(m: Uint8Array): string {
  return Array.from(m.subarray(0, 6), (x) => x.toString(16).padStart(2, "0")).join(":");
}

/** Fields of a received IPv4 header at offset ETH_HLEN (after validation). */
export interface Ip4Header {
  ihl: number;
  total: number;
  id: number;
  /** More-fragments flag. */
  mf: boolean;
  /** Fragment offset in bytes. */
  fragOffset: number;
  ttl: number;
  proto: number;
  src: Ip4;
  dst: Ip4;
}

/**
 * Validates an Ethernet frame holding IPv4 (version, IHL, lengths, header checksum) and returns
 * its header, or undefined for anything malformed (the caller drops and counts it).
 */
export function parseIp4Header(f: Uint8Array): Ip4Header | undefined {
  if (f.length < ETH_HLEN + 20 || rd16(f, 12) !== ETHERTYPE_IPV4) return undefined;
  const vihl = f[ETH_HLEN]!;
  const ihl = (vihl & 0x0f) * 4;
  const total = rd16(f, ETH_HLEN + 2);
  if (vihl >> 4 !== 4 || ihl < 20 || total < ihl || ETH_HLEN + total > f.length) return undefined;
  if (inetChecksum(f, ETH_HLEN, ETH_HLEN + ihl) !== 0) return undefined;
  const ff = rd16(f, ETH_HLEN + 6);
  return {
    ihl,
    total,
    id: rd16(f, ETH_HLEN + 4),
    mf: (ff & 0x2000) !== 0,
    fragOffset: (ff & 0x1fff) * 8,
    ttl: f[ETH_HLEN + 8]!,
    proto: f[ETH_HLEN + 9]!,
    src: rd32(f, ETH_HLEN + 12),
    dst: rd32(f, ETH_HLEN + 16),
  };
}

/**
 * Builds an Ethernet + IPv4 frame (20-byte header, DF clear, TTL 64) around `payloadLen` bytes;
 * the caller fills the payload at offset 34 and then calls `finishIp4`.
 */
export function ip4Frame(
  dstMac: Uint8Array,
  srcMac: Uint8Array,
  src: Ip4,
  dst: Ip4,
  proto: number,
  payloadLen: number,
  id = 0,
): Uint8Array {
  const f = new Uint8Array(ETH_HLEN + 20 + payloadLen);
  f.set(dstMac.subarray(0, 6), 0);
  f.set(srcMac.subarray(0, 6), 6);
  wr16(f, 12, ETHERTYPE_IPV4);
  f[14] = 0x45;
  wr16(f, 16, 20 + payloadLen);
  wr16(f, 18, id);
  f[22] = 64;
  f[23] = proto;
  wr32(f, 26, src);
  wr32(f, 30, dst);
  wr16(f, 24, inetChecksum(f, 14, 34));
  return f;
}

/** Fills the UDP (offset 40) or TCP (offset 50) checksum of a frame made by `ip4Frame`. */
export function finishTransportChecksum(f: Uint8Array): void {
  const proto = f[23]!;
  const len = rd16(f, 16) - 20;
  const at = proto === IPPROTO_UDP ? 34 + 6 : 34 + 16;
  f[at] = 0;
  f[at + 1] = 0;
  let c = inetChecksum(f, 34, 34 + len, pseudoHeaderSum(f, 14, proto, len));
  if (proto === IPPROTO_UDP && c === 0) c = 0xffff; // RFC 768: zero means "no checksum"
  wr16(f, at, c);
}
