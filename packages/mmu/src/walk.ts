/**
 * The VMSAv8-64 translation table walker (ARM DDI 0487, chapter D8 "The AArch64 Virtual Memory
 * System Architecture"; pseudocode AArch64.TranslationTableWalk / AArch64.FirstStageTranslate /
 * AArch64.SecondStageTranslate / AArch64.CheckPermission / AArch64.CheckAndUpdateDescriptor).
 *
 * Pure apart from the Access flag / dirty-state updates it makes through `DescriptorMemory.cas64`
 * when HA/HD are set. No allocation, no BigInt: descriptors are handled as two uint32 halves,
 * addresses as JS numbers (exact below 2^53; PAs are at most 52 bits).
 */
import { currentAsid, currentVmid, outputSizeBits, type TranslationRegs } from "./regs.js";
import {
  Access,
  Cas,
  type DescriptorMemory,
  FaultKind,
  faultStatusCode,
  Perm,
  type WalkResult,
} from "./types.js";

const TWO32 = 4294967296;
const POW2 = new Float64Array(64);
for (let i = 0; i < 64; i++) POW2[i] = 2 ** i;

/** Retries of a walk whose HA/HD compare-and-swap lost a race before giving up the update. */
const MAX_CAS_RETRIES = 8;

const SCR1 = new Uint32Array(2);
const SCR2 = new Uint32Array(2);

// Stage 2 outputs (module scratch; the walker is not re-entrant and never awaits).
let s2Pa = 0;
let s2Level = 0;
let s2SizeLog2 = 0;
let s2Ap = 0;
let s2Xn = false;
let s2MemAttr = 0;
let s2Sh = 0;
let s2Contig = false;

/** Bits [lsb+width-1 : lsb] of the 64-bit value (hi, lo); lsb >= 1, width <= 20. */
function bitsOf(hi: number, lo: number, lsb: number, width: number): number {
  const m = (1 << width) - 1;
  if (lsb >= 32) return (hi >>> (lsb - 32)) & m;
  return ((lo >>> lsb) | (hi << (32 - lsb))) & m;
}

/** Bits [n-1:0] of (hi, lo) as a number, n <= 52. */
function lowBits(hi: number, lo: number, n: number): number {
  if (n >= 32) return (hi & ((1 << (n - 32)) - 1)) * TWO32 + (lo >>> 0);
  return (lo & ((1 << n) - 1)) >>> 0;
}

/**
 * The start table's address from a TTBR or VTTBR (BADDR, (hi, lo)): aligned to `lower` bits; with
 * a 52-bit output, BADDR[51:48] is in bits 5:2 and the table is at least 64-byte aligned.
 */
function tableBase(tHi: number, tLo: number, lower: number, outputsize: number): number {
  if (outputsize !== 52) return tHi * TWO32 + ((tLo & -(1 << lower)) >>> 0);
  const l = Math.max(lower, 6);
  return tHi * TWO32 + ((tLo & -(1 << l)) >>> 0) + ((tLo >>> 2) & 0xf) * POW2[48]!;
}

/**
 * The output address a table descriptor (next table, `bottom` = granule bits) or a block/page
 * descriptor (`bottom` = the bits its size covers) holds: bits 47:bottom, and with 64KB granules
 * OA[51:48] in bits 15:12. Stage 1 and stage 2 descriptors place it alike.
 */
function descriptorAddress(hi: number, lo: number, g: number, bottom: number): number {
  let oa: number;
  if (bottom < 32) oa = (hi & 0xffff) * TWO32 + ((lo & -(1 << bottom)) >>> 0);
  else oa = (hi & 0xffff & -(1 << (bottom - 32))) * TWO32;
  if (g === 16) oa += ((lo >>> 12) & 0xf) * POW2[48]!;
  return oa;
}

/** TnSZ out of its legal range is CONSTRAINED UNPREDICTABLE; this model clamps it (one permitted behaviour). */
export function clampTsz(tsz: number, granule: number, paBits: number): number {
  const min = granule === 16 && paBits >= 52 ? 12 : 16;
  if (tsz < min) return min;
  if (tsz > 39) return 39;
  return tsz;
}

/** Lowest level at which a block descriptor is legal (64KB level 1 blocks need FEAT_LPA). */
function firstBlockLevel(granule: number, paBits: number): number {
  return granule === 12 ? 1 : granule === 14 ? 2 : paBits >= 52 ? 1 : 2;
}

/**
 * Stage 1 permission check for the EL1&0 regime (AArch64.CheckPermission with PAN).
 * `ap` is the effective AP[2:1]; returns true when the access is permitted.
 */
