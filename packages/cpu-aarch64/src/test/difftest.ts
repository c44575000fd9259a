/*
 * Differential testing against QEMU user mode. The static C harness
 * (harness/harness.c) runs under one long-lived `qemu-aarch64 -cpu max,sve=off,sme=off -seed 1`
 * process; cases go over a pipe in batches. The same case runs in our interpreter with the same
 * code/data addresses, and the final X registers, SP, NZCV, PC (on a fault) and a hash of the data
 * region are compared.
 */
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { Bus, type RamRegion } from "@armature/core";
import { xorshift32 } from "@armature/core/test";
import { decode } from "../decoder/decode.js";
import { ENCODINGS } from "../decoder/table.js";
import { Cpu } from "../interp/cpu.js";
import { UNIMPLEMENTED_IDS } from "../interp/dispatch.js";
import { EC, ecOf, FSC } from "../interp/syndrome.js";
import { M1_MODEL } from "../model.js";
import { QemuRecordOracle } from "./qemu-user.js";

export const CODE = 0x10000000;
export const DATA = 0x20000000;
export const DATA_SIZE = 8192;
export const NWORDS = 16;
const TEST = CODE + 0x800;
const END = CODE + 0x840;
const REQ_SIZE = 344;
const RESP_SIZE = 296;
const NOP = 0xd503201f;

export interface DiffCase {
  words: number[];
  x: bigint[]; // 31 values
  sp: bigint;
  nzcv: number;
  seed: number;
}

export interface DiffResult {
  /** 0 = completed, else the POSIX signal number (SIGILL 4, SIGTRAP 5, SIGBUS 7, SIGSEGV 11). */
  status: number;
  nzcv: number;
  x: bigint[];
  sp: bigint;
  pc: bigint;
  memhash: number;
  /** Our side only: the sequence stored into its own 16 instruction words. */
  codeModified?: boolean;
}

export function encodeCase(c: DiffCase, buf: Buffer, off: number): void {
  buf.writeUInt32LE(0x45534143, off);
  buf.writeUInt32LE(c.words.length, off + 4);
  buf.writeBigUInt64LE(BigInt(c.nzcv >>> 0), off + 8);
  for (let i = 0; i < 31; i++) buf.writeBigUInt64LE(c.x[i]!, off + 16 + 8 * i);
  buf.writeBigUInt64LE(c.sp, off + 264);
  buf.writeBigUInt64LE(BigInt(c.seed >>> 0), off + 272);
  for (let i = 0; i < NWORDS; i++)
    buf.writeUInt32LE(i < c.words.length ? c.words[i]! >>> 0 : NOP, off + 280 + 4 * i);
}

function decodeResp(buf: Buffer, off: number): DiffResult {
  const x: bigint[] = [];
  for (let i = 0; i < 31; i++) x.push(buf.readBigUInt64LE(off + 16 + 8 * i));
  return {
    status: buf.readUInt32LE(off),
    nzcv: Number(buf.readBigUInt64LE(off + 8)),
    x,
    sp: buf.readBigUInt64LE(off + 264),
    pc: buf.readBigUInt64LE(off + 272),
    memhash: Number(buf.readBigUInt64LE(off + 288)),
  };
}

/** Builds harness/build.sh's programs (this harness, the user-mode C programs) into `dir`. */
export function buildUserPrograms(dir: string, stdio: "pipe" | "inherit" = "pipe"): void {
  execFileSync("bash", [join(import.meta.dirname, "../../harness/build.sh"), dir], { stdio });
}

function fillData(u32: Uint32Array, seed: number): void {
  const next = xorshift32(seed | 1);
  for (let i = 0; i < u32.length; i++) u32[i] = next();
}

function hashData(u32: Uint32Array): number {
  let h = 2166136261 | 0;
  for (let i = 0; i < u32.length; i++) h = Math.imul(h ^ u32[i]!, 16777619);
  return h >>> 0;
}

