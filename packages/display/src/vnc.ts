import { randomBytes, timingSafeEqual } from "node:crypto";
import { createServer, type Server, type Socket } from "node:net";
import { ConfigError, type Display, type DisplayRect, PointerButton, RateLimitedLog } from "@armature/core";
import { vncAuthResponse } from "./des.js";
import { keysymToHidUsage } from "./keysym.js";

/** RFB encodings and pseudo-encodings served (RFC 6143 §7.7, §7.8). */
export const RfbEncoding = {
  RAW: 0,
  COPY_RECT: 1,
  CURSOR: -239,
  DESKTOP_SIZE: -223,
} as const;

/** RFB security types (RFC 6143 §7.2). */
export const RfbSecurity = { NONE: 1, VNC_AUTH: 2 } as const;

/** PIXEL_FORMAT (RFC 6143 §7.4). */
export interface RfbPixelFormat {
  bitsPerPixel: number;
  depth: number;
  bigEndian: boolean;
  trueColour: boolean;
  redMax: number;
  greenMax: number;
  blueMax: number;
  redShift: number;
  greenShift: number;
  blueShift: number;
}

/** What the server sends in ServerInit: 32-bit little-endian 0x00RRGGBB, the surface's own layout. */
export const NATIVE_PIXEL_FORMAT: Readonly<RfbPixelFormat> = {
  bitsPerPixel: 32,
  depth: 24,
  bigEndian: false,
  trueColour: true,
  redMax: 255,
  greenMax: 255,
  blueMax: 255,
  redShift: 16,
  greenShift: 8,
  blueShift: 0,
};

export interface VncServerOptions {
  /** Address to listen on (default 127.0.0.1). Anything but loopback needs a password. */
  host?: string;
  /** TCP port (default 5900; 0 picks a free one). */
  port?: number;
  /** Offer VNC authentication (RFC 6143 §7.2.2) with this password (first 8 bytes count). */
  password?: string;
  /** Desktop name sent in ServerInit (default the display's name). */
  name?: string;
  /** Most clients at once (default 16); more are refused. */
  maxClients?: number;
}

/** Bytes a client may have buffered unparsed (the largest message, SetEncodings, is < 263 KiB). */
const MAX_INPUT = 1 << 20;
/** Most cut-text bytes skipped in one message. */
const MAX_CUT_TEXT = 1 << 24;
/** Output queued past this waits for 'drain' before the next update. */
const MAX_QUEUED_OUTPUT = 32 << 20;
const MAX_DIRTY_RECTS = 32;

/** Whether `host` is a loopback address (IPv4 127/8, IPv6 ::1, "localhost"). */
export function isLoopback(host: string): boolean {
  return (
    host === "localhost" || host === "::1" || /^127\.\d+\.\d+\.\d+$/.test(host) || host === "::ffff:127.0.0.1"
  );
}

type Phase = "version" | "security" | "auth" | "init" | "normal" | "closed";

class RfbClient {
  phase: Phase = "version";
  minor = 8;
  private input: Buffer = Buffer.alloc(0);
  private skip = 0;
  private challenge: Buffer | undefined;
  pf: RfbPixelFormat = { ...NATIVE_PIXEL_FORMAT };
  native = true;
  copyRect = false;
  desktopSize = false;
  cursorShape = false;
  /** The client has an outstanding FramebufferUpdateRequest. */
  wantUpdate = false;
  scheduled = false;
  dirty: DisplayRect[] = [];
  copies: Array<{ sx: number; sy: number; r: DisplayRect }> = [];
  sizeChanged = false;
  cursorChanged = false;
  width: number;
  height: number;
  private lastButtons = 0;
  updatesSent = 0;

  constructor(
    readonly server: VncServer,
    readonly socket: Socket,
  ) {
    const d = server.display;
    this.width = d.width;
    this.height = d.height;
    socket.setNoDelay(true);
    socket.on("data", (b: Buffer) => this.onData(b));
    socket.on("error", () => this.close());
    socket.on("close", () => this.close());
    socket.on("drain", () => this.schedule());
    this.send(Buffer.from("RFB 003.008\n", "latin1"));
  }

