/**
 * Translations per second: TLB hits, 4-level stage 1 walks (TLB miss), and nested stage 1 +
 * stage 2 walks. Prints figures; never fails on timing.
 */
import { RamRegion } from "@armature/core";
import { defaultRegs, RamDescriptorMemory, Tlb, translate, WalkResult } from "../src/index.js";

const ram = new RamRegion("ram", 0, 64 * 1024 * 1024);
const mem = RamDescriptorMemory.of([ram]);
let next = 0x10000;
const alloc = (): number => {
  const t = next;
  next += 0x1000;
  return t;
};
function w64(pa: number, v: number): void {
  ram.writeU32(pa, v % 2 ** 32);
  ram.writeU32(pa + 4, Math.floor(v / 2 ** 32));
}
function r64(pa: number): number {
  return ram.readU32(pa) + ram.readU32(pa + 4) * 2 ** 32;
}

/** Map a 4KB page with 4-level 4KB tables (48-bit input) rooted at `root`. */
function map(root: number, va: number, oa: number, leafAttrs: number): void {
  let base = root;
  for (let level = 0; level < 3; level++) {
    const shift = 39 - 9 * level;
    const slot = base + (Math.floor(va / 2 ** shift) % 512) * 8;
    let d = r64(slot);
    if ((d & 3) !== 3) {
      d = alloc() + 3;
      w64(slot, d);
    }
    base = d - (d % 4096);
  }
  w64(base + (Math.floor(va / 4096) % 512) * 8, oa + leafAttrs);
}

const N = 4096;
const vas: number[] = [];
const regs = defaultRegs();
regs.m = true;
regs.t0sz = 16;
regs.ips = 5;
regs.mairLo = 0xff;
regs.ttbr0Lo = alloc();
for (let i = 0; i < N; i++) {
  // Spread over tables at every level: i bits 1:0 -> L0 index, 5:2 -> L1, 8:6 -> L2, 11:9 -> L3.
  const va = (i & 3) * 2 ** 39 + ((i >> 2) & 15) * 2 ** 30 + ((i >> 6) & 7) * 2 ** 21 + ((i >> 9) & 7) * 4096;
  vas.push(va);
  map(regs.ttbr0Lo, va, 0x2000000 + i * 4096, 0x403 + 0x800);
}
// Stage 2 for the nested case: IPA -> PA identity over 64MB with 4KB pages, 48-bit IPA, SL0 = 2.
const nested = { ...regs, vm: true, vt0sz: 16, vsl0: 2, vtg0: 12 as const, vps: 5, vttbrLo: alloc() };
const tablesEnd = next;
for (let ipa = 0; ipa < tablesEnd; ipa += 4096) map(nested.vttbrLo, ipa, ipa, 0x4ff);
for (let ipa = 0x2000000; ipa < 0x2000000 + N * 4096; ipa += 4096) map(nested.vttbrLo, ipa, ipa, 0x4ff);

const out = new WalkResult();
function rate(name: string, iters: number, fn: (i: number) => void): void {
  for (let i = 0; i < Math.min(iters, 20000); i++) fn(i); // warm up
  const t0 = process.hrtime.bigint();
  const c0 = process.cpuUsage();
  for (let i = 0; i < iters; i++) fn(i);
  const ns = Number(process.hrtime.bigint() - t0);
  const cpu = process.cpuUsage(c0);
  const cpuNs = (cpu.user + cpu.system) * 1000;
  console.log(
    `${name.padEnd(50)} ${((iters / ns) * 1e3).toFixed(2).padStart(6)} M/s wall (${(ns / iters).toFixed(0)} ns); ` +
      `${((iters / cpuNs) * 1e3).toFixed(2)} M/s per CPU-s (${(cpuNs / iters).toFixed(0)} ns CPU)`,
  );
}

let faults = 0;
const hiOf = (va: number): number => Math.floor(va / 2 ** 32);
rate("walk, stage 1, 4 levels (TLB miss)", 400_000, (i) => {
  const va = vas[i % N]!;
  faults += translate(regs, mem, hiOf(va), va >>> 0, 0, out);
});
rate("walk, nested stage 1 + stage 2 (24 reads)", 100_000, (i) => {
  const va = vas[i % N]!;
  faults += translate(nested, mem, hiOf(va), va >>> 0, 0, out);
});
const tlb = new Tlb(1024);
rate("TLB hit (512 hot pages, 1024-entry TLB)", 4_000_000, (i) => {
  const va = vas[i & 511]!;
  faults += tlb.translate(regs, mem, hiOf(va), va >>> 0, 0, out);
});
const small = new Tlb(64);
rate("TLB translate, 4096 pages over 64 entries (misses)", 400_000, (i) => {
  const va = vas[(i * 7) % N]!;
  faults += small.translate(regs, mem, hiOf(va), va >>> 0, 0, out);
});
console.log(
  `(faults: ${faults}; TLB hits ${tlb.hits}, misses ${tlb.misses}; load average ${(await import("node:os")).loadavg()[0]!.toFixed(1)})`,
);
