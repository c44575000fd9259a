/**
 * TLB tests. Coherence property: after any random sequence of accesses, maps, unmaps (break-
 * before-make with an architecturally sufficient TLBI, ARM DDI 0487 D8.13.x "TLB maintenance
 * requirements"), stage 2 remaps (IPAS2E1 + VMALLE1), ASID switches and extra TLBIs, every cached
 * translation equals a fresh walk of the same VA in its ASID/VMID context, or is absent.
 * Plus hand-checked TLBI semantics (ASID/VMID tagging, global entries, blocks).
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  Access,
  defaultRegs,
  FaultKind,
  Tlb,
  Tlbi,
  type TranslationRegs,
  translate,
  WalkResult,
} from "./index.js";
import { SparseMemory } from "./test/index.js";

const RUNS = Number(process.env.FC_NUM_RUNS ?? 300);

const TWO32 = 2 ** 32;
const GB = 2 ** 30;

function halves(v: bigint): [number, number] {
  const u = BigInt.asUintN(64, v);
  return [Number(u & 0xffffffffn), Number(u >> 32n)];
}

/** TLBI VA operand: Xt[43:0] = VA[55:12], Xt[63:48] = ASID. */
function xtVa(va: bigint, asid: number): [number, number] {
  return halves(((va >> 12n) & ((1n << 44n) - 1n)) | (BigInt(asid) << 48n));
}

/** Minimal page-table writer for the tests (4KB/16KB/64KB, 39-bit input). */
class Tables {
  private next: number;
  constructor(
    readonly mem: SparseMemory,
    readonly g: number,
    readonly inputsize: number,
    firstTable: number,
  ) {
    this.next = firstTable;
  }
  get startLevel(): number {
    return 4 - (1 + Math.floor((this.inputsize - this.g - 1) / (this.g - 3)));
  }
  alloc(): number {
    const t = this.next;
    this.next += 2 ** this.g;
    return t;
  }
  /** PA of the descriptor slot for `va` at `leafLevel`, creating tables on the way. */
  slot(root: number, va: bigint, leafLevel: number): number {
    const s = this.g - 3;
    let base = root;
    let top = this.inputsize - 1;
    for (let level = this.startLevel; ; level++) {
      const bottom = (3 - level) * s + this.g;
      const idx = Number((va >> BigInt(bottom)) & ((1n << BigInt(top - bottom + 1)) - 1n));
      const slot = base + idx * 8;
      if (level === leafLevel) return slot;
      const d = this.mem.read(BigInt(slot))!;
      if ((d & 3n) !== 3n) {
        const t = this.alloc();
        this.mem.set(slot, BigInt(t) | 3n);
        base = t;
      } else {
        base = Number(d & 0xffff_ffff_f000n) - (Number(d & 0xffff_ffff_f000n) % 2 ** this.g);
      }
      top = bottom - 1;
    }
  }
}

interface World {
  r: TranslationRegs;
  mem: SparseMemory;
  s1: Tables;
  s2: Tables | null;
  roots: number[];
  root1: number;
  tlb: Tlb;
  pageBits: number;
  blockBits: number;
}

const ASIDS = [3, 7];
const VMID = 9;

function makeWorld(g: 12 | 14 | 16, s2on: boolean, ha: boolean, capacity: number): World {
  const mem = new SparseMemory();
  // Stage 1 tables live in IPA = PA [1MB, 1GB); stage 2 maps that range identically with a 1GB block.
  const s1 = new Tables(mem, g, 39, 0x100000);
  const r = defaultRegs();
  r.m = true;
  r.t0sz = 25;
  r.t1sz = 25;
  r.tg0 = g;
  r.tg1 = g;
  r.ips = 5;
  r.ha = ha;
  r.mairLo = 0x44ff;
  const roots = ASIDS.map(() => s1.alloc());
  const root1 = s1.alloc();
  let s2: Tables | null = null;
  if (s2on) {
    // Stage 2: 4KB granule, 39-bit IPA, SL0 = 1 (start level 1: 39 - (18 + 12) = 9 bits).
    s2 = new Tables(mem, 12, 39, 0x8000_0000);
    const s2root = s2.alloc();
    r.vm = true;
    r.vt0sz = 25;
    r.vsl0 = 1;
    r.vtg0 = 12;
    r.vps = 5;
    r.vttbrLo = s2root;
    r.vttbrHi = VMID << 16;
    mem.set(s2root, 0x4fdn); // IPA [0, 1GB) -> PA [0, 1GB), 1GB block, S2AP RW, AF
  }
  r.ttbr1Lo = root1;
  switchAsid(r, roots, 0);
  return { r, mem, s1, s2, roots, root1, tlb: new Tlb(capacity), pageBits: g, blockBits: 2 * g - 3 };
}

