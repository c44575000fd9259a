import {
  ConfigError,
  Display,
  type DisplayCursor,
  getUintLE,
  MAX_DISPLAY_SIDE,
  putU32LE,
  type StateReader,
  type StateWriter,
} from "@armature/core";
import { featureBit, VirtioDeviceId } from "./constants.js";
import { type VirtioDevice, VirtioDeviceBase, type VirtioDeviceContext } from "./device.js";
import { EDID_MAX_SIDE, EDID_MIN_HEIGHT, EDID_MIN_WIDTH, encodeEdid } from "./gpu-edid.js";
import type { DescChain } from "./queue.js";

/** virtio-gpu feature bits (virtio 1.2 §5.7.3). Only EDID is offered: no virgl/3D. */
export const VirtioGpuFeature = {
  VIRGL: 0,
  EDID: 1,
  RESOURCE_UUID: 2,
  RESOURCE_BLOB: 3,
  CONTEXT_INIT: 4,
} as const;

/** Control and cursor queue command types (§5.7.6.7). */
export const VirtioGpuCmd = {
  GET_DISPLAY_INFO: 0x0100,
  RESOURCE_CREATE_2D: 0x0101,
  RESOURCE_UNREF: 0x0102,
  SET_SCANOUT: 0x0103,
  RESOURCE_FLUSH: 0x0104,
  TRANSFER_TO_HOST_2D: 0x0105,
  RESOURCE_ATTACH_BACKING: 0x0106,
  RESOURCE_DETACH_BACKING: 0x0107,
  GET_CAPSET_INFO: 0x0108,
  GET_CAPSET: 0x0109,
  GET_EDID: 0x010a,
  UPDATE_CURSOR: 0x0300,
  MOVE_CURSOR: 0x0301,
} as const;

/** Response types (§5.7.6.7). */
export const VirtioGpuResp = {
  OK_NODATA: 0x1100,
  OK_DISPLAY_INFO: 0x1101,
  OK_CAPSET_INFO: 0x1102,
  OK_CAPSET: 0x1103,
  OK_EDID: 0x1104,
  ERR_UNSPEC: 0x1200,
  ERR_OUT_OF_MEMORY: 0x1201,
  ERR_INVALID_SCANOUT_ID: 0x1202,
  ERR_INVALID_RESOURCE_ID: 0x1203,
  ERR_INVALID_CONTEXT_ID: 0x1204,
  ERR_INVALID_PARAMETER: 0x1205,
} as const;

/** Resource formats (§5.7.6.8); the name gives the byte order in memory. All are 32 bits per pixel. */
export const VirtioGpuFormat = {
  B8G8R8A8_UNORM: 1,
  B8G8R8X8_UNORM: 2,
  A8R8G8B8_UNORM: 3,
  X8R8G8B8_UNORM: 4,
  R8G8B8A8_UNORM: 67,
  X8B8G8R8_UNORM: 68,
  A8B8G8R8_UNORM: 121,
  R8G8B8X8_UNORM: 134,
} as const;

/** ctrl_hdr.flags (§5.7.6.7). */
export const VIRTIO_GPU_FLAG_FENCE = 1;
export const VIRTIO_GPU_FLAG_INFO_RING_IDX = 2;
/** Config events_read bit: the display configuration changed (§5.7.4). */
export const VIRTIO_GPU_EVENT_DISPLAY = 1;
export const VIRTIO_GPU_MAX_SCANOUTS = 16;
export const VIRTIO_GPU_CTRL_HDR_SIZE = 24;
/** Longest scatter list accepted in RESOURCE_ATTACH_BACKING. */
export const VIRTIO_GPU_MAX_BACKING_ENTRIES = 16384;
/** Largest resource side accepted (pixels). */
export const VIRTIO_GPU_MAX_RESOURCE_SIDE = 16384;
/** Largest cursor image accepted (pixels per side). */
export const VIRTIO_GPU_MAX_CURSOR_SIDE = 256;

/**
 * Byte offsets of blue, green, red and alpha (-1: none) inside one pixel of each format. The
 * display surface is B, G, R, X.
 */
const LAYOUT: Record<number, readonly [number, number, number, number]> = {
  [VirtioGpuFormat.B8G8R8A8_UNORM]: [0, 1, 2, 3],
  [VirtioGpuFormat.B8G8R8X8_UNORM]: [0, 1, 2, -1],
  [VirtioGpuFormat.A8R8G8B8_UNORM]: [3, 2, 1, 0],
  [VirtioGpuFormat.X8R8G8B8_UNORM]: [3, 2, 1, -1],
  [VirtioGpuFormat.R8G8B8A8_UNORM]: [2, 1, 0, 3],
  [VirtioGpuFormat.X8B8G8R8_UNORM]: [1, 2, 3, -1],
  [VirtioGpuFormat.A8B8G8R8_UNORM]: [1, 2, 3, 0],
  [VirtioGpuFormat.R8G8B8X8_UNORM]: [2, 1, 0, -1],
};

