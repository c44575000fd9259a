import type { StateReader, StateWriter } from "@armature/core";
import { type DmaSpace, DmaStatus } from "@armature/core";
import {
  VIRTQ_AVAIL_F_NO_INTERRUPT,
  VIRTQ_DESC_F_INDIRECT,
  VIRTQ_DESC_F_NEXT,
  VIRTQ_DESC_F_WRITE,
} from "./constants.js";

/** Device addresses at or past 2^52 are outside any bus (and beyond exact double arithmetic). */
export const MAX_DMA_ADDRESS = 2 ** 52;
/** Longest indirect table accepted (entries). */
export const MAX_INDIRECT_ENTRIES = 1024;

/**
 * One descriptor chain popped from a virtqueue: device-readable segments first, then
 * device-writable ones (§2.7.4.2). Devices treat the readable and the writable bytes as two
 * streams and never depend on how the driver split them into descriptors (VIRTIO_F_ANY_LAYOUT is
 * implied by VERSION_1). Data moves only through the queue's DmaSpace. A chain belongs to the
 * device from `pop` until `push`; the queue reuses the object afterwards (no per-request garbage).
 */
export class DescChain {
  /** Head descriptor index (the id written to the used ring). */
  head = 0;
  /** Packed ring: how many descriptors the chain used (buffer id bookkeeping). */
  descCount = 0;
  readonly addr: number[] = [];
  readonly len: number[] = [];
  /** Number of segments; segments [0, readableCount) are readable, the rest writable. */
  count = 0;
  readableCount = 0;
  readableBytes = 0;
  writableBytes = 0;

  constructor(readonly dma: DmaSpace) {}

  /** @internal Clear for reuse (queues recycle chains after push). */
  clear(): void {
    this.head = 0;
    this.descCount = 0;
    this.count = 0;
    this.readableCount = 0;
    this.readableBytes = 0;
    this.writableBytes = 0;
  }

  /**
   * @internal Add a descriptor's buffer, or return the chain rule it breaks (the queue's fault):
   * a device-readable buffer after a device-writable one (§2.7.4.2, §2.8.4), or more than 4 GiB in
   * all. A chain has a writable buffer exactly when it has more segments than readable ones.
   */
  addDescriptor(addr: number, len: number, writable: boolean): string | undefined {
    if (!writable && this.count > this.readableCount)
      return "device-readable descriptor after a writable one";
    if (this.readableBytes + this.writableBytes + len > 0xffffffff)
      return "descriptor chain longer than 4 GiB";
    this.addSegment(addr, len, writable);
    return undefined;
  }

  /** @internal */
  addSegment(addr: number, len: number, writable: boolean): void {
    this.addr[this.count] = addr;
    this.len[this.count] = len;
    this.count++;
    if (writable) this.writableBytes += len;
    else {
      this.readableCount++;
      this.readableBytes += len;
    }
  }

  /**
   * Copy readable bytes [off, off + dst.length) of the chain into `dst`. Returns the number of
   * bytes copied (less than requested past the end of the readable bytes), or -1 when a DMA read
   * failed (a descriptor pointed outside memory).
   */
  read(off: number, dst: Uint8Array): number {
    return this.copy(0, this.readableCount, off, dst, false);
  }

  /** Copy `src` into the writable bytes at `off`. Returns bytes written, or -1 on a DMA fault. */
  write(off: number, src: Uint8Array): number {
    return this.copy(this.readableCount, this.count, off, src, true);
  }

  private copy(first: number, end: number, off: number, buf: Uint8Array, write: boolean): number {
    let done = 0;
    for (let i = first; i < end && done < buf.length; i++) {
      const len = this.len[i]!;
      if (off >= len) {
        off -= len;
        continue;
      }
      const n = Math.min(len - off, buf.length - done);
      const part = buf.subarray(done, done + n);
      const a = this.addr[i]! + off;
      // Past the 52-bit physical address space nothing can answer (and doubles lose precision).
      if (a + n > MAX_DMA_ADDRESS) return -1;
      const st = write ? this.dma.write(a, part) : this.dma.read(a, part);
      if (st !== DmaStatus.Ok) return -1;
      done += n;
      off = 0;
    }
    return done;
  }
}

/** What a device needs from a virtqueue, whatever its layout (split or packed). */
export interface Virtqueue {
  /** Queue size negotiated by the driver. */
  readonly size: number;
  /** A structural guest mistake stopped this queue (the transport then sets DEVICE_NEEDS_RESET). */
  readonly fault: string | undefined;
  /** The next available chain, or null when the ring is empty or faulted. */
  pop(): DescChain | null;
  /** Return a chain to the driver with `written` bytes written to its writable part. */
  push(chain: DescChain, written: number): void;
  /** Whether the driver wants an interrupt for what was pushed since the last call (§2.7.7/2.7.10). */
  needInterrupt(): boolean;
}

