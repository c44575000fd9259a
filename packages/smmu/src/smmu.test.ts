import { BusDmaSpace, DmaStatus, type DmaTranslation, TranslatingDmaSpace } from "@armature/core";
import { Desc } from "@armature/mmu/test";
import { describe, expect, it } from "vitest";
import { CError, Evt, EvtClass, Gerror, Reg } from "./regs.js";
import { L, makeFixture } from "./test/fixture.js";
import { Cmd, type EventRecord } from "./test/guest.js";

const out = (): DmaTranslation => ({ status: DmaStatus.Ok, pa: 0, limit: 0 });

/** Translate an access that must fault; returns the event records the SMMU queued for it. */
function faults(fx: ReturnType<typeof makeFixture>, sid: number, va: number, write: boolean): EventRecord[] {
  const o = out();
  fx.smmu.translate(sid, va, write, o);
  expect(o.status).toBe(DmaStatus.Fault);
  return fx.g.events();
}
const RW_EL0 = Desc.AF | Desc.AP(1) | Desc.AttrIndx(0);

/** A stage 1 stream: STE at `sid` -> one CD -> 4K tables, 48-bit VA. */
function s1Stream(fx: ReturnType<typeof makeFixture>, sid: number, asid = 1, cdAt = L.cds, ips = 5) {
  const pt = fx.tables(12, 48);
  const root = pt.alloc();
  fx.g.writeCd(cdAt, { t0sz: 16, tg0: 0, asid, ttb0: root, ips });
  fx.g.writeSte(fx.g.steAddr(sid), { config: "s1", ctxPtr: cdAt });
  return { pt, root };
}

/** A fixture with a 256-entry linear stream table and a stage 1 stream at `sid` (as s1Stream). */
function s1Fixture(sid: number, asid?: number, cdAt?: number, ips?: number) {
  const fx = makeFixture();
  fx.g.init({ log2size: 8 });
  return { fx, ...s1Stream(fx, sid, asid, cdAt, ips) };
}

