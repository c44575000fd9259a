/**
 * virtio-gpu: full-screen TRANSFER_TO_HOST_2D + RESOURCE_FLUSH at 1280x800 (B8G8R8X8 and
 * X8R8G8B8, which needs a swizzle) through the control queue, backing in 4 KiB pages as Linux
 * gives it. Prints frames/s and MB/s; never fails on timing.
 * Run: npx tsx --conditions=source bench/gpu.bench.ts
 */
import { Display } from "@armature/core";
import { VirtioGpuFormat } from "../src/index.js";
import { GPU, GpuTestDriver, GuestMemory, gpuRequest } from "../src/test/index.js";

const W = 1280;
const H = 800;

for (const [name, fmt] of [
  ["B8G8R8X8", VirtioGpuFormat.B8G8R8X8_UNORM],
  ["X8R8G8B8", VirtioGpuFormat.X8R8G8B8_UNORM],
] as const) {
  const display = new Display({ width: W, height: H });
  const d = new GpuTestDriver("pci-msix", { display }, new GuestMemory(0x4000_0000, 32 << 20));
  const ok = (req: Uint8Array) => {
    const t = d.command(req).type;
    if (t !== GPU.OK_NODATA) throw new Error(`0x${t.toString(16)}`);
  };
  ok(gpuRequest.create2d(1, fmt, W, H));
  const back = d.allocBacking(W * H * 4);
  ok(gpuRequest.attachBacking(1, back.entries));
  ok(gpuRequest.setScanout(0, 1, 0, 0, W, H));
  const transfer = gpuRequest.transfer(1, 0, 0, W, H, 0);
  const flush = gpuRequest.flush(1, 0, 0, W, H);
  let frames = 0;
  const t0 = performance.now();
  while (performance.now() - t0 < 2000) {
    ok(transfer);
    ok(flush);
    frames++;
  }
  const s = (performance.now() - t0) / 1000;
  console.log(
    `virtio-gpu ${name} ${W}x${H} transfer+flush: ${(frames / s).toFixed(0)} frames/s, ` +
      `${((frames * W * H * 4) / s / 1e6).toFixed(0)} MB/s`,
  );
}
