import type { CpuModel } from "../model.js";
import { EncodingError, type EncodingSpec } from "./spec.js";
import { ENCODINGS } from "./table.js";

/*
 * Decoding: the 17 key bits [31:21] and [15:10] select a bucket; each bucket lists the entries that
 * can match a word with that key (most specific mask first). Per CpuModel (entries whose feature the
 * model lacks are left out) the entries are first grouped by the key's top 11 bits [31:21] (2,048
 * groups, ~4,000 placements); a key's bucket is made from its group the first time a word with that
 * key is decoded. Decoding is a couple of typed-array reads and a short scan, with no allocation once
 * a key's bucket exists. (All 131,072 buckets up front, ~48,000 placements and a 131,072-entry
 * prefix sum in cold code, cost ~10-15 ms on the way to a guest's first instruction.)
 */

const KEY_COUNT = 1 << 17;
const GROUP_COUNT = 1 << 11;
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

/** A model's buckets: made per key on first use (see above). */
interface Buckets {
  /** Per group [31:21]: its entries' indices in `gList` are gStart[g] .. gStart[g + 1]. */
  gStart: Int32Array;
  /** Entry indices, most specific mask first within each group. */
  gList: Int32Array;
  /** Per key: where its (mask, bits, index) triples start in `cand`; -1 until made. */
  start: Int32Array;
  /** Per key: where they end. */
  end: Int32Array;
  cand: Int32Array;
  used: number;
}

function popcount(x: number): number {
  let c = 0;
  for (let v = x >>> 0; v; v &= v - 1) c++;
  return c;
}

function build(model: CpuModel): Buckets {
  const order: number[] = [];
  for (let i = 0; i < N; i++) {
    const s = ENCODINGS[i]!;
    if (
      (s.feature === null || model.features.has(s.feature)) &&
      s.alsoRequires.every((f) => model.features.has(f))
    )
      order.push(i);
  }
  order.sort((a, b) => popcount(MASK[b]!) - popcount(MASK[a]!) || a - b);
  // Two passes (count, then place) over the groups each entry's fixed bits [31:21] agree with.
  const gCount = new Int32Array(GROUP_COUNT + 1);
  for (const i of order) {
    const gbits = BITS[i]! >>> 21;
    const free = ~(MASK[i]! >>> 21) & (GROUP_COUNT - 1);
    for (let sub = 0; ; sub = (sub - free) & free) {
      gCount[gbits | sub] = gCount[gbits | sub]! + 1;
      if (sub === free) break;
    }
  }
  const gStart = new Int32Array(GROUP_COUNT + 1);
  for (let g = 0, total = 0; g <= GROUP_COUNT; g++) {
    gStart[g] = total;
    total += gCount[g]!;
  }
  const gList = new Int32Array(gStart[GROUP_COUNT]!);
  const next = gStart.slice(0, GROUP_COUNT);
  for (const i of order) {
    const gbits = BITS[i]! >>> 21;
    const free = ~(MASK[i]! >>> 21) & (GROUP_COUNT - 1);
    for (let sub = 0; ; sub = (sub - free) & free) {
      const g = gbits | sub;
      gList[next[g]!] = i;
      next[g] = next[g]! + 1;
      if (sub === free) break;
    }
  }
  return {
    gStart,
    gList,
    start: new Int32Array(KEY_COUNT).fill(-1),
    end: new Int32Array(KEY_COUNT),
    cand: new Int32Array(3 * 4096),
    used: 0,
  };
}

/** Makes the bucket of `key` from its group: the entries whose fixed key bits agree with it. */
function makeBucket(b: Buckets, key: number): void {
  const g = key >>> 6;
  const gEnd = b.gStart[g + 1]!;
  let at = b.used;
  for (let p = b.gStart[g]!; p < gEnd; p++) {
    const i = b.gList[p]!;
    if ((key & keyOf(MASK[i]!)) !== keyOf(BITS[i]!)) continue;
    if (at + 3 > b.cand.length) {
      const grown = new Int32Array(b.cand.length * 2);
      grown.set(b.cand);
      b.cand = grown;
    }
    b.cand[at] = MASK[i]!;
    b.cand[at + 1] = BITS[i]!;
    b.cand[at + 2] = i;
    at += 3;
  }
  b.start[key] = b.used;
  b.end[key] = at;
  b.used = at;
}

const cache = new WeakMap<CpuModel, Buckets>();
let lastModel: CpuModel | null = null;
let last: Buckets | null = null;

function select(model: CpuModel): Buckets {
  let b = cache.get(model);
  if (!b) {
    b = build(model);
    cache.set(model, b);
  }
  lastModel = model;
  last = b;
  return b;
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
  const b = model === lastModel ? last! : select(model);
  const w = word | 0;
  const key = ((w >>> 15) & 0x1ffc0) | ((w >>> 10) & 0x3f);
  if (b.start[key]! < 0) makeBucket(b, key);
  const end = b.end[key]!;
  const cand = b.cand;
  for (let p = b.start[key]!; p < end; p += 3) {
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
