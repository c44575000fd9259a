import type { ConsoleSink } from "../console.js";

/**
 * A scripted console for driving a guest from tests: collects everything the guest prints and
 * lets a test wait for text. Pair it with the machine's `input()` to type (or use GuestShell).
 */
export class ScriptedConsole implements ConsoleSink {
  private text = "";
  private readonly waiters: Array<{ re: RegExp; from: number; resolve: (m: string) => void }> = [];
  /** Echo guest output to this function as it arrives (e.g. process.stdout.write). */
  constructor(private readonly echo?: (s: string) => void) {}

  write(bytes: Uint8Array): void {
    const s = Buffer.from(bytes).toString("latin1");
    this.text += s;
    this.echo?.(s);
    for (let i = this.waiters.length - 1; i >= 0; i--) {
      const w = this.waiters[i]!;
      const m = w.re.exec(this.text.slice(w.from));
      if (m) {
        this.waiters.splice(i, 1);
        w.resolve(m[0]);
      }
    }
  }

  /** Everything printed so far. */
  get output(): string {
    return this.text;
  }

  /** Current length of the output (use as `from` to wait only for later text). */
  get mark(): number {
    return this.text.length;
  }

  /** Resolves with the first match of `re` in the output after `from` (default: anywhere). */
  waitFor(re: RegExp | string, from = 0): Promise<string> {
    const rx = typeof re === "string" ? new RegExp(re.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")) : re;
    const m = rx.exec(this.text.slice(from));
    if (m) return Promise.resolve(m[0]);
    return new Promise((resolve) => this.waiters.push({ re: rx, from, resolve }));
  }
}

/** The shell marker the test initramfs's /init prints before it starts busybox's shell. */
export const SHELL_MARKER = "ARMATURE-SHELL-READY";

/**
 * Drives a running guest's busybox shell through a ScriptedConsole: waits that fail with the last
 * output when they time out or the machine stops, and `sh()` that types one command after the
 * prompt and returns exactly what it printed.
 */
export class GuestShell {
  /** How the machine stopped, once it has. */
  stop: string | undefined;
  private readonly stopped: Promise<string>;

  constructor(
    readonly console: ScriptedConsole,
    private readonly type: (bytes: Uint8Array) => void,
    stopped: Promise<string>,
  ) {
    this.stopped = stopped.then((r) => {
      this.stop = r;
      return r;
    });
  }

  /** The first match of `re` after `from`; rejects after `ms` or when the machine stops first. */
  wait(re: RegExp | string, from: number, ms: number, what: string): Promise<string> {
    const tail = () => this.console.output.slice(-3000);
    return new Promise<string>((resolve, reject) => {
      let done = false;
      const finish = (f: () => void) => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        f();
      };
      const timer = setTimeout(
        () =>
          finish(() =>
            reject(
              new Error(
                `${what}: nothing after ${ms / 1000} s (stop: ${this.stop}); last output:\n${tail()}`,
              ),
            ),
          ),
        ms,
      );
      this.console.waitFor(re, from).then((m) => finish(() => resolve(m)));
      void this.stopped.then((r) =>
        // Output printed on the way down still counts: look once more before giving up.
        finish(() => {
          const rx = typeof re === "string" ? new RegExp(re.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")) : re;
          const m = rx.exec(this.console.output.slice(from));
          if (m) resolve(m[0]);
          else reject(new Error(`${what}: the machine stopped (${r}); last output:\n${tail()}`));
        }),
      );
    });
  }

  /** Waits for the shell marker and the first prompt after it; returns the marker's offset. */
  async ready(ms: number): Promise<number> {
    await this.wait(SHELL_MARKER, 0, ms, "boot to the shell marker");
    const at = this.console.output.indexOf(SHELL_MARKER);
    await this.wait(/\/ # /, at, 120_000, "first prompt");
    return at;
  }

  /** Types `command` (after the prompt) and resolves with what it printed, up to the next prompt. */
  async sh(command: string, timeoutMs = 120_000): Promise<string> {
    const start = this.console.mark;
    // Markers the echo of the command line cannot contain (the quotes split them), so line
    // wrapping and the echo never leak into the result.
    this.type(new TextEncoder().encode(`echo @@"B"EGIN; ${command}; echo @@"E"ND\n`));
    await this.wait(/@@END[\s\S]*?\/ # /, start, timeoutMs, command);
    const text = this.console.output.slice(start).replace(/\r/g, "");
    const b = text.indexOf("@@BEGIN\n");
    const e = text.lastIndexOf("@@END");
    return b >= 0 && e > b ? text.slice(b + "@@BEGIN\n".length, e) : text;
  }
}
