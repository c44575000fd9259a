/**
 * The Linux proof for USB (opt-in: ARMATURE_E2E_USB=1; ARMATURE_E2E_USB_MODE=PCI or
 * platform for one of the two; the lead groups CI boots). Debian's generic kernel (xhci, ehci,
 * usbhid, hid-generic, uvcvideo loaded by its initramfs) on the virt board with the Parallels VM's
 * devices on the xHCI's USB 3 ports 1-3 (pointer, keyboard, camera) and an empty EHCI:
 * - PCI: the board's xHCI (its `usb` option: tablet, keyboard, camera, as `armature run --camera`
 *   builds it) and an EHCI 0C/03/20 function;
 * - platform: a mouse, a keyboard and the camera (`attachParallelsUsbDevices`, as the Parallels-like
 *   board plugs them);
 * - platform: `generic-xhci` / `generic-ehci` DT nodes with MMIO windows and wired SPIs.
 * The guest-side checks are @armature/usb/test's `linuxUsbChecks` (also the Parallels-like board's
 * Linux test's); its evkeys/uvcgrab programs and evdev.ko are appended to the initramfs.
 */
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { GuestShell, ScriptedConsole } from "@armature/board/test";
import { BusDmaSpace, irqLine } from "@armature/core";
import { serializeDtb } from "@armature/fdt";
import {
  attachParallelsUsbDevices,
  describeEhciDt,
  describeXhciDt,
  EHCI_MMIO_SIZE,
  EhciController,
  EhciPciFunction,
  type UsbKeyboard,
  XHCI_MMIO_SIZE,
  XhciController,
} from "@armature/usb";
import { initrdWithUsbTools, linuxUsbChecks } from "@armature/usb/test";
import { describe, expect, it } from "vitest";
import { VirtMachine } from "./machine.js";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");
const GENERIC = join(ROOT, ".cache", "guest-generic");
/** Platform placement on the vz layout: free windows and SPIs. */
const XHCI_BASE = 0x2006_0000;
const EHCI_BASE = 0x2007_0000;
const XHCI_SPI = 10;
const EHCI_SPI = 11;
const enabled = process.env.ARMATURE_E2E_USB === "1";
const modes = (process.env.ARMATURE_E2E_USB_MODE ?? "PCI,platform").split(",") as Array<"PCI" | "platform">;

async function bootAndCheck(mode: "PCI" | "platform"): Promise<void> {
  expect(existsSync(join(GENERIC, "Image")), "run scripts/fetch-guest.sh --flavour generic").toBe(true);
  const con = new ScriptedConsole(process.env.ARMATURE_E2E_ECHO ? (s) => process.stderr.write(s) : undefined);
  const base = {
    layout: "vz" as const,
    kernel: new Uint8Array(readFileSync(join(GENERIC, "Image"))),
    initrd: initrdWithUsbTools(
      new Uint8Array(readFileSync(join(GENERIC, "initramfs.cpio.gz"))),
      join(GENERIC, "debs"),
    ),
    cmdline: "console=ttyAMA0",
    console: con,
    net: "none" as const,
  };
  let machine: VirtMachine;
  let keyboard: UsbKeyboard;
  if (mode === "PCI") {
    machine = new VirtMachine({ ...base, usb: { camera: true } });
    machine.pci.attach(new EhciPciFunction({ clock: machine.clock }), { device: 9 });
    keyboard = machine.usb!.keyboard!;
  } else {
    const first = new VirtMachine(base);
    describeEhciDt(first.fdt, { base: EHCI_BASE, spi: EHCI_SPI });
    describeXhciDt(first.fdt, { base: XHCI_BASE, spi: XHCI_SPI });
    machine = new VirtMachine({ ...base, dtb: serializeDtb(first.fdt) });
    machine.bus.addMmio(
      "ehci",
      EHCI_BASE,
      EHCI_MMIO_SIZE,
      new EhciController({ irq: irqLine(machine.gic, 32 + EHCI_SPI), clock: machine.clock }),
    );
    const xhci = new XhciController({
      dma: new BusDmaSpace(machine.bus),
      irq: irqLine(machine.gic, 32 + XHCI_SPI),
      clock: machine.clock,
    });
    machine.bus.addMmio("xhci", XHCI_BASE, XHCI_MMIO_SIZE, xhci);
    keyboard = attachParallelsUsbDevices(xhci, { clock: machine.clock }).keyboard;
  }

  const t0 = Date.now();
  const stopped = machine.run();
  const shell = new GuestShell(con, (b) => machine.input(b), stopped);
  await shell.ready(30 * 60_000);
  process.stderr.write(`[usb ${mode}] shell after ${((Date.now() - t0) / 1000).toFixed(0)} s\n`);
  const sh = (command: string, timeoutMs = 300_000): Promise<string> => shell.sh(command, timeoutMs);

  const usb = await linuxUsbChecks({ sh, keyboard, pointer: mode === "PCI" ? "tablet" : "mouse" });
  for (const c of usb.checks)
    process.stderr.write(`[usb ${mode}] ${c.ok ? "ok  " : "FAIL"} ${c.name}: ${c.detail}\n`);
  expect(usb.checks.filter((c) => !c.ok)).toEqual([]);
  machine.input(new TextEncoder().encode("poweroff -f\n"));
  expect(await stopped).toBe("poweroff");
}

describe.skipIf(!enabled)("Debian Linux with the Parallels VM's USB devices (ARMATURE_E2E_USB=1)", () => {
  for (const mode of modes) {
    it(
      `${mode}: lsusb in sysfs, usbhid and uvcvideo bound, host key presses in evdev, 3 camera frames`,
      async () => {
        await bootAndCheck(mode);
      },
      45 * 60_000,
    );
  }
});
