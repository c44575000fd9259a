import { type FdtNode, setReg } from "@armature/fdt";
import { EHCI_MMIO_SIZE } from "./ehci.js";
import { XHCI_MMIO_SIZE } from "./xhci.js";

export interface UsbPlacement {
  base: number;
  /** Defaults to the controller's register window size. */
  size?: number;
  /** The SPI number (INTID - 32) of its level-triggered interrupt. */
  spi: number;
}

function dtNode(parent: FdtNode, name: string, compatible: string, p: UsbPlacement, size: number): FdtNode {
  const n = parent.addChild(`${name}@${p.base.toString(16)}`).setStrings("compatible", [compatible]);
  setReg(n, { addressCells: 2, sizeCells: 2 }, [{ address: p.base, size: p.size ?? size }]);
  // GIC binding: <type (0 = SPI), SPI number, flags (4 = level, active high)>
  return n.setCells("interrupts", [0, p.spi, 4]).setEmpty("dma-coherent");
}

/** `usb@…` with compatible "generic-xhci" (Linux xhci-plat-hcd; Documentation/devicetree/bindings/usb/generic-xhci.yaml). */
export function describeXhciDt(parent: FdtNode, p: UsbPlacement): FdtNode {
  return dtNode(parent, "usb", "generic-xhci", p, XHCI_MMIO_SIZE);
}

/** `usb@…` with compatible "generic-ehci" (Linux ehci-platform). */
export function describeEhciDt(parent: FdtNode, p: UsbPlacement): FdtNode {
  return dtNode(parent, "usb", "generic-ehci", p, EHCI_MMIO_SIZE);
}
