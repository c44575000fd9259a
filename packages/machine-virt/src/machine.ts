import { type LinuxBootPlan, loadLinux } from "@armature/boot";
import {
  type BlockBackend,
  Bus,
  BusDmaSpace,
  ConfigError,
  hex,
  irqLine,
  type MsiSink,
  type RamRegion,
  RateLimitedLog,
  VirtualClock,
} from "@armature/core";
import { Cpu, type CpuModel, ISS_WNR, M1_MODEL } from "@armature/cpu-aarch64";
import { FdtNode } from "@armature/fdt";
import { describeGicDt, Gicv3 } from "@armature/gic";
import { describePciHostBridge, PciHostBridge } from "@armature/pci";
import { describePl011, Pl011 } from "@armature/pl011";
import { describePl031, Pl031 } from "@armature/pl031";
import {
  type ConsoleBackend,
  type EntropySource,
  type NetBackend,
  UserNetPeer,
  VirtioBalloon,
  VirtioBlk,
  VirtioConsole,
  type VirtioDevice,
  VirtioNet,
  VirtioPciFunction,
  VirtioRng,
} from "@armature/virtio";
import { LAYOUTS, type VirtLayout } from "./layout.js";
import { CPU_SUSPEND_32, CPU_SUSPEND_64, Psci } from "./psci.js";

const MiB = 1024 * 1024;
const PH_GIC = 0x8001;
const PH_MSI = 0x8002;
const PH_CLK = 0x8000;

/** Host side of the console: guest output goes to `write`; call `VirtMachine.input()` to type. */
export interface ConsoleSink {
  write(bytes: Uint8Array): void;
}

export interface VirtMachineOptions {
  /** "vz" (default, Virtualization.framework's map) or "qemu" (QEMU virt's), or a custom layout. */
  layout?: "vz" | "qemu" | VirtLayout;
  /** 1..8 vCPUs (default 1), run interleaved on one thread. */
  cpus?: number;
  /** Guest RAM in MiB (default 1024). */
  memoryMiB?: number;
  /** CPU model (default M1_MODEL, the Parallels M1 VM's feature list). */
  model?: CpuModel;
  /** The kernel: an arm64 Image (optionally gzip-compressed) or a raw binary. */
  kernel: Uint8Array;
  initrd?: Uint8Array;
  /** Kernel command line; default `console=ttyAMA0` with the UART, else `console=hvc0`. */
  cmdline?: string;
  /** A DTB to hand the kernel instead of the generated one (its /chosen is still filled). */
  dtb?: Uint8Array;
  disk?: BlockBackend;
  /** "builtin" (default): a peer at 10.0.2.2 answering ARP and ping; "none"; or a backend. */
  net?: "builtin" | "none" | NetBackend;
  console?: ConsoleSink;
  /** Include the PL011 UART (default true) and the PL031 RTC (default true). */
  uart?: boolean;
  rtc?: boolean;
  /** Deterministic time (instruction-driven) instead of the host clock. Default false. */
  deterministic?: boolean;
  /** RTC epoch in seconds (default: host wall clock; fixed when deterministic). */
  epochSeconds?: number;
}

/** Why `run()` returned. */
export type MachineStop = "poweroff" | "reset" | "budget" | "halted";

/**
 * The virt board: places and wires the parts, generates the device tree from the same placement,
 * loads Linux and runs the vCPUs round-robin. HVC goes to the board's PSCI; WFI idles a vCPU until
 * an interrupt is pending; when every vCPU idles, time skips to the next timer (deterministic) or
 * the host sleeps until then (real time).
 */
export class VirtMachine {
  readonly layout: VirtLayout;
  readonly bus = new Bus();
  readonly clock: VirtualClock;
  readonly ram: RamRegion;
  readonly gic: Gicv3;
  readonly cpus: Cpu[] = [];
  readonly psci: Psci;
  readonly uart: Pl011 | undefined;
  readonly rtc: Pl031 | undefined;
  readonly pci: PciHostBridge;
  readonly virtioConsole: VirtioConsole;
  readonly devices: VirtioPciFunction[] = [];
  readonly fdt: FdtNode;
  readonly boot: LinuxBootPlan;
  readonly mpidrs: number[];
  private readonly running: boolean[];
  private readonly waiting: boolean[];
  private stopReason: MachineStop | undefined;
  private consoleInput: ((bytes: Uint8Array) => void) | undefined;
  private wake: (() => void) | undefined;
  private readonly log = new RateLimitedLog("machine-virt");
  private readonly consoleSink: ConsoleSink;
  private readonly inputToUart: boolean;