  close(): void {
    if (this.phase === "closed") return;
    this.phase = "closed";
    this.socket.destroy();
    this.server.forget(this);
  }

  private send(b: Uint8Array): void {
    if (this.phase !== "closed" && !this.socket.destroyed) this.socket.write(b);
  }

  private fail(reason: string): void {
    this.server.log.warn("client", `VNC client ${this.socket.remoteAddress}: ${reason}; disconnected`);
    this.close();
  }

  private onData(chunk: Buffer): void {
    if (this.phase === "closed") return;
    try {
      if (this.skip > 0) {
        const n = Math.min(this.skip, chunk.length);
        this.skip -= n;
        chunk = chunk.subarray(n);
      }
      this.input = this.input.length === 0 ? chunk : Buffer.concat([this.input, chunk]);
      if (this.input.length > MAX_INPUT) {
        this.fail("sent more than 1 MiB that is not a message");
        return;
      }
      let used = 0;
      for (;;) {
        const n = this.parse(this.input.subarray(used));
        if (n <= 0) break;
        used += n;
        if ((this.phase as Phase) === "closed") return;
        if (this.skip > 0) {
          const k = Math.min(this.skip, this.input.length - used);
          this.skip -= k;
          used += k;
        }
      }
      this.input = used === this.input.length ? Buffer.alloc(0) : Buffer.from(this.input.subarray(used));
    } catch (e) {
      this.fail(`protocol error (${e instanceof Error ? e.message : String(e)})`);
    }
  }

  /** Parse one message at the start of `b`; returns bytes consumed, 0 if incomplete. */
  private parse(b: Buffer): number {
    switch (this.phase) {
      case "version":
        return this.parseVersion(b);
      case "security":
        return this.parseSecurityChoice(b);
      case "auth":
        return this.parseAuth(b);
      case "init":
        if (b.length < 1) return 0;
        this.serverInit();
        return 1;
      case "normal":
        return this.parseMessage(b);
      default:
        return 0;
    }
  }

  private parseVersion(b: Buffer): number {
    if (b.length < 12) return 0;
    const m = /^RFB (\d{3})\.(\d{3})\n$/.exec(b.subarray(0, 12).toString("latin1"));
    if (m === null || Number(m[1]) !== 3) {
      this.fail("sent no RFB 3.x ProtocolVersion");
      return 12;
    }
    const minor = Number(m[2]);
    // §7.1.1: 3.3 and 3.7 as published; anything newer (Apple's 3.889 included) speaks 3.8.
    this.minor = minor >= 8 ? 8 : minor === 7 ? 7 : 3;
    const type = this.server.password === undefined ? RfbSecurity.NONE : RfbSecurity.VNC_AUTH;
    if (this.minor === 3) {
      // §7.2 (3.3): the server decides, as a U32.
      const out = Buffer.alloc(4);
      out.writeUInt32BE(type, 0);
      this.send(out);
      this.afterSecurityType(type);
    } else {
      this.send(Buffer.from([1, type]));
      this.phase = "security";
    }
    return 12;
  }

  private parseSecurityChoice(b: Buffer): number {
    if (b.length < 1) return 0;
    const type = this.server.password === undefined ? RfbSecurity.NONE : RfbSecurity.VNC_AUTH;
    if (b[0] !== type) {
      this.securityResult(false, "security type not offered");
      this.fail(`chose security type ${b[0]}, not ${type}`);
      return 1;
    }
    this.afterSecurityType(type);
    return 1;
  }

  private afterSecurityType(type: number): void {
    if (type === RfbSecurity.NONE) {
      // 3.8 sends SecurityResult for None too; 3.3 and 3.7 do not (§7.1.3).
      if (this.minor === 8) this.securityResult(true);
      this.phase = "init";
      return;
    }
    this.challenge = randomBytes(16);
    this.send(this.challenge);
    this.phase = "auth";
  }

