import type { CpuModel } from "../model.js";
import { EncodingError, type EncodingSpec } from "./spec.js";
import { ENCODINGS } from "./table.js";

/*
 * Decoding: the 17 key bits [31:21] and [15:10] select a bucket; each bucket lists the entries that
 * can match a word with that key (most specific mask first). The buckets are built once per CpuModel
 * (entries whose feature the model lacks are left out), so decode() is a couple of array reads and
 * a short scan, with no allocation.
 */

const KEY_COUNT = 1 << 17;
const keyOf = (w: number): number => ((w >>> 15) & 0x1ffc0) | ((w >>> 10) & 0x3f);

const N = ENCODINGS.length;
const MASK = new Int32Array(N);
const BITS = new Int32Array(N);
const EX_START = new Int32Array(N + 1);
const exList: number[] = [];
for (let i = 0; i < N; i++) {
  const s = ENCODINGS[i]!;
  MASK[i] = s.mask;
  BITS[i] = s.bits;
  EX_START[i] = exList.length / 2;
  for (const x of s.excludes) exList.push(x.mask, x.bits);
}
EX_START[N] = exList.length / 2;
const EX = Int32Array.from(exList);
const CHECK: (((w: number) => boolean) | null)[] = ENCODINGS.map((s) => s.check);
/** 1 when an entry has neither exclusions nor a check: a mask match is a decode. */
const SIMPLE = Uint8Array.from(ENCODINGS, (s) => (s.excludes.length === 0 && s.check === null ? 1 : 0));

interface Buckets {
  start: Int32Array;
  cand: Int32Array;
}

function popcount(x: number): number {
  let c = 0;
  for (let v = x >>> 0; v; v &= v - 1) c++;
  return c;
}

function keyParts(mask: number, bits: number): { kmask: number; kbits: number } {
  return { kmask: keyOf(mask), kbits: keyOf(bits) };
}

function build(model: CpuModel): Buckets {
  const order = ENCODINGS.map((_, i) => i)
    .filter((i) => {
      const s = ENCODINGS[i]!;
      return (
        (s.feature === null || model.features.has(s.feature)) &&
        s.alsoRequires.every((f) => model.features.has(f))
      );
    })
    .sort((a, b) => popcount(MASK[b]!) - popcount(MASK[a]!) || a - b);
  // Two passes over typed arrays (count, then place) instead of 131,072 growing JS arrays: the
  // same buckets in the same order, built ~3x faster and without garbage (it runs at the first
  // decode, on the way to a guest's first instruction).
  const count = new Int32Array(KEY_COUNT);
  const forEachKey = (i: number, f: (k: number) => void): void => {
    const { kmask, kbits } = keyParts(MASK[i]!, BITS[i]!);
    const free = ~kmask & (KEY_COUNT - 1);
    // Enumerate every key that agrees with the entry's fixed key bits.
    let sub = 0;
    for (;;) {
      f(kbits | sub);
      if (sub === free) break;
      sub = (sub - free) & free;
    }
  };
  for (const i of order) forEachKey(i, (k) => (count[k] = count[k]! + 1));
  const start = new Int32Array(KEY_COUNT + 1);
  let total = 0;
  for (let k = 0; k < KEY_COUNT; k++) {
    start[k] = total * 3;
    total += count[k]!;
  }
  start[KEY_COUNT] = total * 3;
  // Candidates are stored as (mask, bits, index) triples so a scan reads one contiguous run.
  const cand = new Int32Array(total * 3);
  const next = start.slice(0, KEY_COUNT);
  for (const i of order)
    forEachKey(i, (k) => {
      const p = next[k]!;
      cand[p] = MASK[i]!;
      cand[p + 1] = BITS[i]!;
      cand[p + 2] = i;
      next[k] = p + 3;
    });
  return { start, cand };
}

const cache = new WeakMap<CpuModel, Buckets>();
let lastModel: CpuModel | null = null;
let lastStart: Int32Array = new Int32Array(0);
let lastCand: Int32Array = new Int32Array(0);

function select(model: CpuModel): void {
  let b = cache.get(model);
  if (!b) {
    b = build(model);
    cache.set(model, b);
  }
  lastModel = model;
  lastStart = b.start;
  lastCand = b.cand;
}

