import { existsSync, readFileSync } from "node:fs";
import { ConfigError, writeFileAtomic } from "@armature/core";

export interface FlashFileOptions {
  /** Bank size in bytes: the file must have this size (a template is padded with 0xFF to it). */
  size: number;
  /** Contents for a file that does not exist yet (e.g. AAVMF_VARS.fd); default all 0xFF. */
  template?: Uint8Array;
  /** Save this long (host ms) after the last change (default 250). */
  saveDelayMs?: number;
  /**
   * Checks an existing file's contents (and a new one's template): returns why they are unusable,
   * or undefined. A problem is a ConfigError naming the file; the file is left as it is.
   */
  validate?: (bytes: Uint8Array) => string | undefined;
}

/**
 * A flash bank's contents kept in a host file. Changes are saved after a short quiet period and on
 * `flush`/`close`, each time by writing a temporary file next to it, syncing it and renaming it over
 * the old one: a crash leaves either the old or the new contents, never a mix.
 */
export class FlashFile {
  readonly data: Uint8Array;
  private dirty = false;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private readonly delay: number;

  private constructor(
    readonly path: string,
    data: Uint8Array,
    delay: number,
  ) {
    this.data = data;
    this.delay = delay;
  }

  /** Open `path`, creating it from the template when absent. */
  static open(path: string, o: FlashFileOptions): FlashFile {
    const delay = o.saveDelayMs ?? 250;
    if (existsSync(path)) {
      const bytes = new Uint8Array(readFileSync(path));
      if (bytes.length !== o.size)
        throw new ConfigError(
          `flash file ${path} has ${bytes.length} bytes; this bank needs exactly ${o.size}`,
        );
      const problem = o.validate?.(bytes);
      if (problem !== undefined) throw new ConfigError(`flash file ${path} is corrupt: ${problem}`);
      return new FlashFile(path, bytes, delay);
    }
    const t = o.template ?? new Uint8Array(0);
    if (t.length > o.size)
      throw new ConfigError(`flash template has ${t.length} bytes; the bank holds ${o.size}`);
    const data = new Uint8Array(o.size).fill(0xff);
    data.set(t);
    const problem = o.validate?.(data);
    if (problem !== undefined) throw new ConfigError(`flash template for ${path} is unusable: ${problem}`);
    const f = new FlashFile(path, data, delay);
    f.save();
    return f;
  }

  /** The bank changed: save after the quiet period. */
  changed(): void {
    this.dirty = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = setTimeout(() => this.flush(), this.delay);
    this.timer.unref?.();
  }

  /** Save now if anything changed. */
  flush(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    if (!this.dirty) return;
    this.save();
  }

  /** Flush and stop the timer. */
  close(): void {
    this.flush();
  }

  private save(): void {
    writeFileAtomic(this.path, this.data, { fsync: true });
    this.dirty = false;
  }
}