  private parseAuth(b: Buffer): number {
    if (b.length < 16) return 0;
    const want = vncAuthResponse(this.server.password ?? "", this.challenge!);
    const ok = timingSafeEqual(b.subarray(0, 16), want);
    this.securityResult(ok, "authentication failed");
    if (!ok) this.fail("wrong VNC password");
    else this.phase = "init";
    return 16;
  }

  private securityResult(ok: boolean, reason = ""): void {
    const out = Buffer.alloc(4);
    out.writeUInt32BE(ok ? 0 : 1, 0);
    this.send(out);
    if (!ok && this.minor === 8) {
      const r = Buffer.from(reason, "latin1");
      const len = Buffer.alloc(4);
      len.writeUInt32BE(r.length, 0);
      this.send(Buffer.concat([len, r]));
    }
  }

  private serverInit(): void {
    const d = this.server.display;
    this.width = d.width;
    this.height = d.height;
    const name = Buffer.from(this.server.desktopName, "utf8");
    const out = Buffer.alloc(24 + name.length);
    out.writeUInt16BE(d.width, 0);
    out.writeUInt16BE(d.height, 2);
    writePixelFormat(out, 4, NATIVE_PIXEL_FORMAT);
    out.writeUInt32BE(name.length, 20);
    out.set(name, 24);
    this.send(out);
    this.phase = "normal";
  }

  /** Client-to-server messages (§7.5). */
  private parseMessage(b: Buffer): number {
    if (b.length < 1) return 0;
    switch (b[0]) {
      case 0: {
        // SetPixelFormat
        if (b.length < 20) return 0;
        const pf = readPixelFormat(b, 4);
        if (!pf.trueColour || ![8, 16, 32].includes(pf.bitsPerPixel)) {
          this.fail(
            `asked for an unsupported pixel format (${pf.bitsPerPixel} bpp, colour map ${!pf.trueColour})`,
          );
          return 20;
        }
        this.pf = pf;
        this.native = samePixelFormat(pf, NATIVE_PIXEL_FORMAT);
        return 20;
      }
      case 2: {
        // SetEncodings
        if (b.length < 4) return 0;
        const n = b.readUInt16BE(2);
        if (b.length < 4 + 4 * n) return 0;
        this.copyRect = false;
        this.desktopSize = false;
        const hadCursor = this.cursorShape;
        this.cursorShape = false;
        for (let i = 0; i < n; i++) {
          const e = b.readInt32BE(4 + 4 * i);
          if (e === RfbEncoding.COPY_RECT) this.copyRect = true;
          else if (e === RfbEncoding.DESKTOP_SIZE) this.desktopSize = true;
          else if (e === RfbEncoding.CURSOR) this.cursorShape = true;
        }
        if (this.cursorShape && !hadCursor && this.server.display.cursor !== null) this.cursorChanged = true;
        return 4 + 4 * n;
      }
      case 3: {
        // FramebufferUpdateRequest
        if (b.length < 10) return 0;
        const incremental = b[1] !== 0;
        if (!incremental) {
          const r = {
            x: b.readUInt16BE(2),
            y: b.readUInt16BE(4),
            width: b.readUInt16BE(6),
            height: b.readUInt16BE(8),
          };
          const c = clip(
            r,
            Math.min(this.width, this.server.display.width),
            Math.min(this.height, this.server.display.height),
          );
          // A request for nothing visible still gets an answer: the whole screen.
          this.addDirty(c ?? { x: 0, y: 0, width: this.width, height: this.height });
        }
        this.wantUpdate = true;
        this.schedule();
        return 10;
      }
      case 4: {
        // KeyEvent
        if (b.length < 8) return 0;
        const usage = keysymToHidUsage(b.readUInt32BE(4));
        if (usage !== 0) this.server.display.sendKey({ down: b[1] !== 0, usage });
        return 8;
      }
      case 5: {
        // PointerEvent
        if (b.length < 6) return 0;
        this.pointer(b[1]!, b.readUInt16BE(2), b.readUInt16BE(4));
        return 6;
      }
      case 6: {
        // ClientCutText: skipped (no clipboard). A negative length is the extended-clipboard form.
        if (b.length < 8) return 0;
        const len = Math.abs(b.readInt32BE(4));
        if (len > MAX_CUT_TEXT) {
          this.fail(`cut text of ${len} bytes`);
          return b.length;
        }
        const here = Math.min(len, b.length - 8);
        this.skip = len - here;
        return 8 + here;
      }
      default:
        // Unknown message: its length is unknown, so the stream cannot continue (§7.5).
        this.fail(`sent unknown message type ${b[0]}`);
        return b.length;
    }
  }

