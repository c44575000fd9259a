import { defaultRegs, setSctlrEl1, setTcrEl1, setVtcrEl2, type TranslationRegs } from "../regs.js";
import type { RefRegs } from "./reference.js";

function halves(v: bigint): [number, number] {
  const u = BigInt.asUintN(64, v);
  return [Number(u & 0xffffffffn), Number(u >> 32n)];
}

/** Decode raw register values (the reference walker's input) into the walker's TranslationRegs. */
export function regsFromRaw(raw: RefRegs): TranslationRegs {
  const r = defaultRegs();
  r.paBits = raw.paBits;
  setSctlrEl1(r, halves(raw.sctlr)[0]);
  const [tl, th] = halves(raw.tcr);
  setTcrEl1(r, tl, th);
  [r.ttbr0Lo, r.ttbr0Hi] = halves(raw.ttbr0);
  [r.ttbr1Lo, r.ttbr1Hi] = halves(raw.ttbr1);
  [r.mairLo, r.mairHi] = halves(raw.mair);
  r.pan = raw.pan;
  r.vm = raw.hcrVm;
  setVtcrEl2(r, halves(raw.vtcr)[0]);
  [r.vttbrLo, r.vttbrHi] = halves(raw.vttbr);
  return r;
}