/** The harness's prologue/epilogue words (same encodings as build_frame() in harness.c). */
function buildFrame(): Uint8Array {
  const page = new Uint8Array(4096);
  const dv = new DataView(page.buffer);
  const S = (off: number): number => off - 0x1000;
  const ldrLit = (rt: number, off: number): number => (0x58000000 | (((off / 4) & 0x7ffff) << 5) | rt) >>> 0;
  const strX0 = (rt: number, off: number): number => (0xf9000000 | ((off / 8) << 10) | rt) >>> 0;
  let p = 0x400;
  const put = (w: number): void => {
    dv.setUint32(p, w >>> 0, true);
    p += 4;
  };
  put(ldrLit(0, S(0x000) - p));
  put(0xd51b4200);
  put(ldrLit(0, S(0x008) - p));
  put(0x9100001f);
  for (let i = 1; i <= 30; i++) put(ldrLit(i, S(0x10 + 8 * i) - p));
  put(ldrLit(0, S(0x10) - p));
  put(0xd503305f);
  put(0x14000000 | (((0x800 - p) / 4) & 0x3ffffff));
  p = 0x840;
  put(0xd51bd040);
  {
    const off = S(0x200) - p;
    put(0x10000000 | ((off & 3) << 29) | (((off >> 2) & 0x7ffff) << 5));
  }
  for (let i = 1; i <= 30; i++) put(strX0(i, 8 * i));
  put(0xd53b4201);
  put(strX0(1, 256));
  put(0x910003e1);
  put(strX0(1, 248));
  put(0xd53bd041);
  put(strX0(1, 0));
  put(ldrLit(1, S(0x180) - p));
  put(0xd61f0020);
  return page;
}
const FRAME = buildFrame();

/** A user-mode Cpu with the harnesses' code page (CODE) and data pages (DATA), both sides' layout. */
export function harnessCpu(): { cpu: Cpu; code: RamRegion; data: RamRegion } {
  const bus = new Bus();
  const code = bus.addRam("code", CODE, 4096);
  const data = bus.addRam("data", DATA, DATA_SIZE);
  return { cpu: new Cpu({ bus, model: M1_MODEL, userMode: true }), code, data };
}

/** Our side: a user-mode Cpu with the harness's code and data pages. */
export class LocalOracle {
  private readonly pages = harnessCpu();
  readonly cpu = this.pages.cpu;
  private readonly data32 = new Uint32Array(this.pages.data.buffer, 0, DATA_SIZE / 4);

  run(c: DiffCase): DiffResult {
    const cpu = this.cpu;
    this.pages.code.u8.set(FRAME);
    for (let i = 0; i < NWORDS; i++) {
      this.pages.code.view.setUint32(0x800 + 4 * i, i < c.words.length ? c.words[i]! >>> 0 : NOP, true);
    }
    cpu.invalidateCode(CODE, 4096);
    fillData(this.data32, c.seed);
    for (let i = 0; i < 31; i++) cpu.setX(i, c.x[i]!);
    cpu.setX(31, c.sp);
    cpu.setNZCV(c.nzcv);
    cpu.exValid = false;
    cpu.setPC(TEST);
    let status = 0;
    for (let steps = 0; steps < 200; steps++) {
      const pc = cpu.pc + cpu.pcHi * 4294967296;
      if (pc === END) break;
      const exit = cpu.run(1);
      if (exit.reason === "exception") {
        status = signalFor(exit.esr);
        break;
      }
      if (exit.reason === "svc") {
        status = -1;
        break;
      }
    }
    const x: bigint[] = [];
    for (let i = 0; i < 31; i++) x.push(cpu.getX(i));
    let codeModified = false;
    for (let i = 0; i < NWORDS; i++) {
      const orig = i < c.words.length ? c.words[i]! >>> 0 : NOP;
      if (this.pages.code.view.getUint32(0x800 + 4 * i, true) !== orig) codeModified = true;
    }
    return {
      codeModified,
      status,
      nzcv: cpu.getNZCV() >>> 0,
      x,
      sp: cpu.getX(31),
      pc: status === 0 ? BigInt(END) : cpu.getPC(),
      memhash: hashData(this.data32),
    };
  }
}

/** The POSIX signal Linux delivers for an ESR (EC, DFSC). */
export function signalFor(esr: number): number {
  const ec = ecOf(esr);
  // an alignment fault is SIGBUS (7), other data/instruction aborts SIGSEGV (11), BRK SIGTRAP (5)
  if (ec === EC.DABT_LOWER || ec === EC.DABT_SAME) return (esr & 0x3f) === FSC.ALIGNMENT ? 7 : 11;
  if (ec === EC.IABT_LOWER || ec === EC.IABT_SAME) return 11;
  if (ec === EC.PC_ALIGN || ec === EC.SP_ALIGN) return 7;
  if (ec === EC.BRK64) return 5;
  return 4;
}

