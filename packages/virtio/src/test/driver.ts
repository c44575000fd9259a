import { Bus, BusDmaSpace, type RamRegion } from "@armature/core";

/** Guest RAM on a bus with a bump allocator: what a test driver puts rings and buffers in. */
export class GuestMemory {
  readonly bus = new Bus();
  readonly ram: RamRegion;
  readonly dma: BusDmaSpace;
  private next: number;

  constructor(
    readonly base = 0x4000_0000,
    readonly size = 16 << 20,
  ) {
    this.ram = this.bus.addRam("ram", base, size);
    this.dma = new BusDmaSpace(this.bus);
    this.next = base;
  }

  /** Allocate `size` bytes aligned to `align`. */
  alloc(size: number, align = 16): number {
    const a = Math.ceil(this.next / align) * align;
    if (a + size > this.base + this.size) throw new Error("GuestMemory: out of test RAM");
    this.next = a + size;
    return a;
  }

  /**
   * Place a chain's buffers: readable ones get their bytes, writable ones are filled with 0xcc (so
   * that what the device did not write shows).
   */
  place(bufs: readonly DriverBuffer[]): Segment[] {
    return bufs.map((b) => {
      if ("readable" in b) {
        const addr = this.alloc(Math.max(1, b.readable.length), 8);
        this.write(addr, b.readable);
        return { addr, len: b.readable.length, write: false };
      }
      const addr = this.alloc(Math.max(1, b.writable), 8);
      this.bytes(addr, b.writable).fill(0xcc);
      return { addr, len: b.writable, write: true };
    });
  }

  /** The first `len` bytes across `buffers`, in order (what a device wrote into a chain). */
  gather(buffers: ReadonlyArray<{ addr: number; len: number }>, len: number): Uint8Array {
    const out = new Uint8Array(len);
    let done = 0;
    for (const w of buffers) {
      const n = Math.min(w.len, len - done);
      out.set(this.bytes(w.addr, n), done);
      done += n;
      if (done === len) break;
    }
    return out;
  }

  /** Forget every allocation (the memory itself is kept). */
  resetAllocator(): void {
    this.next = this.base;
  }

  bytes(addr: number, len: number): Uint8Array {
    const o = addr - this.base;
    return this.ram.u8.subarray(o, o + len);
  }
  write(addr: number, data: Uint8Array): void {
    this.ram.u8.set(data, addr - this.base);
  }
  u16(addr: number): number {
    return this.ram.readU16(addr - this.base);
  }
  setU16(addr: number, v: number): void {
    this.ram.writeU16(addr - this.base, v);
  }
  u32(addr: number): number {
    return this.ram.readU32(addr - this.base);
  }
  setU32(addr: number, v: number): void {
    this.ram.writeU32(addr - this.base, v);
  }
  setU64(addr: number, v: number): void {
    this.setU32(addr, v % 2 ** 32);
    this.setU32(addr + 4, Math.floor(v / 2 ** 32));
  }
}

/** One buffer of a request: bytes the device reads, or a length the device may write. */
export type DriverBuffer = { readable: Uint8Array } | { writable: number };

/** A buffer placed in guest memory: readable (device reads) or writable (device writes). */
export interface Segment {
  addr: number;
  len: number;
  write: boolean;
}

/** How a chain is added: through an indirect table, with a tag, published now (default) or later. */
export interface ChainOptions {
  indirect?: boolean;
  tag?: unknown;
  publish?: boolean;
}

/** A request as the device completed it. */
export interface UsedBuffer {
  id: number;
  len: number;
  /** The writable buffers' addresses and lengths, in order, to read results back. */
  writable: Array<{ addr: number; len: number }>;
  /** Caller's tag given to `add`. */
  tag: unknown;
}

/**
 * What the split and packed test drivers share: the three areas in guest memory (allocated and
 * zeroed in order: descriptors, driver area, device area), the addresses a device's queue
 * configuration takes, adding buffers placed in guest memory, and reading back what the device
 * wrote.
 */
export abstract class DriverQueueBase {
  readonly desc: number;
  readonly avail: number;
  readonly used: number;

  constructor(
    readonly mem: GuestMemory,
    readonly size: number,
    driverArea: readonly [bytes: number, align: number],
    deviceArea: readonly [bytes: number, align: number],
  ) {
    this.desc = mem.alloc(16 * size, 16);
    this.avail = mem.alloc(driverArea[0], driverArea[1]);
    this.used = mem.alloc(deviceArea[0], deviceArea[1]);
    mem.bytes(this.desc, 16 * size).fill(0);
    mem.bytes(this.avail, driverArea[0]).fill(0);
    mem.bytes(this.used, deviceArea[0]).fill(0);
  }

  /** The ring addresses as a device's queue configuration takes them. */
  rings(): { descAddr: number; driverAddr: number; deviceAddr: number } {
    return { descAddr: this.desc, driverAddr: this.avail, deviceAddr: this.used };
  }

  /** Place `bufs` in guest memory and add them as one chain (see addSegments). */
  add(bufs: readonly DriverBuffer[], opts: ChainOptions = {}): number {
    return this.addSegments(this.mem.place(bufs), opts);
  }

