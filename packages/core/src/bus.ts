import { Arena, wasmApi } from "./arena.js";
import { BusError, ConfigError, RegionOverlapError } from "./errors.js";
import { type GuestBuffer, MAX_RAM_REGION, type PhysAddr, RamRegion } from "./memory.js";

/** Sizes of a single bus access, in bytes. */
export type AccessSize = 1 | 2 | 4 | 8;

/**
 * A memory-mapped device. The bus passes the offset from the region's base.
 *
 * 64-bit values: accesses of 1, 2 and 4 bytes carry a `number` (unsigned). An 8-byte access calls
 * `read64`/`write64` with a bigint when the device implements them; otherwise the bus performs two
 * 4-byte accesses, low word (offset) first, then high word (offset + 4) — the way most 64-bit
 * device registers (GICv3, PCI BARs, virtio) are specified to tolerate. RAM never goes through
 * this path: the CPU and DMA read RAM's typed arrays directly, so bigint costs only MMIO.
 */
export interface MmioDevice {
  read(offset: number, size: 1 | 2 | 4): number;
  write(offset: number, size: 1 | 2 | 4, value: number): void;
  read64?(offset: number): bigint;
  write64?(offset: number, value: bigint): void;
}

export class MmioRegion {
  readonly kind = "mmio" as const;
  constructor(
    readonly name: string,
    readonly base: PhysAddr,
    readonly size: number,
    readonly device: MmioDevice,
  ) {}
  contains(addr: PhysAddr, len = 1): boolean {
    return addr >= this.base && addr + len <= this.base + this.size;
  }
}

export type Region = RamRegion | MmioRegion;

/**
 * A guest-physical address space of RAM and MMIO regions.
 *
 * Rules: regions never overlap (placing one that does throws RegionOverlapError naming both).
 * An access wholly inside one region goes to it (MMIO devices see unaligned offsets as they come).
 * An access that crosses regions is composed byte by byte when every byte is RAM, and is refused
 * with BusError("straddle") — before any side effect — when MMIO is involved. An access that
 * touches no region throws BusError("unmapped"). Nothing is silently dropped.
 */
export interface BusOptions {
  /**
   * Allocate the RAM of `addRam(name, base, size)` inside this arena (one WebAssembly.Memory with
   * the CPUs' state: the translator's WebAssembly back end needs it). `"auto"` (what the boards
   * pass): a new arena unless the environment sets ARMATURE_ARENA=0 or ARMATURE_JIT_BACKEND=js, and
   * a region that would not leave AUTO_ARENA_KEEP bytes free in it is allocated outside it (the
   * translator reaches such RAM through its slow path; `addRamParts` splits it instead). Default: none, unless the environment sets
   * ARMATURE_ARENA=1 or ARMATURE_JIT_BACKEND=wasm (then a new arena per bus).
   */
  arena?: Arena | "auto";
}

/** What an `"auto"` arena keeps free for the CPUs' state when it places RAM (BusOptions.arena). */
export const AUTO_ARENA_KEEP = 16 << 20;

/** Where `Bus.addRamParts` may split RAM between the arena and the outside: a 2 MiB (block mapping) boundary. */
export const RAM_SPLIT_ALIGN = 2 << 20;
/**
 * The low RAM `Bus.addRamParts` keeps in the arena when it splits: the kernel image and its data
 * (a loader puts them first), the initrd (at base + 128 MiB) and the DTB after it.
 */
export const RAM_SPLIT_LOW = 256 << 20;

function envOf(): Record<string, string | undefined> | undefined {
  return typeof process === "undefined" ? undefined : process.env;
}

/** A new arena when the environment asks for one (BusOptions.arena). */
function envArena(): Arena | undefined {
  const env = envOf();
  if (env?.ARMATURE_ARENA === "1" || env?.ARMATURE_JIT_BACKEND === "wasm") return new Arena();
  return undefined;
}

/** BusOptions.arena "auto": an arena unless the environment turns it off or the host has no WebAssembly. */
function autoArena(): Arena | undefined {
  const env = envOf();
  if (env?.ARMATURE_ARENA === "0" || env?.ARMATURE_JIT_BACKEND === "js" || wasmApi === undefined)
    return undefined;
  return new Arena();
}

export class Bus {
  private regions: Region[] = [];
  private last: Region | undefined;
  /** Where `addRam` with a size allocates (see BusOptions.arena); the CPUs put their state there too. */
  readonly arena: Arena | undefined;
  /** "auto": RAM that does not fit the arena goes outside it instead of failing. */
  private readonly arenaSpill: boolean;
  private spilled = false;

  constructor(opts: BusOptions = {}) {
    this.arenaSpill = opts.arena === "auto";
    this.arena = opts.arena === "auto" ? autoArena() : (opts.arena ?? envArena());
  }

  /** Whether a RAM region was placed outside the arena ("auto" only): then not all RAM is in it. */
  get arenaSpilled(): boolean {
    return this.spilled;
  }