  private pointer(mask: number, x: number, y: number): void {
    const d = this.server.display;
    let buttons = 0;
    if (mask & 1) buttons |= PointerButton.LEFT;
    if (mask & 2) buttons |= PointerButton.MIDDLE;
    if (mask & 4) buttons |= PointerButton.RIGHT;
    // Wheel "buttons" 4..7 (bits 3..6) click once per press.
    const pressed = mask & ~this.lastButtons;
    this.lastButtons = mask;
    const wheel = (pressed & 8 ? 1 : 0) - (pressed & 16 ? 1 : 0);
    const hwheel = (pressed & 64 ? 1 : 0) - (pressed & 32 ? 1 : 0);
    d.sendPointer({
      kind: "absolute",
      x: Math.min(x, d.width - 1),
      y: Math.min(y, d.height - 1),
      width: d.width,
      height: d.height,
      buttons,
      wheel,
      hwheel,
    });
  }

  addDirty(r: DisplayRect): void {
    for (const o of this.dirty) if (contains(o, r)) return;
    this.dirty = this.dirty.filter((o) => !contains(r, o));
    this.dirty.push(r);
    if (this.dirty.length > MAX_DIRTY_RECTS) this.dirty = [bounds(this.dirty)];
  }

  pending(): boolean {
    return (
      this.dirty.length > 0 ||
      this.copies.length > 0 ||
      (this.sizeChanged && this.desktopSize) ||
      (this.cursorChanged && this.cursorShape)
    );
  }