describe("SMMUv3 registers", () => {
  it("advertises what Linux's arm-smmu-v3 probe needs (IDR0/1/5 fields from IHI 0070 6.3)", () => {
    const { smmu } = makeFixture();
    const idr0 = smmu.read(Reg.IDR0, 4);
    expect((idr0 >>> 27) & 3).toBe(1); // ST_LEVEL: 2-level stream table
    expect((idr0 >>> 19) & 1).toBe(1); // CD2L
    expect((idr0 >>> 21) & 3).toBe(2); // TTENDIAN little-endian
    expect(idr0 & 3).toBe(3); // S1P, S2P
    expect((idr0 >>> 2) & 3).toBe(2); // TTF AArch64
    expect((idr0 >>> 16) & 1).toBe(0); // no PRI
    expect((idr0 >>> 10) & 1).toBe(0); // no ATS
    expect((idr0 >>> 6) & 3).toBe(0); // no HTTU
    expect((idr0 >>> 24) & 3).toBe(1); // stall not supported
    expect((idr0 >>> 12) & 1).toBe(1); // ASID16
    expect((idr0 >>> 18) & 1).toBe(1); // VMID16
    const idr1 = smmu.read(Reg.IDR1, 4);
    expect(idr1 & 0x3f).toBe(16); // SIDSIZE
    expect((idr1 >>> 21) & 0x1f).toBeGreaterThan(6); // CMDQS > 64 entries
    expect((idr1 >>> 11) & 0x1f).toBe(0); // PRIQS
    expect(idr1 & (7 << 28)).toBe(0); // no TABLES_PRESET / QUEUES_PRESET / REL
    const idr5 = smmu.read(Reg.IDR5, 4);
    expect(idr5 & 0x70).toBe(0x70); // 4K, 16K, 64K
    expect(idr5 & 7).toBe(5); // OAS 48 bits
  });

  it("64-bit registers take 32- and 64-bit accesses; EVTQ pointers live in page 1 (aliased in page 0)", () => {
    const { smmu } = makeFixture();
    // RA (bit 62) and ADDR[51:6] are kept; bits 5:0 and 61:52 are RES0.
    smmu.write64!(Reg.STRTAB_BASE, 0x00f0_00ab_0123_457fn | (1n << 62n));
    expect(smmu.read64!(Reg.STRTAB_BASE)).toBe(0x0000_00ab_0123_4540n | (1n << 62n));
    smmu.write(Reg.CMDQ_BASE, 4, 0x4010_0008);
    smmu.write(Reg.CMDQ_BASE + 4, 4, 0x1);
    expect(smmu.read64!(Reg.CMDQ_BASE)).toBe(0x1_4010_0008n);
    smmu.write(Reg.EVTQ_BASE, 4, 0x4011_0006);
    smmu.write(Reg.PAGE1 + Reg.EVTQ_CONS, 4, 3);
    expect(smmu.read(Reg.EVTQ_CONS, 4)).toBe(3);
    expect(smmu.read(Reg.PAGE1 + Reg.EVTQ_CONS, 4)).toBe(3);
    // PRIQ absent: RES0 and writes ignored.
    smmu.write(Reg.PRIQ_BASE, 4, 0x1234);
    expect(smmu.read(Reg.PRIQ_BASE, 4)).toBe(0);
  });

  it("CR0ACK follows CR0, IRQ_CTRLACK follows IRQ_CTRL, GBPA updates complete at once", () => {
    const { smmu } = makeFixture();
    smmu.write(Reg.CR0, 4, 0xd);
    expect(smmu.read(Reg.CR0ACK, 4)).toBe(0xd);
    smmu.write(Reg.CR0, 4, 0x1f); // PRIQEN and ATSCHK are not implemented
    expect(smmu.read(Reg.CR0ACK, 4)).toBe(0xd);
    smmu.write(Reg.IRQ_CTRL, 4, 7);
    expect(smmu.read(Reg.IRQ_CTRLACK, 4)).toBe(5);
    smmu.write(Reg.GBPA, 4, 0x8010_0000);
    expect(smmu.read(Reg.GBPA, 4)).toBe(0x0010_0000);
  });

  it("each register keeps the bits IHI 0070 6.3 defines; the table and queue bases ignore writes while enabled", () => {
    const { smmu } = makeFixture();
    // [register, what all-ones written to it reads back as]
    const kept: Array<[number, number]> = [
      [Reg.CR1, 0xfff], // QUEUE_* / TABLE_* cacheability and shareability
      [Reg.CR2, 0x7], // PTM, RECINVSID, E2H
      [Reg.GERROR_IRQ_CFG0, 0xffff_fffc], // ADDR[51:2]
      [Reg.GERROR_IRQ_CFG0 + 4, 0xfffff],
      [Reg.GERROR_IRQ_CFG1, 0xffff_ffff], // DATA
      [Reg.GERROR_IRQ_CFG2, 0x3f], // SH, MemAttr
      [Reg.STRTAB_BASE, 0xffff_ffc0], // ADDR[51:6]
      [Reg.STRTAB_BASE + 4, 0x400f_ffff], // RA (bit 62), ADDR[51:32]
      [Reg.STRTAB_BASE_CFG, 0x3_07ff], // FMT, SPLIT, LOG2SIZE
      [Reg.CMDQ_BASE, 0xffff_ffff], // ADDR[31:5], LOG2SIZE
      [Reg.CMDQ_BASE + 4, 0x400f_ffff],
      [Reg.EVTQ_BASE, 0xffff_ffff],
      [Reg.EVTQ_BASE + 4, 0x400f_ffff],
      [Reg.EVTQ_IRQ_CFG0, 0xffff_fffc],
      [Reg.EVTQ_IRQ_CFG0 + 4, 0xfffff],
      [Reg.EVTQ_IRQ_CFG1, 0xffff_ffff],
      [Reg.EVTQ_IRQ_CFG2, 0x3f],
    ];
    for (const [reg, want] of kept) {
      smmu.write(reg, 4, 0xffff_ffff);
      expect([reg, smmu.read(reg, 4)]).toEqual([reg, want]);
    }
    // SMMUEN freezes the stream table base, CMDQEN the command queue's, EVTQEN the event queue's.
    const frozen: Array<[number, number]> = [
      [Reg.STRTAB_BASE, 1],
      [Reg.STRTAB_BASE + 4, 1],
      [Reg.STRTAB_BASE_CFG, 1],
      [Reg.CMDQ_BASE, 8],
      [Reg.CMDQ_BASE + 4, 8],
      [Reg.EVTQ_BASE, 4],
      [Reg.EVTQ_BASE + 4, 4],
    ];
    for (const [reg, enable] of frozen) {
      smmu.write(reg, 4, 0);
      smmu.write(Reg.CR0, 4, enable);
      smmu.write(reg, 4, 0x40);
      expect([reg, smmu.read(reg, 4)]).toEqual([reg, 0]);
      smmu.write(Reg.CR0, 4, 0);
      smmu.write(reg, 4, 0x40);
      expect([reg, smmu.read(reg, 4)]).toEqual([reg, 0x40]);
    }
    // Read-only registers ignore writes.
    smmu.write(Reg.IDR0, 4, 0);
    expect(smmu.read(Reg.IDR0, 4)).not.toBe(0);
    smmu.write(Reg.GERROR, 4, 0x1fd);
    expect(smmu.read(Reg.GERROR, 4)).toBe(0);
  });

  it("GBPA decides while SMMUEN = 0: bypass by default, abort when set", () => {
    const fx = makeFixture();
    const o = out();
    fx.smmu.translate(3, 0x1234_5678, false, o);
    expect(o.status).toBe(DmaStatus.Ok);
    expect(o.pa).toBe(0x1234_5678);
    fx.smmu.write(Reg.GBPA, 4, 0x8010_0000);
    fx.smmu.translate(3, 0x1234_5678, false, o);
    expect(o.status).toBe(DmaStatus.Fault);
  });
});

