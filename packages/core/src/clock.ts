import { ConfigError } from "./errors.js";
import type { StateReader, StateWriter } from "./snapshot.js";

export type ClockMode = "deterministic" | "realtime";

export interface ClockOptions {
  /** "deterministic" (default): time advances only with executed instructions, so runs replay. */
  mode?: ClockMode;
  /** Deterministic mode: nanoseconds of virtual time per executed instruction (default 1). */
  nsPerInstruction?: number;
  /** Real-time mode: the host time source in nanoseconds (default: process.hrtime). */
  hostNowNs?: () => number;
}

/**
 * A one-shot timer owned by a clock. Re-arming reuses the object (no allocation), which is what
 * the generic timer and device completions do many times a second.
 */
export class Timer {
  /** Virtual time (ns) it fires at; meaningful while armed. */
  deadline = 0;
  /** @internal order of arming: ties between equal deadlines fire in arming order. */
  seq = 0;
  /** @internal position in the heap, -1 when not armed. */
  slot = -1;
  constructor(
    private readonly clock: VirtualClock,
    readonly callback: (nowNs: number) => void,
  ) {}
  get armed(): boolean {
    return this.slot >= 0;
  }
  /** Fire at absolute virtual time `ns` (re-arms if already armed). */
  arm(ns: number): void {
    this.clock.arm(this, ns);
  }
  /** Fire `ns` nanoseconds from now. */
  armIn(ns: number): void {
    this.clock.arm(this, this.clock.nowNs() + ns);
  }
  cancel(): void {
    this.clock.disarm(this);
  }
  /** Snapshot: whether armed, the deadline and the arming order (ties between equal deadlines). */
  saveState(w: StateWriter): void {
    w.bool(this.armed);
    w.f64(this.deadline);
    w.f64(this.seq);
  }
  /**
   * Parse what `saveState` wrote; the returned commit re-arms the timer exactly (after the clock's
   * own commit, which empties its queue).
   */
  loadState(r: StateReader): () => void {
    const armed = r.bool();
    const deadline = r.f64();
    const seq = r.f64();
    if (!Number.isSafeInteger(seq) || seq < 0) r.fail(`bad timer order ${seq}`);
    return () => {
      this.clock.disarm(this);
      this.deadline = deadline;
      this.seq = seq;
      if (armed) this.clock.insert(this);
    };
  }
}

function defaultHostNs(): number {
  const [s, ns] = process.hrtime();
  return s * 1e9 + ns;
}

/**
 * One virtual clock per machine. Deterministic mode: now = instructions × nsPerInstruction plus any
 * idle skips (`advanceTo`), so a boot replays exactly. Real-time mode: now follows the host
 * clock from the clock's creation. Timers fire from `runDue()` in deadline order; equal deadlines
 * fire in the order they were armed.
 */
export class VirtualClock {
  readonly mode: ClockMode;
  readonly nsPerInstruction: number;
  /** Instructions reported so far (both modes). */
  instructions = 0;
  private skippedNs = 0;
  private readonly hostNow: () => number;
  private readonly hostStart: number;
  private heap: Timer[] = [];
  private nextSeq = 0;

  constructor(options: ClockOptions = {}) {
    this.mode = options.mode ?? "deterministic";
    if (this.mode !== "deterministic" && this.mode !== "realtime") {
      throw new ConfigError(`clock mode must be "deterministic" or "realtime", not ${String(this.mode)}`);
    }
    this.nsPerInstruction = options.nsPerInstruction ?? 1;
    if (!(this.nsPerInstruction > 0)) throw new ConfigError("nsPerInstruction must be > 0");
    this.hostNow = options.hostNowNs ?? defaultHostNs;
    this.hostStart = this.hostNow();
  }

  /** Current virtual time in nanoseconds. */
  nowNs(): number {
    if (this.mode === "deterministic") return this.instructions * this.nsPerInstruction + this.skippedNs;
    return this.hostNow() - this.hostStart + this.skippedNs;
  }

  /** Report `n` executed instructions. */
  advanceInstructions(n: number): void {
    this.instructions += n;
  }

