import { Bus, BusDmaSpace, ConfigError, irqLine, sysRegKey } from "@armature/core";
import { RecordingIrqLine } from "@armature/core/test";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Gicv3, ICC } from "./index.js";

function make(opts: Partial<ConstructorParameters<typeof Gicv3>[0]> = {}) {
  const bus = new Bus();
  bus.addRam("ram", 0, 0x100000);
  const irq = [new RecordingIrqLine(), new RecordingIrqLine(), new RecordingIrqLine()];
  const fiq = [new RecordingIrqLine(), new RecordingIrqLine(), new RecordingIrqLine()];
  const gic = new Gicv3({
    mpidrs: [0, 1, 0x100],
    irqLines: irq,
    fiqLines: fiq,
    dma: new BusDmaSpace(bus),
    ...opts,
  });
  const d = gic.distributor;
  const r = gic.redistributorRegion(0);
  const icc = gic.cpuInterface;
  return { bus, gic, d, r, icc, irq, fiq };
}

/** Write `value` to the 32-bit register at `offset` of a GIC frame and read it back. */
function writeRead(
  frame: ReturnType<typeof make>["d"] | ReturnType<typeof make>["r"],
  offset: number,
  value: number,
): number {
  frame.write(offset, 4, value);
  return frame.read(offset, 4);
}

/** Wake every redistributor, enable Group 1 everywhere with PMR 0xF0 (what Linux does). */
function linuxish(t: ReturnType<typeof make>) {
  t.d.write(0, 4, 0x13);
  for (let p = 0; p < t.gic.cpuCount; p++) {
    const reg = t.gic.redistributor(p);
    reg.write(0x14, 4, 0);
    reg.write(0x10080, 4, 0xffffffff);
    t.icc.write(p, ICC.PMR_EL1, 0xf0n);
    t.icc.write(p, ICC.IGRPEN1_EL1, 1n);
  }
  for (let w = 1; w < 8; w++) t.d.write(0x80 + 4 * w, 4, 0xffffffff);
}

