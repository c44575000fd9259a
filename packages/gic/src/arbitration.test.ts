/**
 * Property test: interrupt selection and signalling against a naive reference model written
 * straight from the GICv3 rules (IHI 0069 4.7 prioritization, 4.8 preemption, 12.2 ICC_*):
 * list every interrupt, filter what may be forwarded to a PE, take the lowest priority value
 * (ties: lowest INTID), then compare with PMR and the running priority under the binary point.
 * The implementation is driven only through its registers (GICD, GICR, ICC_*) and memory.
 */
import { Bus, BusDmaSpace, sysRegKey } from "@armature/core";
import { RecordingIrqLine } from "@armature/core/test";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Gicv3 } from "./index.js";

const NUM_RUNS = Number(process.env.FC_NUM_RUNS ?? 10_000);

// ---------------- the naive reference model ----------------

type Kind = "sgi" | "ppi" | "spi" | "lpi";
interface ModelIrq {
  intid: number;
  kind: Kind;
  /** PE that owns it (SGI/PPI), the PE an SPI routes to (2 = nobody), the LPI's redistributor. */
  pe: number;
  group: 0 | 1;
  priority: number;
  enabled: boolean;
  latched: boolean;
  levelTriggered: boolean;
  line: boolean;
  active: boolean;
}
interface ModelPe {
  pmr: number;
  bpr0: number;
  bpr1: number;
  cbpr: boolean;
  eoiMode: boolean;
  igrpen0: boolean;
  igrpen1: boolean;
  apr0: number;
  apr1: number;
}
interface Model {
  enableGrp0: boolean;
  enableGrp1: boolean;
  pes: ModelPe[];
  irqs: ModelIrq[];
}

const PRIORITY_BITS = 5;
const implemented = (p: number) => p & (0xff << (8 - PRIORITY_BITS)) & 0xff;

function isPending(i: ModelIrq): boolean {
  return i.latched || (i.levelTriggered && i.line);
}

function groupMask(pe: ModelPe, group: 0 | 1): number {
  // BPR0 = n: group priority is bits [7:n+1]; BPR1 = n: bits [7:n]; CBPR makes Group 1 use BPR0.
  const bits = group === 0 || pe.cbpr ? pe.bpr0 + 1 : pe.bpr1;
  let mask = 0;
  for (let b = 7; b >= bits; b--) mask |= 1 << b;
  return mask;
}

function runningPriority(pe: ModelPe): number {
  for (let i = 0; i < 32; i++) {
    if (((pe.apr0 | pe.apr1) >>> i) & 1) return i * (256 >> PRIORITY_BITS);
  }
  return 0xff;
}

function candidates(m: Model, p: number): ModelIrq[] {
  const pe = m.pes[p]!;
  return m.irqs.filter((i) => {
    if (i.pe !== p || !i.enabled || !isPending(i)) return false;
    if (i.kind !== "lpi" && i.active) return false;
    if (i.group === 0) return m.enableGrp0 && pe.igrpen0;
    return m.enableGrp1 && pe.igrpen1;
  });
}

function hppi(m: Model, p: number): ModelIrq | undefined {
  let best: ModelIrq | undefined;
  for (const i of candidates(m, p)) {
    const a = implemented(i.priority);
    if (best === undefined) best = i;
    else {
      const b = implemented(best.priority);
      if (a < b || (a === b && i.intid < best.intid)) best = i;
    }
  }
  return best;
}

function signalled(m: Model, p: number): ModelIrq | undefined {
  const pe = m.pes[p]!;
  const h = hppi(m, p);
  if (h === undefined) return undefined;
  const prio = implemented(h.priority);
  if (prio >= pe.pmr) return undefined;
  const rpr = runningPriority(pe);
  if (rpr !== 0xff) {
    const mask = groupMask(pe, h.group);
    if ((prio & mask) >= (rpr & mask)) return undefined;
  }
  return h;
}

