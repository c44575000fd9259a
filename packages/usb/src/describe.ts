import {
  type AmlFragment,
  aml,
  extendedInterrupt,
  memory32Fixed,
  qwordMemory,
  resourceTemplate,
} from "@armature/acpi";
import type { FdtNode } from "@armature/fdt";
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
  return parent
    .addChild(`${name}@${p.base.toString(16)}`)
    .setStrings("compatible", [compatible])
    .setCells("reg", [Math.floor(p.base / 2 ** 32), p.base >>> 0, 0, p.size ?? size])
    .setCells("interrupts", [0, p.spi, 4])
    .setEmpty("dma-coherent");
}

/** `usb@…` with compatible "generic-xhci" (Linux xhci-plat-hcd; Documentation/devicetree/bindings/usb/generic-xhci.yaml). */
export function describeXhciDt(parent: FdtNode, p: UsbPlacement): FdtNode {
  return dtNode(parent, "usb", "generic-xhci", p, XHCI_MMIO_SIZE);
}

/** `usb@…` with compatible "generic-ehci" (Linux ehci-platform). */
export function describeEhciDt(parent: FdtNode, p: UsbPlacement): FdtNode {
  return dtNode(parent, "usb", "generic-ehci", p, EHCI_MMIO_SIZE);
}

function acpiDevice(name: string, hid: string, uid: number, p: UsbPlacement, size: number): AmlFragment {
  const len = p.size ?? size;
  const mem =
    p.base + len <= 2 ** 32 ? memory32Fixed(p.base, len) : qwordMemory(p.base, len, { producer: false });
  return {
    scope: "\\_SB",
    terms: [
      aml.device(name, [
        aml.hid(hid),
        aml.uid(uid),
        // _CCA 1: arm64 Linux gives devices without it dummy DMA ops (drivers/acpi/scan.c).
        aml.cca(true),
        aml.crs(resourceTemplate([mem, extendedInterrupt([p.spi + 32])])),
        aml.sta(),
      ]),
    ],
  };
}

/** Device `XHCn` with _HID PNP0D10 (xhci-plat-hcd's ACPI match), _CCA 1, memory + interrupt. */
export function describeXhciAcpi(p: UsbPlacement, uid = 0, name = `XHC${uid}`): AmlFragment {
  return acpiDevice(name, "PNP0D10", uid, p, XHCI_MMIO_SIZE);
}

/** Device `EHCn` with _HID PNP0D20 (ehci-platform's ACPI match), _CCA 1, memory + interrupt. */
export function describeEhciAcpi(p: UsbPlacement, uid = 0, name = `EHC${uid}`): AmlFragment {
  return acpiDevice(name, "PNP0D20", uid, p, EHCI_MMIO_SIZE);
}
