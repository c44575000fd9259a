import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  buildGtdt,
  buildIort,
  buildMadt,
  buildMcfg,
  buildSrat,
  type EcamRegion,
  type GtdtOptions,
  type IortNode,
  type MadtOptions,
  type SratOptions,
} from "./index.js";
import { gtdtExpect, iortExpect, madtExpect, sratExpect } from "./test/expect.js";
import { IASL_PROBLEM, iaslCompile, iaslDisassemble, matchFields, parseDataTable } from "./test/tools.js";

const RUNS = Number(process.env.FC_NUM_RUNS ?? 8);
const u32 = fc.nat({ max: 0xffff_ffff });
const addr = fc.bigInt({ min: 0n, max: (1n << 48n) - 1n }).map((a) => a & ~0xfffn);
const ppi = fc.integer({ min: 16, max: 31 });

const madtArb: fc.Arbitrary<MadtOptions> = fc.record({
  giccs: fc.array(
    fc.record({
      cpuInterfaceNumber: fc.nat({ max: 255 }),
      acpiProcessorUid: u32,
      mpidr: fc.bigInt({ min: 0n, max: 0xff_00ff_ffffn }),
      pmuGsiv: ppi,
      pmuEdge: fc.boolean(),
      vgicMaintenanceGsiv: ppi,
      gicc: addr,
    }),
    { minLength: 1, maxLength: 8 },
  ),
  gicd: fc.record({ base: addr, version: fc.integer({ min: 2, max: 4 }) }),
  gicrs: fc.array(fc.record({ base: addr, length: fc.nat({ max: 0xffff_f000 }) }), { maxLength: 3 }),
  its: fc.array(fc.record({ id: u32, base: addr }), { maxLength: 3 }),
  msiFrames: fc.array(
    fc.oneof(
      fc.record({ id: u32, base: addr }),
      fc.record({
        id: u32,
        base: addr,
        spiBase: fc.integer({ min: 32, max: 1019 }),
        spiCount: fc.integer({ min: 1, max: 987 }),
      }),
    ),
    { maxLength: 2 },
  ),
});

const timer = fc.record({
  gsiv: fc.integer({ min: 16, max: 31 }),
  edge: fc.boolean(),
  activeLow: fc.boolean(),
  alwaysOn: fc.boolean(),
});
const gtdtArb: fc.Arbitrary<GtdtOptions> = fc.record({
  secureEl1: timer,
  nonSecureEl1: timer,
  virtualEl1: timer,
  nonSecureEl2: timer,
  watchdogs: fc.array(
    fc.record({
      refreshFrame: addr,
      controlFrame: addr,
      gsiv: fc.integer({ min: 32, max: 1019 }),
      edge: fc.boolean(),
    }),
    {
      maxLength: 2,
    },
  ),
});

const mapping = (outputs: readonly string[]) =>
  fc.record({
    inputBase: fc.nat({ max: 0xffff }),
    count: fc.integer({ min: 1, max: 0x10000 }),
    outputBase: fc.nat({ max: 0xffff }),
    output: fc.constantFrom(...outputs),
    single: fc.boolean(),
  });
const iortArb: fc.Arbitrary<IortNode[]> = fc
  .record({
    nIts: fc.integer({ min: 1, max: 2 }),
    nSmmu: fc.integer({ min: 0, max: 2 }),
    nRc: fc.integer({ min: 1, max: 2 }),
    nNc: fc.integer({ min: 0, max: 2 }),
  })
  .chain(({ nIts, nSmmu, nRc, nNc }) => {
    const its = Array.from({ length: nIts }, (_, i) => `its${i}`);
    const smmus = Array.from({ length: nSmmu }, (_, i) => `smmu${i}`);
    const targets = [...its, ...smmus];
    return fc
      .tuple(
        fc.tuple(
          ...its.map((name) =>
            fc
              .array(u32, { minLength: 1, maxLength: 3 })
              .map((ids): IortNode => ({ type: "its", name, itsIds: ids })),
          ),
        ),
        fc.tuple(
          ...smmus.map((name) =>
            fc
              .record({
                base: addr,
                ev: fc.integer({ min: 32, max: 1019 }),
                coherent: fc.boolean(),
                maps: fc.array(mapping(its), { maxLength: 2 }),
              })
              .map(
                (r): IortNode => ({
                  type: "smmuv3",
                  name,
                  base: r.base,
                  coherent: r.coherent,
                  eventGsiv: r.ev,
                  priGsiv: r.ev + 1,
                  gerrorGsiv: r.ev + 2,
                  syncGsiv: r.ev + 3,
                  mappings: r.maps,
                }),
              ),
          ),
        ),
        fc.array(
          fc.record({
            segment: fc.nat({ max: 0xffff }),
            ats: fc.boolean(),
            addressBits: fc.integer({ min: 32, max: 64 }),
            mappings: fc.array(mapping(targets), { minLength: 1, maxLength: 3 }),
          }),
          { minLength: nRc, maxLength: nRc },
        ),
        fc.array(
          fc.record({
            objectName: fc.stringMatching(/^\\_SB\.[A-Z][A-Z0-9]{3}$/),
            addressBits: fc.integer({ min: 32, max: 64 }),
            mappings: fc.array(mapping(targets), { minLength: 1, maxLength: 2 }),
          }),
          { minLength: nNc, maxLength: nNc },
        ),
      )
      .map(([itsNodes, smmuNodes, rcs, ncs]) => [
        ...itsNodes,
        ...smmuNodes,
        // the records' fields are the nodes' own: each node is its record plus a type and a name
        ...rcs.map((r, i): IortNode => ({ type: "rc", name: `rc${i}`, ...r })),
        ...ncs.map((n, i): IortNode => ({ type: "nc", name: `nc${i}`, ...n })),
      ]);
  });

