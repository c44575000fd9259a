import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ConfigError } from "@armature/core";
import { serializeDtb } from "@armature/fdt";
import { gicShape } from "@armature/gic";
import { describe, expect, it } from "vitest";
import { virtConfig } from "./config.js";
import { describeVirtAcpi, describeVirtDt } from "./describe.js";
import { QEMU_LAYOUT, VZ_LAYOUT } from "./layout.js";
import { VirtMachine } from "./machine.js";

describe("describing the virt board is a pure function of (layout, options)", () => {
  it.each(["vz", "qemu"] as const)("%s: the description equals the built machine's tree", (layout) => {
    const opts = { layout, cpus: 3, memoryMiB: 256, rtc: false };
    const pure = serializeDtb(describeVirtDt(opts));
    const m = new VirtMachine({ ...opts, kernel: new Uint8Array(64), deterministic: true });
    expect(serializeDtb(withoutChosenProps(m))).toEqual(pure);
    // The GIC facts the description assumed are the built GIC's.
    const L = layout === "qemu" ? QEMU_LAYOUT : VZ_LAYOUT;
    expect(gicShape(m.gic)).toEqual({
      mpidrs: [0x8000_0000, 0x8000_0001, 0x8000_0002],
      redistributorRegionSizes: [3 * 0x20000],
      itsBases: L.its === undefined ? [] : [L.its],
      v2mFrames: L.v2m === undefined ? [] : [{ base: L.v2m, spiBase: L.v2mSpiBase, spiCount: L.v2mSpiCount }],
    });
  });

  it("refuses overlapping parts and impossible sizes with a ConfigError naming them", () => {
    expect(() => describeVirtDt({ layout: { ...QEMU_LAYOUT, rtc: QEMU_LAYOUT.uart + 0x800 } })).toThrow(
      /"pl031" at 0x9000800 overlaps "pl011"/,
    );
    expect(() => describeVirtDt({ cpus: 9 })).toThrow(ConfigError);
    expect(() => virtConfig({ memoryMiB: 63 })).toThrow(/memoryMiB must be an integer in 64..4096/);
    expect(() => virtConfig({ layout: { ...VZ_LAYOUT, gicrSpace: 0x20000 }, cpus: 2 })).toThrow(
      /2 redistributors do not fit/,
    );
  });

  it.each(["vz", "qemu"] as const)("%s: iasl disassembles every ACPI table without complaint", (layout) => {
    const set = describeVirtAcpi({ layout, cpus: 2 });
    const all = [set.fadt, set.dsdt, ...set.tables];
    expect(all.map((t) => t.signature).sort()).toEqual(
      (layout === "qemu"
        ? ["APIC", "DBG2", "DSDT", "FACP", "GTDT", "IORT", "MCFG", "SPCR"]
        : ["APIC", "DBG2", "DSDT", "FACP", "GTDT", "MCFG", "SPCR"]
      ).sort(),
    );
    const dir = mkdtempSync(join(tmpdir(), "armature-virt-acpi-"));
    try {
      for (const t of all) writeFileSync(join(dir, `${t.signature}.dat`), t.bytes);
      const log = execFileSync("sh", ["-c", "iasl -d *.dat 2>&1"], { cwd: dir }).toString();
      expect(log).not.toMatch(/error|warning|invalid|incorrect/i);
      const madt = readFileSync(join(dir, "APIC.dsl"), "utf8");
      expect(madt.match(/Subtable Type : 0B \[Generic Interrupt Controller\]/g)).toHaveLength(2);
      expect(madt).toMatch(layout === "qemu" ? /Generic Interrupt Translator/ : /Generic MSI Frame/);
      const dsdt = readFileSync(join(dir, "DSDT.dsl"), "utf8");
      expect(dsdt).toContain('"ARMH0011"');
      expect(dsdt).toContain('"ARMH0061"');
      expect(dsdt).toContain("PNP0A08");
      const uart = layout === "qemu" ? QEMU_LAYOUT.uart : VZ_LAYOUT.uart;
      expect(readFileSync(join(dir, "SPCR.dsl"), "utf8")).toMatch(
        new RegExp(`Address : 0*${uart.toString(16).toUpperCase()}`),
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('iommu: "smmuv3" puts an SMMUv3 in front of the PCI functions', () => {
  it.each(["vz", "qemu"] as const)(
    "%s: dtc accepts the tree; the SMMU node and the bridge's iommu-map",
    (layout) => {
      const L = layout === "qemu" ? QEMU_LAYOUT : VZ_LAYOUT;
      const dir = mkdtempSync(join(tmpdir(), "armature-virt-smmu-dt-"));
      try {
        const opts = { layout, iommu: "smmuv3" } as const;
        writeFileSync(join(dir, "virt.dtb"), serializeDtb(describeVirtDt(opts)));
        const r = spawnSync(
          "dtc",
          ["-I", "dtb", "-O", "dts", "-o", join(dir, "virt.dts"), join(dir, "virt.dtb")],
          {
            encoding: "utf8",
          },
        );
        expect(r.status, r.stderr).toBe(0);
        // Only dtc's complaint about the board's existing msi-parent (no #msi-cells on the ITS) is allowed.
        expect(r.stderr.split("\n").filter((l) => l !== "" && !/msi_parent_property/.test(l))).toEqual([]);
        const dts = readFileSync(join(dir, "virt.dts"), "utf8");
        const smmu = dts.match(/smmuv3@([0-9a-f]+) \{[^}]*\}/)?.[0] ?? "";
        expect(smmu).toContain(`smmuv3@${L.smmu!.toString(16)}`);
        expect(smmu).toContain('compatible = "arm,smmu-v3"');
        expect(smmu).toContain("#iommu-cells = <0x01>");
        const spi0 = L.smmuSpi!;
        const cell = (n: number) => `0x00 0x${n.toString(16).padStart(2, "0")} 0x01`;
        expect(smmu).toContain(`interrupts = <${cell(spi0)} ${cell(spi0 + 3)} ${cell(spi0 + 2)}>`);
        const phandle = smmu.match(/phandle = <(0x[0-9a-f]+)>/)![1];
        expect(dts).toMatch(new RegExp(`iommu-map = <0x00 ${phandle} 0x00 0x10000>`));
        // Without the option: no SMMU, no iommu-map.
        expect(describeVirtDt({ layout }).children.some((n) => n.name.startsWith("smmuv3@"))).toBe(false);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  );

  it.each(["vz", "qemu"] as const)(
    "%s: iasl decodes an IORT with the SMMUv3 node and the root complex behind it",
    (layout) => {
      const L = layout === "qemu" ? QEMU_LAYOUT : VZ_LAYOUT;
      const set = describeVirtAcpi({ layout, iommu: "smmuv3" });
      const dir = mkdtempSync(join(tmpdir(), "armature-virt-smmu-acpi-"));
      try {
        for (const t of [set.fadt, set.dsdt, ...set.tables])
          writeFileSync(join(dir, `${t.signature}.dat`), t.bytes);
        const log = execFileSync("sh", ["-c", "iasl -d *.dat 2>&1"], { cwd: dir }).toString();
        expect(log).not.toMatch(/error|warning|invalid|incorrect/i);
        const iort = readFileSync(join(dir, "IORT.dsl"), "utf8");
        const field = (name: string) =>
          [...iort.matchAll(new RegExp(`${name} : ([0-9A-F]+)`, "g"))].map((m) => m[1]);
        // ITS group (qemu) + SMMUv3 + root complex, or SMMUv3 + root complex (vz: GICv2m, no ITS).
        expect(field("Type")).toEqual(layout === "qemu" ? ["00", "04", "02"] : ["04", "02"]);
        expect(field("Base Address")).toEqual([L.smmu!.toString(16).toUpperCase().padStart(16, "0")]);
        const gsiv = (k: number) => (32 + L.smmuSpi! + k).toString(16).toUpperCase().padStart(8, "0");
        expect([field("Event GSIV"), field("PRI GSIV"), field("Sync GSIV"), field("GERR GSIV")]).toEqual([
          [gsiv(0)],
          [gsiv(1)],
          [gsiv(2)],
          [gsiv(3)],
        ]);
        // The root complex's single mapping points at the SMMU node; the SMMU's (qemu) at the ITS group.
        const offsets = field("Output Reference");
        const smmuOffset = layout === "qemu" ? "00000048" : "00000030";
        expect(offsets.at(-1)).toBe(smmuOffset);
        if (layout === "qemu") expect(offsets[0]).toBe("00000030");
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  );

  it("refuses an unknown iommu and a layout without an SMMU window with a ConfigError", () => {
    expect(() => virtConfig({ iommu: "intel" as "none" })).toThrow(
      /unknown iommu "intel": use "none" or "smmuv3"/,
    );
    const { smmu: _s, smmuSpi: _i, ...bare } = QEMU_LAYOUT;
    expect(() => virtConfig({ layout: bare, iommu: "smmuv3" })).toThrow(ConfigError);
    expect(() => virtConfig({ layout: bare, iommu: "smmuv3" })).toThrow(
      /needs the layout's smmu and smmuSpi/,
    );
    expect(virtConfig({ layout: bare }).iommu).toBe("none");
  });

  it("the built machine maps the SMMU and its description equals the pure one", () => {
    const opts = { layout: "qemu" as const, iommu: "smmuv3" as const, memoryMiB: 128 };
    const m = new VirtMachine({ ...opts, kernel: new Uint8Array(64), deterministic: true });
    expect(m.smmu).toBeDefined();
    expect(serializeDtb(withoutChosenProps(m))).toEqual(serializeDtb(describeVirtDt(opts)));
    // SMMU_IDR0 reads through the bus at the layout's window (a non-zero feature word).
    expect(m.bus.read(QEMU_LAYOUT.smmu!, 4)).not.toBe(0);
  });
});

/** The machine's tree with /chosen emptied (the loader filled it). */
function withoutChosenProps(m: VirtMachine) {
  const chosen = m.fdt.child("chosen")!;
  for (const p of [...chosen.properties]) chosen.removeProperty(p.name);
  return m.fdt;
}
