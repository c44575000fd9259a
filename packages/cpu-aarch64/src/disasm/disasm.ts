import { decode } from "../decoder/decode.js";
import { EncodingError, type EncodingSpec } from "../decoder/spec.js";
import { ENCODINGS } from "../decoder/table.js";
import { type CpuModel, M1_MODEL } from "../model.js";
import { comment, KINDS, type KindFn } from "./kinds.js";
import { nameModel } from "./sysregs.js";

type Part = string | { lsb: number; width: number; fixed: number; fn: KindFn };
interface Compiled {
  parts: Part[];
}

function compile(spec: EncodingSpec, asm: string): Compiled {
  const parts: Part[] = [];
  const re = /\{([A-Za-z_][A-Za-z0-9_]*):([A-Za-z0-9_]+)\}/g;
  let last = 0;
  for (let m = re.exec(asm); m; m = re.exec(asm)) {
    if (m.index > last) parts.push(asm.slice(last, m.index));
    last = m.index + m[0].length;
    const fn = KINDS[m[2]!];
    if (!fn) throw new EncodingError(`${spec.id}: unknown operand kind "${m[2]}" in "${asm}"`);
    const name = m[1]!;
    if (name === "_") {
      parts.push({ lsb: 0, width: 0, fixed: 0, fn });
      continue;
    }
    const f = spec.fields.find((x) => x.name === name);
    if (f) parts.push({ lsb: f.lsb, width: f.width, fixed: 0, fn });
    else if (name in spec.fixed) parts.push({ lsb: 0, width: 0, fixed: spec.fixed[name]!, fn });
    else throw new EncodingError(`${spec.id}: template "${asm}" names unknown field "${name}"`);
  }
  if (last < asm.length) parts.push(asm.slice(last));
  return { parts };
}

// Compiled on first use: a run that never disassembles does not pay for ~2,000 templates at start-up.
const CANON: (Compiled | undefined)[] = new Array(ENCODINGS.length);
const ALIASES: (Compiled[] | undefined)[] = new Array(ENCODINGS.length);

function render(c: Compiled, w: number, pc: number): string {
  comment.text = "";
  let s = "";
  for (const p of c.parts) {
    if (typeof p === "string") s += p;
    else s += p.fn(w, p.width ? (w >>> p.lsb) & ((1 << p.width) - 1) : p.fixed, pc);
  }
  if (comment.text) s += ` // ${comment.text}`;
  return s;
}

/**
 * Text of entry `index` for `word` in LLVM 14 syntax (preferred alias applied): the mnemonic, one
 * space, the operands; a value comment LLVM would print follows as ` // =N`. `model` decides the
 * feature-gated names (PAuth key registers, DIT, SSBS, DC CVAP/CVADP), as llvm-mc's -mattr does.
 */
export function formatEntry(index: number, word: number, pc = 0, model: CpuModel = M1_MODEL): string {
  nameModel.features = model.features;
  const spec = ENCODINGS[index]!;
  const w = word | 0;
  const al = spec.aliases;
  for (let i = 0; i < al.length; i++) {
    if (al[i]!.when(w)) {
      ALIASES[index] ??= al.map((a) => compile(spec, a.asm));
      return render(ALIASES[index]![i]!, w, pc);
    }
  }
  CANON[index] ??= compile(spec, spec.asm);
  return render(CANON[index]!, w, pc);
}

/** Disassembles one word for `model`; null when the word is unallocated for that model. */
export function disassemble(word: number, model: CpuModel, pc = 0): string | null {
  const i = decode(word, model);
  return i < 0 ? null : formatEntry(i, word, pc, model);
}

const sext = (v: number, width: number): number => (v << (32 - width)) >> (32 - width);

/**
 * Target address of a PC-relative instruction (B, BL, B.cond, CBZ/CBNZ, TBZ/TBNZ, LDR/PRFM literal,
 * ADR, ADRP) at address `pc`, or null if entry `index` is not PC-relative.
 */
export function pcRelTarget(index: number, word: number, pc: bigint): bigint | null {
  const spec = ENCODINGS[index];
  if (!spec) return null;
  const kinds = spec.operands.map((o) => o.kind);
  const w = word | 0;
  if (kinds.includes("rel26")) return pc + BigInt(sext(w & 0x3ffffff, 26) * 4);
  if (kinds.includes("rel19")) return pc + BigInt(sext((w >>> 5) & 0x7ffff, 19) * 4);
  if (kinds.includes("rel14")) return pc + BigInt(sext((w >>> 5) & 0x3fff, 14) * 4);
  const imm = sext((((w >>> 5) & 0x7ffff) << 2) | ((w >>> 29) & 3), 21);
  if (kinds.includes("adr")) return pc + BigInt(imm);
  if (kinds.includes("adrp")) return (pc & ~0xfffn) + BigInt(imm) * 4096n;
  return null;
}