// ------------------------------------------------------------------ generation

/** sfc32 PRNG (deterministic per seed). */
export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;
  constructor(seed: number) {
    this.a = 0x9e3779b9;
    this.b = 0x243f6a88;
    this.c = 0xb7e15162;
    this.d = seed >>> 0;
    for (let i = 0; i < 16; i++) this.u32();
  }
  u32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }
  int(n: number): number {
    return this.u32() % n;
  }
}

const EDGE: bigint[] = [
  0n,
  1n,
  2n,
  0x7fn,
  0x80n,
  0xffn,
  0x7fffn,
  0x8000n,
  0xffffn,
  0x7fffffffn,
  0x80000000n,
  0xffffffffn,
  0x100000000n,
  0x7fffffffffffffffn,
  0x8000000000000000n,
  0xffffffffffffffffn,
  0xfffffffffffffffen,
  0xffffffff80000000n,
  0x00000000ffffffffn,
  63n,
  64n,
  32n,
  31n,
];

function randomValue(r: Rng): bigint {
  const k = r.int(10);
  if (k < 3) return EDGE[r.int(EDGE.length)]!;
  if (k < 6) return BigInt(DATA + 0x1000 + 16 * r.int(120)) + (r.int(4) === 0 ? BigInt(r.int(16)) : 0n);
  if (k < 7) return BigInt(r.int(64));
  return (BigInt(r.u32()) << 32n) | BigInt(r.u32());
}

/** Classes the generator draws from: integer, memory, atomics, branches, flag manipulation. */
const ALLOWED_CLASSES = new Set([
  "pcreladdr",
  "addsub_imm",
  "log_imm",
  "movewide",
  "bitfield",
  "extract",
  "addsub_shift",
  "addsub_ext",
  "addsub_carry",
  "log_shift",
  "condsel",
  "condcmp",
  "condcmp_imm",
  "condcmp_reg",
  "dp_1src",
  "dp_2src",
  "dp_3src",
  "rmif",
  "setf",
  "branch_imm",
  "condbranch",
  "compbranch",
  "testbranch",
  "ldst_pos",
  "ldst_immpost",
  "ldst_immpre",
  "ldst_unscaled",
  "ldst_unpriv",
  "ldst_regoff",
  "loadlit",
  "ldstpair_off",
  "ldstpair_post",
  "ldstpair_pre",
  "ldstnapair_offs",
  "ldstexcl",
  "ldstexclr",
  "ldstexclp",
  "ldstord",
  "comswap",
  "comswappr",
  "memop",
  "ldapstl_unscaled",
]);
const ALLOWED_IDS = new Set([
  "CFINV_M_pstate",
  "XAFLAG_M_pstate",
  "AXFLAG_M_pstate",
  "NOP_HI_hints",
  "CLREX_BN_barriers",
]);

export interface GenEntry {
  index: number;
  id: string;
  mask: number;
  bits: number;
  iclass: string;
}

export function generatorEntries(): GenEntry[] {
  const skip = new Set(UNIMPLEMENTED_IDS);
  const out: GenEntry[] = [];
  ENCODINGS.forEach((e, index) => {
    if (skip.has(e.id)) return;
    if (!ALLOWED_CLASSES.has(e.iclass) && !ALLOWED_IDS.has(e.id)) return;
    if (e.feature !== null && !M1_MODEL.features.has(e.feature)) return;
    // Pointer authentication is compared by the FP/SIMD/PAuth harness (IMPDEF PAC here, QARMA in QEMU).
    if (e.feature === "FEAT_PAuth") return;
    // SIMD&FP registers are not compared here (difftest-simd.ts does): skip V=1 load/store forms.
    if (e.group === "ldst" && ((e.bits >>> 26) & 1) === 1 && ((e.mask >>> 26) & 1) === 1) return;
    out.push({ index, id: e.id, mask: e.mask, bits: e.bits, iclass: e.iclass });
  });
  return out;
}

