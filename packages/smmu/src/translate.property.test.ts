/**
 * Translation through the SMMU equals a reference composition STE -> CD -> stage 1 -> stage 2
 * built on @armature/mmu's naive reference walker (packages/mmu/src/test/reference.ts), over
 * random stream/context configurations and random page tables in random memory.
 *
 * The expected side decodes nothing from memory: it starts from the generated field values
 * (which guest.ts encodes into STE/CD words from the spec layout), turns them into the raw
 * TCR/VTCR/TTBR values the reference walker takes, and maps reference faults to event types.
 */
import { DmaStatus, type DmaTranslation } from "@armature/core";
import { uintBits } from "@armature/core/test";
import { type RefRegs, referenceTranslate } from "@armature/mmu/test";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Evt, EvtClass, Reg } from "./regs.js";
import { SmmuV3 } from "./smmu.js";
import { decodeEvent, encodeCd, encodeSte } from "./test/guest.js";
import { SmmuTestMemory } from "./test/memory.js";

const RUNS = Number(process.env.FC_NUM_RUNS ?? 1000);
const ADDRS = 24;
const STRTAB = 0x1_0000_0000;
const CD_IPA = 0x1_0004_0000;
const EVTQ = 0x1_0010_0000;

const granuleArb = fc.constantFrom(12, 14, 16);
const TG0: Record<number, number> = { 12: 0, 16: 1, 14: 2 };
const TG1: Record<number, number> = { 14: 1, 12: 2, 16: 3 };

const cfgArb = fc.record({
  seed: fc.integer({ min: 1, max: 0x7fffffff }),
  kind: fc.constantFrom("s1", "s1", "s2", "nested", "nested"),
  g1: granuleArb,
  g2: granuleArb,
  t0sz: fc.oneof(fc.integer({ min: 16, max: 39 }), fc.integer({ min: 10, max: 48 })),
  t1sz: fc.integer({ min: 16, max: 39 }),
  epd1: fc.boolean(),
  ips: uintBits(3),
  s2t0sz: fc.integer({ min: 16, max: 40 }),
  s2sl0: uintBits(2),
  s2ps: uintBits(3),
  ttb0: uintBits(22),
  ttb1: uintBits(22),
  s2ttb: uintBits(22),
  asid: uintBits(16),
  vmid: uintBits(16),
  wxn: fc.boolean(),
  hpd: fc.boolean(),
  tbi: uintBits(2),
  sid: uintBits(8),
  addrs: fc.array(
    fc.record({
      hi: fc.oneof(uintBits(8), uintBits(16), fc.constant(0xffff_ffff)),
      lo: uintBits(32),
      write: fc.boolean(),
    }),
    { minLength: ADDRS, maxLength: ADDRS },
  ),
});
type Cfg = typeof cfgArb extends fc.Arbitrary<infer T> ? T : never;

const EVT_OF: Record<string, number> = {
  Translation: Evt.F_TRANSLATION,
  AccessFlag: Evt.F_ACCESS,
  Permission: Evt.F_PERMISSION,
  AddressSize: Evt.F_ADDR_SIZE,
  SyncExternalOnWalk: Evt.F_WALK_EABT,
};

/** IHI 0070 STE.S2SL0: the start level must resolve 1..(stride + 4) bits (<= 16 concatenated tables). */
function s2Legal(c: Cfg): boolean {
  if (c.s2t0sz < 16 || c.s2t0sz > 39 || c.s2sl0 === 3) return false;
  const g = c.g2;
  const stride = g - 3;
  const start = g === 12 ? 2 - c.s2sl0 : 3 - c.s2sl0;
  const bitsAtStart = 64 - c.s2t0sz - g - (3 - start) * stride;
  return bitsAtStart >= 1 && bitsAtStart <= stride + 4;
}