function modelAck(m: Model, p: number): number {
  const h = signalled(m, p);
  if (h === undefined || h.group !== 1) return 1023;
  const pe = m.pes[p]!;
  const gprio = implemented(h.priority) & groupMask(pe, 1);
  pe.apr1 |= 1 << (gprio >> (8 - PRIORITY_BITS));
  h.latched = false;
  if (h.kind === "lpi") m.irqs.splice(m.irqs.indexOf(h), 1);
  else h.active = true;
  return h.intid;
}

function modelEoi1(m: Model, p: number, intid: number): void {
  const pe = m.pes[p]!;
  const all = pe.apr0 | pe.apr1;
  for (let i = 0; i < 32; i++) {
    if ((all >>> i) & 1) {
      if ((pe.apr1 >>> i) & 1) pe.apr1 &= ~(1 << i);
      break;
    }
  }
  if (!pe.eoiMode) modelDeactivate(m, p, intid);
}

function modelDeactivate(m: Model, p: number, intid: number): void {
  for (const i of m.irqs) {
    if (i.intid !== intid || i.kind === "lpi") continue;
    if ((i.kind === "sgi" || i.kind === "ppi") && i.pe !== p) continue;
    i.active = false;
  }
}

// ---------------- random scenarios ----------------

const peArb = fc.record({
  pmr: fc.nat(255),
  bpr0: fc.nat(7),
  bpr1: fc.nat(7),
  cbpr: fc.boolean(),
  eoiMode: fc.boolean(),
  igrpen0: fc.boolean(),
  igrpen1: fc.boolean(),
  apr0: fc.oneof(
    fc.constant(0),
    fc.integer({ min: 0, max: 31 }).map((b) => 1 << b),
  ),
  apr1: fc.oneof(
    fc.constant(0),
    fc.integer({ min: 0, max: 31 }).map((b) => (1 << b) >>> 0),
  ),
});

// Priorities drawn from a few values so ties are frequent.
const prioArb = fc.oneof(fc.constantFrom(0x00, 0x40, 0x80, 0xa0, 0xa8, 0xf0, 0xf8), fc.nat(255));

const irqArb = fc
  .record({
    kind: fc.constantFrom<Kind>("sgi", "ppi", "spi", "spi", "lpi"),
    n: fc.nat(63),
    pe: fc.nat(2),
    group: fc.constantFrom<0 | 1>(0, 1, 1),
    priority: prioArb,
    enabled: fc.constantFrom(true, true, true, true, false),
    latched: fc.boolean(),
    levelTriggered: fc.boolean(),
    line: fc.boolean(),
    active: fc.boolean(),
  })
  .map((r): ModelIrq => {
    const intid =
      r.kind === "sgi"
        ? r.n & 15
        : r.kind === "ppi"
          ? 16 + (r.n & 15)
          : r.kind === "spi"
            ? 32 + r.n
            : 8192 + r.n;
    const pe = r.kind === "spi" ? r.pe : r.pe & 1;
    if (r.kind === "lpi") {
      return { ...r, intid, pe, group: 1, levelTriggered: false, line: false, active: false, latched: true };
    }
    const levelTriggered = r.kind === "sgi" ? false : r.levelTriggered;
    return { ...r, intid, pe, levelTriggered, line: levelTriggered && r.line };
  });

const scenarioArb = fc.record({
  enableGrp0: fc.boolean(),
  enableGrp1: fc.constantFrom(true, true, true, true, false),
  pes: fc.tuple(peArb, peArb),
  irqs: fc.uniqueArray(irqArb, {
    maxLength: 10,
    selector: (i) => `${i.intid}/${i.kind === "spi" ? 0 : i.pe}`,
  }),
  eoiWithDir: fc.boolean(),
});

// ---------------- driving the implementation through registers ----------------

