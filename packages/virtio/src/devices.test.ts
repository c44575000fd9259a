import { MemoryBlockBackend } from "@armature/core";
import { captureWarnings, xorshift32 } from "@armature/core/test";
import { describe, expect, it } from "vitest";
import { VirtioBlk, VirtioBlkStatus, VirtioBlkType } from "./blk.js";
import { BufferConsoleBackend, VirtioConsole } from "./console.js";
import { featureBit, VirtioFeature, VirtioStatus } from "./constants.js";
import { VirtioRng } from "./rng.js";
import {
  DriverSplitQueue,
  harness,
  initializeDevice,
  startRxTx,
  TRANSPORT_KINDS,
  type UsedBuffer,
} from "./test/index.js";

const ALL = (1n << 64n) - 1n;

function blkHeader(type: number, sector: number): Uint8Array {
  const h = new Uint8Array(16);
  const v = new DataView(h.buffer);
  v.setUint32(0, type, true);
  v.setUint32(8, sector % 2 ** 32, true);
  v.setUint32(12, Math.floor(sector / 2 ** 32), true);
  return h;
}

/** The status byte: the last byte of the last writable buffer (§5.2.6). */
function statusOf(q: DriverSplitQueue, u: UsedBuffer): number {
  const w = u.writable[u.writable.length - 1]!;
  return q.mem.bytes(w.addr + w.len - 1, 1)[0]!;
}

function pattern(n: number, seed: number): Uint8Array {
  const b = new Uint8Array(n);
  const next = xorshift32(seed);
  for (let i = 0; i < n; i++) b[i] = next() & 0xff;
  return b;
}

