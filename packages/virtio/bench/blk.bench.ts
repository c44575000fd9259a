/**
 * virtio-blk throughput through the whole queue machinery (driver ring writes, notification,
 * descriptor walk, DMA copies, used ring, interrupt decision), over virtio-mmio and virtio-pci,
 * with an in-memory disk. Prints MB/s; never fails on timing.
 */
import { MemoryBlockBackend } from "@armature/core";
import { VirtioBlk, VirtioBlkType } from "../src/index.js";
import {
  DriverSplitQueue,
  GuestMemory,
  harness,
  initializeDevice,
  type TransportKind,
} from "../src/test/index.js";

const DISK = 64 << 20;

function run(kind: TransportKind, reqSize: number, write: boolean, seconds = 1): number {
  const mem = new GuestMemory(0x4000_0000, 96 << 20);
  const disk = new MemoryBlockBackend(DISK);
  const h = harness(new VirtioBlk(disk), kind, mem);
  const q = new DriverSplitQueue(mem, 256);
  initializeDevice(h.t, (1n << 64n) - 1n, [q]);
  const batch = Math.max(1, Math.min(64, (32 << 20) / reqSize));
  const hdrs: number[] = [];
  const datas: number[] = [];
  const stats: number[] = [];
  for (let i = 0; i < batch; i++) {
    hdrs.push(mem.alloc(16, 16));
    datas.push(mem.alloc(reqSize, 4096));
    stats.push(mem.alloc(1, 1));
  }
  const sectors = DISK / 512;
  let bytes = 0;
  let next = 0;
  const t0 = performance.now();
  let now = t0;
  while (now - t0 < seconds * 1000) {
    for (let i = 0; i < batch; i++) {
      const h0 = hdrs[i]!;
      mem.setU32(h0, write ? VirtioBlkType.OUT : VirtioBlkType.IN);
      mem.setU32(h0 + 4, 0);
      mem.setU64(h0 + 8, next);
      next = (next + reqSize / 512) % sectors;
      if (next + reqSize / 512 > sectors) next = 0;
      q.addSegments(
        [
          { addr: h0, len: 16, write: false },
          { addr: datas[i]!, len: reqSize, write: !write },
          { addr: stats[i]!, len: 1, write: true },
        ],
        { publish: i === batch - 1 },
      );
    }
    h.t.notify(0);
    const used = q.takeUsed();
    bytes += used.length * reqSize;
    h.t.takeInterrupts();
    now = performance.now();
  }
  return bytes / 1e6 / ((now - t0) / 1000);
}

console.log("virtio-blk throughput (in-memory disk, queue size 256)");
console.log("transport   request  op     MB/s");
for (const kind of ["mmio", "pci-msix"] as const) {
  for (const size of [4096, 1 << 20]) {
    for (const write of [false, true]) {
      const mbps = run(kind, size, write);
      console.log(
        `${kind.padEnd(10)}  ${(size === 4096 ? "4 KiB" : "1 MiB").padEnd(7)}  ${(write ? "write" : "read").padEnd(5)}  ${mbps.toFixed(0).padStart(6)}`,
      );
    }
  }
}