/** A random word of entry `e` that decodes (for our model) back to `e`. */
export function randomWord(r: Rng, e: GenEntry, pos: number, n: number): number {
  for (let tries = 0; tries < 50; tries++) {
    let w = ((r.u32() & ~e.mask) | e.bits) >>> 0;
    // keep branches inside the sequence: forward to a later slot or to the end
    const span = NWORDS - pos; // slots from here to the epilogue (inclusive of END)
    const k = 1 + r.int(Math.max(1, Math.min(span, n - pos + 1)));
    if (e.iclass === "branch_imm") w = ((w & 0xfc000000) | (k & 0x3ffffff)) >>> 0;
    else if (e.iclass === "condbranch" || e.iclass === "compbranch")
      w = ((w & 0xff00001f) | ((k & 0x7ffff) << 5)) >>> 0;
    else if (e.iclass === "testbranch") w = ((w & 0xfff8001f) | ((k & 0x3fff) << 5)) >>> 0;
    else if (e.iclass === "loadlit") {
      // literal inside the 16 test words (identical on both sides)
      const off = (r.int(14) - pos) * 4;
      w = ((w & 0xff00001f) | ((((off >> 2) & 0x7ffff) << 5) >>> 0)) >>> 0;
    }
    if (decode(w, M1_MODEL) === e.index && !constrainedUnpredictable(e, w)) return w;
  }
  return -1;
}

/**
 * Words whose result the ARM ARM leaves CONSTRAINED UNPREDICTABLE (K1.2): load pair with Rt == Rt2,
 * writeback with Rn == Rt (Rn != SP), store-exclusive with Rs == Rt/Rt2/Rn, load-exclusive pair
 * with Rt == Rt2. QEMU and we may legitimately differ there, so they are not generated.
 */
export function constrainedUnpredictable(e: GenEntry, w: number): boolean {
  const t = w & 31;
  const n = (w >>> 5) & 31;
  const t2 = (w >>> 10) & 31;
  const s = (w >>> 16) & 31;
  const L = (w >>> 22) & 1;
  const c = e.iclass;
  if (c.startsWith("ldstpair") || c === "ldstnapair_offs") {
    if (L && t === t2) return true;
    if ((c === "ldstpair_post" || c === "ldstpair_pre") && n !== 31 && (n === t || n === t2)) return true;
  }
  if ((c === "ldst_immpost" || c === "ldst_immpre") && n !== 31 && n === t) return true;
  if (c.startsWith("ldstexcl") || c === "ldstexcl") {
    if (L === 0 && (s === t || s === n || ((w >>> 21) & 1 && s === t2))) return true;
    if (L === 1 && (w >>> 21) & 1 && t === t2) return true;
  }
  return false;
}

export function randomCase(r: Rng, entries: readonly GenEntry[]): DiffCase {
  const n = 1 + r.int(4);
  const words: number[] = [];
  for (let i = 0; i < n; i++) {
    let w = -1;
    while (w < 0) w = randomWord(r, entries[r.int(entries.length)]!, i, n);
    words.push(w);
  }
  const x: bigint[] = [];
  for (let i = 0; i < 31; i++) x.push(randomValue(r));
  return {
    words,
    x,
    sp: BigInt(DATA + 0x1800 + 16 * r.int(32)),
    nzcv: (r.u32() & 0xf0000000) >>> 0,
    seed: r.u32(),
  };
}

export function sameResult(a: DiffResult, b: DiffResult): boolean {
  if (a.status !== b.status || a.memhash !== b.memhash || a.sp !== b.sp || a.pc !== b.pc) return false;
  if (a.nzcv !== b.nzcv) return false;
  for (let i = 0; i < 31; i++) if (a.x[i] !== b.x[i]) return false;
  return true;
}

/** How one case came out: as QEMU's, a documented QEMU deviation (its name), or a difference (described). */
export type Verdict = { kind: "same" } | { kind: "known"; name: string } | { kind: "diff"; detail: string };
export const SAME: Verdict = { kind: "same" };

/** One differential run: both sides, the judge of their results and the case generator. */
export interface DiffRun<C, R> {
  qemu: { run(cases: readonly C[]): Promise<R[]>; close(): void };
  ours: { run(c: C): R };
  judge(c: C, ours: R, qemu: R): Verdict;
  /** The next random case. */
  draw(): C;
  /** How many encodings the cases are drawn from. */
  entries: number;
}

/** The running count of a differential run's verdicts. */
export interface DiffTally {
  cases: number;
  identical: number;
  /** Documented QEMU deviations by name. */
  known: Map<string, number>;
  differences: number;
  /** Wall time since the run started. */
  seconds: number;
}