export function s1Permits(
  ap: number,
  uxn: boolean,
  pxn: boolean,
  acc: number,
  wxn: boolean,
  pan: boolean,
): boolean {
  const userR = (ap & 1) === 1;
  const userW = ap === 1;
  let privR = true;
  let privW = (ap & 2) === 0;
  const priv = (acc & Access.Unpriv) === 0;
  // PAN applies to privileged loads/stores and AT S1E1RP/WP, not to fetches or other AT ops.
  if (
    pan &&
    userR &&
    priv &&
    (acc & Access.Exec) === 0 &&
    ((acc & Access.At) === 0 || (acc & Access.AtPan) !== 0)
  ) {
    privR = false;
    privW = false;
  }
  if ((acc & Access.Exec) !== 0) {
    // Privileged execution is never permitted from memory writable at EL0 (D8.4 "Instruction access").
    const xn = priv ? pxn || (privW && wxn) || userW : uxn || (userW && wxn);
    return !xn;
  }
  if ((acc & Access.Write) !== 0) return priv ? privW : userW;
  return priv ? privR : userR;
}

/** Stage 2 permission check for a final access (S2AP bit 0 read, bit 1 write; XN bit 54). */
export function s2Permits(s2ap: number, xn: boolean, acc: number): boolean {
  if ((acc & Access.Exec) !== 0) return !xn;
  if ((acc & Access.Write) !== 0) return (s2ap & 2) !== 0;
  return (s2ap & 1) !== 0;
}

/**
 * Stage 2 walk of `ipa`. `kind`: 0 data read, 1 data write, 2 exec. `s1walk`: the access is a
 * stage 1 table walk (read), `hwupd`: it is the write of a stage 1 HA/HD descriptor update.
 * Returns a FaultKind; on success the s2* module variables hold the result.
 */
function stage2(
  r: TranslationRegs,
  mem: DescriptorMemory,
  ipa: number,
  acc: number,
  s1walk: boolean,
  hwupd: boolean,
): FaultKind {
  const g = r.vtg0;
  const s = g - 3;
  const inputsize = 64 - clampTsz(r.vt0sz, g, r.paBits);
  const outputsize = outputSizeBits(r.vps, r.paBits, g);
  s2Level = 0;
  if (ipa >= POW2[inputsize]!) return FaultKind.Translation;
  const sl0 = r.vsl0;
  if (sl0 === 3 || (sl0 === 2 && r.paBits < 44)) return FaultKind.Translation;
  const startLevel = g === 12 ? 2 - sl0 : 3 - sl0;
  const startBits = inputsize - ((3 - startLevel) * s + g);
  // Stage 2 start level must resolve 1..stride+4 bits (up to 16 concatenated tables).
  if (startBits < 1 || startBits > s + 4) return FaultKind.Translation;
  const tHi = r.vttbrHi & 0xffff;
  if (outputsize < 48 && tHi >>> (outputsize - 32) !== 0) return FaultKind.AddressSize;
  const ipaHi = Math.floor(ipa / TWO32);
  const ipaLo = ipa >>> 0;
  const write = (acc & Access.Write) !== 0;
  for (let attempt = 0; ; attempt++) {
    let level = startLevel;
    let base = tableBase(tHi, r.vttbrLo, 3 + startBits, outputsize);
    let top = inputsize - 1;
    let lo = 0;
    let hi = 0;
    let descPa = 0;
    let bottom = 0;
    for (;;) {
      bottom = (3 - level) * s + g;
      descPa = base + bitsOf(ipaHi, ipaLo, bottom, top - bottom + 1) * 8;
      s2Level = level;
      if (!mem.read64(descPa, SCR2)) return FaultKind.ExternalAbortOnWalk;
      lo = SCR2[0]!;
      hi = SCR2[1]!;
      if ((lo & 1) === 0 || ((lo & 3) === 1 && level === 3)) return FaultKind.Translation;
      if ((lo & 3) === 1 || level === 3) break;
      const next = descriptorAddress(hi, lo, g, g);
      if (outputsize < 52 && next >= POW2[outputsize]!) return FaultKind.AddressSize;
      base = next;
      level++;
      top = bottom - 1;
    }
    if (level < firstBlockLevel(g, r.paBits)) return FaultKind.Translation;
    let oa = descriptorAddress(hi, lo, g, bottom);
    // The leaf's output base is checked (ARM ARM AArch64.S2Walk: the descriptor OA, not OA + offset).
    if (outputsize < 52 && oa >= POW2[outputsize]!) return FaultKind.AddressSize;
    let updAf = false;
    if ((lo & 0x400) === 0) {
      if (!r.vha) return FaultKind.AccessFlag;
      updAf = true;
    }
    let ap = (lo >>> 6) & 3;
    let updApPossible = false;
    // FEAT_HAFDBS: DBM (bit 51) with HD makes S2AP[1] a dirty bit: writable, set on first write.
    if (r.vha && r.vhd && (hi & 0x80000) !== 0 && (ap & 2) === 0) {
      ap |= 2;
      updApPossible = true;
    }
    oa += lowBits(ipaHi, ipaLo, bottom);
    const xn = (hi & 0x400000) !== 0;
    let ok: boolean;
    if (s1walk) ok = hwupd ? (ap & 2) !== 0 : (ap & 1) !== 0;
    else ok = s2Permits(ap, xn, acc);
    if (!ok) return FaultKind.Permission;
    const updAp = updApPossible && ((write && !s1walk && (acc & Access.At) === 0) || hwupd);
    let memAp = (lo >>> 6) & 3;
    if (updAf || updAp) {
      const newLo = (lo | (updAf ? 0x400 : 0) | (updAp ? 0x80 : 0)) >>> 0;
      const c = mem.cas64(descPa, lo, hi, newLo, hi);
      if (c === Cas.Abort) return FaultKind.ExternalAbortOnWalk;
      if (c === Cas.Mismatch && attempt < MAX_CAS_RETRIES) continue;
      if (c === Cas.Ok) memAp = (newLo >>> 6) & 3;
    }
    s2Pa = oa;
    s2SizeLog2 = bottom;
    s2Ap = memAp;
    s2Xn = xn;
    s2MemAttr = (lo >>> 2) & 0xf;
    s2Sh = (lo >>> 8) & 3;
    s2Contig = (hi & 0x100000) !== 0;
    return FaultKind.None;
  }
}

