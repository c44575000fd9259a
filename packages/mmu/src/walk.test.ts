/**
 * Hand-worked translations and fault syndromes. Every expected value below was derived by hand
 * from ARM DDI 0487 (D8 "The AArch64 Virtual Memory System Architecture": descriptor formats,
 * lookup levels per granule, D8 permission model; ESR_ELx ISS DFSC encoding; PAR_EL1 layout),
 * not from running the code. The naive reference walker is also run on each `walk()` case.
 */
import { describe, expect, it } from "vitest";
import { AtOp, at } from "./at.js";
import { Access, defaultRegs, FaultKind, type TranslationRegs, WalkResult } from "./index.js";
import { rawFromRegs, referenceTranslate, SparseMemory } from "./test/index.js";
import { translate } from "./walk.js";

const out = new WalkResult();

// ---------------------------------------------------------------------------------------------
// Set-up A: 4KB granule, TCR_EL1.T0SZ = 16 -> 48-bit VA, start level 4 - (1 + (48-12-1) DIV 9) = 0.
// VA 0x0000_0080_8060_4567:
//   L0 index VA[47:39] = 0x80_8060_4567 >> 39 = 1      -> descriptor at TTBR0 0x1000 + 1*8 = 0x1008
//   L1 index VA[38:30] = 0x8060_4567 >> 30 = 2         -> 0x2000 + 2*8 = 0x2010
//   L2 index VA[29:21] = 0x0060_4567 >> 21 = 3         -> 0x3000 + 3*8 = 0x3018
//   L3 index VA[20:12] = 0x4567 >> 12 = 4              -> 0x4000 + 4*8 = 0x4020
//   page offset VA[11:0] = 0x567
// Table descriptors: address | 0b11. Page descriptor 0x8000_070B:
//   bits 1:0 = 0b11 (page), AttrIndx[4:2] = 0b010, AP[7:6] = 0b00 (EL1 RW, EL0 none),
//   SH[9:8] = 0b11 (Inner Shareable), AF[10] = 1, OA[47:12] = 0x80000 -> PA 0x8000_0567.
// MAIR_EL1 = 0x00ff4400: Attr0 = 0x00 (Device-nGnRnE), Attr1 = 0x44 (Normal NC), Attr2 = 0xff (Normal WB).
// ---------------------------------------------------------------------------------------------
const VA_HI = 0x80;
const VA_LO = 0x80604567;
const PAGE = 0x8000070bn;

function setupA(): { r: TranslationRegs; mem: SparseMemory } {
  const r = defaultRegs();
  r.m = true;
  r.t0sz = 16;
  r.tg0 = 12;
  r.ips = 2; // 40-bit IPA/PA
  r.ttbr0Lo = 0x1000;
  r.mairLo = 0x00ff4400;
  const mem = new SparseMemory();
  mem.set(0x1008, 0x2003n);
  mem.set(0x2010, 0x3003n);
  mem.set(0x3018, 0x4003n);
  mem.set(0x4020, PAGE);
  return { r, mem };
}

const REF_KIND = { Translation: 1, AccessFlag: 2, Permission: 3, AddressSize: 4, SyncExternalOnWalk: 5 };

/** Walk with the fast walker, and check the naive reference walker agrees (fault/level/stage/PA). */
function walk(r: TranslationRegs, mem: SparseMemory, hi: number, lo: number, acc = 0): WalkResult {
  const refMem = mem.clone();
  translate(r, mem, hi, lo, acc, out);
  const ref = referenceTranslate(rawFromRegs(r), refMem, (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0), {
    write: (acc & Access.Write) !== 0,
    exec: (acc & Access.Exec) !== 0,
    unpriv: (acc & Access.Unpriv) !== 0,
    at: (acc & Access.At) !== 0,
    atPan: (acc & Access.AtPan) !== 0,
    s1only: (acc & Access.Stage1Only) !== 0,
  });
  if (ref.fault === null) {
    expect({ fault: out.fault, pa: out.pa }).toEqual({ fault: 0, pa: Number(ref.pa) });
  } else {
    expect({ fault: out.fault, level: out.level, stage: out.stage }).toEqual({
      fault: REF_KIND[ref.fault.type],
      level: ref.fault.level,
      stage: ref.fault.secondstage ? 2 : 1,
    });
  }
  return out;
}

