/**
 * A TLB around the pure walker: leaf (combined stage 1 + stage 2) entries tagged by VMID and
 * ASID (or global), one entry per block/page at its real size (blocks are never splintered, so a
 * TLBI by VA to any address of a block removes it). No walk caches: intermediate table entries
 * are never cached, so the last-level-only TLBI forms (VALE1, VAALE1, IPAS2LE1) invalidate
 * exactly what their non-L forms do, which the architecture permits.
 *
 * ARM DDI 0487 D8.13 "Translation Lookaside Buffers (TLBs)" and C5.5 "A64 system instructions
 * for TLB maintenance". Inner-shareable forms (…IS) are the same operation on a one-TLB machine.
 */
import { ConfigError } from "@armature/core";
import { currentAsid, currentVmid, type TranslationRegs } from "./regs.js";
import { Access, type DescriptorMemory, FaultKind, WalkResult } from "./types.js";
import { permits, translate } from "./walk.js";

const TWO32 = 4294967296;

/**
 * A cached translation: a WalkResult for the first byte of the block (`pa`, `ipa` at its start,
 * `sizeLog2` the entry's size), tagged and linked into its hash bucket.
 */
class TlbEntry extends WalkResult {
  used = false;
  next: TlbEntry | null = null;
  bucket = 0;
  /** VA[55:32] and VA[31:0] of the start of the mapped block (top byte not part of the tag). */
  tagHi = 0;
  tagLo = 0;
  /**
   * log2 of the stage 1 span a TLBI by VA must remove this entry for: the stage 1 block/page, or
   * its whole contiguous range; and VA[55:32] / VA[31:0] of that span's start.
   */
  s1SpanLog2 = 12;
  s1TagHi = 0;
  s1TagLo = 0;
}

/** TLBI operations this TLB implements (EL1 forms; the …IS forms map to the same). */
export const Tlbi = {
  VAE1: 0,
  VALE1: 1,
  VAAE1: 2,
  VAALE1: 3,
  ASIDE1: 4,
  VMALLE1: 5,
  IPAS2E1: 6,
  IPAS2LE1: 7,
  VMALLS12E1: 8,
} as const;
export type Tlbi = (typeof Tlbi)[keyof typeof Tlbi];

/** Extra log2 size of a contiguous range by stage 1 block/page size (4KB: 16 entries; 16KB: 128
 * at level 3, 32 at level 2; 64KB: 32). */
const CONTIG_EXTRA: Record<number, number> = { 12: 4, 21: 4, 30: 4, 14: 7, 25: 5, 16: 5, 29: 5 };

/** Tag halves of VA aligned down to 2^sz, top byte dropped. */
function tagHiOf(vaHi: number, sz: number): number {
  const h = vaHi & 0x00ffffff;
  return sz > 32 ? h & -(1 << (sz - 32)) : h;
}
function tagLoOf(vaLo: number, sz: number): number {
  return sz >= 32 ? 0 : (vaLo & -(1 << sz)) >>> 0;
}

export class Tlb {
  private readonly pool: TlbEntry[];
  private readonly buckets: (TlbEntry | null)[];
  private readonly bucketShift: number;
  private clock = 0;
  /** Bit (sizeLog2 - 12) set when some entry of that size may exist. */
  private sizes = 0;
  /**
   * Used entries whose TLBI span is wider than the entry (a contiguous range, or a stage 1 block
   * splintered by stage 2). While there are none, a TLBI by VA looks in the VA's hash buckets
   * instead of scanning the whole pool (Linux's early paging_init: ~17,000 TLBIs by VA).
   */
  private wide = 0;
  /** The largest TLBI span (log2) of any entry ever inserted (never shrinks). */
  private maxSpan = 12;
  hits = 0;
  misses = 0;
  /**
   * Bumped by every TLBI and flushAll: a CPU's faster page cache layered on this TLB can compare
   * it to know that architectural entries may have gone.
   */
  epoch = 0;