/** How each format's pixel word (little-endian) becomes 0x00RRGGBB: 0 copy, 1 byte swap, 2 swap R and B, 3 shift. */
const SWIZZLE: Record<number, number> = {
  [VirtioGpuFormat.B8G8R8A8_UNORM]: 0,
  [VirtioGpuFormat.B8G8R8X8_UNORM]: 0,
  [VirtioGpuFormat.A8R8G8B8_UNORM]: 1,
  [VirtioGpuFormat.X8R8G8B8_UNORM]: 1,
  [VirtioGpuFormat.R8G8B8A8_UNORM]: 2,
  [VirtioGpuFormat.R8G8B8X8_UNORM]: 2,
  [VirtioGpuFormat.X8B8G8R8_UNORM]: 3,
  [VirtioGpuFormat.A8B8G8R8_UNORM]: 3,
};

function bswap(v: number): number {
  return ((v & 0xff) << 24) | ((v & 0xff00) << 8) | ((v >>> 8) & 0xff00) | (v >>> 24);
}

export interface VirtioGpuOptions {
  /** The screen scanout 0 draws into (default: a new 1024x768 Display). */
  display?: Display;
  /** Preferred mode reported by GET_DISPLAY_INFO and the EDID (default: the display's size). */
  width?: number;
  height?: number;
  /** Offer VIRTIO_GPU_F_EDID (default true). */
  edid?: boolean;
  /** Host bytes all resources together may use (default 256 MiB); more answers ERR_OUT_OF_MEMORY. */
  maxHostMemory?: number;
  /** Most resources alive at once (default 4096). */
  maxResources?: number;
}

interface Resource {
  id: number;
  format: number;
  width: number;
  height: number;
  /** Host copy, width * 4 bytes per row. */
  data: Uint8Array;
  /** Guest backing scatter list (addresses, lengths, running start offsets), or none. */
  backAddr: number[] | null;
  backLen: number[];
  backStart: number[];
  backTotal: number;
}

/** A resource holding `data` as its host copy, without guest backing. */
function newResource(id: number, format: number, width: number, height: number, data: Uint8Array): Resource {
  return { id, format, width, height, data, backAddr: null, backLen: [], backStart: [], backTotal: 0 };
}

const CTRL = 0;
const CURSOR = 1;
/** Response buffer: header + the largest response (EDID: 8 + 1024 bytes). */
const RESP_MAX = VIRTIO_GPU_CTRL_HDR_SIZE + 8 + 1024;

/** Response bytes by response type (§5.7.6.8); every other response is the header alone. */
const RESPONSE_SIZE: ReadonlyMap<number, number> = new Map([
  [VirtioGpuResp.OK_DISPLAY_INFO, VIRTIO_GPU_CTRL_HDR_SIZE + 24 * VIRTIO_GPU_MAX_SCANOUTS],
  [VirtioGpuResp.OK_EDID, RESP_MAX],
]);

/**
 * virtio-gpu 2D (virtio 1.2 §5.7): one scanout drawn into a core `Display`, 2D resources kept on
 * the host (capped by `maxHostMemory`), guest backing through scatter lists read over DMA, the
 * cursor queue, fences (completed with the command: every command finishes synchronously), and
 * an EDID for the preferred mode. Bad commands answer VIRTIO_GPU_RESP_ERR_*; nothing a guest
 * sends throws out of the device.
 */
export class VirtioGpu extends VirtioDeviceBase implements VirtioDevice {
  readonly deviceId = VirtioDeviceId.GPU;
  readonly name = "gpu";
  readonly deviceFeatures: bigint;
  readonly queueMaxSizes: readonly number[] = [256, 16];
  readonly configSize = 16;
  readonly display: Display;
  readonly maxHostMemory: number;
  readonly maxResources: number;
  /** Host bytes held by resources now. */
  hostMemory = 0;
  /** Commands answered with an error (guest mistakes), by response type. */
  readonly errors = new Map<number, number>();
  commands = 0;
  private prefWidth: number;
  private prefHeight: number;
  private edidBytes: Uint8Array;
  private eventsRead = 0;
  private readonly resources = new Map<number, Resource>();
  /** Scanout 0: its resource (0: disabled) and the rectangle of the resource it shows. */
  private scanoutRes = 0;
  private readonly scanout = { x: 0, y: 0, width: 0, height: 0 };
  private readonly req = new Uint8Array(64);
  private readonly reqView = new DataView(this.req.buffer);
  private readonly resp = new Uint8Array(RESP_MAX);
  private readonly respView = new DataView(this.resp.buffer);
  private readonly entries = new Uint8Array(16 * 256);
  private readonly entriesView = new DataView(this.entries.buffer);

  constructor(opts: VirtioGpuOptions = {}) {
    super();
    this.display = opts.display ?? new Display({ width: opts.width ?? 1024, height: opts.height ?? 768 });
    this.prefWidth = opts.width ?? this.display.width;
    this.prefHeight = opts.height ?? this.display.height;
    this.maxHostMemory = opts.maxHostMemory ?? 256 * 1024 * 1024;
    this.maxResources = opts.maxResources ?? 4096;
    if (!(this.maxHostMemory >= 0)) throw new ConfigError("virtio-gpu maxHostMemory must be >= 0 bytes");
    checkMode(this.prefWidth, this.prefHeight);
    this.edidBytes = encodeEdid(this.prefWidth, this.prefHeight);
    this.deviceFeatures = (opts.edid ?? true) ? featureBit(VirtioGpuFeature.EDID) : 0n;
  }

