import type { StateReader, StateWriter } from "@armature/core";
import type { GicState, PeState } from "./state.js";

/*
 * GICv3 state in a snapshot (section version 1): the distributor's SPI bitmaps, priorities and
 * routes; per PE its SGI/PPI bitmaps and priorities, redistributor controls, pending LPIs with
 * their cached configuration, and CPU interface registers, including the computed highest
 * priority pending interrupt and the IRQ/FIQ output levels (the CPU saves its input levels).
 */

const PE_NUMS = 23;

function peNumbers(pe: PeState): number[] {
  return [
    pe.enable,
    pe.pend,
    pe.level,
    pe.active,
    pe.group,
    pe.edge,
    pe.propLo,
    pe.propHi,
    pe.pendLo,
    pe.pendHi,
    pe.pmr,
    pe.bpr0,
    pe.bpr1,
    pe.apr0,
    pe.apr1,
    pe.hppi,
    pe.hppiPrio,
    pe.hppiGroup,
    pe.sleep ? 1 : 0,
    pe.enableLpis ? 1 : 0,
    pe.igrpen0 ? 1 : 0,
    pe.igrpen1 ? 1 : 0,
    (pe.eoiMode ? 1 : 0) | (pe.cbpr ? 2 : 0) | (pe.irqOut ? 4 : 0) | (pe.fiqOut ? 8 : 0),
  ];
}

export function saveGicState(s: GicState, w: StateWriter): void {
  w.u32(s.pes.length);
  w.u32(s.nIrq);
  w.f64(s.ctlr);
  for (const a of [s.spiEnable, s.spiPend, s.spiLevel, s.spiActive, s.spiGroup, s.spiEdge, s.spiRoute])
    w.u32s(a);
  w.raw(s.spiPrio);
  for (const pe of s.pes) {
    w.u32(pe.aff);
    for (const v of peNumbers(pe)) w.f64(v);
    w.raw(pe.prio);
    w.u32(pe.lpis.size);
    for (const [id, cfg] of pe.lpis) {
      w.u32(id);
      w.u8(cfg);
    }
  }
}

export function loadGicState(s: GicState, r: StateReader): () => void {
  r.expect(s.pes.length, "PE count");
  r.expect(s.nIrq, "interrupt count");
  const ctlr = r.f64();
  const words = s.spiEnable.length;
  const spi = ["enable", "pending", "level", "active", "group", "edge"].map((n) => r.u32s(words, `SPI ${n}`));
  const route = r.u32s(s.nIrq, "SPI routes");
  const prio = r.raw(s.nIrq).slice();
  const pes = s.pes.map((pe) => {
    r.expect(pe.aff, `PE${pe.index} affinity`);
    const nums: number[] = [];
    for (let i = 0; i < PE_NUMS; i++) nums.push(r.f64());
    const pprio = r.raw(32).slice();
    const n = r.count(2 ** s.lpiIdBits, "pending LPIs");
    const lpis = new Map<number, number>();
    for (let i = 0; i < n; i++) {
      const id = r.u32();
      if (id < 8192 || id >= 2 ** s.lpiIdBits) r.fail(`LPI ${id} out of range`);
      lpis.set(id, r.u8());
    }
    return { pe, nums, pprio, lpis };
  });
  return () => {
    s.ctlr = ctlr;
    [s.spiEnable, s.spiPend, s.spiLevel, s.spiActive, s.spiGroup, s.spiEdge].forEach((a, k) => {
      a.set(spi[k]!);
    });
    s.spiRoute.set(route);
    s.spiPrio.set(prio);
    for (let i = 32; i < s.nIrq; i++) s.retarget(i);
    for (const { pe, nums, pprio, lpis } of pes) {
      const v = nums;
      [
        pe.enable,
        pe.pend,
        pe.level,
        pe.active,
        pe.group,
        pe.edge,
        pe.propLo,
        pe.propHi,
        pe.pendLo,
        pe.pendHi,
        pe.pmr,
        pe.bpr0,
        pe.bpr1,
        pe.apr0,
        pe.apr1,
        pe.hppi,
        pe.hppiPrio,
        pe.hppiGroup,
      ] = v as [
        number,
        number,
        number,
        number,
        number,
        number,
        number,
        number,
        number,
        number,
        number,
        number,
        number,
        number,
        number,
        number,
        number,
        number,
      ];
      pe.sleep = v[18] === 1;
      pe.enableLpis = v[19] === 1;
      pe.igrpen0 = v[20] === 1;
      pe.igrpen1 = v[21] === 1;
      const f = v[22]!;
      pe.eoiMode = (f & 1) !== 0;
      pe.cbpr = (f & 2) !== 0;
      pe.irqOut = (f & 4) !== 0;
      pe.fiqOut = (f & 8) !== 0;
      pe.prio.set(pprio);
      pe.lpis.clear();
      for (const [id, cfg] of lpis) pe.lpis.set(id, cfg);
    }
  };
}