  constructor(readonly capacity = 1024) {
    if (!Number.isInteger(capacity) || capacity < 1 || capacity > 1 << 20) {
      throw new ConfigError(`Tlb capacity ${capacity} must be an integer in 1..${1 << 20}`);
    }
    this.pool = [];
    for (let i = 0; i < capacity; i++) this.pool.push(new TlbEntry());
    let bits = 4;
    while (1 << bits < capacity * 2) bits++;
    this.buckets = new Array<TlbEntry | null>(1 << bits).fill(null);
    this.bucketShift = 32 - bits;
  }

  private hash(tagHi: number, tagLo: number, sz: number): number {
    const k = sz >= 32 ? tagHi >>> (sz - 32) : (tagLo >>> sz) | (tagHi << (32 - sz));
    return Math.imul(k ^ (sz << 24) ^ (tagHi >>> 5), 0x9e3779b1) >>> this.bucketShift;
  }

  /**
   * Look `va` up for `acc`; on a hit whose cached permissions allow the access, fill `out` (pa,
   * ipa, attributes, permissions) and return true. A miss, or a hit the access is not permitted
   * on (a fault, or a write to a clean DBM page), returns false: walk then.
   */
  lookup(r: TranslationRegs, vaHi: number, vaLo: number, acc: number, out: WalkResult): boolean {
    const upper = (vaHi & 0x800000) !== 0;
    // Without TBI the top byte must be canonical; a non-canonical VA always walks (and faults).
    if (!(upper ? r.tbi1 : r.tbi0) && vaHi >>> 24 !== (upper ? 0xff : 0)) return false;
    const vmid = currentVmid(r);
    const asid = currentAsid(r);
    let sizes = this.sizes;
    while (sizes !== 0) {
      const bit = 31 - Math.clz32(sizes);
      sizes &= ~(1 << bit);
      const sz = bit + 12;
      const th = tagHiOf(vaHi, sz);
      const tl = tagLoOf(vaLo, sz);
      for (let e: TlbEntry | null = this.buckets[this.hash(th, tl, sz)]!; e !== null; e = e.next) {
        if (
          e.tagLo === tl &&
          e.tagHi === th &&
          e.sizeLog2 === sz &&
          e.vmid === vmid &&
          (!e.nG || e.asid === asid)
        ) {
          this.fill(e, vaHi, vaLo, out);
          out.asid = asid;
          out.vmid = vmid;
          if (!permits(out, acc, r)) {
            this.misses++;
            return false;
          }
          this.hits++;
          return true;
        }
      }
    }
    this.misses++;
    return false;
  }

  private fill(e: TlbEntry, vaHi: number, vaLo: number, out: WalkResult): void {
    const sz = e.sizeLog2;
    const off =
      sz >= 32 ? (vaHi & ((1 << (sz - 32)) - 1)) * TWO32 + (vaLo >>> 0) : (vaLo & ((1 << sz) - 1)) >>> 0;
    out.copyTranslation(e);
    out.fault = FaultKind.None;
    out.pa = e.pa + off;
    out.ipa = e.ipa + off;
    out.sizeLog2 = sz;
  }

  /** Cache a successful walk result for `va`. */
  insert(vaHi: number, vaLo: number, res: WalkResult): void {
    if (res.fault !== FaultKind.None) return;
    // The Contiguous hint: one entry for the whole range of identical, adjacent descriptors
    // (D8 "The Contiguous bit"; a misprogrammed range is CONSTRAINED UNPREDICTABLE).
    let span = res.s1SizeLog2;
    let sz = res.sizeLog2;
    if (res.s1 && res.contiguous) {
      span += CONTIG_EXTRA[span] ?? 0;
      sz = res.s2 && res.s2SizeLog2 < span ? res.s2SizeLog2 : span;
    }
    const th = tagHiOf(vaHi, sz);
    const tl = tagLoOf(vaLo, sz);
    const b = this.hash(th, tl, sz);
    // Replace an entry with the same tag (a re-walk after a dirty update or a permission miss).
    for (let e: TlbEntry | null = this.buckets[b]!; e !== null; e = e.next) {
      if (e.tagLo === tl && e.tagHi === th && e.sizeLog2 === sz && e.vmid === res.vmid) {
        if (e.nG === res.nG && (!res.nG || e.asid === res.asid)) {
          if (e.s1SpanLog2 !== e.sizeLog2) this.wide--;
          this.store(e, th, tl, sz, span, res);
          if (span !== sz) this.wide++;
          if (span > this.maxSpan) this.maxSpan = span;
          if (sz > this.maxSpan) this.maxSpan = sz;
          return;
        }
      }
    }
    const e = this.pool[this.clock]!;
    this.clock = (this.clock + 1) % this.capacity;
    if (e.used) this.unlink(e);
    this.store(e, th, tl, sz, span, res);
    if (span !== sz) this.wide++;
    if (span > this.maxSpan) this.maxSpan = span;
    if (sz > this.maxSpan) this.maxSpan = sz;
    e.used = true;
    e.bucket = b;
    e.next = this.buckets[b]!;
    this.buckets[b] = e;
    this.sizes |= 1 << (sz - 12);
  }