describe("SMMUv3 translation", () => {
  it("stage 1 through a linear stream table: translates, caches in the IOTLB, faults with an exact F_TRANSLATION record", () => {
    const { fx, pt, root } = s1Fixture(8, 5);
    pt.map(root, 0x1000_0000n, L.data, 3, RW_EL0);
    const o = out();
    fx.smmu.translate(8, 0x1000_0123, true, o);
    expect(o).toEqual({ status: DmaStatus.Ok, pa: L.data + 0x123, limit: 0x1000 - 0x123 });
    fx.smmu.translate(8, 0x1000_0456, false, o);
    expect(o.pa).toBe(L.data + 0x456);
    expect(fx.smmu.stats.iotlbHits).toBe(1);
    const [e, ...rest] = faults(fx, 8, 0x2000_0000, false);
    expect(rest).toEqual([]);
    expect(e).toMatchObject({
      type: Evt.F_TRANSLATION,
      sid: 8,
      ssv: false,
      rnw: true,
      s2: false,
      pnu: false,
      ind: false,
      inputAddr: 0x2000_0000n,
    });
    expect(fx.pulses.eventq).toBe(1);
  });

  it("DMA through TranslatingDmaSpace: a fault fails the access and leaves memory untouched", () => {
    const { fx, pt, root } = s1Fixture(1);
    pt.map(root, 0x10_0000n, L.data, 3, RW_EL0);
    pt.map(root, 0x10_1000n, L.data + 0x5000, 3, RW_EL0);
    const space = new TranslatingDmaSpace(new BusDmaSpace(fx.bus), fx.smmu, 1);
    const buf = new Uint8Array(0x1800).map((_, i) => i & 0xff);
    expect(space.write(0x10_0400, buf)).toBe(DmaStatus.Ok);
    expect(fx.bus.read(L.data + 0x400, 1)).toBe(0);
    expect(fx.bus.read(L.data + 0x5000, 1)).toBe(0xc00 & 0xff);
    expect(space.write(0x10_1800, buf)).toBe(DmaStatus.Fault); // runs into an unmapped page
    expect(fx.bus.read(L.data + 0x5800, 1)).toBe(0);
    expect(fx.g.events().map((e) => e.type)).toEqual([Evt.F_TRANSLATION]);
  });

  it("permission, access flag and address size faults; read-only pages refuse writes", () => {
    const { fx, pt, root } = s1Fixture(2, 1, L.cds, 2); // IPS = 40 bits
    pt.map(root, 0x1000n, L.data, 3, Desc.AF | Desc.AP(3)); // EL0 read-only
    pt.map(root, 0x2000n, L.data, 3, Desc.AP(1)); // AF = 0
    pt.map(root, 0x3000n, L.data, 3, Desc.AF | Desc.AP(0)); // EL1 only: DMA is unprivileged
    pt.map(root, 0x4000n, 2 ** 40, 3, RW_EL0); // beyond the 40-bit output size
    const o = out();
    fx.smmu.translate(2, 0x1000, false, o);
    expect(o.status).toBe(DmaStatus.Ok);
    fx.smmu.translate(2, 0x1000, true, o); // IOTLB hit without write permission: walks, faults
    expect(o.status).toBe(DmaStatus.Fault);
    fx.smmu.translate(2, 0x2000, false, o);
    fx.smmu.translate(2, 0x3000, false, o);
    fx.smmu.translate(2, 0x4000, false, o);
    const ev = fx.g.events();
    expect(ev.map((e) => e.type)).toEqual([
      Evt.F_PERMISSION,
      Evt.F_ACCESS,
      Evt.F_PERMISSION,
      Evt.F_ADDR_SIZE,
    ]);
    expect(ev[0]!.rnw).toBe(false);
  });

  it("stage 2 only, nested (S1 + S2) with a stage 2 fault on the stage 1 walk (CLASS = TT) and on the input (CLASS = IN)", () => {
    const fx = makeFixture();
    fx.g.init({ log2size: 8 });
    // Stage 2: 40-bit IPA, 4K, SL0 = 1 (start at level 1), identity-map 1 GiB blocks of RAM.
    const s2 = fx.tables(12, 40, undefined, 1);
    const s2root = s2.alloc();
    const S2RW = Desc.AF | Desc.S2AP(3) | Desc.MemAttr(0xf);
    s2.map(s2root, BigInt(0x4000_0000), 0x4000_0000, 1, S2RW);
    s2.map(s2root, BigInt(0x8000_0000), L.data, 3, S2RW); // IPA 0x8000_0000 -> data page
    const ste = { s2t0sz: 24, s2sl0: 1, s2tg: 0, s2ps: 5, s2ttb: s2root, vmid: 7 };
    fx.g.writeSte(fx.g.steAddr(3), { config: "s2", ...ste });
    const o = out();
    fx.smmu.translate(3, 0x8000_0010, true, o);
    expect(o).toMatchObject({ status: DmaStatus.Ok, pa: L.data + 0x10 });
    let [e] = faults(fx, 3, 0x9000_0000, false);
    expect(e).toMatchObject({ type: Evt.F_TRANSLATION, s2: true, cls: EvtClass.IN, ipa: 0x9000_0000n });
    // Nested: stage 1 tables in IPA space at 0x4xxx_xxxx (identity by stage 2).
    const s1 = fx.tables(12, 48);
    const s1root = s1.alloc();
    s1.map(s1root, 0x7000_0000n, 0x8000_0000, 3, RW_EL0); // VA -> IPA 0x8000_0000 -> data
    s1.map(s1root, 0x7000_1000n, 0x9000_0000, 3, RW_EL0); // VA -> unmapped IPA
    fx.g.writeCd(L.cds, { t0sz: 16, tg0: 0, asid: 9, ttb0: s1root });
    fx.g.writeSte(fx.g.steAddr(4), { config: "nested", ctxPtr: L.cds, ...ste });
    fx.smmu.translate(4, 0x7000_0020, false, o);
    expect(o).toMatchObject({ status: DmaStatus.Ok, pa: L.data + 0x20 });
    [e] = faults(fx, 4, 0x7000_1000, false);
    expect(e).toMatchObject({
      type: Evt.F_TRANSLATION,
      s2: true,
      cls: EvtClass.IN,
      ipa: 0x9000_0000n,
      inputAddr: 0x7000_1000n,
    });
    // A stage 1 table pointer to an IPA stage 2 does not map: fault on the walk (CLASS = TT).
    fx.g.writeCd(L.cds, { t0sz: 16, tg0: 0, asid: 9, ttb0: 0x9000_0000 });
    fx.g.submit(Cmd.cfgiSte(4), Cmd.sync());
    [e] = faults(fx, 4, 0x7000_0020, false);
    expect(e).toMatchObject({
      type: Evt.F_TRANSLATION,
      s2: true,
      cls: EvtClass.TT,
      ttrnw: true,
      ipa: 0x9000_0000n,
    });
  });

  it("configuration errors: C_BAD_STREAMID, C_BAD_STE, C_BAD_CD, F_STE_FETCH, F_CD_FETCH, F_WALK_EABT; abort STEs are silent", () => {
    const fx = makeFixture();
    fx.g.init({ log2size: 4 });
    const o = out();
    fx.smmu.translate(16, 0x1000, false, o); // beyond the 16-entry table
    fx.g.writeSte(fx.g.steAddr(1), { config: "s1", valid: false });
    fx.smmu.translate(1, 0x1000, false, o);
    fx.g.writeSte(fx.g.steAddr(2), { config: 2 }); // reserved Config
    fx.smmu.translate(2, 0x1000, false, o);
    fx.g.writeCd(L.cds, { t0sz: 16, tg0: 0, valid: false });
    fx.g.writeSte(fx.g.steAddr(3), { config: "s1", ctxPtr: L.cds });
    fx.smmu.translate(3, 0x1000, false, o);
    fx.g.writeSte(fx.g.steAddr(4), { config: "s1", ctxPtr: 0x7000_0000 }); // CD outside RAM
    fx.smmu.translate(4, 0x1000, false, o);
    fx.g.writeCd(L.cds + 64, { t0sz: 16, tg0: 0, ttb0: 0x7000_0000 }); // tables outside RAM
    fx.g.writeSte(fx.g.steAddr(5), { config: "s1", ctxPtr: L.cds + 64 });
    fx.smmu.translate(5, 0x1000, false, o);
    fx.g.writeSte(fx.g.steAddr(6), { config: "abort" });
    fx.smmu.translate(6, 0x1000, false, o);
    expect(o.status).toBe(DmaStatus.Fault);
    const ev = fx.g.events();
    expect(ev.map((e) => [e.type, e.sid])).toEqual([
      [Evt.C_BAD_STREAMID, 16],
      [Evt.C_BAD_STE, 1],
      [Evt.C_BAD_STE, 2],
      [Evt.C_BAD_CD, 3],
      [Evt.F_CD_FETCH, 4],
      [Evt.F_WALK_EABT, 5],
    ]);
    expect(ev[4]!.fetchAddr).toBe(0x7000_0000n);
    expect(ev[5]!.fetchAddr).toBe(0x7000_0000n); // level 0 descriptor of VA 0x1000
    // F_STE_FETCH: the stream table itself is not in RAM.
    fx.smmu.write(Reg.CR0, 4, 0);
    fx.g.layout.strtab = 0x6000_0000;
    fx.g.init({ log2size: 4 });
    fx.smmu.translate(1, 0x1000, false, o);
    const fetch = fx.g.events();
    expect(fetch).toMatchObject([{ type: Evt.F_STE_FETCH, sid: 1, fetchAddr: 0x6000_0040n, inputAddr: 0n }]);
    expect(fetch[0]!.raw[1]).toBe(0n); // the record's second and third doublewords are RES0
    fx.g.layout.strtab = L.strtab;
  });

  it("2-level stream table and 2-level CD table with SubstreamIDs", () => {
    const fx = makeFixture();
    fx.g.init({ log2size: 16, twoLevel: true, split: 8 });
    const l2 = L.strtab + 0x8_0000;
    fx.g.put64(L.strtab + 0x12 * 8, BigInt(l2) | 9n); // L1[0x12]: span 9 (256 STEs)
    // CD L1 table (S1Fmt = 1: 4K leaves of 64 CDs) for SSIDs 0..255.
    const cdL1 = L.cds;
    const cdL2 = L.cds + 0x1000;
    fx.g.put64(cdL1 + 8, BigInt(cdL2) | 1n); // SSIDs 64..127
    const pt = fx.tables(12, 48);
    const root = pt.alloc();
    pt.map(root, 0x5000n, L.data, 3, RW_EL0);
    fx.g.writeCd(cdL2 + 5 * 64, { t0sz: 16, tg0: 0, asid: 3, ttb0: root }); // SSID 69
    fx.g.writeSte(l2 + 0x34 * 64, { config: "s1", ctxPtr: cdL1, s1fmt: 1, s1cdmax: 8, s1dss: 1 });
    const o = out();
    fx.smmu.translateSubstream(0x1234, 69, 0, 0x5008, false, o);
    expect(o).toMatchObject({ status: DmaStatus.Ok, pa: L.data + 8 });
    fx.smmu.translateSubstream(0x1234, 3, 0, 0x5008, false, o); // L1CD invalid
    expect(o.status).toBe(DmaStatus.Fault);
    fx.smmu.translate(0x1234, 0x5008, false, o); // no SSID: S1DSS = bypass
    expect(o).toMatchObject({ status: DmaStatus.Ok, pa: 0x5008 });
    fx.smmu.translate(0x1300, 0x5008, false, o); // L1 descriptor 0x13 invalid
    const ev = fx.g.events();
    expect(ev.map((e) => [e.type, e.sid, e.ssv, e.ssid])).toEqual([
      [Evt.C_BAD_SUBSTREAMID, 0x1234, true, 3],
      [Evt.C_BAD_STREAMID, 0x1300, false, 0],
    ]);
  });

  it("16K and 64K granules through the CD", () => {
    for (const [g, enc] of [
      [14, 2],
      [16, 1],
    ] as const) {
      const fx = makeFixture();
      fx.g.init({ log2size: 8 });
      const pt = fx.tables(g, 48);
      const root = pt.alloc();
      pt.map(root, 0x12_3456_0000n, L.data, 3, RW_EL0);
      fx.g.writeCd(L.cds, { t0sz: 16, tg0: enc, asid: 1, ttb0: root });
      fx.g.writeSte(fx.g.steAddr(0), { config: "s1", ctxPtr: L.cds });
      const o = out();
      fx.smmu.translate(0, 0x12_3456_0000 + 0x3ff8, false, o);
      expect(o).toMatchObject({ status: DmaStatus.Ok, pa: L.data + 0x3ff8 });
    }
  });
});

