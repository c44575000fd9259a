import { getUintLE, type StateReader, type StateWriter } from "@armature/core";
import { featureBit, hasFeature, VirtioDeviceId } from "./constants.js";
import { type VirtioDevice, VirtioDeviceBase, type VirtioDeviceContext } from "./device.js";
import type { DescChain } from "./queue.js";

/** What the host learns from the balloon; every method is optional. Page frames are 4 KiB. */
export interface BalloonBackend {
  inflated?(pfns: readonly number[]): void;
  deflated?(pfns: readonly number[]): void;
  /** Memory statistics by tag (§5.5.6.3: 0 swap-in, 1 swap-out, 2 major faults, 3 minor, 4 free, 5 total, ...). */
  stats?(stats: ReadonlyMap<number, number>): void;
  /** Free page reporting: guest-physical ranges the guest says are free (§5.5.6.7). */
  reported?(ranges: ReadonlyArray<{ addr: number; len: number }>): void;
}

/** virtio-balloon feature bits (§5.5.3). */
export const VirtioBalloonFeature = {
  MUST_TELL_HOST: 0,
  STATS_VQ: 1,
  DEFLATE_ON_OOM: 2,
  FREE_PAGE_HINT: 3,
  PAGE_POISON: 4,
  PAGE_REPORTING: 5,
} as const;

const INFLATE = 0;
const DEFLATE = 1;
const MAX_PFN_BYTES = 256 * 1024;

/**
 * virtio-balloon (virtio 1.2 §5.5): inflate/deflate queues, the statistics queue and free page
 * reporting. The host sets a target with `setTarget(pages)`; the driver reports `actual`.
 */
export class VirtioBalloon extends VirtioDeviceBase implements VirtioDevice {
  readonly deviceId = VirtioDeviceId.BALLOON;
  readonly name = "balloon";
  readonly deviceFeatures =
    featureBit(VirtioBalloonFeature.STATS_VQ) | featureBit(VirtioBalloonFeature.PAGE_REPORTING);
  /** inflateq, deflateq, statsq, reporting_vq (indices compact when a feature is not negotiated). */
  readonly queueMaxSizes: readonly number[] = [128, 128, 128, 128];
  readonly configSize = 16;
  private target = 0;
  /** Pages the driver reports as in the balloon (config `actual`). */
  actual = 0;
  /** Pages currently given to the host. */
  readonly inflatedPages = new Set<number>();
  private statsQ = -1;
  private reportQ = -1;
  private heldStats: DescChain | null = null;
  /** The last statistics the driver sent. */
  lastStats = new Map<number, number>();

  constructor(readonly backend: BalloonBackend = {}) {
    super();
  }

  /** Ask the guest to hold `pages` 4 KiB pages in the balloon. */
  setTarget(pages: number): void {
    this.target = pages >>> 0;
    this.ctx?.configChanged();
  }

  /** Ask the driver for fresh statistics: return the held stats buffer (§5.5.6.3). */
  requestStats(): boolean {
    const ctx = this.ctx;
    const held = this.heldStats;
    if (ctx === undefined || held === null || this.statsQ < 0) return false;
    this.heldStats = null;
    ctx.run(() => {
      ctx.queue(this.statsQ).push(held, 0);
      ctx.notifyUsed(this.statsQ);
    });
    return true;
  }

  readConfig(offset: number, size: 1 | 2 | 4): number {
    const b = new Uint8Array(16);
    const v = new DataView(b.buffer);
    v.setUint32(0, this.target, true);
    v.setUint32(4, this.actual, true);
    return getUintLE(b, offset, size);
  }

  writeConfig(offset: number, size: 1 | 2 | 4, value: number): void {
    // Only `actual` (offset 4) is driver-writable.
    if (offset === 4 && size === 4) this.actual = value >>> 0;
    else this.ctx?.log.warn("cfg-ro", `balloon config write at ${offset} ignored`);
  }

