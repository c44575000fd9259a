import { execFileSync } from "node:child_process";
import { MemoryBlockBackend } from "@armature/core";
import { GUID } from "@armature/uefi";
import { bootImageFileOf, buildTestPe } from "@armature/uefi/test";
import { describe, expect, it } from "vitest";
import { VirtMachine } from "./machine.js";

const bytes = () => {
  let s = "";
  return { write: (b: Uint8Array) => (s += new TextDecoder().decode(b)), text: () => s };
};

describe("the virt board's built-in UEFI (uefi option)", () => {
  for (const layout of ["vz", "qemu"] as const) {
    it(`${layout} layout: starts an EFI application, publishes the DT in the configuration table, stops when it returns`, async () => {
      const con = bytes();
      const m = new VirtMachine({ layout, uefi: true, kernel: buildTestPe(), net: "none", console: con });
      const tables = m.uefi!.configurationTables().map((t) => t.guid);
      expect(tables).toContain(GUID.DEVICE_TREE);
      expect(tables).not.toContain(GUID.ACPI_20_TABLE);
      // The DT the firmware publishes is the one dtc reads back, with the UART as stdout-path.
      const dts = execFileSync("dtc", ["-I", "dtb", "-O", "dts", "-q"], { input: m.dtb }).toString();
      expect(dts).toMatch(/stdout-path = "\/pl011@[0-9a-f]+"/);
      expect(await m.run({ maxInstructions: 5_000_000 })).toBe("halted");
      expect(con.text()).toMatch(/machine-virt: the boot image returned \(status 0x0\)/);
    });
  }

  it("a kernel given as a BootImageFile runs as the same bytes do (UEFI reads it into RAM; direct boot reads it all)", async () => {
    const image = buildTestPe();
    const { file, reads } = bootImageFileOf(image);
    const runs: [string, number][] = [];
    for (const kernel of [image, file]) {
      const con = bytes();
      const m = new VirtMachine({ layout: "qemu", uefi: true, kernel, net: "none", console: con });
      expect(await m.run({ maxInstructions: 5_000_000 })).toBe("halted");
      runs.push([con.text(), m.retired()]);
    }
    expect(runs[1]).toEqual(runs[0]);
    expect(runs[0]![0]).toMatch(/the boot image returned \(status 0x0\)/);
    expect(reads.length).toBeGreaterThan(1); // the headers, then the sections
    const direct = [image, file].map((kernel) => {
      const m = new VirtMachine({ layout: "qemu", kernel, net: "none" });
      const at = m.boot!.kernel.address - 0x4000_0000;
      return m.ram.u8.slice(at, at + image.length);
    });
    expect(direct[1]).toEqual(direct[0]);
    expect(direct[0]).toEqual(image);
  });

  it("acpi: ACPI 2.0 and SMBIOS 3 tables, no DT", () => {
    const m = new VirtMachine({ layout: "qemu", uefi: { acpi: true }, kernel: buildTestPe(), net: "none" });
    const tables = m.uefi!.configurationTables().map((t) => t.guid);
    expect(tables).toEqual(expect.arrayContaining([GUID.ACPI_20_TABLE, GUID.SMBIOS3_TABLE]));
    expect(tables).not.toContain(GUID.DEVICE_TREE);
    m.close();
  });

  it("without a kernel the boot manager looks at the disks and says when nothing boots", async () => {
    const con = bytes();
    const m = new VirtMachine({
      layout: "vz",
      uefi: true,
      disk: new MemoryBlockBackend(1 << 20),
      net: "none",
      console: con,
    });
    expect(await m.run({ maxInstructions: 5_000_000 })).toBe("halted");
    expect(con.text()).toMatch(/machine-virt: the firmware's boot manager has nothing left to boot/);
  });

  it("refuses firmware together with uefi, and uefi without a kernel or disk", () => {
    expect(
      () =>
        new VirtMachine({ layout: "qemu", uefi: true, firmware: { code: new Uint8Array(4) }, net: "none" }),
    ).toThrow(/give one of them/);
    expect(() => new VirtMachine({ layout: "vz", uefi: true, net: "none" })).toThrow(
      /needs a kernel, or a disk/,
    );
    expect(
      () => new VirtMachine({ layout: "vz", uefi: { acpi: 1 as unknown as boolean }, net: "none" }),
    ).toThrow(/uefi must be/);
  });
});