describe("GICD registers", () => {
  it("set/clear pairs (ISENABLER/ICENABLER, ISPENDR/ICPENDR, ISACTIVER/ICACTIVER) in GICD and GICR: 1 bits set or clear, 0 bits change nothing, both forms read the state", () => {
    const { d, r } = make();
    // GICD word 1 (INTIDs 32-63) and GICR_*0 of PE 0 (SGI_base + the same offsets).
    for (const [frame, base] of [
      [d, 0x104],
      [r, 0x10100],
    ] as const) {
      for (const set of [base, base + 0x100, base + 0x200]) {
        frame.write(set, 4, 0x8000_0f01);
        frame.write(set, 4, 0x0000_0030);
        expect(frame.read(set, 4) >>> 0).toBe(0x8000_0f31);
        expect(frame.read(set + 0x80, 4) >>> 0).toBe(0x8000_0f31);
        frame.write(set + 0x80, 4, 0x8000_0101);
        expect(frame.read(set, 4) >>> 0).toBe(0x0000_0e30);
      }
    }
  });

  it("GICD_TYPER: ITLinesNumber, CPUNumber, MBIS, LPIS, IDbits, A3V, No1N", () => {
    const { d } = make({ spiCount: 224, lpiIdBits: 16 });
    const t = d.read(0x4, 4);
    expect(t & 0x1f).toBe(7); // (224 + 32) / 32 - 1
    expect((t >>> 5) & 7).toBe(2); // 3 CPUs
    expect((t >>> 16) & 1).toBe(1);
    expect((t >>> 17) & 1).toBe(1);
    expect((t >>> 19) & 0x1f).toBe(15);
    expect((t >>> 24) & 7).toBe(7); // A3V, No1N, RSS
    const noLpi = make({ lpis: false, spiCount: 64 }).d.read(0x4, 4);
    expect((noLpi >>> 17) & 1).toBe(0);
    expect((noLpi >>> 19) & 0x1f).toBe(9); // INTIDs up to 1023
    expect(noLpi & 0x1f).toBe(2);
  });

  it("GICD_CTLR: ARE and DS read as one and ignore writes; enables stick; RWP is 0", () => {
    const { d } = make();
    expect(d.read(0, 4)).toBe(0x50);
    expect(writeRead(d, 0, 0xffffffff)).toBe(0x53);
    expect(writeRead(d, 0, 0)).toBe(0x50);
  });

  it("ID registers say GICv3 on every frame", () => {
    const { d, r, gic } = make();
    const its = gic.createIts({ base: 0x8080000 });
    for (const dev of [d, r, its]) expect((dev.read(0xffe8, 4) >>> 4) & 0xf).toBe(3);
    expect(d.read(0xfff0, 4)).toBe(0x0d);
  });

  it("IPRIORITYR is byte accessible and keeps 5 priority bits; INTIDs 0-31 are RAZ/WI here", () => {
    const { d } = make();
    d.write(0x400 + 40, 1, 0xff);
    d.write(0x400 + 44, 4, 0x12345678);
    expect(d.read(0x400 + 40, 1)).toBe(0xf8);
    expect(d.read(0x400 + 44, 4)).toBe(0x10305078);
    expect(writeRead(d, 0x400, 0xffffffff)).toBe(0);
    expect(writeRead(d, 0x100, 0xffffffff)).toBe(0);
  });

  it("IROUTER routes by affinity (Aff3 in the high word); IRM is RAZ/WI; unmatched routes go nowhere", () => {
    const t = make({ mpidrs: [0, 2 ** 32 * 5 + 0x10203] });
    linuxish(t);
    const { d, icc, irq } = t;
    d.write(0x100 + 4, 4, 1 << 8); // enable SPI 40
    d.write(0x6000 + 8 * 40, 4, 0x80010203);
    d.write(0x6000 + 8 * 40 + 4, 4, 5);
    expect(d.read(0x6000 + 8 * 40, 4)).toBe(0x010203);
    expect(d.read(0x6000 + 8 * 40 + 4, 4)).toBe(5);
    t.gic.setIrqLevel(40, true);
    expect(irq[1]!.level).toBe(true);
    expect(irq[0]!.level).toBe(false);
    d.write(0x6000 + 8 * 40 + 4, 4, 6); // Aff3 = 6: no such PE
    expect(irq[1]!.level).toBe(false);
    d.write(0x6000 + 8 * 40, 4, 0);
    d.write(0x6000 + 8 * 40 + 4, 4, 0);
    expect(irq[0]!.level).toBe(true);
    expect(Number(icc.read(0, ICC.IAR1_EL1))).toBe(40);
  });

  it("level SPIs stay pending while the line is high; edge SPIs latch one edge", () => {
    const t = make();
    linuxish(t);
    const { d, icc, gic, irq } = t;
    d.write(0x100 + 4, 4, 3); // SPIs 32, 33
    d.write(0xc00 + 8, 4, 2 << 2); // SPI 33 edge (ICFGR2 covers 32..47)
    expect(d.read(0xc00 + 8, 4)).toBe(8);
    gic.setIrqLevel(32, true);
    expect(Number(icc.read(0, ICC.IAR1_EL1))).toBe(32);
    icc.write(0, ICC.EOIR1_EL1, 32n);
    expect(irq[0]!.level).toBe(true); // still high: pending again
    gic.setIrqLevel(32, false);
    expect(irq[0]!.level).toBe(false);
    gic.setIrqLevel(33, true);
    expect(Number(icc.read(0, ICC.IAR1_EL1))).toBe(33);
    icc.write(0, ICC.EOIR1_EL1, 33n);
    expect(irq[0]!.level).toBe(false); // an edge is taken once
    gic.pulseIrq(33);
    expect(d.read(0x200 + 4, 4) & 2).toBe(2); // ISPENDR shows it
    d.write(0x280 + 4, 4, 2); // ICPENDR clears it
    expect(irq[0]!.level).toBe(false);
    d.write(0x40, 4, 33); // GICD_SETSPI_NSR
    expect(irq[0]!.level).toBe(true);
    d.write(0x48, 4, 33);
    expect(irq[0]!.level).toBe(false);
  });

  it("Group 0 interrupts signal FIQ and are acknowledged through IAR0, not IAR1", () => {
    const t = make();
    linuxish(t);
    const { d, icc, gic, fiq, irq } = t;
    d.write(0, 4, 0x11); // Group 0 only
    d.write(0x80 + 4, 4, 0); // SPIs 32-63 Group 0
    d.write(0x100 + 4, 4, 1);
    icc.write(0, ICC.IGRPEN0_EL1, 1n);
    gic.pulseIrq(32);
    expect(fiq[0]!.level).toBe(true);
    expect(irq[0]!.level).toBe(false);
    expect(Number(icc.read(0, ICC.HPPIR0_EL1))).toBe(32);
    expect(Number(icc.read(0, ICC.IAR1_EL1))).toBe(1023);
    expect(Number(icc.read(0, ICC.IAR0_EL1))).toBe(32);
    expect(fiq[0]!.level).toBe(false);
  });
});

