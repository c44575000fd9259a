import { VirtioGpu, type VirtioGpuOptions } from "../gpu.js";
import { DriverSplitQueue, GuestMemory, type UsedBuffer } from "./driver.js";
import { type DeviceHarness, harness, type TransportKind } from "./harness.js";
import { initializeDevice } from "./transport.js";

/** Command and response numbers as the virtio 1.2 spec (§5.7.6.7) lists them, for test encoders. */
export const GPU = {
  GET_DISPLAY_INFO: 0x0100,
  RESOURCE_CREATE_2D: 0x0101,
  RESOURCE_UNREF: 0x0102,
  SET_SCANOUT: 0x0103,
  RESOURCE_FLUSH: 0x0104,
  TRANSFER_TO_HOST_2D: 0x0105,
  RESOURCE_ATTACH_BACKING: 0x0106,
  RESOURCE_DETACH_BACKING: 0x0107,
  GET_EDID: 0x010a,
  UPDATE_CURSOR: 0x0300,
  MOVE_CURSOR: 0x0301,
  OK_NODATA: 0x1100,
  OK_DISPLAY_INFO: 0x1101,
  OK_EDID: 0x1104,
  ERR_UNSPEC: 0x1200,
  ERR_OUT_OF_MEMORY: 0x1201,
  ERR_INVALID_SCANOUT_ID: 0x1202,
  ERR_INVALID_RESOURCE_ID: 0x1203,
  ERR_INVALID_PARAMETER: 0x1205,
} as const;

export interface GpuHeader {
  type: number;
  flags?: number;
  fenceId?: bigint;
  ctxId?: number;
  ringIdx?: number;
}

/** Little-endian struct writer: `fields` are [bytes, value] pairs after the 24-byte ctrl_hdr. */
function encode(h: GpuHeader, fields: ReadonlyArray<readonly [4 | 8, number | bigint]>): Uint8Array {
  let len = 24;
  for (const [n] of fields) len += n;
  const b = new Uint8Array(len);
  const v = new DataView(b.buffer);
  v.setUint32(0, h.type, true);
  v.setUint32(4, h.flags ?? 0, true);
  v.setBigUint64(8, h.fenceId ?? 0n, true);
  v.setUint32(16, h.ctxId ?? 0, true);
  b[20] = h.ringIdx ?? 0;
  let o = 24;
  for (const [n, x] of fields) {
    if (n === 4) v.setUint32(o, Number(x) >>> 0, true);
    else v.setBigUint64(o, BigInt(x), true);
    o += n;
  }
  return b;
}

/** Encoders of the control and cursor queue requests (virtio 1.2 §5.7.6.8, §5.7.6.10). */
export const gpuRequest = {
  header(type: number, h: Omit<GpuHeader, "type"> = {}): Uint8Array {
    return encode({ ...h, type }, []);
  },
  getEdid(scanout: number, h: Omit<GpuHeader, "type"> = {}): Uint8Array {
    return encode({ ...h, type: GPU.GET_EDID }, [
      [4, scanout],
      [4, 0],
    ]);
  },
  create2d(id: number, format: number, width: number, height: number, h: Omit<GpuHeader, "type"> = {}) {
    return encode({ ...h, type: GPU.RESOURCE_CREATE_2D }, [
      [4, id],
      [4, format],
      [4, width],
      [4, height],
    ]);
  },
  unref(id: number): Uint8Array {
    return encode({ type: GPU.RESOURCE_UNREF }, [
      [4, id],
      [4, 0],
    ]);
  },
  attachBacking(id: number, entries: ReadonlyArray<{ addr: number; len: number }>, nr = entries.length) {
    return encode({ type: GPU.RESOURCE_ATTACH_BACKING }, [
      [4, id],
      [4, nr],
      ...entries.flatMap((e) => [[8, BigInt(e.addr)] as const, [4, e.len] as const, [4, 0] as const]),
    ]);
  },
  detachBacking(id: number): Uint8Array {
    return encode({ type: GPU.RESOURCE_DETACH_BACKING }, [
      [4, id],
      [4, 0],
    ]);
  },
  setScanout(scanout: number, id: number, x: number, y: number, w: number, hgt: number): Uint8Array {
    return encode({ type: GPU.SET_SCANOUT }, [
      [4, x],
      [4, y],
      [4, w],
      [4, hgt],
      [4, scanout],
      [4, id],
    ]);
  },
  transfer(
    id: number,
    x: number,
    y: number,
    w: number,
    hgt: number,
    offset: number,
    h: Omit<GpuHeader, "type"> = {},
  ) {
    return encode({ ...h, type: GPU.TRANSFER_TO_HOST_2D }, [
      [4, x],
      [4, y],
      [4, w],
      [4, hgt],
      [8, BigInt(offset)],
      [4, id],
      [4, 0],
    ]);
  },
  flush(id: number, x: number, y: number, w: number, hgt: number, h: Omit<GpuHeader, "type"> = {}) {
    return encode({ ...h, type: GPU.RESOURCE_FLUSH }, [
      [4, x],
      [4, y],
      [4, w],
      [4, hgt],
      [4, id],
      [4, 0],
    ]);
  },
  cursor(type: number, scanout: number, x: number, y: number, id = 0, hotX = 0, hotY = 0): Uint8Array {
    return encode({ type }, [
      [4, scanout],
      [4, x],
      [4, y],
      [4, 0],
      [4, id],
      [4, hotX],
      [4, hotY],
      [4, 0],
    ]);
  },
};

