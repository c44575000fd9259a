import {
  type IrqLine,
  IrqOutput,
  type MmioDevice,
  primecellIdRead,
  RateLimitedLog,
  type StateReader,
  type StateWriter,
  unconnectedIrqLine,
  type VirtualClock,
} from "@armature/core";
import { addPrimecellNode, type FdtNode, type PrimecellPlacement } from "@armature/fdt";

import * as R from "./regs.js";

export interface Pl031Options {
  clock: VirtualClock;
  irq?: IrqLine;
  /** Seconds since the epoch at virtual time 0 (default: the host's wall clock at construction). */
  epochSeconds?: number;
}

/**
 * PL031 RTC: a 32-bit seconds counter derived from the machine's virtual clock, a match register
 * whose interrupt (level, through `irq`) fires when the counter reaches it, and the load register.
 * In deterministic mode, give a fixed `epochSeconds` for bit-identical replays.
 */
export class Pl031 implements MmioDevice {
  private readonly clock: VirtualClock;
  private readonly out: IrqOutput;
  /** Counter value = offset + floor(now / 1 s). */
  private offset: number;
  private mr = 0;
  private imsc = 0;
  private ris = 0;
  private readonly timer;
  private readonly log = new RateLimitedLog("pl031");

  constructor(o: Pl031Options) {
    this.clock = o.clock;
    this.out = new IrqOutput(o.irq ?? unconnectedIrqLine);
    this.offset = Math.floor(o.epochSeconds ?? Date.now() / 1000);
    this.timer = this.clock.createTimer(() => {
      this.ris = 1;
      this.update();
    });
  }

  /** Snapshot state version (Snapshottable, @armature/core). */
  readonly stateVersion = 1;

  /** Save the counter offset, match, mask, raw status, line level and the match timer. */
  saveState(w: StateWriter): void {
    for (const k of PL031_STATE) w.f64(this[k]);
    w.bool(this.out.level);
    this.timer.saveState(w);
  }

  /** Parse a saved state; the commit applies it without driving the interrupt line. */
  loadState(r: StateReader): () => void {
    const n = PL031_STATE.map(() => r.f64());
    const level = r.bool();
    const t = this.timer.loadState(r);
    return () => {
      PL031_STATE.forEach((k, i) => {
        this[k] = n[i]!;
      });
      this.out.level = level;
      t();
    };
  }

  private counter(): number {
    return (this.offset + Math.floor(this.clock.nowNs() / 1e9)) >>> 0;
  }

  private rearm(): void {
    // Fire when counter() == mr next; the counter wraps at 2^32 seconds.
    const now = this.counter();
    const delta = (this.mr - now) >>> 0;
    const base = Math.floor(this.clock.nowNs() / 1e9) * 1e9;
    this.timer.arm(delta === 0 ? base + 2 ** 32 * 1e9 : base + delta * 1e9);
  }

  private update(): void {
    this.out.set((this.ris & this.imsc) !== 0);
  }

  read(offset: number, _size: 1 | 2 | 4): number {
    const id = primecellIdRead(offset, R.PERIPH_ID);
    if (id !== undefined) return id;
    switch (offset) {
      case R.RTCDR:
        return this.counter();
      case R.RTCMR:
        return this.mr;
      case R.RTCLR:
        return this.counter();
      case R.RTCCR:
        return 1; // the counter always runs (R.RTCCR.RTCStart reads as 1)
      case R.RTCIMSC:
        return this.imsc;
      case R.RTCRIS:
        return this.ris;
      case R.RTCMIS:
        return this.ris & this.imsc;
      default:
        this.log.warn(`r${offset}`, `read of unknown offset 0x${offset.toString(16)}: RAZ`);
        return 0;
    }
  }

  write(offset: number, _size: 1 | 2 | 4, value: number): void {
    switch (offset) {
      case R.RTCMR:
        this.mr = value >>> 0;
        this.rearm();
        return;
      case R.RTCLR:
        this.offset = (value >>> 0) - Math.floor(this.clock.nowNs() / 1e9);
        this.rearm();
        return;
      case R.RTCCR:
        return; // writing 0 cannot stop the counter once started (3.3.4)
      case R.RTCIMSC:
        this.imsc = value & 1;
        this.update();
        return;
      case R.RTCICR:
        if (value & 1) this.ris = 0;
        this.update();
        return;
      default:
        this.log.warn(`w${offset}`, `write to read-only/unknown offset 0x${offset.toString(16)}: ignored`);
    }
  }
}

/** Where the board puts the RTC (the arm,primecell placement; `size` defaults to PL031_SIZE). */
export type Pl031Placement = PrimecellPlacement;

/** Adds `pl031@<base>` under `parent` (2 address cells, 2 size cells). */
export function describePl031(parent: FdtNode, p: Pl031Placement): FdtNode {
  return addPrimecellNode(parent, "pl031", p, R.PL031_SIZE, ["apb_pclk"]);
}

/** The counter offset and the registers in a snapshot, in order. */
const PL031_STATE = ["offset", "mr", "imsc", "ris"] as const;
