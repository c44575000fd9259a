import { spawnSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { buildDsdt } from "@armature/acpi";
import { type MsiSink, type PciFunctionHost, VirtualClock } from "@armature/core";
import { withTempDir } from "@armature/core/test";
import { FdtNode, serializeDtb } from "@armature/fdt";
import { describe, expect, it } from "vitest";
import { describeEhciAcpi, describeXhciAcpi } from "./acpi.js";
import { describeEhciDt, describeXhciDt } from "./describe.js";
import { EHCI_CAPLENGTH, EhciController, EhciSts } from "./ehci.js";
import { UsbKeyboard } from "./hid.js";
import { EhciPciFunction, XHCI_PCI_MSIX_PBA, XHCI_PCI_MSIX_TABLE, XhciPciFunction } from "./pci.js";
import { RAM_BASE, XhciTestDriver } from "./test/driver.js";
import { TrbType, trb } from "./trb.js";

describe("EHCI (bus 1: a root hub with nothing on it)", () => {
  it("reset, run/stop and schedule handshakes the way ehci-hcd waits for them; empty powered ports", () => {
    const levels: boolean[] = [];
    const clock = new VirtualClock();
    const e = new EhciController({ ports: 6, irq: { set: (l) => levels.push(l), pulse() {} }, clock });
    const op = (o: number) => EHCI_CAPLENGTH + o;
    expect(e.read(0, 1)).toBe(EHCI_CAPLENGTH);
    expect(e.read(2, 2), "HCIVERSION").toBe(0x0100);
    expect(e.read(4, 4) & 0xf, "N_PORTS").toBe(6);
    expect(e.read(op(4), 4) & EhciSts.HCHALTED).toBe(EhciSts.HCHALTED);
    e.write(op(0), 4, 2); // HCRESET
    expect(e.read(op(0), 4) & 2, "reset completes at once").toBe(0);
    expect(e.read(op(0), 4)).toBe(0x00080000);
    e.write(op(0x40), 4, 1); // CONFIGFLAG
    e.write(op(8), 4, 0x3f);
    e.write(op(0), 4, 0x00080001);
    expect(e.read(op(4), 4) & EhciSts.HCHALTED).toBe(0);
    clock.advanceTo(1_000_000);
    expect(e.read(op(0xc), 4), "FRINDEX: 8 microframes per ms").toBe(8);
    e.write(op(0), 4, 0x00080001 | 0x30);
    expect(e.read(op(4), 4) & (EhciSts.PSS | EhciSts.ASS)).toBe(EhciSts.PSS | EhciSts.ASS);
    // Interrupt on Async Advance: the doorbell is answered at once and the line rises.
    e.write(op(0), 4, 0x00080001 | 0x30 | 0x40);
    expect(e.read(op(4), 4) & EhciSts.IAA).toBe(EhciSts.IAA);
    expect(levels.at(-1)).toBe(true);
    e.write(op(4), 4, EhciSts.IAA);
    expect(levels.at(-1)).toBe(false);
    for (let p = 0; p < 6; p++) {
      const sc = e.read(op(0x44 + 4 * p), 4);
      expect(sc & 1, "nothing connected").toBe(0);
      expect(sc & (1 << 12), "powered").toBe(1 << 12);
      e.write(op(0x44 + 4 * p), 4, 1 << 8); // port reset on an empty port
      expect(e.read(op(0x44 + 4 * p), 4) & ((1 << 8) | (1 << 2))).toBe(0);
    }
    e.write(op(0), 4, 0);
    expect(e.read(op(4), 4) & EhciSts.HCHALTED).toBe(EhciSts.HCHALTED);
  });

  it("schedule base registers keep their address bits (EHCI 1.0 §2.3.5-2.3.8), read back unsigned", () => {
    const e = new EhciController({ ports: 2 });
    const op = (o: number) => EHCI_CAPLENGTH + o;
    // [offset, what all-ones written reads back as]
    const kept: Array<[number, number]> = [
      [0x10, 0xffff_ffff], // CTRLDSSEGMENT
      [0x14, 0xffff_f000], // PERIODICLISTBASE[31:12]
      [0x18, 0xffff_ffe0], // ASYNCLISTADDR[31:5]
      [0x40, 1], // CONFIGFLAG.CF
      [0x08, 0x3f], // USBINTR
    ];
    for (const [o, want] of kept) {
      e.write(op(o), 4, 0xffff_ffff);
      expect([o, e.read(op(o), 4)]).toEqual([o, want]);
    }
    // FRINDEX is writable while halted (§2.3.4), 14 bits.
    e.write(op(0x0c), 4, 0xffff_ffff);
    expect(e.read(op(0x0c), 4)).toBe(0x3fff);
  });
});

function fakeHost(busMaster = true) {
  const msis: Array<[number, number]> = [];
  const intx: boolean[] = [];
  const sink: MsiSink = {
    sendMsi(a, d) {
      msis.push([a, d]);
      return true;
    },
  };
  const host: PciFunctionHost = {
    requesterId: 0x10,
    msi: sink,
    setIntx: (l) => intx.push(l),
    busMasterEnabled: () => busMaster,
  };
  return { host, msis, intx };
}

describe("PCI functions", () => {
  it("xHCI: class 0C/03/30, 64-bit BAR 0, SBRN 0x30, MSI-X table behind the registers; events signal vector 0", () => {
    const drv = new XhciTestDriver();
    const f = new XhciPciFunction({ dma: drv.dma });
    expect(f.ids.classCode).toBe(0x0c0330);
    expect(f.bars[0]).toMatchObject({ index: 0, kind: "mem64" });
    expect(f.configRead(0x60, 1)).toBe(0x30);
    const cap = f.capabilityPointer;
    expect(f.configRead(cap, 1)).toBe(0x11);
    expect((f.configRead(cap + 2, 2) & 0x7ff) + 1, "one vector per interrupter").toBe(f.xhci.numInterrupters);
    expect(f.configRead(cap + 4, 4)).toBe(XHCI_PCI_MSIX_TABLE);
    expect(f.configRead(cap + 8, 4)).toBe(XHCI_PCI_MSIX_PBA);
    const { host, msis, intx } = fakeHost();
    f.attach(host);
    // Move the test driver onto the PCI function's controller.
    drv.bus.remove(drv.bus.list().find((r) => r.name === "xhci")!);
    drv.bus.addMmio("xhci-pci", 0x1000_0000, 0x8000, f.bars[0]!.device);
    drv.start();
    // INTx first: a No-Op command raises INTA#.
    drv.command(trb(0, 0, TrbType.NO_OP_COMMAND << 10));
    expect(intx).toContain(true);
    // MSI-X: program vector 0, enable, unmask.
    const bar = f.bars[0]!.device;
    bar.write(XHCI_PCI_MSIX_TABLE, 4, 0x0800_0040);
    bar.write(XHCI_PCI_MSIX_TABLE + 4, 4, 0);
    bar.write(XHCI_PCI_MSIX_TABLE + 8, 4, 0x55);
    bar.write(XHCI_PCI_MSIX_TABLE + 12, 4, 0);
    f.configWrite(cap + 2, 2, 0x8000);
    expect(intx.at(-1), "INTx released when MSI-X is on").toBe(false);
    drv.command(trb(0, 0, TrbType.NO_OP_COMMAND << 10));
    expect(msis).toEqual([[0x0800_0040, 0x55]]);
  });

  it("xHCI without Bus Master Enable cannot reach memory: the first doorbell ends in Host System Error", () => {
    const drv = new XhciTestDriver();
    const f = new XhciPciFunction({ dma: drv.dma });
    const bm = { on: true };
    f.attach({ ...fakeHost().host, busMasterEnabled: () => bm.on });
    const bar = f.bars[0]!.device;
    bar.write(0x40 + 0x38, 4, 4);
    bar.write(0x40 + 0x18, 4, RAM_BASE | 1);
    bar.write(0x40, 4, 1);
    bm.on = false;
    bar.write(0x3000, 4, 0);
    expect(bar.read(0x40 + 4, 4) & 0x5, "HSE | HCHalted").toBe(0x5);
  });

  it("EHCI: class 0C/03/20, 32-bit BAR 0, SBRN 0x20, INTA#", () => {
    const f = new EhciPciFunction();
    expect([f.ids.classCode, f.ids.interruptPin, f.bars[0]!.kind, f.configRead(0x60, 1)]).toEqual([
      0x0c0320,
      1,
      "mem32",
      0x20,
    ]);
    // SBRN (0x60) and FLADJ (0x61, default 20h; EHCI 1.0 §2.1.4-5) as one word; nothing past them.
    expect([
      f.configRead(0x60, 2),
      f.configRead(0x60, 4),
      f.configRead(0x61, 1),
      f.configRead(0x64, 4),
    ]).toEqual([0x2020, 0x2020, 0x20, 0]);
  });
});

describe("firmware descriptions", () => {
  it("DT nodes decompile with dtc: generic-xhci / generic-ehci, reg, interrupts, dma-coherent", () => {
    const root = new FdtNode("");
    root.setCells("#address-cells", [2]).setCells("#size-cells", [2]);
    describeXhciDt(root, { base: 0x0910_0000, spi: 20 });
    describeEhciDt(root, { base: 0x0911_0000, spi: 21 });
    const dts = withTempDir("armature-usb-", (dir) => {
      writeFileSync(join(dir, "t.dtb"), serializeDtb(root));
      const r = spawnSync("dtc", ["-I", "dtb", "-O", "dts", "-o", join(dir, "t.dts"), join(dir, "t.dtb")], {
        encoding: "utf8",
      });
      expect(r.status, r.stderr).toBe(0);
      return readFileSync(join(dir, "t.dts"), "utf8");
    });
    expect(dts).toMatch(
      /usb@9100000 \{\s*compatible = "generic-xhci";\s*reg = <0x00 0x9100000 0x00 0x4000>;\s*interrupts = <0x00 0x14 0x04>;\s*dma-coherent;/,
    );
    expect(dts).toMatch(
      /usb@9110000 \{\s*compatible = "generic-ehci";\s*reg = <0x00 0x9110000 0x00 0x1000>;/,
    );
  });

  it("ACPI devices disassemble with iasl: PNP0D10 / PNP0D20, _CCA 1, memory and interrupt resources", () => {
    const dsdt = buildDsdt([
      describeXhciAcpi({ base: 0x0910_0000, spi: 20 }),
      describeEhciAcpi({ base: 0x1_0000_0000, spi: 21 }),
    ]);
    const dsl = withTempDir("armature-usb-", (dir) => {
      writeFileSync(join(dir, "dsdt.dat"), dsdt.bytes);
      const r = spawnSync("iasl", ["-d", "dsdt.dat"], { cwd: dir, encoding: "utf8" });
      expect(r.status, r.stdout + r.stderr).toBe(0);
      return readFileSync(join(dir, "dsdt.dsl"), "utf8");
    });
    expect(dsl).toMatch(
      /Device \(XHC0\)\s*\{\s*Name \(_HID, "PNP0D10"[^\n]*\n[^\n]*\n\s*Name \(_CCA, One\)[\s\S]*Memory32Fixed \(ReadWrite,\s*0x09100000,[^\n]*\n\s*0x00004000,/,
    );
    expect(dsl).toMatch(
      /Interrupt \(ResourceConsumer, Level, ActiveHigh, Exclusive, ,, \)\s*\{\s*0x00000034,/,
    );
    expect(dsl).toMatch(
      /Device \(EHC0\)\s*\{\s*Name \(_HID, "PNP0D20"[^\n]*\n[^\n]*\n\s*Name \(_CCA, One\)[\s\S]*QWordMemory[^\n]*\n[^\n]*\n\s*0x0000000100000000, \/\/ Range Minimum/,
    );
  });
});

describe("keyboard on a plain USB 2 port of the PCI controller", () => {
  it("attaching a second device to a busy port is a ConfigError naming the port", () => {
    const drv = new XhciTestDriver();
    drv.xhci.attach(new UsbKeyboard(), { port: 1, usb3: false });
    expect(() => drv.xhci.attach(new UsbKeyboard(), { port: 1, usb3: false })).toThrow(
      /port 1 already has usb-kbd/,
    );
    expect(() => drv.xhci.attach(new UsbKeyboard(), { port: 9, usb3: true })).toThrow(/4 USB 3 ports/);
  });
});