  readonly stateVersion = 1;
  /** BALLOON_STATE (target, actual, the queues in use), the inflated pages and the held statistics buffer. */
  saveState(w: StateWriter): void {
    for (const k of BALLOON_STATE) w.f64(this[k]);
    w.u32(this.inflatedPages.size);
    for (const p of this.inflatedPages) w.f64(p);
    w.f64(this.heldStats === null ? -1 : this.heldStats.head);
  }
  loadState(r: StateReader): (ctx: VirtioDeviceContext | undefined) => void {
    const n = BALLOON_STATE.map(() => r.f64());
    const k = r.count(1 << 28, "inflated pages");
    const pages: number[] = [];
    for (let i = 0; i < k; i++) pages.push(r.f64());
    const held = r.f64();
    return (ctx) => {
      this.ctx = ctx;
      BALLOON_STATE.forEach((k, i) => {
        this[k] = n[i]!;
      });
      this.inflatedPages.clear();
      for (const p of pages) this.inflatedPages.add(p);
      this.heldStats = null;
      if (held >= 0 && ctx !== undefined && this.statsQ >= 0) {
        const q = ctx.queue(this.statsQ);
        if ("rewalk" in q && typeof q.rewalk === "function")
          this.heldStats = q.rewalk(held) as DescChain | null;
      }
    };
  }
  override activate(ctx: VirtioDeviceContext): void {
    super.activate(ctx);
    let next = 2;
    this.statsQ = hasFeature(ctx.features, VirtioBalloonFeature.STATS_VQ) ? next++ : -1;
    this.reportQ = hasFeature(ctx.features, VirtioBalloonFeature.PAGE_REPORTING) ? next++ : -1;
  }

  override reset(): void {
    super.reset();
    this.heldStats = null;
    this.actual = 0;
  }

  queueNotify(i: number): void {
    const ctx = this.ctx;
    if (ctx === undefined) return;
    if (i === INFLATE || i === DEFLATE) this.pages(ctx, i);
    else if (i === this.statsQ) this.stats(ctx);
    else if (i === this.reportQ) this.report(ctx);
    else ctx.log.warn("queue", `notification of balloon queue ${i}, which has no role`);
  }

  private pages(ctx: VirtioDeviceContext, i: number): void {
    const q = ctx.queue(i);
    for (let c = q.pop(); c !== null; c = q.pop()) {
      const n = Math.min(c.readableBytes, MAX_PFN_BYTES) & ~3;
      const buf = new Uint8Array(n);
      if (c.read(0, buf) !== n) ctx.log.warn("pfn-dma", "PFN array is not in memory");
      else {
        const v = new DataView(buf.buffer);
        const pfns: number[] = [];
        for (let o = 0; o < n; o += 4) pfns.push(v.getUint32(o, true));
        for (const p of pfns) {
          if (i === INFLATE) this.inflatedPages.add(p);
          else this.inflatedPages.delete(p);
        }
        if (i === INFLATE) this.backend.inflated?.(pfns);
        else this.backend.deflated?.(pfns);
      }
      q.push(c, 0);
    }
    ctx.notifyUsed(i);
  }

  private stats(ctx: VirtioDeviceContext): void {
    const q = ctx.queue(this.statsQ);
    for (let c = q.pop(); c !== null; c = q.pop()) {
      // struct virtio_balloon_stat { le16 tag; le64 val; } packed: 10 bytes each.
      const n = Math.min(c.readableBytes, 10 * 64);
      const buf = new Uint8Array(n - (n % 10));
      if (c.read(0, buf) === buf.length) {
        const v = new DataView(buf.buffer);
        const m = new Map<number, number>();
        for (let o = 0; o < buf.length; o += 10)
          m.set(v.getUint16(o, true), v.getUint32(o + 6, true) * 2 ** 32 + v.getUint32(o + 2, true));
        this.lastStats = m;
        this.backend.stats?.(m);
      } else ctx.log.warn("stats-dma", "statistics buffer is not in memory");
      if (this.heldStats !== null) q.push(this.heldStats, 0);
      this.heldStats = c;
    }
    ctx.notifyUsed(this.statsQ);
  }

  private report(ctx: VirtioDeviceContext): void {
    const q = ctx.queue(this.reportQ);
    for (let c = q.pop(); c !== null; c = q.pop()) {
      const ranges: Array<{ addr: number; len: number }> = [];
      for (let s = 0; s < c.count; s++) ranges.push({ addr: c.addr[s]!, len: c.len[s]! });
      this.backend.reported?.(ranges);
      q.push(c, 0);
    }
    ctx.notifyUsed(this.reportQ);
  }
}

/** The balloon's number fields in a snapshot, in order (a new one goes last, with a version bump). */
const BALLOON_STATE = ["target", "actual", "statsQ", "reportQ"] as const;