describe("SMMUv3 command queue", () => {
  it("CMD_SYNC completes by MSI write (to RAM or the MSI sink), wired IRQ, or SEV", () => {
    const fx = makeFixture();
    fx.g.init({ log2size: 8 });
    fx.bus.write(L.data, 4, 0xffff_ffff);
    fx.g.submit(Cmd.sync(1, BigInt(L.data), 0), Cmd.sync(1, 0x0808_0040n, 42), Cmd.sync(1), Cmd.sync(2));
    expect(fx.bus.read(L.data, 4)).toBe(0);
    expect(fx.msis).toEqual([{ address: 0x0808_0040, data: 42, deviceId: 0 }]);
    expect(fx.pulses.cmdqSync).toBe(1);
    expect(fx.sevs).toBe(1);
    expect(fx.g.cmdCons()).toBe(4);
  });

  it("an illegal command stops the queue with CERROR_ILL and GERROR.CMDQ_ERR until acknowledged", () => {
    const fx = makeFixture();
    fx.g.init({ log2size: 8 });
    fx.g.submit(Cmd.tlbiNsnhAll(), Cmd.raw(0x40n), Cmd.sync(2)); // ATC_INV: no ATS -> illegal
    expect(fx.g.cmdCons()).toBe((CError.ILL << 24) | 1);
    expect(fx.smmu.read(Reg.GERROR, 4) ^ fx.smmu.read(Reg.GERRORN, 4)).toBe(Gerror.CMDQ_ERR);
    expect(fx.pulses.gerror).toBe(1);
    expect(fx.sevs).toBe(0);
    fx.g.submit(Cmd.sync(2)); // still stopped
    expect(fx.sevs).toBe(0);
    // The driver's recovery: replace the bad command by a CMD_SYNC, then acknowledge.
    fx.g.put64(L.cmdq + 16, Cmd.sync()[0]!);
    fx.g.put64(L.cmdq + 24, 0n);
    fx.smmu.write(Reg.GERRORN, 4, fx.smmu.read(Reg.GERROR, 4));
    expect(fx.g.cmdCons() & 0xffffff).toBe(4);
    expect(fx.sevs).toBe(2);
    for (const op of [0x00, 0x18, 0x1a, 0x41, 0x47, 0x7f, 0xff]) {
      const f2 = makeFixture();
      f2.g.init({ log2size: 8 });
      f2.g.submit(Cmd.raw(BigInt(op)));
      expect((f2.g.cmdCons() >>> 24) & 0x7f, `opcode 0x${op.toString(16)}`).toBe(CError.ILL);
    }
    const f3 = makeFixture();
    f3.g.init({ log2size: 8 });
    f3.g.submit(Cmd.sync(3));
    expect((f3.g.cmdCons() >>> 24) & 0x7f).toBe(CError.ILL);
  });

  it("a command queue outside RAM stops with CERROR_ABT", () => {
    const fx = makeFixture();
    fx.g.layout.cmdq = 0x7000_0000;
    fx.g.init({ log2size: 8 });
    fx.smmu.write(Reg.CMDQ_PROD, 4, 1);
    expect((fx.g.cmdCons() >>> 24) & 0x7f).toBe(CError.ABT);
    fx.g.layout.cmdq = L.cmdq;
  });

  it("TLBI by ASID / VA / VMID, S2_IPA, NSNH_ALL and CFGI drop what they name and keep the rest", () => {
    const { fx, ...a } = s1Fixture(1, 1, L.cds);
    const b = s1Stream(fx, 2, 2, L.cds + 64);
    a.pt.map(a.root, 0x1000n, L.data, 3, RW_EL0 | Desc.nG);
    b.pt.map(b.root, 0x1000n, L.data + 0x1000, 3, RW_EL0 | Desc.nG);
    const o = out();
    const warm = () => {
      fx.smmu.translate(1, 0x1000, false, o);
      fx.smmu.translate(2, 0x1000, false, o);
    };
    warm();
    expect(fx.smmu.iotlbSize).toBe(2);
    fx.g.submit(Cmd.tlbiNhAsid(1), Cmd.sync());
    expect(fx.smmu.iotlbSize).toBe(1);
    warm();
    fx.g.submit(Cmd.tlbiNhVa(2, 0x1000n), Cmd.sync());
    expect(fx.smmu.iotlbSize).toBe(1);
    warm();
    fx.g.submit(Cmd.tlbiNhVa(2, 0x2000n), Cmd.tlbiNhAll(5), Cmd.sync());
    expect(fx.smmu.iotlbSize).toBe(2);
    fx.g.submit(Cmd.tlbiNsnhAll(), Cmd.sync());
    expect(fx.smmu.iotlbSize).toBe(0);
    warm();
    fx.g.submit(Cmd.cfgiSte(1), Cmd.sync());
    expect(fx.smmu.iotlbSize).toBe(1);
  });
});

