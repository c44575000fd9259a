import { getUintLE, type StateReader, type StateWriter } from "@armature/core";
import { featureBit, VirtioDeviceId } from "./constants.js";
import { type VirtioDevice, VirtioDeviceBase, type VirtioDeviceContext } from "./device.js";

/**
 * Host side of a console port: the device calls `write` with what the guest printed and
 * registers one input handler through which the host types into the guest.
 */
export interface ConsoleBackend {
  write(bytes: Uint8Array): void;
  onInput(handler: (bytes: Uint8Array) => void): void;
}

/** A console backend over a pair of Node streams (e.g. process.stdin / process.stdout). */
export function streamConsoleBackend(
  input: NodeJS.ReadableStream,
  output: NodeJS.WritableStream,
): ConsoleBackend {
  return {
    write(bytes) {
      output.write(bytes);
    },
    onInput(handler) {
      input.on("data", (d: Buffer | string) =>
        handler(typeof d === "string" ? new TextEncoder().encode(d) : new Uint8Array(d)),
      );
    },
  };
}

/** A console backend that keeps the guest's output and lets a test type input. */
export class BufferConsoleBackend implements ConsoleBackend {
  private handler: ((bytes: Uint8Array) => void) | undefined;
  readonly chunks: Uint8Array[] = [];
  write(bytes: Uint8Array): void {
    this.chunks.push(bytes.slice());
  }
  onInput(handler: (bytes: Uint8Array) => void): void {
    this.handler = handler;
  }
  /** Type `text` (or bytes) into the guest. */
  type(text: string | Uint8Array): void {
    this.handler?.(typeof text === "string" ? new TextEncoder().encode(text) : text);
  }
  /** Everything the guest wrote, as text. */
  output(): string {
    return new TextDecoder().decode(Buffer.concat(this.chunks));
  }
}

/** virtio-console feature bits (§5.3.3). */
export const VirtioConsoleFeature = { SIZE: 0, MULTIPORT: 1, EMERG_WRITE: 2 } as const;

const RX = 0;
const TX = 1;
/** Host input kept while the guest has no receive buffers; older input beyond this is dropped. */
const MAX_PENDING = 1 << 20;

/**
 * virtio-console (virtio 1.2 §5.3) with a single port (port 0, Linux's hvc0): receiveq0 and
 * transmitq0, the console size and emergency-write fields of the configuration.
 */
export class VirtioConsole extends VirtioDeviceBase implements VirtioDevice {
  readonly deviceId = VirtioDeviceId.CONSOLE;
  readonly name = "console";
  readonly deviceFeatures =
    featureBit(VirtioConsoleFeature.SIZE) | featureBit(VirtioConsoleFeature.EMERG_WRITE);
  readonly queueMaxSizes: readonly number[] = [128, 128];
  readonly configSize = 12;
  private pending: Uint8Array[] = [];
  private pendingBytes = 0;
  private cols: number;
  private rows: number;

  constructor(
    readonly backend: ConsoleBackend,
    opts: { cols?: number; rows?: number } = {},
  ) {
    super();
    this.cols = opts.cols ?? 80;
    this.rows = opts.rows ?? 25;
    backend.onInput((bytes) => this.input(bytes));
  }

  /** Change the console size (SIZE feature) and notify the driver. */
  resize(cols: number, rows: number): void {
    this.cols = cols & 0xffff;
    this.rows = rows & 0xffff;
    this.ctx?.configChanged();
  }

  readConfig(offset: number, size: 1 | 2 | 4): number {
    const b = new Uint8Array(12);
    const v = new DataView(b.buffer);
    v.setUint16(0, this.cols, true);
    v.setUint16(2, this.rows, true);
    v.setUint32(4, 1, true);
    return getUintLE(b, offset, size);
  }

  writeConfig(offset: number, size: 1 | 2 | 4, value: number): void {
    // §5.3.4: emerg_wr (offset 8) writes one character to port 0.
    if (offset === 8 && size === 4) this.backend.write(new Uint8Array([value & 0xff]));
    else this.ctx?.log.warn("cfg-ro", `write to read-only console config offset ${offset} ignored`);
  }

  readonly stateVersion = 1;
  /** Host input not yet delivered, then CONSOLE_STATE (its byte count and the console size). */
  saveState(w: StateWriter): void {
    w.byteList(this.pending);
    for (const k of CONSOLE_STATE) w.f64(this[k]);
  }
  loadState(r: StateReader): (ctx: VirtioDeviceContext | undefined) => void {
    const pending = r.byteList(1 << 20, 1 << 30, "pending input chunks");
    const n = CONSOLE_STATE.map(() => r.f64());
    return (ctx) => {
      this.ctx = ctx;
      this.pending = pending;
      CONSOLE_STATE.forEach((k, i) => {
        this[k] = n[i]!;
      });
    };
  }
  override activate(ctx: VirtioDeviceContext): void {
    super.activate(ctx);
    this.deliver();
  }

  queueNotify(i: number): void {
    if (i === RX) this.deliver();
    else if (i === TX) this.transmit();
  }

  /** Host → guest bytes (called by the backend's input handler). */
  input(bytes: Uint8Array): void {
    if (bytes.length === 0) return;
    this.pending.push(bytes.slice());
    this.pendingBytes += bytes.length;
    while (this.pendingBytes > MAX_PENDING && this.pending.length > 1)
      this.pendingBytes -= this.pending.shift()!.length;
    this.ctx?.run(() => this.deliver());
  }

  private transmit(): void {
    const ctx = this.ctx;
    if (ctx === undefined) return;
    const q = ctx.queue(TX);
    for (let c = q.pop(); c !== null; c = q.pop()) {
      const out = new Uint8Array(Math.min(c.readableBytes, 1 << 20));
      if (c.read(0, out) === out.length) this.backend.write(out);
      else ctx.log.warn("tx-dma", "console transmit buffer is not in memory; dropped");
      q.push(c, 0);
    }
    ctx.notifyUsed(TX);
  }

  private deliver(): void {
    const ctx = this.ctx;
    if (ctx === undefined || this.pending.length === 0) return;
    const q = ctx.queue(RX);
    let any = false;
    while (this.pending.length > 0) {
      const c = q.pop();
      if (c === null) break;
      let written = 0;
      while (this.pending.length > 0 && written < c.writableBytes) {
        const head = this.pending[0]!;
        const n = Math.min(head.length, c.writableBytes - written);
        if (c.write(written, head.subarray(0, n)) !== n) {
          ctx.log.warn("rx-dma", "console receive buffer is not in memory");
          break;
        }
        written += n;
        this.pendingBytes -= n;
        if (n === head.length) this.pending.shift();
        else this.pending[0] = head.subarray(n);
      }
      q.push(c, written);
      any = true;
    }
    if (any) ctx.notifyUsed(RX);
  }
}

/** The console's number fields in a snapshot, in order (a new one goes last, with a version bump). */
const CONSOLE_STATE = ["pendingBytes", "cols", "rows"] as const;
