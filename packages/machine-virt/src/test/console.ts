import type { ConsoleSink } from "../machine.js";

/**
 * A scripted console for driving a guest from tests: collects everything the guest prints and
 * lets a test wait for text. Pair it with `VirtMachine.input()` to type.
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
