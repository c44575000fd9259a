/**
 * A small host-side translation-table writer for tests (stage 1 or stage 2, 4KB/16KB/64KB,
 * any input size): allocates tables from a bump region and writes table, block and page
 * descriptors. Not a model of anything: a convenience for setting up guest memory.
 */
import type { RamRegion } from "@armature/core";
import type { RandomTableMemory } from "./random-memory.js";

/** 64-bit little-endian words of guest memory, as the builder needs them. */
export interface WordStore {
  get(pa: number): bigint;
  put(pa: number, value: bigint): void;
}

/** A WordStore over a RamRegion (guest-physical addresses). */
export function ramWords(ram: RamRegion): WordStore {
  return {
    get: (pa) => ram.readU64(pa - ram.base),
    put: (pa, v) => ram.writeU64(pa - ram.base, v),
  };
}

/** A WordStore over a test memory (RandomTableMemory / SparseMemory). */
export function memWords(mem: RandomTableMemory): WordStore {
  return { get: (pa) => mem.read(BigInt(pa)) ?? 0n, put: (pa, v) => mem.set(pa, v) };
}

/** Descriptor attribute bits (stage 1 unless noted). */
export const Desc = {
  Valid: 1n,
  Table: 3n,
  Page: 3n,
  Block: 1n,
  AttrIndx: (i: number): bigint => BigInt(i & 7) << 2n,
  /** AP[2:1]: 0 EL1 RW, 1 EL0+EL1 RW, 2 EL1 RO, 3 EL0+EL1 RO. */
  AP: (ap: number): bigint => BigInt(ap & 3) << 6n,
  /** Stage 2 S2AP[1:0]: bit 0 read, bit 1 write. */
  S2AP: (ap: number): bigint => BigInt(ap & 3) << 6n,
  /** Stage 2 MemAttr[3:0]. */
  MemAttr: (m: number): bigint => BigInt(m & 15) << 2n,
  SH: (sh: number): bigint => BigInt(sh & 3) << 8n,
  AF: 1n << 10n,
  nG: 1n << 11n,
  DBM: 1n << 51n,
  Contiguous: 1n << 52n,
  PXN: 1n << 53n,
  UXN: 1n << 54n,
  PXNTable: 1n << 59n,
  UXNTable: 1n << 60n,
  APTableNoEl0: 1n << 61n,
  APTableNoWrite: 1n << 62n,
} as const;

export class PageTableBuilder {
  private next: number;
  readonly stride: number;
  readonly startLevel: number;

  /**
   * `granule` log2 (12/14/16); `inputSize` in bits (64 - TnSZ); `startLevel` defaults to the
   * stage 1 start level for that size (give it for stage 2 with concatenated tables);
   * tables are allocated upwards from `allocBase`.
   */
  constructor(
    readonly words: WordStore,
    readonly granule: 12 | 14 | 16,
    readonly inputSize: number,
    allocBase: number,
    startLevel?: number,
  ) {
    this.stride = granule - 3;
    this.startLevel = startLevel ?? 4 - (1 + Math.floor((inputSize - granule - 1) / this.stride));
    this.next = allocBase;
  }

  /** A zeroed, granule-aligned table (or `bytes` of concatenated tables); returns its address. */
  alloc(bytes = 2 ** this.granule): number {
    const align = Math.max(bytes, 2 ** this.granule);
    this.next = Math.ceil(this.next / align) * align;
    const t = this.next;
    this.next += Math.max(bytes, 2 ** this.granule);
    for (let a = t; a < t + bytes; a += 8) this.words.put(a, 0n);
    return t;
  }

  /** Address of the descriptor for `va` at `level`, creating table descriptors above it (with `tableBits`). */
  slot(root: number, va: bigint, level: number, tableBits = 0n): number {
    let base = root;
    let top = this.inputSize - 1;
    for (let l = this.startLevel; ; l++) {
      const bottom = (3 - l) * this.stride + this.granule;
      const idx = Number((va >> BigInt(bottom)) & ((1n << BigInt(top - bottom + 1)) - 1n));
      const at = base + idx * 8;
      if (l === level) return at;
      const d = this.words.get(at);
      if ((d & 3n) === 3n) {
        const addr = Number(d & ((1n << 48n) - 1n));
        base = addr - (addr % 2 ** this.granule);
      } else {
        base = this.alloc();
        this.words.put(at, BigInt(base) | Desc.Table | tableBits);
      }
      top = bottom - 1;
    }
  }

  /** Map `va` to `oa` with a leaf at `level` (3 = page, else block); `attrs` are ORed in (add Desc.AF). */
  map(root: number, va: bigint, oa: number, level: number, attrs: bigint): void {
    const leaf = level === 3 ? Desc.Page : Desc.Block;
    this.words.put(this.slot(root, va, level), BigInt(oa) | attrs | leaf);
  }

  /** Write an invalid descriptor for `va` at `level` (tables above it are kept). */
  unmap(root: number, va: bigint, level: number): void {
    this.words.put(this.slot(root, va, level), 0n);
  }
}