describe.each(TRANSPORT_KINDS)("virtio-blk over %s", (kind) => {
  function setup(readOnly = false) {
    const disk = new MemoryBlockBackend(1 << 20, { readOnly });
    disk.data.set(pattern(1 << 20, 7));
    const h = harness(new VirtioBlk(disk, { serial: "disk-serial-0" }), kind);
    const q = new DriverSplitQueue(h.mem, 64);
    const f = initializeDevice(h.t, ALL, [q]);
    return { ...h, q, disk, f };
  }
  function run(s: ReturnType<typeof setup>) {
    s.t.notify(0);
    return s.q.takeUsed();
  }

  it("negotiates VERSION_1, ACCESS_PLATFORM, EVENT_IDX and INDIRECT", () => {
    const s = setup();
    for (const b of [
      VirtioFeature.VERSION_1,
      VirtioFeature.ACCESS_PLATFORM,
      VirtioFeature.RING_EVENT_IDX,
      VirtioFeature.RING_INDIRECT_DESC,
    ]) {
      expect(s.f & featureBit(b)).not.toBe(0n);
    }
    expect(s.t.status()).toBe(15);
    expect(s.t.readConfig(0, 4)).toBe(2048); // capacity in sectors
    expect(s.t.readConfig(20, 4)).toBe(512); // blk_size
  });

  it("writes then reads back sectors (direct and indirect chains)", () => {
    const s = setup();
    const data = pattern(8192, 99);
    s.q.add([
      { readable: blkHeader(VirtioBlkType.OUT, 10) },
      { readable: data.subarray(0, 4096) },
      { readable: data.subarray(4096) },
      { writable: 1 },
    ]);
    let used = run(s);
    expect(used).toHaveLength(1);
    expect(s.q.readWritten(used[0]!, 1)[0]).toBe(VirtioBlkStatus.OK);
    expect(s.disk.data.subarray(10 * 512, 10 * 512 + 8192)).toEqual(data);
    s.q.add([{ readable: blkHeader(VirtioBlkType.IN, 10) }, { writable: 8192 }, { writable: 1 }], {
      indirect: true,
    });
    used = run(s);
    expect(used[0]!.len).toBe(8193);
    const back = s.q.readWritten(used[0]!);
    expect(back.subarray(0, 8192)).toEqual(data);
    expect(back[8192]).toBe(VirtioBlkStatus.OK);
    const irqs = s.t.takeInterrupts();
    expect(irqs.length).toBeGreaterThan(0);
  });

  it("flush, get-id, discard, write-zeroes, unsupported and out-of-range", () => {
    const s = setup();
    s.q.add([{ readable: blkHeader(VirtioBlkType.FLUSH, 0) }, { writable: 1 }]);
    s.q.add([{ readable: blkHeader(VirtioBlkType.GET_ID, 0) }, { writable: 20 }, { writable: 1 }]);
    const seg = new Uint8Array(16);
    new DataView(seg.buffer).setUint32(0, 4, true);
    new DataView(seg.buffer).setUint32(8, 2, true);
    s.q.add([{ readable: blkHeader(VirtioBlkType.WRITE_ZEROES, 0) }, { readable: seg }, { writable: 1 }]);
    const seg2 = seg.slice();
    new DataView(seg2.buffer).setUint32(0, 100, true);
    s.q.add([{ readable: blkHeader(VirtioBlkType.DISCARD, 0) }, { readable: seg2 }, { writable: 1 }]);
    s.q.add([{ readable: blkHeader(99, 0) }, { writable: 1 }]);
    s.q.add([{ readable: blkHeader(VirtioBlkType.IN, 2047) }, { writable: 1024 }, { writable: 1 }]);
    const used = run(s);
    const st = used.map((u) => statusOf(s.q, u));
    expect(st).toEqual([0, 0, 0, 0, VirtioBlkStatus.UNSUPP, VirtioBlkStatus.IOERR]);
    expect(new TextDecoder().decode(s.q.readWritten(used[1]!).subarray(0, 13))).toBe("disk-serial-0");
    expect(s.disk.data.subarray(4 * 512, 6 * 512).every((b) => b === 0)).toBe(true);
    expect(s.disk.data[6 * 512]).not.toBe(0);
    expect(s.disk.data.subarray(100 * 512, 102 * 512).every((b) => b === 0)).toBe(true);
  });

  it("reads and writes that are not whole 512-byte sectors fail with IOERR and leave the disk alone", () => {
    const s = setup();
    const before = s.disk.data.slice(0, 1024);
    s.q.add([{ readable: blkHeader(VirtioBlkType.IN, 0) }, { writable: 100 }, { writable: 1 }]);
    s.q.add([
      { readable: blkHeader(VirtioBlkType.OUT, 0) },
      { readable: new Uint8Array(700).fill(0xaa) },
      { writable: 1 },
    ]);
    const used = run(s);
    expect(used.map((u) => statusOf(s.q, u))).toEqual([VirtioBlkStatus.IOERR, VirtioBlkStatus.IOERR]);
    expect(s.disk.data.subarray(0, 1024)).toEqual(before);
  });

  it("read-only disks fail writes with IOERR and offer VIRTIO_BLK_F_RO", () => {
    const s = setup(true);
    expect(s.f & featureBit(5)).not.toBe(0n);
    const before = s.disk.data.slice(0, 512);
    s.q.add([
      { readable: blkHeader(VirtioBlkType.OUT, 0) },
      { readable: new Uint8Array(512) },
      { writable: 1 },
    ]);
    const used = run(s);
    expect(statusOf(s.q, used[0]!)).toBe(VirtioBlkStatus.IOERR);
    expect(s.disk.data.subarray(0, 512)).toEqual(before);
  });

  it("a descriptor outside RAM completes with IOERR or sets DEVICE_NEEDS_RESET, never throws", () => {
    const s = setup();
    // Patch a data descriptor to point at unmapped memory.
    const head = s.q.add([{ readable: blkHeader(VirtioBlkType.IN, 0) }, { writable: 512 }, { writable: 1 }], {
      publish: false,
    });
    const second = s.mem.u16(s.q.desc + 16 * head + 14);
    s.mem.setU64(s.q.desc + 16 * second, 0x1_0000_0000);
    s.q.publish();
    const used = run(s);
    expect(used).toHaveLength(1);
    expect(statusOf(s.q, used[0]!)).toBe(VirtioBlkStatus.IOERR);
    // Now a chain whose header is unmapped: the device cannot even report, so it needs a reset.
    const h2 = s.q.add([{ readable: blkHeader(VirtioBlkType.IN, 0) }, { writable: 1 }], { publish: false });
    s.mem.setU64(s.q.desc + 16 * h2, 0x2_0000_0000);
    s.q.publish();
    run(s);
    expect(s.t.status() & VirtioStatus.DEVICE_NEEDS_RESET).not.toBe(0);
    expect(s.t.takeInterrupts()).toContain(-1);
    // Reset recovers the device.
    const q2 = new DriverSplitQueue(s.mem, 16);
    initializeDevice(s.t, ALL, [q2]);
    expect(s.t.status()).toBe(15);
  });
});

describe.each(TRANSPORT_KINDS)("virtio-console over %s", (kind) => {
  it("transmits guest output and delivers host input to port 0", () => {
    const be = new BufferConsoleBackend();
    const h = harness(new VirtioConsole(be), kind);
    be.type("early"); // before the driver is ready: kept
    const { rx, tx } = startRxTx(h);
    tx.add([{ readable: new TextEncoder().encode("hello, ") }]);
    tx.add([{ readable: new TextEncoder().encode("world\n") }]);
    h.t.notify(1);
    expect(be.output()).toBe("hello, world\n");
    expect(tx.takeUsed()).toHaveLength(2);
    rx.add([{ writable: 3 }]);
    rx.add([{ writable: 64 }]);
    h.t.notify(0);
    be.type("typed");
    rx.add([{ writable: 64 }]);
    h.t.notify(0);
    const got = rx.takeUsed().map((u) => new TextDecoder().decode(rx.readWritten(u)));
    expect(got.join("")).toBe("earlytyped");
    expect(got[0]).toBe("ear");
    expect(h.t.readConfig(0, 2)).toBe(80);
  });
});

