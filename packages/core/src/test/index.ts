import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { MmioDevice } from "../bus.js";
import type { IrqController, IrqLine } from "../irq.js";
import { setLogger } from "../log.js";
import type { MsiSink } from "../msi.js";
import { SnapshotError, type Snapshottable, StateReader, StateWriter } from "../snapshot.js";

export * from "./access.js";
export * from "./fields.js";

/** An IrqLine that records its level and every edge, for device tests. */
export class RecordingIrqLine implements IrqLine {
  level = false;
  pulses = 0;
  /** Every change as [level] or "pulse", in order. */
  readonly history: Array<boolean | "pulse"> = [];
  set(level: boolean): void {
    if (level !== this.level) this.history.push(level);
    this.level = level;
  }
  pulse(): void {
    this.pulses++;
    this.history.push("pulse");
  }
}

/** An IrqController that records levels and pulses per input. */
export class RecordingIrqController implements IrqController {
  readonly levels = new Map<number, boolean>();
  readonly pulses = new Map<number, number>();
  setIrqLevel(n: number, level: boolean): void {
    this.levels.set(n, level);
  }
  pulseIrq(n: number): void {
    this.pulses.set(n, (this.pulses.get(n) ?? 0) + 1);
  }
}

/** An MsiSink that keeps every message. */
export class RecordingMsiSink implements MsiSink {
  readonly messages: Array<{ address: number; data: number; deviceId: number }> = [];
  accept = true;
  sendMsi(address: number, data: number, deviceId: number): boolean {
    this.messages.push({ address, data, deviceId });
    return this.accept;
  }
}

/** A plain little-endian register file as an MMIO device, logging every access. */
export class ScratchMmio implements MmioDevice {
  readonly bytes: Uint8Array;
  readonly log: Array<{ op: "r" | "w"; offset: number; size: number; value: number }> = [];
  constructor(size: number) {
    this.bytes = new Uint8Array(size);
  }
  read(offset: number, size: 1 | 2 | 4): number {
    let v = 0;
    for (let i = size - 1; i >= 0; i--) v = v * 256 + (this.bytes[offset + i] ?? 0);
    this.log.push({ op: "r", offset, size, value: v });
    return v;
  }
  write(offset: number, size: 1 | 2 | 4, value: number): void {
    for (let i = 0; i < size; i++) {
      if (offset + i < this.bytes.length) this.bytes[offset + i] = (value >>> (8 * i)) & 0xff;
    }
    this.log.push({ op: "w", offset, size, value });
  }
}

/** xorshift32 (Marsaglia): a small seedable stream of 32-bit words, so that a fuzz run replays from its printed seed. */
export function xorshift32(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s;
  };
}

/** The xorshift32 stream as numbers in [0, 1). */
export function uniform(seed: number): () => number {
  const next = xorshift32(seed);
  return () => next() / 2 ** 32;
}

/** A fuzz test's random choices, from one xorshift32 stream. */
export interface FuzzRandom {
  u32(): number;
  /** 0 to n - 1. */
  int(n: number): number;
  /** True with probability p. */
  chance(p: number): boolean;
  pick<T>(xs: readonly T[]): T;
  /** Fill with random bytes. */
  bytes(b: Uint8Array): void;
}

export function fuzzRandom(seed: number): FuzzRandom {
  const u32 = xorshift32(seed);
  const int = (n: number) => u32() % n;
  return {
    u32,
    int,
    chance: (p) => u32() / 2 ** 32 < p,
    pick: (xs) => xs[int(xs.length)]!,
    bytes(b) {
      for (let i = 0; i < b.length; i++) b[i] = u32() & 0xff;
    },
  };
}

/**
 * A fuzz test's case count and seed: `<prefix>_CASES` and `<prefix>_SEED` from the environment,
 * else `cases` and a fresh seed (print it, so that a failure can be replayed).
 */
export function fuzzSettings(prefix: string, cases: number): { cases: number; seed: number } {
  return {
    cases: Number(process.env[`${prefix}_CASES`] ?? cases),
    seed: Number(process.env[`${prefix}_SEED`] ?? Math.floor(Math.random() * 2 ** 31)),
  };
}

