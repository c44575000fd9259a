/**
 * The fast walker against the naive reference walker (src/test/reference.ts), on random
 * translation controls and random page tables in random memory: every granule (both TTBRs and
 * stage 2), every TnSZ (including out-of-range values, which both clamp), every start level,
 * blocks at every level, HA/HD on and off, stage 1 alone, stage 2 alone, nested, AT-style
 * accesses, PAN, WXN, external aborts on the walk. Each property run draws one configuration and
 * walks WALKS_PER_CONFIG addresses; memory side effects (HA/HD updates) must agree too.
 */
import { uintBits, uniform } from "@armature/core/test";
import fc from "fast-check";
import { expect } from "vitest";
import { Access, FaultKind, type WalkResult } from "../index.js";
import { translate } from "../walk.js";
import {
  RandomTableMemory,
  type RefAccess,
  type RefRegs,
  referenceFsc,
  referenceTranslate,
  regsFromRaw,
} from "./index.js";

export const WALKS_PER_CONFIG = Number(process.env.MMU_WALKS_PER_CONFIG ?? 50);

const KIND: Record<string, FaultKind> = {
  Translation: FaultKind.Translation,
  AccessFlag: FaultKind.AccessFlag,
  Permission: FaultKind.Permission,
  AddressSize: FaultKind.AddressSize,
  SyncExternalOnWalk: FaultKind.ExternalAbortOnWalk,
};

function u64(rand: () => number): bigint {
  return (BigInt(Math.floor(rand() * 2 ** 32)) << 32n) | BigInt(Math.floor(rand() * 2 ** 32));
}

const PA_SIZES = [32, 36, 40, 42, 44, 48, 48, 48, 52, 52];
const GRAN_BITS = [12, 16, 14]; // TG0 encodings 0, 1, 2

/** A stage 2 (T0SZ, SL0) pair that passes the start-level check for granule encoding tg. */
function validS2(tg: number, pick: number, paBits: number): [number, number] {
  const g = GRAN_BITS[tg] ?? 12;
  const s = g - 3;
  const opts: [number, number][] = [];
  const minT = g === 16 && paBits >= 52 ? 12 : 16;
  for (let sl0 = 0; sl0 < 3; sl0++) {
    const level = g === 12 ? 2 - sl0 : 3 - sl0;
    for (let t = minT; t <= 39; t++) {
      const c = 64 - t - ((3 - level) * s + g);
      if (c >= 1 && c <= s + 4) opts.push([t, sl0]);
    }
  }
  return opts[pick % opts.length]!;
}

/** A stage 1 TnSZ: mostly the architectural 16..39, sometimes out of range (both walkers clamp). */
const tnsz = fc.oneof(
  { weight: 9, arbitrary: fc.integer({ min: 16, max: 39 }) },
  fc.integer({ min: 10, max: 42 }),
);
/** Any 64-bit register value (TTBRs, MAIR, VTTBR). */
const reg64 = fc.bigInt({ min: 0n, max: (1n << 64n) - 1n });

export const configArb = fc.record({
  seed: fc.integer({ min: 1, max: 0x7fffffff }),
  paIdx: fc.integer({ min: 0, max: PA_SIZES.length - 1 }),
  windowBits: fc.integer({ min: 28, max: 42 }),
  windowFit: fc.integer({ min: 0, max: 9 }),
  invalid: fc.integer({ min: 0, max: 4 }),
  vaMode: fc.integer({ min: 0, max: 19 }),
  aborts: fc.boolean(),
  m: fc.integer({ min: 0, max: 19 }),
  wxn: fc.boolean(),
  pan: fc.boolean(),
  t0sz: tnsz,
  t1sz: tnsz,
  tg0: uintBits(2),
  tg1: uintBits(2),
  epd: fc.integer({ min: 0, max: 31 }),
  tbi0: fc.boolean(),
  tbi1: fc.boolean(),
  ha: fc.boolean(),
  hd: fc.boolean(),
  hpd0: fc.boolean(),
  hpd1: fc.boolean(),
  ips: uintBits(3),
  as16: fc.boolean(),
  a1: fc.boolean(),
  ttbr0: reg64,
  ttbr1: reg64,
  mair: reg64,
  vm: fc.integer({ min: 0, max: 19 }),
  vtg: uintBits(2),
  vValid: fc.integer({ min: 0, max: 19 }),
  vPick: fc.nat(),
  vt0sz: fc.integer({ min: 10, max: 42 }),
  vsl0: uintBits(2),
  vps: uintBits(3),
  vha: fc.boolean(),
  vhd: fc.boolean(),
  vs16: fc.boolean(),
  vttbr: reg64,
  baseMode: fc.integer({ min: 0, max: 19 }),
});

