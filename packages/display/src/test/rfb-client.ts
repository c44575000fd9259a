import { connect, type Socket } from "node:net";
import { vncAuthResponse } from "../des.js";

/** Buffered reads of exact byte counts from a socket. */
class Reader {
  private chunks: Buffer[] = [];
  private have = 0;
  private waiters: Array<() => void> = [];
  private ended = false;
  constructor(readonly socket: Socket) {
    socket.on("data", (b: Buffer) => {
      this.chunks.push(b);
      this.have += b.length;
      this.wake();
    });
    const end = () => {
      this.ended = true;
      this.wake();
    };
    socket.on("close", end);
    socket.on("error", end);
  }
  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }
  private scratch: Buffer = Buffer.alloc(0);

  /** `n` bytes; with `transient`, in memory the next read may overwrite (no allocation). */
  async read(n: number, transient = false): Promise<Buffer> {
    while (this.have < n) {
      if (this.ended) throw new Error(`connection closed (wanted ${n} bytes, have ${this.have})`);
      await new Promise<void>((r) => this.waiters.push(r));
    }
    const first = this.chunks[0]!;
    if (first.length >= n) {
      // Fast path: inside the first chunk (no copy).
      const out = first.subarray(0, n);
      if (first.length === n) this.chunks.shift();
      else this.chunks[0] = first.subarray(n);
      this.have -= n;
      return out;
    }
    let out: Buffer;
    if (transient) {
      if (this.scratch.length < n) this.scratch = Buffer.allocUnsafeSlow(n);
      out = this.scratch.subarray(0, n);
    } else out = Buffer.allocUnsafe(n);
    let done = 0;
    while (done < n) {
      const c = this.chunks[0]!;
      const k = Math.min(c.length, n - done);
      out.set(c.subarray(0, k), done);
      done += k;
      if (k === c.length) this.chunks.shift();
      else this.chunks[0] = c.subarray(k);
    }
    this.have -= n;
    return out;
  }
  get closed(): boolean {
    return this.ended;
  }
}

export interface RfbRect {
  x: number;
  y: number;
  width: number;
  height: number;
  encoding: number;
  srcX?: number;
  srcY?: number;
}

/**
 * A minimal RFB client written from RFC 6143 for tests: the handshake (3.3, 3.7 or 3.8; None or
 * VNC authentication), 32-bit native pixels, Raw, CopyRect, DesktopSize and Cursor, applied to a
 * local framebuffer copy (B, G, R, X) the test compares with the server's surface.
 */
export class RfbTestClient {
  width = 0;
  height = 0;
  name = "";
  fb = new Uint8Array(0);
  cursor: {
    hotX: number;
    hotY: number;
    width: number;
    height: number;
    pixels: Uint8Array;
    mask: Uint8Array;
  } | null = null;
  securityTypes: number[] = [];

  private constructor(
    readonly socket: Socket,
    private readonly r: Reader,
  ) {}

  static async connect(
    port: number,
    opts: { password?: string; version?: string; encodings?: number[]; host?: string } = {},
  ): Promise<RfbTestClient> {
    const socket = connect(port, opts.host ?? "127.0.0.1");
    await new Promise<void>((res, rej) => {
      socket.once("connect", () => res());
      socket.once("error", rej);
    });
    const c = new RfbTestClient(socket, new Reader(socket));
    await c.handshake(opts.version ?? "003.008", opts.password);
    c.setEncodings(opts.encodings ?? [0, 1, -223, -239]);
    return c;
  }

  private async handshake(version: string, password: string | undefined): Promise<void> {
    const r = this.r;
    const v = (await r.read(12)).toString("latin1");
    if (v !== "RFB 003.008\n") throw new Error(`server version ${JSON.stringify(v)}`);
    this.socket.write(`RFB ${version}\n`);
    let type: number;
    if (version === "003.003") {
      type = (await r.read(4)).readUInt32BE(0);
      this.securityTypes = [type];
    } else {
      const n = (await r.read(1))[0]!;
      if (n === 0) throw new Error("server offered no security types");
      this.securityTypes = [...(await r.read(n))];
      type = password === undefined ? 1 : 2;
      this.socket.write(Buffer.from([type]));
    }
    if (type === 2) {
      const challenge = await r.read(16);
      this.socket.write(vncAuthResponse(password ?? "", challenge));
    }
    const v38 = Number(version.slice(4)) >= 8;
    if (type === 2 || v38) {
      const result = (await r.read(4)).readUInt32BE(0);
      if (result !== 0) {
        let reason = "";
        if (v38) reason = (await r.read((await r.read(4)).readUInt32BE(0))).toString("latin1");
        throw new Error(`security failed: ${reason}`);
      }
    }
    this.socket.write(Buffer.from([1])); // ClientInit: shared
    const init = await r.read(24);
    this.width = init.readUInt16BE(0);
    this.height = init.readUInt16BE(2);
    if (init[4] !== 32 || init[7] !== 1 || init[14] !== 16 || init[15] !== 8 || init[16] !== 0)
      throw new Error("server pixel format is not 32-bit 0x00RRGGBB");
    this.name = (await r.read(init.readUInt32BE(20))).toString("utf8");
    this.fb = new Uint8Array(this.width * this.height * 4);
  }

