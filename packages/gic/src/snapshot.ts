import type { StateReader, StateWriter } from "@armature/core";
import type { GicState } from "./state.js";

/*
 * GICv3 state in a snapshot (section version 1): the distributor's SPI bitmaps, priorities and
 * routes; per PE its SGI/PPI bitmaps and priorities, redistributor controls, pending LPIs with
 * their cached configuration, and CPU interface registers, including the computed highest
 * priority pending interrupt and the IRQ/FIQ output levels (the CPU saves its input levels).
 */

// The saved fields in their saved order (the order is the format: change it only with the section
// version). saveGicState and loadGicState both walk these lists.
const SPI_BITMAPS = [
  ["spiEnable", "enable"],
  ["spiPend", "pending"],
  ["spiLevel", "level"],
  ["spiActive", "active"],
  ["spiGroup", "group"],
  ["spiEdge", "edge"],
] as const;
/** Saved as f64 each. */
const PE_NUMBERS = [
  "enable",
  "pend",
  "level",
  "active",
  "group",
  "edge",
  "propLo",
  "propHi",
  "pendLo",
  "pendHi",
  "pmr",
  "bpr0",
  "bpr1",
  "apr0",
  "apr1",
  "hppi",
  "hppiPrio",
  "hppiGroup",
] as const;
/** Saved as f64 each, 1 or 0. */
const PE_BOOLS = ["sleep", "enableLpis", "igrpen0", "igrpen1"] as const;
/** Saved together as one f64, bit i for PE_FLAG_BITS[i]. */
const PE_FLAG_BITS = ["eoiMode", "cbpr", "irqOut", "fiqOut"] as const;

export function saveGicState(s: GicState, w: StateWriter): void {
  w.u32(s.pes.length);
  w.u32(s.nIrq);
  w.f64(s.ctlr);
  for (const [k] of SPI_BITMAPS) w.u32s(s[k]);
  w.u32s(s.spiRoute);
  w.raw(s.spiPrio);
  for (const pe of s.pes) {
    w.u32(pe.aff);
    for (const k of PE_NUMBERS) w.f64(pe[k]);
    for (const k of PE_BOOLS) w.f64(pe[k] ? 1 : 0);
    w.f64(PE_FLAG_BITS.reduce((f, k, i) => (pe[k] ? f | (1 << i) : f), 0));
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
  const spi = SPI_BITMAPS.map(([, n]) => r.u32s(words, `SPI ${n}`));
  const route = r.u32s(s.nIrq, "SPI routes");
  const prio = r.raw(s.nIrq).slice();
  const pes = s.pes.map((pe) => {
    r.expect(pe.aff, `PE${pe.index} affinity`);
    const nums = PE_NUMBERS.map(() => r.f64());
    const bools = PE_BOOLS.map(() => r.f64() === 1);
    const flags = r.f64();
    const pprio = r.raw(32).slice();
    const n = r.count(2 ** s.lpiIdBits, "pending LPIs");
    const lpis = new Map<number, number>();
    for (let i = 0; i < n; i++) {
      const id = r.u32();
      if (id < 8192 || id >= 2 ** s.lpiIdBits) r.fail(`LPI ${id} out of range`);
      lpis.set(id, r.u8());
    }
    return { pe, nums, bools, flags, pprio, lpis };
  });
  return () => {
    s.ctlr = ctlr;
    SPI_BITMAPS.forEach(([k], i) => {
      s[k].set(spi[i]!);
    });
    s.spiRoute.set(route);
    s.spiPrio.set(prio);
    for (let i = 32; i < s.nIrq; i++) s.retarget(i);
    for (const { pe, nums, bools, flags, pprio, lpis } of pes) {
      PE_NUMBERS.forEach((k, i) => {
        pe[k] = nums[i]!;
      });
      PE_BOOLS.forEach((k, i) => {
        pe[k] = bools[i]!;
      });
      PE_FLAG_BITS.forEach((k, i) => {
        pe[k] = (flags & (1 << i)) !== 0;
      });
      pe.prio.set(pprio);
      pe.lpis.clear();
      for (const [id, cfg] of lpis) pe.lpis.set(id, cfg);
    }
  };
}
