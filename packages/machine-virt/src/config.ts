import { VIRT_FLASH_BANK_SIZE } from "@armature/cfi-flash";
import { type BlockBackend, ConfigError, Display } from "@armature/core";
import { GICR_FRAME_SIZE } from "@armature/gic";
import type { NetSpec } from "@armature/net";
import type { VariableStore } from "@armature/uefi";
import type { FrameSource } from "@armature/usb";
import type { NetBackend } from "@armature/virtio";
import { efiVarStoreProblem } from "./efi-vars.js";
import { LAYOUTS, type VirtLayout } from "./layout.js";

/** The board's shape: everything its device tree and ACPI tables depend on. */
export interface VirtBoardOptions {
  /** "vz" (default, Virtualization.framework's map) or "qemu" (QEMU virt's), or a custom layout. */
  layout?: "vz" | "qemu" | VirtLayout;
  /** 1..8 vCPUs (default 1), run interleaved on one thread. */
  cpus?: number;
  /** Guest RAM in MiB, 64..8192 (default 1024). */
  memoryMiB?: number;
  /** Include the PL011 UART (default true). */
  uart?: boolean;
  /** Include the PL031 RTC (default true). */
  rtc?: boolean;
  /** Deterministic time (instruction-driven) instead of the host clock. Default false. */
  deterministic?: boolean;
  /**
   * "none" (default) or "smmuv3": an Arm SMMUv3 translating the DMA and MSIs of every PCI
   * function (StreamID = requester id), described by DT `iommu-map` and an IORT SMMUv3 node.
   */
  iommu?: VirtIommu;
  /**
   * Boot firmware instead of a kernel (qemu layout): EDK2's ArmVirtQemu build (Debian's
   * AAVMF_CODE.fd) runs from the first CFI flash bank at EL1, with the DT at the start of RAM, a
   * fw_cfg device (ACPI through the table loader unless `acpi: false`, SMBIOS, a kernel given
   * with it) and the second bank as its variable store.
   */
  firmware?: VirtFirmware;
  /**
   * Boot through the built-in UEFI (@armature/uefi, services on the host): the kernel (or the
   * disks' EFI System Partition, without `kernel`) starts through its EFI stub. The OS gets the
   * device tree through the EFI configuration table (as EDK2 on QEMU gives it), or with
   * `{ acpi: true }` the board's ACPI tables and SMBIOS and no device tree. Not with `firmware`.
   */
  uefi?: boolean | VirtUefi;
}

/** How the built-in UEFI describes the board to the OS. */
export interface VirtUefi {
  /** ACPI + SMBIOS instead of the device tree (default false). */
  acpi?: boolean;
}

/** The firmware and its variable store. */
export interface VirtFirmware {
  /** The code bank's image (at most VIRT_FLASH_BANK_SIZE bytes; padded with 0xFF). */
  code: Uint8Array;
  /**
   * The variable store bank, exactly VIRT_FLASH_BANK_SIZE bytes, changed in place by the guest
   * (default: a blank one). Keep it in a file with @armature/cfi-flash's `FlashFile`.
   */
  vars?: Uint8Array;
  /** Called after each program or erase of the variable store (e.g. `FlashFile.changed`). */
  onVarsChange?: (offset: number, length: number) => void;
  /**
   * Give the firmware ACPI tables (fw_cfg's etc/acpi/* and etc/table-loader), as QEMU's virt
   * does by default (default true). With false (QEMU's `-machine acpi=off`) there are none, and
   * EDK2 hands the OS the device tree it found at the start of RAM instead.
   */
  acpi?: boolean;
  /**
   * The boot order the firmware reads from fw_cfg's "bootorder" file (QEMU's `bootindex=`),
   * first device first: the virtio-blk `disk`, or the SATA device on AHCI port `port` (a disk or
   * DVD of `sata`). Default none: the file is empty, as on QEMU without bootindex, and the
   * firmware keeps its own order.
   */
  bootOrder?: readonly VirtBootDevice[];
}

/** A device in the firmware's boot order. */
export type VirtBootDevice = { kind: "disk" } | { kind: "sata"; port: number };

/** The IOMMUs the virt board can place in front of its PCI functions. */
export type VirtIommu = "none" | "smmuv3";
const IOMMUS: readonly VirtIommu[] = ["none", "smmuv3"];