function expectFault(
  res: WalkResult,
  kind: FaultKind,
  level: number,
  fsc: number,
  stage = 1,
  s1ptw = false,
): void {
  expect({ fault: res.fault, level: res.level, fsc: res.fsc, stage: res.stage, s1ptw: res.s1ptw }).toEqual({
    fault: kind,
    level,
    fsc,
    stage,
    s1ptw,
  });
}

describe("4KB granule, 48-bit VA (set-up A)", () => {
  it("walks four levels to the page", () => {
    const { r, mem } = setupA();
    const res = walk(r, mem, VA_HI, VA_LO);
    expect(res.fault).toBe(FaultKind.None);
    expect(res.pa).toBe(0x80000567);
    expect(res.memAttr).toBe(0xff);
    expect(res.attrIndx).toBe(2);
    expect(res.sh).toBe(3);
    expect(res.s1SizeLog2).toBe(12);
    expect(res.nG).toBe(false);
  });

  it("invalid L3 descriptor: Translation fault, level 3, DFSC 0b000111", () => {
    const { r, mem } = setupA();
    mem.set(0x4020, 0n);
    expectFault(walk(r, mem, VA_HI, VA_LO), FaultKind.Translation, 3, 0x07);
  });

  it("L3 descriptor with bits[1:0] = 0b01 is reserved: Translation fault level 3", () => {
    const { r, mem } = setupA();
    mem.set(0x4020, PAGE & ~2n);
    expectFault(walk(r, mem, VA_HI, VA_LO), FaultKind.Translation, 3, 0x07);
  });

  it("AF = 0 without HA: Access flag fault level 3, DFSC 0b001011", () => {
    const { r, mem } = setupA();
    mem.set(0x4020, PAGE & ~0x400n);
    expectFault(walk(r, mem, VA_HI, VA_LO), FaultKind.AccessFlag, 3, 0x0b);
  });

  it("write to AP = 0b10 (read-only): Permission fault level 3, DFSC 0b001111, WnR = 1", () => {
    const { r, mem } = setupA();
    mem.set(0x4020, PAGE | 0x80n);
    expect(walk(r, mem, VA_HI, VA_LO).fault).toBe(FaultKind.None);
    const res = walk(r, mem, VA_HI, VA_LO, Access.Write);
    expectFault(res, FaultKind.Permission, 3, 0x0f);
    expect(res.wnr).toBe(true);
  });

  it("EL0 read of AP = 0b00: Permission fault; AP = 0b01 grants EL0 RW", () => {
    const { r, mem } = setupA();
    expectFault(walk(r, mem, VA_HI, VA_LO, Access.Unpriv), FaultKind.Permission, 3, 0x0f);
    mem.set(0x4020, PAGE | 0x40n);
    expect(walk(r, mem, VA_HI, VA_LO, Access.Unpriv | Access.Write).fault).toBe(FaultKind.None);
  });

  it("privileged execution from EL0-writable memory is never permitted (AP = 0b01)", () => {
    const { r, mem } = setupA();
    expect(walk(r, mem, VA_HI, VA_LO, Access.Exec).fault).toBe(FaultKind.None);
    mem.set(0x4020, PAGE | 0x40n);
    const res = walk(r, mem, VA_HI, VA_LO, Access.Exec);
    expectFault(res, FaultKind.Permission, 3, 0x0f);
    expect(res.wnr).toBe(false);
    expect(walk(r, mem, VA_HI, VA_LO, Access.Exec | Access.Unpriv).fault).toBe(FaultKind.None);
  });

  it("SCTLR.WXN: no execution from writable memory; PXN/UXN bits 53/54", () => {
    const { r, mem } = setupA();
    r.wxn = true;
    expectFault(walk(r, mem, VA_HI, VA_LO, Access.Exec), FaultKind.Permission, 3, 0x0f);
    mem.set(0x4020, PAGE | 0x80n); // read-only: executable again
    expect(walk(r, mem, VA_HI, VA_LO, Access.Exec).fault).toBe(FaultKind.None);
    r.wxn = false;
    mem.set(0x4020, PAGE | (1n << 53n));
    expectFault(walk(r, mem, VA_HI, VA_LO, Access.Exec), FaultKind.Permission, 3, 0x0f);
    mem.set(0x4020, PAGE | 0xc0n | (1n << 54n)); // AP=11 (RO everywhere), UXN
    expect(walk(r, mem, VA_HI, VA_LO, Access.Exec).fault).toBe(FaultKind.None);
    expectFault(walk(r, mem, VA_HI, VA_LO, Access.Exec | Access.Unpriv), FaultKind.Permission, 3, 0x0f);
  });

  it("PSTATE.PAN: privileged data access to EL0-accessible memory faults; fetches and LDTR do not", () => {
    const { r, mem } = setupA();
    mem.set(0x4020, PAGE | 0xc0n); // AP=11: EL0 and EL1 read-only
    r.pan = true;
    expectFault(walk(r, mem, VA_HI, VA_LO), FaultKind.Permission, 3, 0x0f);
    expect(walk(r, mem, VA_HI, VA_LO, Access.Unpriv).fault).toBe(FaultKind.None);
    expect(walk(r, mem, VA_HI, VA_LO, Access.Exec).fault).toBe(FaultKind.None);
    r.pan = false;
    expect(walk(r, mem, VA_HI, VA_LO).fault).toBe(FaultKind.None);
  });

  it("hierarchical APTable / UXNTable / PXNTable in the L1 table descriptor", () => {
    const { r, mem } = setupA();
    mem.set(0x4020, PAGE | 0x40n); // AP=01: RW at EL0 and EL1
    mem.set(0x2010, 0x3003n | (1n << 61n)); // APTable[0]: no EL0 access below
    expectFault(walk(r, mem, VA_HI, VA_LO, Access.Unpriv), FaultKind.Permission, 3, 0x0f);
    expect(walk(r, mem, VA_HI, VA_LO, Access.Write).fault).toBe(FaultKind.None);
    mem.set(0x2010, 0x3003n | (1n << 62n)); // APTable[1]: no writes below
    expectFault(walk(r, mem, VA_HI, VA_LO, Access.Write), FaultKind.Permission, 3, 0x0f);
    expect(walk(r, mem, VA_HI, VA_LO, Access.Unpriv).fault).toBe(FaultKind.None);
    mem.set(0x4020, PAGE); // AP=00
    mem.set(0x2010, 0x3003n | (1n << 59n)); // PXNTable
    expectFault(walk(r, mem, VA_HI, VA_LO, Access.Exec), FaultKind.Permission, 3, 0x0f);
    r.hpd0 = true; // FEAT_HPDS: hierarchical permissions ignored
    expect(walk(r, mem, VA_HI, VA_LO, Access.Exec).fault).toBe(FaultKind.None);
  });

  it("1GB block at level 1: PA = OA[47:30] + VA[29:0]", () => {
    const { r, mem } = setupA();
    // 0x4000_0000 | AF | 0b01 ; VA[29:0] = 0x0060_4567 -> PA 0x4060_4567
    mem.set(0x2010, 0x40000401n);
    const res = walk(r, mem, VA_HI, VA_LO);
    expect(res.fault).toBe(FaultKind.None);
    expect(res.pa).toBe(0x40604567);
    expect(res.s1SizeLog2).toBe(30);
    expect(res.memAttr).toBe(0x00);
  });

  it("2MB block at level 2 with the contiguous hint", () => {
    const { r, mem } = setupA();
    mem.set(0x3018, 0x80200401n | (1n << 52n));
    const res = walk(r, mem, VA_HI, VA_LO);
    expect(res.pa).toBe(0x80204567); // 0x8020_0000 + VA[20:0] 0x4567
    expect(res.s1SizeLog2).toBe(21);
    expect(res.contiguous).toBe(true);
  });

  it("a block descriptor at level 0 with 4KB is not legal: Translation fault level 0", () => {
    const { r, mem } = setupA();
    mem.set(0x1008, 0x401n);
    expectFault(walk(r, mem, VA_HI, VA_LO), FaultKind.Translation, 0, 0x04);
  });

  it("table address above TCR.IPS (40 bits): Address size fault at that level, DFSC 0b000001", () => {
    const { r, mem } = setupA();
    mem.set(0x2010, (1n << 40n) | 0x3003n);
    expectFault(walk(r, mem, VA_HI, VA_LO), FaultKind.AddressSize, 1, 0x01);
    r.ips = 5; // 48 bits: now in range, and the next table (random-free sparse memory) is empty
    expectFault(walk(r, mem, VA_HI, VA_LO), FaultKind.Translation, 2, 0x06);
  });

  it("output address above IPS: Address size fault level 3; TTBR out of range: level 0", () => {
    const { r, mem } = setupA();
    mem.set(0x4020, PAGE | (1n << 41n));
    expectFault(walk(r, mem, VA_HI, VA_LO), FaultKind.AddressSize, 3, 0x03);
    const b = setupA();
    b.r.ttbr0Hi = 0x100; // TTBR0 bit 40 set, IPS = 40 bits
    expectFault(walk(b.r, b.mem, VA_HI, VA_LO), FaultKind.AddressSize, 0, 0x00);
  });

  it("VA outside the TTBR0 range, EPD0, TBI0", () => {
    const { r, mem } = setupA();
    // VA[48] set but VA[55] clear: bits 55:48 not all equal -> Translation fault level 0
    expectFault(walk(r, mem, VA_HI | 0x10000, VA_LO), FaultKind.Translation, 0, 0x04);
    // Top byte 0x5a without TBI0: fault; with TBI0 the top byte is ignored
    expectFault(walk(r, mem, VA_HI | 0x5a000000, VA_LO), FaultKind.Translation, 0, 0x04);
    r.tbi0 = true;
    expect(walk(r, mem, VA_HI | 0x5a000000, VA_LO).pa).toBe(0x80000567);
    r.epd0 = true;
    expectFault(walk(r, mem, VA_HI, VA_LO), FaultKind.Translation, 0, 0x04);
  });

  it("TTBR1: VA 0xffff_ff80_8060_4567 walks TTBR1 with the same indices", () => {
    const { r, mem } = setupA();
    r.t1sz = 16;
    r.tg1 = 12;
    r.ttbr1Lo = 0x1000;
    r.ttbr0Lo = 0x9000; // empty
    // VA[47:39] of 0xffff_ff80_... = 0x1ff? No: 0xff80_8060_4567 >> 39 & 0x1ff = 0x1ff; use index 0x1ff.
    mem.set(0x1000 + 0x1ff * 8, 0x2003n);
    const res = walk(r, mem, 0xffffff80, VA_LO);
    expect(res.fault).toBe(FaultKind.None);
    expect(res.pa).toBe(0x80000567);
    expectFault(walk(r, mem, 0x80, VA_LO), FaultKind.Translation, 0, 0x04);
  });

  it("nG and 8/16-bit ASIDs", () => {
    const { r, mem } = setupA();
    mem.set(0x4020, PAGE | 0x800n);
    r.ttbr0Hi = 0x12340000;
    let res = walk(r, mem, VA_HI, VA_LO);
    expect(res.nG).toBe(true);
    expect(res.asid).toBe(0x34);
    r.as16 = true;
    res = walk(r, mem, VA_HI, VA_LO);
    expect(res.asid).toBe(0x1234);
  });

  it("HA: AF = 0 is set in memory instead of faulting", () => {
    const { r, mem } = setupA();
    r.ha = true;
    mem.set(0x4020, PAGE & ~0x400n);
    expect(walk(r, mem, VA_HI, VA_LO).fault).toBe(FaultKind.None);
    expect(mem.read(0x4020n)).toBe(PAGE);
  });

  it("HD: a write to a DBM page with AP[2] = 1 clears AP[2]; reads and AT leave it", () => {
    const { r, mem } = setupA();
    r.ha = true;
    r.hd = true;
    const clean = PAGE | 0x80n | (1n << 51n);
    mem.set(0x4020, clean);
    const res = walk(r, mem, VA_HI, VA_LO);
    expect(res.fault).toBe(FaultKind.None);
    expect(res.ap).toBe(2); // still read-only as cached: the next write must walk
    expect(mem.read(0x4020n)).toBe(clean);
    expect(walk(r, mem, VA_HI, VA_LO, Access.Write | Access.At).fault).toBe(FaultKind.None);
    expect(mem.read(0x4020n)).toBe(clean);
    expect(walk(r, mem, VA_HI, VA_LO, Access.Write).fault).toBe(FaultKind.None);
    expect(mem.read(0x4020n)).toBe(clean & ~0x80n);
    expect(out.ap).toBe(0);
    // Without HD the same write is a permission fault.
    r.hd = false;
    mem.set(0x4020, clean);
    expectFault(walk(r, mem, VA_HI, VA_LO, Access.Write), FaultKind.Permission, 3, 0x0f);
  });

  it("external abort on the walk: DFSC 0b0101LL", () => {
    const { r, mem } = setupA();
    mem.set(0x3018, 0xfff_0000_0003n); // table at an address the memory aborts on
    const ab = Object.create(mem) as SparseMemory;
    ab.read64 = (pa: number, o: Uint32Array) => (pa >= 0xfff00000000 ? false : mem.read64(pa, o));
    translate(r, ab, VA_HI, VA_LO, 0, out);
    expectFault(out, FaultKind.AddressSize, 2, 0x02); // 0xfff_0000_0000 is above 40 bits first
    r.ips = 5;
    translate(r, ab, VA_HI, VA_LO, 0, out);
    expectFault(out, FaultKind.ExternalAbortOnWalk, 3, 0x17);
  });
});