  addRam(name: string, base: PhysAddr, sizeOrBuffer: number | GuestBuffer): RamRegion {
    const spill =
      this.arena !== undefined &&
      this.arenaSpill &&
      typeof sizeOrBuffer === "number" &&
      this.arena.used + sizeOrBuffer + AUTO_ARENA_KEEP > this.arena.maxBytes;
    const r =
      this.arena !== undefined && typeof sizeOrBuffer === "number" && !spill
        ? this.arena.ram(name, base, sizeOrBuffer)
        : new RamRegion(name, base, sizeOrBuffer);
    if (spill) this.spilled = true;
    this.insert(r);
    return r;
  }

  /**
   * `size` bytes of RAM at `base` as adjacent regions, lowest first: one region, as `addRam`, when
   * it fits where `addRam` would put it. With an "auto" arena that cannot hold it all, the arena
   * gets what fits leaving AUTO_ARENA_KEEP free (a RAM_SPLIT_ALIGN multiple): the lowest
   * RAM_SPLIT_LOW bytes (`name`: a loader's kernel, initrd and DTB) and the top of the RAM
   * (`name-top`: Linux's memblock allocates top-down and its page allocator hands out high pages
   * first); the middle goes outside it (`name-mid`, in MAX_RAM_REGION pieces). The translator's
   * WebAssembly blocks reach the arena's parts inline and the middle through their slow path, so a
   * split does not set `arenaSpilled`.
   */
  addRamParts(name: string, base: PhysAddr, size: number): RamRegion[] {
    const a = this.arena;
    if (a === undefined || !this.arenaSpill || !Number.isSafeInteger(size) || size % 4096 !== 0)
      return [this.addRam(name, base, size)];
    const free = a.maxBytes - Math.ceil(a.used / 4096) * 4096 - AUTO_ARENA_KEEP;
    const fit = Math.floor(free / RAM_SPLIT_ALIGN) * RAM_SPLIT_ALIGN;
    if (fit >= size || fit <= 0) return [this.addRam(name, base, size)];
    const low = Math.min(fit, RAM_SPLIT_LOW);
    const top = fit - low;
    const parts = low > 0 ? [this.addRam(name, base, low)] : [];
    for (let off = low; off < size - top; off += MAX_RAM_REGION) {
      const n = Math.min(MAX_RAM_REGION, size - top - off);
      parts.push(this.add(new RamRegion(off === low ? `${name}-mid` : `${name}-mid@${off}`, base + off, n)));
    }
    if (top > 0) parts.push(this.addRam(`${name}-top`, base + size - top, top));
    return parts;
  }

  addMmio(name: string, base: PhysAddr, size: number, device: MmioDevice): MmioRegion {
    if (!Number.isSafeInteger(base) || base < 0 || !Number.isSafeInteger(size) || size <= 0) {
      throw new ConfigError(`MMIO region "${name}": base and size must be non-negative integers, size > 0`);
    }
    const r = new MmioRegion(name, base, size, device);
    this.insert(r);
    return r;
  }

  /** Place an already-built region (e.g. a RamRegion over a SharedArrayBuffer). */
  add<R extends Region>(region: R): R {
    this.insert(region);
    return region;
  }

  remove(region: Region): void {
    const i = this.regions.indexOf(region);
    if (i < 0) throw new ConfigError(`region "${region.name}" is not on this bus`);
    this.regions.splice(i, 1);
    this.last = undefined;
  }

  /** All regions, sorted by base. */
  list(): readonly Region[] {
    return this.regions;
  }