  /**
   * Move time forward to `ns` without executing (every CPU idles in WFI until the next deadline).
   * Never moves time backwards.
   */
  advanceTo(ns: number): void {
    const now = this.nowNs();
    if (ns > now) this.skippedNs += ns - now;
  }

  /** Snapshot state version (see Snapshottable in snapshot.ts). */
  readonly stateVersion = 1;

  /** Snapshot: mode, instruction count, idle skips and the current time (timers save themselves). */
  saveState(w: StateWriter): void {
    w.u8(this.mode === "deterministic" ? 0 : 1);
    w.f64(this.nsPerInstruction);
    w.f64(this.instructions);
    w.f64(this.skippedNs);
    w.f64(this.nowNs());
    w.f64(this.nextSeq);
  }

  /**
   * Parse a clock section; the commit empties the timer queue (each timer's owner re-arms its own
   * afterwards) and puts time where it was. A real-time clock continues from the saved time.
   */
  loadState(r: StateReader): () => void {
    const mode = r.u8() === 0 ? "deterministic" : "realtime";
    if (mode !== this.mode) r.fail(`the snapshot's clock is ${mode}, this machine's is ${this.mode}`);
    const nsPer = r.f64();
    if (nsPer !== this.nsPerInstruction)
      r.fail(`${nsPer} ns per instruction, this clock has ${this.nsPerInstruction}`);
    const instructions = r.f64();
    const skipped = r.f64();
    const now = r.f64();
    const nextSeq = r.f64();
    for (const v of [instructions, skipped, now, nextSeq])
      if (!(v >= 0) || !Number.isFinite(v)) r.fail(`bad time ${v}`);
    return () => {
      for (const t of this.heap) t.slot = -1;
      this.heap = [];
      this.nextSeq = nextSeq;
      this.instructions = instructions;
      if (this.mode === "deterministic") this.skippedNs = skipped;
      else this.skippedNs = now - (this.hostNow() - this.hostStart);
    };
  }

  createTimer(callback: (nowNs: number) => void): Timer {
    return new Timer(this, callback);
  }

  /** Deadline of the earliest armed timer, or Infinity. */
  nextDeadline(): number {
    const t = this.heap[0];
    return t === undefined ? Number.POSITIVE_INFINITY : t.deadline;
  }

  /** Fire every timer whose deadline ≤ now, in order. Returns how many fired. */
  runDue(): number {
    let fired = 0;
    const now = this.nowNs();
    for (;;) {
      const t = this.heap[0];
      if (t === undefined || t.deadline > now) break;
      this.disarm(t);
      fired++;
      t.callback(now);
    }
    return fired;
  }

  /** @internal */
  arm(t: Timer, ns: number): void {
    if (t.slot >= 0) this.disarm(t);
    t.deadline = ns;
    t.seq = this.nextSeq++;
    t.slot = this.heap.length;
    this.heap.push(t);
    this.up(t.slot);
  }

  /** @internal a restored timer, with its saved deadline and order */
  insert(t: Timer): void {
    if (t.slot >= 0) this.disarm(t);
    t.slot = this.heap.length;
    this.heap.push(t);
    this.up(t.slot);
  }

  /** @internal */
  disarm(t: Timer): void {
    const i = t.slot;
    if (i < 0) return;
    const h = this.heap;
    const last = h.pop()!;
    t.slot = -1;
    if (last !== t) {
      h[i] = last;
      last.slot = i;
      this.down(i);
      this.up(last.slot);
    }
  }

  private less(a: Timer, b: Timer): boolean {
    return a.deadline < b.deadline || (a.deadline === b.deadline && a.seq < b.seq);
  }

  private up(i: number): void {
    const h = this.heap;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.less(h[i]!, h[p]!)) break;
      this.swap(i, p);
      i = p;
    }
  }

  private down(i: number): void {
    const h = this.heap;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < h.length && this.less(h[l]!, h[m]!)) m = l;
      if (r < h.length && this.less(h[r]!, h[m]!)) m = r;
      if (m === i) return;
      this.swap(i, m);
      i = m;
    }
  }

  private swap(i: number, j: number): void {
    const h = this.heap;
    const a = h[i]!;
    const b = h[j]!;
    h[i] = b;
    h[j] = a;
    a.slot = j;
    b.slot = i;
  }
}