  setEncodings(list: number[]): void {
    const b = Buffer.alloc(4 + 4 * list.length);
    b[0] = 2;
    b.writeUInt16BE(list.length, 2);
    for (let i = 0; i < list.length; i++) b.writeInt32BE(list[i]!, 4 + 4 * i);
    this.socket.write(b);
  }

  requestUpdate(incremental: boolean, x = 0, y = 0, w = this.width, h = this.height): void {
    const b = Buffer.alloc(10);
    b[0] = 3;
    b[1] = incremental ? 1 : 0;
    b.writeUInt16BE(x, 2);
    b.writeUInt16BE(y, 4);
    b.writeUInt16BE(w, 6);
    b.writeUInt16BE(h, 8);
    this.socket.write(b);
  }

  key(down: boolean, keysym: number): void {
    const b = Buffer.alloc(8);
    b[0] = 4;
    b[1] = down ? 1 : 0;
    b.writeUInt32BE(keysym, 4);
    this.socket.write(b);
  }

  pointer(mask: number, x: number, y: number): void {
    const b = Buffer.alloc(6);
    b[0] = 5;
    b[1] = mask;
    b.writeUInt16BE(x, 2);
    b.writeUInt16BE(y, 4);
    this.socket.write(b);
  }

  /** Read server messages until a FramebufferUpdate; apply it; return its rectangles. */
  async nextUpdate(): Promise<RfbRect[]> {
    const r = this.r;
    for (;;) {
      const type = (await r.read(1))[0]!;
      if (type === 2) continue; // Bell
      if (type === 3) {
        const h = await r.read(7);
        await r.read(h.readUInt32BE(3));
        continue;
      }
      if (type !== 0) throw new Error(`unexpected server message ${type}`);
      const n = (await r.read(3)).readUInt16BE(1);
      const rects: RfbRect[] = [];
      for (let i = 0; i < n; i++) {
        const h = await r.read(12);
        const rect: RfbRect = {
          x: h.readUInt16BE(0),
          y: h.readUInt16BE(2),
          width: h.readUInt16BE(4),
          height: h.readUInt16BE(6),
          encoding: h.readInt32BE(8),
        };
        rects.push(rect);
        await this.apply(rect);
      }
      return rects;
    }
  }

  private async apply(rect: RfbRect): Promise<void> {
    const { x, y, width: w, height: h } = rect;
    switch (rect.encoding) {
      case 0: {
        const px = await this.r.read(w * h * 4, true);
        for (let row = 0; row < h; row++)
          this.fb.set(px.subarray(row * w * 4, (row + 1) * w * 4), ((y + row) * this.width + x) * 4);
        return;
      }
      case 1: {
        const s = await this.r.read(4);
        rect.srcX = s.readUInt16BE(0);
        rect.srcY = s.readUInt16BE(2);
        const copy = new Uint8Array(w * h * 4);
        for (let row = 0; row < h; row++) {
          const o = ((rect.srcY + row) * this.width + rect.srcX) * 4;
          copy.set(this.fb.subarray(o, o + w * 4), row * w * 4);
        }
        for (let row = 0; row < h; row++)
          this.fb.set(copy.subarray(row * w * 4, (row + 1) * w * 4), ((y + row) * this.width + x) * 4);
        return;
      }
      case -223: {
        this.width = w;
        this.height = h;
        this.fb = new Uint8Array(w * h * 4);
        return;
      }
      case -239: {
        const pixels = new Uint8Array(await this.r.read(w * h * 4));
        const mask = new Uint8Array(await this.r.read(Math.ceil(w / 8) * h));
        this.cursor = w === 0 ? null : { hotX: x, hotY: y, width: w, height: h, pixels, mask };
        return;
      }
      default:
        throw new Error(`unexpected encoding ${rect.encoding}`);
    }
  }

  get closed(): boolean {
    return this.r.closed;
  }

  close(): void {
    this.socket.destroy();
  }
}