  schedule(): void {
    if (this.scheduled || !this.wantUpdate || this.phase !== "normal") return;
    if (!this.pending()) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.sendUpdate();
    });
  }

  /** One FramebufferUpdate (§7.6.1) with everything pending. */
  sendUpdate(): void {
    if (this.phase !== "normal" || !this.wantUpdate) return;
    if (this.socket.writableLength > MAX_QUEUED_OUTPUT) return; // 'drain' reschedules
    const d = this.server.display;
    // A client without the DesktopSize pseudo-encoding keeps its size; updates are clipped to it.
    const resized = this.sizeChanged && this.desktopSize;
    this.sizeChanged = false;
    if (resized) {
      this.width = d.width;
      this.height = d.height;
    }
    const w = Math.min(this.width, d.width);
    const h = Math.min(this.height, d.height);
    const bpp = this.pf.bitsPerPixel / 8;
    const rects: Array<
      { kind: "raw"; r: DisplayRect } | { kind: "copy"; sx: number; sy: number; r: DisplayRect }
    > = [];
    for (const c of this.copies) {
      if (
        c.sx + c.r.width <= w &&
        c.sy + c.r.height <= h &&
        c.r.x + c.r.width <= w &&
        c.r.y + c.r.height <= h
      )
        rects.push({ kind: "copy", sx: c.sx, sy: c.sy, r: c.r });
      else {
        const k = clip(c.r, w, h);
        if (k !== null) rects.push({ kind: "raw", r: k });
      }
    }
    for (const r of this.dirty) {
      const k = clip(r, w, h);
      if (k !== null) rects.push({ kind: "raw", r: k });
    }
    this.copies = [];
    this.dirty = [];
    const cursor = this.cursorChanged && this.cursorShape ? d.cursor : undefined;
    const sendCursor = this.cursorChanged && this.cursorShape;
    this.cursorChanged = false;
    let size = 4;
    if (resized) size += 12;
    if (sendCursor)
      size +=
        12 + (cursor ? cursor.width * cursor.height * bpp + Math.ceil(cursor.width / 8) * cursor.height : 0);
    for (const e of rects) size += 12 + (e.kind === "copy" ? 4 : e.r.width * e.r.height * bpp);
    const count = rects.length + (resized ? 1 : 0) + (sendCursor ? 1 : 0);
    if (count === 0) return;
    const out = this.outputBuffer(size);
    out[0] = 0;
    out[1] = 0;
    out.writeUInt16BE(Math.min(count, 0xffff), 2);
    let o = 4;
    if (resized) o = rectHeader(out, o, 0, 0, this.width, this.height, RfbEncoding.DESKTOP_SIZE);
    if (sendCursor) {
      if (cursor) {
        o = rectHeader(out, o, cursor.hotX, cursor.hotY, cursor.width, cursor.height, RfbEncoding.CURSOR);
        o = this.cursorPixels(out, o, cursor.width, cursor.height, cursor.pixels);
      } else o = rectHeader(out, o, 0, 0, 0, 0, RfbEncoding.CURSOR);
    }
    for (const e of rects) {
      const r = e.r;
      if (e.kind === "copy") {
        o = rectHeader(out, o, r.x, r.y, r.width, r.height, RfbEncoding.COPY_RECT);
        out.writeUInt16BE(e.sx, o);
        out.writeUInt16BE(e.sy, o + 2);
        o += 4;
      } else {
        o = rectHeader(out, o, r.x, r.y, r.width, r.height, RfbEncoding.RAW);
        o = this.rawPixels(out, o, r);
      }
    }
    this.wantUpdate = false;
    this.updatesSent++;
    if (this.socket.destroyed) return;
    const whole = this.taken;
    this.taken = undefined;
    this.socket.write(out, () => {
      // Written out: its memory can carry a later update (a fresh 4 MB buffer costs page faults).
      if (whole !== undefined && (this.spare === undefined || this.spare.length < whole.length))
        this.spare = whole;
    });
  }

  /** A large buffer no write holds any more, and the one the update being built uses. */
  private spare: Buffer | undefined;
  private taken: Buffer | undefined;

  private outputBuffer(size: number): Buffer {
    if (size < 65536) return Buffer.allocUnsafe(size);
    let b = this.spare;
    if (b === undefined || b.length < size) b = Buffer.allocUnsafeSlow(size);
    this.spare = undefined;
    this.taken = b;
    return b.subarray(0, size);
  }

  private rawPixels(out: Buffer, o: number, r: DisplayRect): number {
    const d = this.server.display;
    const src = d.data;
    if (this.native) {
      const n = r.width * 4;
      for (let y = 0; y < r.height; y++) {
        const s = (r.y + y) * d.stride + r.x * 4;
        out.set(src.subarray(s, s + n), o);
        o += n;
      }
      return o;
    }
    for (let y = 0; y < r.height; y++) {
      let s = (r.y + y) * d.stride + r.x * 4;
      for (let x = 0; x < r.width; x++, s += 4) o = this.pixel(out, o, src[s + 2]!, src[s + 1]!, src[s]!);
    }
    return o;
  }

  private cursorPixels(out: Buffer, o: number, w: number, h: number, px: Uint8Array): number {
    for (let i = 0; i < w * h; i++) o = this.pixel(out, o, px[4 * i + 2]!, px[4 * i + 1]!, px[4 * i]!);
    const rowBytes = Math.ceil(w / 8);
    for (let y = 0; y < h; y++) {
      for (let bx = 0; bx < rowBytes; bx++) {
        let m = 0;
        for (let k = 0; k < 8; k++) {
          const x = bx * 8 + k;
          if (x < w && px[4 * (y * w + x) + 3]! >= 128) m |= 0x80 >> k;
        }
        out[o++] = m;
      }
    }
    return o;
  }

  /** One pixel in the client's format (§7.4). */
  private pixel(out: Buffer, o: number, r: number, g: number, b: number): number {
    const pf = this.pf;
    const v =
      ((Math.round((r * pf.redMax) / 255) << pf.redShift) |
        (Math.round((g * pf.greenMax) / 255) << pf.greenShift) |
        (Math.round((b * pf.blueMax) / 255) << pf.blueShift)) >>>
      0;
    const n = pf.bitsPerPixel / 8;
    for (let i = 0; i < n; i++) {
      const byte = (v >>> (8 * i)) & 0xff;
      out[pf.bigEndian ? o + n - 1 - i : o + i] = byte;
    }
    return o + n;
  }
}