function switchAsid(r: TranslationRegs, roots: number[], i: number): void {
  r.ttbr0Lo = roots[i]!;
  r.ttbr0Hi = ASIDS[i]! << 16;
}

/** Each cached entry must equal a fresh walk in its own context. */
function checkCoherent(w: World): void {
  const fresh = new WalkResult();
  const ctx = { ...w.r };
  for (const e of w.tlb.entries()) {
    expect(e.vmid).toBe(w.r.vm ? VMID : 0);
    if (!e.global) {
      const i = ASIDS.indexOf(e.asid);
      ctx.ttbr0Lo = w.roots[i]!;
      ctx.ttbr0Hi = e.asid << 16;
    }
    const vaHi = e.vaHi & 0x800000 ? (e.vaHi | 0xff000000) >>> 0 : e.vaHi;
    translate(ctx, w.mem, vaHi, e.vaLo, 0, fresh);
    const where = `entry va=${vaHi.toString(16)}:${e.vaLo.toString(16)} asid=${e.asid} global=${e.global}`;
    expect({ where, fault: fresh.fault }).toEqual({ where, fault: FaultKind.None });
    expect({ where, pa: fresh.pa - (fresh.pa % 2 ** e.sizeLog2), global: !fresh.nG }).toEqual({
      where,
      pa: e.pa,
      global: e.global,
    });
    // A hit fills in what the walk does (into a result no walk has touched; not counted).
    const hit = new WalkResult();
    const { hits, misses } = w.tlb;
    const found = w.tlb.lookup(ctx, vaHi, e.vaLo, 0, hit);
    w.tlb.hits = hits;
    w.tlb.misses = misses;
    if (found) expect({ where, ...cached(hit) }).toEqual({ where, ...cached(fresh) });
  }
}

/** The fields of a translation a TLB hit must give as the walk does. */
function cached(r: WalkResult) {
  const { pa, ipa, s1, s2, s1SizeLog2, s2SizeLog2, ipaBase, nG, ap, uxn, pxn, s2ap, s2xn } = r;
  const { attrIndx, memAttr, sh, s2MemAttr, s2Sh, contiguous } = r;
  return {
    pa,
    ipa,
    s1,
    s2,
    s1SizeLog2,
    s2SizeLog2,
    ipaBase,
    nG,
    ap,
    uxn,
    pxn,
    s2ap,
    s2xn,
    attrIndx,
    memAttr,
    sh,
    s2MemAttr,
    s2Sh,
    contiguous,
  };
}

const opArb = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      op: fc.constant("access" as const),
      asid: fc.nat(1),
      slot: fc.nat(15),
      write: fc.boolean(),
      off: fc.nat(3),
    }),
  },
  fc.record({
    op: fc.constant("map" as const),
    asid: fc.nat(1),
    slot: fc.nat(15),
    pa: fc.nat(255),
    ro: fc.boolean(),
    tlbi: fc.nat(6),
  }),
  fc.record({
    op: fc.constant("unmap" as const),
    asid: fc.nat(1),
    slot: fc.nat(15),
    tlbi: fc.nat(6),
    off: fc.nat(3),
  }),
  fc.record({ op: fc.constant("s2remap" as const), page: fc.nat(63), pa: fc.nat(255), tlbi: fc.nat(1) }),
  fc.record({
    op: fc.constant("contig" as const),
    asid: fc.nat(1),
    range: fc.nat(1),
    pa: fc.nat(7),
    unmap: fc.boolean(),
  }),
  fc.record({
    op: fc.constant("contigAccess" as const),
    asid: fc.nat(1),
    range: fc.nat(1),
    page: fc.constantFrom(0, 1, -1),
    off: fc.nat(3),
  }),
  fc.record({ op: fc.constant("tlbi" as const), kind: fc.nat(8), asid: fc.nat(1), slot: fc.nat(15) }),
);

