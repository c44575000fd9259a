import type { AhciPciFunction } from "@armature/ahci";
import {
  attachParts,
  BoardConsole,
  BoardMachine,
  type BoardMachineOptions,
  type BoardRuntime,
  createGicBoard,
  type MachineStop,
  type Psci,
} from "@armature/board";
import { type LinuxBootPlan, loadLinux } from "@armature/boot";
import type { CfiFlash } from "@armature/cfi-flash";
import {
  Bus,
  BusDmaSpace,
  ConfigError,
  type NetBackend,
  type RamRegion,
  ramSnapshot,
  SnapshotError,
  type SnapshotHeader,
  type SnapshotSection,
  VirtualClock,
} from "@armature/core";
import { type Cpu, M1_MODEL, resolveCpuEngine } from "@armature/cpu-aarch64";
import { type FdtNode, serializeDtb } from "@armature/fdt";
import {
  acpiLoaderFiles,
  bootOrderFile,
  FW_CFG_FILE,
  type FwCfg,
  ofwBootPath,
  smbiosFiles,
} from "@armature/fw-cfg";
import {
  GICD_IGROUPR,
  GICR_FRAME_SIZE,
  GICR_IGROUPR0,
  GICR_SGI_BASE,
  GICR_WAKER,
  type Gicv3,
} from "@armature/gic";
import type { PciHostBridge } from "@armature/pci";
import type { Pl011 } from "@armature/pl011";
import type { Pl031 } from "@armature/pl031";
import type { SmmuV3 } from "@armature/smmu";
import type { BootImageFile, UefiFirmware } from "@armature/uefi";
import { VirtioBlk, type VirtioConsole, type VirtioGpu, VirtioPciFunction } from "@armature/virtio";
import { type VirtAttachments, type VirtBoardOptions, type VirtConfig, virtConfig } from "./config.js";
import { describeVirtAcpi, describeVirtDt, describeVirtSmbios } from "./describe.js";
import type { VirtLayout } from "./layout.js";
import { VIRT_PARTS, type VirtPart, type VirtUsb, VirtWiring } from "./parts.js";
import { createVirtUefi } from "./uefi.js";

const MiB = 1024 * 1024;
/** SPSR_ELx format: EL1h (M = 0b0101) with D, A, I and F masked, the reset state firmware expects. */
const PSTATE_EL1H_MASKED = 0x3c5;
// GICD_IGROUPR<n> / GICR_IGROUPR0: one bit per INTID, 32 per word; 256 SPIs + 32 private.
const GIC_SPI_GROUP_WORDS = (256 + 32) / 32;

export type { ConsoleSink, MachineStop } from "@armature/board";

export interface VirtMachineOptions extends BoardMachineOptions, VirtBoardOptions, VirtAttachments {
  /**
   * The kernel: an arm64 Image (optionally gzip-compressed) or a raw binary. With `firmware` it
   * is optional and reaches the firmware through fw_cfg (with `initrd` and `cmdline`). With `uefi`
   * the built-in UEFI starts it through its EFI stub (`initrd` through LoadFile2, `cmdline` as its
   * LoadOptions); without it, the UEFI boot manager boots the disks. A BootImageFile (read on
   * demand) goes to the built-in UEFI as it is, which reads it straight into guest RAM where it
   * lays the image out; the other boot paths read all of it first.
   */
  kernel?: Uint8Array | BootImageFile;
  initrd?: Uint8Array;
  /** Kernel command line; default `console=ttyAMA0` with the UART, else `console=hvc0`. */
  cmdline?: string;
  /** A DTB to hand the kernel instead of the generated one (its /chosen is still filled). */
  dtb?: Uint8Array;
  /**
   * Your own parts, placed, wired and described after the board's (VIRT_PARTS): a custom board is
   * the virt board plus entries of this table (see examples/custom-board.ts).
   */
  parts?: readonly VirtPart[];
}

