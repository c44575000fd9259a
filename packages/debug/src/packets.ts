/*
 * GDB remote serial protocol framing (GDB manual, "Overview" of the Remote Protocol):
 * `$data#cs` with cs the modulo-256 sum of data as two hex digits, `+`/`-` acknowledgements, and
 * the out-of-band interrupt byte 0x03. Binary data (X packets, qXfer replies) escapes `#`, `$`,
 * `}` and `*` as `}` followed by the byte XOR 0x20.
 */

/** What the decoder found in the byte stream. */
export type PacketEvent =
  | { kind: "packet"; data: Uint8Array }
  | { kind: "bad-checksum" }
  | { kind: "interrupt" }
  | { kind: "ack" }
  | { kind: "nack" }
  | { kind: "overflow" };

enum State {
  Idle,
  Data,
  Check1,
  Check2,
}

/**
 * Splits a byte stream into packets. Anything outside `$...#xx` other than `+`, `-` and 0x03 is
 * ignored; a packet longer than `maxLength` is dropped whole (reported once as "overflow") and
 * the decoder waits for the next `$`. Never throws; memory stays bounded by `maxLength`.
 */
export class PacketDecoder {
  private state = State.Idle;
  private readonly buf: Uint8Array;
  private len = 0;
  private sum = 0;
  private check = 0;
  private overflowed = false;

  constructor(readonly maxLength: number) {
    this.buf = new Uint8Array(maxLength);
  }

  /** Feed bytes; `emit` is called for each event in order. */
  push(bytes: Uint8Array, emit: (e: PacketEvent) => void): void {
    for (let i = 0; i < bytes.length; i++) {
      const b = bytes[i]!;
      switch (this.state) {
        case State.Idle:
          if (b === 0x24) this.begin();
          else if (b === 0x03) emit({ kind: "interrupt" });
          else if (b === 0x2b) emit({ kind: "ack" });
          else if (b === 0x2d) emit({ kind: "nack" });
          break;
        case State.Data:
          if (b === 0x23) {
            this.state = State.Check1;
          } else if (b === 0x24) {
            // a new packet starts before this one ended: the old one is lost
            this.begin();
          } else {
            this.sum = (this.sum + b) & 0xff;
            if (this.len < this.buf.length) this.buf[this.len++] = b;
            else this.overflowed = true;
          }
          break;
        case State.Check1: {
          const d = hexDigit(b);
          if (d < 0) {
            this.state = State.Idle;
            if (b === 0x24) this.begin();
            else emit({ kind: "bad-checksum" });
            break;
          }
          this.check = d << 4;
          this.state = State.Check2;
          break;
        }
        case State.Check2: {
          const d = hexDigit(b);
          this.state = State.Idle;
          if (this.overflowed) {
            emit({ kind: "overflow" });
            break;
          }
          if (d < 0 || (this.check | d) !== this.sum) {
            emit({ kind: "bad-checksum" });
            if (b === 0x24) this.begin();
            break;
          }
          emit({ kind: "packet", data: this.buf.slice(0, this.len) });
          break;
        }
      }
    }
  }

  /** Forget a partial packet (the connection closed). */
  reset(): void {
    this.state = State.Idle;
    this.len = 0;
  }

  private begin(): void {
    this.state = State.Data;
    this.len = 0;
    this.sum = 0;
    this.overflowed = false;
  }
}

function hexDigit(b: number): number {
  if (b >= 0x30 && b <= 0x39) return b - 0x30;
  if (b >= 0x61 && b <= 0x66) return b - 0x57;
  if (b >= 0x41 && b <= 0x46) return b - 0x37;
  return -1;
}

/** Frame a reply: `$` + escaped data + `#` + checksum. */
export function framePacket(data: string | Uint8Array): Uint8Array {
  const raw = typeof data === "string" ? Buffer.from(data, "latin1") : data;
  const out: number[] = [0x24];
  let sum = 0;
  for (const b of raw) {
    if (b === 0x23 || b === 0x24 || b === 0x7d || b === 0x2a) {
      out.push(0x7d, b ^ 0x20);
      sum += 0x7d + (b ^ 0x20);
    } else {
      out.push(b);
      sum += b;
    }
  }
  out.push(0x23);
  const cs = (sum & 0xff).toString(16).padStart(2, "0");
  out.push(cs.charCodeAt(0), cs.charCodeAt(1));
  return Uint8Array.from(out);
}

/** Undo the `}` escapes of binary packet data. */
export function unescapeBinary(data: Uint8Array): Uint8Array {
  const out = new Uint8Array(data.length);
  let n = 0;
  for (let i = 0; i < data.length; i++) {
    const b = data[i]!;
    if (b === 0x7d && i + 1 < data.length) out[n++] = data[++i]! ^ 0x20;
    else out[n++] = b;
  }
  return out.slice(0, n);
}

/** Bytes as lowercase hex. */
export function toHex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("hex");
}

/** Hex to bytes, or undefined when `s` is not whole hex digit pairs. */
export function fromHex(s: string): Uint8Array | undefined {
  if (s.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(s)) return undefined;
  return new Uint8Array(Buffer.from(s, "hex"));
}

/** A hex number (an address, a length) as a bigint, or undefined. */
export function parseHexBig(s: string | undefined): bigint | undefined {
  if (s === undefined || s.length === 0 || s.length > 16 || !/^[0-9a-fA-F]+$/.test(s)) return undefined;
  return BigInt(`0x${s}`);
}

/** A 64-bit value as little-endian hex of `bytes` bytes (target byte order). */
export function leHex(v: bigint, bytes: number): string {
  let s = "";
  let x = BigInt.asUintN(bytes * 8, v);
  for (let i = 0; i < bytes; i++) {
    s += Number(x & 0xffn)
      .toString(16)
      .padStart(2, "0");
    x >>= 8n;
  }
  return s;
}

/** Little-endian hex of `bytes` bytes to a bigint, or undefined. */
export function parseLeHex(s: string, bytes: number): bigint | undefined {
  if (s.length !== bytes * 2) return undefined;
  const b = fromHex(s);
  if (b === undefined) return undefined;
  let v = 0n;
  for (let i = bytes - 1; i >= 0; i--) v = (v << 8n) | BigInt(b[i]!);
  return v;
}
