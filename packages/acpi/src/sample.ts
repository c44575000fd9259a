import { type AmlFragment, aml } from "./aml/ast.js";
import {
  dwordMemory,
  mmioInterruptCrs,
  qwordMemory,
  resourceTemplate,
  wordBusNumber,
} from "./aml/resources.js";
import type { AcpiTableSet } from "./layout.js";
import { SmbiosBuilder } from "./smbios/smbios.js";
import { buildDsdt, buildSsdt } from "./tables/definition-block.js";
import type { AcpiTable } from "./tables/header.js";
import { buildIort } from "./tables/iort.js";
import { buildMadt, type MadtOptions } from "./tables/madt.js";
import { buildPptt, type PpttCache } from "./tables/pptt.js";
import { buildDbg2, buildFadt, buildGtdt, buildMcfg, buildSpcr, buildSrat } from "./tables/simple.js";

/** Placement of the sample machine (a virt-like board: 2 CPUs, GICv3 + ITS, PL011, ECAM, SMMUv3). */
export const SAMPLE_MACHINE = {
  cpus: 2,
  gicd: 0x0800_0000,
  its: 0x0808_0000,
  gicr: 0x080a_0000,
  gicrLength: 0x00f6_0000,
  uart: 0x0900_0000,
  uartGsiv: 33,
  rtc: 0x0901_0000,
  rtcGsiv: 34,
  smmu: 0x0905_0000,
  smmuGsivs: { event: 106, pri: 107, sync: 108, gerror: 109 },
  pcieIntxGsiv: 35,
  ecam: 0x40_1000_0000n,
  ecamBuses: 256,
  pcieMmio32: { base: 0x1000_0000, size: 0x2eff_0000 },
  pcieMmio64: { base: 0x80_0000_0000n, size: 0x80_0000_0000n },
  ram: { base: 0x4000_0000, size: 0x4000_0000 },
  pmuGsiv: 23,
  vgicMaintenanceGsiv: 25,
  timers: { secureEl1: 29, nonSecureEl1: 30, virtualEl1: 27, nonSecureEl2: 26 },
} as const;

/** The AML fragments a board would collect from its device packages. */
export function sampleFragments(): AmlFragment[] {
  const m = SAMPLE_MACHINE;
  const cpus: AmlFragment = {
    scope: "\\_SB",
    terms: Array.from({ length: m.cpus }, (_, i) =>
      aml.device(`C${i.toString(16).toUpperCase().padStart(3, "0")}`, [aml.hid("ACPI0007"), aml.uid(i)]),
    ),
  };
  const uart: AmlFragment = {
    scope: "\\_SB",
    terms: [
      aml.device("COM0", [
        aml.hid("ARMH0011"),
        aml.uid(0),
        mmioInterruptCrs(m.uart, 0x1000, m.uartGsiv),
        aml.method("_STA", {}, [aml.ret(0x0f)]),
      ]),
    ],
  };
  const prt = [];
  for (let dev = 0; dev < 32; dev++) {
    for (let pin = 0; pin < 4; pin++)
      prt.push({ device: dev, pin: pin as 0 | 1 | 2 | 3, gsi: m.pcieIntxGsiv + ((dev + pin) % 4) });
  }
  const ecamEnd = m.ecam + BigInt(m.ecamBuses) * 0x10_0000n;
  const pcie: AmlFragment = {
    scope: "\\_SB",
    terms: [
      aml.device("PCI0", [
        aml.hid("PNP0A08"),
        aml.cid("PNP0A03"),
        aml.name("_SEG", 0),
        aml.name("_BBN", 0),
        aml.uid(0),
        aml.cca(true),
        aml.prt(prt),
        aml.method("_CBA", {}, [aml.ret(m.ecam)]),
        aml.crs(
          resourceTemplate([
            wordBusNumber(0, m.ecamBuses),
            dwordMemory(m.pcieMmio32.base, m.pcieMmio32.size),
            qwordMemory(m.pcieMmio64.base, m.pcieMmio64.size),
          ]),
        ),
        aml.device("RES0", [
          aml.hid("PNP0C02"),
          aml.crs(resourceTemplate([qwordMemory(m.ecam, ecamEnd - m.ecam, { producer: false })])),
        ]),
      ]),
    ],
  };
  return [cpus, uart, pcie];
}

/** The sample machine's MADT: a GICC per CPU, the GICD, one GICR range and the ITS. */
export function sampleMadt(): MadtOptions {
  const m = SAMPLE_MACHINE;
  return {
    giccs: Array.from({ length: m.cpus }, (_, i) => ({
      cpuInterfaceNumber: i,
      acpiProcessorUid: i,
      mpidr: i,
      pmuGsiv: m.pmuGsiv,
      vgicMaintenanceGsiv: m.vgicMaintenanceGsiv,
    })),
    gicd: { base: m.gicd, version: 3 },
    gicrs: [{ base: m.gicr, length: m.gicrLength }],
    its: [{ id: 0, base: m.its }],
  };
}