/**
 * The virt board: walks its table of parts (VIRT_PARTS) to place and wire them, describes itself
 * from the same table (describeVirtDt), loads Linux and hands the vCPUs to the shared
 * BoardRuntime (@armature/board: run loop, PSCI over HVC, WFI idling, external aborts).
 */
export class VirtMachine extends BoardMachine {
  readonly config: VirtConfig;
  readonly layout: VirtLayout;
  readonly bus = new Bus({ arena: "auto" });
  readonly clock: VirtualClock;
  readonly ramParts: readonly RamRegion[];
  readonly gic: Gicv3;
  readonly cpus: Cpu[];
  readonly psci: Psci;
  readonly uart: Pl011 | undefined;
  readonly rtc: Pl031 | undefined;
  readonly pci: PciHostBridge;
  /** The SMMUv3 in front of the PCI functions (iommu: "smmuv3"). */
  readonly smmu: SmmuV3 | undefined;
  /** The AHCI function (when `sata` has devices). */
  readonly ahci: AhciPciFunction | undefined;
  /** The virtio-gpu (when `gpu` is set); its `display` is what VNC and screenshots show. */
  readonly gpu: VirtioGpu | undefined;
  /** The xHCI with its tablet, keyboard and camera (when `usb` is set). */
  readonly usb: VirtUsb | undefined;
  readonly virtioConsole: VirtioConsole;
  readonly devices: VirtioPciFunction[];
  readonly fdt: FdtNode;
  /** How the kernel was loaded (undefined with `firmware`: the firmware loads it). */
  readonly boot: LinuxBootPlan | undefined;
  /** fw_cfg (with `firmware`). */
  readonly fwCfg: FwCfg | undefined;
  /** The variable store flash bank (with `firmware`). */
  readonly varsFlash: CfiFlash | undefined;
  /** Flash bank 0, the firmware code, mapped as RAM (with `firmware`). */
  private readonly codeFlash: RamRegion | undefined;
  /** The built-in UEFI (with `uefi`). */
  readonly uefi: UefiFirmware | undefined;
  private uefiHvc: ((cpu: number, imm: number) => boolean) | undefined;
  private readonly dtbBytes: Uint8Array;
  readonly mpidrs: number[];
  readonly runtime: BoardRuntime;
  /** The backend behind virtio-net (undefined with `net: "none"`). */
  readonly network: NetBackend | undefined;
  protected readonly console: BoardConsole;
  private readonly customParts: number;
  private readonly modelName: string;

