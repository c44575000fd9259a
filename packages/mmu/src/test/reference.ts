/**
 * A deliberately naive reference walker, written straight from the shape of the ARM ARM
 * (DDI 0487) Armv8-A translation pseudocode: AArch64.FullTranslate, AArch64.FirstStageTranslate,
 * AArch64.SecondStageTranslate, AArch64.TranslationTableWalk (one routine for both stages, as in
 * the spec), AArch64.CheckPermission, AArch64.CheckS2Permission and
 * AArch64.CheckAndUpdateDescriptor. Raw register values in, BigInt everywhere, slow on purpose.
 * It shares no code with the fast walker (it even decodes TCR/VTCR/SCTLR itself) and is the
 * oracle for the property tests.
 */

export interface RefRegs {
  /** Implemented PA size (PAMax()). */
  paBits: number;
  sctlr: bigint;
  tcr: bigint;
  ttbr0: bigint;
  ttbr1: bigint;
  mair: bigint;
  /** PSTATE.PAN */
  pan: boolean;
  /** HCR_EL2.VM */
  hcrVm: boolean;
  vtcr: bigint;
  vttbr: bigint;
}

export interface RefMemory {
  /** The 64-bit word at pa, or null for an external abort. */
  read(pa: bigint): bigint | null;
  write(pa: bigint, value: bigint): boolean;
}

export interface RefAccess {
  write: boolean;
  exec: boolean;
  unpriv: boolean;
  at: boolean;
  atPan: boolean;
  s1only: boolean;
}

export type RefFaultType = "Translation" | "AccessFlag" | "Permission" | "AddressSize" | "SyncExternalOnWalk";

export interface RefFault {
  type: RefFaultType;
  level: number;
  secondstage: boolean;
  s2fs1walk: boolean;
  write: boolean;
  ipaddress: bigint;
}

export interface RefResult {
  fault: RefFault | null;
  /** Output address (PA, or IPA with s1only). */
  pa: bigint;
  ipa: bigint;
  memattr: number;
  sh: number;
  nG: boolean;
  s1BlockBits: number;
  s2BlockBits: number;
  s2MemAttr: number;
  s2Sh: number;
}

function bits(x: bigint, hi: number, lo: number): bigint {
  if (hi < lo) return 0n;
  return (x >> BigInt(lo)) & ((1n << BigInt(hi - lo + 1)) - 1n);
}
function bit(x: bigint, n: number): number {
  return Number((x >> BigInt(n)) & 1n);
}
function isZero(x: bigint, hi: number, lo: number): boolean {
  return bits(x, hi, lo) === 0n;
}
function isOnes(x: bigint, hi: number, lo: number): boolean {
  if (hi < lo) return true;
  return bits(x, hi, lo) === (1n << BigInt(hi - lo + 1)) - 1n;
}

interface DescUpdate {
  AF: boolean;
  AP: boolean;
  descaddr: bigint;
}

interface WalkOut {
  fault: RefFault | null;
  outputaddress: bigint;
  level: number;
  blockbits: number;
  ap: number;
  xn: number;
  pxn: number;
  attrindx: number;
  sh: number;
  nG: boolean;
  memattr4: number;
  descupdate: DescUpdate;
}

class Ref {
  constructor(
    readonly regs: RefRegs,
    readonly mem: RefMemory,
  ) {}

  fault(
    type: RefFaultType,
    level: number,
    secondstage: boolean,
    s2fs1walk: boolean,
    acc: RefAccess,
    ipa: bigint,
  ): RefFault {
    return { type, level, secondstage, s2fs1walk, write: acc.write && !acc.exec, ipaddress: ipa };
  }

  clampTsz(tsz: number, largegrain: boolean): number {
    const min = largegrain && this.regs.paBits >= 52 ? 12 : 16;
    return Math.min(39, Math.max(min, tsz));
  }

  decodePs(ps: number, largegrain: boolean): number {
    const table = [32, 36, 40, 42, 44, 48, 52];
    let o = ps === 7 ? this.regs.paBits : table[ps]!;
    if (o > this.regs.paBits) o = this.regs.paBits;
    if (o === 52 && !largegrain) o = 48;
    return o;
  }