/**
 * Runs `total` cases through QEMU (`batch` at a time) and through our side, hands each case with its
 * verdict to `each`, counts the verdicts, and (if given) shows `progress` the tally after each batch.
 */
export async function runDiff<C, R>(
  run: DiffRun<C, R>,
  total: number,
  batch: number,
  each: (c: C, v: Verdict) => void,
  progress?: (tally: DiffTally) => void,
): Promise<DiffTally> {
  const t0 = Date.now();
  const tally: DiffTally = { cases: 0, identical: 0, known: new Map(), differences: 0, seconds: 0 };
  while (tally.cases < total) {
    const cases = Array.from({ length: Math.min(batch, total - tally.cases) }, () => run.draw());
    const theirs = await run.qemu.run(cases);
    cases.forEach((c, i) => {
      const v = run.judge(c, run.ours.run(c), theirs[i]!);
      if (v.kind === "same") tally.identical++;
      else if (v.kind === "known") tally.known.set(v.name, (tally.known.get(v.name) ?? 0) + 1);
      else tally.differences++;
      each(c, v);
    });
    tally.cases += cases.length;
    tally.seconds = (Date.now() - t0) / 1000;
    progress?.(tally);
  }
  return tally;
}

/** A run over `entries`: cases drawn by `random` from an Rng seeded with `seed`. */
export function diffRun<C, R, E>(
  sides: Pick<DiffRun<C, R>, "qemu" | "ours" | "judge">,
  entries: readonly E[],
  random: (r: Rng, entries: readonly E[]) => C,
  seed: number,
): DiffRun<C, R> {
  const rng = new Rng(seed);
  return { ...sides, draw: () => random(rng, entries), entries: entries.length };
}

/** The integer run: QEMU on the built `harness`, our LocalOracle, sequences drawn from `seed`. */
export function integerDiff(harness: string, seed: number): DiffRun<DiffCase, DiffResult> {
  const format = { request: REQ_SIZE, encode: encodeCase, response: RESP_SIZE, decode: decodeResp };
  const qemu = new QemuRecordOracle(harness, "harness", format, Buffer.alloc(REQ_SIZE));
  const sides = { qemu, ours: new LocalOracle(), judge: judgeCase };
  return diffRun(sides, generatorEntries(), randomCase, seed);
}

/** The verdict on one integer case: sameResult, else knownDifference, else describeDiff. */
export function judgeCase(c: DiffCase, ours: DiffResult, qemu: DiffResult): Verdict {
  if (sameResult(ours, qemu)) return SAME;
  const name = knownDifference(c, ours, qemu);
  return name !== null ? { kind: "known", name } : { kind: "diff", detail: describeDiff(c, ours, qemu) };
}

export function describeDiff(c: DiffCase, ours: DiffResult, qemu: DiffResult): string {
  const lines = [`words: ${c.words.map((w) => (w >>> 0).toString(16).padStart(8, "0")).join(" ")}`];
  lines.push(
    `status ours=${ours.status} qemu=${qemu.status}; pc ours=${ours.pc.toString(16)} qemu=${qemu.pc.toString(16)}`,
  );
  if (ours.nzcv !== qemu.nzcv)
    lines.push(`nzcv ours=${(ours.nzcv >>> 28).toString(2)} qemu=${(qemu.nzcv >>> 28).toString(2)}`);
  if (ours.sp !== qemu.sp) lines.push(`sp ours=${ours.sp.toString(16)} qemu=${qemu.sp.toString(16)}`);
  if (ours.memhash !== qemu.memhash) lines.push("memory differs");
  for (let i = 0; i < 31; i++) {
    if (ours.x[i] !== qemu.x[i]) {
      lines.push(
        `x${i}: in=${c.x[i]!.toString(16)} ours=${ours.x[i]!.toString(16)} qemu=${qemu.x[i]!.toString(16)}`,
      );
    }
  }
  return lines.join("\n");
}