/** What is plugged into the board: backends, which describe nothing in DT or ACPI. */
export interface VirtAttachments {
  disk?: BlockBackend;
  /**
   * SATA devices on an AHCI PCI function (Intel ICH9 8086:2922), one per port in order (at most
   * 32): `{ kind: "disk", backend }` (512-byte sectors) or `{ kind: "cdrom", backend? }` (an
   * ATAPI "Virtual DVD-ROM"; the medium is read-only with 2048-byte blocks, absent = empty tray).
   * None (default): no AHCI function.
   */
  sata?: readonly VirtSataDevice[];
  /**
   * A virtio-gpu (virtio-gpu-pci, one scanout) drawing into a core `Display`: `true` for a new
   * 1024x768 one, or `{ display }` to draw into yours (front ends: @armature/display's VNC server
   * and PNG screenshots). Default false.
   */
  gpu?: boolean | { display: Display };
  /**
   * An xHCI (PCI 0C/03/30) with the Parallels VM's USB devices on its USB 3 ports: an absolute
   * tablet (port 1) and a keyboard (port 2), plus the UVC camera (port 3) with `{ camera: true }`.
   * `{ devices: [...] }` lists the devices instead, on USB 3 ports 1, 2, ... in order (at most
   * VIRT_USB_PORTS; QEMU's `-device usb-kbd`/`usb-mouse`/`usb-tablet`). With a GPU, the display's
   * host input (VNC keys and pointer) goes to the first keyboard and the first tablet (or mouse).
   * Default false.
   */
  usb?: boolean | { camera?: boolean; devices?: readonly VirtUsbDevice[] };
  /**
   * The virtio-net card's network. "user" (default): user-mode networking (@armature/net's
   * UserNetwork) on QEMU's 10.0.2.0/24 — gateway 10.0.2.2 (the host's loopback), DNS 10.0.2.3,
   * DHCP from 10.0.2.15. A `NetSpec` (what `parseNetSpec` returns for `--net user,...`,
   * `socket,...` or `none`) picks another backend or changes those addresses; a `NetBackend` is
   * used as is. "none" leaves the card out. "builtin" is the old name of "user". The machine
   * closes the backend when it stops (`VirtMachine.close`).
   */
  net?: "user" | "none" | "builtin" | NetSpec | NetBackend;
  /** Write every frame of the network, both directions, to this pcap file. */
  netDump?: string;
  /** The virtio-net card's MAC address (default 52:54:00:12:34:56, QEMU's first NIC). */
  mac?: string;
  /** RTC epoch in seconds (default: host wall clock; fixed when deterministic). */
  epochSeconds?: number;
  /**
   * The built-in UEFI's variables (with `uefi`): e.g. `new VariableStore(file)` from
   * @armature/uefi persists them. Default: a volatile store of its own.
   */
  efiVariables?: VariableStore;
}

/** One device of the AHCI function's ports. */
export type VirtSataDevice =
  | { kind: "disk"; backend: BlockBackend; model?: string }
  | { kind: "cdrom"; backend?: BlockBackend };

/** An AHCI HBA has at most 32 ports (AHCI 1.3.1 §3.1.1 CAP.NP). */
export const VIRT_SATA_PORTS = 32;

function sataDevices(list: readonly VirtSataDevice[] | undefined): readonly VirtSataDevice[] {
  const devices = list ?? [];
  if (!Array.isArray(devices)) throw new ConfigError("sata must be an array of { kind, backend } devices");
  if (devices.length > VIRT_SATA_PORTS)
    throw new ConfigError(
      `sata has ${devices.length} devices; an AHCI HBA has at most ${VIRT_SATA_PORTS} ports`,
    );
  devices.forEach((d, port) => {
    const kind = (d as { kind?: unknown } | undefined)?.kind;
    if (kind === "disk") {
      if (d.backend === undefined) throw new ConfigError(`sata port ${port}: a disk needs a backend`);
      if (d.backend.size <= 0 || d.backend.size % 512 !== 0)
        throw new ConfigError(
          `sata port ${port}: a disk must be a non-empty whole number of 512-byte sectors, not ${d.backend.size} bytes`,
        );
    } else if (kind === "cdrom") {
      if (d.backend !== undefined && (!d.backend.readOnly || d.backend.size % 2048 !== 0))
        throw new ConfigError(
          `sata port ${port}: a CD/DVD medium must be read-only and a whole number of 2048-byte sectors`,
        );
    } else throw new ConfigError(`sata port ${port}: unknown kind "${String(kind)}": use "disk" or "cdrom"`);
  });
  return devices;
}

/** undefined: no GPU; null: a GPU with a display of its own; else the display given. */
function gpuDisplay(gpu: VirtAttachments["gpu"]): Display | null | undefined {
  if (gpu === undefined || gpu === false) return undefined;
  if (gpu === true) return null;
  if (typeof gpu === "object" && gpu !== null && gpu.display instanceof Display) return gpu.display;
  throw new ConfigError("gpu must be true, false or { display } with a core Display");
}