  /** AArch64.TranslationTableWalk */
  walk(
    ipaddress: bigint,
    vaddress: bigint,
    acc: RefAccess,
    secondstage: boolean,
    s2fs1walk: boolean,
  ): WalkOut {
    const r = this.regs;
    const res: WalkOut = {
      fault: null,
      outputaddress: 0n,
      level: 0,
      blockbits: 0,
      ap: 0,
      xn: 0,
      pxn: 0,
      attrindx: 0,
      sh: 0,
      nG: false,
      memattr4: 0,
      descupdate: { AF: false, AP: false, descaddr: 0n },
    };
    let inputaddr: bigint;
    let inputsize: number;
    let grainsize: number;
    let largegrain: boolean;
    let basefound: boolean;
    let disabled = false;
    let baseregister: bigint;
    let outputsize: number;
    let level: number;
    let hierattrsdisabled = false;
    let updateAF: boolean;
    let updateAP: boolean;
    if (!secondstage) {
      inputaddr = vaddress;
      const tbi = bit(vaddress, 55) === 0 ? bit(r.tcr, 37) : bit(r.tcr, 38);
      const top = tbi === 1 ? 55 : 63;
      if (bit(inputaddr, top) === 0) {
        const tg0 = Number(bits(r.tcr, 15, 14));
        largegrain = tg0 === 1;
        grainsize = tg0 === 1 ? 16 : tg0 === 2 ? 14 : 12;
        inputsize = 64 - this.clampTsz(Number(bits(r.tcr, 5, 0)), largegrain);
        basefound = isZero(inputaddr, top, inputsize);
        disabled = bit(r.tcr, 7) === 1;
        baseregister = r.ttbr0;
        hierattrsdisabled = bit(r.tcr, 41) === 1;
      } else {
        const tg1 = Number(bits(r.tcr, 31, 30));
        largegrain = tg1 === 3;
        grainsize = tg1 === 3 ? 16 : tg1 === 1 ? 14 : 12;
        inputsize = 64 - this.clampTsz(Number(bits(r.tcr, 21, 16)), largegrain);
        basefound = isOnes(inputaddr, top, inputsize);
        disabled = bit(r.tcr, 23) === 1;
        baseregister = r.ttbr1;
        hierattrsdisabled = bit(r.tcr, 42) === 1;
      }
      outputsize = this.decodePs(Number(bits(r.tcr, 34, 32)), largegrain);
      const stride = grainsize - 3;
      level = 4 - (1 + Math.floor((inputsize - grainsize - 1) / stride));
      updateAF = bit(r.tcr, 39) === 1;
      updateAP = updateAF && bit(r.tcr, 40) === 1;
    } else {
      inputaddr = ipaddress;
      const tg0 = Number(bits(r.vtcr, 15, 14));
      largegrain = tg0 === 1;
      grainsize = tg0 === 1 ? 16 : tg0 === 2 ? 14 : 12;
      inputsize = 64 - this.clampTsz(Number(bits(r.vtcr, 5, 0)), largegrain);
      outputsize = this.decodePs(Number(bits(r.vtcr, 18, 16)), largegrain);
      const stride = grainsize - 3;
      const sl0 = Number(bits(r.vtcr, 7, 6));
      level = grainsize === 12 ? 2 - sl0 : 3 - sl0;
      const startsizecheck = inputsize - ((3 - level) * stride + grainsize);
      basefound = isZero(inputaddr, 63, inputsize);
      if (sl0 === 3 || (sl0 === 2 && r.paBits < 44)) basefound = false;
      if (startsizecheck < 1 || startsizecheck > stride + 4) basefound = false;
      baseregister = r.vttbr;
      updateAF = bit(r.vtcr, 21) === 1;
      updateAP = updateAF && bit(r.vtcr, 22) === 1;
    }
    const stride = grainsize - 3;
    const firstblocklevel = largegrain ? (r.paBits >= 52 ? 1 : 2) : grainsize === 14 ? 2 : 1;
    if (!basefound || disabled) {
      res.fault = this.fault("Translation", 0, secondstage, s2fs1walk, acc, ipaddress);
      return res;
    }
    if (outputsize < 48 && !isZero(baseregister, 47, outputsize)) {
      res.fault = this.fault("AddressSize", 0, secondstage, s2fs1walk, acc, ipaddress);
      return res;
    }
    const baselowerbound = 3 + inputsize - ((3 - level) * stride + grainsize);
    let baseaddress: bigint;
    if (outputsize === 52) {
      const z = Math.max(baselowerbound, 6);
      baseaddress = (bits(baseregister, 5, 2) << 48n) | (bits(baseregister, 47, z) << BigInt(z));
    } else {
      baseaddress = bits(baseregister, 47, baselowerbound) << BigInt(baselowerbound);
    }
    let apTable = 0;
    let xnTable = 0;
    let pxnTable = 0;
    let addrselecttop = inputsize - 1;
    let desc = 0n;
    let descaddr = 0n;
    let addrselectbottom = 0;
    for (;;) {
      addrselectbottom = (3 - level) * stride + grainsize;
      const index = bits(inputaddr, addrselecttop, addrselectbottom) << 3n;
      descaddr = baseaddress | index;
      let descaddr2 = descaddr;
      if (!secondstage && r.hcrVm) {
        const s2 = this.secondStage(descaddr, acc, true, false);
        if (s2.fault !== null) {
          res.fault = s2.fault;
          return res;
        }
        descaddr2 = s2.pa;
      }
      const d = this.mem.read(descaddr2);
      if (d === null) {
        res.fault = this.fault("SyncExternalOnWalk", level, secondstage, s2fs1walk, acc, ipaddress);
        return res;
      }
      desc = d;
      if (bit(desc, 0) === 0 || (bits(desc, 1, 0) === 1n && level === 3)) {
        res.fault = this.fault("Translation", level, secondstage, s2fs1walk, acc, ipaddress);
        return res;
      }
      if (bits(desc, 1, 0) === 1n || level === 3) break;
      if (
        (outputsize < 52 && largegrain && !isZero(desc, 15, 12)) ||
        (outputsize !== 52 && !isZero(desc, 47, outputsize))
      ) {
        res.fault = this.fault("AddressSize", level, secondstage, s2fs1walk, acc, ipaddress);
        return res;
      }
      if (outputsize === 52)
        baseaddress = (bits(desc, 15, 12) << 48n) | (bits(desc, 47, grainsize) << BigInt(grainsize));
      else baseaddress = bits(desc, 47, grainsize) << BigInt(grainsize);
      if (!secondstage && !hierattrsdisabled) {
        apTable |= Number(bits(desc, 62, 61));
        xnTable |= bit(desc, 60);
        pxnTable |= bit(desc, 59);
      }
      level += 1;
      addrselecttop = addrselectbottom - 1;
    }
    if (level < firstblocklevel) {
      res.fault = this.fault("Translation", level, secondstage, s2fs1walk, acc, ipaddress);
      return res;
    }
    let outputaddress =
      (bits(desc, 47, addrselectbottom) << BigInt(addrselectbottom)) |
      bits(inputaddr, addrselectbottom - 1, 0);
    if (largegrain) outputaddress |= bits(desc, 15, 12) << 48n;
    res.descupdate.descaddr = descaddr;
    // Address size is checked before the access flag (the walk's own check; AF is tested after it).
    // The leaf's output base (descriptor OA bits, without the input offset) must fit the output
    // size (current ARM ARM: AArch64.S1Walk/S2Walk check the leaf base address).
    const leafbase =
      (bits(desc, 47, addrselectbottom) << BigInt(addrselectbottom)) |
      (largegrain ? bits(desc, 15, 12) << 48n : 0n);
    if ((outputsize < 52 && largegrain && !isZero(leafbase, 51, 48)) || !isZero(leafbase, 47, outputsize)) {
      res.fault = this.fault("AddressSize", level, secondstage, s2fs1walk, acc, ipaddress);
      return res;
    }
    if (bit(desc, 10) === 0) {
      if (!updateAF) {
        res.fault = this.fault("AccessFlag", level, secondstage, s2fs1walk, acc, ipaddress);
        return res;
      }
      res.descupdate.AF = true;
    }
    if (updateAP && bit(desc, 51) === 1) {
      if (!secondstage && bit(desc, 7) === 1) {
        desc &= ~(1n << 7n);
        res.descupdate.AP = true;
      } else if (secondstage && bit(desc, 7) === 0) {
        desc |= 1n << 7n;
        res.descupdate.AP = true;
      }
    }
    res.outputaddress = outputaddress;
    res.level = level;
    res.blockbits = addrselectbottom;
    res.attrindx = Number(bits(desc, 4, 2));
    res.memattr4 = Number(bits(desc, 5, 2));
    res.sh = Number(bits(desc, 9, 8));
    res.nG = bit(desc, 11) === 1;
    if (!secondstage) {
      let ap = Number(bits(desc, 7, 6));
      if (apTable & 2) ap |= 2; // APTable[1]: no writes at any level
      if (apTable & 1) ap &= ~1; // APTable[0]: no EL0 access
      res.ap = ap;
      res.xn = bit(desc, 54) | xnTable;
      res.pxn = bit(desc, 53) | pxnTable;
    } else {
      res.ap = Number(bits(desc, 7, 6));
      res.xn = bit(desc, 54);
    }
    return res;
  }