  constructor(o: VirtMachineOptions) {
    const layout = typeof o.layout === "object" ? o.layout : LAYOUTS[o.layout ?? "vz"];
    if (layout === undefined)
      throw new ConfigError(`unknown layout "${String(o.layout)}": use "vz" or "qemu"`);
    this.layout = layout;
    const ncpu = o.cpus ?? 1;
    if (!Number.isInteger(ncpu) || ncpu < 1 || ncpu > 8)
      throw new ConfigError(`cpus must be 1..8, not ${ncpu}`);
    const memMiB = o.memoryMiB ?? 1024;
    if (!Number.isInteger(memMiB) || memMiB < 64 || memMiB > 8192) {
      throw new ConfigError(`memoryMiB must be an integer in 64..8192, not ${memMiB}`);
    }
    const withUart = o.uart ?? true;
    const withRtc = o.rtc ?? true;
    this.consoleSink = o.console ?? { write: (b) => process.stdout.write(b) };
    const deterministic = o.deterministic ?? false;
    this.clock = new VirtualClock({ mode: deterministic ? "deterministic" : "realtime" });
    const epoch = o.epochSeconds ?? (deterministic ? 1_700_000_000 : undefined);

    this.ram = this.bus.addRam("ram", layout.ramBase, memMiB * MiB);
    const dma = new BusDmaSpace(this.bus);
    this.mpidrs = Array.from({ length: ncpu }, (_, i) => 0x8000_0000 + i);

    // GICv3 with an ITS (qemu layout) or a GICv2m frame (vz layout).
    // Linux probes GICv2m frames only when GICD_TYPER.LPIS = 0, so the vz layout has no LPIs.
    this.gic = new Gicv3({ mpidrs: this.mpidrs, dma, spiCount: 256, lpis: layout.its !== undefined });
    this.bus.addMmio("gicd", layout.gicd, 0x1_0000, this.gic.distributor);
    const gicr = this.gic.redistributorRegion(0);
    if (gicr.size > layout.gicrSpace) throw new ConfigError(`${ncpu} redistributors do not fit the layout`);
    this.bus.addMmio("gicr", layout.gicr, gicr.size, gicr);
    let msi: MsiSink;
    if (layout.its !== undefined) {
      const its = this.gic.createIts({ base: layout.its });
      this.bus.addMmio("gits", layout.its, 0x2_0000, its);
      msi = its;
    } else if (layout.v2m !== undefined) {
      const v2m = this.gic.createV2m({
        base: layout.v2m,
        spiBase: layout.v2mSpiBase ?? 96,
        spiCount: layout.v2mSpiCount ?? 64,
      });
      this.bus.addMmio("gicv2m", layout.v2m, 0x1000, v2m);
      msi = v2m;
    } else throw new ConfigError("the layout needs an ITS or a GICv2m frame for PCI MSIs");

    for (let i = 0; i < ncpu; i++) {
      const cpu = new Cpu({
        bus: this.bus,
        model: o.model ?? M1_MODEL,
        clock: this.clock,
        index: i,
        sysRegBlock: this.gic.cpuInterface,
        timerLines: {
          phys: this.gic.ppiLine(i, 30),
          virt: this.gic.ppiLine(i, 27),
          pmu: this.gic.ppiLine(i, 23),
        },
      });
      this.gic.connectCpu(i, cpu.irqInput, cpu.fiqInput);
      this.cpus.push(cpu);
    }
    this.running = this.cpus.map((_, i) => i === 0);
    this.waiting = this.cpus.map(() => false);
    this.psci = new Psci({
      mpidrs: this.mpidrs,
      startCpu: (i, entry, ctx) => this.startCpu(i, entry, ctx),
      stopCpu: (i) => {
        this.running[i] = false;
      },
      isValidEntry: (a) => this.ram.contains(a, 4),
      systemOff: () => this.stop("poweroff"),
      systemReset: () => this.stop("reset"),
    });

    if (withUart) {
      this.uart = new Pl011({ irq: irqLine(this.gic, 32 + layout.uartSpi), backend: this.byteSink() });
      this.bus.addMmio("pl011", layout.uart, 0x1000, this.uart);
    }
    if (withRtc) {
      this.rtc = new Pl031({
        clock: this.clock,
        irq: irqLine(this.gic, 32 + layout.rtcSpi),
        ...(epoch === undefined ? {} : { epochSeconds: epoch }),
      });
      this.bus.addMmio("pl031", layout.rtc, 0x1000, this.rtc);
    }

    // PCIe root bridge with virtio-pci functions.
    this.pci = new PciHostBridge({
      bus: this.bus,
      ecamBase: layout.ecam,
      busRange: [0, layout.ecamSize / MiB - 1],
      mmio32: { cpuBase: layout.pciMmio32, size: layout.pciMmio32Size },
      mmio64: { cpuBase: layout.pciMmio64, size: layout.pciMmio64Size },
      ...(layout.pciIo === undefined
        ? {}
        : { io: { cpuBase: layout.pciIo, size: layout.pciIoSize ?? 0x1_0000, pciBase: 0 } }),
      msi,
      intx: [0, 1, 2, 3].map((k) => irqLine(this.gic, 32 + layout.pciIntxSpi + k)),
    });
    const consoleBackend: ConsoleBackend = {
      write: (bytes) => this.consoleSink.write(bytes),
      onInput: (handler) => {
        this.consoleInput = handler;
      },
    };
    this.virtioConsole = new VirtioConsole(consoleBackend);
    const netBackend =
      o.net === undefined || o.net === "builtin" ? new UserNetPeer() : o.net === "none" ? undefined : o.net;
    const devices: VirtioDevice[] = [];
    if (o.disk !== undefined) devices.push(new VirtioBlk(o.disk));
    if (netBackend !== undefined) devices.push(new VirtioNet(netBackend));
    // Deterministic runs replay the entropy too (a fixed-seed generator instead of the host CSPRNG).
    const rng = deterministic ? new VirtioRng(seededEntropy(0x9e37_79b9)) : new VirtioRng();
    devices.push(this.virtioConsole, new VirtioBalloon(), rng);
    devices.forEach((d, k) => {
      const fn = new VirtioPciFunction(d, { dma, interruptPin: 1 });
      this.pci.attach(fn, { device: k + 1 });
      this.devices.push(fn);
    });

    // Describe everything from the same placement.
    this.fdt = this.describe(withUart, withRtc);
    const cmdline = o.cmdline ?? (withUart ? "console=ttyAMA0" : "console=hvc0");
    this.inputToUart = withUart && lastConsole(cmdline).startsWith("ttyAMA");
    this.boot = loadLinux({
      ram: this.ram,
      kernel: o.kernel,
      ...(o.initrd === undefined ? {} : { initrd: o.initrd }),
      fdt: o.dtb ?? this.fdt,
      bootargs: cmdline,
      ...(withUart ? { stdoutPath: `/pl011@${layout.uart.toString(16)}` } : {}),
      ...(deterministic ? { kaslrSeed: 0x1234_5678_9abc_def0n, rngSeed: new Uint8Array(32).fill(7) } : {}),
    });
    this.cpus[0]!.applyEntryState(this.boot.entry);
  }