export type Config = typeof configArb extends fc.Arbitrary<infer T> ? T : never;

const PS = [32, 36, 40, 42, 44, 48, 52, 52];

/** Output addresses of the random tables: mostly fitted inside every configured size. */
function windowOf(c: Config): number {
  const paBits = PA_SIZES[c.paIdx]!;
  if (c.windowFit >= 8) return c.windowBits;
  let w = Math.min(c.windowBits, paBits, PS[c.ips]!, PS[c.vps]!);
  if (c.vm < 4) {
    const [vt0sz] = c.vValid < 18 ? validS2(c.vtg, c.vPick, paBits) : [c.vt0sz];
    w = Math.min(w, 64 - Math.min(39, Math.max(16, vt0sz)));
  }
  return Math.max(w, 24);
}

function buildRaw(c: Config): RefRegs {
  const paBits = PA_SIZES[c.paIdx]!;
  // Table bases: mostly inside the memory window, sometimes the raw random value (address size faults).
  const window = (1n << BigInt(windowOf(c))) - 1n;
  const fixBase = (v: bigint): bigint =>
    c.baseMode < 19 ? (v & ~0xffffffffffffn) | (v & window & ~0xfffn) : v;
  let vt0sz = c.vt0sz;
  let vsl0 = c.vsl0;
  if (c.vValid < 18) [vt0sz, vsl0] = validS2(c.vtg, c.vPick, paBits);
  const tcr =
    BigInt(c.t0sz & 0x3f) |
    (BigInt(c.epd & 1 && c.epd < 2 ? 1 : 0) << 7n) |
    (BigInt(c.tg0) << 14n) |
    (BigInt(c.t1sz & 0x3f) << 16n) |
    (BigInt(c.a1 ? 1 : 0) << 22n) |
    (BigInt(c.epd === 2 ? 1 : 0) << 23n) |
    (BigInt(c.tg1) << 30n) |
    (BigInt(c.ips) << 32n) |
    (BigInt(c.as16 ? 1 : 0) << 36n) |
    (BigInt(c.tbi0 ? 1 : 0) << 37n) |
    (BigInt(c.tbi1 ? 1 : 0) << 38n) |
    (BigInt(c.ha ? 1 : 0) << 39n) |
    (BigInt(c.hd ? 1 : 0) << 40n) |
    (BigInt(c.hpd0 ? 1 : 0) << 41n) |
    (BigInt(c.hpd1 ? 1 : 0) << 42n);
  const vtcr =
    BigInt(vt0sz & 0x3f) |
    (BigInt(vsl0) << 6n) |
    (BigInt(c.vtg) << 14n) |
    (BigInt(c.vps) << 16n) |
    (BigInt(c.vs16 ? 1 : 0) << 19n) |
    (BigInt(c.vha ? 1 : 0) << 21n) |
    (BigInt(c.vhd ? 1 : 0) << 22n);
  return {
    paBits,
    sctlr: (c.m < 18 ? 1n : 0n) | (c.wxn ? 1n << 19n : 0n),
    tcr,
    ttbr0: fixBase(c.ttbr0),
    ttbr1: fixBase(c.ttbr1),
    mair: c.mair,
    pan: c.pan,
    hcrVm: c.vm < 4,
    vtcr,
    vttbr: fixBase(c.vttbr),
  };
}

/** A random VA: mostly canonical for the selected range, sometimes random top bits / top byte. */
function randomVa(rand: () => number, c: Config): bigint {
  const upper = rand() < 0.5;
  const tsz = upper ? c.t1sz : c.t0sz;
  const insz = 64 - Math.min(39, Math.max(12, tsz));
  let va = u64(rand) & ((1n << BigInt(insz)) - 1n);
  const roll = rand();
  if (roll < 0.95 || c.vaMode !== 1) {
    if (upper) va |= ~((1n << BigInt(insz)) - 1n) & ((1n << 64n) - 1n);
  } else {
    va = u64(rand);
  }
  if (c.m >= 18 && rand() < 0.8) va &= (1n << BigInt(PA_SIZES[c.paIdx]! - 1)) - 1n;
  const tbi = upper ? c.tbi1 : c.tbi0;
  if ((tbi && rand() < 0.5) || (c.vaMode === 0 && rand() < 0.3)) {
    va = (va & ((1n << 56n) - 1n)) | (BigInt(Math.floor(rand() * 256)) << 56n);
  }
  return va;
}