describe("GICR registers", () => {
  it("GICR_TYPER: affinity, processor number, Last per region, PLPIS", () => {
    const { gic } = make({ redistributorRegions: [2, 1] });
    const r0 = gic.redistributorRegion(0);
    const r1 = gic.redistributorRegion(1);
    expect(r0.size).toBe(0x40000);
    expect(r0.read(0x8, 4)).toBe(0x0001);
    expect(r0.read(0xc, 4)).toBe(0);
    expect(r0.read(0x20008, 4)).toBe(0x0111); // processor 1, Last, PLPIS
    expect(r0.read(0x2000c, 4)).toBe(1);
    expect(r1.read(0x8, 4)).toBe(0x0211);
    expect(r1.read(0xc, 4)).toBe(0x100);
  });

  it("GICR_WAKER handshake: asleep at reset, ChildrenAsleep follows ProcessorSleep, asleep PEs get nothing", () => {
    const t = make();
    const { r, icc, irq } = t;
    expect(r.read(0x14, 4)).toBe(6);
    t.d.write(0, 4, 0x13);
    r.write(0x10080, 4, 0xffffffff);
    r.write(0x10100, 4, 1 << 27);
    icc.write(0, ICC.PMR_EL1, 0xf0n);
    icc.write(0, ICC.IGRPEN1_EL1, 1n);
    t.gic.ppiLine(0, 27).set(true);
    expect(irq[0]!.level).toBe(false);
    expect(writeRead(r, 0x14, 0)).toBe(0);
    expect(irq[0]!.level).toBe(true);
  });

  it("SGIs are edge (ICFGR0 read-only); PPIs are configurable; priorities per PE", () => {
    const { r } = make();
    expect(r.read(0x10c00, 4)).toBe(0xaaaaaaaa);
    expect(writeRead(r, 0x10c00, 0)).toBe(0xaaaaaaaa);
    expect(writeRead(r, 0x10c04, 0x8)).toBe(0x8);
    r.write(0x10400 + 27, 1, 0x33);
    expect(r.read(0x10400 + 24, 4)).toBe(0x30000000);
    expect(r.read(0x20000 + 0x10400 + 24, 4)).toBe(0);
  });

  it("LPIs: PROPBASER/PENDBASER locked while EnableLPIs; pending table loaded; config cached until INVLPIR", () => {
    const t = make({ lpiIdBits: 14 });
    linuxish(t);
    const { bus, r, icc, irq } = t;
    const prop = 0x10000;
    const pend = 0x20000;
    bus.write(prop + 5, 1, 0xa0 | 3); // LPI 8197 enabled
    bus.write(pend + Math.floor(8197 / 8), 1, 1 << (8197 % 8)); // pending in the table already
    r.write(0x70, 4, prop | (1 << 10) | 13);
    r.write(0x78, 4, pend);
    expect(r.read(0x70, 4)).toBe(prop | (1 << 10) | 13);
    expect(writeRead(r, 0x0, 1)).toBe(1);
    expect(writeRead(r, 0x70, 0x50000)).toBe(prop | (1 << 10) | 13);
    expect(irq[0]!.level).toBe(true);
    expect(Number(icc.read(0, ICC.IAR1_EL1))).toBe(8197);
    icc.write(0, ICC.EOIR1_EL1, 8197n);
    // Disable it in memory: still cached as enabled until INVLPIR.
    bus.write(prop + 6, 1, 0xa0 | 3);
    r.write(0x40, 4, 8198); // GICR_SETLPIR
    expect(irq[0]!.level).toBe(true);
    bus.write(prop + 6, 1, 0xa0 | 2);
    expect(irq[0]!.level).toBe(true);
    r.write(0xa0, 4, 8198); // GICR_INVLPIR
    expect(irq[0]!.level).toBe(false);
    bus.write(prop + 6, 1, 0x10 | 3);
    r.write(0xb0, 4, 0); // GICR_INVALLR
    expect(Number(icc.read(0, ICC.HPPIR1_EL1))).toBe(8198);
    r.write(0x48, 4, 8198); // GICR_CLRLPIR
    expect(irq[0]!.level).toBe(false);
  });
});