/** Matches one word against entry `i` (mask, exclusions, extra check); ignores the model. */
export function matchesEntry(i: number, word: number): boolean {
  const w = word | 0;
  if ((w & MASK[i]!) !== BITS[i]) return false;
  for (let x = EX_START[i]!; x < EX_START[i + 1]!; x++) {
    if ((w & EX[2 * x]!) === EX[2 * x + 1]) return false;
  }
  const c = CHECK[i];
  return c === null || c === undefined || c(w);
}

/** Decodes a 32-bit instruction word: the index into ENCODINGS, or -1 if unallocated for `model`. */
export function decode(word: number, model: CpuModel): number {
  if (model !== lastModel) select(model);
  const w = word | 0;
  const key = ((w >>> 15) & 0x1ffc0) | ((w >>> 10) & 0x3f);
  const end = lastStart[key + 1]!;
  const cand = lastCand;
  for (let p = lastStart[key]!; p < end; p += 3) {
    if ((w & cand[p]!) !== cand[p + 1]) continue;
    const i = cand[p + 2]!;
    if (SIMPLE[i] === 1) return i;
    let ok = true;
    for (let x = EX_START[i]!, xe = EX_START[i + 1]!; x < xe; x++) {
      if ((w & EX[2 * x]!) === EX[2 * x + 1]) {
        ok = false;
        break;
      }
    }
    if (!ok) continue;
    const c = CHECK[i];
    if (c !== null && c !== undefined && !c(w)) continue;
    return i;
  }
  return -1;
}

const BY_ID = new Map<string, number>();
ENCODINGS.forEach((s, i) => {
  if (BY_ID.has(s.id)) throw new EncodingError(`duplicate encoding id ${s.id}`);
  BY_ID.set(s.id, i);
});

/** Index of the entry with this id; throws EncodingError if unknown. */
export function encodingIndex(id: string): number {
  const i = BY_ID.get(id);
  if (i === undefined) throw new EncodingError(`unknown encoding id "${id}" (see ENCODINGS for the names)`);
  return i;
}

/** The entry with this id. */
export function encodingSpec(id: string): EncodingSpec {
  return ENCODINGS[encodingIndex(id)]!;
}

/** Reads every field of entry `i` from `word`. */
export function fieldsOf(i: number, word: number): Record<string, number> {
  const r: Record<string, number> = {};
  for (const f of ENCODINGS[i]!.fields) r[f.name] = (word >>> f.lsb) & ((1 << f.width) - 1);
  return r;
}

/** Reads one field of entry `i` from `word` (throws if the entry has no such field). */
export function field(i: number, word: number, name: string): number {
  const f = ENCODINGS[i]!.fields.find((x) => x.name === name);
  if (!f) throw new EncodingError(`${ENCODINGS[i]!.id} has no field "${name}"`);
  return (word >>> f.lsb) & ((1 << f.width) - 1);
}

/**
 * Builds the word of encoding `id` from its fields (missing fields are 0). Throws EncodingError on an
 * unknown id or field, a value that does not fit, or a result the encoding itself rejects.
 */
export function encode(id: string, fields: Readonly<Record<string, number>>): number {
  const i = encodingIndex(id);
  const s = ENCODINGS[i]!;
  let w = s.bits;
  for (const name of Object.keys(fields)) {
    if (!s.fields.some((f) => f.name === name) && !(name in s.fixed)) {
      throw new EncodingError(
        `${id} has no field "${name}" (fields: ${s.fields.map((f) => f.name).join(", ")})`,
      );
    }
  }
  for (const f of s.fields) {
    const v = fields[f.name] ?? 0;
    if (!Number.isInteger(v) || v < 0 || v >= 2 ** f.width) {
      throw new EncodingError(`${id}: field ${f.name}=${v} does not fit in ${f.width} bits`);
    }
    w |= v << f.lsb;
  }
  for (const [name, v] of Object.entries(s.fixed)) {
    if (fields[name] !== undefined && fields[name] !== v) {
      throw new EncodingError(`${id}: field ${name} is fixed to ${v}`);
    }
  }
  if (!matchesEntry(i, w)) {
    throw new EncodingError(`${id}: these field values form a reserved encoding (${(w >>> 0).toString(16)})`);
  }
  return w >>> 0;
}
