import { CONSOLE_KEYS } from "../banner.js";
import type { CliIo } from "../command.js";
import { EXIT } from "../exit.js";
import { inputFile } from "../files.js";
import type { ConsoleDebug } from "./debug-options.js";

/** What the console loop drives: any Armature board. */
export interface ConsoleMachine {
  input(bytes: Uint8Array): void;
  stop(reason?: "halted"): void;
  run(opts?: { maxInstructions?: number }): Promise<string>;
  retired(): number;
  /** The board runtime: why a run ended in "exception-loop". */
  readonly runtime: { readonly exceptionLoop: { readonly message: string } | undefined };
}

/** A file the user named must be a readable file before anything starts. */
export function readable(path: string, what: string): string {
  return inputFile(path, what);
}

/**
 * Run a board with the terminal as its console (raw mode; Ctrl-A x quits, Ctrl-A Ctrl-A sends
 * Ctrl-A, Ctrl-A c toggles the monitor when `debug` gives one, QEMU's conventions) or
 * stdin/stdout when not a TTY. Returns the exit status: 0 on power-off, reset or Ctrl-A x, 3 when
 * the instruction budget ran out, 4 when the guest is stuck in an exception loop, 1 otherwise.
 */
export async function runWithConsole(
  m: ConsoleMachine,
  io: CliIo,
  maxInstructions?: number,
  debug?: ConsoleDebug,
): Promise<number> {
  const code = await consoleRun(m, io, maxInstructions, debug);
  await debug?.finish(code);
  return code;
}

async function consoleRun(
  m: ConsoleMachine,
  io: CliIo,
  maxInstructions?: number,
  debug?: ConsoleDebug,
): Promise<number> {
  const stdin = process.stdin;
  const tty = stdin.isTTY === true;
  let ctrlA = false;
  let userQuit = false;
  let inMonitor = false;
  const onData = (d: Buffer) => {
    if (!tty) {
      m.input(new Uint8Array(d));
      return;
    }
    if (inMonitor && debug !== undefined) {
      const r = debug.monitor.feed(new Uint8Array(d));
      process.stdout.write(r.output);
      if (r.leave) inMonitor = false;
      return;
    }
    const out: number[] = [];
    for (const b of d) {
      if (ctrlA) {
        ctrlA = false;
        if (b === 0x78) {
          userQuit = true;
          m.stop("halted");
          return;
        }
        if (b === 0x63 && debug !== undefined) {
          inMonitor = true;
          process.stdout.write(debug.monitor.enter());
          break;
        }
        if (b === 0x68) {
          process.stderr.write(CONSOLE_KEYS);
          continue;
        }
        if (b === 0x01) out.push(1);
        continue;
      }
      if (b === 0x01) ctrlA = true;
      else out.push(b);
    }
    if (out.length > 0) m.input(new Uint8Array(out));
  };
  // SIGHUP (the terminal went away) and SIGTERM stop the guest; the finally below restores the
  // terminal and the caller flushes and closes the disks before the process exits.
  let signal: "SIGHUP" | "SIGTERM" | undefined;
  const onSignal = (s: NodeJS.Signals) => {
    signal ??= s === "SIGHUP" ? "SIGHUP" : "SIGTERM";
    m.stop("halted");
  };
  process.on("SIGHUP", onSignal);
  process.on("SIGTERM", onSignal);
  if (tty) stdin.setRawMode(true);
  stdin.on("data", onData);
  stdin.resume();
  try {
    const stop = await m.run(maxInstructions === undefined ? {} : { maxInstructions });
    if (signal !== undefined) {
      io.err(`\narmature run: ${signal}: stopped the guest\n`);
      return signal === "SIGHUP" ? EXIT.sighup : EXIT.sigterm;
    }
    if (stop === "poweroff") return EXIT.ok;
    if (stop === "budget") {
      io.err(`\narmature run: stopped after ${m.retired()} instructions\n`);
      return EXIT.budget;
    }
    if (stop === "exception-loop") {
      io.err(
        `\narmature run: ${m.runtime.exceptionLoop?.message ?? "the guest is stuck in an exception loop"}\n`,
      );
      return EXIT.stuck;
    }
    if (stop === "reset") {
      io.err("\narmature run: the guest asked for a reset; stopping\n");
      return 0;
    }
    io.err("\narmature run: stopped\n");
    return userQuit ? 0 : 1;
  } finally {
    process.off("SIGHUP", onSignal);
    process.off("SIGTERM", onSignal);
    stdin.off("data", onData);
    if (tty) stdin.setRawMode(false);
    stdin.pause();
  }
}
