import type { Feature } from "../model.js";
import {
  type AliasSpec,
  EncodingError,
  type EncodingSpec,
  type Exclusion,
  type FieldSpec,
  type OperandSpec,
  type ParsedPattern,
  parsePattern,
} from "./spec.js";
import * as TABLE_DATA from "./table-data.js";

/** Mutable context used while the table is built (group, class and feature of the following entries). */
const ctx: { group: string; iclass: string; feature: Feature | null } = {
  group: "",
  iclass: "",
  feature: null,
};
export const out: EncodingSpec[] = [];

export function group(name: string): void {
  ctx.group = name;
}
export function cls(iclass: string, feature: Feature | null = null): void {
  ctx.iclass = iclass;
  ctx.feature = feature;
}

export interface EntryOpts {
  /** "unallocated if" rules in field terms, e.g. ["sf=0 N=1"]. */
  excl?: readonly string[];
  check?: (w: number) => boolean;
  /** Preferred aliases, tried in order. */
  alias?: readonly (readonly [string, (w: number) => boolean])[];
  feature?: Feature | null;
  /** Further features the encoding needs besides `feature` (e.g. FCMLA on halves: FEAT_FCMA + FEAT_FP16). */
  also?: readonly Feature[];
}

const PH = /\{([A-Za-z_][A-Za-z0-9_]*):([A-Za-z0-9_]+)\}/g;

/**
 * The table's patterns come parsed (table-data.ts, written by scripts/gen-decoder-data.ts): each
 * entry's mask and bits and its exclusions' masks and bits, used while the entry's pattern and
 * exclusion texts are the ones the data was made from (a string compare); from the first entry
 * that differs on, everything is parsed here. Parsing all ~1,500 entries runs once per process, in
 * V8's interpreter (~10-15 ms on the way to a guest's first instruction); fields, fixed values and
 * operands are parsed when first asked for (the disassembler, encode).
 */
const data = { entry: 0, word: 0, exclusion: 0, misses: 0 };
const TABLE_PATTERNS = TABLE_DATA.TABLE_PATTERNS.split("\n");
const TABLE_EXCLUSIONS = TABLE_DATA.TABLE_EXCLUSIONS.split("\n");
const TABLE_WORDS = TABLE_DATA.TABLE_WORDS;

/** Entries whose mask/bits were parsed at start-up because table-data.ts did not match (0 when current). */
export function tableDataMisses(): number {
  return data.misses;
}

function fromData(
  pattern: string,
  excl: readonly string[],
): { mask: number; bits: number; ex: Exclusion[] } | null {
  if (data.entry < 0) return null;
  const n = data.entry;
  let ok = n < TABLE_PATTERNS.length && TABLE_PATTERNS[n] === pattern;
  for (let k = 0; ok && k < excl.length; k++) ok = TABLE_EXCLUSIONS[data.exclusion + k] === excl[k];
  // The data lists an entry's exclusions up to an empty string.
  if (ok) ok = TABLE_EXCLUSIONS[data.exclusion + excl.length] === "";
  if (!ok) {
    data.entry = -1;
    return null;
  }
  const w = data.word;
  const ex: Exclusion[] = [];
  for (let k = 0; k < excl.length; k++)
    ex.push({ mask: TABLE_WORDS[w + 2 + 2 * k]!, bits: TABLE_WORDS[w + 3 + 2 * k]!, text: excl[k]! });
  data.entry = n + 1;
  data.word = w + 2 + 2 * excl.length;
  data.exclusion += excl.length + 1;
  return { mask: TABLE_WORDS[w]!, bits: TABLE_WORDS[w + 1]!, ex };
}

