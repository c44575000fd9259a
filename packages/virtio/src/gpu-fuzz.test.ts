import { Display } from "@armature/core";
import { captureWarnings, type FuzzRandom, fuzzRandom } from "@armature/core/test";
import { beforeAll, describe, expect, it } from "vitest";
import { VirtioStatus } from "./constants.js";
import { GPU, GpuTestDriver, gpuRequest, TRANSPORT_KINDS } from "./test/index.js";

/**
 * Random virtio-gpu command streams (valid-looking and garbage) through every transport: the
 * device must answer each with a defined response code, never throw (internal error count 0),
 * never need a reset, and never hold more host memory than its cap. A fresh seed each run
 * (printed); GPU_FUZZ_SEED=<n> replays one, GPU_FUZZ_CASES=<n> runs longer (scripts/fuzz-gpu.sh).
 */
const CASES = Number(process.env.GPU_FUZZ_CASES ?? 4000);
const SEED = Number(process.env.GPU_FUZZ_SEED ?? (Date.now() ^ (process.pid << 16)) >>> 0) || 1;
const RAM_BASE = 0x4000_0000;
const RAM_SIZE = 32 << 20;
const CAP = 8 << 20;

const VALID = new Set<number>([
  GPU.OK_NODATA,
  GPU.OK_DISPLAY_INFO,
  GPU.OK_EDID,
  GPU.ERR_UNSPEC,
  GPU.ERR_OUT_OF_MEMORY,
  GPU.ERR_INVALID_SCANOUT_ID,
  GPU.ERR_INVALID_RESOURCE_ID,
  GPU.ERR_INVALID_PARAMETER,
]);

function side(r: FuzzRandom): number {
  return r.pick([0, 1, 15, 16, 17, 64, 100, 640, 1024, 4096, 16384, 16385, 0xffff_ffff, r.int(300), r.u32()]);
}
function coord(r: FuzzRandom): number {
  return r.int(3) === 0 ? r.u32() : r.int(400);
}
function id(r: FuzzRandom): number {
  return r.int(8) === 0 ? r.u32() : r.int(6);
}
function format(r: FuzzRandom): number {
  return r.pick([1, 2, 3, 4, 67, 68, 121, 134, 0, 5, r.u32()]);
}
function guestAddr(r: FuzzRandom): number {
  return r.int(6) === 0
    ? r.pick([
        0,
        0x1000,
        RAM_BASE - 4096,
        RAM_BASE + RAM_SIZE - 100,
        2 ** 52,
        2 ** 64 - 4096,
        r.u32() * 2 ** 20,
      ])
    : RAM_BASE + r.int(RAM_SIZE);
}

function randomCommand(r: FuzzRandom): Uint8Array {
  const h = r.int(4) === 0 ? { flags: r.int(4), fenceId: BigInt(r.u32()), ctxId: r.u32() } : {};
  switch (r.int(12)) {
    case 0:
      return gpuRequest.header(GPU.GET_DISPLAY_INFO, h);
    case 1:
      return gpuRequest.getEdid(r.int(3), h);
    case 2:
    case 3:
      return gpuRequest.create2d(id(r), format(r), side(r), side(r), h);
    case 4:
      return gpuRequest.unref(id(r));
    case 5: {
      const n = r.int(6);
      const entries = Array.from({ length: n }, () => ({
        addr: guestAddr(r),
        len: r.pick([0, 1, 4096, 65536, 1 << 20, r.u32(), r.int(8192)]),
      }));
      return gpuRequest.attachBacking(id(r), entries, r.int(5) === 0 ? r.u32() : n);
    }
    case 6:
      return gpuRequest.detachBacking(id(r));
    case 7:
      return gpuRequest.setScanout(r.int(4) === 0 ? r.u32() : 0, id(r), coord(r), coord(r), side(r), side(r));
    case 8:
      return gpuRequest.transfer(
        id(r),
        coord(r),
        coord(r),
        side(r),
        side(r),
        r.pick([0, r.int(1 << 22), r.u32() * 2 ** 20]),
        h,
      );
    case 9:
      return gpuRequest.flush(id(r), coord(r), coord(r), side(r), side(r), h);
    case 10: {
      // Raw garbage of random length.
      const b = new Uint8Array(r.int(80));
      for (let i = 0; i < b.length; i++) b[i] = r.u32() & 0xff;
      if (b.length >= 4 && r.int(2) === 0) b[1] = 1; // often a 0x01xx command type
      return b;
    }
    default:
      return gpuRequest.header(r.pick([0x0108, 0x0109, 0x010b, 0x010c, 0x0200, 0x0207, r.u32()]), h);
  }
}

describe("fuzz: random virtio-gpu commands", () => {
  let logLines = 0;
  beforeAll(() => {
    console.log(
      `virtio-gpu fuzz seed ${SEED} (GPU_FUZZ_SEED=${SEED} to replay), ${CASES} cases per transport`,
    );
    return captureWarnings(() => void logLines++);
  });

  it.each(TRANSPORT_KINDS)("%s: every command answered, no exception, memory under the cap", (kind) => {
    const r = fuzzRandom(SEED ^ (kind.length * 0x9e3779b9));
    const display = new Display({ width: 640, height: 480 });
    const d = new GpuTestDriver(kind, { display, maxHostMemory: CAP }, undefined);
    const counts = new Map<number, number>();
    for (let c = 0; c < CASES; c++) {
      const where = `case ${c} (GPU_FUZZ_SEED=${SEED})`;
      // Scribble on guest memory so backing reads see changing bytes.
      d.mem.setU32(RAM_BASE + (16 << 20) + 4 * r.int(1 << 20), r.u32());
      if (r.int(8) === 0) {
        const req = gpuRequest.cursor(
          r.pick([GPU.UPDATE_CURSOR, GPU.MOVE_CURSOR, r.u32()]),
          r.int(4) === 0 ? r.u32() : 0,
          r.u32() | 0,
          r.u32() | 0,
          id(r),
          r.u32(),
          r.u32(),
        );
        d.cursor(req.subarray(0, r.int(4) === 0 ? r.int(56) : 56));
      } else {
        const respLen = r.int(6) === 0 ? r.int(1100) : 24 + 1032;
        const res = d.command(randomCommand(r), respLen);
        if (res.len !== 0) {
          expect(VALID.has(res.type), `${where}: response 0x${res.type.toString(16)}`).toBe(true);
          counts.set(res.type, (counts.get(res.type) ?? 0) + 1);
        }
      }
      const core = d.h.transport.core;
      if (core.internalErrors !== 0) throw new Error(`${where}: device threw: ${core.lastInternalError}`);
      if (d.h.t.status() & VirtioStatus.DEVICE_NEEDS_RESET) throw new Error(`${where}: DEVICE_NEEDS_RESET`);
      if (d.gpu.hostMemory > CAP) throw new Error(`${where}: host memory ${d.gpu.hostMemory} over the cap`);
      d.h.t.takeInterrupts();
    }
    expect(display.listenerErrors).toBe(0);
    // The stream reaches both the success and the error paths.
    expect(counts.get(GPU.OK_NODATA) ?? 0).toBeGreaterThan(0);
    for (const e of [GPU.ERR_INVALID_RESOURCE_ID, GPU.ERR_INVALID_PARAMETER, GPU.ERR_UNSPEC])
      expect(counts.get(e) ?? 0, `0x${e.toString(16)}`).toBeGreaterThan(0);
    expect(logLines).toBeGreaterThan(0);
  });
});
