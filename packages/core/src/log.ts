/** Where Armature's models send their diagnostic lines. Replaceable by the embedder. */
export interface Logger {
  warn(message: string): void;
}

let sink: Logger = {
  warn(message: string) {
    process.stderr.write(`armature: ${message}\n`);
  },
};

/** Replace the sink; returns the one it replaces (so that a caller can put it back). */
export function setLogger(logger: Logger): Logger {
  const previous = sink;
  sink = logger;
  return previous;
}

/**
 * A rate-limited warning channel: guest mistakes are logged once per key per interval (default
 * one line per key per 5 s of host time), never thrown, so a misbehaving guest cannot flood the host.
 */
export class RateLimitedLog {
  private readonly lastByKey = new Map<string, number>();
  private suppressed = 0;
  constructor(
    readonly source: string,
    readonly intervalMs = 5000,
  ) {}
  warn(key: string, message: string): void {
    const now = Date.now();
    const last = this.lastByKey.get(key);
    if (last !== undefined && now - last < this.intervalMs) {
      this.suppressed++;
      return;
    }
    this.lastByKey.set(key, now);
    const extra = this.suppressed > 0 ? ` (${this.suppressed} similar suppressed)` : "";
    this.suppressed = 0;
    sink.warn(`${this.source}: ${message}${extra}`);
  }
}
