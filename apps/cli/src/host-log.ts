// Where `armature run` sends host-side lines (device warnings, the silence status): stderr with
// the "armature:" prefix, never in the middle of a guest console line, or a file (--log FILE);
// --log-level off drops device warnings.
import { appendFileSync } from "node:fs";
import { setLogger } from "@armature/core";

export const LOG_LEVELS = ["warn", "off"] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/**
 * The guest console as the terminal sees it: writes go to `out`, and the wrapper remembers
 * whether the cursor is mid-line and when the guest last printed.
 */
export class ConsoleTracker {
  midLine = false;
  lastOutput = Date.now();
  constructor(private readonly out: (b: Uint8Array) => void) {}
  write(b: Uint8Array): void {
    if (b.length === 0) return;
    this.out(b);
    this.midLine = b[b.length - 1] !== 0x0a;
    this.lastOutput = Date.now();
  }
  /** A host line on stderr, starting on a fresh line when the guest left the cursor mid-line. */
  hostLine(err: (s: string) => void, line: string): void {
    err(`${this.midLine ? "\r\n" : ""}armature: ${line}\n`);
    this.midLine = false;
  }
}

/** Send the library's warnings where the options say (until `restore()`). */
export function installHostLog(
  o: { file?: string; level: LogLevel },
  tracker: ConsoleTracker,
  err: (s: string) => void,
): { restore(): void } {
  setLogger({
    warn(message: string) {
      if (o.level === "off") return;
      if (o.file !== undefined) appendFileSync(o.file, `${new Date().toISOString()} ${message}\n`);
      else tracker.hostLine(err, message);
    },
  });
  return {
    restore() {
      setLogger({ warn: (m) => process.stderr.write(`armature: ${m}\n`) });
    },
  };
}

/**
 * On a terminal, a one-line status after every 10 s without guest output: instructions executed
 * and the rate since the last status. Returns the function that stops it.
 */
export function silenceStatus(
  tracker: ConsoleTracker,
  retired: () => number,
  err: (s: string) => void,
  quietMs = 10_000,
): () => void {
  let lastCount = retired();
  let lastAt = Date.now();
  let shownAt = 0;
  const timer = setInterval(
    () => {
      const now = Date.now();
      if (now - tracker.lastOutput < quietMs || now - shownAt < quietMs) return;
      const n = retired();
      const mips = (n - lastCount) / Math.max(1, now - lastAt) / 1000;
      lastCount = n;
      lastAt = now;
      shownAt = now;
      tracker.hostLine(
        err,
        `no console output for ${Math.round((now - tracker.lastOutput) / 1000)} s; ${n.toLocaleString("en-US")} instructions executed, ${mips.toFixed(1)} MIPS (Ctrl-A h for help, Ctrl-A x to quit)`,
      );
    },
    Math.min(1000, quietMs),
  );
  timer.unref();
  return () => clearInterval(timer);
}

/** Whether a run shows its own status lines (boot banner, "restored ...", the silence status): on a terminal, without --quiet. */
export function showsStatus(quiet: boolean | undefined): boolean {
  return process.stderr.isTTY === true && quiet !== true;
}

/**
 * A run's host-side lines, until `end()`: the library's warnings as `log` says (default: warn, on
 * stderr) and, when it shows status, the silence status.
 */
export function hostLines(
  tracker: ConsoleTracker,
  o: { log?: { file?: string; level: LogLevel }; quiet?: boolean },
  retired: () => number,
  err: (s: string) => void,
): { end(): void } {
  const hostLog = installHostLog(o.log ?? { level: "warn" }, tracker, err);
  const stopStatus = showsStatus(o.quiet) ? silenceStatus(tracker, retired, err) : () => {};
  return {
    end() {
      stopStatus();
      hostLog.restore();
    },
  };
}
