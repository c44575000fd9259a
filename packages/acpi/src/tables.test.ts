import { describe, expect, it } from "vitest";
import { sum8 } from "./bytes.js";
import {
  type AcpiTable,
  buildDbg2,
  buildFadt,
  buildGtdt,
  buildIort,
  buildMadt,
  buildMcfg,
  buildPptt,
  buildSpcr,
  buildSrat,
  type GtdtOptions,
  type IortNode,
  type MadtOptions,
  type PpttCache,
  SAMPLE_MACHINE,
  type SratOptions,
  sampleMadt,
  sampleTableSet,
} from "./index.js";
import { type Expect, gtdtExpect, iortExpect, madtExpect, sratExpect } from "./test/expect.js";
import {
  type DslField,
  IASL_PROBLEM,
  iaslCompile,
  iaslDisassemble,
  matchFields,
  parseDataTable,
} from "./test/tools.js";

function header(t: AcpiTable, revision: number): Expect {
  return [
    ["Signature", `"${t.signature}"`],
    ["Table Length", t.bytes.length],
    ["Revision", revision],
    ["Oem ID", '"ARMTRE"'],
  ];
}

// ---- inputs for the variant tables (expectations are derived from these, not from the bytes)
const madtV2: MadtOptions = {
  giccs: [0, 1, 2].map((i) => ({
    cpuInterfaceNumber: i,
    acpiProcessorUid: 10 + i,
    mpidr: 0x8000_0000 + (i << 8),
    pmuGsiv: 23,
    pmuEdge: i === 1,
    vgicMaintenanceGsiv: 25,
    gicc: 0x0801_0000,
    gicv: 0x0804_0000,
    gich: 0x0803_0000,
  })),
  gicd: { base: 0x0800_0000, version: 2 },
  msiFrames: [
    { id: 0, base: 0x0802_0000, spiBase: 80, spiCount: 64 },
    { id: 1, base: 0x0803_0000 },
  ],
};

const gtdtWd: GtdtOptions = {
  secureEl1: { gsiv: 29, edge: true },
  nonSecureEl1: { gsiv: 30, activeLow: true },
  virtualEl1: { gsiv: 27, alwaysOn: true },
  nonSecureEl2: { gsiv: 26 },
  cntControlBase: 0x2a43_0000,
  watchdogs: [{ refreshFrame: 0x2a44_0000, controlFrame: 0x2a45_0000, gsiv: 93, edge: true }],
};

const iortNc: IortNode[] = [
  { type: "its", name: "its", itsIds: [0, 1] },
  {
    type: "smmuv3",
    name: "smmu0",
    base: 0x2b40_0000,
    eventGsiv: 200,
    priGsiv: 201,
    gerrorGsiv: 202,
    syncGsiv: 203,
    coherent: false,
    mappings: [
      { inputBase: 0, count: 0x100, outputBase: 0x1000, output: "its" },
      { inputBase: 0, count: 1, outputBase: 0x2000, output: "its", single: true },
    ],
    deviceIdMappingIndex: 1,
  },
  {
    type: "nc",
    name: "dma",
    objectName: "\\_SB.DMA0",
    addressBits: 40,
    mappings: [{ inputBase: 0, count: 4, outputBase: 0x300, output: "smmu0" }],
  },
  {
    type: "rc",
    name: "pci1",
    segment: 1,
    ats: true,
    mappings: [
      { inputBase: 0, count: 0x8000, outputBase: 0, output: "smmu0" },
      { inputBase: 0x8000, count: 0x8000, outputBase: 0x8000, output: "its" },
    ],
  },
];

const sratIn: SratOptions = {
  memory: [
    { domain: 0, base: 0x4000_0000, length: 0x8000_0000 },
    { domain: 1, base: 0x1_0000_0000n, length: 0x1_0000_0000n, hotplug: true },
  ],
  giccs: [
    { domain: 0, acpiProcessorUid: 0 },
    { domain: 1, acpiProcessorUid: 1, clockDomain: 3 },
  ],
  its: [{ domain: 1, itsId: 7 }],
};