/**
 * Known QEMU user-mode deviations (documented in the README); returns the reason, or null when the
 * difference is unexplained (a bug on one side).
 *  - "qemu-stxr-sentinel": QEMU marks a clear exclusive monitor with address -1, so a
 *    store-exclusive to 0xffff_ffff_ffff_ffff passes its address check and then faults on alignment.
 *    ARM ARM: the monitor is clear, the store fails (status 1).
 *  - "qemu-ldapr-align": QEMU does not raise the Alignment fault an unaligned LDAPR* takes when
 *    SCTLR_EL1.nAA = 0 ("unaligned accesses by the specified instructions generate an Alignment
 *    fault", FEAT_LSE2; QEMU does raise it for LDAR/STLR/LDAPUR/STLUR).
 *  - "qemu-atomic-wrap": QEMU user mode performs LSE atomics/CAS at addresses beyond the 48-bit VA
 *    space (they wrap into host memory); on hardware those are translation faults.
 *  - "code-modified-without-ic": the sequence rewrote its own instruction words without cache
 *    maintenance; old or new instruction may execute (ARM ARM B2.2.5).
 *  - "exclusive-size-mismatch": a store-exclusive of another size than the load-exclusive; whether it
 *    succeeds and what it writes is CONSTRAINED UNPREDICTABLE (ARM ARM K1.2.6).
 *  - "harness-epilogue-overwritten": the sequence stored into the harness epilogue QEMU then runs.
 *  - "harness-address-space": the address is mapped in the QEMU harness process (its ELF image,
 *    state page, heap, stack) but not on our side, which maps only the code and data pages.
 */
export function knownDifference(c: DiffCase, ours: DiffResult, qemu: DiffResult): string | null {
  const wordAt = (pc: bigint): number | undefined => {
    const i = Number(pc - BigInt(TEST)) / 4;
    return Number.isInteger(i) && i >= 0 && i < c.words.length ? c.words[i]! >>> 0 : undefined;
  };
  // Stores into the sequence's own instructions without IC IVAU + ISB: whether the old or the new
  // instruction runs is CONSTRAINED UNPREDICTABLE (ARM ARM B2.2.5); QEMU may run the stale one.
  if (ours.codeModified) return "code-modified-without-ic";
  // Load-/store-exclusive of different sizes in one sequence: CONSTRAINED UNPREDICTABLE (K1.2.6).
  const exclSizes = new Set<string>();
  for (const w of c.words) {
    if ((w & 0x3f800000) === 0x08000000) {
      const pair = (w >>> 21) & 1 && w >>> 31 === 1;
      exclSizes.add(`${(w >>> 22) & 1}:${pair ? 8 << ((w >>> 30) & 1) : 1 << (w >>> 30)}`);
    }
  }
  const ldSizes = [...exclSizes].filter((k) => k.startsWith("1:")).map((k) => k.slice(2));
  const stSizes = [...exclSizes].filter((k) => k.startsWith("0:")).map((k) => k.slice(2));
  if (ldSizes.length > 0 && stSizes.some((z) => !ldSizes.includes(z) || ldSizes.length > 1)) {
    return "exclusive-size-mismatch";
  }
  if (qemu.status === 7 || qemu.status === 11) {
    const w = wordAt(qemu.pc);
    if (w !== undefined && (w & 0x3f400000) === 0x08000000) {
      const n = (w >>> 5) & 31;
      const base = n === 31 ? qemu.sp : qemu.x[n]!;
      if (base === 0xffffffffffffffffn) return "qemu-stxr-sentinel";
    }
  }
  // A sequence that stores into the harness's own epilogue (code page +0x840..) breaks QEMU's return
  // path; our side stops at +0x840 and never runs the epilogue.
  if (qemu.status === 4 && qemu.pc >= BigInt(END) && qemu.pc < BigInt(END + 0x100) && ours.status === 0) {
    return "harness-epilogue-overwritten";
  }
  // Our side maps only the code and data pages; QEMU's process also has the harness image, its
  // state page (0x0ffff000), heap and stack, so an access there faults only on our side.
  if (ours.status === 11 && (qemu.status === 0 || qemu.pc !== ours.pc)) return "harness-address-space";
  if (ours.status === 7) {
    const w = wordAt(ours.pc);
    if (w !== undefined && (w & 0x3fbffc00) === 0x38bfc000) return "qemu-ldapr-align";
  }
  if (ours.status === 11 || ours.status === 7) {
    const w = wordAt(ours.pc);
    const isAtomic = w !== undefined && ((w & 0x3f200c00) === 0x38200000 || (w & 0x3fa07c00) === 0x08a07c00);
    if (isAtomic) {
      const n = (w! >>> 5) & 31;
      const base = n === 31 ? ours.sp : ours.x[n]!;
      if (base >= 1n << 48n) return "qemu-atomic-wrap";
    }
  }
  return null;
}
