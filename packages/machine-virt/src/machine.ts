import type { AhciPciFunction } from "@armature/ahci";
import {
  attachParts,
  BoardConsole,
  BoardRuntime,
  type ConsoleSink,
  createGicCpus,
  type MachineStop,
  type Psci,
} from "@armature/board";
import { type LinuxBootPlan, loadLinux } from "@armature/boot";
import { Bus, BusDmaSpace, type NetBackend, type RamRegion, VirtualClock } from "@armature/core";
import { type Cpu, type CpuModel, M1_MODEL } from "@armature/cpu-aarch64";
import type { FdtNode } from "@armature/fdt";
import type { Gicv3 } from "@armature/gic";
import type { PciHostBridge } from "@armature/pci";
import type { Pl011 } from "@armature/pl011";
import type { Pl031 } from "@armature/pl031";
import type { SmmuV3 } from "@armature/smmu";
import type { VirtioConsole, VirtioGpu, VirtioPciFunction } from "@armature/virtio";
import { type VirtAttachments, type VirtBoardOptions, type VirtConfig, virtConfig } from "./config.js";
import { describeVirtDt } from "./describe.js";
import type { VirtLayout } from "./layout.js";
import { VIRT_PARTS, type VirtPart, type VirtUsb, VirtWiring } from "./parts.js";

const MiB = 1024 * 1024;

export type { ConsoleSink, MachineStop } from "@armature/board";

export interface VirtMachineOptions extends VirtBoardOptions, VirtAttachments {
  /** CPU model (default M1_MODEL, the Parallels M1 VM's feature list). */
  model?: CpuModel;
  /** The kernel: an arm64 Image (optionally gzip-compressed) or a raw binary. */
  kernel: Uint8Array;
  initrd?: Uint8Array;
  /** Kernel command line; default `console=ttyAMA0` with the UART, else `console=hvc0`. */
  cmdline?: string;
  /** A DTB to hand the kernel instead of the generated one (its /chosen is still filled). */
  dtb?: Uint8Array;
  /** Where the guest's console output goes (default: process.stdout). */
  console?: ConsoleSink;
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
export class VirtMachine {
  readonly config: VirtConfig;
  readonly layout: VirtLayout;
  readonly bus = new Bus();
  readonly clock: VirtualClock;
  readonly ram: RamRegion;
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
  readonly boot: LinuxBootPlan;
  readonly mpidrs: number[];
  readonly runtime: BoardRuntime;
  /** The backend behind virtio-net (undefined with `net: "none"`). */
  readonly network: NetBackend | undefined;
  private readonly console: BoardConsole;
  private closed = false;

  constructor(o: VirtMachineOptions) {
    const c = virtConfig(o);
    this.config = c;
    this.layout = c.layout;
    this.mpidrs = [...c.mpidrs];
    this.clock = new VirtualClock({ mode: c.deterministic ? "deterministic" : "realtime" });
    this.ram = this.bus.addRam("ram", c.layout.ramBase, c.memoryMiB * MiB);
    this.console = new BoardConsole(o.console ?? { write: (b) => process.stdout.write(b) });

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
      this.devices = w.virtio;

      this.cpus = createGicCpus({
        bus: this.bus,
        clock: this.clock,
        model: o.model ?? M1_MODEL,
        count: c.cpus,
        gic: this.gic,
      });
      this.runtime = new BoardRuntime({
        cpus: this.cpus,
        clock: this.clock,
        mpidrs: this.mpidrs,
        isValidEntry: (a) => this.ram.contains(a, 4),
        name: "machine-virt",
      });
      w.wake = () => this.runtime.wake();
      this.psci = this.runtime.psci;

      this.fdt = describeVirtDt(c, o.parts);
      const cmdline = o.cmdline ?? (c.uart ? "console=ttyAMA0" : "console=hvc0");
      this.console.route(cmdline);
      this.boot = loadLinux({
        ram: this.ram,
        kernel: o.kernel,
        ...(o.initrd === undefined ? {} : { initrd: o.initrd }),
        fdt: o.dtb ?? this.fdt,
        bootargs: cmdline,
        ...(c.uart ? { stdoutPath: `/pl011@${c.layout.uart.toString(16)}` } : {}),
        ...(c.deterministic
          ? { kaslrSeed: 0x1234_5678_9abc_def0n, rngSeed: new Uint8Array(32).fill(7) }
          : {}),
      });
      this.runtime.boot(this.boot.entry);
    } catch (e) {
      // A later part or the kernel failed: do not leave the network's sockets open.
      w.net?.close?.();
      throw e;
    }
  }

  /** The generated device tree as a DTB (what the kernel got, unless `dtb` was given). */
  get dtb(): Uint8Array {
    return this.boot.dtbBytes;
  }

  /** Type into the console (the tty named last in `console=`). */
  input(bytes: Uint8Array): void {
    this.console.input(bytes);
    this.runtime.wake();
  }

  /** Stop the run loop at the next opportunity. */
  stop(reason: MachineStop = "halted"): void {
    this.runtime.stop(reason);
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
   * Release host resources: the network backend's sockets, timers and capture file. `run()`
   * calls it when the machine stops (not when it only spends its instruction budget). Idempotent.
   */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.network?.close?.();
  }

  /** Instructions retired by all vCPUs. */
  retired(): number {
    return this.runtime.retired();
  }
}
