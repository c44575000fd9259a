import type { Display } from "@armature/core";
import { CPU_ENGINES, type Cpu, type CpuEngine } from "@armature/cpu-aarch64";
import type { DebugTarget } from "@armature/debug";
import { type DisplaySpec, VncServer } from "@armature/display";
import type { BootImageFile } from "@armature/uefi";
import type { OptionSpecs } from "../args.js";
import type { CliIo } from "../command.js";
import { readBytes } from "../files.js";
import { type ConsoleTracker, hostLines, type LogLevel } from "../host-log.js";
import { appendWarning } from "../kernel.js";
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
 * Guest instructions a run interprets before the dynamic translator starts, when no engine was
 * chosen (--cpu-engine, ARMATURE_CPU_ENGINE) and the translator would make JS blocks (its JS back
 * end: ARMATURE_JIT_BACKEND=js, or guest RAM outside the arena). A new process's first ~20 M
 * instructions (a Linux boot to its first console line) are cheaper in the interpreter than in
 * cold JS blocks, which make V8 recompile the run loop (~100 ms to that line). With
 * the WebAssembly back end (the default) the translator from the first instruction is cheaper.
 */
export const INTERPRET_FIRST = 25_000_000;

/**
 * The engine to build the vCPUs with: the one chosen, else "jit" (`chosen` false: runBoard may
 * still interpret first, see interpretFirst).
 */
export function startEngine(o: { cpuEngine?: CpuEngine }): { engine: CpuEngine; chosen: boolean } {
  if (o.cpuEngine !== undefined) return { engine: o.cpuEngine, chosen: true };
  const env = process.env.ARMATURE_CPU_ENGINE;
  if (env === "interp" || env === "jit") return { engine: env, chosen: true };
  return { engine: "jit", chosen: false };
}

/**
 * With no engine chosen and a vCPU whose translator has the JS back end, put every vCPU on the
 * interpreter for now and return true (the caller then switches them back with
 * switchToJitAfter(m, INTERPRET_FIRST)); else change nothing and return false.
 */
export function interpretFirst(
  m: { readonly runtime: { readonly cpus: readonly Cpu[] } },
  o: { cpuEngine?: CpuEngine },
): boolean {
  if (startEngine(o).chosen) return false;
  const cpus = m.runtime.cpus;
  if (!cpus.some((c) => c.jit?.backend === "js")) return false;
  for (const c of cpus) c.setEngine("interp");
  return true;
}

/**
 * Switch every vCPU of `m` to the translator once the guest retired `n` instructions (checked
 * every 10 ms of host time; the run loop yields to the event loop every ~20 ms, so the switch
 * falls between two slices). Returns a function that cancels the switch if it has not happened.
 */
export function switchToJitAfter(
  m: { retired(): number; readonly runtime: { readonly cpus: readonly Cpu[] } },
  n: number,
): () => void {
  const timer = setInterval(() => {
    if (m.retired() < n) return;
    for (const cpu of m.runtime.cpus) cpu.setEngine("jit");
    clearInterval(timer);
  }, 10).unref();
  return () => clearInterval(timer);
}

/**
 * The kernel's and --append's warnings, on stderr even without a terminal. Not on a restore: it
 * boots no kernel (RAM and the vCPUs come from the file), and the saving run warned.
 */
export function bootWarnings(
  io: CliIo,
  kernel: { warning: string | undefined },
  o: { append?: string; restore?: string },
): void {
  if (o.restore !== undefined) return;
  for (const w of [kernel.warning, appendWarning(o.append)])
    if (w !== undefined) io.err(`armature run: warning: ${w}\n`);
}

/**
 * The machine options every board takes from the run's options alike: vCPUs, RAM,
 * --deterministic, the engine (startEngine), the console, --initrd and --append.
 */
export function commonMachineOptions(
  o: RunCommonOptions & { smp: number; memoryMiB: number },
  console: ConsoleTracker,
  kernel?: Uint8Array | BootImageFile,
): {
  cpus: number;
  memoryMiB: number;
  deterministic: boolean;
  engine: CpuEngine;
  console: ConsoleTracker;
  kernel?: Uint8Array | BootImageFile;
  initrd?: Uint8Array;
  cmdline?: string;
} {
  return {
    cpus: o.smp,
    memoryMiB: o.memoryMiB,
    deterministic: o.deterministic,
    engine: startEngine(o).engine,
    console,
    ...(kernel === undefined ? {} : { kernel }),
    ...(o.initrd === undefined ? {} : { initrd: readBytes(o.initrd) }),
    ...(o.append === undefined ? {} : { cmdline: o.append }),
  };
}

/**
 * `--display vnc=HOST:PORT`: serve `screen` over VNC (none for `--display none`). A listen that
 * fails closes the machine (it never ran: its network is released) before the error is reported.
 */
export async function serveVnc(
  screen: Display,
  spec: DisplaySpec,
  io: CliIo,
  m: { close(): void },
): Promise<VncServer | undefined> {
  if (spec.kind !== "vnc") return undefined;
  const { host, port, password } = spec;
  try {
    const vnc = new VncServer(screen, { host, port, ...(password === undefined ? {} : { password }) });
    const at = await vnc.listen();
    io.err(`armature run: VNC on ${at.host}:${at.port}\n`);
    return vnc;
  } catch (e) {
    m.close();
    throw e;
  }
}

/**
 * Run a board on the console until it stops: the debugger and monitor (--gdb, --monitor, with
 * savevm and `info irq`) attached, --max-instructions counted, --snapshot-on-exit saved at the end,
 * the host-side lines (device warnings, the silence status) kept off the guest's console lines;
 * then, however the run ended, `release` (flush and close what the run opened).
 */
export async function runBoard(
  m: ConsoleMachine & SnapshotBoard & { readonly runtime: DebugTarget; readonly gic: { irqInfo(): string } },
  io: CliIo,
  o: {
    maxInstructions?: number;
    debug: DebugCliOptions;
    snapshotOnExit?: string;
    quiet?: boolean;
    cpuEngine?: CpuEngine;
  },
  board: {
    /** The console the machine writes to. */
    tracker: ConsoleTracker;
    /** Where device warnings go (default: warn, on stderr). */
    log?: { file?: string; level: LogLevel };
    screendump?(path: string): void;
    powerdown?(): void;
    release(): void | Promise<void>;
  },
): Promise<number> {
  const { tracker, log, release, ...commands } = board;
  const lines = hostLines(
    tracker,
    { ...(log === undefined ? {} : { log }), quiet: o.quiet },
    () => m.retired(),
    io.err,
  );
  const toJit = interpretFirst(m, o) ? switchToJitAfter(m, INTERPRET_FIRST) : undefined;
  try {
    const debug = await startDebug(m.runtime, o.debug, io, { ...commands, ...savevmCommand(m), gic: m.gic });
    const code = await runWithConsole(m, io, o.maxInstructions, debug);
    snapshotOnExit(m, o.snapshotOnExit, io);
    return code;
  } finally {
    toJit?.();
    lines.end();
    await release();
  }
}