  /** The preferred mode (what GET_DISPLAY_INFO and the EDID report). */
  get preferredSize(): { width: number; height: number } {
    return { width: this.prefWidth, height: this.prefHeight };
  }

  /**
   * Change the preferred mode (a host window resize): the driver is told with
   * VIRTIO_GPU_EVENT_DISPLAY and a configuration change interrupt, and asks again.
   */
  setPreferredSize(width: number, height: number): void {
    checkMode(width, height);
    this.prefWidth = width;
    this.prefHeight = height;
    this.edidBytes = encodeEdid(width, height);
    this.eventsRead |= VIRTIO_GPU_EVENT_DISPLAY;
    this.ctx?.configChanged();
  }

  // struct virtio_gpu_config { events_read, events_clear, num_scanouts, num_capsets } (§5.7.4)
  readConfig(offset: number, size: 1 | 2 | 4): number {
    const b = new Uint8Array(16);
    putU32LE(b, 0, this.eventsRead);
    putU32LE(b, 8, 1);
    return getUintLE(b, offset, size);
  }

  writeConfig(offset: number, size: 1 | 2 | 4, value: number): void {
    if (offset >= 4 && offset + size <= 8) {
      // events_clear: write-to-clear bits of events_read.
      this.eventsRead &= ~((value << (8 * (offset - 4))) >>> 0);
      return;
    }
    this.ctx?.log.warn("cfg-ro", `write to read-only virtio-gpu config at ${offset} ignored`);
  }

  override reset(): void {
    super.reset();
    this.resources.clear();
    this.hostMemory = 0;
    this.eventsRead = 0;
    if (this.scanoutRes !== 0) this.disableScanout();
  }

  queueNotify(i: number): void {
    if (i === CTRL || i === CURSOR) this.serve(i);
  }

  readonly stateVersion = 1;

  /**
   * Snapshot: the preferred mode, events_read, the command count, every resource (id, format,
   * size, its host copy, its backing list), scanout 0, then the display surface (size, pixels,
   * cursor image and position), so a restored screen shows what the original did.
   */
  saveState(w: StateWriter): void {
    w.u32(this.prefWidth);
    w.u32(this.prefHeight);
    w.u32(this.eventsRead);
    w.f64(this.commands);
    w.u32(this.resources.size);
    for (const r of this.resources.values()) {
      for (const v of [r.id, r.format, r.width, r.height]) w.u32(v);
      w.raw(r.data);
      w.bool(r.backAddr !== null);
      if (r.backAddr !== null) {
        w.u32(r.backAddr.length);
        for (let i = 0; i < r.backAddr.length; i++) {
          w.f64(r.backAddr[i]!);
          w.u32(r.backLen[i]!);
        }
      }
    }
    for (const v of [
      this.scanoutRes,
      this.scanout.x,
      this.scanout.y,
      this.scanout.width,
      this.scanout.height,
    ])
      w.u32(v);
    const d = this.display;
    w.u32(d.width);
    w.u32(d.height);
    w.raw(d.data);
    const c = d.cursor;
    w.bool(c !== null);
    if (c !== null) {
      for (const v of [c.width, c.height, c.hotX, c.hotY]) w.u32(v);
      w.raw(c.pixels.subarray(0, c.width * c.height * 4));
    }
    w.i32(d.cursorX);
    w.i32(d.cursorY);
  }

  loadState(r: StateReader): (ctx: VirtioDeviceContext | undefined) => void {
    const prefW = r.u32();
    const prefH = r.u32();
    if (!modeFits(prefW, prefH)) r.fail(`preferred mode ${prefW}x${prefH}`);
    const eventsRead = r.u32();
    const commands = r.f64();
    const n = r.count(this.maxResources, "resources");
    const resources: Resource[] = [];
    let memory = 0;
    for (let k = 0; k < n; k++) {
      const [id, format, width, height] = [r.u32(), r.u32(), r.u32(), r.u32()];
      if (id === 0 || resources.some((x) => x.id === id)) r.fail(`resource id ${id}`);
      if (
        LAYOUT[format] === undefined ||
        width === 0 ||
        height === 0 ||
        width > VIRTIO_GPU_MAX_RESOURCE_SIDE ||
        height > VIRTIO_GPU_MAX_RESOURCE_SIDE
      )
        r.fail(`resource ${id}: format ${format} ${width}x${height}`);
      memory += width * height * 4;
      if (memory > this.maxHostMemory) r.fail(`resources need more than ${this.maxHostMemory} bytes`);
      const data = r.raw(width * height * 4).slice();
      const res = newResource(id, format, width, height, data);
      if (r.bool()) {
        const entries = r.count(VIRTIO_GPU_MAX_BACKING_ENTRIES, "backing entries");
        res.backAddr = [];
        for (let i = 0; i < entries; i++) {
          const addr = r.f64();
          const len = r.u32();
          if (!Number.isSafeInteger(addr + len) || addr < 0) r.fail(`resource ${id}: backing entry ${addr}`);
          res.backAddr.push(addr);
          res.backLen.push(len);
          res.backStart.push(res.backTotal);
          res.backTotal += len;
        }
      }
      resources.push(res);
    }
    const [scanoutRes, sx, sy, sw, sh] = [r.u32(), r.u32(), r.u32(), r.u32(), r.u32()];
    if (scanoutRes !== 0 && !resources.some((x) => x.id === scanoutRes))
      r.fail(`scanout resource ${scanoutRes}`);
    const dw = r.u32();
    const dh = r.u32();
    if (dw === 0 || dh === 0 || dw > MAX_DISPLAY_SIDE || dh > MAX_DISPLAY_SIDE) r.fail(`display ${dw}x${dh}`);
    const pixels = r.raw(dw * dh * 4).slice();
    let cursor: DisplayCursor | null = null;
    if (r.bool()) {
      const [width, height, hotX, hotY] = [r.u32(), r.u32(), r.u32(), r.u32()];
      if (width > VIRTIO_GPU_MAX_CURSOR_SIDE || height > VIRTIO_GPU_MAX_CURSOR_SIDE)
        r.fail(`cursor ${width}x${height}`);
      cursor = { width, height, hotX, hotY, pixels: r.raw(width * height * 4).slice() };
    }
    const cx = r.i32();
    const cy = r.i32();
    return (ctx) => {
      this.ctx = ctx;
      this.prefWidth = prefW;
      this.prefHeight = prefH;
      this.edidBytes = encodeEdid(prefW, prefH);
      this.eventsRead = eventsRead;
      this.commands = commands;
      this.resources.clear();
      for (const res of resources) this.resources.set(res.id, res);
      this.hostMemory = memory;
      this.scanoutRes = scanoutRes;
      Object.assign(this.scanout, { x: sx, y: sy, width: sw, height: sh });
      const d = this.display;
      d.resize(dw, dh);
      d.data.set(pixels);
      d.invalidate(0, 0, dw, dh);
      d.setCursor(cursor);
      d.moveCursor(cx, cy);
    };
  }