function rectHeader(out: Buffer, o: number, x: number, y: number, w: number, h: number, enc: number): number {
  out.writeUInt16BE(x, o);
  out.writeUInt16BE(y, o + 2);
  out.writeUInt16BE(w, o + 4);
  out.writeUInt16BE(h, o + 6);
  out.writeInt32BE(enc, o + 8);
  return o + 12;
}

export function writePixelFormat(out: Uint8Array, o: number, pf: RfbPixelFormat): void {
  const v = new DataView(out.buffer, out.byteOffset);
  out[o] = pf.bitsPerPixel;
  out[o + 1] = pf.depth;
  out[o + 2] = pf.bigEndian ? 1 : 0;
  out[o + 3] = pf.trueColour ? 1 : 0;
  v.setUint16(o + 4, pf.redMax);
  v.setUint16(o + 6, pf.greenMax);
  v.setUint16(o + 8, pf.blueMax);
  out[o + 10] = pf.redShift;
  out[o + 11] = pf.greenShift;
  out[o + 12] = pf.blueShift;
  out[o + 13] = 0;
  out[o + 14] = 0;
  out[o + 15] = 0;
}

export function readPixelFormat(b: Uint8Array, o: number): RfbPixelFormat {
  const v = new DataView(b.buffer, b.byteOffset);
  return {
    bitsPerPixel: b[o]!,
    depth: b[o + 1]!,
    bigEndian: b[o + 2] !== 0,
    trueColour: b[o + 3] !== 0,
    redMax: v.getUint16(o + 4),
    greenMax: v.getUint16(o + 6),
    blueMax: v.getUint16(o + 8),
    redShift: b[o + 10]! & 31,
    greenShift: b[o + 11]! & 31,
    blueShift: b[o + 12]! & 31,
  };
}

function samePixelFormat(a: RfbPixelFormat, b: RfbPixelFormat): boolean {
  return (
    a.bitsPerPixel === b.bitsPerPixel &&
    a.bigEndian === b.bigEndian &&
    a.trueColour === b.trueColour &&
    a.redMax === b.redMax &&
    a.greenMax === b.greenMax &&
    a.blueMax === b.blueMax &&
    a.redShift === b.redShift &&
    a.greenShift === b.greenShift &&
    a.blueShift === b.blueShift
  );
}

function contains(a: DisplayRect, b: DisplayRect): boolean {
  return a.x <= b.x && a.y <= b.y && a.x + a.width >= b.x + b.width && a.y + a.height >= b.y + b.height;
}

function bounds(rs: readonly DisplayRect[]): DisplayRect {
  let x0 = Infinity;
  let y0 = Infinity;
  let x1 = 0;
  let y1 = 0;
  for (const r of rs) {
    x0 = Math.min(x0, r.x);
    y0 = Math.min(y0, r.y);
    x1 = Math.max(x1, r.x + r.width);
    y1 = Math.max(y1, r.y + r.height);
  }
  return { x: x0, y: y0, width: x1 - x0, height: y1 - y0 };
}

function clip(r: DisplayRect, w: number, h: number): DisplayRect | null {
  const x1 = Math.min(w, r.x + r.width);
  const y1 = Math.min(h, r.y + r.height);
  if (!(x1 > r.x && y1 > r.y)) return null;
  return { x: r.x, y: r.y, width: x1 - r.x, height: y1 - r.y };
}