  private store(e: TlbEntry, th: number, tl: number, sz: number, span: number, res: WalkResult): void {
    e.copyTranslation(res);
    e.tagHi = th;
    e.tagLo = tl;
    e.sizeLog2 = sz;
    e.vmid = res.vmid;
    e.asid = res.asid;
    e.pa = res.pa - (res.pa % 2 ** sz);
    e.ipa = res.ipa - (res.ipa % 2 ** sz);
    e.s1SpanLog2 = span;
    e.s1TagHi = tagHiOf(th, span);
    e.s1TagLo = tagLoOf(tl, span);
  }

  private unlink(e: TlbEntry): void {
    if (e.s1SpanLog2 !== e.sizeLog2) this.wide--;
    let p: TlbEntry | null = this.buckets[e.bucket]!;
    if (p === e) {
      this.buckets[e.bucket] = e.next;
    } else {
      while (p !== null && p.next !== e) p = p.next;
      if (p !== null) p.next = e.next;
    }
    e.next = null;
    e.used = false;
  }

  /**
   * Translate through the TLB: a permitted hit answers at once; otherwise walk with `translate`
   * and cache the successful result. Same contract as `translate`.
   */
  translate(
    r: TranslationRegs,
    mem: DescriptorMemory,
    vaHi: number,
    vaLo: number,
    acc: number,
    out: WalkResult,
  ): FaultKind {
    if (this.lookup(r, vaHi, vaLo, acc, out)) return FaultKind.None;
    const f = translate(r, mem, vaHi, vaLo, acc, out);
    if (f === FaultKind.None && (acc & Access.Stage1Only) === 0) this.insert(vaHi, vaLo, out);
    return f;
  }

  /**
   * log2 of the largest region a TLBI by VA can concern: no translation this TLB has ever held
   * (a page, block, contiguous range or splintered stage 1 block) spans more. A cache layered on
   * the TLB keeps what lies outside that region around the VA.
   */
  maxSpanLog2(): number {
    return this.maxSpan;
  }

  /** Every entry, whatever its tags (e.g. on reset). */
  flushAll(): void {
    this.epoch++;
    for (const e of this.pool) if (e.used) this.unlink(e);
    this.sizes = 0;
  }

  private removeWhere(pred: (e: TlbEntry) => boolean): void {
    for (const e of this.pool) if (e.used && pred(e)) this.unlink(e);
  }