  /** Resource ids alive now (tests, debugging). */
  resourceIds(): number[] {
    return [...this.resources.keys()];
  }

  // --- control queue ---

  /**
   * Serve every chain on queue `i` (control: commands answered in place; cursor, §5.7.6.10:
   * buffers returned empty), then notify once if there were any.
   */
  private serve(i: typeof CTRL | typeof CURSOR): void {
    const ctx = this.ctx;
    if (ctx === undefined) return;
    const q = ctx.queue(i);
    let any = false;
    for (let c = q.pop(); c !== null; c = q.pop()) {
      any = true;
      if (i === CTRL) q.push(c, this.command(ctx, c));
      else {
        this.cursorCommand(ctx, c);
        q.push(c, 0);
      }
    }
    if (any) ctx.notifyUsed(i);
  }

  /**
   * The control commands served (§5.7.6.7): each one's request size (header included; a shorter
   * request answers ERR_UNSPEC) and its handler, which returns the response type.
   */
  private static readonly COMMANDS: ReadonlyMap<
    number,
    { size: number; run: (gpu: VirtioGpu, ctx: VirtioDeviceContext, c: DescChain) => number }
  > = new Map([
    [VirtioGpuCmd.GET_DISPLAY_INFO, { size: 24, run: (gpu) => gpu.getDisplayInfo() }],
    [VirtioGpuCmd.GET_EDID, { size: 32, run: (gpu, ctx) => gpu.getEdid(ctx) }],
    [VirtioGpuCmd.RESOURCE_CREATE_2D, { size: 40, run: (gpu, ctx) => gpu.create2d(ctx) }],
    [VirtioGpuCmd.RESOURCE_UNREF, { size: 32, run: (gpu, ctx) => gpu.unref(ctx) }],
    [VirtioGpuCmd.SET_SCANOUT, { size: 48, run: (gpu, ctx) => gpu.setScanout(ctx) }],
    [VirtioGpuCmd.RESOURCE_FLUSH, { size: 48, run: (gpu, ctx) => gpu.flush(ctx) }],
    [VirtioGpuCmd.TRANSFER_TO_HOST_2D, { size: 56, run: (gpu, ctx) => gpu.transfer(ctx) }],
    [VirtioGpuCmd.RESOURCE_ATTACH_BACKING, { size: 32, run: (gpu, ctx, c) => gpu.attachBacking(ctx, c) }],
    [VirtioGpuCmd.RESOURCE_DETACH_BACKING, { size: 32, run: (gpu, ctx) => gpu.detachBacking(ctx) }],
  ]);

  /** Run one control command; returns the bytes written to the chain. */
  private command(ctx: VirtioDeviceContext, c: DescChain): number {
    this.commands++;
    const req = this.req;
    req.fill(0);
    const n = c.read(0, req.subarray(0, Math.min(req.length, c.readableBytes)));
    const v = this.reqView;
    const type = v.getUint32(0, true);
    const cmd = VirtioGpu.COMMANDS.get(type);
    let status: number;
    if (n < 0) {
      ctx.log.warn("req-dma", "command buffer is not in memory");
      status = VirtioGpuResp.ERR_UNSPEC;
    } else if (n < VIRTIO_GPU_CTRL_HDR_SIZE || n < (cmd?.size ?? 0)) {
      ctx.log.warn("req-short", `command 0x${type.toString(16)} of ${n} bytes is too short`);
      status = VirtioGpuResp.ERR_UNSPEC;
    } else if (cmd === undefined) {
      // 3D and blob commands included: none of their features is offered.
      ctx.log.warn("cmd", `unsupported command 0x${type.toString(16)}`);
      status = VirtioGpuResp.ERR_UNSPEC;
    } else {
      this.resp.fill(0, 0, RESP_MAX);
      status = cmd.run(this, ctx, c);
    }
    if (status >= VirtioGpuResp.ERR_UNSPEC) this.errors.set(status, (this.errors.get(status) ?? 0) + 1);
    const respLen = RESPONSE_SIZE.get(status) ?? VIRTIO_GPU_CTRL_HDR_SIZE;
    return this.respond(ctx, c, status, respLen, n >= VIRTIO_GPU_CTRL_HDR_SIZE);
  }

