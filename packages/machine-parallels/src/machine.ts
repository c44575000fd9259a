import { type AcpiTableSet, layoutAcpi } from "@armature/acpi";
import type { AhciHba, AtapiDvd } from "@armature/ahci";
import {
  attachParts,
  BoardConsole,
  BoardMachine,
  type BoardMachineOptions,
  type BoardRuntime,
  createGicBoard,
  firmwareCpuView,
  type MachineStop,
  type Psci,
  partWindows,
} from "@armature/board";
import {
  type BlockBackend,
  Bus,
  ConfigError,
  type Display,
  type IrqLine,
  type NetBackend,
  type RamRegion,
  type SnapshotHeader,
  type SnapshotSection,
  VirtualClock,
} from "@armature/core";
import { type Cpu, M1_MODEL, resolveCpuEngine } from "@armature/cpu-aarch64";
import type { Gicv3 } from "@armature/gic";
import { UserNetwork } from "@armature/net";
import type { Pl011 } from "@armature/pl011";
import type { SmmuV3 } from "@armature/smmu";
import {
  type BootImageFile,
  boardUefiCall,
  boardUefiPlatform,
  type UefiCpu,
  UefiFirmware,
} from "@armature/uefi";
import {
  type EhciController,
  type UsbKeyboard,
  type UsbMouse,
  type UvcCamera,
  usbInputListener,
  type XhciController,
} from "@armature/usb";
import type { VirtioMmio } from "@armature/virtio";
import {
  PARALLELS_MAP,
  type ParallelsAttachments,
  type ParallelsBoardOptions,
  type ParallelsConfig,
  parallelsConfig,
} from "./config.js";
import { describeParallelsAcpi, describeParallelsSmbios } from "./describe.js";
import { PARALLELS_PARTS, ParallelsWiring } from "./parts.js";

const MiB = 1024 * 1024;

export interface ParallelsMachineOptions
  extends BoardMachineOptions,
    ParallelsBoardOptions,
    ParallelsAttachments {
  /**
   * The boot image the built-in UEFI starts: an AArch64 EFI application, e.g. an arm64 Linux
   * `Image` (it boots through its EFI stub). Absent: the firmware's boot manager boots `disk`
   * (BootOrder/Boot#### from `efiVariables`, then \EFI\BOOT\BOOTAA64.EFI on its EFI System
   * Partition). A BootImageFile (its size and a read at an offset) is read straight into guest RAM
   * where the firmware lays the image out (no copy of the whole file in host memory).
   */
  kernel?: Uint8Array | BootImageFile;
  /** Offered to the image through LoadFile2 on Linux's initrd device path. */
  initrd?: Uint8Array;
  /** The image's LoadOptions: the kernel command line (default `console=ttyAMA0`). */
  cmdline?: string;
}

/** Parallels' shared network: 10.211.55.0/24, the guest at .3 by DHCP. */
export function parallelsUserNetwork(): UserNetwork {
  return new UserNetwork({
    network: "10.211.55.0/24",
    host: "10.211.55.2",
    dns: "10.211.55.1",
    dhcpStart: "10.211.55.3",
  });
}

/**
 * The Parallels-Desktop-on-M1-like board: walks its table of parts (PARALLELS_PARTS), publishes
 * ACPI and SMBIOS through the built-in UEFI (@armature/uefi; no device tree reaches the OS),
 * starts the boot image through it, and hands the vCPUs to the shared BoardRuntime with the
 * firmware's service HVCs routed to it and HVC #0 to PSCI.
 */
export class ParallelsMachine extends BoardMachine {
  readonly config: ParallelsConfig;
  readonly bus = new Bus({ arena: "auto" });
  readonly clock: VirtualClock;
  readonly ramParts: readonly RamRegion[];
  readonly gic: Gicv3;
  readonly smmu: SmmuV3 | undefined;
  readonly cpus: Cpu[];
  readonly psci: Psci;
  readonly runtime: BoardRuntime;
  readonly firmware: UefiFirmware;
  /** The screen virtio-gpu scans out to. */
  readonly display: Display;
  readonly keyboard: UsbKeyboard;
  readonly mouse: UsbMouse;
  readonly camera: UvcCamera;
  private readonly powerLine: IrqLine;
  readonly xhci: XhciController;
  /** The DVD-ROM on AHCI port 1 (insert or eject media at run time). */
  readonly dvd: AtapiDvd;
  /** virtio-mmio transports: gpu, balloon, net (virtio0/1/2). */
  readonly virtio: readonly VirtioMmio[];
  /** The NIC's backend (undefined with net "none"). */
  readonly net: NetBackend | undefined;
  private readonly ownsNet: boolean;
  protected readonly console: BoardConsole;
  /** No `kernel`: the firmware's boot manager boots the disk. */
  private readonly bootsDisk: boolean;
  private readonly uart: Pl011;
  private readonly ahci: AhciHba;
  private readonly ehci: EhciController;
  private readonly disk: BlockBackend | undefined;
  private readonly modelName: string;