describe("CPU interface", () => {
  it("ICC_CTLR_EL1 reports 5 priority bits and A3V; SRE is RAO/WI; BPR minimums", () => {
    const { icc } = make();
    expect(Number(icc.read(0, ICC.CTLR_EL1))).toBe((4 << 8) | (1 << 15) | (1 << 18));
    icc.write(0, ICC.SRE_EL1, 0n);
    expect(icc.read(0, ICC.SRE_EL1)).toBe(7n);
    icc.write(0, ICC.BPR0_EL1, 0n);
    icc.write(0, ICC.BPR1_EL1, 0n);
    expect(icc.read(0, ICC.BPR0_EL1)).toBe(2n);
    expect(icc.read(0, ICC.BPR1_EL1)).toBe(3n);
    icc.write(0, ICC.CTLR_EL1, 1n); // CBPR: BPR1 reads BPR0 + 1
    icc.write(0, ICC.BPR0_EL1, 4n);
    expect(icc.read(0, ICC.BPR1_EL1)).toBe(5n);
    expect(icc.has(ICC.IAR1_EL1)).toBe(true);
    expect(icc.has(sysRegKey(3, 0, 12, 12, 0))).toBe(true);
    expect(icc.has(sysRegKey(3, 3, 14, 0, 1))).toBe(false);
  });

  it("EOImode=1 splits priority drop (EOIR1) from deactivation (DIR)", () => {
    const t = make();
    linuxish(t);
    const { icc, gic, r, irq } = t;
    icc.write(0, ICC.CTLR_EL1, 2n);
    r.write(0x10100, 4, 1 << 27);
    const line = gic.ppiLine(0, 27);
    line.set(true);
    expect(Number(icc.read(0, ICC.IAR1_EL1))).toBe(27);
    expect(Number(icc.read(0, ICC.RPR_EL1))).toBe(0);
    icc.write(0, ICC.EOIR1_EL1, 27n);
    expect(Number(icc.read(0, ICC.RPR_EL1))).toBe(0xff);
    expect(r.read(0x10300, 4)).toBe(1 << 27); // still active
    expect(irq[0]!.level).toBe(false);
    icc.write(0, ICC.DIR_EL1, 27n);
    expect(r.read(0x10300, 4)).toBe(0);
    expect(irq[0]!.level).toBe(true); // level still high
  });

  it("preemption: a higher group priority interrupts a running one, an equal one waits", () => {
    const t = make();
    linuxish(t);
    const { icc, gic, d, irq } = t;
    d.write(0x100 + 4, 4, 7);
    d.write(0x400 + 32, 4, 0x00889090); // 32: 0x90, 33: 0x90, 34: 0x88
    gic.pulseIrq(32);
    expect(Number(icc.read(0, ICC.IAR1_EL1))).toBe(32);
    gic.pulseIrq(33);
    expect(irq[0]!.level).toBe(false);
    gic.pulseIrq(34);
    expect(irq[0]!.level).toBe(true);
    icc.write(0, ICC.BPR1_EL1, 4n); // group priority [7:4]: 0x80 < 0x90 still preempts
    expect(irq[0]!.level).toBe(true);
    icc.write(0, ICC.BPR1_EL1, 5n); // group priority [7:5]: 0x80 vs 0x80, no preemption
    expect(irq[0]!.level).toBe(false);
    icc.write(0, ICC.EOIR1_EL1, 32n);
    expect(Number(icc.read(0, ICC.IAR1_EL1))).toBe(34);
  });

  it("ICC_SGI1R_EL1: target list with Aff1, IRM broadcast, SGI0R only reaches Group 0 SGIs", () => {
    const t = make();
    linuxish(t);
    const { icc, gic } = t;
    for (let p = 0; p < 3; p++) gic.redistributor(p).write(0x10100, 4, 0xffff);
    icc.write(0, ICC.SGI1R_EL1, (1n << 16n) | (5n << 24n) | 1n); // Aff1=1, list {0} -> PE2 (0.0.1.0)
    expect([0, 1, 2].map((p) => gic.highestPending(p))).toEqual([1023, 1023, 5]);
    icc.write(2, ICC.SGI1R_EL1, (1n << 40n) | (6n << 24n)); // IRM: everyone but PE2
    expect([0, 1, 2].map((p) => gic.highestPending(p))).toEqual([6, 6, 5]);
    icc.write(0, ICC.SGI0R_EL1, (4n << 24n) | 2n); // Group 0 SGI 4 to PE1, but SGI 4 is Group 1
    expect(gic.redistributor(1).read(0x10200, 4) & 0x10).toBe(0);
  });
});