  constructor(o: VirtMachineOptions) {
    super();
    const c = virtConfig(o);
    resolveCpuEngine(o.engine); // a bad engine is a ConfigError before anything is built
    this.config = c;
    this.layout = c.layout;
    this.mpidrs = [...c.mpidrs];
    this.clock = new VirtualClock({ mode: c.deterministic ? "deterministic" : "realtime" });
    // over what the WebAssembly arena holds: the low part in it, the rest outside (Bus.addRamParts)
    this.ramParts = this.bus.addRamParts("ram", c.layout.ramBase, c.memoryMiB * MiB);
    this.console = new BoardConsole(o.console);
    this.customParts = o.parts?.length ?? 0;
    this.modelName = (o.model ?? M1_MODEL).name;

    const w = new VirtWiring(this.bus, new BusDmaSpace(this.bus), this.clock, this.console);
    try {
      attachParts([...VIRT_PARTS, ...(o.parts ?? [])], w, c, this.bus);
      this.network = w.net;
      this.gic = w.gic!;
      this.pci = w.pci!;
      this.smmu = w.iommu;
      this.ahci = w.ahci;
      this.gpu = w.gpu;
      this.usb = w.usb;
      this.uart = w.uart;
      this.rtc = w.rtc;
      this.virtioConsole = w.virtioConsole!;
      this.fwCfg = w.fwCfg;
      this.varsFlash = w.varsFlash;
      this.codeFlash = w.codeFlash;
      this.devices = w.virtio;

      ({ cpus: this.cpus, runtime: this.runtime } = createGicBoard({
        bus: this.bus,
        clock: this.clock,
        model: o.model ?? M1_MODEL,
        count: c.cpus,
        gic: this.gic,
        engine: o.engine,
        jit: o.jit,
        mpidrs: this.mpidrs,
        isValidEntry: (a) => this.inRam(a, 4),
        name: "machine-virt",
        hvc: (i, imm) => this.uefiHvc?.(i, imm) ?? false,
        exceptionLoopLimit: o.exceptionLoopLimit,
      }));
      w.wake = () => this.runtime.wake();
      this.psci = this.runtime.psci;

      this.fdt = describeVirtDt(c, o.parts);
      const cmdline = o.cmdline ?? (c.uart ? "console=ttyAMA0" : "console=hvc0");
      this.console.route(cmdline);
      if (c.firmware !== undefined) {
        this.boot = undefined;
        this.uefi = undefined;
        this.dtbBytes = this.startFirmware(c, o, cmdline);
      } else if (c.uefi !== undefined) {
        if (o.kernel === undefined && c.disk === undefined && !c.sata.some((d) => d.kind === "disk"))
          throw new ConfigError("uefi needs a kernel, or a disk whose EFI System Partition it boots");
        this.boot = undefined;
        const sink = this.console.sink;
        const u = createVirtUefi(
          {
            bus: this.bus,
            ram: { base: c.layout.ramBase, size: c.memoryMiB * MiB },
            clock: this.clock,
            cpus: this.cpus,
            runtime: this.runtime,
            consoleWrite: (b) => sink.write(b),
          },
          c,
          { ...o, cmdline, fdt: this.fdt },
        );
        this.uefi = u.firmware;
        this.uefiHvc = u.hvc;
        this.dtbBytes = u.dtb;
        this.runtime.boot({ pc: u.firmware.entry.pc, pstate: u.firmware.entry.pstate });
      } else {
        this.uefi = undefined;
        if (o.kernel === undefined) throw new ConfigError("give a kernel, or firmware to boot");
        const kernel = fileBytes(o.kernel);
        this.boot = loadLinux({
          // RAM in several regions (Bus.addRamParts): placed over all of it, written through the bus
          ...(this.ramParts.length === 1
            ? { ram: this.ram }
            : { ram: { name: "ram", base: c.layout.ramBase, size: c.memoryMiB * MiB }, bus: this.bus }),
          kernel,
          ...(o.initrd === undefined ? {} : { initrd: o.initrd }),
          fdt: o.dtb ?? this.fdt,
          bootargs: cmdline,
          ...(c.uart ? { stdoutPath: `/pl011@${c.layout.uart.toString(16)}` } : {}),
          ...(c.deterministic
            ? { kaslrSeed: 0x1234_5678_9abc_def0n, rngSeed: new Uint8Array(32).fill(7) }
            : {}),
        });
        this.dtbBytes = this.boot.dtbBytes;
        this.runtime.boot(this.boot.entry);
      }
    } catch (e) {
      // A later part or the kernel failed: do not leave the network's sockets open.
      w.net?.close?.();
      throw e;
    }
  }

  /** The generated device tree as a DTB (what the kernel or firmware got, unless `dtb` was given). */
  get dtb(): Uint8Array {
    return this.dtbBytes;
  }

