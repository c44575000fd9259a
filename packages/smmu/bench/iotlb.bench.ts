/**
 * Translations per second through the SMMU: IOTLB hits, and misses (a full STE -> CD -> 4-level
 * stage 1 walk after the IOTLB entry is gone). Prints figures; never fails on timing.
 */
import { DmaStatus, type DmaTranslation } from "@armature/core";
import { Desc } from "@armature/mmu/test";
import { L, makeFixture } from "../src/test/fixture.js";

const fx = makeFixture({ iotlbEntries: 4096 });
fx.g.init({ log2size: 8 });
const pt = fx.tables(12, 48);
const root = pt.alloc();
fx.g.writeCd(L.cds, { t0sz: 16, tg0: 0, asid: 1, ttb0: root });
fx.g.writeSte(fx.g.steAddr(1), { config: "s1", ctxPtr: L.cds });
const PAGES = 1024;
for (let i = 0; i < PAGES; i++)
  pt.map(root, BigInt(0x4000_0000 + i * 0x1000), L.data + i * 0x1000, 3, Desc.AF | Desc.AP(1));
const out: DmaTranslation = { status: DmaStatus.Ok, pa: 0, limit: 0 };

function rate(label: string, n: number, body: (i: number) => void): void {
  for (let i = 0; i < Math.min(n, 10_000); i++) body(i); // warm-up
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) body(i);
  const s = Number(process.hrtime.bigint() - t0) / 1e9;
  console.log(`${label}: ${(n / s / 1e6).toFixed(2)} M translations/s`);
}

rate("IOTLB hit ", 5_000_000, (i) => {
  fx.smmu.translate(1, 0x4000_0000 + (i % PAGES) * 0x1000 + (i & 0xff8), false, out);
});
const small = makeFixture({ iotlbEntries: 1 }); // every access misses: capacity 1, alternating pages
small.g.init({ log2size: 8 });
const pt2 = small.tables(12, 48);
const root2 = pt2.alloc();
small.g.writeCd(L.cds, { t0sz: 16, tg0: 0, asid: 1, ttb0: root2 });
small.g.writeSte(small.g.steAddr(1), { config: "s1", ctxPtr: L.cds });
for (let i = 0; i < 2; i++) pt2.map(root2, BigInt(0x4000_0000 + i * 0x1000), L.data, 3, Desc.AF | Desc.AP(1));
rate("IOTLB miss", 500_000, (i) => {
  small.smmu.translate(1, 0x4000_0000 + (i & 1) * 0x1000, false, out);
});
if (out.status !== DmaStatus.Ok) throw new Error("bench translation failed");
console.log(`stats: ${JSON.stringify(small.smmu.stats)}`);
