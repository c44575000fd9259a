import type { StateReader, StateWriter } from "@armature/core";
import { DmaStatus } from "@armature/core";
import { VIRTQ_DESC_F_INDIRECT, VIRTQ_DESC_F_NEXT, VIRTQ_DESC_F_WRITE } from "./constants.js";
import { type DescChain, MAX_INDIRECT_ENTRIES, type QueueConfig, RingQueue } from "./queue.js";

/** Packed descriptor flags (virtio 1.2 §2.8.1). */
export const VIRTQ_DESC_F_AVAIL = 1 << 7;
export const VIRTQ_DESC_F_USED = 1 << 15;
/** Event suppression flags (§2.8.10). */
export const RING_EVENT_FLAGS_ENABLE = 0;
export const RING_EVENT_FLAGS_DISABLE = 1;
export const RING_EVENT_FLAGS_DESC = 2;

/**
 * The ring positions when the queue starts (§2.8: both wrap counters start at 1). A snapshot
 * holds them in this order, one f64 each.
 */
const START_POSITIONS = {
  nextAvail: 0,
  availWrap: 1,
  nextUsed: 0,
  usedWrap: 1,
  signalledUsed: 0,
  pushedSinceSignal: 0,
};
const SAVED_POSITIONS = Object.keys(START_POSITIONS) as (keyof typeof START_POSITIONS)[];

/**
 * The device side of a packed virtqueue (virtio 1.2 §2.8): one descriptor ring shared by driver
 * and device with AVAIL/USED flags and wrap counters, chains of consecutive descriptors whose
 * last one carries the buffer id, indirect tables, and event suppression structures (driver area =
 * driver event suppression, device area = device event suppression).
 */
export class PackedQueue extends RingQueue {
  private ring = 0;
  private driverEvent = 0;
  /** Next descriptor the device looks at, and the wrap counter it expects (starts at 1). */
  nextAvail = 0;
  availWrap = 1;
  /** Next slot the device writes a used descriptor to, and its wrap counter. */
  nextUsed = 0;
  usedWrap = 1;
  private signalledUsed = 0;
  private pushedSinceSignal = 0;

  protected start(cfg: QueueConfig): void {
    this.ring = cfg.descAddr;
    this.driverEvent = cfg.driverAddr;
    Object.assign(this, START_POSITIONS);
  }

  /** Snapshot: ring positions, wrap counters and signalling state. */
  saveState(w: StateWriter): void {
    for (const k of SAVED_POSITIONS) w.f64(this[k]);
    w.str(this.fault ?? "");
  }
  loadState(r: StateReader): () => void {
    const n = SAVED_POSITIONS.map(() => r.f64());
    const fault = r.str();
    return () => {
      SAVED_POSITIONS.forEach((k, i) => {
        this[k] = n[i]!;
      });
      this.fault = fault === "" ? undefined : fault;
    };
  }

  private isAvail(flags: number, wrap: number): boolean {
    const avail = (flags & VIRTQ_DESC_F_AVAIL) !== 0 ? 1 : 0;
    const used = (flags & VIRTQ_DESC_F_USED) !== 0 ? 1 : 0;
    return avail === wrap && used !== wrap;
  }