  /**
   * Remove entries for `va` (VA[55:0]) and `vmid` matching the ASID rule. An entry built from a
   * stage 1 block larger than the entry (splintered by a smaller stage 2 page) goes when `va`
   * is anywhere in that stage 1 block, as a TLBI by VA to any address of a block must remove it.
   */
  private removeVa(vaHi: number, vaLo: number, vmid: number, allAsids: boolean, asid: number): void {
    if (this.wide === 0) {
      // Every entry's span is its own size: the entries covering `va` are in the buckets of
      // `va`'s tag at each size present.
      let sizes = this.sizes;
      while (sizes !== 0) {
        const bit = 31 - Math.clz32(sizes);
        sizes &= ~(1 << bit);
        const sz = bit + 12;
        const th = tagHiOf(vaHi, sz);
        const tl = tagLoOf(vaLo, sz);
        let e: TlbEntry | null = this.buckets[this.hash(th, tl, sz)]!;
        while (e !== null) {
          const next: TlbEntry | null = e.next;
          if (
            e.tagLo === tl &&
            e.tagHi === th &&
            e.sizeLog2 === sz &&
            e.vmid === vmid &&
            (allAsids || !e.nG || e.asid === asid)
          )
            this.unlink(e);
          e = next;
        }
      }
      return;
    }
    for (const e of this.pool) {
      if (!e.used || e.vmid !== vmid || !(allAsids || !e.nG || e.asid === asid)) continue;
      // s1SpanLog2 >= sizeLog2: match on the whole stage 1 block or contiguous range.
      const sz = e.s1SpanLog2;
      if (tagHiOf(vaHi, sz) === e.s1TagHi && tagLoOf(vaLo, sz) === e.s1TagLo) this.unlink(e);
    }
  }

  /**
   * Execute a TLBI at EL1 (VMID = the current VTTBR_EL2.VMID). `xtLo`/`xtHi` are the two halves
   * of the Xt operand: VA ops take VA[55:12] in Xt[43:0] and the ASID in Xt[63:48]; ASIDE1 takes
   * the ASID in Xt[63:48]; IPAS2E1 takes IPA[51:12] in Xt[39:0].
   */
  tlbi(op: Tlbi, r: TranslationRegs, xtLo = 0, xtHi = 0): void {
    this.epoch++;
    const vmid = currentVmid(r);
    const asid = r.as16 ? xtHi >>> 16 : (xtHi >>> 16) & 0xff;
    switch (op) {
      case Tlbi.VAE1:
      case Tlbi.VALE1:
      case Tlbi.VAAE1:
      case Tlbi.VAALE1: {
        // Xt[43:0] = VA[55:12]
        const vaHi = ((xtLo >>> 20) | ((xtHi & 0xfff) << 12)) & 0x00ffffff;
        const vaLo = (xtLo << 12) >>> 0;
        this.removeVa(vaHi, vaLo, vmid, op === Tlbi.VAAE1 || op === Tlbi.VAALE1, asid);
        return;
      }
      case Tlbi.ASIDE1:
        // Non-global entries of that ASID only; global entries survive.
        this.removeWhere((e) => e.vmid === vmid && e.nG && e.asid === asid);
        return;
      case Tlbi.VMALLE1:
      case Tlbi.VMALLS12E1:
        this.removeWhere((e) => e.vmid === vmid);
        return;
      case Tlbi.IPAS2E1:
      case Tlbi.IPAS2LE1: {
        // Stage 2 entries for the IPA. Combined entries built on that stage 2 mapping go too
        // (the architecture lets them stay until VMALLE1; removing them is permitted).
        const ipa = ((xtHi & 0xff) * TWO32 + (xtLo >>> 0)) * 4096;
        this.removeWhere(
          (e) => e.vmid === vmid && e.s2 && ipa >= e.ipaBase && ipa < e.ipaBase + 2 ** e.s2SizeLog2,
        );
        return;
      }
      default:
        throw new ConfigError(`unknown TLBI operation ${String(op)}`);
    }
  }

  /** Number of valid entries (tests, stats). */
  size(): number {
    let n = 0;
    for (const e of this.pool) if (e.used) n++;
    return n;
  }

  /** Each cached entry as (va of block start [VA 55:0 halves], size, tags) — for tests and debugging. */
  entries(): {
    vaHi: number;
    vaLo: number;
    sizeLog2: number;
    s1SizeLog2: number;
    vmid: number;
    asid: number;
    global: boolean;
    pa: number;
  }[] {
    const list = [];
    for (const e of this.pool) {
      if (!e.used) continue;
      list.push({
        vaHi: e.tagHi,
        vaLo: e.tagLo,
        sizeLog2: e.sizeLog2,
        s1SizeLog2: e.s1SizeLog2,
        vmid: e.vmid,
        asid: e.asid,
        global: !e.nG,
        pa: e.pa,
      });
    }
    return list;
  }
}
