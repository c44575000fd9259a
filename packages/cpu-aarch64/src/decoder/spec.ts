import { ArmatureError } from "@armature/core";
import type { Feature } from "../model.js";

/** A named bit field of an instruction word: bits [lsb+width-1 : lsb]. */
export interface FieldSpec {
  readonly name: string;
  readonly lsb: number;
  readonly width: number;
}

/** A constraint "this encoding does NOT match when (word & mask) === bits" (the ARM ARM "unallocated if"). */
export interface Exclusion {
  readonly mask: number;
  readonly bits: number;
  /** The rule in field terms, e.g. "sf=0 N=1". */
  readonly text: string;
}

/** An operand slot of the assembler syntax: its kind (how it prints) and the field it reads. */
export interface OperandSpec {
  readonly kind: string;
  readonly field: string;
}

/** A preferred-alias rule: when `when(word)` holds the disassembler prints `asm` instead. */
export interface AliasSpec {
  readonly asm: string;
  readonly when: (word: number) => boolean;
}

/**
 * One A64 encoding. `id` is the ARM machine-readable XML encoding name (`<MNEMONIC>_<variant>_<iclass>`,
 * e.g. "ADD_64_addsub_imm", "LDR_64_ldst_pos"); a word belongs to it when `(word & mask) === bits`,
 * no exclusion matches and `check` (if any) accepts it.
 */
export interface EncodingSpec {
  readonly id: string;
  readonly mnemonic: string;
  /** Instruction class (ARM ARM C4.1 group, e.g. "addsub_imm", "ldst_pos", "asimdsame"). */
  readonly iclass: string;
  /** Top-level decode group (C4.1: "dpimm", "branch_sys", "ldst", "dpreg", "fpsimd"). */
  readonly group: string;
  /** The 32-bit pattern the entry was written as (see parsePattern), MSB first. */
  readonly pattern: string;
  readonly mask: number;
  readonly bits: number;
  /** Every bit outside `mask` belongs to exactly one field (so decode -> encode is exact). */
  readonly fields: readonly FieldSpec[];
  /** Named fields whose value is fixed by the encoding (e.g. sf=1), for documentation. */
  readonly fixed: Readonly<Record<string, number>>;
  readonly excludes: readonly Exclusion[];
  /** Extra validity rule that is not a bit pattern (e.g. a reserved logical immediate). */
  readonly check: ((word: number) => boolean) | null;
  readonly operands: readonly OperandSpec[];
  readonly feature: Feature | null;
  /** Further features required besides `feature` (rare: e.g. FCMLA on halves needs FEAT_FCMA and FEAT_FP16). */
  readonly alsoRequires: readonly Feature[];
  /** LLVM assembler template of the canonical form (see disasm/operands.ts for the operand kinds). */
  readonly asm: string;
  readonly aliases: readonly AliasSpec[];
}

export class EncodingError extends ArmatureError {
  constructor(message: string) {
    super("E_ENCODING", message);
  }
}

export interface ParsedPattern {
  mask: number;
  bits: number;
  fields: FieldSpec[];
  fixed: Record<string, number>;
}

/**
 * Parses a 32-bit pattern, MSB first. Tokens: literal bits `0101`; a variable field `name:width`;
 * a named fixed field `name=0101`. Every bit must be covered. `fixedAt`, when given, receives the
 * position of each named fixed field. A hand-written scanner: the table's ~2,700 patterns are
 * parsed at every start-up, in unoptimised code (regular expressions here cost ~10 ms).
 */
export function parsePattern(
  pattern: string,
  fixedAt?: Map<string, { lsb: number; width: number }>,
): ParsedPattern {
  let pos = 32;
  let mask = 0;
  let bits = 0;
  const fields: FieldSpec[] = [];
  const fixed: Record<string, number> = {};
  const n = pattern.length;
  let i = 0;
  for (;;) {
    while (i < n && isSpace(pattern.charCodeAt(i))) i++;
    if (i >= n) break;
    const start = i;
    while (i < n && !isSpace(pattern.charCodeAt(i))) i++;
    const tok = pattern.slice(start, i);
    const bad = () => new EncodingError(`bad pattern token "${tok}" in "${pattern}"`);
    // name, then ":width" or "=bits"; or only bits.
    let k = 0;
    const c0 = tok.charCodeAt(0);
    let name: string | undefined;
    if ((c0 | 0x20) >= 0x61 && (c0 | 0x20) <= 0x7a) {
      k = 1;
      while (k < tok.length && isNameChar(tok.charCodeAt(k))) k++;
      name = tok.slice(0, k);
      const sep = tok.charCodeAt(k);
      if (sep === 0x3a /* : */) {
        if (k + 1 >= tok.length) throw bad();
        let width = 0;
        for (let j = k + 1; j < tok.length; j++) {
          const d = tok.charCodeAt(j) - 0x30;
          if (d < 0 || d > 9) throw bad();
          width = width * 10 + d;
        }
        pos -= width;
        fields.push({ name, lsb: pos, width });
        continue;
      }
      if (sep !== 0x3d /* = */ || k + 1 >= tok.length) throw bad();
      k++;
    }
    const len = tok.length - k;
    pos -= len;
    let value = 0;
    for (let j = 0; j < len; j++) {
      const c = tok.charCodeAt(k + j);
      if (c !== 0x30 && c !== 0x31) throw bad();
      const b = pos + len - 1 - j;
      mask |= 1 << b;
      if (c === 0x31) bits |= 1 << b;
      value = value * 2 + (c - 0x30);
    }
    if (name !== undefined) {
      fixed[name] = value;
      fixedAt?.set(name, { lsb: pos, width: len });
    }
  }
  if (pos !== 0) throw new EncodingError(`pattern "${pattern}" covers ${32 - pos} bits, not 32`);
  return { mask: mask | 0, bits: bits | 0, fields, fixed };
}

const isSpace = (c: number): boolean => c === 0x20 || (c >= 0x09 && c <= 0x0d);
const isNameChar = (c: number): boolean =>
  (c >= 0x30 && c <= 0x39) || ((c | 0x20) >= 0x61 && (c | 0x20) <= 0x7a) || c === 0x5f;