  constructor(o: ParallelsMachineOptions) {
    super();
    resolveCpuEngine(o.engine); // a bad engine is a ConfigError before anything is built
    if (o.kernel !== undefined && (o.kernel instanceof Uint8Array ? o.kernel.length : o.kernel.size) === 0)
      throw new ConfigError(
        "ParallelsMachine: `kernel` is empty; give an arm64 Linux Image or another AArch64 EFI application",
      );
    if (o.kernel === undefined && o.disk === undefined)
      throw new ConfigError(
        "ParallelsMachine needs `kernel` (an arm64 Linux Image or another AArch64 EFI application) or a `disk` whose EFI System Partition the firmware boots",
      );
    if (o.kernel === undefined && o.initrd !== undefined)
      throw new ConfigError(
        "ParallelsMachine: `initrd` goes with `kernel`; a disk boot loads its initrd itself (e.g. the Linux EFI stub's initrd= in the boot option)",
      );
    this.bootsDisk = o.kernel === undefined;
    const c = parallelsConfig(o);
    this.config = c;
    this.clock = new VirtualClock({ mode: c.deterministic ? "deterministic" : "realtime" });
    // over what the WebAssembly arena holds: the low part in it, the rest outside (Bus.addRamParts)
    this.ramParts = this.bus.addRamParts("ram", PARALLELS_MAP.ramBase, c.memoryMiB * MiB);
    this.console = new BoardConsole(o.console);

    this.ownsNet = o.net === undefined;
    this.net = o.net === "none" ? undefined : (o.net ?? parallelsUserNetwork());
    const w = new ParallelsWiring(this.bus, this.clock, this.console, {
      disk: o.disk,
      cdrom: o.cdrom,
      net: this.net,
      display: o.display,
      camera: o.camera,
    });
    attachParts(PARALLELS_PARTS, w, c, this.bus);
    this.gic = w.gic!;
    this.smmu = w.smmu;
    this.display = w.gpu!.display;
    this.keyboard = w.keyboard!;
    this.mouse = w.mouse!;
    this.camera = w.camera!;
    this.powerLine = w.powerButton!;
    this.xhci = w.xhci!;
    this.dvd = w.dvd!;
    this.virtio = w.virtio;
    this.uart = w.uart!;
    this.ahci = w.ahci!;
    this.ehci = w.ehci!;
    this.disk = o.disk;
    this.modelName = (o.model ?? M1_MODEL).name;
    this.connectInput();

    ({ cpus: this.cpus, runtime: this.runtime } = createGicBoard({
      bus: this.bus,
      clock: this.clock,
      model: { ...(o.model ?? M1_MODEL), midr: c.midr },
      count: c.cpus,
      gic: this.gic,
      engine: o.engine,
      jit: o.jit,
      mpidrs: c.mpidrs,
      isValidEntry: (a) => this.inRam(a, 4),
      name: "machine-parallels",
      exceptionLoopLimit: o.exceptionLoopLimit,
      hvc: (i, imm) => this.firmwareCall(i, imm, views[i]!),
    }));
    const views = this.cpus.map(firmwareCpuView);
    this.psci = this.runtime.psci;

    const epochMs =
      o.epochSeconds !== undefined ? o.epochSeconds * 1000 : c.deterministic ? 1_700_000_000_000 : undefined;
    const cmdline = o.cmdline ?? "console=ttyAMA0";
    this.console.route(cmdline);
    const sink = this.console.sink;
    let acpiTables: AcpiTableSet | undefined;
    this.firmware = new UefiFirmware(
      boardUefiPlatform({
        memory: this.bus,
        ram: { base: PARALLELS_MAP.ramBase, size: c.memoryMiB * MiB },
        mmio: partWindows(PARALLELS_PARTS, c),
        console: { write: (b) => sink.write(b) },
        disks: o.disk === undefined ? [] : [o.disk],
        clock: this.clock,
        epochMs,
        entropySeed: c.deterministic ? 0x5eed_1234 : undefined,
        cpus: this.cpus,
        stop: (reason) => this.runtime.stop(reason),
        // Laid out twice (for the size, then at the address): described once.
        acpi: (base) => {
          acpiTables ??= describeParallelsAcpi(c);
          const img = layoutAcpi(acpiTables, base);
          return { bytes: img.bytes, rsdpAddress: img.rsdpAddress };
        },
        smbios: (addr) => describeParallelsSmbios(c).build(addr),
      }),
      {
        ...(o.kernel === undefined ? {} : { image: o.kernel, cmdline }),
        ...(o.initrd === undefined ? {} : { initrd: o.initrd }),
        ...(o.efiVariables === undefined ? {} : { variables: o.efiVariables }),
      },
    );
    this.runtime.boot({ pc: this.firmware.entry.pc, pstate: this.firmware.entry.pstate });
  }