describe("16KB and 64KB granules", () => {
  it("16KB, T0SZ = 17: start level 1, three lookups, and a 32MB level 2 block", () => {
    // 47-bit VA: level = 4 - (1 + (47-14-1) DIV 11) = 1. L1 = VA[46:36], L2 = VA[35:25], L3 = VA[24:14].
    // VA = 5<<36 | 6<<25 | 7<<14 | 0x1abc = 0x50_0C01_DABC. TTBR0 0x10000 (aligned to 2^(3+11)).
    const r = defaultRegs();
    r.m = true;
    r.t0sz = 17;
    r.tg0 = 14;
    r.ips = 2;
    r.ttbr0Lo = 0x10000;
    const mem = new SparseMemory();
    mem.set(0x10000 + 5 * 8, 0x14003n);
    mem.set(0x14000 + 6 * 8, 0x18003n);
    mem.set(0x18000 + 7 * 8, 0x40004403n);
    let res = walk(r, mem, 0x50, 0x0c01dabc);
    expect(res.fault).toBe(FaultKind.None);
    expect(res.pa).toBe(0x40005abc); // 0x4000_4000 + VA[13:0] 0x1abc
    expect(res.s1SizeLog2).toBe(14);
    mem.set(0x14000 + 6 * 8, 0x42000401n);
    res = walk(r, mem, 0x50, 0x0c01dabc);
    expect(res.pa).toBe(0x4201dabc); // 0x4200_0000 + VA[24:0] 0x1_DABC
    expect(res.s1SizeLog2).toBe(25);
    // A level 1 block is not legal with 16KB (no FEAT_LPA2): Translation fault level 1.
    mem.set(0x10000 + 5 * 8, 0x401n);
    translate(r, mem, 0x50, 0x0c01dabc, 0, out);
    expectFault(out, FaultKind.Translation, 1, 0x05);
  });

  it("64KB, T0SZ = 22: start level 2; 52-bit output with FEAT_LPA", () => {
    // 42-bit VA: level = 4 - (1 + (42-16-1) DIV 13) = 2. L2 = VA[41:29], L3 = VA[28:16].
    // VA = 3<<29 | 9<<16 | 0xbeef = 0x6009_BEEF. TTBR0 0x20000.
    const r = defaultRegs();
    r.m = true;
    r.t0sz = 22;
    r.tg0 = 16;
    r.ips = 2;
    r.ttbr0Lo = 0x20000;
    const mem = new SparseMemory();
    mem.set(0x20000 + 3 * 8, 0x30003n);
    mem.set(0x30000 + 9 * 8, 0x1_2345_0403n);
    let res = walk(r, mem, 0, 0x6009beef);
    expect(res.pa).toBe(0x1_2345_beef);
    expect(res.s1SizeLog2).toBe(16);
    // Page descriptor bits[15:12] = PA[51:48] = 3 with a 52-bit PA and IPS = 0b110.
    mem.set(0x30000 + 9 * 8, 0x1_2345_3403n);
    r.paBits = 52;
    r.ips = 6;
    res = walk(r, mem, 0, 0x6009beef);
    expect(res.pa).toBe(0x3_0001_2345_beef);
    // Same descriptor with IPS = 48 bits: PA[51:48] != 0 -> Address size fault level 3.
    r.ips = 5;
    translate(r, mem, 0, 0x6009beef, 0, out);
    expectFault(out, FaultKind.AddressSize, 3, 0x03);
    // 512MB block at level 2: OA[47:29]
    mem.set(0x20000 + 3 * 8, 0x2000_0401n);
    res = walk(r, mem, 0, 0x6009beef);
    expect(res.pa).toBe(0x2000_0000 + 0x9beef);
    expect(res.s1SizeLog2).toBe(29);
  });
});