function fail(
  out: WalkResult,
  kind: FaultKind,
  level: number,
  stage: number,
  s1ptw: boolean,
  acc: number,
): FaultKind {
  out.fault = kind;
  out.level = level;
  out.stage = stage;
  out.s1ptw = s1ptw;
  out.wnr = (acc & Access.Write) !== 0 && (acc & Access.Exec) === 0;
  out.fsc = faultStatusCode(kind, level);
  return kind;
}

/** Stage 2 fault on a stage 1 table walk or descriptor update: S1PTW, faulting IPA recorded. */
function failS1ptw(out: WalkResult, kind: FaultKind, ipa: number, acc: number): FaultKind {
  out.ipa = ipa;
  return fail(out, kind, s2Level, 2, true, acc);
}

/** Stage 1 (EL1&0 regime). On success fills out.ipa and the stage 1 fields. */
function stage1(
  r: TranslationRegs,
  mem: DescriptorMemory,
  vaHi: number,
  vaLo: number,
  acc: number,
  out: WalkResult,
): FaultKind {
  const upper = (vaHi & 0x800000) !== 0; // VA[55] selects TTBR1
  const tbi = upper ? r.tbi1 : r.tbi0;
  const g = upper ? r.tg1 : r.tg0;
  const s = g - 3;
  const inputsize = 64 - clampTsz(upper ? r.t1sz : r.t0sz, g, r.paBits);
  const outputsize = outputSizeBits(r.ips, r.paBits, g);
  // VA[top:inputsize] must all equal VA[55] (top = 55 with TBI, else 63).
  const want = upper ? -1 : 0;
  const topMask = tbi ? 0x00ffffff : -1;
  let inRange: boolean;
  if (inputsize >= 32) inRange = ((vaHi ^ want) & topMask & -(1 << (inputsize - 32))) === 0;
  else inRange = ((vaHi ^ want) & topMask) === 0 && ((vaLo ^ want) & -(1 << inputsize)) === 0;
  if (!inRange || (upper ? r.epd1 : r.epd0)) return fail(out, FaultKind.Translation, 0, 1, false, acc);
  const startLevel = 4 - (1 + Math.floor((inputsize - g - 1) / s));
  const tLo = upper ? r.ttbr1Lo : r.ttbr0Lo;
  const tHi = (upper ? r.ttbr1Hi : r.ttbr0Hi) & 0xffff;
  // Out-of-range TTBR base address: Address size fault, reported at level 0.
  if (outputsize < 48 && tHi >>> (outputsize - 32) !== 0)
    return fail(out, FaultKind.AddressSize, 0, 1, false, acc);
  const hpd = upper ? r.hpd1 : r.hpd0;
  const s2on = r.vm;
  const write = (acc & Access.Write) !== 0 && (acc & Access.Exec) === 0;
  for (let attempt = 0; ; attempt++) {
    let level = startLevel;
    let base = tableBase(tHi, tLo, 3 + inputsize - ((3 - level) * s + g), outputsize);
    let top = inputsize - 1;
    let apTable = 0;
    let xnTable = 0;
    let pxnTable = 0;
    let lo = 0;
    let hi = 0;
    let descIpa = 0;
    let descPa = 0;
    let bottom = 0;
    for (;;) {
      bottom = (3 - level) * s + g;
      descIpa = base + bitsOf(vaHi, vaLo, bottom, top - bottom + 1) * 8;
      descPa = descIpa;
      if (s2on) {
        const f = stage2(r, mem, descIpa, 0, true, false);
        if (f !== FaultKind.None) return failS1ptw(out, f, descIpa, acc);
        descPa = s2Pa;
      }
      if (!mem.read64(descPa, SCR1)) return fail(out, FaultKind.ExternalAbortOnWalk, level, 1, false, acc);
      lo = SCR1[0]!;
      hi = SCR1[1]!;
      if ((lo & 1) === 0 || ((lo & 3) === 1 && level === 3))
        return fail(out, FaultKind.Translation, level, 1, false, acc);
      if ((lo & 3) === 1 || level === 3) break;
      const next = descriptorAddress(hi, lo, g, g);
      if (outputsize < 52 && next >= POW2[outputsize]!)
        return fail(out, FaultKind.AddressSize, level, 1, false, acc);
      if (!hpd) {
        apTable |= (hi >>> 29) & 3; // bit 62 APTable[1] no write, bit 61 APTable[0] no EL0
        xnTable |= (hi >>> 28) & 1; // bit 60 UXNTable
        pxnTable |= (hi >>> 27) & 1; // bit 59 PXNTable
      }
      base = next;
      level++;
      top = bottom - 1;
    }
    if (level < firstBlockLevel(g, r.paBits)) return fail(out, FaultKind.Translation, level, 1, false, acc);
    let oa = descriptorAddress(hi, lo, g, bottom);
    // Address size before Access flag (fault priority; AArch64.S1Walk runs before the AF check).
    // Leaf output base out of range (ARM ARM AArch64.S1Walk checks the descriptor OA, not OA + offset).
    if (outputsize < 52 && oa >= POW2[outputsize]!)
      return fail(out, FaultKind.AddressSize, level, 1, false, acc);
    let updAf = false;
    if ((lo & 0x400) === 0) {
      if (!r.ha) return fail(out, FaultKind.AccessFlag, level, 1, false, acc);
      updAf = true;
    }
    let ap = (lo >>> 6) & 3;
    let updApPossible = false;
    // FEAT_HAFDBS: DBM (bit 51) with HA+HD makes AP[2] a not-dirty bit: writable, cleared on first write.
    if (r.ha && r.hd && (hi & 0x80000) !== 0 && (ap & 2) !== 0) {
      ap &= 1;
      updApPossible = true;
    }
    oa += lowBits(vaHi, vaLo, bottom);
    if (apTable & 2) ap |= 2;
    if (apTable & 1) ap &= 2;
    const uxn = (hi & 0x400000) !== 0 || xnTable !== 0;
    const pxn = (hi & 0x200000) !== 0 || pxnTable !== 0;
    if (!s1Permits(ap, uxn, pxn, acc, r.wxn, r.pan))
      return fail(out, FaultKind.Permission, level, 1, false, acc);
    const updAp = updApPossible && write && (acc & Access.At) === 0;
    if (updAf || updAp) {
      const newLo = ((lo | (updAf ? 0x400 : 0)) & ~(updAp ? 0x80 : 0)) >>> 0;
      let wPa = descPa;
      if (s2on) {
        const f = stage2(r, mem, descIpa, 1, true, true);
        if (f !== FaultKind.None) return failS1ptw(out, f, descIpa, acc);
        wPa = s2Pa;
      }
      const c = mem.cas64(wPa, lo, hi, newLo, hi);
      if (c === Cas.Abort) return fail(out, FaultKind.ExternalAbortOnWalk, level, 1, false, acc);
      if (c === Cas.Mismatch && attempt < MAX_CAS_RETRIES) continue;
      if (c === Cas.Ok) lo = newLo;
    }
    // The cached view: AP as now in memory (a clean DBM page stays read-only until a write walks it).
    let memAp = (lo >>> 6) & 3;
    if (apTable & 2) memAp |= 2;
    if (apTable & 1) memAp &= 2;
    out.s1 = true;
    out.ipa = oa;
    out.s1SizeLog2 = bottom;
    out.contiguous = (hi & 0x100000) !== 0;
    const idx = (lo >>> 2) & 7;
    out.attrIndx = idx;
    out.memAttr = idx < 4 ? (r.mairLo >>> (idx * 8)) & 0xff : (r.mairHi >>> ((idx - 4) * 8)) & 0xff;
    out.sh = (lo >>> 8) & 3;
    out.nG = (lo & 0x800) !== 0;
    out.ap = memAp;
    out.uxn = uxn;
    out.pxn = pxn;
    out.level = level;
    return FaultKind.None;
  }
}

