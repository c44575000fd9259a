/**
 * Documented differences from llvm-mc 14 (each with the ARM ARM rule behind our choice). The tests
 * and the 1M-word script count a word as agreeing when it matches llvm-mc or one of these applies.
 */
export interface Exception {
  id: string;
  rule: string;
  applies: (word: number, ours: string | null, llvm: string | null) => boolean;
}

/** Registers of extensions outside the M1 model that LLVM 14 names anyway (ETE/ETM, TRBE, RAS 1.1, ...). */
const UNMODELLED_SYSREG =
  /^(TRC[A-Z0-9]+|TRB[A-Z]+_EL1|ERXPFG(F|CTL|CDN)_EL1|ERXMISC[23]_EL1|PMMIR_EL1|ID_MMFR5_EL1|ID_AA64ISAR2_EL1)\b/;

export const EXCEPTIONS: readonly Exception[] = [
  {
    id: "sysreg-names",
    rule:
      "MRS/MSR (C5.2.x): we name the Armv8.0-8.4 registers of the M1 model; LLVM also names registers of " +
      "unimplemented extensions (ETM/trace TRC*, TRBE, ...) unconditionally. We print those as S<op0>_<op1>_C<n>_C<m>_<op2>, " +
      "which LLVM accepts as the same encoding.",
    applies: (w, ours, llvm) =>
      ours !== null &&
      llvm !== null &&
      (w & 0xffd00000) === (0xd5100000 | 0) &&
      /^(mrs|msr) /.test(ours) &&
      /S[0-3]_[0-7]_C\d+_C\d+_[0-7]/.test(ours) &&
      ours.split(" ")[0] === llvm.split(" ")[0] &&
      UNMODELLED_SYSREG.test(llvm.replace(/^(mrs|msr) (x\d+|xzr), |^msr /, "")),
  },
];

export function exceptionFor(word: number, ours: string | null, llvm: string | null): Exception | null {
  for (const x of EXCEPTIONS) if (x.applies(word, ours, llvm)) return x;
  return null;
}