/** An exclusion's mask and bits from its field terms (`fixedAt`: where the pattern's named fixed fields are). */
export function parseExclusion(
  id: string,
  text: string,
  p: ParsedPattern,
  fixedAt: ReadonlyMap<string, { lsb: number; width: number }>,
): Exclusion {
  let mask = 0;
  let bits = 0;
  for (const term of text.split(/\s+/)) {
    const m = /^([A-Za-z][A-Za-z0-9_]*)(?:\[(\d+)\])?=([01x]+)$/.exec(term);
    if (!m) throw new EncodingError(`bad exclusion "${text}" in ${id}`);
    const f = p.fields.find((x) => x.name === m[1]) ?? fixedAt.get(m[1]!);
    if (!f) throw new EncodingError(`exclusion "${text}" names unknown field in ${id}`);
    const v = m[3]!;
    const top = m[2] !== undefined ? f.lsb + Number(m[2]) : f.lsb + f.width - 1;
    for (let i = 0; i < v.length; i++) {
      const b = top - i;
      if (v[i] === "x") continue;
      mask |= 1 << b;
      if (v[i] === "1") bits |= 1 << b;
    }
  }
  return { mask: mask | 0, bits: bits | 0, text };
}

/** One table entry; its fields, fixed values and operands are parsed on first use. */
class Entry implements EncodingSpec {
  private parsed: ParsedPattern | null;
  private ops: OperandSpec[] | null = null;
  constructor(
    readonly id: string,
    readonly pattern: string,
    readonly asm: string,
    readonly mnemonic: string,
    readonly iclass: string,
    readonly group: string,
    readonly mask: number,
    readonly bits: number,
    readonly excludes: readonly Exclusion[],
    readonly check: ((word: number) => boolean) | null,
    readonly feature: Feature | null,
    readonly alsoRequires: readonly Feature[],
    readonly aliases: readonly AliasSpec[],
    parsed: ParsedPattern | null,
  ) {
    this.parsed = parsed;
  }
  private parse(): ParsedPattern {
    this.parsed ??= parsePattern(this.pattern);
    return this.parsed;
  }
  get fields(): readonly FieldSpec[] {
    return this.parse().fields;
  }
  get fixed(): Readonly<Record<string, number>> {
    return this.parse().fixed;
  }
  get operands(): readonly OperandSpec[] {
    if (this.ops === null) {
      this.ops = [];
      for (const m of this.asm.matchAll(PH)) this.ops.push({ field: m[1]!, kind: m[2]! });
    }
    return this.ops;
  }
}

/** Adds one encoding: `id`, a 32-bit pattern (see parsePattern) and the LLVM assembler template. */
export function e(id: string, pattern: string, asm: string, opts: EntryOpts = {}): EncodingSpec {
  const excl = opts.excl ?? [];
  let mask: number;
  let bits: number;
  let excludes: Exclusion[];
  let parsed: ParsedPattern | null = null;
  const pre = fromData(pattern, excl);
  if (pre !== null) ({ mask, bits, ex: excludes } = pre);
  else {
    data.misses++;
    const fixedAt = new Map<string, { lsb: number; width: number }>();
    parsed = parsePattern(pattern, fixedAt);
    ({ mask, bits } = parsed);
    excludes = excl.map((text) => parseExclusion(id, text, parsed!, fixedAt));
  }
  const aliases: AliasSpec[] = (opts.alias ?? []).map(([a, when]) => ({ asm: a, when }));
  const spec = new Entry(
    id,
    pattern,
    asm,
    (/^[A-Za-z0-9.]+/.exec(asm)?.[0] ?? id).toUpperCase(),
    ctx.iclass,
    ctx.group,
    mask,
    bits,
    excludes,
    opts.check ?? null,
    opts.feature !== undefined ? opts.feature : ctx.feature,
    opts.also ?? [],
    aliases,
    parsed,
  );
  out.push(spec);
  return spec;
}

/** Field extractors for use in alias conditions and checks. */
export const bitsOf = (w: number, lsb: number, width: number): number => (w >>> lsb) & ((1 << width) - 1);
export const rd = (w: number): number => w & 31;
export const rn = (w: number): number => (w >>> 5) & 31;
export const rm = (w: number): number => (w >>> 16) & 31;
export const ra = (w: number): number => (w >>> 10) & 31;

/** The two register widths an sf bit selects: sf, register prefix, size in an id (ADD_32_..., ADD_64_...). */
export const SF = [
  [0, "w", "32"],
  [1, "x", "64"],
] as const;