describe("host API and guest mistakes", () => {
  it("host mistakes throw ConfigError with a fix", () => {
    expect(() => new Gicv3({ mpidrs: [] })).toThrow(ConfigError);
    expect(() => new Gicv3({ mpidrs: [1, 1] })).toThrow(/same affinity/);
    expect(() => new Gicv3({ mpidrs: [0], spiCount: 33 })).toThrow(/multiple of 32/);
    const gic = new Gicv3({ mpidrs: [0], spiCount: 32 });
    expect(() => irqLine(gic, 27).set(true)).toThrow(/ppiLine/);
    expect(() => irqLine(gic, 64).set(true)).toThrow(/not an SPI/);
    expect(() => gic.createV2m({ base: 0, spiBase: 48, spiCount: 32 })).toThrow(ConfigError);
    expect(() => new Gicv3({ mpidrs: [0], lpis: false }).createIts({ base: 0 })).toThrow(/lpis: false/);
  });

  it("random guest accesses to every frame and ICC register never throw", () => {
    const t = make();
    const its = t.gic.createIts({ base: 0x8080000 });
    const v2m = t.gic.createV2m({ base: 0x8020000, spiBase: 64, spiCount: 32 });
    const frames = [
      { dev: t.d, size: 0x10000 },
      { dev: t.r, size: 0x60000 },
      { dev: its, size: 0x20000 },
      { dev: v2m, size: 0x1000 },
    ];
    const keys = Object.values(ICC);
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            f: fc.nat(frames.length - 1),
            off: fc.oneof(fc.nat(0x1000), fc.nat(0x7ffff)),
            size: fc.constantFrom<1 | 2 | 4>(1, 2, 4),
            value: fc.nat(0xffffffff),
            write: fc.boolean(),
            key: fc.nat(keys.length - 1),
            cpu: fc.nat(3),
            v64: fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }),
          }),
          { maxLength: 40 },
        ),
        (ops) => {
          for (const o of ops) {
            const fr = frames[o.f]!;
            const off = o.off % fr.size;
            if (o.write) fr.dev.write(off, o.size, o.value);
            else fr.dev.read(off, o.size);
            if (o.write) t.icc.write(o.cpu, keys[o.key]!, o.v64);
            else t.icc.read(o.cpu, keys[o.key]!);
          }
        },
      ),
      { numRuns: Number(process.env.FC_NUM_RUNS ?? 300) },
    );
  });
});