  /** Fill the response header (copying the fence) and write it out. */
  private respond(
    ctx: VirtioDeviceContext,
    c: DescChain,
    status: number,
    len: number,
    hdrOk: boolean,
  ): number {
    const rv = this.respView;
    rv.setUint32(0, status, true);
    rv.setUint32(4, 0, true);
    rv.setUint32(8, 0, true);
    rv.setUint32(12, 0, true);
    rv.setUint32(16, 0, true);
    rv.setUint32(20, 0, true);
    const flags = hdrOk ? this.reqView.getUint32(4, true) : 0;
    if (flags & VIRTIO_GPU_FLAG_FENCE) {
      // §5.7.6.7: the response carries the fence back; every command here completes before it.
      rv.setUint32(4, flags & (VIRTIO_GPU_FLAG_FENCE | VIRTIO_GPU_FLAG_INFO_RING_IDX), true);
      rv.setUint32(8, this.reqView.getUint32(8, true), true);
      rv.setUint32(12, this.reqView.getUint32(12, true), true);
      rv.setUint32(16, this.reqView.getUint32(16, true), true);
      if (flags & VIRTIO_GPU_FLAG_INFO_RING_IDX) this.resp[20] = this.req[20]!;
    }
    if (c.writableBytes < len) {
      ctx.log.warn("resp-small", `response buffer of ${c.writableBytes} bytes is smaller than ${len}`);
      return 0;
    }
    const w = c.write(0, this.resp.subarray(0, len));
    if (w < 0) {
      ctx.log.warn("resp-dma", "response buffer is not in memory");
      return 0;
    }
    return w;
  }

  private getDisplayInfo(): number {
    // pmodes[0]: rect (0, 0, w, h), enabled = 1, flags = 0.
    const rv = this.respView;
    rv.setUint32(VIRTIO_GPU_CTRL_HDR_SIZE + 8, this.prefWidth, true);
    rv.setUint32(VIRTIO_GPU_CTRL_HDR_SIZE + 12, this.prefHeight, true);
    rv.setUint32(VIRTIO_GPU_CTRL_HDR_SIZE + 16, 1, true);
    return VirtioGpuResp.OK_DISPLAY_INFO;
  }

  private getEdid(ctx: VirtioDeviceContext): number {
    const scanout = this.reqView.getUint32(24, true);
    if ((ctx.features & featureBit(VirtioGpuFeature.EDID)) === 0n) {
      ctx.log.warn("edid-feat", "GET_EDID without VIRTIO_GPU_F_EDID negotiated");
      return VirtioGpuResp.ERR_UNSPEC;
    }
    if (scanout !== 0) return VirtioGpuResp.ERR_INVALID_PARAMETER;
    this.respView.setUint32(VIRTIO_GPU_CTRL_HDR_SIZE, this.edidBytes.length, true);
    this.resp.set(this.edidBytes, VIRTIO_GPU_CTRL_HDR_SIZE + 8);
    return VirtioGpuResp.OK_EDID;
  }

  private create2d(ctx: VirtioDeviceContext): number {
    const v = this.reqView;
    const id = v.getUint32(24, true);
    const format = v.getUint32(28, true);
    const width = v.getUint32(32, true);
    const height = v.getUint32(36, true);
    if (id === 0 || this.resources.has(id)) {
      ctx.log.warn("create-id", `RESOURCE_CREATE_2D: resource id ${id} is ${id === 0 ? "0" : "in use"}`);
      return VirtioGpuResp.ERR_INVALID_RESOURCE_ID;
    }
    if (LAYOUT[format] === undefined || width === 0 || height === 0) {
      ctx.log.warn("create-param", `RESOURCE_CREATE_2D: format ${format} ${width}x${height} refused`);
      return VirtioGpuResp.ERR_INVALID_PARAMETER;
    }
    const bytes = width * height * 4;
    if (
      width > VIRTIO_GPU_MAX_RESOURCE_SIDE ||
      height > VIRTIO_GPU_MAX_RESOURCE_SIDE ||
      this.hostMemory + bytes > this.maxHostMemory ||
      this.resources.size >= this.maxResources
    ) {
      ctx.log.warn(
        "create-oom",
        `RESOURCE_CREATE_2D ${width}x${height}: over the host memory cap (${this.hostMemory} of ${this.maxHostMemory} bytes used)`,
      );
      return VirtioGpuResp.ERR_OUT_OF_MEMORY;
    }
    let data: Uint8Array;
    try {
      data = new Uint8Array(bytes);
    } catch {
      return VirtioGpuResp.ERR_OUT_OF_MEMORY;
    }
    this.hostMemory += bytes;
    this.resources.set(id, newResource(id, format, width, height, data));
    return VirtioGpuResp.OK_NODATA;
  }