describe("SMMUv3 event queue", () => {
  it("overflow: records are lost, PROD.OVFLG toggles once, and the driver acknowledges it", () => {
    const fx = makeFixture();
    fx.g.init({ log2size: 8 });
    const o = out();
    const n = 2 ** L.evtqLog2;
    for (let i = 0; i < n + 5; i++) fx.smmu.translate(200, 0x1000 * i, false, o); // invalid STE
    const prod = fx.smmu.read(Reg.PAGE1 + Reg.EVTQ_PROD, 4);
    expect(prod >>> 31).toBe(1);
    expect(prod & (2 * n - 1)).toBe(n); // full: index 0 with wrap set
    expect(fx.smmu.stats.eventsLost).toBe(5);
    const ev = fx.g.events(); // acknowledges OVFLG via CONS.OVACKFLG
    expect(ev.length).toBe(n);
    expect(ev.every((e) => e.type === Evt.C_BAD_STE && e.sid === 200)).toBe(true);
    expect(fx.smmu.read(Reg.PAGE1 + Reg.EVTQ_CONS, 4) >>> 31).toBe(1);
    fx.smmu.translate(200, 0, false, o);
    expect(fx.g.events().length).toBe(1);
    expect(fx.smmu.read(Reg.PAGE1 + Reg.EVTQ_PROD, 4) >>> 31).toBe(1); // no new overflow
  });

  it("event and GERROR MSIs go to IRQ_CFG0 with IRQ_CFG1 data when an address is set", () => {
    const fx = makeFixture();
    fx.g.init({ log2size: 8 });
    fx.smmu.write64!(Reg.EVTQ_IRQ_CFG0, 0x0808_0040n);
    fx.smmu.write(Reg.EVTQ_IRQ_CFG1, 4, 77);
    fx.smmu.write64!(Reg.GERROR_IRQ_CFG0, 0x0808_0040n);
    fx.smmu.write(Reg.GERROR_IRQ_CFG1, 4, 78);
    const o = out();
    fx.smmu.translate(100, 0, false, o);
    fx.g.submit(Cmd.raw(0xffn));
    expect(fx.msis.map((m) => m.data)).toEqual([77, 78]);
    expect(fx.pulses.eventq + fx.pulses.gerror).toBe(0);
  });

  it("no events are written while EVTQEN = 0", () => {
    const fx = makeFixture();
    fx.g.init({ log2size: 8 });
    fx.smmu.write(Reg.CR0, 4, 0x9);
    const o = out();
    fx.smmu.translate(100, 0, false, o);
    expect(fx.smmu.read(Reg.PAGE1 + Reg.EVTQ_PROD, 4)).toBe(0);
    expect(fx.smmu.stats.eventsLost).toBe(1);
  });
});