  /**
   * Firmware boot, as QEMU's virt does without EL2/EL3: the DTB at the start of RAM, fw_cfg's
   * files (ACPI through the table loader unless `firmware.acpi` is false, SMBIOS, the kernel), and the boot CPU at the code
   * bank's first instruction at EL1h with interrupts masked (x0 = the DTB).
   */
  private startFirmware(c: VirtConfig, o: VirtMachineOptions, cmdline: string): Uint8Array {
    const fw = this.fwCfg!;
    if (c.uart) this.fdt.child("chosen")?.setString("stdout-path", `/pl011@${c.layout.uart.toString(16)}`);
    const dtb = o.dtb ?? serializeDtb(this.fdt, { padding: 4096 });
    this.ram.u8.set(dtb, 0);
    // No ACPI files (QEMU's acpi=off): EDK2 then gives the OS the DT above.
    if (c.firmware?.acpi !== false) {
      const acpi = acpiLoaderFiles(describeVirtAcpi(c));
      fw.addFile(FW_CFG_FILE.acpiRsdp, acpi.rsdp);
      fw.addFile(FW_CFG_FILE.acpiTables, acpi.tables);
      fw.addFile(FW_CFG_FILE.tableLoader, acpi.loader);
    }
    fw.addFile(FW_CFG_FILE.bootOrder, this.bootOrder(c));
    const smbios = smbiosFiles(describeVirtSmbios(c));
    fw.addFile(FW_CFG_FILE.smbiosAnchor, smbios.anchor);
    fw.addFile(FW_CFG_FILE.smbiosTables, smbios.tables);
    if (o.kernel !== undefined)
      fw.setKernel({
        kernel: fileBytes(o.kernel),
        ...(o.initrd === undefined ? {} : { initrd: o.initrd }),
        cmdline,
      });
    // With no EL3 to do it, the board does what secure firmware would (and QEMU does when it boots
    // firmware straight into EL1): every redistributor awake (GICR_WAKER.ProcessorSleep = 0) and
    // every interrupt in Group 1 (non-secure): the SGIs/PPIs, then the SPIs.
    for (let i = 0; i < c.cpus; i++) {
      const rd = c.layout.gicr + i * GICR_FRAME_SIZE;
      this.bus.write(rd + GICR_WAKER, 4, 0);
      this.bus.write(rd + GICR_SGI_BASE + GICR_IGROUPR0, 4, 0xffff_ffff);
    }
    for (let k = 1; k < GIC_SPI_GROUP_WORDS; k++)
      this.bus.write(c.layout.gicd + GICD_IGROUPR + 4 * k, 4, 0xffff_ffff);
    this.runtime.boot({ pc: c.layout.flash![0], x: [c.layout.ramBase], pstate: PSTATE_EL1H_MASKED });
    return dtb;
  }

  /** fw_cfg's "bootorder": `firmware.bootOrder` as QEMU's OpenFirmware paths of their PCI slots. */
  private bootOrder(c: VirtConfig): Uint8Array {
    const fns = this.pci.functions();
    const paths = (c.firmware?.bootOrder ?? []).map((d) => {
      const f =
        d.kind === "disk"
          ? fns.find((f) => f.fn instanceof VirtioPciFunction && f.fn.device instanceof VirtioBlk)
          : fns.find((f) => f.fn === this.ahci);
      if (f === undefined) throw new ConfigError(`firmware.bootOrder: no PCI function for ${d.kind}`);
      return d.kind === "disk"
        ? ofwBootPath({ kind: "virtio-blk", slot: f.device, function: f.function })
        : ofwBootPath({ kind: "ahci", slot: f.device, function: f.function, port: d.port });
    });
    return bootOrderFile(paths);
  }

  /**
   * Run until the guest powers off or resets, `stop()` is called, or `maxInstructions` retire.
   * Yields to the host event loop between slices so console and network I/O keep flowing.
   */
  async run(opts: { maxInstructions?: number; sliceInstructions?: number } = {}): Promise<MachineStop> {
    const stop = await this.runtime.run(opts);
    // A stopped machine does not run again: release its host resources so the process can exit.
    if (stop !== "budget") this.close();
    return stop;
  }

  /**
   * The network backend's sockets, timers and capture file. `run()` closes the machine when it
   * stops (not when it only spends its instruction budget).
   */
  protected releaseHost(): void {
    this.network?.close?.();
  }

  // ---------------------------------------------------------------- snapshots