describe.each(TRANSPORT_KINDS)("virtio-rng over %s", (kind) => {
  it("fills writable buffers from its entropy source", () => {
    let counter = 0;
    const h = harness(
      new VirtioRng({
        fill: (b) => {
          for (let i = 0; i < b.length; i++) b[i] = counter++ & 0xff;
        },
      }),
      kind,
    );
    const q = new DriverSplitQueue(h.mem, 8);
    initializeDevice(h.t, ALL, [q]);
    q.add([{ writable: 16 }, { writable: 16 }]);
    h.t.notify(0);
    const [u] = q.takeUsed();
    expect(u!.len).toBe(32);
    expect(Array.from(q.readWritten(u!))).toEqual(Array.from({ length: 32 }, (_, i) => i));
  });
});

describe.each(TRANSPORT_KINDS)("device status machine over %s", (kind) => {
  const dev = () => new VirtioRng();
  /** Reset, ACKNOWLEDGE | DRIVER, `features`, FEATURES_OK (no queue, no DRIVER_OK). */
  const offer = (h: ReturnType<typeof harness>, features: bigint) => {
    h.t.setStatus(0);
    h.t.setStatus(3);
    h.t.setDriverFeatures(features);
    h.t.setStatus(11);
  };
  it("refuses a driver without VERSION_1 by leaving FEATURES_OK clear", () => {
    const h = harness(dev(), kind);
    offer(h, 0n);
    expect(h.t.status() & VirtioStatus.FEATURES_OK).toBe(0);
  });
  it("ignores feature writes after FEATURES_OK", () => {
    const h = harness(dev(), kind);
    const q = new DriverSplitQueue(h.mem, 8);
    const f = initializeDevice(h.t, featureBit(VirtioFeature.VERSION_1), [q]);
    h.t.setDriverFeatures(ALL);
    h.t.setStatus(0x0f);
    expect(h.t.status()).toBe(15);
    expect(f).toBe(featureBit(VirtioFeature.VERSION_1));
  });
  it("a queue size that is not a power of two sets DEVICE_NEEDS_RESET", () => {
    const h = harness(dev(), kind);
    const q = new DriverSplitQueue(h.mem, 8);
    offer(h, featureBit(VirtioFeature.VERSION_1));
    h.t.setupQueue(0, q, 6);
    expect(h.t.status() & VirtioStatus.DEVICE_NEEDS_RESET).not.toBe(0);
  });
  it("notifications after a reset are ignored", () => {
    const h = harness(dev(), kind);
    const q = new DriverSplitQueue(h.mem, 8);
    initializeDevice(h.t, ALL, [q]);
    h.t.setStatus(0);
    q.add([{ writable: 8 }]);
    expect(() => h.t.notify(0)).not.toThrow();
    expect(q.takeUsed()).toHaveLength(0);
    expect(h.t.status()).toBe(0);
  });
  it("serves buffers made available before DRIVER_OK once the driver sets it", () => {
    const h = harness(dev(), kind);
    const q = new DriverSplitQueue(h.mem, 8);
    offer(h, featureBit(VirtioFeature.VERSION_1));
    h.t.setupQueue(0, q);
    q.add([{ writable: 8 }]);
    const warnings: string[] = [];
    const restore = captureWarnings((m) => warnings.push(m));
    try {
      h.t.notify(0); // too early (Linux's balloon does it): deferred without a warning, not forgotten
    } finally {
      restore();
    }
    expect(warnings).toEqual([]);
    expect(q.takeUsed()).toHaveLength(0);
    h.t.setStatus(15);
    expect(q.takeUsed()).toHaveLength(1);
  });
  it("warns about a notification before the queue is enabled or before FEATURES_OK", () => {
    const h = harness(dev(), kind);
    const warnings: string[] = [];
    const restore = captureWarnings((m) => warnings.push(m));
    try {
      h.t.notify(0);
    } finally {
      restore();
    }
    expect(warnings.join("\n")).toMatch(/notification of queue 0 while the device is not running/);
  });
  it("clearing status bits without a reset is ignored", () => {
    const h = harness(dev(), kind);
    const q = new DriverSplitQueue(h.mem, 8);
    initializeDevice(h.t, ALL, [q]);
    h.t.setStatus(1);
    expect(h.t.status()).toBe(15);
  });
});