/** One device on the virt board's xHCI (`usb: { devices }`). */
export type VirtUsbDevice =
  | { kind: "keyboard" }
  | { kind: "mouse" }
  | { kind: "tablet" }
  /** The UVC camera; `frames` replaces the test pattern (e.g. @armature/usb's Yuy2Frames). */
  | { kind: "camera"; frames?: FrameSource };

/** USB 3 root-hub ports of the virt board's xHCI: at most this many `usb.devices`. */
export const VIRT_USB_PORTS = 4;

const USB_KINDS = ["keyboard", "mouse", "tablet", "camera"] as const;

function usbOptions(usb: VirtAttachments["usb"]): readonly VirtUsbDevice[] | undefined {
  if (usb === undefined || usb === false) return undefined;
  const defaults = (camera: boolean): VirtUsbDevice[] => [
    { kind: "tablet" },
    { kind: "keyboard" },
    ...(camera ? [{ kind: "camera" as const }] : []),
  ];
  if (usb === true) return defaults(false);
  const bad = (why: string) =>
    new ConfigError(
      `usb ${why}: use true, false, { camera?: boolean } or { devices: [{ kind: "keyboard" | "mouse" | "tablet" | "camera" }, ...] }`,
    );
  if (typeof usb !== "object" || usb === null) throw bad("is not an object");
  if (usb.camera !== undefined && typeof usb.camera !== "boolean") throw bad("camera is not a boolean");
  if (usb.devices === undefined) return defaults(usb.camera ?? false);
  if (usb.camera !== undefined) throw bad("takes camera or devices, not both");
  if (!Array.isArray(usb.devices)) throw bad("devices is not an array");
  if (usb.devices.length > VIRT_USB_PORTS)
    throw new ConfigError(
      `usb.devices lists ${usb.devices.length} devices: the xHCI has ${VIRT_USB_PORTS} USB 3 ports`,
    );
  for (const d of usb.devices)
    if (
      typeof d !== "object" ||
      d === null ||
      !(USB_KINDS as readonly string[]).includes((d as { kind: string }).kind)
    )
      throw bad(`device ${JSON.stringify(d)} has no known kind`);
  return usb.devices;
}

function checkMac(mac: string): string {
  if (!/^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/i.test(mac))
    throw new ConfigError(`mac "${mac}" must be six hex bytes separated by ':' (e.g. 52:54:00:12:34:57)`);
  if (Number.parseInt(mac.slice(0, 2), 16) & 1)
    throw new ConfigError(`mac "${mac}" is a multicast address (the first byte's low bit is set)`);
  return mac.toLowerCase();
}

/**
 * Option ranges, checked once here (the CLI passes numbers through). RAM is one buffer, and a
 * JavaScript typed array holds at most 4 GiB on Node 20: 4096 MiB is the most a board gets.
 */
export const VIRT_LIMITS = { cpus: { min: 1, max: 8 }, memoryMiB: { min: 64, max: 4096 } } as const;

/** A checked configuration: the one input of placing, wiring and describing the board. */
export interface VirtConfig {
  readonly layout: VirtLayout;
  readonly cpus: number;
  readonly memoryMiB: number;
  readonly mpidrs: readonly number[];
  readonly uart: boolean;
  readonly rtc: boolean;
  readonly deterministic: boolean;
  readonly iommu: VirtIommu;
  readonly disk: BlockBackend | undefined;
  readonly sata: readonly VirtSataDevice[];
  /** A virtio-gpu, drawing into `gpuDisplay` when one was given (else a display of its own). */
  readonly gpu: boolean;
  readonly gpuDisplay: Display | undefined;
  /** The xHCI's devices, USB 3 ports 1.. in order (undefined: no USB). */
  readonly usb: readonly VirtUsbDevice[] | undefined;
  readonly net: "user" | "none" | NetSpec | NetBackend;
  readonly netDump: string | undefined;
  readonly mac: string | undefined;
  readonly epochSeconds: number | undefined;
  readonly firmware: VirtFirmware | undefined;
  /** The built-in UEFI (undefined: none). */
  readonly uefi: { readonly acpi: boolean } | undefined;
}

function intIn(v: number, what: keyof typeof VIRT_LIMITS): number {
  const { min, max } = VIRT_LIMITS[what];
  if (!Number.isInteger(v) || v < min || v > max)
    throw new ConfigError(`${what} must be an integer in ${min}..${max}, not ${v}`);
  return v;
}

