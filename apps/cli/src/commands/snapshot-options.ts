import { FileBlockBackend, SnapshotError } from "@armature/core";
import { CPU_ENGINES, type CpuEngine } from "@armature/cpu-aarch64";
import {
  readVirtSnapshotInfo,
  restoreVirtMachine,
  type VirtMachine,
  type VirtSnapshotInfo,
  virtSnapshotNeeds,
} from "@armature/machine-virt";
import { type NetSpec, parseNetSpec } from "@armature/net";
import { fileArg, maxInstructionsArg, type OptionSpecs, parseArgs } from "../args.js";
import { type CliIo, CliUsageError } from "../command.js";
import { EXIT_HELP } from "../exit.js";
import { diskFile, inputFile, outputFile } from "../files.js";
import { ConsoleTracker, hostLines, LOG_LEVELS, type LogLevel, showsStatus } from "../host-log.js";
import { runWithConsole } from "./console-loop.js";
import { DEBUG_HELP, DEBUG_OPTIONS, parseDebugOptions, startDebug } from "./debug-options.js";

/** `--snapshot-on-exit` (any run) and `--restore`, `--force-restore` (the restore run). */
export const SNAPSHOT_OPTIONS = {
  "--snapshot-on-exit": { value: true },
} as const satisfies OptionSpecs;

export const SNAPSHOT_HELP = `  --snapshot-on-exit FILE when the run stops (power-off, --max-instructions, Ctrl-A x, quit),
                          save the machine to FILE and print its size and state hash;
                          \`armature run --restore FILE\` continues it (docs/snapshots.md)
`;

/** A board the CLI can snapshot: the virt board's library API. */
export interface SnapshotBoard {
  saveSnapshot(path: string): number;
  retired(): number;
  stateHash(): string;
  /** Throws the library's SnapshotError("unsupported") when a part cannot be saved. */
  snapshotSections(): unknown;
}

/** `--snapshot-on-exit FILE`, checked (a writable place) before anything starts. */
export function snapshotOnExitArg(v: string | undefined): string | undefined {
  return v === undefined ? undefined : outputFile(v, "--snapshot-on-exit");
}

/** Save the machine to `path` and say so: `snapshot FILE: N bytes at I instructions, state sha256 HASH`. */
export function saveSnapshot(m: SnapshotBoard, path: string): string {
  const size = m.saveSnapshot(path);
  return `snapshot ${path}: ${size} bytes at ${m.retired()} instructions, state sha256 ${m.stateHash()}`;
}

/** The monitor's `savevm FILE` for a board. */
export function savevmCommand(m: SnapshotBoard): { savevm(path: string): string } {
  return { savevm: (path) => saveSnapshot(m, path) };
}

/** After the run: `--snapshot-on-exit`'s save, reported on stderr. */
export function snapshotOnExit(m: SnapshotBoard, path: string | undefined, io: CliIo): void {
  if (path !== undefined) io.err(`armature run: ${saveSnapshot(m, path)}\n`);
}

/** On a terminal (without --quiet): how far the restored machine had run. */
export function sayRestored(
  io: CliIo,
  file: string,
  m: { retired(): number },
  quiet: boolean | undefined,
): void {
  if (showsStatus(quiet))
    io.err(`armature run: restored ${file} (${m.retired()} instructions retired so far)\n`);
}

/**
 * `--restore FILE` on the machine the run's options built (QEMU's -loadvm), all or nothing: a
 * snapshot it refuses (built otherwise, a changed disk without --force-restore) leaves it unrun
 * and closed, with what `release` closes, and is one line (exit 1).
 */
export function restoreOnto(
  m: { restoreSnapshot(path: string, o: { force?: boolean }): void; close(): void; retired(): number },
  o: { restore?: string; forceRestore?: boolean; quiet?: boolean },
  io: CliIo,
  release: () => void = () => {},
): void {
  if (o.restore === undefined) return;
  try {
    m.restoreSnapshot(o.restore, { force: o.forceRestore === true });
  } catch (e) {
    m.close();
    release();
    throw e;
  }
  sayRestored(io, o.restore, m, o.quiet);
}

const RESTORE_OPTIONS = {
  "--machine": { value: true, choices: ["virt"] },
  "--restore": { value: true },
  "--force-restore": {},
  "--disk": { value: true },
  "--net": { value: true },
  "--net-dump": { value: true },
  "--cpu-engine": { value: true, choices: CPU_ENGINES },
  "--max-instructions": { value: true },
  "--quiet": {},
  "--log": { value: true },
  "--log-level": { value: true, choices: LOG_LEVELS },
  ...SNAPSHOT_OPTIONS,
  ...DEBUG_OPTIONS,
} as const satisfies OptionSpecs;

export const RESTORE_HELP = `  --restore FILE          continue a machine saved by --snapshot-on-exit or the monitor's
                          savevm. Alone (with only the options below), the board and its
                          configuration (layout, vCPUs, RAM, devices, MAC, --deterministic) come
                          from FILE; the disk is the image recorded in FILE (or --disk FILE),
                          refused when it changed since (size, content sample, mtime); options
                          that go with it: --machine virt, --disk, --net, --net-dump,
                          --cpu-engine, --max-instructions, --snapshot-on-exit, --quiet, --log,
                          --log-level, --gdb, --monitor. With the options of the saving run
                          (--machine virt --kernel/--bios/--firmware uefi, --sata, --cdrom,
                          --usb, ...: needed for a machine with AHCI, USB or firmware), the
                          machine they build restores FILE, as QEMU's -loadvm: one built
                          otherwise is refused (exit 1, naming what differs)
  --force-restore         with --restore: accept a disk or DVD medium that changed since the
                          snapshot
`;

