import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Display } from "@armature/core";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { VirtioStatus } from "./constants.js";
import { VirtioGpuFormat } from "./gpu.js";
import { decodeDetailedTiming, encodeEdid } from "./gpu-edid.js";
import { GPU, GpuTestDriver, gpuRequest, TRANSPORT_KINDS } from "./test/index.js";

const B8G8R8X8 = 2;

/** Byte positions of B, G, R inside a pixel for each format, read off the format names (§5.7.6.8). */
const POS: Record<number, [number, number, number]> = {
  1: [0, 1, 2],
  2: [0, 1, 2],
  3: [3, 2, 1],
  4: [3, 2, 1],
  67: [2, 1, 0],
  68: [1, 2, 3],
  121: [1, 2, 3],
  134: [2, 1, 0],
};

/** Pixel (x, y) of a test pattern, as B, G, R bytes. */
function pat(x: number, y: number): [number, number, number] {
  return [(x * 7 + y) & 0xff, (x + y * 3) & 0xff, (x ^ y) & 0xff];
}

/** Lay `fmt` pixels of the pattern into guest backing; the byte order comes from the format name. */
function fillBacking(d: GpuTestDriver, at: (o: number) => number, w: number, h: number, fmt: number): void {
  const p = POS[fmt]!;
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      const c = pat(x, y);
      const o = (y * w + x) * 4;
      for (let k = 0; k < 3; k++) d.mem.write(at(o + p[k]!), new Uint8Array([c[k]!]));
    }
}

function setupScanout(d: GpuTestDriver, w: number, h: number, fmt = B8G8R8X8, id = 1) {
  expect(d.command(gpuRequest.create2d(id, fmt, w, h)).type).toBe(GPU.OK_NODATA);
  const back = d.allocBacking(w * h * 4);
  expect(d.command(gpuRequest.attachBacking(id, back.entries)).type).toBe(GPU.OK_NODATA);
  expect(d.command(gpuRequest.setScanout(0, id, 0, 0, w, h)).type).toBe(GPU.OK_NODATA);
  return back;
}

