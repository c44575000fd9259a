import { toBigU64, type U64 } from "../bytes.js";
import { fail } from "../errors.js";

// ACPI 6.5 §20.2.4: PkgLength counts its own bytes. 1 byte holds up to 0x3F; n>1 bytes hold 4 + 8(n-1) bits.
/** Encode a PkgLength for a body of `bodyLength` bytes (the PkgLength bytes are added to it). */
export function encodePkgLength(bodyLength: number): number[] {
  if (!Number.isInteger(bodyLength) || bodyLength < 0) fail("E_RANGE", `PkgLength: bad length ${bodyLength}`);
  if (bodyLength + 1 <= 0x3f) return [bodyLength + 1];
  for (let n = 2; n <= 4; n++) {
    const total = bodyLength + n;
    if (total < 2 ** (4 + 8 * (n - 1))) {
      const out = [((n - 1) << 6) | (total & 0x0f)];
      let rest = Math.floor(total / 16);
      for (let i = 1; i < n; i++) {
        out.push(rest & 0xff);
        rest = Math.floor(rest / 256);
      }
      return out;
    }
  }
  return fail("E_RANGE", `PkgLength: ${bodyLength} bytes exceeds the 2^28-byte AML package limit`);
}

/** Decode a PkgLength at `at`; returns the total value and the number of bytes used. */
export function decodePkgLength(b: ArrayLike<number>, at: number): { value: number; size: number } {
  const lead = b[at]!;
  const n = (lead >> 6) + 1;
  if (n === 1) return { value: lead & 0x3f, size: 1 };
  let v = lead & 0x0f;
  for (let i = 1; i < n; i++) v += b[at + i]! * 2 ** (4 + 8 * (i - 1));
  return { value: v, size: n };
}

const SEG_LEAD = /^[A-Z_][A-Z0-9_]{0,3}$/;

/** Pad a NameSeg to four characters with '_' (ASL allows shorter segments). */
export function nameSeg(seg: string): string {
  if (!SEG_LEAD.test(seg)) {
    fail("E_NAME", `AML NameSeg "${seg}": use 1-4 characters A-Z, 0-9, _ (not starting with a digit)`);
  }
  return seg.padEnd(4, "_");
}

// §20.2.2: NameString := <RootChar NamePath> | <PrefixPath NamePath>; NamePath := NameSeg | Dual | Multi | Null.
/** Encode an ASL name path such as `\_SB.PCI0`, `^^FOO`, `_HID` or `` (NullName). */
export function encodeNameString(path: string): number[] {
  const out: number[] = [];
  let i = 0;
  if (path.startsWith("\\")) {
    out.push(0x5c);
    i = 1;
  } else {
    while (path[i] === "^") {
      out.push(0x5e);
      i++;
    }
  }
  const rest = path.slice(i);
  const segs = rest === "" ? [] : rest.split(".");
  if (segs.length > 255) fail("E_NAME", `AML name "${path}" has more than 255 segments`);
  const padded = segs.map(nameSeg);
  if (padded.length === 0) out.push(0x00);
  else if (padded.length === 2) out.push(0x2e);
  else if (padded.length > 2) out.push(0x2f, padded.length);
  for (const s of padded) for (let k = 0; k < 4; k++) out.push(s.charCodeAt(k));
  return out;
}

// §20.2.3: ComputationalData — ZeroOp 0x00, OneOp 0x01, OnesOp 0xFF, BytePrefix 0x0A, WordPrefix 0x0B,
// DWordPrefix 0x0C, QWordPrefix 0x0E. The shortest form is chosen (as iasl does for revision-2 tables).
export function encodeInteger(value: U64): number[] {
  const v = toBigU64(value, "AML integer");
  if (v === 0n) return [0x00];
  if (v === 1n) return [0x01];
  if (v === 0xffff_ffff_ffff_ffffn) return [0xff];
  const le = (n: number): number[] => {
    const o: number[] = [];
    for (let k = 0n; k < BigInt(n); k++) o.push(Number((v >> (8n * k)) & 0xffn));
    return o;
  };
  if (v <= 0xffn) return [0x0a, ...le(1)];
  if (v <= 0xffffn) return [0x0b, ...le(2)];
  if (v <= 0xffff_ffffn) return [0x0c, ...le(4)];
  return [0x0e, ...le(8)];
}

/** §20.2.3 String := StringPrefix (0x0D) AsciiCharList NullChar; ASCII 0x01-0x7F. */
export function encodeString(s: string): number[] {
  const out = [0x0d];
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 1 || c > 0x7f) fail("E_VALUE", `AML string "${s}": character ${c} is outside ASCII 0x01-0x7F`);
    out.push(c);
  }
  out.push(0);
  return out;
}

/** EISA ID ("PNP0A08") compressed to a 32-bit integer (§6.1.5 / ASL EisaId). */
export function eisaIdValue(id: string): number {
  if (!/^[A-Z]{3}[0-9A-F]{4}$/.test(id))
    fail("E_VALUE", `EISA ID "${id}": use three letters A-Z then four hex digits`);
  const c = (k: number) => id.charCodeAt(k) - 0x40;
  const b0 = (c(0) << 2) | (c(1) >> 3);
  const b1 = ((c(1) & 7) << 5) | c(2);
  const b2 = Number.parseInt(id.slice(3, 5), 16);
  const b3 = Number.parseInt(id.slice(5, 7), 16);
  return (b0 | (b1 << 8) | (b2 << 16) | (b3 << 24)) >>> 0;
}

/** ToUUID byte order: first three fields little-endian, the rest as written. */
export function uuidBytes(uuid: string): number[] {
  const m = /^([0-9a-f]{8})-([0-9a-f]{4})-([0-9a-f]{4})-([0-9a-f]{4})-([0-9a-f]{12})$/i.exec(uuid);
  if (!m) fail("E_VALUE", `UUID "${uuid}": use the form xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx`);
  const hex = (s: string) => s.match(/../g)!.map((h) => Number.parseInt(h, 16));
  return [
    ...hex(m[1]!).reverse(),
    ...hex(m[2]!).reverse(),
    ...hex(m[3]!).reverse(),
    ...hex(m[4]!),
    ...hex(m[5]!),
  ];
}
