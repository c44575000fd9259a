/*
 * Differential testing of the FP/AdvSIMD/crypto/PAuth handlers against QEMU user mode.
 * harness/simd/simd-harness.c runs one word per case under one long-lived
 * `qemu-aarch64 -cpu max,sve=off,sme=off -seed 1`; the same word runs here in a user-mode Cpu. Both
 * sides start from X0-X30, V0-V31, FPCR, FPSR, NZCV (V registers biased toward FP special values and
 * integer edges, FPCR with random DN/FZ/FZ16/AHP/RMode) and compare X, V, FPSR, NZCV, the fault
 * signal and (for loads/stores) a hash of the data page.
 */
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { xorshift32 } from "@armature/core/test";
import { decode } from "../decoder/decode.js";
import { ENCODINGS } from "../decoder/table.js";
import { M1_MODEL } from "../model.js";
import {
  CODE,
  DATA,
  DATA_SIZE,
  type DiffRun,
  diffRun,
  harnessCpu,
  type Rng,
  SAME,
  signalFor,
  type Verdict,
} from "./difftest.js";
import { QemuRecordOracle, type RecordFormat } from "./qemu-user.js";

/** struct st: x[31] @0, fpcr @248, fpsr @256, nzcv @264, v[32][16] @288. */
const ST_SIZE = 800;
const REQ_SIZE = 16 + ST_SIZE;
const RESP_SIZE = 8 + ST_SIZE;
const MAGIC = 0x444d4953;
/** FPSR bits compared: QC and the cumulative exception flags. */
export const FPSR_MASK = 0x0800009f;

export interface SimdCase {
  word: number;
  /** 1: the word accesses memory (data page filled from seed, hashed after). */
  flags: number;
  seed: number;
  /** ST_SIZE bytes of struct st. */
  state: Uint8Array;
  /** Class used for the per-class tables. */
  iclass: string;
  id: string;
}

export interface SimdResult {
  status: number;
  memhash: number;
  state: Uint8Array;
}

/** Builds the harness with the cross compiler into `dir`; returns the binary's path. */
export function buildSimdHarness(dir: string): string {
  const out = join(dir, "simd-harness");
  const src = join(import.meta.dirname, "../../harness/simd/simd-harness.c");
  try {
    execFileSync("aarch64-linux-gnu-gcc", ["-static", "-O2", "-o", out, src], { stdio: "pipe" });
  } catch (e) {
    throw new Error(
      `building the SIMD harness failed (${(e as Error).message}); run 'bash scripts/install-system-tools.sh'`,
    );
  }
  return out;
}

/** The SIMD harness's records (struct req / struct resp of simd-harness.c). */
const SIMD_RECORDS: RecordFormat<SimdCase, SimdResult> = {
  request: REQ_SIZE,
  encode(c, req, o) {
    req.writeUInt32LE(MAGIC, o);
    req.writeUInt32LE(c.word >>> 0, o + 4);
    req.writeUInt32LE(c.flags, o + 8);
    req.writeUInt32LE(c.seed >>> 0, o + 12);
    req.set(c.state, o + 16);
  },
  response: RESP_SIZE,
  decode: (all, o) => ({
    status: all.readUInt32LE(o),
    memhash: all.readUInt32LE(o + 4),
    state: new Uint8Array(all.subarray(o + 8, o + 8 + ST_SIZE)),
  }),
};

function fill(p: Uint8Array, seed: number): void {
  const next = xorshift32(seed >>> 0 || 0x9e3779b9);
  for (let i = 0; i < p.length; i++) p[i] = next() & 0xff;
}
function fnv(p: Uint8Array): number {
  let h = 2166136261 | 0;
  for (let i = 0; i < p.length; i++) h = Math.imul(h ^ p[i]!, 16777619);
  return h >>> 0;
}

export class LocalSimdOracle {
  private readonly pages = harnessCpu();
  readonly cpu = this.pages.cpu;