  /** The generated device tree as a DTB (what the kernel got, unless `dtb` was given). */
  get dtb(): Uint8Array {
    return this.boot.dtbBytes;
  }

  /** Type into the console (the tty named last in `console=`). */
  input(bytes: Uint8Array): void {
    if (this.inputToUart && this.uart !== undefined) this.uart.receive(bytes);
    else this.consoleInput?.(bytes);
    this.wake?.();
  }

  /** Stop the run loop at the next opportunity. */
  stop(reason: MachineStop = "halted"): void {
    this.stopReason ??= reason;
    for (const c of this.cpus) c.halt();
    this.wake?.();
  }

  /**
   * Run until the guest powers off or resets, `stop()` is called, or `maxInstructions` retire.
   * Yields to the host event loop between slices so console and network I/O keep flowing.
   */
  async run(opts: { maxInstructions?: number; sliceInstructions?: number } = {}): Promise<MachineStop> {
    const slice = opts.sliceInstructions ?? 200_000;
    // maxInstructions counts from this call, not from boot.
    const limit = this.retired() + (opts.maxInstructions ?? Number.POSITIVE_INFINITY);
    let lastYield = Date.now();
    while (this.stopReason === undefined) {
      let ranAny = false;
      for (let i = 0; i < this.cpus.length; i++) {
        if (!this.running[i]) continue;
        const cpu = this.cpus[i]!;
        if (this.waiting[i]) {
          if (!(cpu.irqLevel || cpu.fiqLevel)) continue;
          this.waiting[i] = false;
        }
        this.psci.cpuRunning(i);
        ranAny = true;
        this.handleExit(i, cpu, Math.max(1, Math.min(slice, limit - this.retired())));
        if (this.stopReason !== undefined) break;
      }
      this.clock.runDue();
      if (this.retired() >= limit) return "budget";
      if (!ranAny) await this.idle();
      else if (Date.now() - lastYield > 20) {
        lastYield = Date.now();
        await new Promise<void>((r) => setImmediate(r));
      }
    }
    return this.stopReason;
  }