type Op = typeof opArb extends fc.Arbitrary<infer T> ? T : never;

/**
 * Slots 0..7: nG pages in the ASID's TTBR0 tables; 8..11: global pages under TTBR1;
 * 12..15: nG level 2 blocks in TTBR0.
 */
function slotVa(w: World, slot: number, off: number): bigint {
  const o = BigInt(offBytes(w, slot, off));
  if (slot < 8) return 0x40_0000_0000n + BigInt((slot & 3) * 2 ** w.pageBits + (slot >> 2) * GB) + o;
  if (slot < 12) return 0xffff_ff80_0000_0000n + BigInt((slot - 8) * 2 ** w.pageBits) + o;
  return 0x20_0000_0000n + BigInt(((slot - 12) * 2 ** w.blockBits) % (64 * GB)) + o;
}

/** Offset `off` (0..3) inside a slot's page or block: quarter pages, or 4KB steps in a block. */
function offBytes(w: World, slot: number, off: number): number {
  return slot >= 12 ? off * 4096 : (off * 2 ** w.pageBits) / 4;
}

function contigCount(w: World): number {
  return w.pageBits === 12 ? 16 : w.pageBits === 14 ? 128 : 32;
}

/** Page i of contiguous range r (two ranges, each aligned to its whole size). */
function contigVa(w: World, r: number, i: number): bigint {
  return 0x30_0000_0000n + BigInt(r * 0x100_0000 + i * 2 ** w.pageBits);
}

/** IPA/PA for data: stage 1 outputs in [1GB, 2GB); stage 2 maps those 4KB pages to [4GB, 5GB). */
function dataIpa(w: World, slot: number, pa: number): number {
  if (slot >= 12) return GB + (pa % 2) * 2 ** w.blockBits;
  return GB + pa * 2 ** w.pageBits;
}

function mapS2(w: World, ipa: number, pa: number): void {
  if (w.s2 === null) return;
  const slot = w.s2.slot(Number(w.r.vttbrLo), BigInt(ipa), 3);
  // Only fill invalid entries: changing a live stage 2 mapping is the s2remap op's job (with TLBIs).
  if ((w.mem.read(BigInt(slot))! & 1n) === 0n) w.mem.set(slot, BigInt(4 * GB + pa * 4096) | 0x4ffn);
}

function applyTlbi(w: World, choice: number, va: bigint, asid: number, global: boolean): void {
  // For a global entry the ASID operand of VAE1/VALE1 is irrelevant: use one nobody runs under.
  const [lo, hi] = xtVa(va, global ? 200 : asid);
  const ops = global
    ? [Tlbi.VAE1, Tlbi.VALE1, Tlbi.VAAE1, Tlbi.VAALE1, Tlbi.VMALLE1, Tlbi.VMALLS12E1, Tlbi.VAE1]
    : [Tlbi.VAE1, Tlbi.VALE1, Tlbi.VAAE1, Tlbi.VAALE1, Tlbi.ASIDE1, Tlbi.VMALLE1, Tlbi.VMALLS12E1];
  w.tlb.tlbi(ops[choice % ops.length]!, w.r, lo, hi);
}