/**
 * An RFB 3.8 server (RFC 6143) showing one `Display` to any number of VNC clients: security None,
 * or VNC authentication when a password is set; Raw and CopyRect encodings, DesktopSize and Cursor
 * pseudo-encodings; incremental updates from the display's dirty rectangles; keys and pointer
 * sent back to the display's input listeners. A client that misbehaves is disconnected; nothing
 * it sends reaches the guest other than well-formed input events.
 */
export class VncServer {
  readonly display: Display;
  readonly host: string;
  readonly port: number;
  readonly password: string | undefined;
  readonly desktopName: string;
  readonly maxClients: number;
  readonly log = new RateLimitedLog("vnc");
  private readonly server: Server;
  private readonly clientSet = new Set<RfbClient>();
  private readonly unlisten: () => void;

  constructor(display: Display, opts: VncServerOptions = {}) {
    this.display = display;
    this.host = opts.host ?? "127.0.0.1";
    this.port = opts.port ?? 5900;
    this.password = opts.password;
    this.desktopName = opts.name ?? display.name;
    this.maxClients = opts.maxClients ?? 16;
    if (!Number.isInteger(this.port) || this.port < 0 || this.port > 65535)
      throw new ConfigError(`VNC port ${this.port} must be 0..65535`);
    if (!isLoopback(this.host) && (this.password === undefined || this.password === ""))
      throw new ConfigError(
        `VNC on non-loopback address ${this.host} needs a password (password=...), or listen on 127.0.0.1`,
      );
    this.server = createServer((s) => this.accept(s));
    this.server.on("error", (e) => this.log.warn("server", `VNC server error: ${e.message}`));
    this.unlisten = display.addListener({
      resize: () => {
        for (const c of this.clientSet) {
          c.sizeChanged = true;
          c.dirty = [];
          c.copies = [];
          c.addDirty({ x: 0, y: 0, width: display.width, height: display.height });
          c.schedule();
        }
      },
      update: (r) => {
        for (const c of this.clientSet) {
          c.addDirty(r);
          c.schedule();
        }
      },
      copy: (sx, sy, r) => {
        for (const c of this.clientSet) {
          // The client's copy of the source is only current if nothing is pending for it.
          if (c.copyRect && c.dirty.length === 0 && !c.sizeChanged) c.copies.push({ sx, sy, r });
          else c.addDirty(r);
          c.schedule();
        }
      },
      cursor: () => {
        for (const c of this.clientSet) {
          c.cursorChanged = true;
          c.schedule();
        }
      },
    });
  }

  /** Start listening; resolves with the bound address and port. */
  listen(): Promise<{ host: string; port: number }> {
    return new Promise((resolve, reject) => {
      const onError = (e: Error) =>
        reject(new ConfigError(`VNC cannot listen on ${this.host}:${this.port}: ${e.message}`));
      this.server.once("error", onError);
      this.server.listen(this.port, this.host, () => {
        this.server.off("error", onError);
        const a = this.server.address();
        resolve({ host: this.host, port: typeof a === "object" && a !== null ? a.port : this.port });
      });
    });
  }

  /** Clients connected now. */
  get clients(): number {
    return this.clientSet.size;
  }

  /** Updates sent to each client (tests, benchmarks). */
  updateCounts(): number[] {
    return [...this.clientSet].map((c) => c.updatesSent);
  }

  /** Disconnect every client and stop listening. */
  close(): Promise<void> {
    this.unlisten();
    for (const c of [...this.clientSet]) c.close();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private accept(s: Socket): void {
    if (this.clientSet.size >= this.maxClients) {
      this.log.warn("full", `VNC: refusing client ${s.remoteAddress}: ${this.maxClients} connected`);
      s.destroy();
      return;
    }
    this.clientSet.add(new RfbClient(this, s));
  }

  /** @internal A client went away. */
  forget(c: RfbClient): void {
    this.clientSet.delete(c);
  }
}