function randomAccess(rand: () => number): [number, RefAccess] {
  const k = Math.floor(rand() * 12);
  const write = k === 1 || k === 2 || k === 8 || k === 10;
  const exec = k === 3 || k === 4;
  const unpriv = k === 2 || k === 4 || k === 5 || k === 8;
  const at = k >= 7 && k <= 10;
  const atPan = k === 9 || k === 10;
  const s1only = at && rand() < 0.8;
  let acc = 0;
  if (write) acc |= Access.Write;
  if (exec) acc |= Access.Exec;
  if (unpriv) acc |= Access.Unpriv;
  if (at) acc |= Access.At;
  if (atPan) acc |= Access.AtPan;
  if (s1only) acc |= Access.Stage1Only;
  return [acc, { write, exec, unpriv, at, atPan, s1only }];
}

export const stats = { walks: 0, faults: new Map<string, number>(), ok: 0, s2: 0, nestedOk: 0, updates: 0 };

/** Run one configuration's walks, asserting agreement; returns the successful stage 1 sizes seen. */
export function runConfig(c: Config, levelsSeen: Set<string>, out: WalkResult, log = false): void {
  const raw = buildRaw(c);
  const regs = regsFromRaw(raw);
  const base = new RandomTableMemory({
    seed: c.seed,
    windowBits: windowOf(c),
    aborts: c.aborts && c.invalid === 0,
    invalid: c.invalid,
  });
  const memFast = base.clone();
  const memRef = base.clone();
  const rand = uniform(c.seed ^ 0x5bd1e995);
  for (let i = 0; i < WALKS_PER_CONFIG; i++) {
    const va = randomVa(rand, c);
    const [acc, racc] = randomAccess(rand);
    const vaHi = Number(va >> 32n);
    const vaLo = Number(va & 0xffffffffn);
    const f = translate(regs, memFast, vaHi, vaLo, acc, out);
    if (log)
      console.log(
        i,
        va.toString(16),
        acc,
        f,
        out.level,
        out.stage,
        memFast.overlay.size,
        memRef.overlay.size,
      );
    const ref = referenceTranslate(raw, memRef, va, racc);
    stats.walks++;
    const where = `va=0x${va.toString(16)} acc=${acc} walk#${i}`;
    if (ref.fault !== null) {
      const key = `${ref.fault.type}/L${ref.fault.level}/S${ref.fault.secondstage ? 2 : 1}${ref.fault.s2fs1walk ? "/ptw" : ""}`;
      stats.faults.set(key, (stats.faults.get(key) ?? 0) + 1);
      expect({
        where,
        kind: f,
        level: out.level,
        stage: out.stage,
        s1ptw: out.s1ptw,
        wnr: out.wnr,
        fsc: out.fsc,
      }).toEqual({
        where,
        kind: KIND[ref.fault.type],
        level: ref.fault.level,
        stage: ref.fault.secondstage ? 2 : 1,
        s1ptw: ref.fault.s2fs1walk,
        wnr: ref.fault.write,
        fsc: referenceFsc(ref.fault),
      });
      if (ref.fault.secondstage)
        expect({ where, ipa: out.ipa }).toEqual({ where, ipa: Number(ref.fault.ipaddress) });
    } else {
      stats.ok++;
      expect({ where, kind: f, pa: out.pa, ipa: out.ipa }).toEqual({
        where,
        kind: FaultKind.None,
        pa: Number(ref.pa),
        ipa: Number(ref.ipa),
      });
      expect({ where, memAttr: out.memAttr, sh: out.sh, nG: out.nG }).toEqual({
        where,
        memAttr: ref.memattr,
        sh: ref.sh,
        nG: ref.nG,
      });
      if (regs.m) {
        expect(out.s1SizeLog2).toBe(ref.s1BlockBits);
        levelsSeen.add(`g${(va >> 55n) & 1n ? regs.tg1 : regs.tg0}/size${out.s1SizeLog2}`);
      }
      if (out.s2) {
        stats.s2++;
        if (regs.m) stats.nestedOk++;
        expect({ where, s2: out.s2SizeLog2, a: out.s2MemAttr, sh: out.s2Sh }).toEqual({
          where,
          s2: ref.s2BlockBits,
          a: ref.s2MemAttr,
          sh: ref.s2Sh,
        });
      }
    }
    if (log)
      console.log(
        ref.fault,
        [...memFast.overlay].map(([k, v]) => [k.toString(16), v[1].toString(16), v[0].toString(16)]),
        [...memRef.overlay].map(([k, v]) => [k.toString(16), v[1].toString(16), v[0].toString(16)]),
      );
    if (memFast.overlay.size !== memRef.overlay.size) throw new Error(`HA/HD updates differ at ${where}`);
  }
  for (const [k, v] of memRef.overlay) {
    const w = memFast.overlay.get(k);
    if (w === undefined || w[0] !== v[0] || w[1] !== v[1])
      throw new Error(`descriptor at 0x${k.toString(16)} differs`);
  }
  stats.updates += memRef.overlay.size;
}
