import { MemoryBlockBackend } from "@armature/core";
import { captureWarnings, registerAccesses } from "@armature/core/test";
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { VirtioBlk } from "./blk.js";
import { VirtioMmio } from "./mmio.js";
import { UserNetPeer, VirtioNet } from "./net.js";
import { VirtioPciFunction } from "./pci.js";
import { GuestMemory, MmioTransportDriver } from "./test/index.js";

const RUNS = Number(process.env.FC_NUM_RUNS ?? 200);

describe("register fuzz: random guest register accesses never throw", () => {
  beforeAll(() => captureWarnings());

  it("virtio-mmio and virtio-pci (config space, BAR 1, BAR 4) with blk and net", () => {
    fc.assert(
      fc.property(
        registerAccesses({
          targets: 4,
          near: 0x140,
          far: 0x4000,
          values: [0, 1, 0xf, 0xff, 0xffff, 0xffffffff, 0x8000],
          maxLength: 200,
        }),
        fc.boolean(),
        (ops, packed) => {
          const mem = new GuestMemory(0x4000_0000, 1 << 20);
          const d = new MmioTransportDriver();
          const mmio = new VirtioMmio(new VirtioBlk(new MemoryBlockBackend(4096)), {
            dma: mem.dma,
            irq: d.line,
            packed,
          });
          const pci = new VirtioPciFunction(new VirtioNet(new UserNetPeer()), { dma: mem.dma, packed });
          pci.attach({
            requesterId: 8,
            msi: { sendMsi: () => true },
            setIntx() {},
            busMasterEnabled: () => true,
          });
          const bar1 = pci.bars.find((b) => b.index === 1)!;
          const bar4 = pci.bars.find((b) => b.index === 4)!;
          for (const a of ops) {
            if (a.target === 0) {
              const off = a.offset & ~(a.size - 1);
              if (a.write) mmio.write(off, a.size, a.value);
              else expect(mmio.read(off, a.size)).toBeGreaterThanOrEqual(0);
            } else if (a.target === 1) {
              const off = 0x40 + ((a.offset % 0xfc0) & ~(a.size - 1));
              if (a.write) pci.configWrite(off, a.size, a.value);
              else expect(pci.configRead(off, a.size)).toBeGreaterThanOrEqual(0);
            } else {
              const bar = a.target === 2 ? bar1 : bar4;
              const off = (a.offset % bar.size) & ~(a.size - 1);
              if (a.write) bar.device.write(off, a.size, a.value);
              else expect(bar.device.read(off, a.size)).toBeGreaterThanOrEqual(0);
            }
          }
          expect(mmio.core.internalErrors).toBe(0);
          expect(pci.core.internalErrors).toBe(0);
        },
      ),
      { numRuns: RUNS },
    );
  });
});
