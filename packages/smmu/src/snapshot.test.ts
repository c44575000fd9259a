import { DmaStatus, type DmaTranslation } from "@armature/core";
import { expectTruncatedRefused, restoreStateInto, savedState } from "@armature/core/test";
import { Desc } from "@armature/mmu/test";
import { describe, expect, it } from "vitest";
import { Evt, Reg } from "./regs.js";
import { type Fixture, L, makeFixture } from "./test/fixture.js";

const RW_EL0 = Desc.AF | Desc.AP(1) | Desc.AttrIndx(0);
const out = (): DmaTranslation => ({ status: DmaStatus.Ok, pa: 0, limit: 0 });

/** A guest that enabled the SMMU, mapped stream 8 (stage 1) and took one fault, left unread. */
function programmed(): Fixture {
  const fx = makeFixture();
  fx.g.init({ log2size: 8 });
  const pt = fx.tables(12, 48);
  const root = pt.alloc();
  fx.g.writeCd(L.cds, { t0sz: 16, tg0: 0, asid: 5, ttb0: root, ips: 5 });
  fx.g.writeSte(fx.g.steAddr(8), { config: "s1", ctxPtr: L.cds });
  pt.map(root, 0x1000_0000n, L.data, 3, RW_EL0);
  const o = out();
  fx.smmu.translate(8, 0x1000_0123, true, o);
  expect(o.status).toBe(DmaStatus.Ok);
  fx.smmu.translate(8, 0x2000_0000, false, o);
  expect(o.status).toBe(DmaStatus.Fault);
  return fx;
}

/** Every register word of page 0 and page 1's event queue pointers. */
function registers(fx: Fixture): number[] {
  const r: number[] = [];
  for (let off = 0; off < 0x100; off += 4) r.push(fx.smmu.read(off, 4));
  r.push(fx.smmu.read(Reg.PAGE1 + Reg.EVTQ_PROD, 4), fx.smmu.read(Reg.PAGE1 + Reg.EVTQ_CONS, 4));
  return r;
}

describe("SMMUv3 snapshot", () => {
  it("a restored SMMU reads back every register, translates from the guest's tables and queues the next event after the last", () => {
    const a = programmed();
    const b = makeFixture();
    b.ram.u8.set(a.ram.u8); // the tables and queues are guest memory (the board's RAM section)
    restoreStateInto(a.smmu, b.smmu);
    expect(registers(b)).toEqual(registers(a));
    expect(b.smmu.read(Reg.CR0ACK, 4) & 1).toBe(1); // SMMUEN
    expect(b.smmu.iotlbSize).toBe(0); // caches are not state
    expect(savedState(b.smmu)).toEqual(savedState(a.smmu));

    const o = out();
    b.smmu.translate(8, 0x1000_0456, false, o);
    expect(o).toEqual({ status: DmaStatus.Ok, pa: L.data + 0x456, limit: 0x1000 - 0x456 });
    // A second fault on both: the restored one writes it where the original does.
    for (const fx of [a, b]) fx.smmu.translate(8, 0x3000_0000, true, out());
    expect(b.smmu.read(Reg.PAGE1 + Reg.EVTQ_PROD, 4)).toBe(2);
    expect(b.ram.u8.subarray(L.evtq - L.strtab, L.evtq - L.strtab + 64)).toEqual(
      a.ram.u8.subarray(L.evtq - L.strtab, L.evtq - L.strtab + 64),
    );
    const [first, second] = b.g.events();
    expect(first).toMatchObject({ type: Evt.F_TRANSLATION, sid: 8, inputAddr: 0x2000_0000n });
    expect(second).toMatchObject({ type: Evt.F_TRANSLATION, sid: 8, inputAddr: 0x3000_0000n });
  });

  it("a truncated or over-long section is refused and changes nothing", () => {
    const a = programmed();
    const b = makeFixture();
    const before = registers(b);
    expect(expectTruncatedRefused(b.smmu, savedState(a.smmu))).toBe(26 * 4 + 1);
    expect(registers(b)).toEqual(before);
  });
});