describe.each(TRANSPORT_KINDS)("virtio-gpu over %s", (kind) => {
  it("identifies as device 16, offers EDID and no virgl, one scanout", () => {
    const d = new GpuTestDriver(kind, { width: 1024, height: 768 });
    expect(d.h.t.deviceId()).toBe(16);
    expect(d.features & 2n).toBe(2n); // VIRTIO_GPU_F_EDID
    expect(d.h.t.deviceFeatures() & 1n).toBe(0n); // VIRTIO_GPU_F_VIRGL
    expect(d.h.t.readConfig(8, 4)).toBe(1); // num_scanouts
    expect(d.h.t.readConfig(12, 4)).toBe(0); // num_capsets
    expect(d.h.t.status() & VirtioStatus.DRIVER_OK).toBeTruthy();
  });

  it("GET_DISPLAY_INFO reports the preferred mode on scanout 0 only", () => {
    const d = new GpuTestDriver(kind, { width: 1280, height: 800 });
    const r = d.command(gpuRequest.header(GPU.GET_DISPLAY_INFO));
    expect(r.type).toBe(GPU.OK_DISPLAY_INFO);
    expect(r.len).toBe(24 + 16 * 24);
    const v = new DataView(r.body.buffer, r.body.byteOffset);
    expect([0, 4, 8, 12, 16, 20].map((o) => v.getUint32(o, true))).toEqual([0, 0, 1280, 800, 1, 0]);
    for (let i = 1; i < 16; i++) expect(v.getUint32(24 * i + 16, true)).toBe(0);
  });

  it("GET_EDID returns the EDID of the mode; a bad scanout is INVALID_PARAMETER", () => {
    const d = new GpuTestDriver(kind, { width: 1280, height: 800 });
    const r = d.command(gpuRequest.getEdid(0));
    expect(r.type).toBe(GPU.OK_EDID);
    const size = new DataView(r.body.buffer, r.body.byteOffset).getUint32(0, true);
    expect(size).toBe(128);
    const edid = r.body.subarray(8, 8 + size);
    expect([...edid.subarray(0, 8)]).toEqual([0, 255, 255, 255, 255, 255, 255, 0]);
    expect(edid.reduce((a, b) => a + b, 0) % 256).toBe(0);
    const t = decodeDetailedTiming(edid.subarray(54, 72));
    expect([t.width, t.height]).toEqual([1280, 800]);
    expect(d.command(gpuRequest.getEdid(1)).type).toBe(GPU.ERR_INVALID_PARAMETER);
  });

  it.each(Object.entries(VirtioGpuFormat))("scans out a %s resource with the right colours", (_n, fmt) => {
    const display = new Display({ width: 64, height: 48 });
    const d = new GpuTestDriver(kind, { display, width: 640, height: 480 });
    const w = 40;
    const h = 30;
    const back = setupScanout(d, w, h, fmt);
    expect([display.width, display.height]).toEqual([w, h]);
    fillBacking(d, back.at, w, h, fmt);
    const updates: Array<[number, number, number, number]> = [];
    display.addListener({ update: (r) => updates.push([r.x, r.y, r.width, r.height]) });
    expect(d.command(gpuRequest.transfer(1, 0, 0, w, h, 0)).type).toBe(GPU.OK_NODATA);
    expect(updates).toEqual([]); // nothing shown before the flush
    expect(d.command(gpuRequest.flush(1, 0, 0, w, h)).type).toBe(GPU.OK_NODATA);
    expect(updates).toEqual([[0, 0, w, h]]);
    for (const [x, y] of [
      [0, 0],
      [39, 29],
      [17, 5],
    ] as const) {
      const o = (y * w + x) * 4;
      expect([...display.data.subarray(o, o + 3)]).toEqual(pat(x, y));
    }
  });

  it("partial transfers use the offset and the resource stride; flush is clipped to the scanout", () => {
    const display = new Display({ width: 64, height: 64 });
    const d = new GpuTestDriver(kind, { display, width: 640, height: 480 });
    const w = 100;
    const h = 50;
    expect(d.command(gpuRequest.create2d(7, B8G8R8X8, w, h)).type).toBe(GPU.OK_NODATA);
    const back = d.allocBacking(w * h * 4);
    expect(d.command(gpuRequest.attachBacking(7, back.entries)).type).toBe(GPU.OK_NODATA);
    // Scanout shows the resource's (20, 10)..(84, 42) window.
    expect(d.command(gpuRequest.setScanout(0, 7, 20, 10, 64, 32)).type).toBe(GPU.OK_NODATA);
    fillBacking(d, back.at, w, h, B8G8R8X8);
    const rx = 30;
    const ry = 12;
    expect(d.command(gpuRequest.transfer(7, rx, ry, 10, 5, (ry * w + rx) * 4)).type).toBe(GPU.OK_NODATA);
    const seen: number[][] = [];
    display.addListener({ update: (r) => seen.push([r.x, r.y, r.width, r.height]) });
    expect(d.command(gpuRequest.flush(7, 0, 0, w, h)).type).toBe(GPU.OK_NODATA);
    expect(seen).toEqual([[0, 0, 64, 32]]);
    // Resource pixel (rx+3, ry+2) is display pixel (rx+3-20, ry+2-10).
    const o = ((ry + 2 - 10) * 64 + (rx + 3 - 20)) * 4;
    expect([...display.data.subarray(o, o + 3)]).toEqual(pat(rx + 3, ry + 2));
    // Outside the transferred rectangle the host copy is still zero.
    const o2 = (0 * 64 + 0) * 4;
    expect([...display.data.subarray(o2, o2 + 3)]).toEqual([0, 0, 0]);
  });

  it("fences come back in the response with ctx_id and ring_idx", () => {
    const d = new GpuTestDriver(kind);
    const r = d.command(
      gpuRequest.create2d(3, B8G8R8X8, 16, 16, {
        flags: 3,
        fenceId: 0x1234_5678_9abcn,
        ctxId: 5,
        ringIdx: 2,
      }),
    );
    expect(r.type).toBe(GPU.OK_NODATA);
    expect(r.flags).toBe(3);
    expect(r.fenceId).toBe(0x1234_5678_9abcn);
    expect(r.ctxId).toBe(5);
    expect(r.ringIdx).toBe(2);
    const plain = d.command(gpuRequest.unref(3));
    expect([plain.flags, plain.fenceId]).toEqual([0, 0n]);
    // A failing command still signals its fence.
    const bad = d.command(gpuRequest.unref(3));
    expect(bad.type).toBe(GPU.ERR_INVALID_RESOURCE_ID);
    expect(bad.flags).toBe(0);
    const badFenced = d.command(gpuRequest.transfer(99, 0, 0, 1, 1, 0, { flags: 1, fenceId: 9n }));
    expect([badFenced.type, badFenced.flags, badFenced.fenceId]).toEqual([
      GPU.ERR_INVALID_RESOURCE_ID,
      1,
      9n,
    ]);
  });

  it("answers bad commands with VIRTIO_GPU_RESP_ERR_* codes", () => {
    const d = new GpuTestDriver(kind, { maxHostMemory: 1 << 20 });
    const c = (req: Uint8Array) => d.command(req).type;
    expect(c(gpuRequest.create2d(0, B8G8R8X8, 16, 16))).toBe(GPU.ERR_INVALID_RESOURCE_ID);
    expect(c(gpuRequest.create2d(1, 999, 16, 16))).toBe(GPU.ERR_INVALID_PARAMETER);
    expect(c(gpuRequest.create2d(1, B8G8R8X8, 0, 16))).toBe(GPU.ERR_INVALID_PARAMETER);
    expect(c(gpuRequest.create2d(1, B8G8R8X8, 0xffff_ffff, 0xffff_ffff))).toBe(GPU.ERR_OUT_OF_MEMORY);
    expect(c(gpuRequest.create2d(1, B8G8R8X8, 1024, 1024))).toBe(GPU.ERR_OUT_OF_MEMORY); // 4 MiB > 1 MiB cap
    expect(c(gpuRequest.create2d(1, B8G8R8X8, 256, 256))).toBe(GPU.OK_NODATA); // 256 KiB
    expect(c(gpuRequest.create2d(1, B8G8R8X8, 16, 16))).toBe(GPU.ERR_INVALID_RESOURCE_ID); // in use
    expect(d.gpu.hostMemory).toBe(256 * 256 * 4);
    expect(c(gpuRequest.transfer(1, 0, 0, 16, 16, 0))).toBe(GPU.ERR_UNSPEC); // no backing
    expect(c(gpuRequest.detachBacking(1))).toBe(GPU.ERR_UNSPEC);
    expect(c(gpuRequest.attachBacking(1, [{ addr: 0x1000, len: 4096 }]))).toBe(GPU.ERR_UNSPEC); // not RAM
    expect(c(gpuRequest.attachBacking(1, [{ addr: 2 ** 63, len: 4096 }]))).toBe(GPU.ERR_UNSPEC);
    expect(c(gpuRequest.attachBacking(1, [], 0))).toBe(GPU.ERR_UNSPEC);
    expect(c(gpuRequest.attachBacking(1, [{ addr: 0x4100_0000, len: 4096 }], 100))).toBe(GPU.ERR_UNSPEC); // short
    expect(c(gpuRequest.attachBacking(2, [{ addr: 0x4100_0000, len: 4096 }]))).toBe(
      GPU.ERR_INVALID_RESOURCE_ID,
    );
    expect(c(gpuRequest.attachBacking(1, [{ addr: 0x4100_0000, len: 4096 }]))).toBe(GPU.OK_NODATA);
    expect(c(gpuRequest.attachBacking(1, [{ addr: 0x4100_0000, len: 4096 }]))).toBe(GPU.ERR_UNSPEC); // twice
    expect(c(gpuRequest.transfer(1, 250, 0, 7, 1, 0))).toBe(GPU.ERR_INVALID_PARAMETER); // past the right edge
    expect(c(gpuRequest.transfer(1, 0, 0, 256, 5, 0))).toBe(GPU.ERR_INVALID_PARAMETER); // past the backing
    expect(c(gpuRequest.transfer(1, 0, 0, 256, 4, 2 ** 40))).toBe(GPU.ERR_INVALID_PARAMETER);
    expect(c(gpuRequest.transfer(1, 0, 0, 256, 1, 0))).toBe(GPU.OK_NODATA);
    expect(c(gpuRequest.flush(1, 0, 0, 257, 1))).toBe(GPU.ERR_INVALID_PARAMETER);
    expect(c(gpuRequest.flush(2, 0, 0, 1, 1))).toBe(GPU.ERR_INVALID_RESOURCE_ID);
    expect(c(gpuRequest.setScanout(1, 1, 0, 0, 64, 64))).toBe(GPU.ERR_INVALID_SCANOUT_ID);
    expect(c(gpuRequest.setScanout(0, 2, 0, 0, 64, 64))).toBe(GPU.ERR_INVALID_RESOURCE_ID);
    expect(c(gpuRequest.setScanout(0, 1, 200, 0, 64, 64))).toBe(GPU.ERR_INVALID_PARAMETER);
    expect(c(gpuRequest.setScanout(0, 1, 0, 0, 8, 8))).toBe(GPU.ERR_INVALID_PARAMETER);
    expect(c(gpuRequest.setScanout(0, 0, 0, 0, 0, 0))).toBe(GPU.OK_NODATA); // disable
    expect(c(gpuRequest.header(0x0200))).toBe(GPU.ERR_UNSPEC); // CTX_CREATE: no 3D
    expect(c(gpuRequest.header(0x0108))).toBe(GPU.ERR_UNSPEC); // GET_CAPSET_INFO
    expect(c(gpuRequest.header(0xdead))).toBe(GPU.ERR_UNSPEC);
    expect(c(new Uint8Array(10))).toBe(GPU.ERR_UNSPEC); // shorter than the header
    expect(c(gpuRequest.header(GPU.RESOURCE_CREATE_2D))).toBe(GPU.ERR_UNSPEC); // fields missing
    expect(c(gpuRequest.detachBacking(1))).toBe(GPU.OK_NODATA);
    expect(c(gpuRequest.unref(1))).toBe(GPU.OK_NODATA);
    expect(c(gpuRequest.unref(1))).toBe(GPU.ERR_INVALID_RESOURCE_ID);
    expect(d.gpu.hostMemory).toBe(0);
    expect(d.h.t.status() & VirtioStatus.DEVICE_NEEDS_RESET).toBe(0);
    // A response buffer too small for the answer gets nothing (and no exception).
    expect(d.command(gpuRequest.header(GPU.GET_DISPLAY_INFO), 100).len).toBe(0);
  });

  it("answers a request shorter than its command's structure (§5.7.6.8) with ERR_UNSPEC", () => {
    const d = new GpuTestDriver(kind);
    const c = (req: Uint8Array) => d.command(req).type;
    // [request, its size in virtio 1.2 §5.7.6.8: the 24-byte ctrl_hdr and the command's fields]
    const requests: Array<[Uint8Array, number]> = [
      [gpuRequest.header(GPU.GET_DISPLAY_INFO), 24],
      [gpuRequest.getEdid(0), 32],
      [gpuRequest.create2d(1, B8G8R8X8, 16, 16), 40],
      [gpuRequest.unref(9), 32],
      [gpuRequest.setScanout(0, 9, 0, 0, 16, 16), 48],
      [gpuRequest.flush(9, 0, 0, 16, 16), 48],
      [gpuRequest.transfer(9, 0, 0, 16, 16, 0), 56],
      [gpuRequest.attachBacking(9, []), 32],
      [gpuRequest.detachBacking(9), 32],
    ];
    for (const [req, size] of requests) {
      expect(req.length).toBe(size);
      if (size > 24) expect(c(req.slice(0, size - 1))).toBe(GPU.ERR_UNSPEC);
      expect(c(req)).not.toBe(GPU.ERR_UNSPEC);
    }
  });

  it("unref of the scanout resource stops the scanout but keeps the picture; reset frees everything", () => {
    const display = new Display({ width: 32, height: 32 });
    const d = new GpuTestDriver(kind, { display, width: 640, height: 480 });
    const back = setupScanout(d, 32, 32);
    fillBacking(d, back.at, 32, 32, B8G8R8X8);
    d.command(gpuRequest.transfer(1, 0, 0, 32, 32, 0));
    d.command(gpuRequest.flush(1, 0, 0, 32, 32));
    expect(display.data.some((b) => b !== 0)).toBe(true);
    const before = display.data.slice();
    expect(d.command(gpuRequest.unref(1)).type).toBe(GPU.OK_NODATA);
    expect(display.data).toEqual(before);
    // A new resource flushed without SET_SCANOUT is not shown.
    d.command(gpuRequest.create2d(3, B8G8R8X8, 32, 32));
    expect(d.command(gpuRequest.flush(3, 0, 0, 32, 32)).type).toBe(GPU.OK_NODATA);
    expect(display.data).toEqual(before);
    d.command(gpuRequest.unref(3));
    d.command(gpuRequest.create2d(2, B8G8R8X8, 64, 64));
    expect(d.gpu.hostMemory).toBe(64 * 64 * 4);
    d.h.t.setStatus(0);
    expect(d.gpu.hostMemory).toBe(0);
    expect(d.gpu.resourceIds()).toEqual([]);
  });

  it("the cursor queue sets the cursor image and moves it", () => {
    const display = new Display({ width: 640, height: 480 });
    const d = new GpuTestDriver(kind, { display, width: 640, height: 480 });
    d.command(gpuRequest.create2d(5, VirtioGpuFormat.B8G8R8A8_UNORM, 64, 64));
    const back = d.allocBacking(64 * 64 * 4);
    d.command(gpuRequest.attachBacking(5, back.entries));
    d.mem.write(back.at(0), new Uint8Array([10, 20, 30, 128]));
    d.command(gpuRequest.transfer(5, 0, 0, 64, 64, 0));
    const moves: number[][] = [];
    display.addListener({ cursorMove: (x, y) => moves.push([x, y]) });
    expect(d.cursor(gpuRequest.cursor(GPU.UPDATE_CURSOR, 0, 100, 200, 5, 3, 4))).toBe(0);
    expect(display.cursor?.width).toBe(64);
    expect([display.cursor?.hotX, display.cursor?.hotY]).toEqual([3, 4]);
    expect([...display.cursor!.pixels.subarray(0, 4)]).toEqual([10, 20, 30, 128]);
    d.cursor(gpuRequest.cursor(GPU.MOVE_CURSOR, 0, 7, 9));
    expect(moves).toEqual([
      [100, 200],
      [7, 9],
    ]);
    d.cursor(gpuRequest.cursor(GPU.UPDATE_CURSOR, 0, 7, 9, 0));
    expect(display.cursor).toBeNull();
    // Bad cursor commands are ignored.
    d.cursor(gpuRequest.cursor(GPU.UPDATE_CURSOR, 0, 1, 1, 77));
    d.cursor(gpuRequest.cursor(GPU.MOVE_CURSOR, 3, 1, 1));
    d.cursor(new Uint8Array(8));
    expect(moves.length).toBe(3);
  });

  it("setPreferredSize raises VIRTIO_GPU_EVENT_DISPLAY; events_clear clears it", () => {
    const d = new GpuTestDriver(kind, { width: 1024, height: 768 });
    d.h.t.takeInterrupts();
    d.gpu.setPreferredSize(800, 600);
    expect(d.h.t.readConfig(0, 4)).toBe(1);
    expect(d.h.t.takeInterrupts()).toContain(-1);
    const r = d.command(gpuRequest.header(GPU.GET_DISPLAY_INFO));
    const v = new DataView(r.body.buffer, r.body.byteOffset);
    expect([v.getUint32(8, true), v.getUint32(12, true)]).toEqual([800, 600]);
    d.h.t.writeConfig(4, 4, 1);
    expect(d.h.t.readConfig(0, 4)).toBe(0);
  });
});

