import { Bus, BusDmaSpace } from "@armature/core";
import { RecordingIrqLine } from "@armature/core/test";
import { describe, expect, it } from "vitest";
import { Gicv3 } from "./index.js";
import { itsCmd, LinuxLikeGicDriver } from "./test/index.js";

const GICD = 0x0800_0000;
const ITS = 0x0808_0000;
const GICR = 0x080a_0000;
const V2M = 0x0802_0000;
const RAM = 0x4000_0000;

function board(msi: "its" | "v2m") {
  const bus = new Bus();
  bus.addRam("ram", RAM, 16 * 1024 * 1024);
  const mpidrs = [0x8000_0000, 0x8000_0001];
  const irq = [new RecordingIrqLine(), new RecordingIrqLine()];
  const gic = new Gicv3({ mpidrs, irqLines: irq, dma: new BusDmaSpace(bus), lpis: msi === "its" });
  bus.addMmio("gicd", GICD, 0x10000, gic.distributor);
  bus.addMmio("gicr", GICR, gic.redistributorRegion(0).size, gic.redistributorRegion(0));
  const its = msi === "its" ? gic.createIts({ base: ITS }) : undefined;
  if (its) bus.addMmio("its", ITS, 0x20000, its);
  const v2m = msi === "v2m" ? gic.createV2m({ base: V2M, spiBase: 80, spiCount: 64 }) : undefined;
  if (v2m) bus.addMmio("v2m", V2M, 0x1000, v2m);
  const drv = new LinuxLikeGicDriver({
    bus,
    icc: gic.cpuInterface,
    gicdBase: GICD,
    gicrBases: [GICR],
    mpidrs,
    ram: { base: RAM, size: 16 * 1024 * 1024 },
  });
  // As Linux's gic_of_init / gic_init_bases, then each CPU's gic_cpu_init.
  drv.probeDistributor();
  drv.initCpu(0);
  drv.initCpu(1);
  return { bus, gic, its, v2m, drv, irq, mpidrs };
}

describe("Linux-like probe and one MSI through the ITS", () => {
  it("probes, maps an LPI, takes the MSI, acknowledges and EOIs it", () => {
    const { gic, its, drv, irq } = board("its");
    drv.probeIts(ITS);
    drv.initLpis(0);
    drv.initLpis(1);
    // its_cpu_init_collections: MAPC + INVALL per CPU, then SYNC.
    for (const cpu of [0, 1]) {
      drv.sendCommand(itsCmd.mapc(cpu, drv.targetOf(cpu)));
      drv.sendCommand(itsCmd.invall(cpu));
    }
    expect(drv.lines).toEqual([
      "GICv3: 224 SPIs implemented",
      "GICv3: 0 Extended SPIs implemented",
      "GICv3: CPU0: found redistributor 0 region 0:0x00000000080a0000",
      "GICv3: GICv3 features: 16 PPIs",
      "GICv3: CPU1: found redistributor 1 region 0:0x00000000080c0000",
      "ITS [mem 0x08080000-0x0809ffff]",
      expect.stringMatching(
        /^ITS@0x0000000008080000: allocated 65536 Devices @[0-9a-f]+ \(indirect, esz 8, psz 64K, shr 1\)$/,
      ),
      expect.stringMatching(
        /^ITS@0x0000000008080000: allocated 8192 Interrupt Collections @[0-9a-f]+ \(flat/,
      ),
      expect.stringMatching(/^GICv3: using LPI property table @0x/),
      expect.stringMatching(/^GICv3: CPU0: using allocated LPI pending table @0x/),
      expect.stringMatching(/^GICv3: CPU1: using allocated LPI pending table @0x/),
    ]);
    // A virtio-pci device 0x0008 with 3 vectors: MAPD, MAPTI to LPI 8192.. on CPU1, unmask + INV + SYNC.
    const dev = 0x0008;
    drv.mapDevice(dev, 2);
    for (let ev = 0; ev < 3; ev++) {
      drv.sendCommand(itsCmd.mapti(dev, ev, 8192 + ev, 1));
      drv.sendCommand(itsCmd.sync(drv.targetOf(1)));
      drv.setLpiEnabled(8192 + ev, true);
      drv.sendCommand(itsCmd.devEvent(0x0c, dev, ev));
      drv.sendCommand(itsCmd.sync(drv.targetOf(1)));
    }
    expect(its!.commandErrors).toEqual([]);
    expect(irq[1]!.level).toBe(false);
    // The device writes its MSI: address = GITS_TRANSLATER, data = EventID 1.
    expect(its!.sendMsi(ITS + 0x10040, 1, dev)).toBe(true);
    expect(irq[1]!.level).toBe(true);
    expect(irq[0]!.level).toBe(false);
    expect(gic.highestPending(1)).toBe(8193);
    expect(drv.acknowledge(1)).toBe(8193);
    expect(irq[1]!.level).toBe(false);
    drv.eoi(1, 8193);
    expect(drv.acknowledge(1)).toBe(1023);
    // An unmapped event is dropped.
    expect(its!.sendMsi(ITS + 0x10040, 7, dev)).toBe(false);
  });

  it("exchanges IPIs between two CPUs (SGI1R) and takes a timer PPI", () => {
    const { gic, drv, irq } = board("its");
    drv.sendIpi(0, 1, 3);
    expect(irq[1]!.level).toBe(true);
    expect(drv.ackAndEoi(1)).toBe(3);
    expect(irq[1]!.level).toBe(false);
    drv.sendIpi(1, 0, 5);
    expect(drv.ackAndEoi(0)).toBe(5);
    drv.enablePpi(0, 27);
    const timer = gic.ppiLine(0, 27);
    timer.set(true);
    expect(irq[0]!.level).toBe(true);
    expect(irq[1]!.level).toBe(false);
    const id = drv.acknowledge(0);
    expect(id).toBe(27);
    timer.set(false);
    drv.eoi(0, 27);
    expect(irq[0]!.level).toBe(false);
  });
});

describe("Linux-like probe and one MSI through a GICv2m frame", () => {
  it("routes an MSI_SETSPI_NS write to an edge SPI, acked through ICC_IAR1", () => {
    const { bus, gic, drv, irq } = board("v2m");
    expect((gic.distributor.read(0x4, 4) >>> 17) & 1).toBe(0); // no LPIs: Linux then probes v2m
    const r = drv.probeV2m(V2M);
    expect(drv.lines.at(-1)).toBe("GICv2m: range[mem 0x08020000-0x08020fff], SPI[80:143]");
    const spi = r.spiBase + 5;
    drv.enableSpi(spi, 0, true);
    bus.write(V2M + 0x40, 4, spi); // the device's MSI write arrives over the bus
    expect(irq[0]!.level).toBe(true);
    expect(drv.acknowledge(0)).toBe(spi);
    expect(irq[0]!.level).toBe(false);
    drv.eoi(0, spi);
    expect(drv.acknowledge(0)).toBe(1023);
    // Through MsiSink too, and out-of-range data is refused.
    expect(gic.v2mFrames[0]!.sendMsi(V2M + 0x40, spi, 0x10)).toBe(true);
    expect(drv.ackAndEoi(0)).toBe(spi);
    expect(gic.v2mFrames[0]!.sendMsi(V2M + 0x40, 40, 0x10)).toBe(false);
  });
});