  pop(): DescChain | null {
    if (this.fault !== undefined || this.size === 0) return null;
    const v = this.view;
    if (!this.readDesc(this.ring, this.nextAvail)) return this.setFault("descriptor ring is not in memory");
    if (!this.isAvail(v.getUint16(14, true), this.availWrap)) return null;
    const chain = this.newChain();
    let idx = this.nextAvail;
    let wrap = this.availWrap;
    for (let n = 0; ; n++) {
      if (n >= this.size) return this.setFault("packed descriptor chain is longer than the ring");
      if (n > 0) {
        if (!this.readDesc(this.ring, idx)) return this.setFault("descriptor ring is not in memory");
        // §2.8.6: the rest of a chain is made available together with its head.
        if (!this.isAvail(v.getUint16(14, true), wrap))
          return this.setFault("packed chain continues into a descriptor that is not available");
      }
      const addr = this.descAddr();
      const len = v.getUint32(8, true);
      const id = v.getUint16(12, true);
      const flags = v.getUint16(14, true);
      chain.descCount++;
      idx++;
      if (idx >= this.size) {
        idx = 0;
        wrap ^= 1;
      }
      if (flags & VIRTQ_DESC_F_INDIRECT) {
        if (!this.indirect) return this.setFault("indirect descriptor without VIRTIO_F_INDIRECT_DESC");
        if (n > 0 || flags & VIRTQ_DESC_F_NEXT) return this.setFault("indirect descriptor inside a chain");
        if (len === 0 || len % 16 !== 0 || len / 16 > Math.max(this.size, MAX_INDIRECT_ENTRIES)) {
          return this.setFault(`indirect table length ${len} is invalid`);
        }
        // §2.8.7: entries are consecutive; NEXT in them is ignored.
        for (let k = 0; k < len / 16; k++) {
          if (!this.readDesc(addr, k)) return this.setFault("indirect table is not in memory");
          const f = v.getUint16(14, true);
          if (f & VIRTQ_DESC_F_INDIRECT) return this.setFault("nested indirect descriptor table");
          const a = this.descAddr();
          const broken = chain.addDescriptor(a, v.getUint32(8, true), (f & VIRTQ_DESC_F_WRITE) !== 0);
          if (broken !== undefined) return this.setFault(broken);
        }
        chain.head = id;
        break;
      }
      const broken = chain.addDescriptor(addr, len, (flags & VIRTQ_DESC_F_WRITE) !== 0);
      if (broken !== undefined) return this.setFault(broken);
      if (!(flags & VIRTQ_DESC_F_NEXT)) {
        chain.head = id; // §2.8.6: the buffer id is in the last descriptor
        break;
      }
    }
    this.nextAvail = idx;
    this.availWrap = wrap;
    return chain;
  }

  push(chain: DescChain, written: number): void {
    if (this.fault !== undefined || this.size === 0) return;
    const v = this.view;
    const at = this.ring + 16 * this.nextUsed;
    // Element fields first, then the flags that hand the descriptor back (§2.8.21).
    v.setUint32(0, 0, true);
    v.setUint32(4, 0, true);
    v.setUint32(8, written >>> 0, true);
    v.setUint16(12, chain.head, true);
    if (this.dma.write(at, this.scratch.subarray(0, 14)) !== DmaStatus.Ok) {
      this.setFault("descriptor ring is not in memory");
      return;
    }
    const f =
      (this.usedWrap ? VIRTQ_DESC_F_AVAIL | VIRTQ_DESC_F_USED : 0) | (written > 0 ? VIRTQ_DESC_F_WRITE : 0);
    v.setUint16(0, f, true);
    if (this.dma.write(at + 14, this.scratch.subarray(0, 2)) !== DmaStatus.Ok) {
      this.setFault("descriptor ring is not in memory");
      return;
    }
    this.nextUsed += Math.max(1, chain.descCount);
    if (this.nextUsed >= this.size) {
      this.nextUsed -= this.size;
      this.usedWrap ^= 1;
    }
    this.pushedSinceSignal++;
    this.recycle(chain);
  }

  /** Position of (slot, wrap counter) on a circle of 2 * size: laps alternate the wrap counter. */
  private lin(slot: number, wrap: number): number {
    return slot + (wrap === 1 ? 0 : this.size);
  }

  needInterrupt(): boolean {
    if (this.size === 0 || this.pushedSinceSignal === 0) return false;
    this.pushedSinceSignal = 0;
    const old = this.signalledUsed;
    const now = this.lin(this.nextUsed, this.usedWrap);
    this.signalledUsed = now;
    if (this.dma.read(this.driverEvent, this.scratch.subarray(0, 4)) !== DmaStatus.Ok) return true;
    const offWrap = this.view.getUint16(0, true);
    const flags = this.view.getUint16(2, true) & 3;
    if (flags === RING_EVENT_FLAGS_DISABLE) return false;
    if (flags !== RING_EVENT_FLAGS_DESC || !this.eventIdx) return true;
    // §2.8.10: interrupt when the used position passed the driver's (offset, wrap) event,
    // i.e. the event lies in [old, now) on the circle of 2 * size positions.
    const ring = 2 * this.size;
    const ev = this.lin((offWrap & 0x7fff) % this.size, offWrap >> 15);
    return (now - ev - 1 + 2 * ring) % ring < (now - old + ring) % ring;
  }
}