/** A decoded response header plus the bytes after it. */
export interface GpuResponse {
  type: number;
  flags: number;
  fenceId: bigint;
  ctxId: number;
  ringIdx: number;
  body: Uint8Array;
  len: number;
}

/**
 * A virtio-gpu driver for tests, after the shape of Linux's: it negotiates features, sets up the
 * control and cursor queues, sends one command at a time and decodes the response, and puts
 * framebuffers in guest memory split into page-sized backing entries.
 */
export class GpuTestDriver {
  readonly h: DeviceHarness;
  readonly gpu: VirtioGpu;
  readonly ctrl: DriverSplitQueue;
  readonly cursorq: DriverSplitQueue;
  readonly features: bigint;

  constructor(
    kind: TransportKind,
    opts: VirtioGpuOptions = {},
    mem = new GuestMemory(0x4000_0000, 32 << 20),
  ) {
    this.gpu = new VirtioGpu(opts);
    this.h = harness(this.gpu, kind, mem);
    this.ctrl = new DriverSplitQueue(mem, 64);
    this.cursorq = new DriverSplitQueue(mem, 16);
    this.features = initializeDevice(this.h.t, (1n << 64n) - 1n, [this.ctrl, this.cursorq]);
  }

  get mem(): GuestMemory {
    return this.h.mem;
  }

  /** Send one control command and return its response (`respLen` writable bytes offered). */
  command(req: Uint8Array, respLen = 24 + 1032): GpuResponse {
    const mark = this.mem.alloc(0, 8);
    this.ctrl.add([{ readable: req }, { writable: respLen }]);
    this.h.t.notify(0);
    const used = this.ctrl.takeUsed();
    if (used.length !== 1) throw new Error(`expected 1 used buffer, got ${used.length}`);
    const r = decodeResponse(this.ctrl, used[0]!);
    this.rewind(mark);
    return r;
  }

  /** Send one cursor command; returns the used length. */
  cursor(req: Uint8Array): number {
    const mark = this.mem.alloc(0, 8);
    this.cursorq.add([{ readable: req }]);
    this.h.t.notify(1);
    const used = this.cursorq.takeUsed();
    this.rewind(mark);
    if (used.length !== 1) throw new Error(`expected 1 used cursor buffer, got ${used.length}`);
    return used[0]!.len;
  }

  private rewind(mark: number): void {
    // Requests are short-lived: reuse their memory (keeps long fuzz/bench runs inside test RAM).
    (this.mem as unknown as { next: number }).next = mark;
  }

  /**
   * A guest framebuffer of `bytes` in page-sized pieces placed out of order (as a scatter list from
   * Linux's shmem pages looks), returned as backing entries and a function giving each byte's address.
   */
  allocBacking(
    bytes: number,
    page = 4096,
  ): { entries: Array<{ addr: number; len: number }>; at(off: number): number } {
    const n = Math.ceil(bytes / page);
    const base = this.mem.alloc(n * page, page);
    // Reverse pairs of pages: entry i covers page (i ^ 1) where it exists.
    const entries: Array<{ addr: number; len: number }> = [];
    for (let i = 0; i < n; i++) {
      const p = (i ^ 1) < n ? i ^ 1 : i;
      entries.push({ addr: base + p * page, len: Math.min(page, bytes - i * page) });
    }
    return {
      entries,
      at: (off: number) => entries[Math.floor(off / page)]!.addr + (off % page),
    };
  }
}

export function decodeResponse(q: DriverSplitQueue, u: UsedBuffer): GpuResponse {
  const b = q.readWritten(u, Math.max(u.len, 0));
  const full = new Uint8Array(Math.max(24, b.length));
  full.set(b);
  const v = new DataView(full.buffer);
  return {
    type: v.getUint32(0, true),
    flags: v.getUint32(4, true),
    fenceId: v.getBigUint64(8, true),
    ctxId: v.getUint32(16, true),
    ringIdx: full[20]!,
    body: full.subarray(24),
    len: u.len,
  };
}