/** Where a driver placed a queue and what was negotiated for it. */
export interface QueueConfig {
  size: number;
  descAddr: number;
  driverAddr: number;
  deviceAddr: number;
  eventIdx: boolean;
  indirect: boolean;
}

/**
 * What the split and packed rings share: the negotiated size and features, the fault that stops
 * the queue, and the chains they recycle.
 */
export abstract class RingQueue implements Virtqueue {
  size = 0;
  fault: string | undefined;
  protected eventIdx = false;
  protected indirect = false;
  private readonly pool: DescChain[] = [];
  /** One descriptor (both layouts: le64 address at 0, le32 length at 8; §2.7.5, §2.8.13) or ring word. */
  protected readonly scratch = new Uint8Array(16);
  protected readonly view = new DataView(this.scratch.buffer);

  constructor(readonly dma: DmaSpace) {}

  /** Read descriptor `i` of a table into the scratch; false if not in memory. */
  protected readDesc(table: number, i: number): boolean {
    return this.dma.read(table + 16 * i, this.scratch) === DmaStatus.Ok;
  }

  /** The buffer address of the descriptor in the scratch. */
  protected descAddr(): number {
    return this.view.getUint32(4, true) * 2 ** 32 + this.view.getUint32(0, true);
  }

  /** Start the queue (the driver set it ready / DRIVER_OK) where `cfg` places it. */
  configure(cfg: QueueConfig): void {
    this.size = cfg.size;
    this.eventIdx = cfg.eventIdx;
    this.indirect = cfg.indirect;
    this.fault = undefined;
    this.start(cfg);
  }

  /** The ring's own addresses and starting positions. */
  protected abstract start(cfg: QueueConfig): void;

  abstract pop(): DescChain | null;
  abstract push(chain: DescChain, written: number): void;
  abstract needInterrupt(): boolean;

  /** Stop the queue for a guest mistake (the first reason stays); null for `pop` to return. */
  protected setFault(why: string): null {
    if (this.fault === undefined) this.fault = why;
    return null;
  }

  /** An empty chain to fill (a recycled one when there is one). */
  protected newChain(): DescChain {
    const chain = this.pool.pop() ?? new DescChain(this.dma);
    chain.clear();
    return chain;
  }

  /** Keep a pushed chain for reuse (up to 64). */
  protected recycle(chain: DescChain): void {
    if (this.pool.length < 64) this.pool.push(chain);
  }
}

/**
 * The device side of a split virtqueue (virtio 1.2 §2.7): descriptor table, available ring
 * (driver area) and used ring (device area), with indirect descriptors (§2.7.5.3) and
 * VIRTIO_F_EVENT_IDX notification suppression (§2.7.7, §2.7.10).
 *
 * Every guest mistake (index out of range, a loop, an indirect table that is malformed or nested,
 * a readable descriptor after a writable one, ring memory that is not RAM) sets `fault` and stops
 * the queue; nothing throws.
 */
export class SplitQueue extends RingQueue {
  private desc = 0;
  private avail = 0;
  private used = 0;
  /** Next available-ring index the device will consume (a free-running u16). */
  lastAvail = 0;
  /** The used index (free-running u16). */
  usedIdx = 0;
  /** Used index at the last interrupt decision. */
  private signalled = 0;

  /** Ring indices start at zero (§2.7). */
  protected start(cfg: QueueConfig): void {
    this.desc = cfg.descAddr;
    this.avail = cfg.driverAddr;
    this.used = cfg.deviceAddr;
    this.lastAvail = 0;
    this.usedIdx = 0;
    this.signalled = 0;
  }

  /** Resume at given ring indices (snapshot restore, tests of index wrap-around). */
  restore(lastAvail: number, usedIdx: number): void {
    this.lastAvail = lastAvail & 0xffff;
    this.usedIdx = usedIdx & 0xffff;
    this.signalled = this.usedIdx;
  }

  /** Snapshot: ring indices, the last signalled index and the fault (the layout is the registers'). */
  saveState(w: StateWriter): void {
    w.u32(this.lastAvail);
    w.u32(this.usedIdx);
    w.u32(this.signalled);
    w.str(this.fault ?? "");
  }
  loadState(r: StateReader): () => void {
    const a = r.u32() & 0xffff;
    const u = r.u32() & 0xffff;
    const sig = r.u32() & 0xffff;
    const fault = r.str();
    return () => {
      this.lastAvail = a;
      this.usedIdx = u;
      this.signalled = sig;
      this.fault = fault === "" ? undefined : fault;
    };
  }
  /** The chain starting at descriptor `head` again (a held buffer after a snapshot restore). */
  rewalk(head: number): DescChain | null {
    return this.walk(head);
  }

  private u16(addr: number): number {
    const s = this.scratch.subarray(0, 2);
    return this.dma.read(addr, s) === DmaStatus.Ok ? this.view.getUint16(0, true) : -1;
  }