  /** What a snapshot of this machine must match: the board and its configuration. */
  snapshotHeader(): SnapshotHeader {
    const c = this.config;
    const net = c.net;
    return {
      board: "machine-virt",
      config: JSON.stringify({
        layout: c.layout.name,
        ramBase: c.layout.ramBase,
        cpus: c.cpus,
        memoryMiB: c.memoryMiB,
        model: this.modelName,
        uart: c.uart,
        rtc: c.rtc,
        deterministic: c.deterministic,
        iommu: c.iommu,
        disk: c.disk === undefined ? null : c.disk.size,
        diskReadOnly: c.disk?.readOnly === true,
        net:
          net === "none" || (typeof net === "object" && "kind" in net && net.kind === "none")
            ? "none"
            : "nic",
        mac: c.mac ?? null,
        // Only when present, so snapshots of machines without one keep their configuration text.
        ...(c.gpu ? { gpu: true } : {}),
        ...(c.sata.length > 0
          ? { sata: c.sata.map((d) => ({ kind: d.kind, size: d.backend?.size ?? null })) }
          : {}),
        ...(c.usb !== undefined ? { usb: c.usb.map((d) => d.kind) } : {}),
        ...(c.uefi !== undefined ? { uefi: c.uefi.acpi ? "acpi" : "dt" } : {}),
        ...(c.firmware !== undefined ? { firmware: c.firmware.acpi === false ? "dt" : "acpi" } : {}),
      }),
    };
  }

  /**
   * The machine's state as named sections, in restore order: the clock first (its restore empties
   * the timer queue the others re-arm), the run loop and PSCI, RAM, each vCPU, the GIC, the UART,
   * the RTC, the PCI host bridge, each virtio-pci function and the disk's identity. Throws
   * SnapshotError("unsupported") when the machine has a part that cannot be snapshotted yet.
   */
  snapshotSections(): SnapshotSection[] {
    const c = this.config;
    const unsupported = [this.customParts > 0 ? "custom parts" : undefined].filter((x) => x !== undefined);
    if (unsupported.length > 0)
      throw new SnapshotError("unsupported", `snapshots do not support ${unsupported.join(", ")} yet`);
    const sections = this.coreSections();
    if (this.smmu !== undefined) sections.push({ name: "smmuv3", part: this.smmu });
    if (this.uart !== undefined) sections.push({ name: "pl011", part: this.uart });
    if (this.rtc !== undefined) sections.push({ name: "pl031", part: this.rtc });
    sections.push({ name: "pci", part: this.pci });
    for (const fn of this.devices) sections.push({ name: `virtio-${fn.device.name}`, part: fn });
    if (this.ahci !== undefined) sections.push({ name: "ahci", part: this.ahci });
    if (this.usb !== undefined) sections.push({ name: "xhci", part: this.usb.xhci });
    // Firmware boot: the code bank (RAM) and the variable store bank, fw_cfg's selection and
    // writable items; the firmware itself runs from guest RAM.
    if (this.codeFlash !== undefined) sections.push({ name: "flash0", part: ramSnapshot(this.codeFlash) });
    if (this.varsFlash !== undefined) sections.push({ name: "flash1", part: this.varsFlash });
    if (this.fwCfg !== undefined) sections.push({ name: "fw-cfg", part: this.fwCfg });
    // Saved once the OS has called ExitBootServices (before that, the firmware refuses).
    if (this.uefi !== undefined) sections.push({ name: "uefi", part: this.uefi });
    if (c.disk !== undefined)
      sections.push({ name: "disk", part: this.snapshots.disk("virtio-blk", c.disk) });
    c.sata.forEach((d, port) => {
      if (d.backend !== undefined)
        sections.push({
          name: `sata${port}`,
          part: this.snapshots.disk(`sata${port}`, d.backend),
        });
    });
    return sections;
  }
}

/** All of a kernel given as a file (the boot paths other than the built-in UEFI need its bytes). */
function fileBytes(kernel: Uint8Array | BootImageFile): Uint8Array {
  if (kernel instanceof Uint8Array) return kernel;
  const bytes = new Uint8Array(kernel.size);
  kernel.read(bytes, 0);
  return bytes;
}