const sratArb: fc.Arbitrary<SratOptions> = fc.record({
  memory: fc.array(
    fc.record({ domain: u32, base: addr, length: addr.filter((a) => a > 0n), hotplug: fc.boolean() }),
    { maxLength: 3 },
  ),
  giccs: fc.array(fc.record({ domain: u32, acpiProcessorUid: u32, clockDomain: u32 }), { maxLength: 4 }),
  its: fc.array(fc.record({ domain: u32, itsId: u32 }), { maxLength: 2 }),
});

const mcfgArb: fc.Arbitrary<EcamRegion[]> = fc.array(
  fc
    .record({
      base: addr,
      segment: fc.nat({ max: 0xffff }),
      startBus: fc.nat({ max: 255 }),
      span: fc.nat({ max: 255 }),
    })
    .map((r) => ({
      base: r.base,
      segment: r.segment,
      startBus: r.startBus,
      endBus: Math.min(255, r.startBus + r.span),
    })),
  { minLength: 1, maxLength: 4 },
);

describe("random table inputs: iasl decodes them cleanly and reads back every field", () => {
  it("MADT, GTDT, IORT, SRAT, MCFG", () => {
    fc.assert(
      fc.property(madtArb, gtdtArb, iortArb, sratArb, mcfgArb, (madt, gtdt, iort, srat, mcfg) => {
        const tables = new Map([
          ["APIC", buildMadt(madt).bytes],
          ["GTDT", buildGtdt(gtdt).bytes],
          ["IORT", buildIort(iort).bytes],
          ["SRAT", buildSrat(srat).bytes],
          ["MCFG", buildMcfg(mcfg).bytes],
        ]);
        const dis = iaslDisassemble(tables);
        expect(dis.log).not.toMatch(IASL_PROBLEM);
        const fields = (n: string) => {
          const text = dis.dsl.get(n);
          expect(text, n).toBeDefined();
          expect(text!, n).not.toMatch(IASL_PROBLEM);
          return parseDataTable(text!);
        };
        expect(matchFields(fields("APIC"), madtExpect(madt))).toEqual([]);
        expect(matchFields(fields("GTDT"), gtdtExpect(gtdt))).toEqual([]);
        expect(matchFields(fields("IORT"), iortExpect(iort))).toEqual([]);
        expect(matchFields(fields("SRAT"), sratExpect(srat))).toEqual([]);
        const mc = mcfg.flatMap(
          (r) =>
            [
              ["Base Address", BigInt(r.base)],
              ["Segment Group Number", r.segment],
              ["Start Bus Number", r.startBus],
              ["End Bus Number", r.endBus],
            ] as const,
        );
        expect(matchFields(fields("MCFG"), mc)).toEqual([]);
        // and the data-table compiler rebuilds the same bytes (IORT node identifiers aside)
        const comp = iaslCompile(
          new Map([...tables.keys()].filter((n) => n !== "IORT").map((n) => [n, dis.dsl.get(n)!])),
        );
        for (const [n, ours] of tables) {
          if (n === "IORT") continue;
          const back = comp.aml.get(n);
          expect(back, `${n}: ${comp.log}`).toBeDefined();
          expect(Array.from(back!.subarray(36)), n).toEqual(Array.from(ours.subarray(36)));
        }
      }),
      { numRuns: RUNS },
    );
  });
});
