import { CPU_ENGINES, type CpuEngine } from "@armature/cpu-aarch64";
import type { DebugTarget } from "@armature/debug";
import type { OptionSpecs } from "../args.js";
import type { CliIo } from "../command.js";
import { type ConsoleMachine, runWithConsole } from "./console-loop.js";
import { type DebugCliOptions, parseDebugOptions, startDebug } from "./debug-options.js";
import { type SnapshotBoard, savevmCommand, snapshotOnExit } from "./snapshot-options.js";

/** The options `armature run` takes, and parses the same way, on every board (virt, parallels). */
export const RUN_COMMON_OPTIONS = {
  "--kernel": { value: true },
  "--initrd": { value: true },
  "--append": { value: true },
  "--efi-vars": { value: true },
  "--screendump": { value: true },
  "--deterministic": {},
  "--cpu-engine": { value: true, choices: CPU_ENGINES },
  "--quiet": {},
} as const satisfies OptionSpecs;

/** What RUN_COMMON_OPTIONS (and the debugger options) give, on every board. */
export interface RunCommonOptions {
  /** Absent: the firmware boots a disk (or virt's `bios` runs). */
  kernel?: string;
  initrd?: string;
  append?: string;
  efiVars?: string;
  screendump?: string;
  deterministic: boolean;
  /** --cpu-engine (absent: the library's default). */
  cpuEngine?: CpuEngine;
  /** No boot banner or silence status on a terminal. */
  quiet?: boolean;
  debug: DebugCliOptions;
}

/** RUN_COMMON_OPTIONS and the debugger options (DEBUG_OPTIONS) as parsed by parseArgs. */
export function parseRunCommonOptions(a: {
  "--kernel"?: string;
  "--initrd"?: string;
  "--append"?: string;
  "--efi-vars"?: string;
  "--screendump"?: string;
  "--deterministic"?: true;
  "--cpu-engine"?: string;
  "--quiet"?: true;
  "--gdb"?: string;
  "--wait-gdb"?: true;
  "--monitor"?: string;
}): RunCommonOptions {
  const o: RunCommonOptions = { deterministic: a["--deterministic"] === true, debug: parseDebugOptions(a) };
  if (a["--kernel"] !== undefined) o.kernel = a["--kernel"];
  if (a["--initrd"] !== undefined) o.initrd = a["--initrd"];
  if (a["--append"] !== undefined) o.append = a["--append"];
  if (a["--efi-vars"] !== undefined) o.efiVars = a["--efi-vars"];
  if (a["--screendump"] !== undefined) o.screendump = a["--screendump"];
  if (a["--quiet"] === true) o.quiet = true;
  if (a["--cpu-engine"] !== undefined) o.cpuEngine = a["--cpu-engine"] as CpuEngine;
  return o;
}

/**
 * Run a board on the console until it stops: the debugger and monitor (--gdb, --monitor, with
 * savevm and `info irq`) attached, --max-instructions counted, --snapshot-on-exit saved at the end.
 */
export async function runBoard(
  m: ConsoleMachine & SnapshotBoard & { readonly runtime: DebugTarget; readonly gic: { irqInfo(): string } },
  io: CliIo,
  o: { maxInstructions?: number; debug: DebugCliOptions; snapshotOnExit?: string },
  board: { screendump?(path: string): void; powerdown?(): void },
): Promise<number> {
  const debug = await startDebug(m.runtime, o.debug, io, { ...board, ...savevmCommand(m), gic: m.gic });
  const code = await runWithConsole(m, io, o.maxInstructions, debug);
  snapshotOnExit(m, o.snapshotOnExit, io);
  return code;
}
