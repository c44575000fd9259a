import { matchesEntry } from "../decoder/decode.js";
import { ENCODINGS } from "../decoder/table.js";
import type { CpuModel } from "../model.js";

/**
 * Word generators for the cross-checks: a word of entry `i` with uniformly random fields, or with
 * "corner" fields (0, all ones, 1, or a copy of another field of the same width) so that alias
 * conditions such as Rn == Rm, Rd == 31 or imm == 0 are exercised often. Returns -1 if no word
 * satisfying the entry's constraints was found in `tries` attempts.
 */
export function entryWord(i: number, next: () => number, corner: boolean, tries = 64): number {
  const s = ENCODINGS[i]!;
  for (let k = 0; k < tries; k++) {
    let w = ((next() & ~s.mask) | s.bits) >>> 0;
    if (corner) {
      const vals: number[] = [];
      for (const f of s.fields) {
        const max = f.width === 32 ? 0xffffffff : (1 << f.width) - 1;
        const mode = next() % 6;
        let v = (w >>> f.lsb) & max;
        if (mode === 1) v = 0;
        else if (mode === 2) v = max;
        else if (mode === 3) v = 1 & max;
        else if (mode === 4) {
          const same = s.fields.filter((g) => g.width === f.width && g !== f);
          const g = same[next() % Math.max(1, same.length)];
          if (g) v = (w >>> g.lsb) & max;
        }
        vals.push(v);
      }
      s.fields.forEach((f, n) => {
        const m = (f.width === 32 ? 0xffffffff : ((1 << f.width) - 1) << f.lsb) >>> 0;
        w = ((w & ~m) | ((vals[n]! << f.lsb) & m)) >>> 0;
      });
    }
    if (matchesEntry(i, w)) return w;
  }
  return -1;
}

/**
 * `perEntry` words of each table entry (only entries of `model`'s features when given), with
 * random fields and corner fields in turn (0, ones, 1, copies of other fields).
 */
export function entryWords(next: () => number, perEntry: number, model?: CpuModel): number[] {
  const words: number[] = [];
  ENCODINGS.forEach((s, i) => {
    if (model !== undefined && s.feature !== null && !model.features.has(s.feature)) return;
    for (let k = 0; k < perEntry; k++) {
      const w = entryWord(i, next, k % 2 === 1);
      if (w >= 0) words.push(w);
    }
  });
  return words;
}