  /** AArch64.CheckPermission (EL1&0 regime, PAN, WXN). */
  checkPermission(w: WalkOut, acc: RefAccess): boolean {
    const wxn = bit(this.regs.sctlr, 19) === 1;
    const ispriv = !acc.unpriv;
    let priv_r = true;
    let priv_w = (w.ap & 2) === 0;
    const user_r = (w.ap & 1) === 1;
    const user_w = w.ap === 1;
    const is_ldst = !acc.at && !acc.exec;
    const is_ats1xp = acc.at && acc.atPan;
    if (this.regs.pan && user_r && ispriv && (is_ldst || is_ats1xp)) {
      priv_r = false;
      priv_w = false;
    }
    const user_xn = w.xn === 1 || (user_w && wxn);
    const priv_xn = w.pxn === 1 || (priv_w && wxn) || user_w;
    const [rr, ww, xn] = ispriv ? [priv_r, priv_w, priv_xn] : [user_r, user_w, user_xn];
    if (acc.exec) return !xn;
    if (acc.write) return ww;
    return rr;
  }

  /** AArch64.CheckAndUpdateDescriptor */
  update(
    du: DescUpdate,
    secondstage: boolean,
    acc: RefAccess,
    s2fs1walk: boolean,
    hwupdatewalk: boolean,
    level: number,
  ): RefFault | null {
    const hwAF = du.AF;
    let hwAP = false;
    if (du.AP) {
      const write_perm_req = acc.write && !acc.exec && !s2fs1walk;
      hwAP = (write_perm_req && !acc.at) || hwupdatewalk;
    }
    if (!hwAF && !hwAP) return null;
    let descaddr2 = du.descaddr;
    if (!secondstage && this.regs.hcrVm) {
      const s2 = this.secondStage(du.descaddr, acc, true, true);
      if (s2.fault !== null) return s2.fault;
      descaddr2 = s2.pa;
    }
    let desc = this.mem.read(descaddr2);
    if (desc === null)
      return this.fault("SyncExternalOnWalk", level, secondstage, s2fs1walk, acc, du.descaddr);
    if (hwAF) desc |= 1n << 10n;
    if (hwAP) desc = secondstage ? desc | (1n << 7n) : desc & ~(1n << 7n);
    if (!this.mem.write(descaddr2, desc))
      return this.fault("SyncExternalOnWalk", level, secondstage, s2fs1walk, acc, du.descaddr);
    return null;
  }

