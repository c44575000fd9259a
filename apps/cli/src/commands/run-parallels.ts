import { ConfigError, FileBlockBackend, MemoryBlockBackend } from "@armature/core";
import { parseDisplaySpec, writeScreenshot } from "@armature/display";
import {
  PARALLELS_LIMITS,
  ParallelsMachine,
  type ParallelsMachineOptions,
  parallelsConfig,
} from "@armature/machine-parallels";
import { VariableStore } from "@armature/uefi";
import { fileArg, intArg, maxInstructionsArg, type OptionSpecs, parseArgs } from "../args.js";
import { bootBanner, netSummary } from "../banner.js";
import { type CliIo, CliUsageError } from "../command.js";
import { EXIT_HELP } from "../exit.js";
import { diskFile, inputFile, outputFile, readBytes } from "../files.js";
import { ConsoleTracker, showsStatus } from "../host-log.js";
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
import { restoreOnto, SNAPSHOT_HELP, SNAPSHOT_OPTIONS, snapshotOnExitArg } from "./snapshot-options.js";

const L = PARALLELS_LIMITS;
export const PARALLELS_HELP = `Usage: armature run --machine parallels (--kernel FILE | --disk FILE) [options]
       armature run --machine parallels (--kernel FILE | --disk FILE) [options] --restore FILE

The Parallels-Desktop-on-M1-like board: the built-in UEFI starts the kernel through its EFI stub
and gives it ACPI + SMBIOS (no device tree); SMMUv3, AHCI disk + DVD-ROM, USB keyboard, mouse and
camera, virtio-mmio GPU, balloon and network; no PCI. Needs a kernel with those drivers (Debian's
generic arm64 flavour: bash scripts/fetch-guest.sh --flavour generic). Without --kernel, the
firmware's boot manager boots the disk: Boot#### entries in BootOrder (--efi-vars), then
EFIBOOTBOOTAA64.EFI on its FAT EFI System Partition (GPT) - GRUB or a distribution image.

  --kernel FILE           arm64 Image (or another AArch64 EFI application)
  --initrd FILE           initramfs (offered through LoadFile2)
  --append STRING         kernel command line (default: console=ttyAMA0)
  --disk FILE[,ro]        the SATA disk on AHCI port 0 (sda)
  --cdrom FILE            an ISO 9660 / UDF image in the DVD-ROM on AHCI port 1 (sr0)
  --net user|none         virtio-net on Parallels' shared network 10.211.55.0/24 (default user)
  --mac MAC               the NIC's address (default 00:1c:42:80:5f:61)
  --iommu smmuv3|none     the SMMUv3 in front of every DMA master (default smmuv3)
  --display SPEC          none (default) or vnc=HOST:PORT[,password=PW]: the GPU's screen, with
                          the USB keyboard and mouse driven by the VNC client
  --screendump FILE.png   write the screen as PNG when the run ends
  --efi-vars FILE         keep the UEFI variables in FILE (created if missing)
  --smp N                 vCPUs, ${L.cpus.min}..${L.cpus.max} (default 1)
  --memory MiB            guest RAM, ${L.memoryMiB.min}..${L.memoryMiB.max} (default 1024)
  --deterministic         instruction-driven time and entropy: a run replays exactly
  --cpu-engine interp|jit how the vCPUs execute: the interpreter or the dynamic translator (same
                          results; default: ARMATURE_CPU_ENGINE when set, else jit; with
                          JS blocks, ARMATURE_JIT_BACKEND=js, the interpreter for the first
                          25 M instructions, then jit)
  --max-instructions N    stop after N instructions (exit status 3)
  --quiet                 no boot banner and no status after 10 s without guest output (both
                          printed on stderr when it is a terminal)
${SNAPSHOT_HELP}  --restore FILE          continue a machine saved by --snapshot-on-exit or savevm on this board:
                          as QEMU's -loadvm, give the options the machine was built with (the
                          same kernel, initrd, disks, RAM, vCPUs, --deterministic ...); a snapshot
                          of a differently built machine or a changed disk is refused (exit 1)
  --force-restore         with --restore: accept a disk or DVD medium that changed since
${DEBUG_HELP}
The console is the terminal (raw mode; Ctrl-A x quits) or stdin/stdout when not a TTY.
${EXIT_HELP}`;

const PARALLELS_OPTIONS = {
  "--machine": { value: true, choices: ["parallels"] },
  ...RUN_COMMON_OPTIONS,
  "--disk": { value: true },
  "--cdrom": { value: true },
  "--net": { value: true, choices: ["user", "none"] },
  "--mac": { value: true },
  "--iommu": { value: true, choices: ["smmuv3", "none"] },
  "--display": { value: true },
  "--smp": { value: true },
  "--memory": { value: true },
  "--max-instructions": { value: true },
  ...SNAPSHOT_OPTIONS,
  "--restore": { value: true },
  "--force-restore": {},
  ...DEBUG_OPTIONS,
} as const satisfies OptionSpecs;

export interface ParallelsRunOptions extends RunCommonOptions {
  disk?: { path: string; readOnly: boolean };
  cdrom?: string;
  net: "user" | "none";
  mac?: string;
  iommu: "smmuv3" | "none";
  display: ReturnType<typeof parseDisplaySpec>;
  smp: number;
  memoryMiB: number;
  maxInstructions?: number;
  /** --snapshot-on-exit (refused with one line when the OS has not exited boot services yet). */
  snapshotOnExit?: string;
  /** --restore: the snapshot to continue on the machine these options build. */
  restore?: string;
  /** --force-restore: accept changed disks. */
  forceRestore?: boolean;
}