  run(k: SimdCase): SimdResult {
    const cpu = this.cpu;
    this.pages.code.view.setUint32(0, k.word >>> 0, true);
    this.pages.code.view.setUint32(4, 0xd503201f, true);
    cpu.invalidateCode(CODE, 4096);
    if (k.flags & 1) fill(this.pages.data.u8, k.seed);
    const dv = new DataView(k.state.buffer, k.state.byteOffset, ST_SIZE);
    for (let i = 0; i < 31; i++) cpu.setX(i, dv.getBigUint64(8 * i, true));
    cpu.fpcr = dv.getUint32(248, true);
    cpu.fpsr = dv.getUint32(256, true);
    cpu.setNZCV(dv.getUint32(264, true));
    cpu.vb.set(k.state.subarray(288, 288 + 512));
    cpu.exValid = false;
    cpu.setPC(CODE);
    const exit = cpu.run(1);
    const res: SimdResult = { status: 0, memhash: 0, state: new Uint8Array(ST_SIZE) };
    if (exit.reason === "exception") res.status = signalFor(exit.esr);
    else if (exit.reason === "debug") res.status = 5;
    else {
      const o = new DataView(res.state.buffer);
      for (let i = 0; i < 31; i++) o.setBigUint64(8 * i, cpu.getX(i), true);
      o.setUint32(248, cpu.fpcr, true);
      o.setUint32(256, cpu.fpsr, true);
      o.setUint32(264, cpu.getNZCV() >>> 0, true);
      res.state.set(cpu.vb, 288);
    }
    if (k.flags & 1) res.memhash = fnv(this.pages.data.u8);
    return res;
  }
}

/** Why two results differ (null when they agree). */
export function compareSimd(a: SimdResult, b: SimdResult, mem: boolean): string | null {
  if (a.status !== b.status) return `status ${a.status} vs ${b.status}`;
  if (a.status !== 0) return null;
  if (mem && a.memhash !== b.memhash) return "memory";
  const da = new DataView(a.state.buffer);
  const db = new DataView(b.state.buffer);
  for (let i = 0; i < 31; i++) {
    if (da.getBigUint64(8 * i, true) !== db.getBigUint64(8 * i, true)) {
      return `x${i} ${da.getBigUint64(8 * i, true).toString(16)} vs ${db.getBigUint64(8 * i, true).toString(16)}`;
    }
  }
  const fa = da.getUint32(256, true) & FPSR_MASK;
  const fb = db.getUint32(256, true) & FPSR_MASK;
  const hx = (v: number) => v.toString(16);
  for (let r = 0; r < 32; r++) {
    for (let w = 0; w < 4; w++) {
      const o = 288 + 16 * r + 4 * w;
      if (da.getUint32(o, true) !== db.getUint32(o, true)) {
        const q = (d: DataView) =>
          [3, 2, 1, 0]
            .map((k) =>
              d
                .getUint32(288 + 16 * r + 4 * k, true)
                .toString(16)
                .padStart(8, "0"),
            )
            .join("_");
        return `v${r} ${q(da)} vs ${q(db)} (fpsr ${hx(fa)} vs ${hx(fb)})`;
      }
    }
  }
  if (fa !== fb) return `fpsr ${hx(fa)} vs ${hx(fb)}`;
  if (da.getUint32(264, true) >>> 28 !== db.getUint32(264, true) >>> 28) {
    return `nzcv ${hx(da.getUint32(264, true) >>> 28)} vs ${hx(db.getUint32(264, true) >>> 28)}`;
  }
  return null;
}

// ------------------------------------------------------------------ case generation

/** Instruction classes under test. */
export function isSimdClass(iclass: string): boolean {
  return /^(float|asimd|asisd|crypto)/.test(iclass);
}

/**
 * PAuth instructions whose results do not depend on the (per-process, unknown) QEMU keys: XPAC*.
 * PAC/AUT results are keyed; they are checked by the round-trip tests instead.
 */
export function isDiffPauth(id: string): boolean {
  return id.startsWith("XPAC");
}

/** Base load/store classes with a SIMD&FP register (V = bit 26 fixed to 1); PC-relative literals excluded. */
export function isSimdLdst(iclass: string, mask: number, bits: number): boolean {
  return iclass.startsWith("ldst") && ((mask >>> 26) & 1) === 1 && ((bits >>> 26) & 1) === 1;
}

export interface SimdEntry {
  index: number;
  id: string;
  iclass: string;
  mask: number;
  bits: number;
  fields: readonly { name: string; lsb: number; width: number }[];
  mem: boolean;
}