  /** Instructions retired by all vCPUs. */
  retired(): number {
    let n = 0;
    for (const c of this.cpus) n += c.retired;
    return n;
  }

  private handleExit(i: number, cpu: Cpu, budget: number): void {
    const exit = cpu.run(budget);
    switch (exit.reason) {
      case "hvc": {
        const fn = num(cpu.getX(0));
        const r = this.psci.call(i, fn, num(cpu.getX(1)), num(cpu.getX(2)), num(cpu.getX(3)));
        cpu.setX(0, BigInt.asUintN(64, BigInt(r)));
        // CPU_SUSPEND is a standby here: like WFI, the vCPU sleeps until an interrupt is pending
        // (whatever PSTATE.{I,F} say) instead of returning at once and spinning.
        if ((fn === CPU_SUSPEND_32 || fn === CPU_SUSPEND_64) && r === 0 && !(cpu.irqLevel || cpu.fiqLevel)) {
          this.waiting[i] = true;
        }
        return;
      }
      case "smc":
        // No EL3 here: PSCI's conduit is HVC. Answer NOT_SUPPORTED and step over the SMC.
        cpu.setX(0, BigInt.asUintN(64, -1n));
        cpu.setPC(cpu.getPC() + 4n);
        return;
      case "wfi":
        if (!(cpu.irqLevel || cpu.fiqLevel)) this.waiting[i] = true;
        return;
      case "unclaimed":
        this.log.warn(
          `u${i}`,
          `cpu${i}: access to unclaimed address ${hex(exit.address)} at pc ${hex(num(cpu.getPC()))}: external abort`,
        );
        cpu.injectExternalAbort(exit.esr & ISS_WNR ? "write" : "read", exit.vaLo, exit.vaHi);
        return;
      case "halt":
        return;
      default:
        return;
    }
  }

  private startCpu(i: number, entry: number, ctx: number): void {
    const cpu = this.cpus[i]!;
    cpu.reset();
    cpu.applyEntryState({ pc: entry, x: [ctx] });
    this.running[i] = true;
    this.waiting[i] = false;
  }

  /** Every vCPU waits for an interrupt: move time on to the next timer, or wait for the host. */
  private async idle(): Promise<void> {
    const next = this.clock.nextDeadline();
    if (this.clock.mode === "deterministic") {
      if (next !== Number.POSITIVE_INFINITY) {
        this.clock.advanceTo(next);
        this.clock.runDue();
        return;
      }
    }
    const waitMs =
      next === Number.POSITIVE_INFINITY ? 50 : Math.max(0, Math.min(50, (next - this.clock.nowNs()) / 1e6));
    await new Promise<void>((resolve) => {
      const t = setTimeout(done, waitMs);
      function done() {
        clearTimeout(t);
        resolve();
      }
      this.wake = done;
    });
    this.wake = undefined;
    this.clock.runDue();
  }

  private byteSink() {
    const one = new Uint8Array(1);
    return {
      write: (b: number) => {
        one[0] = b;
        this.consoleSink.write(one.slice());
      },
    };
  }