describe("EDID encoder", () => {
  it("round-trips the mode through the detailed timing descriptor, with a valid checksum (property)", () => {
    fc.assert(
      fc.property(fc.integer({ min: 320, max: 4095 }), fc.integer({ min: 200, max: 4095 }), (w, h) => {
        const e = encodeEdid(w, h);
        expect(e.length).toBe(128);
        expect(e.reduce((a, b) => a + b, 0) % 256).toBe(0);
        const t = decodeDetailedTiming(e.subarray(54, 72));
        expect([t.width, t.height]).toEqual([w, h]);
        // The refresh stays near 60 Hz unless the clock had to be capped (16 bits) or raised (10 MHz).
        const hz = (t.clock10kHz * 1e4) / ((w + t.hBlank) * (h + t.vBlank));
        expect(hz).toBeGreaterThan(t.clock10kHz === 0xffff ? 20 : 59.9);
        expect(hz).toBeLessThan(t.clock10kHz === 1000 ? 120 : 60.5);
      }),
      { verbose: true },
    );
  });

  const edidDecode = (() => {
    try {
      execFileSync("edid-decode", ["--help"], { stdio: "ignore" });
      return true;
    } catch (e) {
      return (e as { status?: number }).status !== undefined; // exists, non-zero exit for --help
    }
  })();

  it.skipIf(!edidDecode)("Debian's edid-decode --check passes the EDID of random modes", () => {
    const dir = mkdtempSync(join(tmpdir(), "edid-"));
    const modes = fc.sample(
      fc.tuple(fc.integer({ min: 320, max: 4095 }), fc.integer({ min: 200, max: 4095 })),
      { numRuns: 12 },
    );
    modes.push([1280, 800], [1024, 768], [3840, 2160], [320, 200], [4095, 4095]);
    console.log(`edid-decode modes: ${modes.map(([w, h]) => `${w}x${h}`).join(" ")}`);
    try {
      for (const [w, h] of modes) {
        const f = join(dir, `${w}x${h}.bin`);
        writeFileSync(f, encodeEdid(w, h));
        const out = execFileSync("edid-decode", ["--check", f], { encoding: "utf8" });
        expect(out, `${w}x${h}`).toContain("EDID conformity: PASS");
        expect(out).toMatch(new RegExp(`DTD 1: +${w}x${h} `));
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("virtio-gpu against a reference model (property)", () => {
  /** A rectangle [x, y, width, height] inside w x h, at least `min` pixels on each side. */
  const rect = (w: number, h: number, min = 1) =>
    fc
      .tuple(fc.nat(w - min), fc.nat(h - min))
      .chain(([x, y]) =>
        fc.tuple(
          fc.constant(x),
          fc.constant(y),
          fc.integer({ min, max: w - x }),
          fc.integer({ min, max: h - y }),
        ),
      );

  it("random transfers and flushes leave the display equal to the model", () => {
    const setup = fc
      .tuple(
        fc.integer({ min: 16, max: 48 }),
        fc.integer({ min: 16, max: 40 }),
        fc.constantFrom(...Object.values(VirtioGpuFormat)),
      )
      .chain(([w, h, fmt]) =>
        fc.tuple(
          fc.constant(w),
          fc.constant(h),
          fc.constant(fmt),
          // The scanout window: at least 16x16 inside the resource.
          rect(w, h, 16),
          fc.array(fc.tuple(fc.constantFrom("transfer", "flush", "scribble"), rect(w, h), fc.integer()), {
            maxLength: 12,
          }),
        ),
      );
    fc.assert(
      fc.property(setup, ([w, h, fmt, [sx, sy, sw, sh], ops]) => {
        const display = new Display({ width: 64, height: 64 });
        const d = new GpuTestDriver("mmio", { display, width: 640, height: 480 });
        const stride = w * 4;
        expect(d.command(gpuRequest.create2d(1, fmt, w, h)).type).toBe(GPU.OK_NODATA);
        const back = d.allocBacking(w * h * 4, 64);
        expect(d.command(gpuRequest.attachBacking(1, back.entries)).type).toBe(GPU.OK_NODATA);
        expect(d.command(gpuRequest.setScanout(0, 1, sx, sy, sw, sh)).type).toBe(GPU.OK_NODATA);
        const guest = new Uint8Array(w * h * 4);
        for (const e of back.entries) d.mem.write(e.addr, new Uint8Array(e.len)); // start from zeros
        const host = new Uint8Array(w * h * 4);
        const shown = new Uint8Array(sw * sh * 3); // R, G, B per display pixel
        for (const [op, [x, y, rw, rh], seed] of ops) {
          if (op === "scribble") {
            let v = seed | 1;
            for (let i = 0; i < guest.length; i += 1 + (v & 7)) {
              v ^= v << 13;
              v ^= v >>> 17;
              v ^= v << 5;
              guest[i] = v & 0xff;
              d.mem.write(back.at(i), guest.subarray(i, i + 1));
            }
          } else if (op === "transfer") {
            const off = (y * w + x) * 4;
            expect(d.command(gpuRequest.transfer(1, x, y, rw, rh, off)).type).toBe(GPU.OK_NODATA);
            for (let k = 0; k < rh; k++)
              host.set(guest.subarray(off + k * stride, off + k * stride + rw * 4), (y + k) * stride + x * 4);
          } else {
            expect(d.command(gpuRequest.flush(1, x, y, rw, rh)).type).toBe(GPU.OK_NODATA);
            for (let py = Math.max(y, sy); py < Math.min(y + rh, sy + sh); py++)
              for (let px = Math.max(x, sx); px < Math.min(x + rw, sx + sw); px++) {
                const o = (py * w + px) * 4;
                const t = ((py - sy) * sw + (px - sx)) * 3;
                const [b, g, r] = POS[fmt]!;
                shown[t] = host[o + r]!;
                shown[t + 1] = host[o + g]!;
                shown[t + 2] = host[o + b]!;
              }
          }
        }
        expect([display.width, display.height]).toEqual([sw, sh]);
        for (let i = 0; i < sw * sh; i++) {
          const got = [display.data[4 * i + 2], display.data[4 * i + 1], display.data[4 * i]];
          if (got[0] !== shown[3 * i] || got[1] !== shown[3 * i + 1] || got[2] !== shown[3 * i + 2])
            throw new Error(
              `pixel ${i % sw},${Math.floor(i / sw)}: ${got} != ${[...shown.subarray(3 * i, 3 * i + 3)]}`,
            );
        }
      }),
      { numRuns: Number(process.env.FC_NUM_RUNS ?? 60) },
    );
  });
});
