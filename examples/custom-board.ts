// A custom board in code: the virt board plus two parts of your own — an AHCI controller with a
// DVD drive and an xHCI with a USB camera, both as platform (MMIO) devices described in the DT.
//   npx tsx examples/custom-board.ts [file.iso]    (boots .cache/guest-generic; Ctrl-X quits)
import { readFileSync } from "node:fs";
import { AHCI_MMIO_SIZE, AhciHba, AtapiDvd, describeAhciDt } from "@armature/ahci";
import { dtInterrupts, level, spi } from "@armature/board";
import { type BlockBackend, MemoryBlockBackend } from "@armature/core";
import { VirtMachine, type VirtMachineOptions, type VirtPart } from "@armature/machine-virt";
import { describeXhciDt, UvcCamera, XHCI_MMIO_SIZE, XhciController } from "@armature/usb";

const DVD = { base: 0x2014_0000, irq: level(spi(20)) };
const USB = { base: 0x2006_0000, irq: level(spi(10)) };

/** A platform AHCI (`generic-ahci`) with one ATAPI DVD-ROM holding `medium`. */
export function dvdPart(medium?: BlockBackend): VirtPart {
  return {
    name: "dvd",
    windows: () => [{ name: "ahci-dvd", base: DVD.base, size: AHCI_MMIO_SIZE }],
    attach: (b) => [
      new AhciHba({
        dma: b.dma,
        irq: b.irq(DVD.irq),
        devices: [new AtapiDvd(medium === undefined ? {} : { medium })],
      }),
    ],
    dt: (d) => {
      describeAhciDt(d.root, { base: DVD.base, interrupts: dtInterrupts(DVD.irq) });
    },
  };
}

/** A platform xHCI (`generic-xhci`) with the UVC camera on its first USB 3 port. */
export function cameraPart(): VirtPart {
  return {
    name: "usb-camera",
    windows: () => [{ name: "xhci", base: USB.base, size: XHCI_MMIO_SIZE }],
    attach: (b) => {
      const xhci = new XhciController({ dma: b.dma, irq: b.irq(USB.irq), clock: b.clock });
      xhci.attach(new UvcCamera({ clock: b.clock }), { port: 1, usb3: true });
      return [xhci];
    },
    dt: (d) => {
      describeXhciDt(d.root, { base: USB.base, spi: USB.irq.intid - 32 });
    },
  };
}

/** The board: everything of `armature run --machine virt` plus the two parts above. */
export function customBoard(o: VirtMachineOptions & { iso?: BlockBackend }): VirtMachine {
  const { iso, ...rest } = o;
  return new VirtMachine({ layout: "vz", ...rest, parts: [dvdPart(iso), cameraPart()] });
}

if (process.argv[1]?.endsWith("custom-board.ts")) {
  const guest = new URL("../.cache/guest-generic/", import.meta.url);
  const iso = process.argv[2] ? readFileSync(process.argv[2]) : undefined;
  const m = customBoard({
    kernel: readFileSync(new URL("Image", guest)),
    initrd: readFileSync(new URL("initramfs.cpio.gz", guest)),
    ...(iso ? { iso: new MemoryBlockBackend(iso, { readOnly: true, blockSize: 2048 }) } : {}),
  });
  process.stdin.setRawMode?.(true);
  process.stdin.on("data", (b) => (b[0] === 0x18 ? m.stop() : m.input(b)));
  m.run().then((why) => {
    console.log(`\nstopped: ${why}`);
    process.exit(0);
  });
}
