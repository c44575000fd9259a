/**
 * The AHCI as ACPI sees it (`@armature/ahci/acpi`): this entry point is the only one that needs
 * `@armature/acpi` (an optional peer dependency), so a device-tree-only user never installs it.
 */
import { type AmlFragment, aml, extendedInterrupt, memory32Fixed, resourceTemplate } from "@armature/acpi";
import { ConfigError } from "@armature/core";
import { AHCI_MMIO_SIZE } from "./regs.js";

/** Where a platform AHCI sits, for `describeAhciAcpi`. */
export interface AhciAcpiPlacement {
  base: number;
  size?: number;
  /** Global system interrupt (GIC SPI + 32), level-triggered, active high. */
  gsi: number;
  /** _HID (default "PRL4010", the id of the Parallels AHCI). */
  hid?: string;
  /** Optional _CID string. */
  cid?: string;
  /** _UID (default 0). */
  uid?: number;
  /** AML device name (default "SATA"). */
  name?: string;
  /** Scope (default "\\_SB"). */
  scope?: string;
}

/**
 * The platform AHCI as an ACPI device: _HID (default PRL4010), _UID, _CLS 01/06/01 (what Linux's
 * ahci_platform matches, ACPI 6.5 §6.1.3), _CCA 1 (arm64 requires it for DMA) and a _CRS with
 * the register window (Memory32Fixed) and its level interrupt (Extended Interrupt).
 */
export function describeAhciAcpi(at: AhciAcpiPlacement): AmlFragment {
  const size = at.size ?? AHCI_MMIO_SIZE;
  if (at.base + size > 2 ** 32)
    throw new ConfigError(
      `AHCI window at 0x${at.base.toString(16)} is above 4 GiB; Memory32Fixed cannot describe it`,
    );
  const terms = [
    aml.hid(at.hid ?? "PRL4010"),
    ...(at.cid !== undefined ? [aml.cid(at.cid)] : []),
    aml.uid(at.uid ?? 0),
    aml.name("_CLS", [0x01, 0x06, 0x01]),
    aml.cca(true),
    aml.crs(resourceTemplate([memory32Fixed(at.base, size), extendedInterrupt([at.gsi])])),
  ];
  return { scope: at.scope ?? "\\_SB", terms: [aml.device(at.name ?? "SATA", terms)] };
}
