import {
  type ChainOptions,
  DriverQueueBase,
  type GuestMemory,
  type Segment,
  type UsedBuffer,
} from "./driver.js";

const F_NEXT = 1;
const F_WRITE = 2;
const F_INDIRECT = 4;
const F_AVAIL = 1 << 7;
const F_USED = 1 << 15;

/**
 * The driver side of a packed virtqueue (virtio 1.2 §2.8), for tests: descriptor ring with wrap
 * counters, buffer ids in the last descriptor, indirect tables, and the driver event suppression
 * structure. `desc` / `avail` / `used` are the ring, driver area and device area addresses, so it
 * plugs into the same transport drivers as DriverSplitQueue.
 */
export class DriverPackedQueue extends DriverQueueBase {
  private nextAvail = 0;
  private availWrap = 1;
  private nextUsed = 0;
  private usedWrap = 1;
  private freeDescs: number;
  private readonly freeIds: number[];
  private readonly info = new Map<
    number,
    { num: number; writable: Array<{ addr: number; len: number }>; tag: unknown }
  >();
  private pendingHeads: Array<{ at: number; flags: number }> = [];

  constructor(mem: GuestMemory, size: number) {
    // Driver and device event suppression structures: 4 bytes each (§2.8.10).
    super(mem, size, [4, 4], [4, 4]);
    this.freeDescs = size;
    this.freeIds = Array.from({ length: size }, (_, i) => size - 1 - i);
  }

  get freeCount(): number {
    return this.freeDescs;
  }

  private writeDesc(at: number, addr: number, len: number, id: number, flags: number | undefined): void {
    this.mem.setU64(at, addr);
    this.mem.setU32(at + 8, len);
    this.mem.setU16(at + 12, id);
    if (flags !== undefined) this.mem.setU16(at + 14, flags);
  }

  /** Returns the buffer id, or -1 when the ring has no room. */
  addSegments(segs: readonly Segment[], opts: ChainOptions = {}): number {
    const n = opts.indirect ? 1 : segs.length;
    if (segs.length === 0 || n > this.freeDescs || this.freeIds.length === 0) return -1;
    const id = this.freeIds.pop()!;
    const wrapBits = (w: number) => (w ? F_AVAIL : F_USED);
    let list = segs;
    if (opts.indirect) {
      const table = this.mem.alloc(16 * segs.length, 16);
      segs.forEach((s, i) => {
        this.writeDesc(table + 16 * i, s.addr, s.len, 0, s.write ? F_WRITE : 0);
      });
      list = [{ addr: table, len: 16 * segs.length, write: false }];
    }
    let head: { at: number; flags: number } | undefined;
    list.forEach((s, i) => {
      const last = i === list.length - 1;
      const at = this.desc + 16 * this.nextAvail;
      const flags =
        (opts.indirect ? F_INDIRECT : s.write ? F_WRITE : 0) | (last ? 0 : F_NEXT) | wrapBits(this.availWrap);
      // The head's flags are written last: they make the whole chain available (§2.8.6).
      if (i === 0) {
        this.writeDesc(at, s.addr, s.len, id, undefined);
        head = { at, flags };
      } else this.writeDesc(at, s.addr, s.len, id, flags);
      if (++this.nextAvail === this.size) {
        this.nextAvail = 0;
        this.availWrap ^= 1;
      }
    });
    this.freeDescs -= n;
    this.info.set(id, {
      num: n,
      writable: segs.filter((s) => s.write).map((s) => ({ addr: s.addr, len: s.len })),
      tag: opts.tag,
    });
    this.pendingHeads.push(head!);
    if (opts.publish ?? true) this.publish();
    return id;
  }

  /** Write the withheld head flags, making the added chains available. */
  publish(): void {
    for (const h of this.pendingHeads) this.mem.setU16(h.at + 14, h.flags);
    this.pendingHeads = [];
  }

  takeUsed(): UsedBuffer[] {
    const out: UsedBuffer[] = [];
    for (;;) {
      const at = this.desc + 16 * this.nextUsed;
      const flags = this.mem.u16(at + 14);
      const avail = flags & F_AVAIL ? 1 : 0;
      const used = flags & F_USED ? 1 : 0;
      if (avail !== this.usedWrap || used !== this.usedWrap) return out;
      const id = this.mem.u16(at + 12);
      const len = this.mem.u32(at + 8);
      const f = this.info.get(id);
      const num = f?.num ?? 1;
      if (f !== undefined) {
        this.info.delete(id);
        this.freeIds.push(id);
        this.freeDescs += num;
      }
      out.push({ id, len, writable: f?.writable ?? [], tag: f?.tag });
      this.nextUsed += num;
      if (this.nextUsed >= this.size) {
        this.nextUsed -= this.size;
        this.usedWrap ^= 1;
      }
      if (f === undefined) return out;
    }
  }

  /** Driver event suppression (§2.8.10): flags 0 enable, 1 disable, 2 at (offset, wrap). */
  setEvent(flags: number, offset = 0, wrap = 0): void {
    this.mem.setU16(this.avail, (offset & 0x7fff) | ((wrap & 1) << 15));
    this.mem.setU16(this.avail + 2, flags);
  }

  /** The device's position for used descriptors as this driver tracks it. */
  usedPosition(): { slot: number; wrap: number } {
    return { slot: this.nextUsed, wrap: this.usedWrap };
  }
}