/** The sample machine's complete table set (FADT, DSDT, MADT, GTDT, SPCR, DBG2, MCFG, IORT, PPTT, SRAT, one SSDT). */
export function sampleTableSet(): AcpiTableSet {
  const m = SAMPLE_MACHINE;
  const dsdt = buildDsdt(sampleFragments());
  const ssdt = buildSsdt(
    [
      {
        scope: "\\_SB",
        terms: [
          aml.device("RTC0", [
            aml.hid("ARMH0061"),
            aml.uid(0),
            mmioInterruptCrs(m.rtc, 0x1000, m.rtcGsiv),
            aml.dsd({ "arm,primecell-periphid": 0x00041031 }),
          ]),
        ],
      },
    ],
    { oemTableId: "RTC" },
  );
  const cpuIds = Array.from({ length: m.cpus }, (_, i) => i);
  const l2: PpttCache = { type: "unified", size: 0x20_0000, sets: 2048, associativity: 16, lineSize: 64 };
  const tables: AcpiTable[] = [
    buildMadt(sampleMadt()),
    buildGtdt({
      secureEl1: { gsiv: m.timers.secureEl1 },
      nonSecureEl1: { gsiv: m.timers.nonSecureEl1, alwaysOn: true },
      virtualEl1: { gsiv: m.timers.virtualEl1 },
      nonSecureEl2: { gsiv: m.timers.nonSecureEl2 },
    }),
    buildSpcr({ base: m.uart, gsiv: m.uartGsiv }),
    buildDbg2([{ base: m.uart, size: 0x1000, namespace: "\\_SB.COM0" }]),
    buildMcfg([{ base: m.ecam, segment: 0, startBus: 0, endBus: m.ecamBuses - 1 }]),
    buildIort([
      { type: "its", name: "its", itsIds: [0] },
      {
        type: "smmuv3",
        name: "smmu",
        base: m.smmu,
        eventGsiv: m.smmuGsivs.event,
        priGsiv: m.smmuGsivs.pri,
        gerrorGsiv: m.smmuGsivs.gerror,
        syncGsiv: m.smmuGsivs.sync,
        mappings: [{ inputBase: 0, count: 0x10000, outputBase: 0, output: "its" }],
      },
      {
        type: "rc",
        name: "pci0",
        segment: 0,
        mappings: [{ inputBase: 0, count: 0x10000, outputBase: 0, output: "smmu" }],
      },
    ]),
    buildPptt([
      {
        physicalPackage: true,
        children: cpuIds.map((i) => ({
          acpiProcessorId: i,
          caches: [
            { type: "data" as const, size: 0x8000, sets: 128, associativity: 4, lineSize: 64, next: l2 },
            {
              type: "instruction" as const,
              size: 0xc000,
              sets: 256,
              associativity: 3,
              lineSize: 64,
              next: l2,
            },
          ],
        })),
      },
    ]),
    buildSrat({
      memory: [{ domain: 0, base: m.ram.base, length: m.ram.size }],
      giccs: cpuIds.map((i) => ({ domain: 0, acpiProcessorUid: i })),
      its: [{ domain: 0, itsId: 0 }],
    }),
    ssdt,
  ];
  return { fadt: buildFadt(), dsdt, tables };
}

/** The sample machine's SMBIOS (values of the kind a VM reports). */
export function sampleSmbios(): SmbiosBuilder {
  const m = SAMPLE_MACHINE;
  const s = new SmbiosBuilder();
  s.addBios({ vendor: "Armature", version: "0.1.0", releaseDate: "11/21/2026", biosMajor: 0, biosMinor: 1 });
  s.addSystem({
    manufacturer: "Armature",
    productName: "Armature Virtual Machine",
    version: "sample-1",
    serialNumber: "ARM-0001",
    uuid: "5b8a1a4e-3c2d-4f1e-9a7b-0c1d2e3f4a5b",
    skuNumber: "sample",
    family: "Virtual Machine",
  });
  const chassis = s.addChassis({ manufacturer: "Armature", type: 1, version: "sample-1" });
  s.addBaseboard({ manufacturer: "Armature", product: "virt board", version: "1", chassis });
  s.addProcessor({
    socket: "CPU 0",
    manufacturer: "Armature",
    version: "AArch64 model",
    processorId: 0x410f_d083,
    maxSpeedMHz: 2000,
    currentSpeedMHz: 2000,
    coreCount: m.cpus,
  });
  const array = s.addMemoryArray({ maxCapacity: m.ram.size, devices: 1 });
  s.addMemoryDevice({ array, size: m.ram.size, locator: "DIMM 0", manufacturer: "Armature" });
  s.addMappedAddress({ array, start: m.ram.base, length: m.ram.size });
  s.addSystemBoot();
  return s;
}