export function simdEntries(filter?: (id: string, iclass: string) => boolean): SimdEntry[] {
  const out: SimdEntry[] = [];
  ENCODINGS.forEach((e, index) => {
    const simdLdst = isSimdLdst(e.iclass, e.mask >>> 0, e.bits >>> 0);
    if (!(isSimdClass(e.iclass) || isDiffPauth(e.id) || simdLdst)) return;
    if (filter && !filter(e.id, e.iclass)) return;
    out.push({
      index,
      id: e.id,
      iclass: e.iclass,
      mask: e.mask >>> 0,
      bits: e.bits >>> 0,
      fields: e.fields,
      mem: e.iclass.startsWith("asisdls") || simdLdst,
    });
  });
  return out;
}

const F64_SPECIAL: [number, number][] = [
  [0, 0],
  [0x80000000, 0],
  [0x7ff00000, 0],
  [0xfff00000, 0],
  [0x7ff80000, 0],
  [0xfff80000, 0x1234],
  [0x7ff40000, 0xdead], // sNaN with payload
  [0xfff00000, 1], // sNaN
  [0, 1], // min subnormal
  [0x000fffff, 0xffffffff], // max subnormal
  [0x00100000, 0], // min normal
  [0x7fefffff, 0xffffffff], // max normal
  [0x3ff00000, 0], // 1.0
  [0xbff80000, 0], // -1.5
  [0x40040000, 0], // 2.5
  [0xc00c0000, 0], // -3.5
  [0x41dfffff, 0xffc00000], // 2^31 - 1
  [0x41e00000, 0], // 2^31
  [0xc1e00000, 0], // -2^31
  [0x41efffff, 0xffe00000], // 2^32 - 1
  [0x43e00000, 0], // 2^63
  [0xc3e00000, 0], // -2^63
  [0x43f00000, 0], // 2^64
  [0x3fe00000, 0], // 0.5
  [0x3fdfffff, 0xffffffff], // 0.5 - ulp
  [0x3ff00000, 1], // 1 + ulp
  [0x47efffff, 0xe0000000], // f32 max
  [0x47efffff, 0xf0000000], // just above f32 max (rounding boundary)
  [0x36a00000, 0], // f32 min subnormal
  [0x380fffff, 0xe0000000], // f32 just below min normal
  [0x40effc00, 0], // f16 max 65504
  [0x3e700000, 0], // f16 min subnormal
];
const F32_SPECIAL = [
  0, 0x80000000, 0x7f800000, 0xff800000, 0x7fc00000, 0xffc01234, 0x7fa00001, 0xff800001, 1, 0x007fffff,
  0x00800000, 0x7f7fffff, 0x3f800000, 0xbfc00000, 0x40200000, 0xc0600000, 0x4effffff, 0x4f000000, 0xcf000000,
  0x4f7fffff, 0x4f800000, 0x5f000000, 0xdf000000, 0x5f800000, 0x3f000000, 0x3effffff, 0x3f800001, 0x477fe000,
  0x477ff000, 0x33800000, 0x387fc000, 0x38800000, 0x46fffe00, 0xc7000000, 0x3fffffff, 0x4b000001, 0x4b7fffff,
];
const F16_SPECIAL = [
  0, 0x8000, 0x7c00, 0xfc00, 0x7e00, 0xfe12, 0x7d01, 0xfc01, 1, 0x03ff, 0x0400, 0x7bff, 0x3c00, 0xbe00,
  0x4100, 0xc300, 0x3800, 0x37ff, 0x3c01, 0x7800, 0x5bff, 0x77ff, 0xf7ff, 0x4900, 0x4d00,
];
const INT_EDGE = [
  0, 1, 0x7f, 0x80, 0xff, 0x7fff, 0x8000, 0xffff, 0x7fffffff, 0x80000000, 0xffffffff, 0xfffffffe,
];

