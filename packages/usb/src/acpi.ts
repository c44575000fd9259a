/**
 * The USB host controllers as ACPI devices (`@armature/usb/acpi`): this entry point is the only
 * one that needs `@armature/acpi` (an optional peer dependency).
 */
import {
  type AmlFragment,
  aml,
  extendedInterrupt,
  memory32Fixed,
  qwordMemory,
  resourceTemplate,
} from "@armature/acpi";
import type { UsbPlacement } from "./describe.js";
import { EHCI_MMIO_SIZE } from "./ehci.js";
import { XHCI_MMIO_SIZE } from "./xhci.js";

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