describe("stage 2 and nested translation", () => {
  // VTCR: 4KB, T0SZ = 24 (40-bit IPA), SL0 = 1 -> start level 1. Level 1 resolves
  // 40 - (2*9 + 12) = 10 bits = 1024 entries = two concatenated 4KB tables at VTTBR 0x100000.
  // IPA 0x80_4020_1234: L1 index IPA[39:30] = 0x201 -> 0x100000 + 0x201*8 = 0x101008 (2nd table)
  // L2 index IPA[29:21] = 1 -> 0x110008; L3 index IPA[20:12] = 1 -> 0x120008; offset 0x234.
  // Leaf 0x9000_047F: page, MemAttr[5:2] = 0xf, S2AP[7:6] = 0b01 (read only), AF.
  function setupS2(): { r: TranslationRegs; mem: SparseMemory } {
    const r = defaultRegs();
    r.vm = true;
    r.vt0sz = 24;
    r.vsl0 = 1;
    r.vtg0 = 12;
    r.vps = 2;
    r.vttbrLo = 0x100000;
    r.vttbrHi = 0x00050000; // VMID 5
    const mem = new SparseMemory();
    mem.set(0x101008, 0x110003n);
    mem.set(0x110008, 0x120003n);
    mem.set(0x120008, 0x9000047fn);
    return { r, mem };
  }

  it("stage 1 off, stage 2 on: concatenated level 1 tables", () => {
    const { r, mem } = setupS2();
    const res = walk(r, mem, 0x80, 0x40201234);
    expect(res.fault).toBe(FaultKind.None);
    expect(res.pa).toBe(0x90000234);
    expect(res.ipa).toBe(0x80_4020_1234);
    expect(res.s2MemAttr).toBe(0xf);
    expect(res.vmid).toBe(5);
  });

  it("write to S2AP = 0b01: stage 2 Permission fault level 3, not S1PTW, faulting IPA kept", () => {
    const { r, mem } = setupS2();
    const res = walk(r, mem, 0x80, 0x40201234, Access.Write);
    expectFault(res, FaultKind.Permission, 3, 0x0f, 2, false);
    expect(res.wnr).toBe(true);
    expect(res.ipa).toBe(0x80_4020_1234);
  });

  it("IPA above the stage 2 input size: stage 2 Translation fault level 0", () => {
    const { r, mem } = setupS2();
    const res = walk(r, mem, 0x100, 0);
    expectFault(res, FaultKind.Translation, 0, 0x04, 2, false);
  });

  it("SL0 / T0SZ inconsistent (4KB, SL0 = 0 -> level 2 cannot resolve 40 bits): Translation fault level 0", () => {
    const { r, mem } = setupS2();
    r.vsl0 = 0; // 40 - (9 + 12) = 19 bits > 9 + 4
    expectFault(walk(r, mem, 0x80, 0x40201234), FaultKind.Translation, 0, 0x04, 2, false);
  });

  it("nested: a stage 1 table IPA with no stage 2 mapping -> stage 2 fault with S1PTW", () => {
    const { r, mem } = setupA();
    r.vm = true;
    r.vt0sz = 24;
    r.vsl0 = 1;
    r.vtg0 = 12;
    r.vps = 2;
    r.vttbrLo = 0x100000; // empty stage 2 tables
    // First stage 1 read: IPA 0x1008 -> stage 2 L1 index 0 at 0x100000: invalid -> level 1
    const res = walk(r, mem, VA_HI, VA_LO);
    expectFault(res, FaultKind.Translation, 1, 0x05, 2, true);
    expect(res.ipa).toBe(0x1008);
    // Map IPA 0..2MB identically with a 2MB stage 2 block (S2AP = 0b11, AF, MemAttr 0xf):
    mem.set(0x100000, 0x110003n);
    mem.set(0x110000, 0x4fdn); // OA 0, AF, S2AP 11, MemAttr 1111, block
    // ...the stage 1 walk now succeeds, and its output IPA 0x8000_0567 (stage 2 L1 index
    // IPA[39:30] = 2, descriptor 0x100010, empty) faults at stage 2 level 1, not S1PTW.
    const res2 = walk(r, mem, VA_HI, VA_LO);
    expectFault(res2, FaultKind.Translation, 1, 0x05, 2, false);
    expect(res2.ipa).toBe(0x80000567);
    // Map IPA 0x8000_0000 (L1 index 2, L2 index 0) with a 2MB block to PA 0x20_0000.
    mem.set(0x100000 + 2 * 8, 0x111003n);
    mem.set(0x111000, 0x2004fdn);
    const res3 = walk(r, mem, VA_HI, VA_LO);
    expect(res3.fault).toBe(FaultKind.None);
    expect(res3.pa).toBe(0x200567);
    expect(res3.sizeLog2).toBe(12); // min(stage 1 page, stage 2 block)
    // A stage 2 read-only mapping of the stage 1 tables makes an HA update fault with S1PTW.
    mem.set(0x110000, 0x47dn); // S2AP = 01
    mem.set(0x4020, PAGE & ~0x400n);
    r.ha = true;
    const res4 = walk(r, mem, VA_HI, VA_LO);
    expectFault(res4, FaultKind.Permission, 2, 0x0e, 2, true);
  });
});

