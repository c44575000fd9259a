import { Bus, RamRegion } from "@armature/core";
import { describe, expect, it } from "vitest";
import { Cas, defaultRegs, FaultKind, RamDescriptorMemory, splitVa, translate, WalkResult } from "./index.js";

describe("RamDescriptorMemory", () => {
  it("reads little-endian 64-bit descriptors as halves; outside RAM is an abort", () => {
    const ram = new RamRegion("ram", 0x4000_0000, 0x10000);
    ram.writeU64(0x18, 0x0060_0000_8000_070bn);
    const m = RamDescriptorMemory.of([ram]);
    const w = new Uint32Array(2);
    expect(m.read64(0x4000_0018, w)).toBe(true);
    expect([w[0], w[1]]).toEqual([0x8000070b, 0x00600000]);
    expect(m.read64(0x3fff_fff8, w)).toBe(false);
    expect(m.read64(0x4000_fffc, w)).toBe(false); // straddles the end
  });

  it("cas64 swaps only on a match (ArrayBuffer and SharedArrayBuffer)", () => {
    for (const buf of [new ArrayBuffer(0x1000), new SharedArrayBuffer(0x1000)]) {
      const ram = new RamRegion("ram", 0, buf);
      ram.writeU64(8, 0x1234_5678_9abc_d0f0n);
      const m = RamDescriptorMemory.of([ram]);
      expect(m.cas64(8, 0x9abcd0f0, 0x12345678, 0x9abcd0f0 | 0x400, 0x12345678)).toBe(Cas.Ok);
      expect(ram.readU64(8)).toBe(0x1234_5678_9abc_d0f0n | 0x400n);
      expect(m.cas64(8, 0x9abcd0f0, 0x12345678, 0, 0)).toBe(Cas.Mismatch);
      expect(m.cas64(0x2000, 0, 0, 0, 0)).toBe(Cas.Abort);
    }
  });

  it("walks tables on a Bus; a table in MMIO space is an external abort on the walk", () => {
    const bus = new Bus();
    const ram = bus.addRam("ram", 0, 0x100000);
    const r = defaultRegs();
    r.m = true;
    r.t0sz = 25; // 39-bit: start level 1
    r.ttbr0Lo = 0x1000;
    ram.writeU64(0x1000, 0x2003n); // L1[0] -> 0x2000
    ram.writeU64(0x2000, 0x3003n); // L2[0] -> 0x3000
    ram.writeU64(0x3008, 0x9_0000_0403n); // L3[1] -> 0x9_0000_0000
    const m = RamDescriptorMemory.ofBus(bus);
    const out = new WalkResult();
    const [hi, lo] = splitVa(0x1abcn);
    expect(translate(r, m, hi, lo, 0, out)).toBe(FaultKind.None);
    expect(out.pa).toBe(0x9_0000_0abc);
    ram.writeU64(0x2000, 0x1000_0003n); // L2[0] -> 0x1000_0000, not RAM
    expect(translate(r, m, hi, lo, 0, out)).toBe(FaultKind.ExternalAbortOnWalk);
    expect(out.fsc).toBe(0x17);
  });
});

describe("README example", () => {
  it("translates as documented", async () => {
    const { Access, setTcrEl1, Tlb } = await import("./index.js");
    const ram = new RamRegion("ram", 0, 1 << 20);
    ram.writeU64(0x1000, 0x2003n);
    ram.writeU64(0x2000, 0x3003n);
    ram.writeU64(0x3008, 0x8000_0000n | 0x403n);
    const regs = defaultRegs();
    regs.m = true;
    setTcrEl1(regs, 25, 0);
    regs.ttbr0Lo = 0x1000;
    const tlb = new Tlb(1024);
    const out = new WalkResult();
    const mem = RamDescriptorMemory.of([ram]);
    expect(tlb.translate(regs, mem, 0, 0x1abc, Access.Write, out)).toBe(0);
    expect(out.pa.toString(16)).toBe("80000abc");
  });
});

describe("PageTableBuilder (test helper)", () => {
  it("builds 4KB/16KB/64KB tables the walker follows, blocks included", async () => {
    const { Desc, PageTableBuilder, ramWords } = await import("./test/index.js");
    for (const g of [12, 14, 16] as const) {
      const ram = new RamRegion("ram", 0, 8 << 20);
      const b = new PageTableBuilder(ramWords(ram), g, 39, 0x10000);
      const root = b.alloc();
      const r = defaultRegs();
      r.m = true;
      r.t0sz = 25;
      r.tg0 = g;
      r.ttbr0Lo = root;
      b.map(root, 0x12_3456_0000n, 0x4000_0000, 3, Desc.AF | Desc.AP(1));
      const blockLevel = 2;
      b.map(root, 0x40_0000_0000n, 0x8000_0000, blockLevel, Desc.AF);
      const m = RamDescriptorMemory.of([ram]);
      const out = new WalkResult();
      expect(translate(r, m, 0x12, 0x34560abc, 0, out)).toBe(FaultKind.None);
      expect(out.pa).toBe(0x4000_0000 + (0x34560abc % 2 ** g) - (0x3456_0000 % 2 ** g));
      expect(translate(r, m, 0x40, 0x1234, 0, out)).toBe(FaultKind.None);
      expect(out.pa).toBe(0x8000_1234);
      expect(out.s1SizeLog2).toBe(2 * g - 3);
      b.unmap(root, 0x12_3456_0000n, 3);
      expect(translate(r, m, 0x12, 0x34560abc, 0, out)).toBe(FaultKind.Translation);
    }
  });
});
