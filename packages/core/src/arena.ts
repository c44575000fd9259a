/*
 * One WebAssembly.Memory holding guest RAM and per-CPU state (the translator's back end: code generated as
 * WebAssembly reaches guest RAM, the register file and the software TLB through one memory, since
 * Node 20 has no multi-memory). The memory is shared (a SharedArrayBuffer): growing it does not
 * detach the buffers handed out before, so views made earlier stay valid and only new allocations
 * see the larger buffer.
 */
import { ConfigError } from "./errors.js";
import { RamRegion } from "./memory.js";

/** The part of the host's WebAssembly API used here (the TypeScript lib in use does not declare it). */
export interface WasmMemory {
  readonly buffer: ArrayBuffer | SharedArrayBuffer;
  grow(pages: number): number;
}
export type WasmModule = object;
export interface WasmInstance {
  readonly exports: Record<string, unknown>;
}
export interface WasmTable {
  readonly length: number;
  grow(n: number): number;
  set(i: number, f: unknown): void;
}
export interface WasmApi {
  Memory: new (d: { initial: number; maximum?: number; shared?: boolean }) => WasmMemory;
  Table: new (d: { element: "anyfunc"; initial: number; maximum?: number }) => WasmTable;
  Module: new (bytes: Uint8Array) => WasmModule;
  Instance: new (m: WasmModule, imports: Record<string, Record<string, unknown>>) => WasmInstance;
  validate(bytes: Uint8Array): boolean;
  compile(bytes: Uint8Array): Promise<WasmModule>;
}
/** The host's WebAssembly namespace, typed (undefined where the host has none). */
export const wasmApi: WasmApi | undefined = (globalThis as unknown as { WebAssembly?: WasmApi }).WebAssembly;

const WASM_PAGE = 65536;
/**
 * The largest arena: every offset fits a non-negative int32, so per-entry tables can use -1 as
 * "not in the arena" and generated code can add offsets without unsigned care (2 GiB - 64 KiB).
 */
export const MAX_ARENA_BYTES = 2 ** 31 - WASM_PAGE;

export interface ArenaOptions {
  /** Upper bound of the arena in bytes (rounded up to 64 KiB; default and at most MAX_ARENA_BYTES). */
  maxBytes?: number;
}

/** A bump allocator over one shared `WebAssembly.Memory` (guest RAM regions and CPU state). */
export class Arena {
  readonly memory: WasmMemory;
  /** The arena's size limit in bytes. */
  readonly maxBytes: number;
  private top = 0;
  private readonly offsets = new WeakMap<RamRegion, number>();

  constructor(opts: ArenaOptions = {}) {
    const max = opts.maxBytes ?? MAX_ARENA_BYTES;
    if (!Number.isSafeInteger(max) || max <= 0 || max > MAX_ARENA_BYTES)
      throw new ConfigError(`arena: maxBytes ${max} must be a positive integer up to ${MAX_ARENA_BYTES}`);
    const pages = Math.ceil(max / WASM_PAGE);
    this.maxBytes = pages * WASM_PAGE;
    if (wasmApi === undefined) throw new ConfigError("arena: this host has no WebAssembly");
    this.memory = new wasmApi.Memory({ initial: 1, maximum: pages, shared: true });
  }

  /** Bytes allocated so far (the next allocation's offset before alignment). */
  get used(): number {
    return this.top;
  }

  /**
   * Reserve `bytes` (zeroed) aligned to `align` (a power of two, default 64); returns the offset
   * in the memory. Grows the memory as needed; a ConfigError past `maxBytes`.
   */
  alloc(bytes: number, align = 64): number {
    if (!Number.isSafeInteger(bytes) || bytes <= 0)
      throw new ConfigError(`arena: cannot allocate ${bytes} bytes (a positive integer is needed)`);
    if (!Number.isInteger(align) || align <= 0 || (align & (align - 1)) !== 0)
      throw new ConfigError(`arena: alignment ${align} is not a power of two`);
    const off = Math.ceil(this.top / align) * align;
    const end = off + bytes;
    if (end > this.maxBytes)
      throw new ConfigError(
        `arena: ${bytes} bytes at offset ${off} do not fit (limit ${this.maxBytes} bytes; give a larger maxBytes)`,
      );
    const have = this.memory.buffer.byteLength;
    if (end > have) this.memory.grow(Math.ceil((end - have) / WASM_PAGE));
    this.top = end;
    return off;
  }

  /** The memory's current buffer (grows replace it; earlier buffers stay valid for their length). */
  get buffer(): SharedArrayBuffer {
    return this.memory.buffer as SharedArrayBuffer;
  }

  /** A RAM region of `size` bytes at guest-physical `base`, its bytes inside the arena. */
  ram(name: string, base: number, size: number): RamRegion {
    if (!Number.isSafeInteger(size) || size <= 0)
      throw new ConfigError(`RAM region "${name}": size ${size} must be a positive integer`);
    // page-aligned, so a guest page never straddles a 4 KB boundary of the host offsets either
    const off = this.alloc(size, 4096);
    const r = new RamRegion(name, base, this.buffer, off, size);
    this.offsets.set(r, off);
    return r;
  }

  /** `count` zeroed int32 slots in the arena, as a view (its byteOffset is the offset). */
  int32(count: number): Int32Array {
    const off = this.alloc(4 * count, 64);
    return new Int32Array(this.buffer, off, count);
  }

  /** The arena offset of a region's first byte, or -1 when the region's bytes are not in this arena. */
  offsetOf(region: RamRegion): number {
    return this.offsets.get(region) ?? -1;
  }
}
