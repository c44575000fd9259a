import { readFileSync } from "node:fs";
import { FdtNode } from "@armature/fdt";
import { describe, expect, it } from "vitest";
import { VirtioMmio, VirtioMmioReg } from "./mmio.js";
import { VirtioRng } from "./rng.js";
import { DriverSplitQueue, GuestMemory, initializeDevice, MmioTransportDriver } from "./test/index.js";

describe("virtio-mmio", () => {
  it("describe() matches QEMU virt's virtio_mmio@a000000 node", () => {
    const text = readFileSync("/work/shared/reference/qemu-virt.dts", "utf8");
    const start = text.indexOf("virtio_mmio@a000000 {");
    const body = text.slice(start, text.indexOf("};", start));
    const mem = new GuestMemory();
    const d = new MmioTransportDriver();
    const t = new VirtioMmio(new VirtioRng(), { dma: mem.dma, irq: d.line });
    const root = new FdtNode("");
    const n = t.describe(root, { base: 0x0a00_0000, interrupts: [0, 0x10, 1] });
    expect(body.startsWith(n.name)).toBe(true);
    const cells = (name: string) => {
      const v = n.property(name)!.value;
      return Array.from({ length: v.length / 4 }, (_, i) =>
        new DataView(v.buffer, v.byteOffset).getUint32(4 * i),
      ).map((x) => `0x${x.toString(16).padStart(2, "0")}`);
    };
    const refCells = (name: string) => body.match(new RegExp(`${name} = <([^>]*)>`))![1]!.split(" ");
    expect(cells("reg")).toEqual(refCells("reg"));
    expect(cells("interrupts")).toEqual(refCells("interrupts"));
    expect(new TextDecoder().decode(n.property("compatible")!.value)).toBe("virtio,mmio\0");
    expect(body).toContain("dma-coherent;");
    expect(n.property("dma-coherent")!.value.length).toBe(0);
  });

  it("ACPI data matches QEMU virt's DSDT VR00 device", () => {
    const dsl = readFileSync("/work/shared/reference/qemu-acpi/DSDT.dsl", "utf8");
    const at = dsl.indexOf("Device (VR00)");
    const body = dsl.slice(at, dsl.indexOf("Device (VR01)"));
    const mem = new GuestMemory();
    const d = new MmioTransportDriver();
    const t = new VirtioMmio(new VirtioRng(), { dma: mem.dma, irq: d.line });
    const gsi = Number(body.match(/Interrupt \([^)]*\)\s*\{\s*(0x[0-9A-Fa-f]+)/)![1]);
    const a = t.acpiDescription({ base: 0x0a00_0000, gsi, uid: 0 });
    expect(body).toContain(`Name (_HID, "${a.hid}")`);
    expect(body).toContain("Name (_UID, Zero)");
    expect(body).toContain(`Name (_CCA, ${a.cca ? "One" : "Zero"})`);
    const m = body.match(/Memory32Fixed \((\w+),\s*(0x[0-9A-F]+),[^\n]*\n\s*(0x[0-9A-F]+)/)!;
    expect(m[1]).toBe(a.memory32Fixed.writable ? "ReadWrite" : "ReadOnly");
    expect(Number(m[2])).toBe(a.memory32Fixed.base);
    expect(Number(m[3])).toBe(a.memory32Fixed.length);
    const irq = body.match(/Interrupt \(ResourceConsumer, (\w+), (\w+), (\w+)/)!;
    expect(irq[1]).toBe(a.interrupt.edge ? "Edge" : "Level");
    expect(irq[2]).toBe(a.interrupt.activeHigh ? "ActiveHigh" : "ActiveLow");
    expect(irq[3]).toBe(a.interrupt.exclusive ? "Exclusive" : "Shared");
    expect(a.interrupt.gsi).toBe(48);
  });

  it("identifies as version 2 and answers unused registers like hardware", () => {
    const mem = new GuestMemory();
    const d = new MmioTransportDriver();
    const t = new VirtioMmio(new VirtioRng(), { dma: mem.dma, irq: d.line });
    expect(t.read(VirtioMmioReg.MagicValue, 4)).toBe(0x74726976);
    expect(t.read(VirtioMmioReg.Version, 4)).toBe(2);
    expect(t.read(VirtioMmioReg.DeviceID, 4)).toBe(4);
    expect(t.read(VirtioMmioReg.SHMLenLow, 4)).toBe(0xffffffff);
    expect(t.read(VirtioMmioReg.Version, 2)).toBe(0); // registers are 32-bit only
    t.write(VirtioMmioReg.QueueSel, 4, 7);
    expect(t.read(VirtioMmioReg.QueueNumMax, 4)).toBe(0); // no queue 7
    expect(() => t.write(VirtioMmioReg.MagicValue, 4, 0)).not.toThrow();
  });

  it("QueueDesc/Driver/Device take 64-bit addresses a word at a time and freeze once QueueReady is set", () => {
    const mem = new GuestMemory();
    const d = new MmioTransportDriver();
    const t = new VirtioMmio(new VirtioRng(), { dma: mem.dma, irq: d.line });
    const R = VirtioMmioReg;
    t.write(R.QueueSel, 4, 0);
    const regs = [R.QueueDescLow, R.QueueDriverLow, R.QueueDeviceLow];
    regs.forEach((low, i) => {
      t.write(low, 4, 0x1000 * (i + 1));
      t.write(low + 4, 4, 0x12 + i); // §4.2.2: the high word follows the low one
    });
    expect(regs.map((low) => [t.read(low, 4), t.read(low + 4, 4)])).toEqual([
      [0x1000, 0x12],
      [0x2000, 0x13],
      [0x3000, 0x14],
    ]);
    // Once the driver has enabled the queue, its addresses are fixed (§4.2.3.2).
    d.connect(t);
    initializeDevice(d, (1n << 64n) - 1n, [new DriverSplitQueue(mem, 8)]);
    const before = regs.map((low) => t.read(low + 4, 4));
    for (const low of regs) t.write(low + 4, 4, 0x99);
    expect(regs.map((low) => t.read(low + 4, 4))).toEqual(before);
  });
});
