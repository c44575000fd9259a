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
 * a named fixed field `name=0101`. Every bit must be covered.
 */
export function parsePattern(pattern: string): ParsedPattern {
  let pos = 32;
  let mask = 0;
  let bits = 0;
  const fields: FieldSpec[] = [];
  const fixed: Record<string, number> = {};
  for (const tok of pattern.trim().split(/\s+/)) {
    let m = /^([A-Za-z][A-Za-z0-9_]*):(\d+)$/.exec(tok);
    if (m) {
      const width = Number(m[2]);
      pos -= width;
      fields.push({ name: m[1]!, lsb: pos, width });
      continue;
    }
    m = /^([A-Za-z][A-Za-z0-9_]*)=([01]+)$/.exec(tok);
    const lit = m ? m[2]! : tok;
    if (!/^[01]+$/.test(lit)) throw new EncodingError(`bad pattern token "${tok}" in "${pattern}"`);
    pos -= lit.length;
    if (m) fixed[m[1]!] = parseInt(lit, 2);
    for (let i = 0; i < lit.length; i++) {
      const b = pos + lit.length - 1 - i;
      mask |= 1 << b;
      if (lit[i] === "1") bits |= 1 << b;
    }
  }
  if (pos !== 0) throw new EncodingError(`pattern "${pattern}" covers ${32 - pos} bits, not 32`);
  return { mask: mask | 0, bits: bits | 0, fields, fixed };
}
