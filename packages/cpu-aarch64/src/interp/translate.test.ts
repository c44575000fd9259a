/*
 * The CPU's stage 1 wiring (translate.ts): privilege-dependent permissions through the software
 * TLB (EL0/EL1, PAN, LDTR/STTR, UAO), ASID switches, TLBI precision, instruction fetch. Tables are
 * built by hand here (4K granule, 39-bit VA, ARM ARM D8.3 descriptor formats); instructions come
 * from llvm-mc; expected syndromes are worked out from the ESR_EL1 ISS encoding (D17.2.40).
 */
import { Bus } from "@armature/core";
import { describe, expect, it } from "vitest";
import { M1_MODEL } from "../model.js";
import { asm } from "../test/asm.js";
import { Cpu } from "./cpu.js";
import { SR } from "./sysregs.js";

// Descriptor bits (D8.3.2): page = 0b11, AF 10, SH 9:8, AP[2:1] 7:6, AttrIndx 4:2, nG 11, PXN 53, UXN 54.
const AF = 0x400n | 0x300n;
const AP_EL1_RW = 0n;
const AP_RW = 0x40n;
const AP_EL1_RO = 0x80n;
const AP_RO = 0xc0n;
const NG = 0x800n;
const PXN = 1n << 53n;
const UXN = 1n << 54n;

const L1 = 0x100000;
const KCODE = 0x1000;
const UCODE = 0x2000;
const VBAR = 0x4000;
const KDATA = 0x10000;
const UDATA = 0x11000;
const NGVA = 0x12000;
const ROVA = 0x13000;

function setup() {
  const bus = new Bus();
  const ram = bus.addRam("ram", 0, 4 << 20);
  const cpu = new Cpu({ bus, model: M1_MODEL });
  const w64 = (pa: number, v: bigint): void => ram.view.setBigUint64(pa, v, true);
  /** A 3-level 4K table tree at `root` (L1) for VA 0..2 MiB: L2 at root+0x1000, L3 at root+0x2000. */
  const tree = (root: number): ((va: number, pa: number, attrs: bigint) => void) => {
    w64(root, BigInt(root + 0x1000) | 3n);
    w64(root + 0x1000, BigInt(root + 0x2000) | 3n);
    return (va, pa, attrs) => w64(root + 0x2000 + (va >>> 12) * 8, BigInt(pa) | attrs | 3n);
  };
  const map = tree(L1);
  map(KCODE, KCODE, AF | AP_EL1_RW | UXN);
  map(UCODE, UCODE, AF | AP_RO | PXN);
  map(VBAR, VBAR, AF | AP_EL1_RO | UXN);
  map(KDATA, KDATA, AF | AP_EL1_RW | PXN | UXN);
  map(UDATA, UDATA, AF | AP_RW | PXN | UXN);
  map(NGVA, 0x20000, AF | AP_RW | NG | PXN | UXN);
  map(ROVA, UDATA, AF | AP_RO | PXN | UXN);
  w64(UDATA, 0x1111n);
  w64(KDATA, 0x2222n);
  w64(0x20000, 0xa1n);
  w64(0x21000, 0xa2n);
  const load = (pa: number, words: number[]): void => {
    for (const [i, w] of words.entries()) ram.view.setUint32(pa + 4 * i, w, true);
    cpu.invalidateCode(pa, 4 * words.length);
  };
  // Every vector: BRK #1 (a debug exit), so a taken exception shows up as exit "hvc" at VBAR+off.
  for (let off = 0; off < 0x800; off += 0x80) load(VBAR + off, asm("hvc #1"));
  const s = cpu.sys;
  s.write(SR.VBAR_EL1, BigInt(VBAR));
  s.write(SR.MAIR_EL1, 0xffn);
  s.write(SR.TCR_EL1, 25n | (25n << 16n) | (2n << 30n) | (2n << 32n)); // T0SZ=T1SZ=25, TG1 4K, IPS 40 bits
  s.write(SR.TTBR0_EL1, (1n << 48n) | BigInt(L1)); // ASID 1
  s.write(SR.SCTLR_EL1, 0x30d00801n); // M, SPAN=1 (exception entry leaves PAN alone)
  /** Run `src` at `pa` at the given EL (SPSel = EL); returns the exit. */
  const exec = (pa: number, el: 0 | 1, src: string, steps = 100) => {
    load(pa, asm(src));
    cpu.setEl(el, el);
    cpu.setPC(pa);
    return cpu.run(steps);
  };
  return { cpu, ram, w64, tree, exec, load };
}