const HELP = `Usage: armature run --restore FILE [--force-restore] [options]

${RESTORE_HELP}${SNAPSHOT_HELP}${DEBUG_HELP}
A refused snapshot (another version, another board, truncated or corrupt, a changed disk) is
one line on stderr and exit status 1; nothing runs.
${EXIT_HELP}`;

/** Whether `armature run` was asked to restore a snapshot. */
export function isRestore(args: readonly string[]): boolean {
  return args.includes("--restore");
}

/**
 * Whether a `--restore` run also gives options that build the board (`isRunOption` names the run
 * options): then the board is built from them and the snapshot restored into it (QEMU's -loadvm)
 * instead of rebuilt from the file. Such a run needs `--machine`, as the saving run did.
 */
export function restoresOnOptions(args: readonly string[], isRunOption: (name: string) => boolean): boolean {
  const builds = args.find((a) => a.startsWith("--") && !(a in RESTORE_OPTIONS) && isRunOption(a));
  if (builds !== undefined && !args.includes("--machine"))
    throw new CliUsageError(
      `--restore FILE with ${builds} restores on the machine the options build: give --machine and the same options as the saving run (or --restore FILE alone to rebuild the board from the file)`,
    );
  return builds !== undefined;
}

/**
 * The run options a virt snapshot's board needs that the file cannot rebuild (its AHCI disks, USB
 * devices, firmware), as the user gives them: empty when `--restore FILE` alone can.
 */
export function optionsNeeded(info: VirtSnapshotInfo): string[] {
  const o: string[] = [];
  for (const k of virtSnapshotNeeds(info)) {
    if (k === "firmware") o.push(info.firmware === "dt" ? "--bios, --acpi off" : "--bios");
    else if (k === "uefi") o.push(info.uefi === "acpi" ? "--firmware uefi, --acpi" : "--firmware uefi");
    else if (k === "usb") o.push(`--usb (devices: ${(info.usb ?? []).join(", ")})`);
    else {
      const kinds = new Set((info.sata ?? []).map((d) => d.kind));
      if (kinds.has("disk")) o.push("--sata");
      if (kinds.has("cdrom")) o.push("--cdrom");
    }
  }
  return o;
}

/**
 * `armature run --restore FILE ...`: the virt board rebuilt from the snapshot (restoreVirtMachine
 * of @armature/machine-virt), run with the terminal as its console. A snapshot whose board the file
 * cannot rebuild (AHCI, USB, firmware) is refused in one line naming the options to give.
 */
export async function runRestored(args: readonly string[], io: CliIo): Promise<number> {
  const { options: a, help } = parseArgs(args, RESTORE_OPTIONS);
  if (help) {
    io.out(HELP);
    return 0;
  }
  const file = inputFile(a["--restore"] as string, "snapshot (--restore)");
  const onExit = snapshotOnExitArg(a["--snapshot-on-exit"]);
  const debug = parseDebugOptions(a);
  let net: NetSpec | undefined;
  if (a["--net"] !== undefined) {
    try {
      net = parseNetSpec(a["--net"]);
    } catch (e) {
      throw new CliUsageError(e instanceof Error ? e.message : String(e));
    }
  }
  let max: number | undefined;
  if (a["--max-instructions"] !== undefined) {
    max = maxInstructionsArg(a["--max-instructions"]);
  }
  const diskArg = a["--disk"] === undefined ? undefined : fileArg(a["--disk"], "--disk");
  if (diskArg !== undefined) diskFile(diskArg.path, diskArg.readOnly, "disk", "--disk");
  const log = a["--log"] === undefined ? undefined : outputFile(a["--log"], "--log");
  const netDump = a["--net-dump"] === undefined ? undefined : outputFile(a["--net-dump"], "--net-dump");
  const needed = optionsNeeded(readVirtSnapshotInfo(file));
  if (needed.length > 0)
    throw new SnapshotError(
      "unsupported",
      `this snapshot was saved with ${needed.join(", ")}: give the same options as the saving run (--machine virt, the same kernel or firmware, disks and devices) plus --restore ${file}`,
    );

  const tracker = new ConsoleTracker((b) => process.stdout.write(b));
  const disk =
    diskArg === undefined ? undefined : new FileBlockBackend(diskArg.path, { readOnly: diskArg.readOnly });
  let m: VirtMachine;
  try {
    m = restoreVirtMachine(file, {
      console: tracker,
      force: a["--force-restore"] === true,
      ...(disk === undefined ? {} : { disk }),
      ...(net === undefined ? {} : { net }),
      ...(netDump === undefined ? {} : { netDump }),
      ...(a["--cpu-engine"] === undefined ? {} : { engine: a["--cpu-engine"] as CpuEngine }),
    });
  } catch (e) {
    disk?.close?.();
    throw e;
  }
  const quiet = a["--quiet"] === true;
  sayRestored(io, file, m, quiet);
  const lines = hostLines(
    tracker,
    {
      log: { level: (a["--log-level"] ?? "warn") as LogLevel, ...(log === undefined ? {} : { file: log }) },
      quiet,
    },
    () => m.retired(),
    io.err,
  );
  try {
    const code = await runWithConsole(
      m,
      io,
      max,
      await startDebug(m.runtime, debug, io, { ...savevmCommand(m), gic: m.gic }),
    );
    snapshotOnExit(m, onExit, io);
    return code;
  } finally {
    lines.end();
    const d = m.config.disk;
    if (d !== undefined && !d.readOnly) {
      d.flush();
      d.close?.();
    }
  }
}
