import { existsSync, writeFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { openCdromImage, openSataImage } from "@armature/ahci";
import { ConfigError, FileBlockBackend } from "@armature/core";
import { type DisplaySpec, parseDisplaySpec, writeScreenshot } from "@armature/display";
import {
  efiVarStoreProblem,
  FlashFile,
  VIRT_FLASH_BANK_SIZE,
  VIRT_LIMITS,
  type VirtBoardOptions,
  type VirtBootDevice,
  VirtMachine,
  type VirtMachineOptions,
  virtConfig,
} from "@armature/machine-virt";
import { type NetSpec, parseNetSpec } from "@armature/net";
import { VariableStore } from "@armature/uefi";
import { Yuy2Frames } from "@armature/usb";
import { fileArg, intArg, maxInstructionsArg, type OptionSpecs, parseArgs } from "../args.js";
import { bootBanner, netSummary } from "../banner.js";
import { type CliIo, CliUsageError, type Command } from "../command.js";
import { EXIT_HELP } from "../exit.js";
import { diskFile, inputFile, outputFile, readBytes } from "../files.js";
import { ConsoleTracker, LOG_LEVELS, type LogLevel, showsStatus } from "../host-log.js";
import { runKernel } from "../kernel.js";
import { readable } from "./console-loop.js";
import { DEBUG_HELP, DEBUG_OPTIONS } from "./debug-options.js";
import {
  bootWarnings,
  commonMachineOptions,
  parseRunCommonOptions,
  RUN_COMMON_OPTIONS,
  type RunCommonOptions,
  runBoard,
  serveVnc,
} from "./run-common.js";
import { runParallels } from "./run-parallels.js";
import {
  isRestore,
  RESTORE_HELP,
  restoreOnto,
  restoresOnOptions,
  runRestored,
  SNAPSHOT_HELP,
  SNAPSHOT_OPTIONS,
  snapshotOnExitArg,
} from "./snapshot-options.js";
import { SUMMARY } from "./summaries.js";

const L = VIRT_LIMITS;
const HELP = `Usage: armature run --machine virt --kernel FILE [options]
       armature run --machine virt --layout qemu --bios FILE [--acpi off] [--efi-vars FILE] [options]
       armature run --machine virt --firmware uefi [--acpi [on]] [--efi-vars FILE] --kernel FILE [options]
       armature run --machine virt [the saving run's options] --restore FILE [--force-restore]
       armature run --restore FILE [--force-restore] [options]

  --machine virt          the board ("parallels": see \`armature run --machine parallels --help\`)
  --layout vz|qemu        memory map: Virtualization.framework's (default) or QEMU virt's
  --kernel FILE           arm64 Image (plain or gzip) or a raw binary (loaded at RAM + 0x80000)
  --initrd FILE           initramfs
  --bios FILE             boot firmware from flash (qemu layout): EDK2's AAVMF_CODE.fd; a
                          --kernel/--initrd/--append then reach it through fw_cfg
  --firmware uefi         boot through the built-in UEFI (services on the host; either layout):
                          the kernel starts through its EFI stub (--initrd by LoadFile2) and
                          gets the DT in the EFI configuration table; without --kernel the
                          UEFI boots the disks' EFI System Partition
  --acpi [on|off]         the board's ACPI tables for the OS (\`--acpi\` alone: on). --firmware
                          uefi: on gives ACPI + SMBIOS and no DT (default off: the DT);
                          --bios: off leaves the tables out of fw_cfg, so the firmware gives
                          the OS the DT (QEMU's -machine acpi=off; default on)
  --efi-vars FILE         the firmware's variable store, saved as it changes by an atomic
                          rename; a corrupt store is refused, not reformatted. --bios: the
                          64 MiB flash bank, created from AAVMF_VARS.fd next to the --bios file
                          when absent; --firmware uefi: the built-in UEFI's variables (created
                          if missing)
  --append STRING         kernel command line (default: console=ttyAMA0)
  --dtb FILE              use this device tree instead of the generated one
  --disk FILE[,ro][,bootindex=N]
                          virtio-blk disk backed by FILE (read-only with ,ro); bootindex (with
                          --bios, also on --sata and --cdrom): the firmware's boot order, lowest
                          first, in fw_cfg's "bootorder" as QEMU writes it (default: empty)
  --net user[,OPT=V...]   virtio-net on user-mode networking (default): DHCP gives the guest
                          10.0.2.15, 10.0.2.2 is the host's 127.0.0.1, DNS at 10.0.2.3; options
                          net=CIDR host=IP dns=IP dhcpstart=IP hostname=NAME restrict=on
                          hostfwd=tcp|udp:[HOSTADDR]:PORT-[GUESTADDR]:PORT (repeatable)
  --net socket,local=HOST:PORT,remote=HOST:PORT
                          frames over UDP to another armature process (one shared segment)
  --net none              no network card
  --net-dump FILE.pcap    write every network frame to FILE.pcap (tcpdump -r reads it)
  --mac XX:XX:XX:XX:XX:XX the virtio-net card's MAC (default 52:54:00:12:34:56)
  --iommu none|smmuv3     put an Arm SMMUv3 in front of the PCI devices (default none)
  --sata FILE[,ro][,bootindex=N]
                          SATA disk on the next port of an AHCI controller (repeatable)
  --cdrom FILE.iso[,bootindex=N]
                          ATAPI DVD-ROM with this ISO 9660/UDF image, after the disks (repeatable)
  --gpu                   virtio-gpu (1024x768 scanout; Linux: virtio_gpu, fbcon on tty1)
  --display vnc=HOST:PORT[,password=PW]|none
                          serve the GPU's screen over VNC on HOST:PORT (loopback unless a
                          password is set); keys and pointer reach the guest with --usb
  --screendump FILE.png   write the GPU's screen as PNG when the machine stops
  --usb                   xHCI with a USB tablet and keyboard (VNC input goes to them)
  --camera                the UVC camera (640x480 test pattern) on the xHCI (implies --usb)
  --usb-device keyboard|mouse|tablet|camera[,file=FRAMES[,size=WxH]]
                          a device on the xHCI's next USB 3 port instead of the default tablet
                          and keyboard (repeatable, up to 4; implies --usb). FRAMES: raw YUY2
                          frames of WxH (default 640x480) that the camera plays in a loop
  --smp N                 vCPUs, ${L.cpus.min}..${L.cpus.max} (default 1)
  --memory MiB            guest RAM, ${L.memoryMiB.min}..${L.memoryMiB.max} (default 1024)
  --deterministic         instruction-driven time: a run replays exactly
  --cpu-engine interp|jit how the vCPUs execute: the interpreter or the dynamic translator (same
                          results; default: ARMATURE_CPU_ENGINE when set, else jit; with
                          JS blocks, ARMATURE_JIT_BACKEND=js, the interpreter for the first
                          25 M instructions, then jit)
  --no-uart, --no-rtc     leave out the PL011 UART / PL031 RTC
  --dump-dtb FILE         write the DTB the kernel gets, then run
  --max-instructions N    stop after N instructions (exit status 3)
  --quiet                 no boot banner and no status after 10 s without guest output (both
                          only on a terminal, on stderr)
  --log FILE              device warnings go to FILE (default: stderr, "armature: ..." lines)
  --log-level warn|off    off drops device warnings (default warn)
${SNAPSHOT_HELP}${RESTORE_HELP}${DEBUG_HELP}
The console is the terminal (raw mode; Ctrl-A x quits) or stdin/stdout when not a TTY.
${EXIT_HELP}`;

export interface RunOptions extends RunCommonOptions {
  machine: "virt";
  layout: "vz" | "qemu";
  bios?: string;
  /** The built-in UEFI (--firmware uefi), with ACPI instead of the DT (--acpi). */
  uefi?: { acpi: boolean };
  /** With `bios`: ACPI tables in fw_cfg for the firmware (false: --acpi off, the OS gets the DT). */
  biosAcpi?: boolean;
  /** With `bios`: the devices given a bootindex, lowest first (fw_cfg's "bootorder"). */
  bootOrder?: VirtBootDevice[];
  dtb?: string;
  disk?: { path: string; readOnly: boolean };
  net: NetSpec;
  netDump?: string;
  mac?: string;
  iommu: "none" | "smmuv3";
  /** AHCI ports: the --sata disks in order, then the --cdrom drives. */
  sata: Array<{ path: string; readOnly: boolean; bootIndex?: number }>;
  cdrom: string[];
  gpu: boolean;
  display: DisplaySpec;
  usb: boolean;
  camera: boolean;
  /** --usb-device, in order (empty: the default tablet and keyboard). */
  usbDevices: UsbDeviceArg[];
  smp: number;
  memoryMiB: number;
  uart: boolean;
  rtc: boolean;
  dumpDtb?: string;
  maxInstructions?: number;
  /** Device warnings: to this file instead of stderr. */
  log?: string;
  logLevel?: LogLevel;
  /** --snapshot-on-exit: save the machine here when the run stops. */
  snapshotOnExit?: string;
  /** --restore with the board's options: the snapshot to continue on the machine they build. */
  restore?: string;
  /** --force-restore: accept disks and DVD media that changed since the snapshot. */
  forceRestore?: boolean;
}

/** One `--usb-device`. */
export interface UsbDeviceArg {
  kind: "keyboard" | "mouse" | "tablet" | "camera";
  file?: string;
  width?: number;
  height?: number;
}

/** `keyboard|mouse|tablet|camera[,file=FRAMES[,size=WxH]]`. */
export function parseUsbDevice(v: string): UsbDeviceArg {
  const [kind, ...rest] = v.split(",");
  if (kind !== "keyboard" && kind !== "mouse" && kind !== "tablet" && kind !== "camera")
    throw new CliUsageError(`--usb-device "${kind}": use keyboard, mouse, tablet or camera`);
  const d: UsbDeviceArg = { kind };
  for (const kv of rest) {
    const eq = kv.indexOf("=");
    const k = eq < 0 ? kv : kv.slice(0, eq);
    const val = eq < 0 ? "" : kv.slice(eq + 1);
    if (kind !== "camera" || (k !== "file" && k !== "size"))
      throw new CliUsageError(
        `--usb-device ${kind}: unknown setting "${kv}"${kind === "camera" ? " (known: file=FRAMES, size=WxH)" : ""}`,
      );
    if (val === "") throw new CliUsageError(`--usb-device camera: ${k}= needs a value`);
    if (k === "file") d.file = val;
    else {
      const m = /^(\d+)x(\d+)$/.exec(val);
      if (m === null) throw new CliUsageError(`--usb-device camera: size "${val}" is not WxH (e.g. 640x480)`);
      d.width = Number(m[1]);
      d.height = Number(m[2]);
    }
  }
  if (d.width !== undefined && d.file === undefined)
    throw new CliUsageError("--usb-device camera: size= describes the frames of file=; add file=FRAMES");
  return d;
}

/** The board-shape options `run`, `dtb` and `acpi` share. */
export const BOARD_OPTIONS = {
  "--machine": { value: true, choices: ["virt", "parallels"] },
  "--layout": { value: true, choices: ["vz", "qemu"] },
  "--smp": { value: true },
  "--memory": { value: true },
  "--iommu": { value: true, choices: ["none", "smmuv3"] },
} as const satisfies OptionSpecs;

const RUN_OPTIONS = {
  ...BOARD_OPTIONS,
  ...RUN_COMMON_OPTIONS,
  "--bios": { value: true },
  "--firmware": { value: true, choices: ["uefi"] },
  "--acpi": { value: true, optional: true, choices: ["on", "off"] },
  "--dtb": { value: true },
  "--disk": { value: true },
  "--net": { value: true },
  "--sata": { value: true, repeat: true },
  "--cdrom": { value: true, repeat: true },
  "--net-dump": { value: true },
  "--mac": { value: true },
  "--gpu": {},
  "--display": { value: true },
  "--usb": {},
  "--camera": {},
  "--usb-device": { value: true, repeat: true },
  "--no-uart": {},
  "--no-rtc": {},
  "--dump-dtb": { value: true },
  "--max-instructions": { value: true },
  "--log": { value: true },
  "--log-level": { value: true, choices: LOG_LEVELS },
  ...SNAPSHOT_OPTIONS,
  "--restore": { value: true },
  "--force-restore": {},
  ...DEBUG_OPTIONS,
} as const satisfies OptionSpecs;

/** The board options as the library takes them; its configuration check reports bad values. */
export function boardOptions(o: {
  "--layout"?: string;
  "--smp"?: string;
  "--memory"?: string;
  "--iommu"?: string;
}): VirtBoardOptions {
  return {
    iommu: (o["--iommu"] ?? "none") as "none" | "smmuv3",
    layout: (o["--layout"] ?? "vz") as "vz" | "qemu",
    cpus: o["--smp"] === undefined ? 1 : intArg(o["--smp"], "--smp"),
    memoryMiB: o["--memory"] === undefined ? 1024 : intArg(o["--memory"], "--memory"),
  };
}

/** The value of `--machine` in `args`, if any (the boards take different options). */
export function machineArg(args: readonly string[]): string | undefined {
  const i = args.lastIndexOf("--machine");
  return i >= 0 ? args[i + 1] : undefined;
}

/** Parse and check `armature run` options; every problem is reported before anything starts. */
export function parseRunOptions(args: readonly string[]): RunOptions | "help" {
  const { options: a, help } = parseArgs(args, RUN_OPTIONS);
  if (help) return "help";
  if (a["--machine"] === undefined) throw new CliUsageError("--machine is required (virt or parallels)");
  if (a["--force-restore"] === true && a["--restore"] === undefined)
    throw new CliUsageError("--force-restore goes with --restore FILE");
  const uefi = a["--firmware"] === "uefi";
  if (uefi && a["--bios"] !== undefined)
    throw new CliUsageError(
      "--firmware uefi is the built-in firmware, --bios boots one from flash: give one",
    );
  const acpi = a["--acpi"] === undefined ? undefined : a["--acpi"] !== "off";
  if (acpi !== undefined && !uefi && a["--bios"] === undefined)
    throw new CliUsageError(
      "--acpi goes with --firmware uefi or --bios (a kernel booted directly gets the DT)",
    );
  if (uefi && acpi === true && a["--dtb"] !== undefined)
    throw new CliUsageError("--dtb with --acpi: the OS gets ACPI tables and no device tree; drop one");
  const uefiDisk = uefi && (a["--disk"] !== undefined || (a["--sata"] ?? []).length > 0);
  if (a["--kernel"] === undefined && a["--bios"] === undefined && !uefiDisk)
    throw new CliUsageError(
      "--kernel FILE is required (or --bios FILE for firmware, or --firmware uefi with a --disk to boot)",
    );
  if (a["--efi-vars"] !== undefined && a["--bios"] === undefined && !uefi)
    throw new CliUsageError("--efi-vars is the firmware's variable store: add --bios or --firmware uefi");
  const board = boardOptions(a);
  const o: RunOptions = {
    machine: "virt",
    layout: board.layout as "vz" | "qemu",
    net: { kind: "user", options: {} },
    iommu: board.iommu ?? "none",
    sata: (a["--sata"] ?? []).map((v) => fileArg(v, "--sata", { bootIndex: true })),
    cdrom: (a["--cdrom"] ?? []).map((v) => fileArg(v, "--cdrom", { bootIndex: true }).path),
    gpu: a["--gpu"] === true,
    display: parseDisplaySpec(a["--display"] ?? "none"),
    usb: a["--usb"] === true || a["--camera"] === true || (a["--usb-device"] ?? []).length > 0,
    camera: a["--camera"] === true,
    usbDevices: (a["--usb-device"] ?? []).map(parseUsbDevice),
    smp: board.cpus ?? 1,
    memoryMiB: board.memoryMiB ?? 1024,
    uart: a["--no-uart"] !== true,
    rtc: a["--no-rtc"] !== true,
    ...parseRunCommonOptions(a),
  };
  if (a["--bios"] !== undefined) o.bios = a["--bios"];
  if (uefi) o.uefi = { acpi: acpi ?? false };
  if (a["--bios"] !== undefined) o.biosAcpi = acpi ?? true;
  if (a["--dtb"] !== undefined) o.dtb = a["--dtb"];
  if (a["--dump-dtb"] !== undefined) o.dumpDtb = a["--dump-dtb"];
  if (a["--log"] !== undefined) o.log = outputFile(a["--log"], "--log");
  if (a["--log-level"] !== undefined) o.logLevel = a["--log-level"] as LogLevel;
  if (!o.gpu && (o.display.kind !== "none" || o.screendump !== undefined))
    throw new CliUsageError("--display and --screendump show the GPU's screen: add --gpu");
  const disk = a["--disk"] === undefined ? undefined : fileArg(a["--disk"], "--disk", { bootIndex: true });
  if (disk !== undefined) o.disk = disk;
  const bootOrder = bootOrderArg(
    disk,
    o.sata,
    (a["--cdrom"] ?? []).map((v) => fileArg(v, "--cdrom", { bootIndex: true })),
  );
  if (bootOrder.length > 0 && o.bios === undefined)
    throw new CliUsageError("bootindex= sets the firmware's boot order (fw_cfg's bootorder): add --bios");
  if (bootOrder.length > 0) o.bootOrder = bootOrder;
  const net = a["--net"];
  if (net !== undefined) {
    if (net.startsWith("tap"))
      throw new ConfigError("--net tap is not available: TAP needs native code; use user, socket or none");
    try {
      o.net = parseNetSpec(net);
    } catch (e) {
      throw e instanceof ConfigError ? new CliUsageError(e.message) : e;
    }
  }
  if (a["--mac"] !== undefined) o.mac = a["--mac"];
  if (a["--net-dump"] !== undefined) {
    if (o.net.kind === "none") throw new CliUsageError("--net-dump needs a network (not --net none)");
    o.netDump = a["--net-dump"];
  }
  if (a["--max-instructions"] !== undefined) {
    o.maxInstructions = maxInstructionsArg(a["--max-instructions"]);
  }
  // The board's own check (ranges, layout fit), before any file is read.
  virtConfig({
    ...board,
    uart: o.uart,
    rtc: o.rtc,
    ...(o.bios === undefined ? {} : { firmware: { code: new Uint8Array(1), acpi: o.biosAcpi } }),
    ...(o.uefi === undefined ? {} : { uefi: o.uefi }),
  });
  if (o.kernel !== undefined) readable(o.kernel, "kernel");
  if (o.bios !== undefined) readable(o.bios, "firmware (--bios)");
  if (o.initrd !== undefined) readable(o.initrd, "initrd");
  if (o.dtb !== undefined) readable(o.dtb, "dtb");
  if (o.disk !== undefined) diskFile(o.disk.path, o.disk.readOnly, "disk", "--disk");
  for (const d of o.sata) diskFile(d.path, d.readOnly, "SATA disk image", "--sata");
  for (const f of o.cdrom) readable(f, "CD/DVD image");
  if (o.dumpDtb !== undefined) outputFile(o.dumpDtb, "--dump-dtb");
  if (o.netDump !== undefined) outputFile(o.netDump, "--net-dump");
  if (o.screendump !== undefined) outputFile(o.screendump, "--screendump");
  const onExit = snapshotOnExitArg(a["--snapshot-on-exit"]);
  if (onExit !== undefined) o.snapshotOnExit = onExit;
  if (a["--restore"] !== undefined) o.restore = inputFile(a["--restore"], "snapshot (--restore)");
  if (a["--force-restore"] === true) o.forceRestore = true;
  return o;
}

export const runCommand: Command = {
  name: "run",
  summary: SUMMARY.run,
  async run(args: string[], io: CliIo): Promise<number> {
    // The Parallels board restores on the machine its options build (QEMU's -loadvm): run-parallels.ts.
    if (machineArg(args) === "parallels") return runParallels(args, io);
    // --restore FILE alone: the board comes from the file; with the board's options: from them.
    if (isRestore(args) && !restoresOnOptions(args, (name) => name in RUN_OPTIONS))
      return runRestored(args, io);
    const opts = parseRunOptions(args);
    if (opts === "help") {
      io.out(HELP);
      return 0;
    }
    // Through the built-in UEFI, a PE/COFF kernel is read straight into guest RAM (runKernel).
    const k =
      opts.kernel === undefined
        ? undefined
        : runKernel(opts.kernel, {
            ramBase: virtConfig({ layout: opts.layout }).layout.ramBase,
            uefi: opts.uefi !== undefined,
          });
    const facts = k?.facts ?? {
      summary:
        opts.uefi !== undefined
          ? "none (the UEFI boot manager boots the disks)"
          : `firmware ${opts.bios ?? ""}`,
      warning: undefined,
    };
    const via =
      opts.uefi === undefined || k === undefined
        ? ""
        : opts.uefi.acpi
          ? " via the built-in UEFI (ACPI)"
          : " via the built-in UEFI (DT)";
    bootWarnings(io, facts, opts);
    const tracker = new ConsoleTracker((b) => process.stdout.write(b));
    const mo: VirtMachineOptions = {
      ...commonMachineOptions(opts, tracker, k?.kernel),
      layout: opts.layout,
      net: opts.net,
      iommu: opts.iommu,
      ...(opts.netDump === undefined ? {} : { netDump: opts.netDump }),
      ...(opts.mac === undefined ? {} : { mac: opts.mac }),
      uart: opts.uart,
      rtc: opts.rtc,
      ...(opts.uefi === undefined ? {} : { uefi: opts.uefi }),
      ...(opts.uefi === undefined || opts.efiVars === undefined
        ? {}
        : { efiVariables: new VariableStore(opts.efiVars) }),
    };
    if (opts.dtb !== undefined) mo.dtb = readBytes(opts.dtb);
    if (opts.disk !== undefined)
      mo.disk = new FileBlockBackend(opts.disk.path, { readOnly: opts.disk.readOnly });
    if (opts.sata.length + opts.cdrom.length > 0)
      mo.sata = [
        ...opts.sata.map((d) => ({ kind: "disk" as const, backend: openSataImage(d.path, d) })),
        ...opts.cdrom.map((f) => ({ kind: "cdrom" as const, backend: openCdromImage(f) })),
      ];
    if (opts.gpu) mo.gpu = true;
    if (opts.usb && opts.usbDevices.length === 0) mo.usb = { camera: opts.camera };
    else if (opts.usb) {
      const listed = [...opts.usbDevices, ...(opts.camera ? [{ kind: "camera" as const }] : [])];
      mo.usb = {
        devices: listed.map((d) =>
          d.kind === "camera" && d.file !== undefined
            ? {
                kind: "camera",
                frames: new Yuy2Frames(readBytes(d.file), d.width ?? 640, d.height ?? 480),
              }
            : { kind: d.kind },
        ),
      };
    }
    const vars = opts.bios === undefined ? undefined : firmwareVars(opts.bios, opts.efiVars);
    if (opts.bios !== undefined)
      mo.firmware = {
        code: readBytes(opts.bios),
        ...(vars === undefined ? {} : { vars: vars.data }),
        ...(vars?.file === undefined ? {} : { onVarsChange: () => vars.file?.changed() }),
        ...(opts.biosAcpi === false ? { acpi: false } : {}),
        ...(opts.bootOrder === undefined ? {} : { bootOrder: opts.bootOrder }),
      };
    const m = new VirtMachine(mo);
    restoreOnto(m, opts, io, () => {
      for (const b of [mo.disk, ...(mo.sata ?? []).map((s) => s.backend)]) b?.close?.();
      vars?.file?.close();
    });
    if (opts.snapshotOnExit !== undefined) {
      try {
        m.snapshotSections(); // a part that cannot be saved: refused before the run, not after it
      } catch (e) {
        m.close();
        throw e;
      }
    }
    if (opts.dumpDtb !== undefined) writeFileSync(opts.dumpDtb, m.dtb);
    if (showsStatus(opts.quiet))
      io.err(
        bootBanner({
          board: `virt board (${opts.layout} layout${opts.iommu === "smmuv3" ? ", SMMUv3" : ""})`,
          cpus: opts.smp,
          memoryMiB: opts.memoryMiB,
          kernel: facts.summary + via,
          disks: [
            ...(opts.disk === undefined
              ? []
              : [`${opts.disk.path} (virtio, ${opts.disk.readOnly ? "ro" : "rw"})`]),
            ...opts.sata.map((d) => `${d.path} (sata, ${d.readOnly ? "ro" : "rw"})`),
            ...opts.cdrom.map((f) => `${f} (cdrom)`),
          ],
          net: netSummary(m.network, opts.net.kind),
        }),
      );

    const screen = m.gpu?.display;
    const vnc = screen === undefined ? undefined : await serveVnc(screen, opts.display, io, m);
    return runBoard(m, io, opts, {
      tracker,
      log: { level: opts.logLevel ?? "warn", ...(opts.log === undefined ? {} : { file: opts.log }) },
      ...(screen === undefined ? {} : { screendump: (f: string) => writeScreenshot(screen, f) }),
      async release() {
        if (screen !== undefined && opts.screendump !== undefined) writeScreenshot(screen, opts.screendump);
        await vnc?.close();
        // The guest's writes reach the disk files before the process exits (Ctrl-A x, a signal).
        for (const b of [mo.disk, ...(mo.sata ?? []).map((s) => s.backend)]) {
          if (b === undefined || b.readOnly) continue;
          b.flush();
          b.close?.();
        }
        vars?.file?.close();
      },
    });
  },
};

/** The devices given `bootindex=N`, ordered by N (the disk, then the AHCI ports: --sata, --cdrom). */
function bootOrderArg(
  disk: { bootIndex?: number } | undefined,
  sata: ReadonlyArray<{ bootIndex?: number }>,
  cdrom: ReadonlyArray<{ bootIndex?: number }>,
): VirtBootDevice[] {
  const listed: Array<{ index: number; device: VirtBootDevice }> = [];
  if (disk?.bootIndex !== undefined) listed.push({ index: disk.bootIndex, device: { kind: "disk" } });
  [...sata, ...cdrom].forEach((d, port) => {
    if (d.bootIndex !== undefined) listed.push({ index: d.bootIndex, device: { kind: "sata", port } });
  });
  listed.sort((x, y) => x.index - y.index);
  for (let k = 1; k < listed.length; k++)
    if (listed[k]!.index === listed[k - 1]!.index)
      throw new CliUsageError(`two devices have bootindex=${listed[k]!.index}: give each its own`);
  return listed.map((l) => l.device);
}

/**
 * The firmware's variable store: `--efi-vars FILE` (created from the template when absent), else
 * an in-memory copy of the template. The template is AAVMF_VARS.fd (or QEMU_VARS.fd) next to the
 * firmware, when there is one.
 */
function firmwareVars(
  bios: string,
  path: string | undefined,
): { data: Uint8Array; file?: FlashFile } | undefined {
  const dir = dirname(bios);
  const name = basename(bios);
  const candidates = [name.replace("CODE", "VARS"), "AAVMF_VARS.fd", "QEMU_VARS.fd"].filter(
    (n) => n !== name,
  );
  const found = candidates.map((n) => join(dir, n)).find((p) => existsSync(p));
  const template = found === undefined ? undefined : readBytes(found);
  if (path !== undefined) {
    const file = FlashFile.open(path, {
      size: VIRT_FLASH_BANK_SIZE,
      validate: efiVarStoreProblem,
      ...(template === undefined ? {} : { template }),
    });
    return { data: file.data, file };
  }
  if (template === undefined) return undefined;
  const data = new Uint8Array(VIRT_FLASH_BANK_SIZE).fill(0xff);
  data.set(template.subarray(0, VIRT_FLASH_BANK_SIZE));
  return { data };
}
