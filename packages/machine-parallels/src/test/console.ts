import type { ConsoleSink } from "@armature/board";

/** Collects what the guest prints and resolves waits for text (tests drive the guest with it). */
export class ScriptedConsole implements ConsoleSink {
  private text = "";
  private waiters: Array<{ re: RegExp; from: number; resolve: (m: string) => void }> = [];

  write(bytes: Uint8Array): void {
    this.text += Buffer.from(bytes).toString("latin1");
    this.waiters = this.waiters.filter((w) => {
      const m = w.re.exec(this.text.slice(w.from));
      if (m) w.resolve(m[0]);
      return m === null;
    });
  }

  get output(): string {
    return this.text;
  }

  get mark(): number {
    return this.text.length;
  }

  waitFor(re: RegExp, from = 0): Promise<string> {
    const m = re.exec(this.text.slice(from));
    if (m) return Promise.resolve(m[0]);
    return new Promise((resolve) => this.waiters.push({ re, from, resolve }));
  }
}
