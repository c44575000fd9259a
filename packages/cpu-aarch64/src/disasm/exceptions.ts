/**
 * Documented differences from llvm-mc 14, each with the ARM ARM rule behind our choice. The tests
 * and the 1M-word script count a word as agreeing when it matches llvm-mc or one of these applies.
 * The list is empty: every difference found so far was fixed in the table instead (the last one,
 * system registers of unimplemented extensions that LLVM names anyway, by naming them too).
 */
export interface Exception {
  id: string;
  rule: string;
  applies: (word: number, ours: string | null, llvm: string | null) => boolean;
}

export const EXCEPTIONS: readonly Exception[] = [];

export function exceptionFor(word: number, ours: string | null, llvm: string | null): Exception | null {
  for (const x of EXCEPTIONS) if (x.applies(word, ours, llvm)) return x;
  return null;
}