/**
 * Send the models' warnings to `warn` (default: nowhere) instead of stderr, as a fuzz run that
 * provokes thousands of them wants; the returned function puts the previous logger back.
 */
export function captureWarnings(warn: (message: string) => void = () => {}): () => void {
  const previous = setLogger({ warn });
  return () => {
    setLogger(previous);
  };
}

/**
 * Snapshot a part and restore it into another (section round trip, as a board does it: load,
 * `end()`, commit). Returns the saved bytes. Throws what the load throws.
 */
export function restoreStateInto(from: Snapshottable, to: Snapshottable): Uint8Array {
  const w = new StateWriter();
  from.saveState(w);
  const bytes = w.toBytes();
  const r = new StateReader(bytes, "test");
  const commit = to.loadState(r, from.stateVersion);
  r.end();
  commit();
  return bytes;
}

/** A part's saved bytes. */
export function savedState(part: Snapshottable): Uint8Array {
  const w = new StateWriter();
  part.saveState(w);
  return w.toBytes();
}

/**
 * The error `f` throws, which must be a `type` (else this throws, saying what happened instead):
 * for tests that go on to check the error's fields (a SnapshotError's reason, a message).
 */
export function thrownBy<E extends Error>(f: () => unknown, type: abstract new (...args: never[]) => E): E {
  try {
    f();
  } catch (e) {
    if (e instanceof type) return e;
    throw new Error(`threw ${String(e)}, not a ${type.name}`);
  }
  throw new Error(`returned without throwing (a ${type.name} was expected)`);
}

/**
 * Load every cut-off prefix of `bytes` (all of them up to 4096 bytes, then a sample) into `part`
 * and each bytes with one byte appended: each must be refused with SnapshotError("corrupt")
 * and leave the part's saved state unchanged. Returns how many loads were refused.
 */
export function expectTruncatedRefused(part: Snapshottable, bytes: Uint8Array): number {
  const before = savedState(part);
  const cuts: number[] = [];
  for (let n = 0; n < bytes.length; n += bytes.length <= 4096 ? 1 : Math.ceil(bytes.length / 4096))
    cuts.push(n);
  let refused = 0;
  const tryLoad = (b: Uint8Array, what: string) => {
    const r = new StateReader(b, "test");
    try {
      part.loadState(r, part.stateVersion);
      r.end();
    } catch (e) {
      if (!(e instanceof SnapshotError) || e.reason !== "corrupt")
        throw new Error(`${what}: refused with ${String(e)}, not SnapshotError("corrupt")`);
      refused++;
      return;
    }
    throw new Error(`${what} was accepted`);
  };
  for (const n of cuts) tryLoad(bytes.subarray(0, n), `the first ${n} of ${bytes.length} bytes`);
  const longer = new Uint8Array(bytes.length + 1);
  longer.set(bytes);
  tryLoad(longer, "one byte more");
  const after = savedState(part);
  if (after.length !== before.length || after.some((v, i) => v !== before[i]))
    throw new Error("a refused load changed the part");
  return refused;
}

/**
 * Runs `fn` in a new folder `<tmpdir>/<prefix>XXXXXX` and removes the folder afterwards, whatever
 * happens (when `fn` returns a promise, once it settles).
 */
export function withTempDir<T>(prefix: string, fn: (dir: string) => T): T {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const remove = () => rmSync(dir, { recursive: true, force: true });
  let result: T;
  try {
    result = fn(dir);
  } catch (e) {
    remove();
    throw e;
  }
  if (result instanceof Promise) return result.finally(remove) as T;
  remove();
  return result;
}

/**
 * Runs `fn` with the environment variables in `vars` set (undefined: unset) and puts every one back
 * as it was afterwards, whatever happens (synchronous `fn` only).
 */
export function withEnv<T>(vars: Record<string, string | undefined>, fn: () => T): T {
  const saved = Object.keys(vars).map((k) => [k, process.env[k]] as const);
  const set = (k: string, v: string | undefined): void => {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  };
  for (const [k, v] of Object.entries(vars)) set(k, v);
  try {
    return fn();
  } finally {
    for (const [k, v] of saved) set(k, v);
  }
}