  /**
   * Host input on the display (a VNC client) drives the USB keyboard and mouse. The mouse is
   * relative, as on Parallels: absolute positions become motion from the previous one.
   */
  private connectInput(): void {
    this.display.addInputListener(
      usbInputListener({ keyboard: this.keyboard, mouse: this.mouse, after: () => this.runtime.wake() }),
    );
  }

  /** A firmware service HVC from vCPU `i` (false: not the firmware's; PSCI answers it). */
  private firmwareCall(_i: number, imm: number, view: UefiCpu): boolean {
    return boardUefiCall(this.firmware, this.clock, imm, view, (status) => {
      this.console.sink.write(
        new TextEncoder().encode(
          `\r\nmachine-parallels: ${this.bootsDisk ? "the firmware's boot manager has nothing left to boot" : "the boot image returned"} (status 0x${status.toString(16)})\r\n`,
        ),
      );
      this.runtime.stop("halted");
    });
  }

  /**
   * Press the power button (ACPI GED → Notify(PWRB, 0x80)): Linux's button driver reports
   * KEY_POWER, and a guest that handles it (acpid, systemd-logind) shuts down.
   */
  powerButton(): void {
    this.powerLine.pulse();
    this.runtime.wake();
  }

  /**
   * Run until the guest powers off or resets, `stop()` is called, or `maxInstructions` retire.
   * A power-off or reset closes what the board opened (the default user network's sockets).
   */
  async run(opts: { maxInstructions?: number; sliceInstructions?: number } = {}): Promise<MachineStop> {
    const r = await this.runtime.run(opts);
    if (r === "poweroff" || r === "reset") this.close();
    return r;
  }

  /** The default user network's sockets (a backend given in the options is the caller's). */
  protected releaseHost(): void {
    if (this.ownsNet && this.net instanceof UserNetwork) this.net.close();
  }

  // ---------------------------------------------------------------- snapshots

  /** What a snapshot of this machine must match: the board and its configuration. */
  snapshotHeader(): SnapshotHeader {
    const c = this.config;
    const dvd = this.dvd.medium;
    return {
      board: PARALLELS_SNAPSHOT_BOARD,
      config: JSON.stringify({
        cpus: c.cpus,
        memoryMiB: c.memoryMiB,
        model: this.modelName,
        midr: c.midr,
        iommu: c.iommu,
        uuid: c.uuid,
        serial: c.serial,
        deterministic: c.deterministic,
        net: c.net,
        mac: c.mac,
        disk: this.disk === undefined ? null : this.disk.size,
        diskReadOnly: this.disk?.readOnly === true,
        cdrom: dvd === undefined ? null : dvd.size,
      }),
    };
  }

  /**
   * The machine's state as named sections, in restore order: the clock (its restore empties the
   * timer queue the others re-arm), the run loop and PSCI, RAM, each vCPU, the GIC, the SMMUv3,
   * the UART, AHCI (with the disk and DVD drive), EHCI, xHCI (with the mouse, keyboard and
   * camera), each virtio-mmio device, the built-in UEFI's runtime state, then the identities of
   * the disk and the DVD's medium (not their contents). Saving before the OS called
   * ExitBootServices is SnapshotError("unsupported"): the firmware's boot services are not saved.
   */
  snapshotSections(): SnapshotSection[] {
    const sections = this.coreSections();
    if (this.smmu !== undefined) sections.push({ name: "smmuv3", part: this.smmu });
    sections.push(
      { name: "pl011", part: this.uart },
      { name: "ahci", part: this.ahci },
      { name: "ehci", part: this.ehci },
      { name: "xhci", part: this.xhci },
    );
    for (const t of this.virtio) sections.push({ name: `virtio-${t.device.name}`, part: t });
    sections.push({ name: "uefi", part: this.firmware });
    if (this.disk !== undefined) sections.push({ name: "disk", part: this.snapshots.disk("sda", this.disk) });
    const dvd = this.dvd.medium;
    if (dvd !== undefined) sections.push({ name: "cdrom", part: this.snapshots.disk("sr0", dvd) });
    return sections;
  }
}

/** The board name a Parallels snapshot's header carries. */
export const PARALLELS_SNAPSHOT_BOARD = "machine-parallels";