/** Check options and fill defaults; every mistake is a ConfigError saying what to change. */
export function virtConfig(o: VirtBoardOptions & VirtAttachments = {}): VirtConfig {
  const layout = typeof o.layout === "object" ? o.layout : LAYOUTS[o.layout ?? "vz"];
  if (layout === undefined) throw new ConfigError(`unknown layout "${String(o.layout)}": use "vz" or "qemu"`);
  const cpus = intIn(o.cpus ?? 1, "cpus");
  if (cpus * GICR_FRAME_SIZE > layout.gicrSpace)
    throw new ConfigError(`${cpus} redistributors do not fit the layout's GICR space`);
  if (layout.its === undefined && layout.v2m === undefined)
    throw new ConfigError("the layout needs an ITS or a GICv2m frame for PCI MSIs");
  const deterministic = o.deterministic ?? false;
  const iommu = o.iommu ?? "none";
  if (!IOMMUS.includes(iommu))
    throw new ConfigError(
      `unknown iommu "${String(iommu)}": use ${IOMMUS.map((i) => `"${i}"`).join(" or ")}`,
    );
  if (iommu === "smmuv3" && (layout.smmu === undefined || layout.smmuSpi === undefined))
    throw new ConfigError(
      'iommu "smmuv3" needs the layout\'s smmu and smmuSpi: add them or use iommu "none"',
    );
  const firmware = o.firmware;
  if (firmware !== undefined) {
    if (layout.fwCfg === undefined || layout.flash === undefined)
      throw new ConfigError(`firmware needs a layout with fw_cfg and flash banks: use layout "qemu"`);
    if (
      !(firmware.code instanceof Uint8Array) ||
      firmware.code.length === 0 ||
      firmware.code.length > VIRT_FLASH_BANK_SIZE
    )
      throw new ConfigError(`firmware code must be 1..${VIRT_FLASH_BANK_SIZE} bytes (one flash bank)`);
    if (firmware.vars !== undefined && firmware.vars.length !== VIRT_FLASH_BANK_SIZE)
      throw new ConfigError(
        `the firmware variable store must be exactly ${VIRT_FLASH_BANK_SIZE} bytes, not ${firmware.vars.length}`,
      );
    if (firmware.acpi !== undefined && typeof firmware.acpi !== "boolean")
      throw new ConfigError("firmware.acpi must be a boolean (default true)");
    const seen = new Set<string>();
    for (const d of firmware.bootOrder ?? []) {
      const key = d.kind === "sata" ? `sata ${d.port}` : d.kind;
      if (d.kind === "disk" ? o.disk === undefined : d.kind !== "sata" || o.sata?.[d.port] === undefined)
        throw new ConfigError(
          `firmware.bootOrder names ${JSON.stringify(d)}, which the board does not have (${
            d.kind === "disk" ? "no disk" : `${o.sata?.length ?? 0} SATA devices`
          })`,
        );
      if (seen.has(key)) throw new ConfigError(`firmware.bootOrder names ${key} twice`);
      seen.add(key);
    }
    const problem = firmware.vars === undefined ? undefined : efiVarStoreProblem(firmware.vars);
    if (problem !== undefined)
      throw new ConfigError(
        `the firmware variable store is corrupt (${problem}); the firmware would reformat it and lose its variables: restore it, or start from the firmware's template (e.g. AAVMF_VARS.fd)`,
      );
  }
  const uefi = o.uefi === undefined || o.uefi === false ? undefined : o.uefi === true ? {} : o.uefi;
  if (uefi !== undefined) {
    if (
      typeof uefi !== "object" ||
      uefi === null ||
      (uefi.acpi !== undefined && typeof uefi.acpi !== "boolean")
    )
      throw new ConfigError("uefi must be true, false or { acpi?: boolean }");
    if (firmware !== undefined)
      throw new ConfigError("uefi is the built-in firmware, firmware boots one from flash: give one of them");
  }
  return {
    firmware,
    uefi: uefi === undefined ? undefined : { acpi: uefi.acpi ?? false },
    layout,
    cpus,
    memoryMiB: intIn(o.memoryMiB ?? 1024, "memoryMiB"),
    mpidrs: Array.from({ length: cpus }, (_, i) => 0x8000_0000 + i),
    uart: o.uart ?? true,
    rtc: o.rtc ?? true,
    deterministic,
    iommu,
    disk: o.disk,
    sata: sataDevices(o.sata),
    gpu: gpuDisplay(o.gpu) !== undefined,
    gpuDisplay: gpuDisplay(o.gpu) ?? undefined,
    usb: usbOptions(o.usb),
    net: o.net === undefined || o.net === "builtin" ? "user" : o.net,
    netDump: o.netDump,
    mac: o.mac === undefined ? undefined : checkMac(o.mac),
    epochSeconds: o.epochSeconds ?? (deterministic ? 1_700_000_000 : undefined),
  };
}