describe("MSIs behind the SMMU", () => {
  it("translates the doorbell IOVA with the requester's StreamID and drops faulting MSIs", async () => {
    const { translatingMsiSink } = await import("./dma.js");
    const { fx, pt, root } = s1Fixture(8);
    pt.map(root, 0x800_0000n, 0x0808_0000, 3, RW_EL0); // MSI_IOVA_BASE -> ITS frame page
    const seen: [number, number, number][] = [];
    const sink = translatingMsiSink(fx.smmu, {
      sendMsi: (a, d, id) => {
        seen.push([a, d, id]);
        return true;
      },
    });
    expect(sink.sendMsi(0x800_0040, 5, 8)).toBe(true);
    expect(sink.sendMsi(0x900_0040, 6, 8)).toBe(false);
    expect(seen).toEqual([[0x0808_0040, 5, 8]]);
    expect(fx.g.events()).toMatchObject([
      { type: Evt.F_TRANSLATION, sid: 8, rnw: false, inputAddr: 0x900_0040n },
    ]);
  });
});

describe("PlatformDmaSpace", () => {
  it("bypasses the SMMU until the device is platform-aware (virtio without ACCESS_PLATFORM)", async () => {
    const { PlatformDmaSpace } = await import("./dma.js");
    const { fx, pt, root } = s1Fixture(8);
    pt.map(root, 0x1000n, L.data, 3, RW_EL0);
    let aware = false;
    const space = new PlatformDmaSpace(
      new BusDmaSpace(fx.bus),
      new TranslatingDmaSpace(new BusDmaSpace(fx.bus), fx.smmu, 8),
      () => aware,
    );
    fx.bus.write(L.data, 4, 0x1234);
    const b = new Uint8Array(4);
    expect(space.read(L.data, b)).toBe(DmaStatus.Ok); // physical address
    expect(new DataView(b.buffer).getUint32(0, true)).toBe(0x1234);
    aware = true;
    expect(space.read(L.data, b)).toBe(DmaStatus.Fault); // now an IOVA: unmapped
    expect(space.read(0x1000, b)).toBe(DmaStatus.Ok);
    expect(new DataView(b.buffer).getUint32(0, true)).toBe(0x1234);
  });
});
