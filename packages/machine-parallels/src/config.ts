import { type BlockBackend, ConfigError, type Display, type NetBackend } from "@armature/core";
import type { VariableStore } from "@armature/uefi";
import type { FrameSource } from "@armature/usb";

/**
 * The board's address map. Where the real Parallels Desktop VM's addresses are public (its ACPI
 * tables as Linux reports them, docs in the repository: docs/machine-parallels.md) they are used;
 * the rest are chosen here in free space of the same 0x02xx_xxxx device region.
 */
export const PARALLELS_MAP = {
  /** GIC distributor (Parallels: 0x02010000). */
  gicd: 0x0201_0000,
  /** SBSA UART, ACPI ARMH0011 (Parallels: 0x02110000, GSIV 32). */
  uart: 0x0211_0000,
  /** AHCI, ACPI PRL4010 (Parallels: 0x02140000, GSIV 34). */
  ahci: 0x0214_0000,
  /** EHCI, ACPI PNP0D20 (chosen). */
  ehci: 0x0215_0000,
  /** xHCI, ACPI PNP0D10 (chosen). */
  xhci: 0x0216_0000,
  /** virtio-mmio GPU, virtio0 (chosen). */
  gpu: 0x0218_0000,
  /** virtio-mmio balloon, ACPI PRL4006, virtio1 (Parallels: 0x021a0000, 16 KiB). */
  balloon: 0x021a_0000,
  /** virtio-mmio net, virtio2 (chosen). */
  net: 0x021c_0000,
  /** GICv2m MSI frame (Parallels: 0x02250000). */
  v2m: 0x0225_0000,
  /** SMMUv3 (chosen). */
  smmu: 0x0230_0000,
  /** GIC redistributors, 128 KiB per vCPU (Parallels: 0x02500000). */
  gicr: 0x0250_0000,
  /** RAM (Parallels: from 0x40000000). */
  ramBase: 0x4000_0000,
  /** Each virtio-mmio window (the Parallels balloon's is 16 KiB). */
  virtioWindow: 0x4000,
} as const;

/** GSIVs (GIC INTIDs): UART 32, AHCI 34 and the balloon 38 as on Parallels; the rest chosen. */
export const PARALLELS_GSIV = {
  uart: 32,
  ahci: 34,
  ehci: 35,
  xhci: 36,
  gpu: 37,
  balloon: 38,
  net: 39,
  /** The ACPI Generic Event Device's interrupt (edge): the power button (chosen). */
  ged: 40,
  smmuEventq: 44,
  smmuPri: 45,
  smmuGerror: 46,
  smmuSync: 47,
  /** GICv2m frame SPIs (MSIs): 64 from INTID 96. */
  v2mBase: 96,
  v2mCount: 64,
} as const;

/** SMMU StreamIDs of the platform DMA masters (one each, IORT named components). */
export const PARALLELS_STREAM = { ahci: 1, ehci: 2, xhci: 3, gpu: 4, balloon: 5, net: 6 } as const;

/**
 * MIDR_EL1 the board's CPU reports: 0x410f0000 (implementer Arm, architecture "defined by ID
 * registers", part 0), what Linux prints on real Parallels M1 guests.
 */
export const PARALLELS_MIDR = 0x410f_0000;

export interface ParallelsBoardOptions {
  /** 1..8 vCPUs (default 1), run interleaved on one thread. */
  cpus?: number;
  /** Guest RAM in MiB, 128..8192 (default 1024). */
  memoryMiB?: number;
  /** "smmuv3" (default) translates every DMA master; "none" leaves the SMMU out. */
  iommu?: "smmuv3" | "none";
  /** MIDR_EL1 (default PARALLELS_MIDR). */
  midr?: number;
  /** SMBIOS system UUID (default a fixed one). */
  uuid?: string;
  /** SMBIOS serial number (default "Parallels-00 00 00 00 00 00 00 00"). */
  serial?: string;
  /** Deterministic time (instruction-driven) and entropy. Default false. */
  deterministic?: boolean;
}