  private lookup(ctx: VirtioDeviceContext, id: number, what: string): Resource | undefined {
    const r = this.resources.get(id);
    if (r === undefined) ctx.log.warn(`${what}-id`, `${what}: no resource ${id}`);
    return r;
  }

  private unref(ctx: VirtioDeviceContext): number {
    const id = this.reqView.getUint32(24, true);
    const r = this.lookup(ctx, id, "RESOURCE_UNREF");
    if (r === undefined) return VirtioGpuResp.ERR_INVALID_RESOURCE_ID;
    if (this.scanoutRes === id) this.disableScanout();
    this.resources.delete(id);
    this.hostMemory -= r.data.length;
    return VirtioGpuResp.OK_NODATA;
  }

  /** Rectangle fields at `off` of the request, checked to lie inside `r`. */
  private rectInside(off: number, r: Resource): boolean {
    const v = this.reqView;
    const x = v.getUint32(off, true);
    const y = v.getUint32(off + 4, true);
    const w = v.getUint32(off + 8, true);
    const h = v.getUint32(off + 12, true);
    return x + w <= r.width && y + h <= r.height;
  }

  private setScanout(ctx: VirtioDeviceContext): number {
    const v = this.reqView;
    const scanoutId = v.getUint32(40, true);
    const id = v.getUint32(44, true);
    if (scanoutId !== 0) {
      ctx.log.warn("scanout-id", `SET_SCANOUT: no scanout ${scanoutId}`);
      return VirtioGpuResp.ERR_INVALID_SCANOUT_ID;
    }
    if (id === 0) {
      this.disableScanout();
      return VirtioGpuResp.OK_NODATA;
    }
    const r = this.lookup(ctx, id, "SET_SCANOUT");
    if (r === undefined) return VirtioGpuResp.ERR_INVALID_RESOURCE_ID;
    const w = v.getUint32(32, true);
    const h = v.getUint32(36, true);
    if (!this.rectInside(24, r) || w < 16 || h < 16 || w > 8192 || h > 8192) {
      ctx.log.warn("scanout-rect", `SET_SCANOUT: rectangle ${w}x${h} does not fit resource ${id}`);
      return VirtioGpuResp.ERR_INVALID_PARAMETER;
    }
    this.scanoutRes = id;
    this.scanout.x = v.getUint32(24, true);
    this.scanout.y = v.getUint32(28, true);
    this.scanout.width = w;
    this.scanout.height = h;
    this.display.resize(w, h);
    this.present(r, 0, 0, w, h);
    return VirtioGpuResp.OK_NODATA;
  }

  /**
   * Stop scanning out. The display keeps its last picture (a monitor holding the last frame), so a
   * screenshot taken after the guest reset the device at power-off still shows the screen.
   */
  private disableScanout(): void {
    this.scanoutRes = 0;
  }

  private flush(ctx: VirtioDeviceContext): number {
    const v = this.reqView;
    const id = v.getUint32(40, true);
    const r = this.lookup(ctx, id, "RESOURCE_FLUSH");
    if (r === undefined) return VirtioGpuResp.ERR_INVALID_RESOURCE_ID;
    if (!this.rectInside(24, r)) {
      ctx.log.warn("flush-rect", `RESOURCE_FLUSH: rectangle outside resource ${id}`);
      return VirtioGpuResp.ERR_INVALID_PARAMETER;
    }
    if (this.scanoutRes !== id) return VirtioGpuResp.OK_NODATA;
    // Intersect with the scanout rectangle, in display coordinates.
    const s = this.scanout;
    const x0 = Math.max(v.getUint32(24, true), s.x);
    const y0 = Math.max(v.getUint32(28, true), s.y);
    const x1 = Math.min(v.getUint32(24, true) + v.getUint32(32, true), s.x + s.width);
    const y1 = Math.min(v.getUint32(28, true) + v.getUint32(36, true), s.y + s.height);
    if (x1 > x0 && y1 > y0) this.present(r, x0 - s.x, y0 - s.y, x1 - x0, y1 - y0);
    return VirtioGpuResp.OK_NODATA;
  }