function run(w: World, ops: Op[]): void {
  const res = new WalkResult();
  for (const o of ops) {
    switch (o.op) {
      case "access": {
        switchAsid(w.r, w.roots, o.asid);
        const [lo, hi] = halves(slotVa(w, o.slot, o.off));
        w.tlb.translate(w.r, w.mem, hi, lo, o.write ? Access.Write : 0, res);
        break;
      }
      case "map": {
        const global = o.slot >= 8 && o.slot < 12;
        const leafLevel = o.slot >= 12 ? 2 : 3;
        const root = global ? w.root1 : w.roots[o.asid]!;
        const va = slotVa(w, o.slot, 0);
        const slot = w.s1.slot(root, va, leafLevel);
        const old = w.mem.read(BigInt(slot))!;
        if ((old & 1n) !== 0n) {
          // Break-before-make: invalidate, TLBI, then the new mapping.
          w.mem.set(slot, 0n);
          applyTlbi(w, o.tlbi, va, ASIDS[o.asid]!, global);
        }
        const ipa = dataIpa(w, o.slot, o.pa);
        for (let k = 0; k < 4; k++) mapS2(w, ipa + offBytes(w, o.slot, k), (o.pa * 7 + k) % 4096);
        const desc =
          BigInt(ipa) | 0x401n | (leafLevel === 3 ? 2n : 0n) | (global ? 0n : 0x800n) | (o.ro ? 0x80n : 0n);
        w.mem.set(slot, desc);
        break;
      }
      case "unmap": {
        const global = o.slot >= 8 && o.slot < 12;
        const leafLevel = o.slot >= 12 ? 2 : 3;
        const root = global ? w.root1 : w.roots[o.asid]!;
        const slot = w.s1.slot(root, slotVa(w, o.slot, 0), leafLevel);
        w.mem.set(slot, 0n);
        // Any address inside the page/block identifies it for a TLBI by VA.
        applyTlbi(w, o.tlbi, slotVa(w, o.slot, o.off), ASIDS[o.asid]!, global);
        break;
      }
      case "s2remap": {
        if (w.s2 === null) break;
        const ipa = GB + o.page * 4096;
        const slot = w.s2.slot(Number(w.r.vttbrLo), BigInt(ipa), 3);
        w.mem.set(slot, 0n);
        const [lo, hi] = halves(BigInt(ipa) >> 12n);
        // (new mapping written below by mapS2 into the now-invalid entry)
        w.tlb.tlbi(o.tlbi ? Tlbi.IPAS2LE1 : Tlbi.IPAS2E1, w.r, lo, hi);
        w.tlb.tlbi(Tlbi.VMALLE1, w.r); // required for combined stage 1+2 entries
        mapS2(w, ipa, o.pa + 1000);
        break;
      }
      case "contig": {
        // A contiguous range of N level 3 entries (4KB: 16, 16KB: 128, 64KB: 32), consecutive OAs.
        // Break-before-make: invalidate every entry, TLBI each page, then write the new range.
        const n = contigCount(w);
        const root = w.roots[o.asid]!;
        const base = contigVa(w, o.range, 0);
        const live = (w.mem.read(BigInt(w.s1.slot(root, base, 3)))! & 1n) !== 0n;
        if (live || o.unmap) {
          for (let i = 0; i < n; i++) w.mem.set(w.s1.slot(root, contigVa(w, o.range, i), 3), 0n);
          for (let i = 0; i < n; i++)
            w.tlb.tlbi(Tlbi.VAE1, w.r, ...xtVa(contigVa(w, o.range, i), ASIDS[o.asid]!));
        }
        if (o.unmap) break;
        const ipa = GB + GB / 4 + o.pa * n * 2 ** w.pageBits;
        for (let i = 0; i < n; i++) {
          const desc = BigInt(ipa + i * 2 ** w.pageBits) | 0xc03n | (1n << 52n); // page, AF, nG, Contiguous
          w.mem.set(w.s1.slot(root, contigVa(w, o.range, i), 3), desc);
        }
        for (const i of [0, 1, n - 1])
          for (let k = 0; k < 4; k++) mapS2(w, ipa + i * 2 ** w.pageBits + k * 1024, k);
        break;
      }
      case "contigAccess": {
        switchAsid(w.r, w.roots, o.asid);
        const i = o.page < 0 ? contigCount(w) - 1 : o.page;
        const [lo, hi] = halves(contigVa(w, o.range, i) + BigInt(o.off * 1024));
        w.tlb.translate(w.r, w.mem, hi, lo, 0, res);
        if (res.fault === FaultKind.None) {
          // A hit through a contiguous entry must give this page's own translation.
          const fresh = new WalkResult();
          translate(w.r, w.mem, hi, lo, 0, fresh);
          expect({ pa: res.pa, fault: fresh.fault }).toEqual({ pa: fresh.pa, fault: FaultKind.None });
        }
        break;
      }
      case "tlbi": {
        const [lo, hi] = xtVa(slotVa(w, o.slot, 0), ASIDS[o.asid]!);
        w.tlb.tlbi(o.kind as Tlbi, w.r, lo, hi);
        break;
      }
    }
    checkCoherent(w);
  }
}