  /** AArch64.SecondStageTranslate (also used as AArch64.SecondStageWalk for s2fs1walk). */
  secondStage(
    ipa: bigint,
    acc: RefAccess,
    s2fs1walk: boolean,
    hwupdatewalk: boolean,
  ): { fault: RefFault | null; pa: bigint; w: WalkOut | null } {
    const w = this.walk(ipa, 0n, acc, true, s2fs1walk);
    if (w.fault !== null) return { fault: w.fault, pa: 0n, w: null };
    // AArch64.CheckS2Permission
    const r = (w.ap & 1) === 1;
    const wr = (w.ap & 2) === 2;
    let fail: boolean;
    if (acc.exec && !s2fs1walk) fail = w.xn === 1;
    else if (acc.write && !s2fs1walk) fail = !wr;
    else if (hwupdatewalk) fail = !wr;
    else fail = !r;
    if (fail) return { fault: this.fault("Permission", w.level, true, s2fs1walk, acc, ipa), pa: 0n, w: null };
    const uf = this.update(w.descupdate, true, acc, s2fs1walk, hwupdatewalk, w.level);
    if (uf !== null) return { fault: uf, pa: 0n, w: null };
    return { fault: null, pa: w.outputaddress, w };
  }

  /** AArch64.FullTranslate for the EL1&0 regime. */
  full(va: bigint, acc: RefAccess): RefResult {
    const r = this.regs;
    const out: RefResult = {
      fault: null,
      pa: 0n,
      ipa: 0n,
      memattr: 0,
      sh: 0,
      nG: false,
      s1BlockBits: 12,
      s2BlockBits: 0,
      s2MemAttr: 0,
      s2Sh: 0,
    };
    let ipa: bigint;
    if (bit(r.sctlr, 0) === 0) {
      // AArch64.TranslateAddressS1Off
      const tbi = bit(va, 55) === 0 ? bit(r.tcr, 37) : bit(r.tcr, 38);
      const top = tbi === 1 ? 55 : 63;
      if (!isZero(va, top, r.paBits)) {
        out.fault = this.fault("AddressSize", 0, false, false, acc, 0n);
        return out;
      }
      ipa = bits(va, r.paBits - 1, 0);
      out.memattr = acc.exec ? 0xaa : 0x00;
      out.sh = 2;
    } else {
      const w = this.walk(0n, va, acc, false, false);
      if (w.fault !== null) {
        out.fault = w.fault;
        return out;
      }
      if (!this.checkPermission(w, acc)) {
        out.fault = this.fault("Permission", w.level, false, false, acc, 0n);
        return out;
      }
      const uf = this.update(w.descupdate, false, acc, false, false, w.level);
      if (uf !== null) {
        out.fault = uf;
        return out;
      }
      ipa = w.outputaddress;
      out.memattr = Number(bits(r.mair, w.attrindx * 8 + 7, w.attrindx * 8));
      out.sh = w.sh;
      out.nG = w.nG;
      out.s1BlockBits = w.blockbits;
    }
    out.ipa = ipa;
    out.pa = ipa;
    if (r.hcrVm && !acc.s1only) {
      const s2 = this.secondStage(ipa, acc, false, false);
      if (s2.fault !== null) {
        out.fault = s2.fault;
        return out;
      }
      out.pa = s2.pa;
      out.s2BlockBits = s2.w!.blockbits;
      out.s2MemAttr = s2.w!.memattr4;
      out.s2Sh = s2.w!.sh;
    }
    return out;
  }
}

/** Translate `va` (full 64-bit bigint) in the EL1&0 regime with the naive reference walker. */
export function referenceTranslate(regs: RefRegs, mem: RefMemory, va: bigint, acc: RefAccess): RefResult {
  return new Ref(regs, mem).full(BigInt.asUintN(64, va), acc);
}

/** The ESR DFSC/IFSC code of a reference fault (ARM DDI 0487, ISS encoding for aborts). */
export function referenceFsc(f: RefFault): number {
  const base = {
    AddressSize: 0x00,
    Translation: 0x04,
    AccessFlag: 0x08,
    Permission: 0x0c,
    SyncExternalOnWalk: 0x14,
  }[f.type];
  return base | f.level;
}