  /** Convert display rectangle (dx, dy, w, h) from the scanout resource into the display and invalidate it. */
  private present(r: Resource, dx: number, dy: number, w: number, h: number): void {
    const d = this.display;
    const swz = SWIZZLE[r.format]!;
    const sStride = r.width * 4;
    // Both buffers start on their own ArrayBuffer at offset 0: 32-bit views are aligned.
    const src32 = new Uint32Array(r.data.buffer, r.data.byteOffset, r.data.length >> 2);
    const dst32 = new Uint32Array(d.data.buffer, d.data.byteOffset, d.data.length >> 2);
    for (let row = 0; row < h; row++) {
      const so = (this.scanout.y + dy + row) * sStride + (this.scanout.x + dx) * 4;
      const doff = (dy + row) * d.stride + dx * 4;
      if (swz === 0) {
        d.data.set(r.data.subarray(so, so + 4 * w), doff);
        continue;
      }
      let s = so >> 2;
      let t = doff >> 2;
      const end = s + w;
      // Pixel words read little-endian; the display wants 0x00RRGGBB (bytes B, G, R, X).
      if (swz === 1)
        for (; s < end; s++, t++) dst32[t] = bswap(src32[s]!); // X8R8G8B8, A8R8G8B8
      else if (swz === 2)
        for (; s < end; s++, t++) {
          const v = src32[s]!; // R8G8B8X8, R8G8B8A8: 0xXXBBGGRR
          dst32[t] = ((v & 0xff) << 16) | (v & 0xff00) | ((v >>> 16) & 0xff);
        }
      else for (; s < end; s++, t++) dst32[t] = src32[s]! >>> 8; // X8B8G8R8, A8B8G8R8: 0xRRGGBBXX
    }
    d.invalidate(dx, dy, w, h);
  }

  private transfer(ctx: VirtioDeviceContext): number {
    const v = this.reqView;
    const offset = v.getUint32(40, true) + v.getUint32(44, true) * 2 ** 32;
    const id = v.getUint32(48, true);
    const r = this.lookup(ctx, id, "TRANSFER_TO_HOST_2D");
    if (r === undefined) return VirtioGpuResp.ERR_INVALID_RESOURCE_ID;
    if (r.backAddr === null) {
      ctx.log.warn("xfer-backing", `TRANSFER_TO_HOST_2D: resource ${id} has no backing`);
      return VirtioGpuResp.ERR_UNSPEC;
    }
    if (!this.rectInside(24, r)) {
      ctx.log.warn("xfer-rect", `TRANSFER_TO_HOST_2D: rectangle outside resource ${id}`);
      return VirtioGpuResp.ERR_INVALID_PARAMETER;
    }
    const x = v.getUint32(24, true);
    const y = v.getUint32(28, true);
    const w = v.getUint32(32, true);
    const h = v.getUint32(36, true);
    if (w === 0 || h === 0) return VirtioGpuResp.OK_NODATA;
    const stride = r.width * 4;
    // Row k of the rectangle comes from backing bytes offset + k * stride (the resource's stride).
    if (offset + (h - 1) * stride + w * 4 > r.backTotal) {
      ctx.log.warn("xfer-len", `TRANSFER_TO_HOST_2D: rows past the end of resource ${id}'s backing`);
      return VirtioGpuResp.ERR_INVALID_PARAMETER;
    }
    let ok: boolean;
    if (x === 0 && w === r.width) {
      // Whole rows: one contiguous range on both sides.
      ok = this.readBacking(r, offset, r.data, y * stride, h * stride);
    } else {
      ok = true;
      for (let k = 0; k < h && ok; k++)
        ok = this.readBacking(r, offset + k * stride, r.data, (y + k) * stride + x * 4, w * 4);
    }
    if (!ok) {
      ctx.log.warn("xfer-dma", `TRANSFER_TO_HOST_2D: resource ${id}'s backing is not in memory`);
      return VirtioGpuResp.ERR_UNSPEC;
    }
    return VirtioGpuResp.OK_NODATA;
  }

