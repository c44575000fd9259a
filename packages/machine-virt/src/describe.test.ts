import { execFileSync } from "node:child_process";
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
    expect(() => virtConfig({ memoryMiB: 63 })).toThrow(/memoryMiB must be an integer in 64..8192/);
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

/** The machine's tree with /chosen emptied (the loader filled it). */
function withoutChosenProps(m: VirtMachine) {
  const chosen = m.fdt.child("chosen")!;
  for (const p of [...chosen.properties]) chosen.removeProperty(p.name);
  return m.fdt;
}