describe("ACPI tables decoded by iasl -d", () => {
  const m = SAMPLE_MACHINE;
  const set = sampleTableSet();
  const sample = new Map<string, AcpiTable>([
    ["FACP", set.fadt],
    ["DSDT", set.dsdt],
  ]);
  for (const t of set.tables) sample.set(t.signature === "SSDT" ? "SSDT1" : t.signature, t);
  const l3: PpttCache = { type: "unified", size: 8 << 20, sets: 8192, associativity: 16, lineSize: 64 };
  const l2: PpttCache = {
    type: "unified",
    size: 1 << 20,
    sets: 1024,
    associativity: 16,
    lineSize: 64,
    next: l3,
  };
  const variants = new Map<string, AcpiTable>([
    ["MADT2", buildMadt(madtV2)],
    ["GTDT2", buildGtdt(gtdtWd)],
    ["IORT2", buildIort(iortNc)],
    ["SRAT2", buildSrat(sratIn)],
    [
      "MCFG2",
      buildMcfg([
        { base: 0x3f00_0000, segment: 0, startBus: 0, endBus: 15 },
        { base: 0x40_0000_0000n, segment: 1, startBus: 0x80, endBus: 0xff },
      ]),
    ],
    ["SPCR2", buildSpcr({ base: 0x0c00_0000, gsiv: 40, baud: 9600 })],
    [
      "DBG22",
      buildDbg2([
        { base: 0x0900_0000, size: 0x1000, namespace: "\\_SB.COM0" },
        { base: 0x0910_0000, size: 0x1000, namespace: "." },
      ]),
    ],
    ["FACP2", buildFadt({ armBootArch: 1, hypervisorVendor: 0x4152_4d41_5455_5245n })],
    [
      "PPTT2",
      buildPptt([
        {
          physicalPackage: true,
          caches: [l3],
          children: [0, 1].map((cl) => ({
            caches: [l2],
            identical: true,
            children: [0, 1].map((c) => ({
              acpiProcessorId: cl * 2 + c,
              caches: [
                {
                  type: "data" as const,
                  size: 65536,
                  sets: 256,
                  associativity: 4,
                  lineSize: 64,
                  next: l2,
                  writeThrough: true,
                },
              ],
            })),
          })),
        },
      ]),
    ],
  ]);
  const all = new Map([...sample, ...variants].map(([k, t]) => [k, t.bytes]));
  const dis = iaslDisassemble(all);

  it("runs iasl on every table in one batch without problems", () => {
    expect(dis.status, dis.log).toBe(0);
    expect(dis.log).not.toMatch(IASL_PROBLEM);
    for (const name of all.keys()) {
      const text = dis.dsl.get(name);
      expect(text, `${name}.dsl missing\n${dis.log}`).toBeDefined();
      expect(text!, name).not.toMatch(IASL_PROBLEM);
    }
  });

  it("every table has a valid checksum and length", () => {
    for (const [name, b] of all) {
      expect(sum8(b), name).toBe(0);
      expect(b[4]! | (b[5]! << 8) | (b[6]! << 16), name).toBe(b.length);
    }
  });

  const fields = (name: string): DslField[] => parseDataTable(dis.dsl.get(name) ?? "");
  const check = (name: string, revision: number, e: Expect) => {
    const t = all.get(name)!;
    const sig = String.fromCharCode(...t.subarray(0, 4));
    expect(
      matchFields(fields(name), [...header({ signature: sig, bytes: t }, revision), ...e]),
      name,
    ).toEqual([]);
  };

  it("FADT: hardware-reduced, PSCI via HVC, minor revision 3", () => {
    check("FACP", 6, [
      ["Flags (decoded below)", 0x0010_0000],
      ["ARM Flags (decoded below)", 3],
      ["FADT Minor Revision", 3],
    ]);
    const text = dis.dsl.get("FACP")!;
    expect(text).toMatch(/Hardware Reduced \(V5\) : 1/);
    expect(text).toMatch(/PSCI Compliant : 1/);
    expect(text).toMatch(/Must use HVC for PSCI : 1/);
    check("FACP2", 6, [
      ["ARM Flags (decoded below)", 1],
      ["Hypervisor ID", 0x4152_4d41_5455_5245n],
    ]);
  });

  it("MADT: GICC per CPU, GICD, GICR, ITS (sample) and GICv2 + MSI frames (variant)", () => {
    check("APIC", 5, [...madtExpect(sampleMadt())]);
    check("MADT2", 5, madtExpect(madtV2));
  });

  it("GTDT: timer GSIVs and flags, SBSA watchdog", () => {
    check(
      "GTDT",
      2,
      gtdtExpect({
        secureEl1: { gsiv: m.timers.secureEl1 },
        nonSecureEl1: { gsiv: m.timers.nonSecureEl1, alwaysOn: true },
        virtualEl1: { gsiv: m.timers.virtualEl1 },
        nonSecureEl2: { gsiv: m.timers.nonSecureEl2 },
      }),
    );
    check("GTDT2", 2, gtdtExpect(gtdtWd));
  });

  it("SPCR and DBG2 describe the PL011", () => {
    check("SPCR", 2, [
      ["Interface Type", 3],
      ["Address", m.uart],
      ["Interrupt Type", 8],
      ["Interrupt", m.uartGsiv],
      ["Baud Rate", 7],
    ]);
    check("SPCR2", 2, [
      ["Address", 0x0c00_0000],
      ["Interrupt", 40],
      ["Baud Rate", 3],
    ]);
    check("DBG2", 0, [
      ["Info Count", 1],
      ["Port Type", 0x8000],
      ["Port Subtype", 3],
      ["Address", m.uart],
      ["Address Size", 0x1000],
      ["Namepath", "\\_SB.COM0"],
    ]);
    check("DBG22", 0, [
      ["Info Count", 2],
      ["Address", 0x0900_0000],
      ["Namepath", "\\_SB.COM0"],
      ["Address", 0x0910_0000],
      ["Namepath", '"."'],
    ]);
  });

  it("MCFG lists ECAM windows", () => {
    check("MCFG", 1, [
      ["Base Address", m.ecam],
      ["Segment Group Number", 0],
      ["Start Bus Number", 0],
      ["End Bus Number", 255],
    ]);
    check("MCFG2", 1, [
      ["Base Address", 0x3f00_0000],
      ["End Bus Number", 15],
      ["Base Address", 0x40_0000_0000n],
      ["Segment Group Number", 1],
      ["Start Bus Number", 0x80],
      ["End Bus Number", 0xff],
    ]);
  });

  it("IORT: ITS group, SMMUv3 interrupts, root complex and named component mappings", () => {
    check(
      "IORT",
      3,
      iortExpect([
        { type: "its", name: "its", itsIds: [0] },
        {
          type: "smmuv3",
          name: "smmu",
          base: m.smmu,
          eventGsiv: 106,
          priGsiv: 107,
          gerrorGsiv: 109,
          syncGsiv: 108,
          mappings: [{ inputBase: 0, count: 0x10000, outputBase: 0, output: "its" }],
        },
        {
          type: "rc",
          name: "pci0",
          segment: 0,
          mappings: [{ inputBase: 0, count: 0x10000, outputBase: 0, output: "smmu" }],
        },
      ]),
    );
    check("IORT2", 3, iortExpect(iortNc));
    // output references point at the right node offsets
    const f = fields("IORT2");
    const typeOffsets = f.filter((x) => x.name === "Type").map((x) => x.offset);
    const refs = f.filter((x) => x.name === "Output Reference").map((x) => Number.parseInt(x.value, 16));
    expect(refs).toEqual([typeOffsets[0], typeOffsets[0], typeOffsets[1], typeOffsets[1], typeOffsets[0]]);
  });

  it("PPTT: processor hierarchy with shared caches", () => {
    const f = fields("PPTT2");
    const nodes = f.filter((x) => x.name === "Subtable Type");
    // 6 caches (shared L3, shared L2, one L1D per core) + package + 2 clusters + 4 cores
    expect(nodes.filter((x) => x.value.startsWith("01")).length).toBe(6);
    expect(nodes.filter((x) => x.value.startsWith("00")).length).toBe(7);
    const ids = f.filter((x) => x.name === "ACPI Processor ID").map((x) => Number.parseInt(x.value, 16));
    expect(ids).toEqual([0, 0, 0, 1, 0, 2, 3]);
    const sizes = f.filter((x) => x.name === "Size").map((x) => Number.parseInt(x.value, 16));
    expect(sizes).toEqual([8 << 20, 1 << 20, 65536, 65536, 65536, 65536]);
    // every Parent / Next Level / Private Resource offset points at a subtable start
    const starts = new Set(nodes.map((x) => x.offset));
    for (const x of f.filter((y) => ["Parent", "Next Level of Cache", "Private Resource"].includes(y.name))) {
      const v = Number.parseInt(x.value, 16);
      if (v !== 0) expect(starts.has(v), `${x.name} -> 0x${v.toString(16)}`).toBe(true);
    }
    check("PPTT", 2, [
      ["Flags (decoded below)", 1],
      ["Size", 0x20_0000],
      ["Associativity", 16],
      ["Attributes", 0x0b],
      ["Line Size", 64],
    ]);
  });

  it("SRAT: memory, GICC and ITS affinity", () => {
    check(
      "SRAT",
      3,
      sratExpect({
        memory: [{ domain: 0, base: m.ram.base, length: m.ram.size }],
        giccs: [
          { domain: 0, acpiProcessorUid: 0 },
          { domain: 0, acpiProcessorUid: 1 },
        ],
        its: [{ domain: 0, itsId: 0 }],
      }),
    );
    check("SRAT2", 3, sratExpect(sratIn));
  });

  it("DSDT and SSDT decompile to the expected devices", () => {
    const dsdt = dis.dsl.get("DSDT")!;
    for (const dev of ["C000", "C001", "COM0", "PCI0", "RES0"]) expect(dsdt).toContain(`Device (${dev})`);
    expect(dsdt).toContain('Name (_HID, "ARMH0011")');
    expect(dsdt).toContain("Memory32Fixed (ReadWrite,\n                    0x09000000,");
    expect(dsdt).toMatch(
      /Interrupt \(ResourceConsumer, Level, ActiveHigh, Exclusive, ,, \)\s*\{\s*0x00000021,/,
    );
    expect(dsdt).toMatch(/WordBusNumber \(ResourceProducer, MinFixed, MaxFixed, PosDecode,/);
    expect(dsdt).toMatch(/Name \(_PRT, Package \(0x80\)/);
    expect(dsdt).toContain("Return (0x0000004010000000)");
    const ssdt = dis.dsl.get("SSDT1")!;
    expect(ssdt).toContain('"arm,primecell-periphid"');
    expect(ssdt).toContain('ToUUID ("daffd814-6eba-4d8c-8a91-bc9bbf4aa301")');
  });

  it("sample decompiles to the structure types of QEMU's comparable machine (shared/reference/qemu-acpi)", () => {
    // Facts read from the reference decompilation: MADT subtables 0C, 0B per CPU, 0E, 0F; IORT nodes
    // ITS group (0), SMMUv3 (4), root complex (2); PPTT processor nodes (0); tables APIC DBG2 DSDT
    // FACP GTDT IORT MCFG PPTT SPCR; DSDT devices ACPI0007 per CPU, ARMH0011, PNP0A08 + PNP0C02.
    const types = (name: string) =>
      fields(name)
        .filter((f) => f.name === "Subtable Type" || (f.name === "Type" && f.length === 1))
        .map((f) => f.value.slice(0, 2));
    expect(new Set(types("APIC"))).toEqual(new Set(["0B", "0C", "0E", "0F"]));
    expect(types("APIC").filter((t) => t === "0B").length).toBe(m.cpus);
    expect(types("IORT")).toEqual(["00", "04", "02"]);
    expect(types("PPTT")).toContain("00");
    for (const sig of ["APIC", "DBG2", "DSDT", "FACP", "GTDT", "IORT", "MCFG", "PPTT", "SPCR"])
      expect(sample.has(sig), sig).toBe(true);
    const dsdt = dis.dsl.get("DSDT")!;
    expect(dsdt.match(/"ACPI0007"/g)?.length).toBe(m.cpus);
    for (const hid of ['"ARMH0011"', '"PNP0A08"', '"PNP0A03"', '"PNP0C02"']) expect(dsdt).toContain(hid);
  });

  it("data tables survive iasl -d -> iasl (data-table compiler) -> the same bytes", () => {
    const names = [...all.keys()].filter((n) => !n.startsWith("DSDT") && !n.startsWith("SSDT"));
    const comp = iaslCompile(new Map(names.map((n) => [n, dis.dsl.get(n)!])));
    expect(comp.log).not.toMatch(/[1-9]\d* Errors/);
    for (const n of names) {
      const ours = all.get(n)!.slice();
      const back = comp.aml.get(n);
      expect(back, n).toBeDefined();
      const theirs = back!.slice();
      // iasl stamps its own compiler ID/revision (28-35) and so its own checksum (9)
      for (const b of [ours, theirs]) b.fill(0, 28, 36).fill(0, 9, 10);
      if (n.startsWith("IORT")) {
        // iasl 20200925 predates IORT E.b node identifiers (it compiles them as Reserved = 0)
        for (let at = 48; at < ours.length; at += ours[at + 1]! | (ours[at + 2]! << 8)) {
          ours.fill(0, at + 4, at + 8);
          theirs.fill(0, at + 4, at + 8);
        }
      }
      expect(Array.from(theirs), n).toEqual(Array.from(ours));
    }
  });
});