const GICR_SGI = 0x10000;
const ICC = {
  PMR: sysRegKey(3, 0, 4, 6, 0),
  BPR0: sysRegKey(3, 0, 12, 8, 3),
  AP0R0: sysRegKey(3, 0, 12, 8, 4),
  AP1R0: sysRegKey(3, 0, 12, 9, 0),
  DIR: sysRegKey(3, 0, 12, 11, 1),
  RPR: sysRegKey(3, 0, 12, 11, 3),
  IAR1: sysRegKey(3, 0, 12, 12, 0),
  EOIR1: sysRegKey(3, 0, 12, 12, 1),
  HPPIR0: sysRegKey(3, 0, 12, 8, 2),
  HPPIR1: sysRegKey(3, 0, 12, 12, 2),
  BPR1: sysRegKey(3, 0, 12, 12, 3),
  CTLR: sysRegKey(3, 0, 12, 12, 4),
  IGRPEN0: sysRegKey(3, 0, 12, 12, 6),
  IGRPEN1: sysRegKey(3, 0, 12, 12, 7),
};
const PROP = 0x10000;
const PEND = [0x20000, 0x30000];

function build(m: Model) {
  const bus = new Bus();
  bus.addRam("ram", 0, 0x40000);
  const irq = [new RecordingIrqLine(), new RecordingIrqLine()];
  const fiq = [new RecordingIrqLine(), new RecordingIrqLine()];
  const gic = new Gicv3({
    mpidrs: [0, 1],
    irqLines: irq,
    fiqLines: fiq,
    spiCount: 64,
    lpiIdBits: 14,
    dma: new BusDmaSpace(bus),
  });
  const d = gic.distributor;
  const r = gic.redistributorRegion(0);
  const icc = gic.cpuInterface;
  for (let p = 0; p < 2; p++) {
    const rd = p * 0x20000;
    r.write(rd + 0x14, 4, 0); // GICR_WAKER: wake up
    r.write(rd + 0x70, 4, PROP | 13); // PROPBASER, 14 ID bits
    r.write(rd + 0x78, 4, PEND[p]!);
    r.write(rd + 0x0, 4, 1); // EnableLPIs
    const pe = m.pes[p]!;
    icc.write(p, ICC.CTLR, BigInt((pe.cbpr ? 1 : 0) | (pe.eoiMode ? 2 : 0)));
    icc.write(p, ICC.PMR, BigInt(pe.pmr));
    icc.write(p, ICC.BPR0, BigInt(pe.bpr0));
    icc.write(p, ICC.BPR1, BigInt(pe.bpr1));
    icc.write(p, ICC.IGRPEN0, pe.igrpen0 ? 1n : 0n);
    icc.write(p, ICC.IGRPEN1, pe.igrpen1 ? 1n : 0n);
    icc.write(p, ICC.AP0R0, BigInt(pe.apr0));
    icc.write(p, ICC.AP1R0, BigInt(pe.apr1));
    // Read back the binary points the way the model must see them (minimums 2 and 3).
    pe.bpr0 = Number(icc.read(p, ICC.BPR0));
    pe.bpr1 = Number(icc.read(p, ICC.BPR1));
    pe.pmr = Number(icc.read(p, ICC.PMR));
  }
  for (const i of m.irqs) {
    const bit = 1 << (i.intid & 31);
    if (i.kind === "lpi") {
      bus.write(PROP + i.intid - 8192, 1, (i.priority & 0xfc) | 2 | (i.enabled ? 1 : 0));
      r.write(i.pe * 0x20000 + 0x40, 4, i.intid); // GICR_SETLPIR
      continue;
    }
    if (i.kind === "spi") {
      const w = (i.intid >>> 5) * 4;
      if (i.group) d.write(0x80 + w, 4, d.read(0x80 + w, 4) | bit);
      d.write(0x400 + i.intid, 1, i.priority);
      const cfg = 0xc00 + (i.intid >>> 4) * 4;
      const sh = 2 * (i.intid & 15);
      d.write(cfg, 4, i.levelTriggered ? d.read(cfg, 4) & ~(2 << sh) : d.read(cfg, 4) | (2 << sh));
      d.write(0x6000 + 8 * i.intid, 4, i.pe); // IROUTER Aff0 (2 = no such PE)
      if (i.enabled) d.write(0x100 + w, 4, bit);
      if (i.active) d.write(0x300 + w, 4, bit);
      if (i.latched) d.write(0x200 + w, 4, bit);
      if (i.line) gic.setIrqLevel(i.intid, true);
      continue;
    }
    const sgi = i.pe * 0x20000 + GICR_SGI;
    if (i.group) r.write(sgi + 0x80, 4, r.read(sgi + 0x80, 4) | bit);
    r.write(sgi + 0x400 + i.intid, 1, i.priority);
    if (i.kind === "ppi") {
      const sh = 2 * (i.intid - 16);
      const v = r.read(sgi + 0xc04, 4);
      r.write(sgi + 0xc04, 4, i.levelTriggered ? v & ~(2 << sh) : v | (2 << sh));
    }
    if (i.enabled) r.write(sgi + 0x100, 4, bit);
    if (i.active) r.write(sgi + 0x300, 4, bit);
    if (i.latched) r.write(sgi + 0x200, 4, bit);
    if (i.line) gic.cpuIrqController(i.pe).setIrqLevel(i.intid, true);
  }
  d.write(0, 4, (m.enableGrp0 ? 1 : 0) | (m.enableGrp1 ? 2 : 0));
  return { gic, icc, irq, fiq };
}