  private describe(withUart: boolean, withRtc: boolean): FdtNode {
    const L = this.layout;
    const root = new FdtNode("");
    root.setU32("#address-cells", 2).setU32("#size-cells", 2);
    root.setString("compatible", "linux,dummy-virt").setString("model", `armature,virt-${L.name}`);
    root.setU32("interrupt-parent", PH_GIC);
    root.addChild("chosen");

    root
      .addChild(`memory@${L.ramBase.toString(16)}`)
      .setString("device_type", "memory")
      .setCells("reg", [...c64(L.ramBase), ...c64(this.ram.size)]);

    const cpus = root.addChild("cpus").setU32("#address-cells", 1).setU32("#size-cells", 0);
    this.mpidrs.forEach((m, i) => {
      cpus
        .addChild(`cpu@${i}`)
        .setString("device_type", "cpu")
        .setString("compatible", "arm,armv8")
        .setU32("reg", m & 0xffffff)
        .setString("enable-method", "psci");
    });

    root
      .addChild("psci")
      .setStrings("compatible", ["arm,psci-1.0", "arm,psci-0.2", "arm,psci"])
      .setString("method", "hvc");

    // Generic timer PPIs: secure phys 29, non-secure phys 30, virtual 27, hypervisor 26 (DT uses
    // PPI numbers: INTID - 16), level-high, routed to every CPU.
    const cpuMask = ((1 << this.cpus.length) - 1) << 8;
    root
      .addChild("timer")
      .setStrings("compatible", ["arm,armv8-timer", "arm,armv7-timer"])
      .setCells("interrupts", [
        1,
        13,
        cpuMask | 4,
        1,
        14,
        cpuMask | 4,
        1,
        11,
        cpuMask | 4,
        1,
        10,
        cpuMask | 4,
      ])
      .setEmpty("always-on");
    root
      .addChild("pmu")
      .setString("compatible", "arm,armv8-pmuv3")
      .setCells("interrupts", [1, 7, cpuMask | 4]);

    root
      .addChild("apb-pclk")
      .setString("compatible", "fixed-clock")
      .setU32("#clock-cells", 0)
      .setU32("clock-frequency", 24_000_000)
      .setString("clock-output-names", "clk24mhz")
      .setPhandle(PH_CLK);

    describeGicDt(
      this.gic,
      root,
      { distributorBase: L.gicd, redistributorBases: [L.gicr] },
      { gic: PH_GIC, ...(L.its !== undefined ? { its: [PH_MSI] } : { v2m: [PH_MSI] }) },
    );

    if (withUart) describePl011(root, { base: L.uart, spi: L.uartSpi, clockPhandle: PH_CLK });
    if (withRtc) describePl031(root, { base: L.rtc, spi: L.rtcSpi, clockPhandle: PH_CLK });

    describePciHostBridge(this.pci, root, {
      interruptParent: PH_GIC,
      intxSpecifiers: [0, 1, 2, 3].map((k) => [0, L.pciIntxSpi + k, 4]),
      msiParent: PH_MSI,
    });
    if (withUart) {
      root.addChild("aliases").setString("serial0", `/pl011@${L.uart.toString(16)}`);
    }
    return root;
  }
}

/** A fixed-seed byte stream (xorshift32) for virtio-rng in deterministic mode: not for secrets. */
function seededEntropy(seed: number): EntropySource {
  let x = seed >>> 0 || 1;
  return {
    fill(buf: Uint8Array): void {
      for (let i = 0; i < buf.length; i++) {
        x ^= x << 13;
        x ^= x >>> 17;
        x ^= x << 5;
        x >>>= 0;
        buf[i] = x & 0xff;
      }
    },
  };
}

function c64(v: number): [number, number] {
  return [Math.floor(v / 2 ** 32) >>> 0, v >>> 0];
}

/** A 64-bit register value as a JS number (exact below 2^53; PSCI arguments are). */
function num(v: bigint): number {
  return Number(BigInt.asUintN(53, v));
}

function lastConsole(cmdline: string): string {
  let last = "";
  for (const m of cmdline.matchAll(/(?:^|\s)console=(\S+)/g)) last = m[1] ?? "";
  return last;
}
