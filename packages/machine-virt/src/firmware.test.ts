import { VIRT_FLASH_BANK_SIZE } from "@armature/cfi-flash";
import { ConfigError, MemoryBlockBackend, type PciFunction } from "@armature/core";
import { parseDtb } from "@armature/fdt";
import { FW_CFG_FILE } from "@armature/fw-cfg";
import { VirtioBlk, VirtioPciFunction } from "@armature/virtio";
import { describe, expect, it } from "vitest";
import { type VirtSataDevice, virtConfig } from "./config.js";
import { describeVirtAcpi, describeVirtDt } from "./describe.js";
import { QEMU_LAYOUT } from "./layout.js";
import { VirtMachine } from "./machine.js";

const code = Uint8Array.from({ length: 4096 }, (_, i) => i & 0xff);

describe("firmware on the qemu layout (fw_cfg + CFI flash)", () => {
  it("needs the qemu layout and whole flash banks", () => {
    expect(() => virtConfig({ layout: "vz", firmware: { code } })).toThrow(ConfigError);
    expect(() => virtConfig({ layout: "qemu", firmware: { code: new Uint8Array(0) } })).toThrow(/1\.\./);
    expect(() => virtConfig({ layout: "qemu", firmware: { code, vars: new Uint8Array(10) } })).toThrow(
      /exactly/,
    );
  });

  it("describes fw_cfg and both flash banks as QEMU's virt does, and fw_cfg in the DSDT", () => {
    const dt = describeVirtDt({ layout: "qemu", firmware: { code } });
    const fw = dt.child("fw-cfg@9020000");
    expect(fw?.property("dma-coherent")).toBeDefined();
    const flash = dt.child("flash@0");
    expect(flash?.property("reg")?.value.length).toBe(32);
    expect(describeVirtDt({ layout: "qemu" }).child("fw-cfg@9020000")).toBeUndefined();
    const dsdt = describeVirtAcpi({ layout: "qemu", firmware: { code } }).dsdt.bytes;
    expect(Buffer.from(dsdt).includes(Buffer.from("QEMU0002"))).toBe(true);
  });

  it("starts the CPU at the code bank with the DTB at the start of RAM and fills fw_cfg", () => {
    const m = new VirtMachine({
      layout: "qemu",
      memoryMiB: 128,
      deterministic: true,
      net: "none",
      firmware: { code },
      kernel: new Uint8Array(64),
      cmdline: "console=ttyAMA0 quiet",
    });
    expect(m.boot).toBeUndefined();
    expect(m.bus.read(QEMU_LAYOUT.flash![0] + 4, 4)).toBe(0x0706_0504);
    expect(m.bus.read(VIRT_FLASH_BANK_SIZE - 4, 4)).toBe(0xffff_ffff);
    const cpu = m.cpus[0]!;
    expect(Number(cpu.pc)).toBe(0);
    const dtb = parseDtb(m.ram.u8.subarray(0, m.dtb.length));
    expect(dtb.root.child("fw-cfg@9020000")).toBeDefined();
    expect(dtb.root.child("chosen")?.property("stdout-path")).toBeDefined();
    for (const f of Object.values(FW_CFG_FILE)) expect(m.fwCfg!.file(f), f).toBeDefined();
    // No boot order given: "bootorder" is there and empty, as on QEMU without bootindex.
    expect(m.fwCfg!.file(FW_CFG_FILE.bootOrder)!.length).toBe(0);
    // The variable store answers the CFI query through the bus.
    m.bus.write(QEMU_LAYOUT.flash![1] + 0x55 * 4, 4, 0x0098_0098);
    expect(m.bus.read(QEMU_LAYOUT.flash![1] + 0x10 * 4, 4)).toBe(0x0051_0051);
    // All interrupts start in Group 1 (no EL3 to move them there): the timer PPI's bit.
    expect(m.bus.read(QEMU_LAYOUT.gicr + 0x1_0080, 4) >>> 0).toBe(0xffff_ffff);
    expect(m.bus.read(QEMU_LAYOUT.gicr + 0x14, 4) & 2).toBe(0); // GICR_WAKER.ProcessorSleep
  });

  it("bootOrder: fw_cfg's bootorder lists the virtio-blk disk and SATA ports by their PCI slots", () => {
    const disk = new MemoryBlockBackend(new Uint8Array(1 << 20));
    const sata: VirtSataDevice[] = [
      { kind: "disk", backend: new MemoryBlockBackend(new Uint8Array(1 << 20)) },
      { kind: "cdrom" },
    ];
    const m = new VirtMachine({
      layout: "qemu",
      memoryMiB: 128,
      net: "none",
      disk,
      sata,
      firmware: { code, bootOrder: [{ kind: "sata", port: 1 }, { kind: "disk" }] },
    });
    const slot = (match: (f: PciFunction) => boolean) => m.pci.functions().find((f) => match(f.fn))!.device;
    const blk = slot((f) => f instanceof VirtioPciFunction && f.device instanceof VirtioBlk);
    const ahci = slot((f) => f === m.ahci);
    expect(Buffer.from(m.fwCfg!.file(FW_CFG_FILE.bootOrder)!).toString("latin1")).toBe(
      `/pci@ffffffffffffffff/pci8086,2922@${ahci.toString(16)}/drive@1/disk@0\n/pci@ffffffffffffffff/scsi@${blk.toString(16)}/disk@0,0\0`,
    );
    const base = { layout: "qemu" as const, disk, sata };
    expect(() => virtConfig({ ...base, firmware: { code, bootOrder: [{ kind: "sata", port: 2 }] } })).toThrow(
      /does not have/,
    );
    expect(() => virtConfig({ layout: "qemu", firmware: { code, bootOrder: [{ kind: "disk" }] } })).toThrow(
      /no disk/,
    );
    expect(() =>
      virtConfig({ ...base, firmware: { code, bootOrder: [{ kind: "disk" }, { kind: "disk" }] } }),
    ).toThrow(/twice/);
  });

  it("acpi: false leaves the ACPI files out of fw_cfg (QEMU's acpi=off) and keeps SMBIOS and the DT", () => {
    expect(() => virtConfig({ layout: "qemu", firmware: { code, acpi: "off" as never } })).toThrow(
      /firmware\.acpi/,
    );
    const m = new VirtMachine({
      layout: "qemu",
      memoryMiB: 128,
      net: "none",
      firmware: { code, acpi: false },
    });
    for (const f of [FW_CFG_FILE.acpiRsdp, FW_CFG_FILE.acpiTables, FW_CFG_FILE.tableLoader])
      expect(m.fwCfg!.file(f), f).toBeUndefined();
    for (const f of [FW_CFG_FILE.smbiosAnchor, FW_CFG_FILE.smbiosTables])
      expect(m.fwCfg!.file(f), f).toBeDefined();
    expect(parseDtb(m.ram.u8.subarray(0, m.dtb.length)).root.child("fw-cfg@9020000")).toBeDefined();
  });
});