  /** Copy backing bytes [off, off + n) into dst at dstOff. False on a DMA failure. */
  private readBacking(r: Resource, off: number, dst: Uint8Array, dstOff: number, n: number): boolean {
    const addr = r.backAddr!;
    const start = r.backStart;
    // Binary search: the last entry starting at or before off.
    let lo = 0;
    let hi = start.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (start[mid]! <= off) lo = mid;
      else hi = mid - 1;
    }
    const dma = this.ctx!.dma;
    for (let i = lo; n > 0 && i < addr.length; i++) {
      const inEntry = off - start[i]!;
      const len = r.backLen[i]!;
      if (inEntry >= len) continue;
      const k = Math.min(len - inEntry, n);
      if (dma.read(addr[i]! + inEntry, dst.subarray(dstOff, dstOff + k)) !== 0) return false;
      off += k;
      dstOff += k;
      n -= k;
    }
    return n === 0;
  }

  private attachBacking(ctx: VirtioDeviceContext, c: DescChain): number {
    const v = this.reqView;
    const id = v.getUint32(24, true);
    const nr = v.getUint32(28, true);
    const r = this.lookup(ctx, id, "RESOURCE_ATTACH_BACKING");
    if (r === undefined) return VirtioGpuResp.ERR_INVALID_RESOURCE_ID;
    if (r.backAddr !== null) {
      ctx.log.warn("attach-twice", `RESOURCE_ATTACH_BACKING: resource ${id} already has backing`);
      return VirtioGpuResp.ERR_UNSPEC;
    }
    if (nr === 0 || nr > VIRTIO_GPU_MAX_BACKING_ENTRIES || c.readableBytes < 32 + 16 * nr) {
      ctx.log.warn("attach-nr", `RESOURCE_ATTACH_BACKING: ${nr} entries refused`);
      return VirtioGpuResp.ERR_UNSPEC;
    }
    const addrs: number[] = [];
    const lens: number[] = [];
    const starts: number[] = [];
    let total = 0;
    const probe = this.req.subarray(60, 61);
    for (let done = 0; done < nr; ) {
      const k = Math.min(nr - done, 256);
      const buf = this.entries.subarray(0, 16 * k);
      if (c.read(32 + 16 * done, buf) !== buf.length) return VirtioGpuResp.ERR_UNSPEC;
      for (let j = 0; j < k; j++) {
        const ev = this.entriesView;
        const addr = ev.getUint32(16 * j, true) + ev.getUint32(16 * j + 4, true) * 2 ** 32;
        const len = ev.getUint32(16 * j + 8, true);
        // The entry must be guest memory the device can reach: probe its first and last byte.
        if (
          len > 0 &&
          (!Number.isSafeInteger(addr + len) ||
            ctx.dma.read(addr, probe) !== 0 ||
            ctx.dma.read(addr + len - 1, probe) !== 0)
        ) {
          ctx.log.warn("attach-mem", `RESOURCE_ATTACH_BACKING: entry ${done + j} is not in guest memory`);
          return VirtioGpuResp.ERR_UNSPEC;
        }
        addrs.push(addr);
        lens.push(len);
        starts.push(total);
        total += len;
      }
      done += k;
    }
    r.backAddr = addrs;
    r.backLen = lens;
    r.backStart = starts;
    r.backTotal = total;
    return VirtioGpuResp.OK_NODATA;
  }

  private detachBacking(ctx: VirtioDeviceContext): number {
    const id = this.reqView.getUint32(24, true);
    const r = this.lookup(ctx, id, "RESOURCE_DETACH_BACKING");
    if (r === undefined) return VirtioGpuResp.ERR_INVALID_RESOURCE_ID;
    if (r.backAddr === null) {
      ctx.log.warn("detach-none", `RESOURCE_DETACH_BACKING: resource ${id} has no backing`);
      return VirtioGpuResp.ERR_UNSPEC;
    }
    r.backAddr = null;
    r.backLen = [];
    r.backStart = [];
    r.backTotal = 0;
    return VirtioGpuResp.OK_NODATA;
  }

  // --- cursor queue (§5.7.6.10): no responses ---

  private cursorCommand(ctx: VirtioDeviceContext, c: DescChain): void {
    const req = this.req;
    req.fill(0);
    // struct virtio_gpu_update_cursor: hdr, pos { scanout_id, x, y, padding }, resource_id, hot_x, hot_y, padding.
    const n = c.read(0, req.subarray(0, 56));
    const v = this.reqView;
    const type = v.getUint32(0, true);
    if (n < 56) {
      ctx.log.warn("cursor-short", `cursor command of ${n} bytes is too short`);
      return;
    }
    if (v.getUint32(24, true) !== 0) {
      ctx.log.warn("cursor-scanout", `cursor command for scanout ${v.getUint32(24, true)}`);
      return;
    }
    const x = v.getInt32(28, true);
    const y = v.getInt32(32, true);
    if (type === VirtioGpuCmd.UPDATE_CURSOR) {
      const id = v.getUint32(40, true);
      if (id === 0) this.display.setCursor(null);
      else {
        const r = this.resources.get(id);
        if (
          r === undefined ||
          r.width > VIRTIO_GPU_MAX_CURSOR_SIDE ||
          r.height > VIRTIO_GPU_MAX_CURSOR_SIDE
        ) {
          ctx.log.warn("cursor-res", `UPDATE_CURSOR: resource ${id} is missing or larger than 256x256`);
          return;
        }
        this.display.setCursor(cursorImage(r, v.getUint32(44, true), v.getUint32(48, true)));
      }
      this.display.moveCursor(x, y);
    } else if (type === VirtioGpuCmd.MOVE_CURSOR) {
      this.display.moveCursor(x, y);
    } else ctx.log.warn("cursor-cmd", `unknown cursor command 0x${type.toString(16)}`);
  }
}

function cursorImage(r: Resource, hotX: number, hotY: number): DisplayCursor {
  const [b, g, red, a] = LAYOUT[r.format]!;
  const px = new Uint8Array(r.width * r.height * 4);
  for (let o = 0; o < px.length; o += 4) {
    px[o] = r.data[o + b]!;
    px[o + 1] = r.data[o + g]!;
    px[o + 2] = r.data[o + red]!;
    px[o + 3] = a < 0 ? 255 : r.data[o + a]!;
  }
  return {
    width: r.width,
    height: r.height,
    hotX: Math.min(hotX, r.width - 1),
    hotY: Math.min(hotY, r.height - 1),
    pixels: px,
  };
}

/** Whether a preferred mode is one the EDID can describe (whole pixels, within the EDID bounds). */
function modeFits(width: number, height: number): boolean {
  return (
    Number.isInteger(width) &&
    Number.isInteger(height) &&
    width >= EDID_MIN_WIDTH &&
    height >= EDID_MIN_HEIGHT &&
    width <= EDID_MAX_SIDE &&
    height <= EDID_MAX_SIDE
  );
}

function checkMode(width: number, height: number): void {
  if (!modeFits(width, height))
    throw new ConfigError(
      `virtio-gpu mode ${width}x${height} must be within ${EDID_MIN_WIDTH}x${EDID_MIN_HEIGHT}..${EDID_MAX_SIDE}x${EDID_MAX_SIDE}`,
    );
}
