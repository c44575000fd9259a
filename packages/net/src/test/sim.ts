/** A discrete-event clock for deterministic network tests: timers fire when `run` advances time. */
import type { TimerApi } from "../tcp.js";

export class SimClock implements TimerApi {
  now = 0;
  private seq = 0;
  private readonly q: Array<{ at: number; seq: number; fn: () => void; dead: boolean }> = [];
  set(ms: number, fn: () => void): unknown {
    const e = { at: this.now + ms, seq: this.seq++, fn, dead: false };
    this.q.push(e);
    return e;
  }
  clear(h: unknown): void {
    (h as { dead: boolean }).dead = true;
  }
  /** Runs events in time order until none remain or `limit` events ran. Returns events run. */
  run(limit = 1_000_000): number {
    let n = 0;
    while (n < limit) {
      let bi = -1;
      for (let i = 0; i < this.q.length; i++) {
        const e = this.q[i]!;
        if (e.dead) continue;
        const b = bi < 0 ? undefined : this.q[bi]!;
        if (b === undefined || e.at < b.at || (e.at === b.at && e.seq < b.seq)) bi = i;
      }
      if (bi < 0) break;
      const e = this.q.splice(bi, 1)[0]!;
      this.now = Math.max(this.now, e.at);
      e.fn();
      n++;
      if (this.q.length > 4096) this.compact();
    }
    return n;
  }
  private compact(): void {
    for (let i = this.q.length - 1; i >= 0; i--) if (this.q[i]!.dead) this.q.splice(i, 1);
  }
}