  /** Add a chain over segments already in guest memory; -1 when the ring has no room. */
  abstract addSegments(segs: readonly Segment[], opts?: ChainOptions): number;

  /** Read back the bytes a used buffer's writable part holds (`len` bytes across its buffers). */
  readWritten(u: UsedBuffer, len = u.len): Uint8Array {
    return this.mem.gather(u.writable, len);
  }
}

/**
 * The driver side of a split virtqueue (virtio 1.2 §2.7), written from the spec for tests: it
 * allocates the descriptor table and rings in a GuestMemory, adds chains (direct or through an
 * indirect table), publishes them, and collects used buffers.
 */
export class DriverSplitQueue extends DriverQueueBase {
  private free: number[];
  private availIdx = 0;
  private lastUsed = 0;
  private readonly inflight = new Map<
    number,
    { descs: number[]; writable: Array<{ addr: number; len: number }>; tag: unknown }
  >();

  constructor(mem: GuestMemory, size: number) {
    super(mem, size, [6 + 2 * size, 2], [6 + 8 * size, 4]);
    this.free = Array.from({ length: size }, (_, i) => i);
  }

  /** Start both ring indices at `idx` (pair with SplitQueue.restore) to exercise wrap-around. */
  startAt(idx: number): void {
    this.availIdx = idx & 0xffff;
    this.lastUsed = idx & 0xffff;
    this.mem.setU16(this.avail + 2, this.availIdx);
    this.mem.setU16(this.used + 2, this.lastUsed);
  }

  get freeCount(): number {
    return this.free.length;
  }

  private writeDesc(table: number, i: number, addr: number, len: number, flags: number, next: number): void {
    const a = table + 16 * i;
    this.mem.setU64(a, addr);
    this.mem.setU32(a + 8, len);
    this.mem.setU16(a + 12, flags);
    this.mem.setU16(a + 14, next);
  }

  /**
   * Add a chain over buffers the caller already placed in guest memory (no allocation except an
   * indirect table): readable segments first, then writable ones, published in the available
   * ring (unless `publish` is false). With `indirect`, the chain goes into an indirect table
   * referenced by one descriptor. Returns the head index, or -1 if there are not enough free
   * descriptors.
   */
  addSegments(segs: readonly Segment[], opts: ChainOptions = {}): number {
    const writable = segs.filter((s) => s.write).map((s) => ({ addr: s.addr, len: s.len }));
    let descs: number[];
    if (opts.indirect) {
      if (this.free.length < 1) return -1;
      const table = this.mem.alloc(16 * segs.length, 16);
      segs.forEach((s, i) => {
        const last = i === segs.length - 1;
        this.writeDesc(table, i, s.addr, s.len, (s.write ? 2 : 0) | (last ? 0 : 1), last ? 0 : i + 1);
      });
      descs = [this.free.shift()!];
      this.writeDesc(this.desc, descs[0]!, table, 16 * segs.length, 4, 0);
    } else {
      if (this.free.length < segs.length || segs.length === 0) return -1;
      descs = this.free.splice(0, segs.length);
      segs.forEach((s, i) => {
        const last = i === segs.length - 1;
        this.writeDesc(
          this.desc,
          descs[i]!,
          s.addr,
          s.len,
          (s.write ? 2 : 0) | (last ? 0 : 1),
          last ? 0 : descs[i + 1]!,
        );
      });
    }
    const head = descs[0]!;
    this.inflight.set(head, { descs, writable, tag: opts.tag });
    this.mem.setU16(this.avail + 4 + 2 * (this.availIdx % this.size), head);
    this.availIdx = (this.availIdx + 1) & 0xffff;
    if (opts.publish ?? true) this.publish();
    return head;
  }

  /** Write avail->idx (makes every added chain visible). */
  publish(): void {
    this.mem.setU16(this.avail + 2, this.availIdx);
  }

  /** Collect used buffers since the last call, freeing their descriptors. */
  takeUsed(): UsedBuffer[] {
    const out: UsedBuffer[] = [];
    const idx = this.mem.u16(this.used + 2);
    while (this.lastUsed !== idx) {
      const e = this.used + 4 + 8 * (this.lastUsed % this.size);
      const id = this.mem.u32(e);
      const len = this.mem.u32(e + 4);
      const f = this.inflight.get(id);
      if (f !== undefined) {
        this.inflight.delete(id);
        this.free.push(...f.descs);
      }
      out.push({ id, len, writable: f?.writable ?? [], tag: f?.tag });
      this.lastUsed = (this.lastUsed + 1) & 0xffff;
    }
    return out;
  }

  /** used_event (EVENT_IDX): interrupt me when the used index passes `v`. */
  setUsedEvent(v: number): void {
    this.mem.setU16(this.avail + 4 + 2 * this.size, v & 0xffff);
  }
  /** avail->flags NO_INTERRUPT. */
  setNoInterrupt(on: boolean): void {
    this.mem.setU16(this.avail, on ? 1 : 0);
  }
  /** avail_event the device wrote (EVENT_IDX). */
  availEvent(): number {
    return this.mem.u16(this.used + 4 + 8 * this.size);
  }
  usedIdx(): number {
    return this.mem.u16(this.used + 2);
  }
}