/** 8 bytes biased toward special values at a random element size. */
function special64(r: Rng, dv: DataView, o: number): void {
  const k = r.int(8);
  if (k === 0) {
    dv.setUint32(o, r.u32(), true);
    dv.setUint32(o + 4, r.u32(), true);
  } else if (k === 1 || k === 2) {
    const s = F64_SPECIAL[r.int(F64_SPECIAL.length)]!;
    let lo = s[1];
    let hi = s[0];
    if (r.int(4) === 0) lo = (lo + r.int(3) - 1) >>> 0; // one ulp either side
    if (r.int(3) === 0) hi = (hi ^ 0x80000000) >>> 0;
    dv.setUint32(o, lo >>> 0, true);
    dv.setUint32(o + 4, hi >>> 0, true);
  } else if (k === 3 || k === 4) {
    for (let i = 0; i < 2; i++) {
      let v = r.int(4) === 0 ? r.u32() : F32_SPECIAL[r.int(F32_SPECIAL.length)]!;
      if (r.int(4) === 0) v = (v + r.int(3) - 1) >>> 0;
      if (r.int(3) === 0) v = (v ^ 0x80000000) >>> 0;
      dv.setUint32(o + 4 * i, v >>> 0, true);
    }
  } else if (k === 5 || k === 6) {
    for (let i = 0; i < 4; i++) {
      let v = r.int(4) === 0 ? r.u32() & 0xffff : F16_SPECIAL[r.int(F16_SPECIAL.length)]!;
      if (r.int(4) === 0) v = (v + r.int(3) - 1) & 0xffff;
      if (r.int(3) === 0) v ^= 0x8000;
      dv.setUint16(o + 2 * i, v, true);
    }
  } else {
    for (let i = 0; i < 2; i++) dv.setUint32(o + 4 * i, INT_EDGE[r.int(INT_EDGE.length)]!, true);
    if (r.int(2) === 0) dv.setUint8(o + r.int(8), INT_EDGE[r.int(INT_EDGE.length)]! & 0xff);
  }
}

/** Random word of an entry (fields random, retried until it decodes to that entry). */
function wordFor(r: Rng, e: SimdEntry): number {
  for (let t = 0; t < 64; t++) {
    let w = e.bits;
    for (const f of e.fields) {
      const v = f.width >= 32 ? r.u32() : r.u32() & ((1 << f.width) - 1);
      w = (w | (v << f.lsb)) >>> 0;
    }
    if (e.mem) {
      // Rn = x1 (points into the data page), Rm = x2 or 31 (post-index by register / immediate)
      w = ((w & ~(31 << 5)) | (1 << 5)) >>> 0;
      if (e.iclass.startsWith("asisdls") && e.iclass.endsWith("p")) {
        w = ((w & ~(31 << 16)) | ((r.int(2) ? 2 : 31) << 16)) >>> 0;
      }
      if (e.iclass === "ldst_regoff") w = ((w & ~(31 << 16)) | (2 << 16)) >>> 0;
    }
    if (decode(w, M1_MODEL) === e.index) return w;
  }
  return -1;
}

const RMODES = [0, 1, 2, 3];

export function randomSimdCase(r: Rng, entries: readonly SimdEntry[]): SimdCase {
  for (;;) {
    const e = entries[r.int(entries.length)]!;
    const w = wordFor(r, e);
    if (w < 0) continue;
    return caseFor(r, e, w);
  }
}

export function caseFor(r: Rng, e: SimdEntry, w: number): SimdCase {
  const state = new Uint8Array(ST_SIZE);
  const dv = new DataView(state.buffer);
  for (let i = 0; i < 31; i++) {
    if (r.int(2)) special64(r, dv, 8 * i);
    else {
      dv.setUint32(8 * i, r.u32(), true);
      dv.setUint32(8 * i + 4, r.int(2) ? 0 : r.u32(), true);
    }
  }
  for (let i = 0; i < 64; i++) special64(r, dv, 288 + 8 * i);
  // FPCR: AHP (26), DN (25), FZ (24), RMode (23:22), FZ16 (19), each random.
  let fpcr = RMODES[r.int(4)]! << 22;
  if (r.int(3) === 0) fpcr |= 1 << 25;
  if (r.int(3) === 0) fpcr |= 1 << 24;
  if (r.int(3) === 0) fpcr |= 1 << 19;
  if (r.int(6) === 0) fpcr |= 1 << 26;
  dv.setUint32(248, fpcr >>> 0, true);
  dv.setUint32(256, r.int(4) === 0 ? r.u32() & FPSR_MASK : 0, true);
  dv.setUint32(264, (r.int(16) << 28) >>> 0, true);
  const seed = r.u32();
  if (e.mem) {
    // x1 = data page + offset (structures up to 64 bytes stay inside), x2 = small post-index
    dv.setBigUint64(8, BigInt(DATA + 2048 + r.int(DATA_SIZE - 4096)), true);
    dv.setBigUint64(16, BigInt(r.int(2) ? r.int(128) : r.int(16)), true);
  }
  return { word: w, flags: e.mem ? 1 : 0, seed, state, iclass: e.iclass, id: e.id };
}