/** Parse and check `armature run --machine parallels`; every problem is reported before anything starts. */
export function parseParallelsRunOptions(args: readonly string[]): ParallelsRunOptions | "help" {
  const { options: a, help } = parseArgs(args, PARALLELS_OPTIONS);
  if (help) return "help";
  if (a["--kernel"] === undefined && a["--disk"] === undefined)
    throw new CliUsageError(
      "give --kernel FILE, or --disk FILE for the firmware to boot the disk's EFI System Partition",
    );
  if (a["--kernel"] === undefined && a["--initrd"] !== undefined)
    throw new CliUsageError("--initrd goes with --kernel (a disk boot loads its own initrd)");
  const o: ParallelsRunOptions = {
    net: (a["--net"] ?? "user") as "user" | "none",
    iommu: (a["--iommu"] ?? "smmuv3") as "smmuv3" | "none",
    display: parseDisplaySpec(a["--display"] ?? "none"),
    smp: a["--smp"] === undefined ? 1 : intArg(a["--smp"], "--smp"),
    memoryMiB: a["--memory"] === undefined ? 1024 : intArg(a["--memory"], "--memory"),
    ...parseRunCommonOptions(a),
  };
  if (a["--cdrom"] !== undefined) o.cdrom = a["--cdrom"];
  if (a["--mac"] !== undefined) o.mac = a["--mac"];
  if (a["--disk"] !== undefined) o.disk = fileArg(a["--disk"], "--disk");
  const onExit = snapshotOnExitArg(a["--snapshot-on-exit"]);
  if (onExit !== undefined) o.snapshotOnExit = onExit;
  if (a["--restore"] !== undefined) o.restore = inputFile(a["--restore"], "snapshot (--restore)");
  if (a["--force-restore"] === true) {
    if (o.restore === undefined) throw new CliUsageError("--force-restore goes with --restore FILE");
    o.forceRestore = true;
  }
  if (a["--max-instructions"] !== undefined) {
    o.maxInstructions = maxInstructionsArg(a["--max-instructions"]);
  }
  // The board's own check (ranges, MAC), before any file is read.
  parallelsConfig({
    cpus: o.smp,
    memoryMiB: o.memoryMiB,
    iommu: o.iommu,
    ...(o.mac === undefined ? {} : { mac: o.mac }),
  });
  if (o.kernel !== undefined) readable(o.kernel, "kernel");
  if (o.initrd !== undefined) readable(o.initrd, "initrd");
  if (o.disk !== undefined) diskFile(o.disk.path, o.disk.readOnly, "disk", "--disk");
  if (o.screendump !== undefined) outputFile(o.screendump, "--screendump");
  if (o.cdrom !== undefined) readable(o.cdrom, "cdrom");
  return o;
}

/** `armature run --machine parallels ...` */
export async function runParallels(args: readonly string[], io: CliIo): Promise<number> {
  const opts = parseParallelsRunOptions(args);
  if (opts === "help") {
    io.out(PARALLELS_HELP);
    return 0;
  }
  const iso = opts.cdrom === undefined ? undefined : readBytes(opts.cdrom);
  if (iso !== undefined && iso.length % 2048 !== 0)
    throw new ConfigError(
      `cdrom "${opts.cdrom}" is ${iso.length} bytes, not a whole number of 2048-byte blocks`,
    );
  // The built-in UEFI starts the kernel: a PE/COFF file is read straight into guest RAM (runKernel).
  const k = opts.kernel === undefined ? undefined : runKernel(opts.kernel, { ramBase: 0, uefi: true });
  const facts = k?.facts ?? { summary: "none (the UEFI boot manager boots the disks)", warning: undefined };
  bootWarnings(io, facts, opts);
  // Device warnings and the silence status go to stderr on a line of their own (host-log.ts).
  const tracker = new ConsoleTracker((b) => process.stdout.write(b));
  const mo: ParallelsMachineOptions = {
    ...commonMachineOptions(opts, tracker, k?.kernel),
    iommu: opts.iommu,
    ...(opts.net === "none" ? { net: "none" as const } : {}),
    ...(opts.mac === undefined ? {} : { mac: opts.mac }),
    ...(opts.disk === undefined
      ? {}
      : { disk: new FileBlockBackend(opts.disk.path, { readOnly: opts.disk.readOnly }) }),
    ...(iso === undefined ? {} : { cdrom: new MemoryBlockBackend(iso, { readOnly: true, blockSize: 2048 }) }),
    ...(opts.efiVars === undefined ? {} : { efiVariables: new VariableStore(opts.efiVars) }),
  };
  const m = new ParallelsMachine(mo);
  restoreOnto(m, opts, io);
  if (showsStatus(opts.quiet))
    io.err(
      bootBanner({
        board: `parallels board (UEFI, ACPI${opts.iommu === "smmuv3" ? ", SMMUv3" : ""})`,
        cpus: opts.smp,
        memoryMiB: opts.memoryMiB,
        kernel: facts.summary,
        disks: [
          ...(opts.disk === undefined
            ? []
            : [`${opts.disk.path} (sata, ${opts.disk.readOnly ? "ro" : "rw"})`]),
          ...(opts.cdrom === undefined ? [] : [`${opts.cdrom} (cdrom)`]),
        ],
        net: netSummary(m.net, opts.net),
      }),
    );
  const vnc = await serveVnc(m.display, opts.display, io, m);
  // --snapshot-on-exit before the OS called ExitBootServices: SnapshotError("unsupported"), one line.
  return runBoard(m, io, opts, {
    tracker,
    screendump: (f: string) => writeScreenshot(m.display, f),
    powerdown: () => m.powerButton(),
    async release() {
      m.close();
      await vnc?.close();
      if (opts.screendump !== undefined) writeScreenshot(m.display, opts.screendump);
    },
  });
}