describe("AT and PAR_EL1", () => {
  it("AT S1E1R success: PAR = ATTR | PA[47:12] | bit 11 | SH", () => {
    const { r, mem } = setupA();
    // ATTR 0xff << 56, PA 0x8000_0000, RES1 bit 11, SH 0b11 << 7 = 0x180
    expect(at(r, mem, AtOp.S1E1R, VA_HI, VA_LO).par).toBe(0xff00_0000_8000_0980n);
  });

  it("Device memory reports SH = 0b10 (Outer Shareable)", () => {
    const { r, mem } = setupA();
    mem.set(0x4020, PAGE & ~0x1cn); // AttrIndx 0 -> MAIR Attr0 = 0x00 Device-nGnRnE
    expect(at(r, mem, AtOp.S1E1R, VA_HI, VA_LO).par).toBe(0x0000_0000_8000_0900n);
  });

  it("faults: F = 1, FST = DFSC, bit 11 RES1", () => {
    const { r, mem } = setupA();
    mem.set(0x4020, PAGE | 0x80n); // read-only
    // FST 0b001111 << 1 = 0x1e, F = 1, bit 11 -> 0x81f
    expect(at(r, mem, AtOp.S1E1W, VA_HI, VA_LO).par).toBe(0x81fn);
    // AT S1E0R: EL0 has no access with AP = 10
    expect(at(r, mem, AtOp.S1E0R, VA_HI, VA_LO).par).toBe(0x81fn);
    mem.set(0x4020, 0n); // Translation level 3: FST 0b000111 -> 0x80f
    expect(at(r, mem, AtOp.S1E1R, VA_HI, VA_LO).par).toBe(0x80fn);
  });

  it("S1E1RP honours PSTATE.PAN, S1E1R does not", () => {
    const { r, mem } = setupA();
    mem.set(0x4020, PAGE | 0x40n); // AP=01, EL0-accessible
    r.pan = true;
    expect(at(r, mem, AtOp.S1E1RP, VA_HI, VA_LO).par).toBe(0x81fn);
    expect(at(r, mem, AtOp.S1E1WP, VA_HI, VA_LO).par).toBe(0x81fn);
    expect(at(r, mem, AtOp.S1E1R, VA_HI, VA_LO).par! & 1n).toBe(0n);
  });

  it("a stage 2 fault on the stage 1 walk is not reported in PAR (taken to EL2)", () => {
    const { r, mem } = setupA();
    r.vm = true;
    r.vt0sz = 24;
    r.vsl0 = 1;
    r.vttbrLo = 0x100000;
    const o = at(r, mem, AtOp.S1E1R, VA_HI, VA_LO);
    expect(o.par).toBe(null);
    expect(o.walk.s1ptw).toBe(true);
  });

  it("AT reports stage 1 output (the IPA) even when stage 2 is on", () => {
    const { r, mem } = setupA();
    r.vm = true;
    r.vt0sz = 24;
    r.vsl0 = 1;
    r.vttbrLo = 0x100000;
    mem.set(0x100000, 0x110003n);
    mem.set(0x110000, 0x4fdn); // identity 2MB for the tables
    // Output IPA 0x8000_0567 has no stage 2 mapping, AT S1E1R still succeeds with the IPA.
    expect(at(r, mem, AtOp.S1E1R, VA_HI, VA_LO).par).toBe(0xff00_0000_8000_0980n);
  });
});

