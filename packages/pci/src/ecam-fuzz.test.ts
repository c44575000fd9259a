import { Bus } from "@armature/core";
import { captureWarnings, RecordingIrqLine, RecordingMsiSink, registerAccesses } from "@armature/core/test";
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { PciHostBridge } from "./bridge.js";
import { FakePciFunction } from "./test/index.js";

const RUNS = Number(process.env.FC_NUM_RUNS ?? 200);
const ECAM = 0x40_1000_0000;

describe("ECAM fuzz: random configuration accesses never throw", () => {
  beforeAll(() => captureWarnings());

  it("keeps BAR mappings consistent with the BAR registers and Command", () => {
    fc.assert(
      fc.property(
        registerAccesses({
          targets: 4,
          near: 0x3f,
          far: 0xfff,
          values: [0, 2, 6, 0xffffffff, 0x1000_0000, 0x1000_1000, 0x80],
          maxLength: 150,
        }),
        (ops) => {
          const bus = new Bus();
          bus.addRam("ram", 0x4000_0000, 1 << 20);
          const bridge = new PciHostBridge({
            bus,
            ecamBase: ECAM,
            busRange: [0, 1],
            mmio32: { cpuBase: 0x1000_0000, size: 0x1000_0000 },
            mmio64: { cpuBase: 0x80_0000_0000, size: 0x1_0000_0000 },
            io: { cpuBase: 0x3eff_0000, size: 0x1_0000, pciBase: 0 },
            msi: new RecordingMsiSink(),
            intx: [0, 1, 2, 3].map(() => new RecordingIrqLine()),
          });
          const fns = [
            new FakePciFunction({ msixVectors: 4, msiVectors: 2 }),
            new FakePciFunction({
              bars: [
                { index: 0, size: 0x100, kind: "io", prefetchable: false },
                { index: 1, size: 0x1000, kind: "mem32", prefetchable: false },
              ],
            }),
          ];
          bridge.attach(fns[0]!, { device: 0 });
          bridge.attach(fns[1]!, { device: 1 });
          for (const o of ops) {
            const addr = ECAM + ((o.target << 15) | o.offset);
            if (o.write) bus.write(addr, o.size, o.value);
            else bus.read(addr, o.size);
          }
          // Every mapped BAR is on the bus at the address the function was told, inside a window.
          for (const f of fns) {
            for (const [index, at] of f.mappedAt) {
              const r = bus.find(at);
              expect(r?.kind).toBe("mmio");
              expect(r!.base).toBe(at);
              expect(r!.size).toBe(f.bars.find((b) => b.index === index)!.size);
            }
          }
          // Nothing mapped overlaps RAM or ECAM.
          const regions = bus.list();
          for (let i = 1; i < regions.length; i++)
            expect(regions[i - 1]!.base + regions[i - 1]!.size).toBeLessThanOrEqual(regions[i]!.base);
        },
      ),
      { numRuns: RUNS },
    );
  });
});
