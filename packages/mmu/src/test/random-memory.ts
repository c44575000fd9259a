/**
 * "Random page tables in random memory": a sparse 64-bit word store whose unwritten words are a
 * deterministic hash of (seed, address) shaped like descriptors (mostly valid tables/pages,
 * some blocks, some invalid; random attribute, permission and hierarchical bits; output
 * addresses inside a window, sometimes anywhere in 48 bits or with PA[51:48] set), plus optional
 * external-abort holes. Both walkers read the same words; written words (HA/HD updates) live in
 * an overlay. Serves the fast walker (DescriptorMemory) and the reference walker (RefMemory).
 */
import { Cas, type DescriptorMemory } from "../types.js";
import type { RefMemory } from "./reference.js";

const TWO32 = 4294967296;

function mix(x: number): number {
  x = Math.imul(x ^ (x >>> 16), 0x85ebca6b);
  x = Math.imul(x ^ (x >>> 13), 0xc2b2ae35);
  return (x ^ (x >>> 16)) >>> 0;
}

export interface RandomMemoryOptions {
  seed: number;
  /** Output addresses mostly fall below 2^windowBits (32..48). */
  windowBits: number;
  /** Make about 1/64 of the 1MB-aligned regions abort. */
  aborts: boolean;
  /** Out of 32 generated words, how many are invalid descriptors (default 3). */
  invalid?: number;
}

export class RandomTableMemory implements DescriptorMemory, RefMemory {
  readonly overlay = new Map<number, [number, number]>();
  reads = 0;
  constructor(readonly opts: RandomMemoryOptions) {}

  clone(): RandomTableMemory {
    const m = new (this.constructor as new (o: RandomMemoryOptions) => RandomTableMemory)(this.opts);
    for (const [k, v] of this.overlay) m.overlay.set(k, [v[0], v[1]]);
    return m;
  }

  /** Whether a read at `pa` aborts. */
  aborts(pa: number): boolean {
    if (!this.opts.aborts) return false;
    return ((pa / 1048576) & 63) === 63;
  }

  /** The generated (never-written) word at `pa`. */
  generated(pa: number): [number, number] {
    const s = this.opts.seed;
    const pl = pa >>> 0;
    const ph = Math.floor(pa / TWO32);
    const a = mix(pl ^ mix(ph ^ s));
    const b = mix(a ^ 0x9e3779b9);
    const c = mix(b ^ 0x7f4a7c15);
    const d = mix(c ^ 0x94d049bb);
    const t = a & 31;
    const inv = this.opts.invalid ?? 3;
    let lo = b & 0xffc;
    lo |= t < inv ? 0 : t < inv + 6 ? 1 : 3;
    if (t < inv) lo |= (a >>> 8) & 2;
    if (((b >>> 12) & 15) !== 0) lo |= 0x400; // AF set 15/16 of the time
    if (((b >>> 16) & 7) !== 0) lo |= 0x40; // AP[1] / S2AP[0] (read) set 7/8 of the time
    const w = this.opts.windowBits;
    const sel = (a >>> 4) & 31;
    let addrHi: number;
    let addrLo: number;
    if (sel === 0) {
      addrHi = c & 0xffff; // anywhere in 48 bits
      addrLo = d & 0xffff0000;
    } else {
      addrHi = w > 32 ? c % 2 ** (w - 32) : 0;
      addrLo = w >= 32 ? d & 0xffff0000 : d & 0xffff0000 & (2 ** w - 1);
    }
    if (sel === 1 || sel === 2) addrLo |= d & 0xf000; // PA[51:48] for 64KB descriptors / low 4KB bits
    lo = (lo | addrLo) >>> 0;
    const attrsHi = (b >>> 16) & (c >>> 16) & (a >>> 16) & 0xfff8; // bits 63:51, ~1/8 each
    const hi = ((attrsHi << 16) | addrHi) >>> 0;
    return [lo, hi];
  }

  word(pa: number): [number, number] {
    return this.overlay.get(pa) ?? this.generated(pa);
  }

  read64(pa: number, out: Uint32Array): boolean {
    this.reads++;
    if (this.aborts(pa)) return false;
    const w = this.word(pa);
    out[0] = w[0];
    out[1] = w[1];
    return true;
  }

  cas64(pa: number, expLo: number, expHi: number, newLo: number, newHi: number): number {
    if (this.aborts(pa)) return Cas.Abort;
    const w = this.word(pa);
    if (w[0] !== expLo >>> 0 || w[1] !== expHi >>> 0) return Cas.Mismatch;
    this.overlay.set(pa, [newLo >>> 0, newHi >>> 0]);
    return Cas.Ok;
  }

  /** Store a word (test set-up: explicit tables on top of the random background). */
  set(pa: number, value: bigint): void {
    const v = BigInt.asUintN(64, value);
    this.overlay.set(pa, [Number(v & 0xffffffffn), Number(v >> 32n)]);
  }

  // ---- RefMemory (BigInt) ----
  read(pa: bigint): bigint | null {
    const n = Number(pa);
    if (this.aborts(n)) return null;
    const w = this.word(n);
    return (BigInt(w[1]) << 32n) | BigInt(w[0]);
  }
  write(pa: bigint, value: bigint): boolean {
    const n = Number(pa);
    if (this.aborts(n)) return false;
    this.set(n, value);
    return true;
  }
}

/** A plain sparse memory: unwritten words read as zero (invalid descriptors). */
export class SparseMemory extends RandomTableMemory {
  constructor() {
    super({ seed: 0, windowBits: 40, aborts: false });
  }
  override generated(_pa: number): [number, number] {
    return [0, 0];
  }
}