const ESR = (ec: number, iss: number): number => ((ec << 26) | (1 << 25) | iss) >>> 0;

describe("stage 1 translation in the CPU", () => {
  it("EL0 may not read an EL1-only page the kernel just read (software TLB is per privilege)", () => {
    const { cpu, exec } = setup();
    cpu.setX(1, KDATA);
    expect(exec(KCODE, 1, "ldr x0, [x1]\nhvc #2").imm).toBe(2);
    expect(cpu.getX(0)).toBe(0x2222n);
    const exit = exec(UCODE, 0, "ldr x0, [x1]\nhvc #2");
    expect(exit.reason).toBe("hvc");
    expect(cpu.getPC()).toBe(BigInt(VBAR + 0x400 + 4)); // lower EL, AArch64, synchronous
    expect(cpu.sys.esrEl1).toBe(ESR(0x24, 0x0f)); // data abort from EL0, permission fault level 3
    expect(cpu.sys.farLo >>> 0).toBe(KDATA);
    expect(cpu.sys.elrLo >>> 0).toBe(UCODE);
  });

  it("EL0 reads its page; a store to a read-only page faults with WnR", () => {
    const { cpu, exec } = setup();
    cpu.setX(1, UDATA);
    cpu.setX(2, ROVA);
    expect(exec(UCODE, 0, "ldr x0, [x1]\nldr x3, [x2]\nstr x0, [x2]\nhvc #2").reason).toBe("hvc");
    expect(cpu.getX(0)).toBe(0x1111n);
    expect(cpu.getX(3)).toBe(0x1111n);
    expect(cpu.getPC()).toBe(BigInt(VBAR + 0x400 + 4));
    expect(cpu.sys.esrEl1).toBe(ESR(0x24, 0x40 | 0x0f));
    expect(cpu.sys.farLo >>> 0).toBe(ROVA);
  });

  it("PSTATE.PAN: EL1 loses access to EL0 data after MSR PAN, #1 even with a warm TLB", () => {
    const { cpu, exec } = setup();
    cpu.setX(1, UDATA);
    const exit = exec(KCODE, 1, "ldr x0, [x1]\nmsr pan, #1\nldr x2, [x1]\nhvc #2");
    expect(exit.reason).toBe("hvc");
    expect(cpu.getX(0)).toBe(0x1111n);
    expect(cpu.getPC()).toBe(BigInt(VBAR + 0x200 + 4)); // current EL with SP_ELx
    expect(cpu.sys.esrEl1).toBe(ESR(0x25, 0x0f));
    expect(cpu.sys.elrLo >>> 0).toBe(KCODE + 8);
  });

  it("LDTR at EL1 uses EL0 permissions (and not with PSTATE.UAO); PAN does not apply to it", () => {
    const { cpu, exec } = setup();
    cpu.setX(1, UDATA);
    cpu.setX(2, KDATA);
    expect(exec(KCODE, 1, "msr pan, #1\nldtr x0, [x1]\nldr x3, [x2]\nldtr x4, [x2]\nhvc #2").reason).toBe(
      "hvc",
    );
    expect(cpu.getX(0)).toBe(0x1111n);
    expect(cpu.getX(3)).toBe(0x2222n);
    expect(cpu.getPC()).toBe(BigInt(VBAR + 0x200 + 4));
    expect(cpu.sys.esrEl1).toBe(ESR(0x25, 0x0f));
    expect(cpu.sys.farLo >>> 0).toBe(KDATA);
    cpu.pan = 0;
    expect(exec(KCODE, 1, "msr uao, #1\nldtr x4, [x2]\nsttr x4, [x2, #8]\nhvc #3").imm).toBe(3);
    expect(cpu.getX(4)).toBe(0x2222n);
  });

  it("instruction fetch: EL0 cannot run a UXN page, EL1 cannot run a PXN page", () => {
    const { cpu, exec, load } = setup();
    load(KCODE + 0x100, asm("hvc #2"));
    cpu.setX(1, KCODE + 0x100);
    expect(exec(UCODE, 0, "blr x1").reason).toBe("hvc");
    expect(cpu.getPC()).toBe(BigInt(VBAR + 0x400 + 4));
    expect(cpu.sys.esrEl1).toBe(ESR(0x20, 0x0f)); // instruction abort from EL0, permission L3
    expect(cpu.sys.farLo >>> 0).toBe(KCODE + 0x100);
    cpu.setX(1, UCODE);
    expect(exec(KCODE, 1, "blr x1").reason).toBe("hvc");
    expect(cpu.getPC()).toBe(BigInt(VBAR + 0x200 + 4));
    expect(cpu.sys.esrEl1).toBe(ESR(0x21, 0x0f));
  });

  it("TLBI by VA drops what it concerns: the page, a 2 MiB block through any page of it", () => {
    const { cpu, exec, w64 } = setup();
    const BLOCK = 0x200000;
    const l2 = L1 + 0x1000;
    w64(l2 + 8, BigInt(BLOCK) | AF | AP_EL1_RW | PXN | UXN | 1n); // L2 index 1: a 2 MiB block, identity
    w64(BLOCK + 0x3000, 0xb1n);
    w64(0x3000, 0xb2n); // after the remap to PA 0
    cpu.setX(1, NGVA);
    cpu.setX(2, KDATA);
    cpu.setX(3, BLOCK + 0x3000);
    expect(exec(KCODE, 1, "ldr x4, [x1]\nldr x5, [x2]\nldr x6, [x3]\nhvc #2").imm).toBe(2);
    expect([cpu.getX(4), cpu.getX(5), cpu.getX(6)]).toEqual([0xa1n, 0x2222n, 0xb1n]);
    // Remap all three; TLBI by VA (all ASIDs) for NGVA and for the block's last page only.
    w64(L1 + 0x2000 + (NGVA >>> 12) * 8, 0x21000n | AF | AP_RW | NG | PXN | UXN | 3n);
    w64(L1 + 0x2000 + (KDATA >>> 12) * 8, BigInt(UDATA) | AF | AP_EL1_RW | PXN | UXN | 3n);
    w64(l2 + 8, AF | AP_EL1_RW | PXN | UXN | 1n);
    cpu.setX(7, NGVA >>> 12); // Xt[43:0] = VA[55:12]
    cpu.setX(8, (BLOCK + 0x1ff000) >>> 12);
    const prog =
      "tlbi vaae1, x7\ntlbi vaae1, x8\ndsb ish\nisb\nldr x4, [x1]\nldr x5, [x2]\nldr x6, [x3]\nhvc #2";
    expect(exec(KCODE + 0x200, 1, prog).imm).toBe(2);
    expect(cpu.getX(4)).toBe(0xa2n); // the page's new mapping
    expect(cpu.getX(6)).toBe(0xb2n); // the block's, though the TLBI named another of its pages
    expect(cpu.getX(5)).toBe(0x2222n); // no TLBI for KDATA: its cached translation stays
  });

  it("TLBI by VA keeps other pages' software TLB entries from 4 KiB pages, also beside a cached block", () => {
    const { cpu, exec, w64 } = setup();
    const BLOCK = 0x200000;
    w64(L1 + 0x1000 + 8, BigInt(BLOCK) | AF | AP_EL1_RW | PXN | UXN | 1n); // a 2 MiB block, identity
    cpu.setX(1, NGVA);
    cpu.setX(2, KDATA);
    cpu.setX(3, BLOCK + 0x3000);
    const prime = "ldr x4, [x1]\nldr x5, [x2]\nldr x6, [x3]\nhvc #2";
    expect(exec(KCODE + 0x200, 1, prime).imm).toBe(2);
    // The TLB has held a 2 MiB translation: a TLBI by VA of NGVA concerns its 2 MiB region, but
    // of the slots there only NGVA's own; KDATA's and the code page's came from 4 KiB pages.
    cpu.setX(7, NGVA >>> 12);
    const prog = "tlbi vaae1, x7\ndsb ish\nisb\nldr x5, [x2]\nhvc #2";
    expect(exec(KCODE + 0x400, 1, prog).imm).toBe(2); // the same code page as the priming run
    const tlb = cpu.mmu.tlb;
    const lookups = () => tlb.hits + tlb.misses;
    const before = lookups();
    expect(exec(KCODE + 0x400, 1, prog).imm).toBe(2);
    expect(cpu.getX(5)).toBe(0x2222n);
    expect(lookups() - before).toBe(0); // neither KDATA nor the code went back to the MMU
    // NGVA's own slot went: its next read goes to the MMU (the second-level TLB dropped it too).
    expect(exec(KCODE + 0x400, 1, "ldr x4, [x1]\nhvc #2").imm).toBe(2);
    expect(lookups() - before).toBe(1);
  });

  it("a translation fault reports level and FAR; ASID switch by TTBR0 write; TLBI ASIDE1 is precise", () => {
    const { cpu, exec, tree, w64 } = setup();
    // Second address space (ASID 2): same code/vectors, NGVA -> 0x21000.
    const L1B = 0x200000;
    const mapB = tree(L1B);
    mapB(KCODE, KCODE, AF | AP_EL1_RW | UXN);
    mapB(VBAR, VBAR, AF | AP_EL1_RO | UXN);
    mapB(NGVA, 0x21000, AF | AP_RW | NG | PXN | UXN);
    cpu.setX(1, NGVA);
    cpu.setX(2, (2n << 48n) | BigInt(L1B));
    cpu.setX(3, (1n << 48n) | BigInt(L1));
    const prog =
      "ldr x4, [x1]\nmsr ttbr0_el1, x2\nisb\nldr x5, [x1]\nmsr ttbr0_el1, x3\nisb\nldr x6, [x1]\nhvc #2";
    expect(exec(KCODE, 1, prog).imm).toBe(2);
    expect([cpu.getX(4), cpu.getX(5), cpu.getX(6)]).toEqual([0xa1n, 0xa2n, 0xa1n]);
    // Remap NGVA in ASID 1 without TLBI: a stale entry may be used; TLBI ASIDE1 for ASID 2 must
    // not drop it, TLBI ASIDE1 for ASID 1 must.
    w64(L1 + 0x2000 + (NGVA >>> 12) * 8, 0x21000n | AF | AP_RW | NG | PXN | UXN | 3n);
    cpu.setX(7, 2n << 48n);
    cpu.setX(8, 1n << 48n);
    expect(
      exec(
        KCODE + 0x200,
        1,
        "tlbi aside1, x7\ndsb ish\nldr x4, [x1]\ntlbi aside1, x8\ndsb ish\nldr x5, [x1]\nhvc #2",
      ).imm,
    ).toBe(2);
    expect(cpu.getX(4)).toBe(0xa1n); // still the cached ASID 1 entry
    expect(cpu.getX(5)).toBe(0xa2n);
    cpu.setX(1, 0x40000000); // L1 index 1: invalid
    expect(exec(KCODE + 0x300, 1, "ldr x0, [x1]").reason).toBe("hvc");
    expect(cpu.sys.esrEl1).toBe(ESR(0x25, 0x05)); // translation fault, level 1
    expect(cpu.sys.farLo >>> 0).toBe(0x40000000);
  });
});
