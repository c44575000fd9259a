import { RandomTableMemory } from "@armature/mmu/test";

/**
 * mmu's random page-table memory plus what the SMMU also does to memory: 32-bit writes (event
 * records) into its overlay, and whole 64-byte structures (STEs, CDs) put in place.
 */
export class SmmuTestMemory extends RandomTableMemory {
  write32(pa: number, value: number): boolean {
    if (!Number.isSafeInteger(pa) || pa < 0 || this.aborts(pa)) return false;
    const a = pa - (pa % 8);
    const [lo, hi] = this.word(a);
    this.overlay.set(a, pa % 8 === 0 ? [value >>> 0, hi] : [lo, value >>> 0]);
    return true;
  }

  /** Eight doublewords at `pa`: `words`, then zeros. */
  put(pa: number, words: readonly bigint[]): void {
    for (const [i, w] of words.entries()) this.set(pa + 8 * i, w);
    for (let i = words.length; i < 8; i++) this.set(pa + 8 * i, 0n);
  }
}