function rawRegs(c: Cfg): RefRegs {
  const s1 = c.kind !== "s2";
  const s2 = c.kind !== "s1";
  const tcr =
    BigInt(c.t0sz & 0x3f) |
    (BigInt(TG0[c.g1]!) << 14n) |
    (BigInt(c.t1sz) << 16n) |
    ((c.epd1 ? 1n : 0n) << 23n) |
    (BigInt(TG1[c.g1]!) << 30n) |
    (BigInt(c.ips) << 32n) |
    (1n << 36n) | // AS: 16-bit ASIDs
    (BigInt(c.tbi & 1) << 37n) |
    (BigInt(c.tbi >> 1) << 38n) |
    ((c.hpd ? 3n : 0n) << 41n);
  const vtcr =
    BigInt(c.s2t0sz) |
    (BigInt(c.s2sl0) << 6n) |
    (BigInt(TG0[c.g2]!) << 14n) |
    (BigInt(c.s2ps) << 16n) |
    (1n << 19n);
  return {
    paBits: 48,
    sctlr: (s1 ? 1n : 0n) | ((c.wxn ? 1n : 0n) << 19n),
    tcr,
    ttbr0: (BigInt(c.ttb0) << 12n) | (BigInt(c.asid) << 48n),
    ttbr1: (BigInt(c.ttb1) << 12n) | (BigInt(c.asid) << 48n),
    mair: 0xffn,
    pan: false,
    hcrVm: s2,
    vtcr,
    vttbr: (BigInt(c.s2ttb) << 12n) | (BigInt(c.vmid) << 48n),
  };
}

function program(smmu: SmmuV3): void {
  smmu.write64!(Reg.STRTAB_BASE, BigInt(STRTAB));
  smmu.write(Reg.STRTAB_BASE_CFG, 4, 8);
  smmu.write64!(Reg.EVTQ_BASE, BigInt(EVTQ) | 10n);
  smmu.write(Reg.CR0, 4, 0x5);
}

/** The last event record written (or undefined), consuming it. */
function takeEvent(
  smmu: SmmuV3,
  mem: SmmuTestMemory,
  seen: { n: number },
): ReturnType<typeof decodeEvent> | undefined {
  const prod = smmu.read(Reg.PAGE1 + Reg.EVTQ_PROD, 4) & 0x7ff;
  if (prod === seen.n) return undefined;
  const idx = (prod - 1) & 0x3ff;
  seen.n = prod;
  smmu.write(Reg.PAGE1 + Reg.EVTQ_CONS, 4, prod);
  const at = EVTQ + idx * 32;
  return decodeEvent([0, 1, 2, 3].map((i) => mem.read(BigInt(at + 8 * i))!));
}

export const coverage = { ok: 0, faults: new Map<string, number>(), configs: new Map<string, number>() };

function bump(m: Map<string, number>, k: string): void {
  m.set(k, (m.get(k) ?? 0) + 1);
}

