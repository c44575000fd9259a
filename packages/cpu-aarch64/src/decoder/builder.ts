import type { Feature } from "../model.js";
import { type AliasSpec, EncodingError, type EncodingSpec, type Exclusion, parsePattern } from "./spec.js";

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

/** Adds one encoding: `id`, a 32-bit pattern (see parsePattern) and the LLVM assembler template. */
export function e(id: string, pattern: string, asm: string, opts: EntryOpts = {}): EncodingSpec {
  const fixedPos = new Map<string, { lsb: number; width: number }>();
  const p = parsePattern(pattern, fixedPos);
  const fieldBy = new Map(p.fields.map((f) => [f.name, f]));
  const excludes: Exclusion[] = (opts.excl ?? []).map((text) => {
    let mask = 0;
    let bits = 0;
    for (const term of text.split(/\s+/)) {
      const m = /^([A-Za-z][A-Za-z0-9_]*)(?:\[(\d+)\])?=([01x]+)$/.exec(term);
      if (!m) throw new EncodingError(`bad exclusion "${text}" in ${id}`);
      const f = fieldBy.get(m[1]!) ?? fixedPos.get(m[1]!);
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
  });
  const operands: { kind: string; field: string }[] = [];
  for (const m of asm.matchAll(PH)) operands.push({ field: m[1]!, kind: m[2]! });
  const aliases: AliasSpec[] = (opts.alias ?? []).map(([a, when]) => ({ asm: a, when }));
  const spec: EncodingSpec = {
    id,
    mnemonic: (/^[A-Za-z0-9.]+/.exec(asm)?.[0] ?? id).toUpperCase(),
    iclass: ctx.iclass,
    group: ctx.group,
    mask: p.mask,
    bits: p.bits,
    fields: p.fields,
    fixed: p.fixed,
    excludes,
    check: opts.check ?? null,
    operands,
    feature: opts.feature !== undefined ? opts.feature : ctx.feature,
    alsoRequires: opts.also ?? [],
    asm,
    aliases,
  };
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