/**
 * Translate the 64-bit virtual address (vaHi = bits 63:32, vaLo = bits 31:0, both uint32) for an
 * access of kind `acc` (Access bits) in the EL1&0 regime, through stage 1 and (when HCR_EL2.VM)
 * stage 2. Fills `out` and returns `out.fault` (FaultKind.None = 0 on success).
 */
export function translate(
  r: TranslationRegs,
  mem: DescriptorMemory,
  vaHi: number,
  vaLo: number,
  acc: number,
  out: WalkResult,
): FaultKind {
  out.reset();
  out.asid = currentAsid(r);
  out.vmid = currentVmid(r);
  if (r.m) {
    if (stage1(r, mem, vaHi, vaLo, acc, out) !== FaultKind.None) return out.fault;
  } else {
    // Stage 1 disabled (AArch64.TranslateAddressS1Off): VA[top:PAMax] must be zero.
    const tbi = (vaHi & 0x800000) !== 0 ? r.tbi1 : r.tbi0;
    const hiChk = tbi ? vaHi & 0x00ffffff : vaHi;
    if (hiChk >>> (r.paBits - 32) !== 0) return fail(out, FaultKind.AddressSize, 0, 1, false, acc);
    out.ipa = hiChk * TWO32 + (vaLo >>> 0);
    out.s1SizeLog2 = 12;
    out.attrIndx = 0;
    out.memAttr = (acc & Access.Exec) !== 0 ? 0xaa : 0x00;
    out.sh = 2;
    out.ap = 1;
    out.uxn = false;
    out.pxn = false;
    out.level = 0;
  }
  out.sizeLog2 = out.s1SizeLog2;
  if (r.vm && (acc & Access.Stage1Only) === 0) {
    const f = stage2(r, mem, out.ipa, acc, false, false);
    if (f !== FaultKind.None) return fail(out, f, s2Level, 2, false, acc);
    out.s2 = true;
    out.pa = s2Pa;
    out.s2SizeLog2 = s2SizeLog2;
    out.s2ap = s2Ap;
    out.s2xn = s2Xn;
    out.s2MemAttr = s2MemAttr;
    out.s2Sh = s2Sh;
    out.s2Contiguous = s2Contig;
    out.ipaBase = out.ipa - (out.ipa % POW2[s2SizeLog2]!);
    if (s2SizeLog2 < out.sizeLog2) out.sizeLog2 = s2SizeLog2;
  } else {
    out.pa = out.ipa;
  }
  return FaultKind.None;
}

/** Whether a (cached) translation permits `acc` under the current WXN/PAN (stage 1 and stage 2). */
export function permits(res: WalkResult, acc: number, r: TranslationRegs): boolean {
  if (res.s1 && !s1Permits(res.ap, res.uxn, res.pxn, acc, r.wxn, r.pan)) return false;
  if (res.s2 && !s2Permits(res.s2ap, res.s2xn, acc)) return false;
  return true;
}

/**
 * Permission summary of a translation under the current WXN/PAN: Perm bits for EL1 and EL0
 * read/write/execute (both stages combined). Handy for a CPU's software TLB.
 */
export function permissionsOf(res: WalkResult, r: TranslationRegs): number {
  let p = 0;
  if (permits(res, 0, r)) p |= Perm.El1R;
  if (permits(res, Access.Write, r)) p |= Perm.El1W;
  if (permits(res, Access.Exec, r)) p |= Perm.El1X;
  if (permits(res, Access.Unpriv, r)) p |= Perm.El0R;
  if (permits(res, Access.Unpriv | Access.Write, r)) p |= Perm.El0W;
  if (permits(res, Access.Unpriv | Access.Exec, r)) p |= Perm.El0X;
  return p;
}
