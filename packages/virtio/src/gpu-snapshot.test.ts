import { Display } from "@armature/core";
import { expectTruncatedRefused, restoreStateInto, savedState } from "@armature/core/test";
import { describe, expect, it } from "vitest";
import { VirtioGpu } from "./gpu.js";
import { VirtioMmio } from "./mmio.js";
import { GPU, GpuTestDriver, gpuRequest, MmioTransportDriver } from "./test/index.js";

const B8G8R8X8 = 2;
const W = 40;
const H = 30;

/** A driven GPU: a 40x30 scanout of a pattern, flushed, and a 16x16 cursor at (5, 7). */
function drivenGpu() {
  const display = new Display({ width: 64, height: 48 });
  const d = new GpuTestDriver("mmio", { display, width: 640, height: 480 });
  expect(d.command(gpuRequest.create2d(1, B8G8R8X8, W, H)).type).toBe(GPU.OK_NODATA);
  const back = d.allocBacking(W * H * 4);
  expect(d.command(gpuRequest.attachBacking(1, back.entries)).type).toBe(GPU.OK_NODATA);
  expect(d.command(gpuRequest.setScanout(0, 1, 0, 0, W, H)).type).toBe(GPU.OK_NODATA);
  const fill = (seed: number) => {
    for (let o = 0; o < W * H * 4; o++) d.mem.write(back.at(o), new Uint8Array([(o * seed) & 0xff]));
  };
  fill(7);
  expect(d.command(gpuRequest.transfer(1, 0, 0, W, H, 0)).type).toBe(GPU.OK_NODATA);
  expect(d.command(gpuRequest.flush(1, 0, 0, W, H)).type).toBe(GPU.OK_NODATA);
  expect(d.command(gpuRequest.create2d(2, B8G8R8X8, 16, 16)).type).toBe(GPU.OK_NODATA);
  d.cursor(gpuRequest.cursor(GPU.UPDATE_CURSOR, 0, 5, 7, 2, 3, 4));
  return { d, display, fill };
}

/** A fresh GPU behind a fresh virtio-mmio transport on the same guest memory. */
function freshTransport(d: GpuTestDriver) {
  const display = new Display({ width: 64, height: 48 });
  const gpu = new VirtioGpu({ display, width: 640, height: 480 });
  const t = new VirtioMmio(gpu, { dma: d.mem.dma, irq: new MmioTransportDriver().line });
  return { gpu, display, t };
}

describe("virtio-gpu snapshot", () => {
  it("restores resources, backing, scanout, the screen and the cursor; the guest carries on", () => {
    const { d, display, fill } = drivenGpu();
    const b = freshTransport(d);
    restoreStateInto(d.h.transport as VirtioMmio, b.t);
    expect([b.display.width, b.display.height]).toEqual([W, H]);
    expect(b.display.data).toEqual(display.data);
    expect(b.display.cursor).toEqual(display.cursor);
    expect([b.display.cursorX, b.display.cursorY]).toEqual([5, 7]);
    expect(b.gpu.resourceIds()).toEqual([1, 2]);
    expect(b.gpu.hostMemory).toBe(d.gpu.hostMemory);
    expect(savedState(b.t)).toEqual(savedState(d.h.transport as VirtioMmio));

    // The driver now talks to the restored device: the backing list and scanout are live.
    (d.h.t as MmioTransportDriver).connect(b.t);
    fill(13);
    expect(d.command(gpuRequest.transfer(1, 0, 0, W, H, 0)).type).toBe(GPU.OK_NODATA);
    expect(d.command(gpuRequest.flush(1, 0, 0, W, H)).type).toBe(GPU.OK_NODATA);
    expect(b.display.data[4 * 3]).toBe((4 * 3 * 13) & 0xff);
    expect(display.data[4 * 3]).toBe((4 * 3 * 7) & 0xff); // the original did not see it
    expect(d.command(gpuRequest.create2d(2, B8G8R8X8, 8, 8)).type).toBe(GPU.ERR_INVALID_RESOURCE_ID);
    expect(d.command(gpuRequest.unref(2)).type).toBe(GPU.OK_NODATA);
  });

  it("a truncated or inconsistent section is refused and changes nothing", () => {
    const { d } = drivenGpu();
    const bytes = savedState(d.h.transport as VirtioMmio);
    const b = freshTransport(d);
    expect(expectTruncatedRefused(b.t, bytes)).toBeGreaterThan(3000);
    expect([b.display.width, b.display.height]).toEqual([64, 48]);
    expect(b.gpu.resourceIds()).toEqual([]);
  });
});