function runConfig(c: Cfg): void {
  const mem = new SmmuTestMemory({ seed: c.seed, windowBits: 34, aborts: true, invalid: 4 });
  const smmu = new SmmuV3({ memory: mem, oasBits: 48 });
  program(smmu);
  const regs = rawRegs(c);
  const s1 = c.kind !== "s2";
  const s2 = c.kind !== "s1";
  const cfg = { s1: 5, s2: 6, nested: 7 }[c.kind]!;
  mem.put(
    STRTAB + c.sid * 64,
    encodeSte({
      config: cfg,
      ctxPtr: CD_IPA,
      vmid: c.vmid,
      s2t0sz: c.s2t0sz,
      s2sl0: c.s2sl0,
      s2tg: TG0[c.g2],
      s2ps: c.s2ps,
      s2ttb: c.s2ttb * 4096,
    }),
  );
  // Expected configuration outcome.
  let cfgEvent = 0;
  let cfgClass = -1;
  if (s2 && !s2Legal(c)) cfgEvent = Evt.C_BAD_STE;
  let cdPa = CD_IPA;
  const noS2: RefRegs = { ...regs, sctlr: 0n };
  const acc = { write: false, exec: false, unpriv: true, at: false, atPan: false, s1only: false };
  if (cfgEvent === 0 && s1 && s2) {
    const r = referenceTranslate(noS2, mem, BigInt(CD_IPA), acc);
    if (r.fault) {
      cfgEvent = EVT_OF[r.fault.type]!;
      cfgClass = EvtClass.CD;
    } else cdPa = Number(r.pa);
  }
  if (s1 && cfgEvent === 0 && !mem.aborts(cdPa)) {
    mem.put(
      cdPa,
      encodeCd({
        t0sz: c.t0sz,
        tg0: TG0[c.g1]!,
        t1sz: c.t1sz,
        tg1: TG1[c.g1]!,
        epd1: c.epd1,
        ips: c.ips,
        wxn: c.wxn,
        tbi: c.tbi,
        asid: c.asid,
        had0: c.hpd,
        had1: c.hpd,
        ttb0: c.ttb0 * 4096,
        ttb1: c.ttb1 * 4096,
        mair: 0xffn,
      }),
    );
    if (s2) {
      // Writing the CD may have overwritten a stage 2 descriptor of its own address: recheck.
      const r = referenceTranslate(noS2, mem, BigInt(CD_IPA), acc);
      fc.pre(!r.fault && Number(r.pa) === cdPa);
    }
    if (c.t0sz < 16 || c.t0sz > 39) cfgEvent = Evt.C_BAD_CD;
  } else if (s1 && cfgEvent === 0) {
    cfgEvent = Evt.F_CD_FETCH;
  }
  bump(coverage.configs, cfgEvent === 0 ? c.kind : `evt${cfgEvent}`);
  const seen = { n: 0 };
  const out: DmaTranslation = { status: DmaStatus.Ok, pa: 0, limit: 0 };
  for (const a of c.addrs) {
    const va = (BigInt(a.hi) << 32n) | BigInt(a.lo);
    const useDma = a.hi < 0x10000 && (a.lo & 1) === 0;
    if (useDma) smmu.translate(c.sid, a.hi * 2 ** 32 + a.lo, a.write, out);
    else smmu.translateSubstream(c.sid, -1, a.hi, a.lo, a.write, out);
    const ev = takeEvent(smmu, mem, seen);
    const ctx = `cfg ${JSON.stringify({ ...c, addrs: undefined })} va 0x${va.toString(16)} write ${a.write}`;
    if (cfgEvent !== 0) {
      expect(out.status, ctx).toBe(DmaStatus.Fault);
      expect(ev?.type, ctx).toBe(cfgEvent);
      if (cfgClass >= 0) expect(ev?.cls, ctx).toBe(cfgClass);
      continue;
    }
    const ref = referenceTranslate(regs, mem, va, { ...acc, write: a.write });
    if (ref.fault === null) {
      expect(out.status, ctx).toBe(DmaStatus.Ok);
      expect(out.pa, ctx).toBe(Number(ref.pa));
      expect(ev, ctx).toBeUndefined();
      coverage.ok++;
    } else {
      expect(out.status, ctx).toBe(DmaStatus.Fault);
      expect(ev?.type, ctx).toBe(EVT_OF[ref.fault.type]);
      expect(ev?.s2, ctx).toBe(ref.fault.secondstage);
      expect(ev?.sid, ctx).toBe(c.sid);
      expect(ev?.rnw, ctx).toBe(!a.write);
      expect(ev?.inputAddr, ctx).toBe(va);
      if (ref.fault.secondstage && ref.fault.type !== "SyncExternalOnWalk") {
        expect(ev?.cls, ctx).toBe(ref.fault.s2fs1walk ? EvtClass.TT : EvtClass.IN);
        expect(ev?.ipa, ctx).toBe(ref.fault.ipaddress & ~0xfffn);
      }
      bump(coverage.faults, `${ref.fault.secondstage ? "s2" : "s1"}/${ref.fault.type}`);
    }
  }
}

describe("SMMU translation vs reference composition (STE -> CD -> S1 -> S2 on the reference walker)", () => {
  it(`agrees on ${RUNS} random configurations x ${ADDRS} transactions`, () => {
    fc.assert(fc.property(cfgArb, runConfig), { numRuns: RUNS });
    if (RUNS >= 300) {
      expect(coverage.ok).toBeGreaterThan(100);
      for (const k of ["s1", "s2", "nested"]) expect(coverage.configs.get(k) ?? 0, k).toBeGreaterThan(2);
      for (const k of ["s1/Translation", "s1/Permission", "s2/Translation"])
        expect(coverage.faults.get(k) ?? 0, k).toBeGreaterThan(0);
    }
    if (process.env.SMMU_STATS)
      console.log(
        JSON.stringify({ ...coverage, faults: [...coverage.faults], configs: [...coverage.configs] }),
      );
  }, 300_000);
});
