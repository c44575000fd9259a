/*
 * Lockstep differential check of the translator: the same random instruction stream
 * (the interpreter's difftest generators) runs on two user-mode CPUs with their own memory, one
 * interpreting and one translating every block on first sight; both stop at the same random run
 * budgets and their whole architectural state (X0..X30, SP, PC, NZCV, exclusive monitor, retired
 * count, exit reason/syndrome, data and code bytes) must be equal at every stop.
 */
import { Bus } from "@armature/core";
import { Cpu } from "../interp/cpu.js";
import { M1_MODEL } from "../model.js";
import { DATA, DATA_SIZE, type GenEntry, type Rng, randomCase } from "../test/difftest.js";

export const LS_CODE = 0x10000000;
/** Where the random words start (slot 512 of the code page) and how many. */
export const LS_TEST = LS_CODE + 0x800;
export const LS_WORDS = 48;
const SVC0 = 0xd4000001;

interface Side {
  cpu: Cpu;
  code: DataView;
  data: Uint32Array;
}

function side(engine: "interp" | "jit"): Side {
  const bus = new Bus();
  const code = bus.addRam("code", LS_CODE, 4096);
  const data = bus.addRam("data", DATA, DATA_SIZE);
  const cpu = new Cpu({ bus, model: M1_MODEL, userMode: true, engine, jit: { threshold: 1, maxBlock: 16 } });
  return { cpu, code: code.view, data: new Uint32Array(data.buffer, data.u8.byteOffset, DATA_SIZE / 4) };
}

function state(s: Side): string {
  const c = s.cpu;
  const parts: string[] = [];
  for (let i = 0; i < 31; i++) parts.push(`x${i}=${c.getX(i).toString(16)}`);
  parts.push(`sp=${c.getX(31).toString(16)}`, `pc=${c.getPC().toString(16)}`, `nzcv=${c.getNZCV() >>> 0}`);
  parts.push(`ex=${c.exValid ? `${c.exLo}:${c.exHi}:${c.exSize}` : "-"}`, `retired=${c.retired}`);
  let h = 2166136261 | 0;
  for (let i = 0; i < s.data.length; i++) h = Math.imul(h ^ s.data[i]!, 16777619);
  for (let i = 0; i < 1024; i++) h = Math.imul(h ^ s.code.getInt32(4 * i, true), 16777619);
  parts.push(`mem=${(h >>> 0).toString(16)}`);
  return parts.join(" ");
}

export interface LockstepResult {
  /** Run stops compared. */
  stops: number;
  /** Instructions retired (per side). */
  insns: number;
  /** First mismatch, or null. */
  mismatch: string | null;
  /** Instructions executed inside translated blocks. */
  translated: number;
}

/**
 * One case: `LS_WORDS` random words (forward branches only) then `svc #0`, executed `rounds` times
 * from the same state stream (with `loop`, the first words are a counted loop, X28 the counter); stops after random budgets of 1..24 instructions.
 */
export function lockstepCase(
  rng: Rng,
  entries: readonly GenEntry[],
  rounds = 3,
  loop = false,
): LockstepResult {
  const a = side("interp");
  const b = side("jit");
  // three difftest cases back to back give LS_WORDS words whose branches stay inside their case
  const words: number[] = [];
  const first = randomCase(rng, entries);
  while (words.length < LS_WORDS) {
    const c = words.length === 0 ? first : randomCase(rng, entries);
    for (const w of c.words) if (words.length < LS_WORDS) words.push(w);
  }
  if (loop) {
    // a loop: `body` random words, SUBS X28, X28, #1, B.NE back to the first word
    const body = 2 + rng.int(10);
    words[body] = 0xf100079c;
    words[body + 1] = (0x54000001 | ((-(body + 1) & 0x7ffff) << 5)) >>> 0;
    first.x[28] = BigInt(2 + rng.int(40));
  }
  let seed = rng.u32() | 1;
  for (const s of [a, b]) {
    for (let i = 0; i < 1024; i++) s.code.setUint32(4 * i, SVC0, true);
    for (let i = 0; i < LS_WORDS; i++) s.code.setUint32(0x800 + 4 * i, words[i]! >>> 0, true);
    s.cpu.invalidateCode(LS_CODE, 4096);
    let v = seed;
    for (let i = 0; i < s.data.length; i++) {
      v ^= v << 13;
      v ^= v >>> 17;
      v ^= v << 5;
      s.data[i] = v >>> 0;
    }
    for (let i = 0; i < 31; i++) s.cpu.setX(i, first.x[i]!);
    s.cpu.setX(31, first.sp);
    s.cpu.setNZCV(first.nzcv);
  }
  seed = 0;
  let stops = 0;
  for (let round = 0; round < rounds; round++) {
    a.cpu.setPC(LS_TEST);
    b.cpu.setPC(LS_TEST);
    for (let guard = 0; guard < 400; guard++) {
      const budget = 1 + rng.int(rng.int(2) === 0 ? 8 : 64);
      const ea = a.cpu.run(budget);
      const eb = b.cpu.run(budget);
      stops++;
      const sa = `${ea.reason}/${ea.esr}/${ea.address} ${state(a)}`;
      const sb = `${eb.reason}/${eb.esr}/${eb.address} ${state(b)}`;
      if (sa !== sb) {
        const hex = words.map((w) => (w >>> 0).toString(16).padStart(8, "0")).join(" ");
        return {
          stops,
          insns: a.cpu.retired,
          translated: b.cpu.jit?.stats.insnsRun ?? 0,
          mismatch: `round ${round} stop ${stops} budget ${budget}\nwords ${hex}\ninterp ${sa}\njit    ${sb}`,
        };
      }
      if (ea.reason === "exception") {
        // skip the faulting instruction (as a signal handler would) while inside the test words
        const pc = Number(a.cpu.getPC());
        if (pc < LS_TEST || pc >= LS_TEST + 4 * LS_WORDS) break;
        a.cpu.setPC(pc + 4);
        b.cpu.setPC(pc + 4);
        continue;
      }
      if (ea.reason !== "budget") break;
    }
  }
  return { stops, insns: a.cpu.retired, translated: b.cpu.jit?.stats.insnsRun ?? 0, mismatch: null };
}