function check(m: Model, sut: ReturnType<typeof build>, step: string): void {
  for (let p = 0; p < 2; p++) {
    const h = hppi(m, p);
    const s = signalled(m, p);
    const got = {
      step,
      pe: p,
      hppir1: Number(sut.icc.read(p, ICC.HPPIR1)),
      hppir0: Number(sut.icc.read(p, ICC.HPPIR0)),
      rpr: Number(sut.icc.read(p, ICC.RPR)),
      irq: sut.irq[p]!.level,
      fiq: sut.fiq[p]!.level,
    };
    const want = {
      step,
      pe: p,
      hppir1: h !== undefined && h.group === 1 ? h.intid : 1023,
      hppir0: h !== undefined && h.group === 0 ? h.intid : 1023,
      rpr: runningPriority(m.pes[p]!),
      irq: s !== undefined && s.group === 1,
      fiq: s !== undefined && s.group === 0,
    };
    expect(got).toEqual(want);
  }
}

describe("interrupt selection against a naive reference model", () => {
  it(`agrees on HPPIR, RPR, IRQ/FIQ, IAR1, EOIR1 and DIR (${NUM_RUNS} cases)`, () => {
    fc.assert(
      fc.property(scenarioArb, (sc) => {
        const m: Model = structuredClone({
          enableGrp0: sc.enableGrp0,
          enableGrp1: sc.enableGrp1,
          pes: sc.pes,
          irqs: sc.irqs,
        });
        const sut = build(m);
        check(m, sut, "initial");
        for (let p = 0; p < 2; p++) {
          const want = modelAck(m, p);
          const got = Number(sut.icc.read(p, ICC.IAR1));
          expect({ p, iar1: got }).toEqual({ p, iar1: want });
          check(m, sut, `after IAR1 on PE${p}`);
          if (want === 1023) continue;
          sut.icc.write(p, ICC.EOIR1, BigInt(want));
          modelEoi1(m, p, want);
          check(m, sut, `after EOIR1 on PE${p}`);
          if (m.pes[p]!.eoiMode && sc.eoiWithDir) {
            sut.icc.write(p, ICC.DIR, BigInt(want));
            modelDeactivate(m, p, want);
            check(m, sut, `after DIR on PE${p}`);
          }
        }
      }),
      { numRuns: NUM_RUNS },
    );
  });
});