describe("FileBlockBackend", () => {
  it("serves a disk image file and never writes outside its bounds", async () => {
    const { mkdtempSync, writeFileSync, readFileSync, statSync, rmSync } = await import("node:fs");
    const { join } = await import("node:path");
    const { tmpdir } = await import("node:os");
    const { FileBlockBackend } = await import("@armature/core");
    const dir = mkdtempSync(join(tmpdir(), "armature-blk-"));
    const path = join(dir, "disk.img");
    writeFileSync(path, pattern(64 * 1024, 3));
    const be = new FileBlockBackend(path);
    const h = harness(new VirtioBlk(be), "mmio");
    const q = new DriverSplitQueue(h.mem, 16);
    initializeDevice(h.t, ALL, [q]);
    const data = pattern(1024, 11);
    q.add([{ readable: blkHeader(VirtioBlkType.OUT, 4) }, { readable: data }, { writable: 1 }]);
    q.add([{ readable: blkHeader(VirtioBlkType.OUT, 127) }, { readable: data }, { writable: 1 }]); // crosses the end
    q.add([{ readable: blkHeader(VirtioBlkType.FLUSH, 0) }, { writable: 1 }]);
    q.add([{ readable: blkHeader(VirtioBlkType.IN, 4) }, { writable: 1024 }, { writable: 1 }]);
    h.t.notify(0);
    const used = q.takeUsed();
    expect(used.map((u) => statusOf(q, u))).toEqual([0, VirtioBlkStatus.IOERR, 0, 0]);
    expect(q.readWritten(used[3]!).subarray(0, 1024)).toEqual(data);
    be.close();
    expect(statSync(path).size).toBe(64 * 1024);
    const file = readFileSync(path);
    expect(new Uint8Array(file.subarray(2048, 3072))).toEqual(data);
    expect(new Uint8Array(file.subarray(127 * 512))).toEqual(pattern(64 * 1024, 3).subarray(127 * 512));
    expect(() => new FileBlockBackend(join(dir, "missing.img"))).toThrow(/cannot open/);
    rmSync(dir, { recursive: true });
  });
});

describe("VIRTIO_F_ACCESS_PLATFORM: every access goes through the DmaSpace", () => {
  it("works behind a translating DMA space and reports IOMMU faults as IOERR", async () => {
    const { DmaStatus, TranslatingDmaSpace } = await import("@armature/core");
    const { GuestMemory, DriverSplitQueue: DQ } = await import("./test/index.js");
    const { VirtioPciFunction } = await import("./pci.js");
    const { PciTransportDriver } = await import("./test/index.js");
    const mem = new GuestMemory();
    let translations = 0;
    let blocked = -1;
    const iommu = {
      translate(
        streamId: number,
        addr: number,
        _w: boolean,
        out: { status: number; pa: number; limit: number },
      ) {
        translations++;
        expect(streamId).toBe(0x42);
        const page = Math.floor(addr / 4096);
        out.status = page === blocked ? DmaStatus.Fault : DmaStatus.Ok;
        out.pa = addr;
        out.limit = 4096 - (addr % 4096);
      },
    };
    const dma = new TranslatingDmaSpace(mem.dma, iommu, 0x42);
    const disk = new MemoryBlockBackend(1 << 20);
    disk.data.fill(0x77);
    const t = new PciTransportDriver(new VirtioPciFunction(new VirtioBlk(disk), { dma }));
    const q = new DQ(mem, 16);
    const f = initializeDevice(t, ALL, [q]);
    expect(f & featureBit(VirtioFeature.ACCESS_PLATFORM)).not.toBe(0n);
    q.add([{ readable: blkHeader(VirtioBlkType.IN, 0) }, { writable: 512 }, { writable: 1 }]);
    t.notify(0);
    let used = q.takeUsed();
    expect(
      q
        .readWritten(used[0]!)
        .subarray(0, 512)
        .every((b) => b === 0x77),
    ).toBe(true);
    expect(translations).toBeGreaterThan(0);
    // A data buffer alone on its page, and the IOMMU refusing that page.
    const hdrAt = mem.alloc(16);
    mem.write(hdrAt, blkHeader(VirtioBlkType.IN, 0));
    const statusAt = mem.alloc(1);
    const dataAt = mem.alloc(4096, 4096);
    mem.alloc(4096, 4096);
    blocked = Math.floor(dataAt / 4096);
    q.addSegments([
      { addr: hdrAt, len: 16, write: false },
      { addr: dataAt, len: 512, write: true },
      { addr: statusAt, len: 1, write: true },
    ]);
    t.notify(0);
    used = q.takeUsed();
    expect(statusOf(q, used[0]!)).toBe(VirtioBlkStatus.IOERR);
  });
});
