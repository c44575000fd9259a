/**
 * What the SMMU reads and writes in physical memory: stream tables, context descriptors and
 * translation tables (64-bit words, through the mmu package's DescriptorMemory contract), queue
 * entries, event records and MSI writes that land in RAM (32-bit writes).
 */
import type { Bus } from "@armature/core";
import { type DescriptorMemory, RamDescriptorMemory } from "@armature/mmu";

export interface SmmuMemory extends DescriptorMemory {
  /** Write a 32-bit little-endian word at a 4-byte aligned `pa`. False = not RAM (abort). */
  write32(pa: number, value: number): boolean;
}

/** SmmuMemory over a bus's RAM. MMIO is never read or written by table walks: an abort. */
export function busSmmuMemory(bus: Bus): SmmuMemory {
  const d = RamDescriptorMemory.ofBus(bus);
  return {
    read64: (pa, out) => d.read64(pa, out),
    cas64: (pa, el, eh, nl, nh) => d.cas64(pa, el, eh, nl, nh),
    write32(pa, value) {
      const r = bus.findRam(pa, 4);
      if (r === undefined) return false;
      r.view.setUint32(pa - r.base, value >>> 0, true);
      return true;
    },
  };
}