  /** The region containing `addr`, or undefined. O(log n), with a last-hit cache. */
  find(addr: PhysAddr): Region | undefined {
    const l = this.last;
    if (l !== undefined && addr >= l.base && addr < l.base + l.size) return l;
    const rs = this.regions;
    let lo = 0;
    let hi = rs.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const r = rs[mid]!;
      if (addr < r.base) hi = mid - 1;
      else if (addr >= r.base + r.size) lo = mid + 1;
      else {
        this.last = r;
        return r;
      }
    }
    return undefined;
  }

  /** The RAM region holding all of [addr, addr+len), or undefined. */
  findRam(addr: PhysAddr, len = 1): RamRegion | undefined {
    const r = this.find(addr);
    return r !== undefined && r.kind === "ram" && addr + len <= r.base + r.size ? r : undefined;
  }

  read(addr: PhysAddr, size: 1 | 2 | 4): number {
    const r = this.find(addr);
    if (r !== undefined && addr + size <= r.base + r.size) {
      const off = addr - r.base;
      if (r.kind === "ram") {
        return size === 4 ? r.readU32(off) : size === 2 ? r.readU16(off) : r.readU8(off);
      }
      return r.device.read(off, size);
    }
    return this.readSplit(addr, size);
  }

  write(addr: PhysAddr, size: 1 | 2 | 4, value: number): void {
    const r = this.find(addr);
    if (r !== undefined && addr + size <= r.base + r.size) {
      const off = addr - r.base;
      if (r.kind === "ram") {
        if (size === 4) r.writeU32(off, value);
        else if (size === 2) r.writeU16(off, value);
        else r.writeU8(off, value);
        return;
      }
      r.device.write(off, size, size === 4 ? value >>> 0 : value & (size === 2 ? 0xffff : 0xff));
      return;
    }
    this.writeSplit(addr, size, value);
  }

  read64(addr: PhysAddr): bigint {
    const r = this.find(addr);
    if (r !== undefined && addr + 8 <= r.base + r.size) {
      const off = addr - r.base;
      if (r.kind === "ram") return r.readU64(off);
      const d = r.device;
      if (d.read64 !== undefined) return BigInt.asUintN(64, d.read64(off));
      const lo = d.read(off, 4) >>> 0;
      const hi = d.read(off + 4, 4) >>> 0;
      return (BigInt(hi) << 32n) | BigInt(lo);
    }
    this.checkRamOnly(addr, 8, false);
    let v = 0n;
    for (let i = 7; i >= 0; i--) v = (v << 8n) | BigInt(this.read(addr + i, 1));
    return v;
  }

  write64(addr: PhysAddr, value: bigint): void {
    const v = BigInt.asUintN(64, value);
    const r = this.find(addr);
    if (r !== undefined && addr + 8 <= r.base + r.size) {
      const off = addr - r.base;
      if (r.kind === "ram") {
        r.writeU64(off, v);
        return;
      }
      const d = r.device;
      if (d.write64 !== undefined) {
        d.write64(off, v);
        return;
      }
      d.write(off, 4, Number(v & 0xffffffffn));
      d.write(off + 4, 4, Number(v >> 32n));
      return;
    }
    this.checkRamOnly(addr, 8, true);
    for (let i = 0; i < 8; i++) this.write(addr + i, 1, Number((v >> BigInt(8 * i)) & 0xffn));
  }

  /** Copy guest memory into `dst`. RAM only (MMIO is refused); spans adjacent RAM regions. */
  readBytes(addr: PhysAddr, dst: Uint8Array): void {
    const at = this.copyRam(addr, dst, false);
    if (at >= 0)
      throw new BusError(
        this.find(at) === undefined ? "unmapped" : "straddle",
        at,
        addr + dst.length - at,
        false,
      );
  }

  /** Copy `src` into guest memory. RAM only; checked wholly before any byte is written. */
  writeBytes(addr: PhysAddr, src: Uint8Array): void {
    this.checkRamOnly(addr, src.length, true);
    this.copyRam(addr, src, true);
  }

  /**
   * Copy between `buf` and the RAM at [addr, addr + buf.length), across adjacent RAM regions:
   * into `buf`, or from it when `write` (a write is checked wholly before any byte is written).
   * Returns -1 when done, else the first address that is not RAM (a read has copied up to it).
   */
  copyRam(addr: PhysAddr, buf: Uint8Array, write: boolean): number {
    const end = addr + buf.length;
    if (write) {
      for (let a = addr; a < end; ) {
        const r = this.findRam(a);
        if (r === undefined) return a;
        a = r.base + r.size;
      }
    }
    for (let a = addr; a < end; ) {
      const r = this.findRam(a);
      if (r === undefined) return a;
      const off = a - r.base;
      const n = Math.min(end - a, r.size - off);
      const done = a - addr;
      if (write) r.u8.set(buf.subarray(done, done + n), off);
      else buf.set(r.u8.subarray(off, off + n), done);
      a += n;
    }
    return -1;
  }

  private readSplit(addr: PhysAddr, size: number): number {
    this.checkRamOnly(addr, size, false);
    let v = 0;
    for (let i = size - 1; i >= 0; i--) v = v * 256 + this.read(addr + i, 1);
    return v;
  }

  private writeSplit(addr: PhysAddr, size: number, value: number): void {
    this.checkRamOnly(addr, size, true);
    for (let i = 0; i < size; i++) this.write(addr + i, 1, (value >>> (8 * i)) & 0xff);
  }

  /** Every byte of [addr, addr+len) must be RAM, else throw (unmapped first, then straddle). */
  private checkRamOnly(addr: PhysAddr, len: number, write: boolean): void {
    let a = addr;
    const end = addr + len;
    let sawMmio = false;
    while (a < end) {
      const r = this.find(a);
      if (r === undefined) throw new BusError("unmapped", addr, len, write);
      if (r.kind !== "ram") sawMmio = true;
      a = r.base + r.size;
    }
    if (sawMmio) throw new BusError("straddle", addr, len, write);
  }

  private insert(r: Region): void {
    const rs = this.regions;
    let i = 0;
    while (i < rs.length && rs[i]!.base < r.base) i++;
    const prev = rs[i - 1];
    const next = rs[i];
    if (prev !== undefined && prev.base + prev.size > r.base) throw new RegionOverlapError(prev, r);
    if (next !== undefined && r.base + r.size > next.base) throw new RegionOverlapError(next, r);
    rs.splice(i, 0, r);
    this.last = undefined;
  }
}
