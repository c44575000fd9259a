/**
 * Sequential read throughput through the whole AHCI path (command header and table fetch, FIS
 * decode, backend read, PRDT scatter through the DMA space, FIS post, interrupt decision), for
 * the SATA disk (READ DMA EXT and READ FPDMA QUEUED) and the ATAPI drive (READ(10)), with
 * in-memory media. Prints MB/s; never fails on timing. Compare: packages/virtio bench (blk).
 */
import { AhciHba, AtapiDvd, SataDisk } from "../src/index.js";
import { AhciTestDriver, TestBlockBackend, testMemory } from "../src/test/index.js";

const DISK = 64 << 20;

function run(what: "dma" | "ncq" | "atapi", reqSize: number, seconds = 1): number {
  const { bus, dma } = testMemory();
  const disk = new TestBlockBackend(DISK);
  const dvd = new AtapiDvd({ medium: new TestBlockBackend(DISK, { readOnly: true }) });
  const hba = new AhciHba({ dma, devices: [new SataDisk(disk), dvd] });
  const drv = new AhciTestDriver(bus, hba);
  drv.probe();
  let bytes = 0;
  let lba = 0;
  const t0 = performance.now();
  let now = t0;
  while (now - t0 < seconds * 1000) {
    for (let i = 0; i < 16; i++) {
      if (what === "atapi") {
        const blocks = reqSize / 2048;
        if ((lba + blocks) * 2048 > DISK) lba = 0;
        const b = [
          0x28,
          0,
          (lba >>> 24) & 0xff,
          (lba >>> 16) & 0xff,
          (lba >>> 8) & 0xff,
          lba & 0xff,
          0,
          blocks >> 8,
          blocks & 0xff,
          0,
        ];
        drv.packet(1, b, reqSize, true);
        lba += blocks;
      } else {
        const count = reqSize / 512;
        if ((lba + count) * 512 > DISK) lba = 0;
        if (what === "dma")
          drv.issue(0, {
            tf: { command: 0x25, lba, count, device: 0x40 },
            bytes: reqSize,
            prdSize: 4096,
            skipData: true,
          });
        else
          drv.issue(0, {
            tf: { command: 0x60, lba, features: count, count: 0, device: 0x40 },
            bytes: reqSize,
            prdSize: 4096,
            ncq: true,
            skipData: true,
          });
        lba += count;
      }
      bytes += reqSize;
    }
    now = performance.now();
  }
  return bytes / ((now - t0) / 1000) / 1e6;
}

for (const size of [4096, 65536, 1 << 20]) {
  for (const what of ["dma", "ncq", "atapi"] as const) {
    const mbs = run(what, size);
    console.log(
      `ahci ${what.padEnd(5)} sequential read ${String(size / 1024).padStart(5)} KiB requests: ${mbs.toFixed(0)} MB/s`,
    );
  }
}