describe("info irq (the monitor's view)", () => {
  it("lists what the registers were programmed with: enable, pending, active, priority, group, trigger, target", () => {
    const t = make();
    linuxish(t); // Group 1 everywhere, redistributors awake, PMR 0xF0, GICD_CTLR 0x13
    const sgi = t.gic.redistributor(0);
    sgi.write(0x10100, 4, 1 << 27); // GICR_ISENABLER0: PPI 27 on CPU 0
    sgi.write(0x10400 + 24, 4, 0xa0 << 24); // GICR_IPRIORITYR6, byte 3: INTID 27 at 0xA0
    t.d.write(0x104, 4, (1 << 1) | (1 << 18)); // GICD_ISENABLER1: SPIs 33 and 50
    t.d.write(0x400 + 32, 4, 0x80 << 8); // GICD_IPRIORITYR8, byte 1: INTID 33 at 0x80
    t.d.write(0x6000 + 8 * 33, 4, 0x100); // GICD_IROUTER33: affinity 0.0.1.0, CPU 2
    t.d.write(0x6000 + 8 * 50, 4, 0x5); // GICD_IROUTER50: affinity 0.0.0.5, no such CPU
    t.d.write(0xc08, 4, 1 << 17); // GICD_ICFGR2: INTID 40 edge-triggered
    t.gic.pulseIrq(40); // pending, not enabled
    t.gic.setIrqLevel(33, true); // level high: pending, enabled, routed to CPU 2
    const text = t.gic.irqInfo();
    const lines = text.split("\n");
    expect(lines[0]).toBe("GICv3: GICD_CTLR 0x53 (Group 0 on, Group 1 on), 224 SPIs, 3 CPUs");
    expect(lines[1]).toMatch(
      /^CPU #0 \(affinity 0x0\): awake, PMR 0xf0, IGRPEN0 0, IGRPEN1 1, .* IRQ 0 FIQ 0$/,
    );
    expect(lines[3]).toMatch(/^CPU #2 \(affinity 0x100\): .*highest pending 33, IRQ 1 FIQ 0$/);
    const rows = lines.slice(5).map((l) => l.trim().split(/\s+/));
    expect(rows).toEqual([
      ["27", "PPI", "level", "1", "0", "0", "0xa0", "1", "CPU", "#0"],
      ["33", "SPI", "level", "1", "1", "0", "0x80", "1", "CPU", "#2"],
      ["40", "SPI", "edge", "0", "1", "0", "0x00", "1", "CPU", "#0"],
      ["50", "SPI", "level", "1", "0", "0", "0x00", "1", "affinity", "0x5", "(no", "CPU)"],
    ]);
    // CPU 2 acknowledges INTID 33 (ICC_IAR1_EL1): active, and no longer pending once the line drops.
    expect(t.icc.read(2, ICC.IAR1_EL1)).toBe(33n);
    t.gic.setIrqLevel(33, false);
    expect(t.gic.irqInfo()).toMatch(/\n {3}33 SPI {2}level {2}1 0 1 +0x80 +1 CPU #2\n/);
  });
});
