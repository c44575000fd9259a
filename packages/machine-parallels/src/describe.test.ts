// The board's ACPI tables judged by iasl and its SMBIOS by dmidecode (independent readers).
import { dmidecodeDump, IASL_PROBLEM, iaslDisassemble } from "@armature/acpi/test";
import { ConfigError } from "@armature/core";
import { describe, expect, it } from "vitest";
import { parallelsConfig } from "./config.js";
import { describeParallelsAcpi, describeParallelsSmbios } from "./describe.js";

function disassemble(o: Parameters<typeof describeParallelsAcpi>[0]) {
  const set = describeParallelsAcpi(o);
  const all = [set.fadt, set.dsdt, ...set.tables];
  const d = iaslDisassemble(new Map(all.map((t) => [t.signature, t.bytes])));
  return { signatures: all.map((t) => t.signature).sort(), ...d };
}

describe("the Parallels-like board's ACPI tables (iasl -d)", () => {
  it("FADT, DSDT, MADT, GTDT, SPCR, PPTT, IORT, DBG2 and no MCFG; iasl has no complaint", () => {
    const d = disassemble({ cpus: 2 });
    expect(d.signatures).toEqual(["APIC", "DBG2", "DSDT", "FACP", "GTDT", "IORT", "PPTT", "SPCR"]);
    expect(d.log).not.toMatch(IASL_PROBLEM);
    for (const [sig, dsl] of d.dsl) expect(dsl, sig).not.toMatch(/Invalid|\*\*\*\*/);
    const fadt = d.dsl.get("FACP")!;
    expect(fadt).toMatch(/Hardware Reduced \(V5\) : 1/);
    expect(fadt).toMatch(/PSCI Compliant : 1/);
    expect(fadt).toMatch(/Must use HVC for PSCI : 1/);
    const madt = d.dsl.get("APIC")!;
    expect(madt.match(/\[Generic Interrupt Controller\]/g)).toHaveLength(2);
    expect(madt).toMatch(/Base Address : 0000000002010000/);
    expect(madt).toMatch(/Base Address : 0000000002500000/);
    expect(madt).toMatch(/Generic MSI Frame[\s\S]*Base Address : 0000000002250000/);
    expect(madt).not.toMatch(/Generic Interrupt Translator/);
  });

  it("DSDT: the Parallels VM's ACPI ids and addresses, _CCA 1 on every DMA master", () => {
    const dsdt = disassemble({}).dsl.get("DSDT")!;
    const device = (name: string) => {
      const at = dsdt.indexOf(`Device (${name})`);
      expect(at, name).toBeGreaterThanOrEqual(0);
      const next = dsdt.indexOf("Device (", at + 1);
      return dsdt.slice(at, next < 0 ? undefined : next);
    };
    const com0 = device("COM0");
    expect(com0).toContain('"ARMH0011"');
    expect(com0).toMatch(/0x02110000/);
    expect(com0).toMatch(/0x00000020,/); // GSIV 32
    const sata = device("SATA");
    expect(sata).toContain('"PRL4010"');
    expect(sata).toMatch(/0x02140000/);
    expect(sata).toMatch(/0x00000022,/); // GSIV 34
    expect(device("VR01")).toMatch(/"PRL4006"[\s\S]*_CID[\s\S]*"LNRO0005"[\s\S]*0x021A0000/);
    expect(device("VR00")).toContain('"LNRO0005"');
    expect(device("VR02")).toContain('"LNRO0005"');
    expect(device("XHC0")).toContain('"PNP0D10"');
    expect(device("EHC0")).toContain('"PNP0D20"');
    for (const n of ["SATA", "VR00", "VR01", "VR02", "XHC0", "EHC0"])
      expect(device(n), n).toMatch(/Name \(_CCA, One\)/);
    expect(dsdt).not.toContain("PNP0A08"); // no PCI host bridge
    // The power button: a GED with one edge interrupt whose _EVT notifies PWRB (0x80: pressed).
    expect(device("PWRB")).toMatch(/"PNP0C0C"/);
    const ged = device("GED0");
    expect(ged).toContain('"ACPI0013"');
    expect(ged).toMatch(
      /Interrupt \(ResourceConsumer, Edge, ActiveHigh, Exclusive, ,, \)\s*\{\s*0x00000028,/,
    );
    expect(ged).toMatch(
      /Method \(_EVT, 1, Serialized\)[\s\S]*If \(\(Arg0 == 0x28\)\)[\s\S]*Notify \(\\_SB\.PWRB, 0x80\)/,
    );
  });

  it("IORT: the SMMUv3 and one named component per DMA master, by full ACPI path; none without the SMMU", () => {
    const iort = disassemble({}).dsl.get("IORT")!;
    expect(iort).toMatch(/Type : 04[\s\S]*Base Address : 0000000002300000/);
    const names = [...iort.matchAll(/Device Name : "([^"]+)"/g)].map((m) => m[1]);
    expect(names).toEqual([
      "\\_SB_.SATA",
      "\\_SB_.EHC0",
      "\\_SB_.XHC0",
      "\\_SB_.VR00",
      "\\_SB_.VR01",
      "\\_SB_.VR02",
    ]);
    expect(disassemble({ iommu: "none" }).signatures).not.toContain("IORT");
  });

  it("a ConfigError for each bad option", () => {
    expect(() => parallelsConfig({ cpus: 9 })).toThrow(/cpus must be an integer in 1..8/);
    expect(() => parallelsConfig({ memoryMiB: 64 })).toThrow(ConfigError);
    expect(() => parallelsConfig({ mac: "01:1c:42:00:00:01" })).toThrow(/multicast/);
    expect(() => parallelsConfig({ uuid: "nope" })).toThrow(/RFC 4122/);
    expect(() => parallelsConfig({ iommu: "smmuv2" as "none" })).toThrow(/iommu must be/);
  });
});

describe("the board's SMBIOS (dmidecode --from-dump)", () => {
  it("shows the Parallels VM's strings and the configured UUID, serial and MIDR", () => {
    const uuid = "12345678-9abc-4def-8123-456789abcdef";
    const r = dmidecodeDump(describeParallelsSmbios({ uuid, serial: "Parallels-TEST", cpus: 4 }).buildDump());
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(
      /System Information\n\s+Manufacturer: Parallels International GmbH\.\n\s+Product Name: Parallels ARM Virtual Machine/,
    );
    expect(r.stdout).toMatch(/Serial Number: Parallels-TEST/);
    expect(r.stdout).toMatch(new RegExp(`UUID: ${uuid}`));
    expect(r.stdout).toMatch(/SKU Number: Parallels_ARM_VM\n\s+Family: Parallels VM/);
    expect(r.stdout).toMatch(
      /BIOS Information\n\s+Vendor: Parallels International GmbH\.\n\s+Version: \d+\.\d+\.\d+ \(\d+\)/,
    );
    expect(r.stdout).toMatch(/ID: 00 00 0F 41 00 00 00 00/); // MIDR 0x410f0000, little-endian
    expect(r.stdout).toMatch(/Core Count: 4/);
  });
});