  private w16(addr: number, v: number): boolean {
    this.view.setUint16(0, v, true);
    return this.dma.write(addr, this.scratch.subarray(0, 2)) === DmaStatus.Ok;
  }

  /** Number of chains the driver has made available and the device has not popped. */
  pending(): number {
    if (this.fault !== undefined || this.size === 0) return 0;
    const idx = this.u16(this.avail + 2);
    if (idx < 0) return 0;
    return (idx - this.lastAvail) & 0xffff;
  }

  pop(): DescChain | null {
    if (this.fault !== undefined || this.size === 0) return null;
    const idx = this.u16(this.avail + 2);
    if (idx < 0) return this.setFault("available ring is not in memory");
    const n = (idx - this.lastAvail) & 0xffff;
    if (n === 0) {
      // §2.7.10: with EVENT_IDX, ask to be notified when the driver adds past what we consumed.
      if (this.eventIdx && !this.w16(this.used + 4 + 8 * this.size, this.lastAvail)) {
        return this.setFault("used ring is not in memory");
      }
      return null;
    }
    if (n > this.size)
      return this.setFault(`avail->idx moved by ${n}, more than the queue size ${this.size}`);
    const head = this.u16(this.avail + 4 + 2 * (this.lastAvail % this.size));
    if (head < 0) return this.setFault("available ring is not in memory");
    this.lastAvail = (this.lastAvail + 1) & 0xffff;
    return this.walk(head);
  }

  private walk(head: number): DescChain | null {
    const chain = this.newChain();
    chain.head = head;
    let table = this.desc;
    let tableSize = this.size;
    let i = head;
    let steps = 0;
    let inIndirect = false;
    const v = this.view;
    for (;;) {
      if (i >= tableSize) return this.setFault(`descriptor index ${i} is past the table of ${tableSize}`);
      if (++steps > tableSize) return this.setFault("descriptor chain loops or is longer than its table");
      if (!this.readDesc(table, i)) return this.setFault("descriptor table is not in memory");
      const addr = this.descAddr();
      const len = v.getUint32(8, true);
      const flags = v.getUint16(12, true);
      const next = v.getUint16(14, true);
      if (flags & VIRTQ_DESC_F_INDIRECT) {
        // §2.7.5.3.1: only when negotiated, never nested, never with NEXT, a whole number of entries.
        if (!this.indirect) return this.setFault("indirect descriptor without VIRTIO_F_INDIRECT_DESC");
        if (inIndirect) return this.setFault("nested indirect descriptor table");
        if (flags & VIRTQ_DESC_F_NEXT) return this.setFault("indirect descriptor with NEXT set");
        if (len === 0 || len % 16 !== 0)
          return this.setFault(`indirect table length ${len} is not a multiple of 16`);
        // §2.7.5.3.1 bounds a chain by the queue size; allow generous indirect tables, not 2^28 entries.
        if (len / 16 > Math.max(this.size, MAX_INDIRECT_ENTRIES)) {
          return this.setFault(`indirect table of ${len / 16} entries is too long`);
        }
        inIndirect = true;
        table = addr;
        tableSize = len / 16;
        i = 0;
        steps = 0;
        continue;
      }
      const broken = chain.addDescriptor(addr, len, (flags & VIRTQ_DESC_F_WRITE) !== 0);
      if (broken !== undefined) return this.setFault(broken);
      chain.descCount++;
      if (!(flags & VIRTQ_DESC_F_NEXT)) return chain;
      i = next;
    }
  }

  push(chain: DescChain, written: number): void {
    if (this.fault !== undefined || this.size === 0) return;
    const e = this.used + 4 + 8 * (this.usedIdx % this.size);
    this.view.setUint32(0, chain.head, true);
    this.view.setUint32(4, written >>> 0, true);
    if (this.dma.write(e, this.scratch.subarray(0, 8)) !== DmaStatus.Ok) {
      this.setFault("used ring is not in memory");
      return;
    }
    this.usedIdx = (this.usedIdx + 1) & 0xffff;
    this.recycle(chain);
    // §2.7.8: the used element is visible before the index that publishes it.
    if (!this.w16(this.used + 2, this.usedIdx)) this.setFault("used ring is not in memory");
  }

  needInterrupt(): boolean {
    if (this.size === 0) return false;
    const now = this.usedIdx;
    const old = this.signalled;
    if (now === old) return false;
    this.signalled = now;
    if (this.eventIdx) {
      const ev = this.u16(this.avail + 4 + 2 * this.size);
      if (ev < 0) return true;
      // §2.7.10: interrupt when used_event lies in [old, now) (modulo 2^16).
      return ((now - ev - 1) & 0xffff) < ((now - old) & 0xffff);
    }
    const flags = this.u16(this.avail);
    return flags < 0 || (flags & VIRTQ_AVAIL_F_NO_INTERRUPT) === 0;
  }
}