/** The SIMD run: QEMU on the built `harness`, our LocalSimdOracle, words drawn from `seed` (entries passing `filter`). */
export function simdDiff(
  harness: string,
  seed: number,
  filter?: (id: string, iclass: string) => boolean,
): DiffRun<SimdCase, SimdResult> {
  const qemu = new QemuRecordOracle(harness, "simd harness", SIMD_RECORDS);
  const sides = { qemu, ours: new LocalSimdOracle(), judge: judgeSimdCase };
  return diffRun(sides, simdEntries(filter), randomSimdCase, seed);
}

/** The verdict on one SIMD case: compareSimd, else knownSimdDifference, else compareSimd's reason. */
export function judgeSimdCase(k: SimdCase, ours: SimdResult, qemu: SimdResult): Verdict {
  const why = compareSimd(ours, qemu, k.flags !== 0);
  if (why === null) return SAME;
  const name = knownSimdDifference(k, ours, qemu);
  return name !== null ? { kind: "known", name } : { kind: "diff", detail: why };
}

/**
 * Documented differences from QEMU (null when none applies):
 *  - `qemu-fp16-scalar-fixed`: QEMU writes the scalar half-precision FCVTZS/FCVTZU (fixed-point,
 *    `Hd, Hn, #fbits`) result sign-extended to 32 bits; the ARM ARM writes a 16-bit element and
 *    zeroes the rest of Vd (V[d] = result with datasize = esize = 16). We follow the ARM ARM.
 *  - `qemu-fjcvtzs-fz-subnormal`: FJCVTZS of a positive subnormal flushed to zero by FPCR.FZ: the
 *    ARM ARM FPToFixedJS clears Z when `sign == '0' && value == 0.0 && !IsZero(op<51:0>)`; QEMU sets Z.
 */
export function knownSimdDifference(k: SimdCase, ours: SimdResult, qemu: SimdResult): string | null {
  if (k.id === "FJCVTZS_32D_float2int" && ours.status === 0 && qemu.status === 0) {
    const st = new DataView(k.state.buffer);
    const n = (k.word >>> 5) & 31;
    const hi = st.getUint32(288 + 16 * n + 4, true);
    const lo = st.getUint32(288 + 16 * n, true);
    const fz = (st.getUint32(248, true) >>> 24) & 1;
    const subnormalPos = hi >>> 20 === 0 && ((hi & 0xfffff) | lo) !== 0;
    const a = new DataView(ours.state.buffer);
    const b = new DataView(qemu.state.buffer);
    if (fz && subnormalPos && a.getUint32(264, true) >>> 28 === 0 && b.getUint32(264, true) >>> 28 === 4) {
      const copy = new Uint8Array(qemu.state);
      new DataView(copy.buffer).setUint32(264, a.getUint32(264, true), true);
      if (compareSimd(ours, { ...qemu, state: copy }, false) === null) return "qemu-fjcvtzs-fz-subnormal";
    }
  }
  if (/^FCVTZ[SU]_asisdshf_C_H$/.test(k.id) && ours.status === 0 && qemu.status === 0) {
    const d = k.word & 31;
    const o = 288 + 16 * d;
    const a = new DataView(ours.state.buffer);
    const b = new DataView(qemu.state.buffer);
    const lo = a.getUint32(o, true);
    if ((b.getUint32(o, true) | 0) === (lo << 16) >> 16) {
      const copy = new Uint8Array(qemu.state);
      new DataView(copy.buffer).setUint32(o, lo, true);
      if (compareSimd(ours, { ...qemu, state: copy }, k.flags !== 0) === null)
        return "qemu-fp16-scalar-fixed";
    }
  }
  return null;
}