describe("permissionsOf", () => {
  it("summarises AP/UXN/PXN/WXN/PAN and stage 2 for both ELs", async () => {
    const { Perm, permissionsOf } = await import("./index.js");
    const { r, mem } = setupA();
    mem.set(0x4020, PAGE | 0x40n); // AP=01: RW at EL0 and EL1; EL1 may not execute it
    const res = walk(r, mem, VA_HI, VA_LO);
    expect(permissionsOf(res, r)).toBe(Perm.El1R | Perm.El1W | Perm.El0R | Perm.El0W | Perm.El0X);
    r.wxn = true;
    expect(permissionsOf(res, r)).toBe(Perm.El1R | Perm.El1W | Perm.El0R | Perm.El0W);
    r.pan = true;
    expect(permissionsOf(res, r)).toBe(Perm.El0R | Perm.El0W);
  });
});

describe("ESR ISS and HPFAR helpers", () => {
  it("data abort ISS = DFSC | WnR << 6 | S1PTW << 7; HPFAR.FIPA = IPA[51:12] << 4", async () => {
    const { abortIss, hpfarOf } = await import("./index.js");
    const { r, mem } = setupA();
    mem.set(0x4020, PAGE | 0x80n);
    const res = walk(r, mem, VA_HI, VA_LO, Access.Write);
    // Permission fault level 3 (0b001111) on a write: 0x0f | 0x40 = 0x4f
    expect(abortIss(res, false)).toBe(0x4f);
    expect(abortIss(res, true)).toBe(0x0f);
    // Nested: stage 2 translation fault level 1 on the stage 1 walk of IPA 0x1008:
    // ISS = 0b000101 | S1PTW (bit 7) = 0x85, HPFAR = (0x1008 >> 12) << 4 = 0x10
    r.vm = true;
    r.vt0sz = 24;
    r.vsl0 = 1;
    r.vttbrLo = 0x100000;
    const res2 = walk(r, mem, VA_HI, VA_LO);
    expect(abortIss(res2, false)).toBe(0x85);
    expect(hpfarOf(res2)).toBe(0x10);
  });
});
