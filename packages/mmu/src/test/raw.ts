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

const TG0_ENC: Record<number, bigint> = { 12: 0n, 16: 1n, 14: 2n };
const TG1_ENC: Record<number, bigint> = { 14: 1n, 12: 2n, 16: 3n };

function u64(lo: number, hi: number): bigint {
  return (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0);
}
function b(v: boolean, at: bigint): bigint {
  return v ? 1n << at : 0n;
}

/** Encode TranslationRegs back into raw register values (for the reference walker). */
export function rawFromRegs(r: TranslationRegs): RefRegs {
  const tcr =
    BigInt(r.t0sz) |
    b(r.epd0, 7n) |
    (TG0_ENC[r.tg0]! << 14n) |
    (BigInt(r.t1sz) << 16n) |
    b(r.a1, 22n) |
    b(r.epd1, 23n) |
    (TG1_ENC[r.tg1]! << 30n) |
    (BigInt(r.ips) << 32n) |
    b(r.as16, 36n) |
    b(r.tbi0, 37n) |
    b(r.tbi1, 38n) |
    b(r.ha, 39n) |
    b(r.hd, 40n) |
    b(r.hpd0, 41n) |
    b(r.hpd1, 42n);
  const vtcr =
    BigInt(r.vt0sz) |
    (BigInt(r.vsl0) << 6n) |
    (TG0_ENC[r.vtg0]! << 14n) |
    (BigInt(r.vps) << 16n) |
    b(r.vs16, 19n) |
    b(r.vha, 21n) |
    b(r.vhd, 22n);
  return {
    paBits: r.paBits,
    sctlr: b(r.m, 0n) | b(r.wxn, 19n),
    tcr,
    ttbr0: u64(r.ttbr0Lo, r.ttbr0Hi),
    ttbr1: u64(r.ttbr1Lo, r.ttbr1Hi),
    mair: u64(r.mairLo, r.mairHi),
    pan: r.pan,
    hcrVm: r.vm,
    vtcr,
    vttbr: u64(r.vttbrLo, r.vttbrHi),
  };
}