export interface ParallelsAttachments {
  /** The disk on AHCI port 0 (sda); none: an empty port. */
  disk?: BlockBackend;
  /** The medium in the DVD-ROM on AHCI port 1 (sr0); none: an empty drive. */
  cdrom?: BlockBackend;
  /**
   * The NIC's network (virtio2). Default: a user network on Parallels' shared subnet
   * 10.211.55.0/24 (guest 10.211.55.3 by DHCP, host side 10.211.55.2, DNS 10.211.55.1).
   */
  net?: "none" | NetBackend;
  /** The NIC's MAC (default 00:1c:42:80:5f:61, in Parallels' 00:1c:42 range). */
  mac?: string;
  /** The screen the virtio-gpu scans out to (default a new 1024x768 display). */
  display?: Display;
  /** Frames the USB camera shows (default a moving colour-bar test pattern). */
  camera?: FrameSource;
  /** UEFI variables (default a volatile store). */
  efiVariables?: VariableStore;
  /** Wall clock at boot in seconds since the epoch (default the host's; fixed when deterministic). */
  epochSeconds?: number;
}

/** RAM is one buffer: a JavaScript typed array holds at most 4 GiB on Node 20. */
export const PARALLELS_LIMITS = { cpus: { min: 1, max: 8 }, memoryMiB: { min: 128, max: 4096 } } as const;

/** A checked configuration: the one input of placing, wiring and describing the board. */
export interface ParallelsConfig {
  readonly cpus: number;
  readonly memoryMiB: number;
  readonly mpidrs: readonly number[];
  readonly iommu: boolean;
  readonly midr: number;
  readonly uuid: string;
  readonly serial: string;
  readonly deterministic: boolean;
  readonly mac: string;
  /** Whether the NIC is present (net is not "none"). */
  readonly net: boolean;
}

function intIn(v: number, what: keyof typeof PARALLELS_LIMITS): number {
  const { min, max } = PARALLELS_LIMITS[what];
  if (!Number.isInteger(v) || v < min || v > max)
    throw new ConfigError(`${what} must be an integer in ${min}..${max}, not ${v}`);
  return v;
}

const MAC_RE = /^([0-9a-f]{2}:){5}[0-9a-f]{2}$/i;
const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Check options and fill defaults; every mistake is a ConfigError saying what to change. */
export function parallelsConfig(
  o: ParallelsBoardOptions & Pick<ParallelsAttachments, "mac" | "net"> = {},
): ParallelsConfig {
  const cpus = intIn(o.cpus ?? 1, "cpus");
  const iommu = o.iommu ?? "smmuv3";
  if (iommu !== "smmuv3" && iommu !== "none")
    throw new ConfigError(`iommu must be "smmuv3" or "none", not "${String(iommu)}"`);
  const midr = o.midr ?? PARALLELS_MIDR;
  if (!Number.isInteger(midr) || midr < 0 || midr > 0xffff_ffff)
    throw new ConfigError(`midr must be a 32-bit unsigned integer, not ${midr}`);
  const mac = o.mac ?? "00:1c:42:80:5f:61";
  if (!MAC_RE.test(mac)) throw new ConfigError(`mac must look like 00:1c:42:12:34:56, not "${mac}"`);
  if (Number.parseInt(mac.slice(0, 2), 16) & 1)
    throw new ConfigError(`mac ${mac} is a multicast address: its first byte must be even`);
  const uuid = o.uuid ?? "a7c1f2b0-5e3d-4c8a-9b61-2d0e4f7a1c35";
  if (!UUID_RE.test(uuid))
    throw new ConfigError(`uuid must be RFC 4122 text (8-4-4-4-12 hex digits), not "${uuid}"`);
  return {
    cpus,
    memoryMiB: intIn(o.memoryMiB ?? 1024, "memoryMiB"),
    mpidrs: Array.from({ length: cpus }, (_, i) => 0x8000_0000 + i),
    iommu: iommu === "smmuv3",
    midr,
    uuid,
    serial: o.serial ?? "Parallels-A7 C1 F2 B0 5E 3D 4C 8A 9B 61 2D 0E 4F 7A 1C 35",
    deterministic: o.deterministic ?? false,
    mac: mac.toLowerCase(),
    net: o.net !== "none",
  };
}