describe("TLB coherence", () => {
  it("cached translations equal fresh walks after random maps, unmaps and TLBIs", () => {
    let hits = 0;
    fc.assert(
      fc.property(
        fc.constantFrom(12 as const, 14 as const, 16 as const),
        fc.boolean(),
        fc.boolean(),
        fc.constantFrom(4, 64),
        fc.array(opArb, { minLength: 10, maxLength: 60 }),
        (g, s2on, ha, cap, ops) => {
          const w = makeWorld(g, s2on, ha, cap);
          run(w, ops);
          hits += w.tlb.hits;
        },
      ),
      { numRuns: RUNS },
    );
    expect(hits).toBeGreaterThan(0);
  });
});

describe("TLBI semantics", () => {
  function world(s2on = false): World {
    const w = makeWorld(12, s2on, false, 64);
    for (let s = 0; s < 16; s++) {
      for (let a = 0; a < 2; a++) {
        run(w, [{ op: "map", asid: a, slot: s, pa: s + 16 * a, ro: false, tlbi: 0 }]);
        run(w, [{ op: "access", asid: a, slot: s, write: false, off: 0 }]);
      }
    }
    return w;
  }
  const count = (w: World, pred: (e: ReturnType<Tlb["entries"]>[number]) => boolean) =>
    w.tlb.entries().filter(pred).length;

  it("caches per ASID, globals once, blocks at block size", () => {
    const w = world();
    // 8 nG pages + 4 nG blocks per ASID, 4 global pages (TTBR1) shared by both ASIDs.
    expect(count(w, (e) => !e.global && e.asid === 3)).toBe(12);
    expect(count(w, (e) => !e.global && e.asid === 7)).toBe(12);
    expect(count(w, (e) => e.global)).toBe(4);
    expect(count(w, (e) => e.sizeLog2 === 21)).toBe(8);
  });

  it("VAE1 removes the VA for that ASID and global entries; VAAE1 for all ASIDs", () => {
    const w = world();
    const va = slotVa(w, 0, 0);
    w.tlb.tlbi(Tlbi.VAE1, w.r, ...xtVa(va, 3));
    expect(w.tlb.size()).toBe(27);
    w.tlb.tlbi(Tlbi.VAAE1, w.r, ...xtVa(va, 0));
    expect(w.tlb.size()).toBe(26);
    w.tlb.tlbi(Tlbi.VALE1, w.r, ...xtVa(slotVa(w, 8, 0), 5)); // a global: any ASID operand matches
    expect(count(w, (e) => e.global)).toBe(3);
    // An address in the middle of a 2MB block removes that block.
    w.tlb.tlbi(Tlbi.VAE1, w.r, ...xtVa(slotVa(w, 12, 0) + 0x12_3000n, 7));
    expect(w.tlb.size()).toBe(24);
  });

  it("a stage 1 block splintered by 4KB stage 2 pages goes on a TLBI to any address in the block", () => {
    const w = world(true);
    const res = new WalkResult();
    for (let off = 0; off < 4; off++) run(w, [{ op: "access", asid: 1, slot: 12, write: false, off }]);
    // 4 blocks (slots 12..15) accessed once by world(), slot 12 three more times: 7 4KB entries.
    expect(count(w, (e) => e.asid === 7 && e.s1SizeLog2 === 21)).toBe(7);
    w.tlb.tlbi(Tlbi.VALE1, w.r, ...xtVa(slotVa(w, 12, 0) + 0x1f_f000n, 7));
    expect(count(w, (e) => e.asid === 7 && e.s1SizeLog2 === 21)).toBe(3);
    expect(res.fault).toBe(0);
  });

  it("ASIDE1 spares global entries and other ASIDs; VMALLE1 takes all of the VMID", () => {
    const w = world();
    w.tlb.tlbi(Tlbi.ASIDE1, w.r, 0, 7 << 16);
    expect(w.tlb.size()).toBe(16);
    expect(count(w, (e) => e.global)).toBe(4);
    // Another VMID: nothing happens.
    const other = { ...w.r, vttbrHi: 1 << 16 };
    w.tlb.tlbi(Tlbi.VMALLS12E1, other);
    expect(w.tlb.size()).toBe(16);
    const e = w.tlb.epoch;
    w.tlb.tlbi(Tlbi.VMALLE1, w.r);
    expect(w.tlb.size()).toBe(0);
    expect(w.tlb.epoch).toBe(e + 1);
  });

  it("a contiguous range is one entry; a TLBI to any page of the range removes it", () => {
    const w = makeWorld(12, false, false, 16);
    run(w, [{ op: "contig", asid: 0, range: 0, pa: 3, unmap: false }]);
    run(w, [{ op: "contigAccess", asid: 0, range: 0, page: 0, off: 0 }]);
    expect(w.tlb.entries().map((e) => e.sizeLog2)).toEqual([16]); // 16 x 4KB
    const hits = w.tlb.hits;
    run(w, [{ op: "contigAccess", asid: 0, range: 0, page: -1, off: 3 }]); // PA checked inside run()
    expect(w.tlb.hits).toBe(hits + 1);
    w.tlb.tlbi(Tlbi.VALE1, w.r, ...xtVa(contigVa(w, 0, 5), 3));
    expect(w.tlb.size()).toBe(0);
  });

  it("IPAS2E1 removes entries whose stage 2 mapping covers the IPA", () => {
    const w = world(true);
    // Stage 2 page IPA 0x4000_0000 backs: slot 0 of ASID 3 (page, IPA 1GB + 0), and the blocks
    // of slots 12 and 14 of both ASIDs (IPA 1GB + (pa % 2) * 2MB with pa even), accessed at
    // offset 0. Five combined entries.
    const before = w.tlb.size();
    w.tlb.tlbi(Tlbi.IPAS2E1, w.r, GB / 4096, 0);
    expect(w.tlb.size()).toBe(before - 5);
  });

  it("a different ASID or VMID misses; a hit needs permission (write to read-only walks)", () => {
    const w = makeWorld(12, false, false, 16);
    run(w, [{ op: "map", asid: 0, slot: 0, pa: 1, ro: true, tlbi: 0 }]);
    const res = new WalkResult();
    const [lo, hi] = halves(slotVa(w, 0, 0));
    expect(w.tlb.translate(w.r, w.mem, hi, lo, 0, res)).toBe(FaultKind.None);
    expect(w.tlb.lookup(w.r, hi, lo, 0, res)).toBe(true);
    expect(w.tlb.lookup(w.r, hi, lo, Access.Write, res)).toBe(false);
    expect(w.tlb.translate(w.r, w.mem, hi, lo, Access.Write, res)).toBe(FaultKind.Permission);
    switchAsid(w.r, w.roots, 1);
    expect(w.tlb.lookup(w.r, hi, lo, 0, res)).toBe(false);
    switchAsid(w.r, w.roots, 0);
    w.r.vttbrHi = 2 << 16;
    expect(w.tlb.lookup(w.r, hi, lo, 0, res)).toBe(false);
    // Non-canonical top byte without TBI never hits.
    w.r.vttbrHi = 0;
    expect(w.tlb.lookup(w.r, (hi | 0x12000000) >>> 0, lo, 0, res)).toBe(false);
    expect(TWO32).toBeGreaterThan(0);
  });
});
