/**
 * DescriptorMemory adapters over @armature/core RAM: a list of RamRegions, or a Bus (its RAM
 * regions). A descriptor outside RAM is an external abort on the walk.
 */
import type { Bus, RamRegion } from "@armature/core";
import { Cas, type DescriptorMemory } from "./types.js";

export class RamDescriptorMemory implements DescriptorMemory {
  private readonly big = new Map<RamRegion, BigInt64Array>();
  constructor(private readonly find: (pa: number) => RamRegion | undefined) {}

  /** Over fixed regions. */
  static of(regions: readonly RamRegion[]): RamDescriptorMemory {
    return new RamDescriptorMemory((pa) => {
      for (const r of regions) if (pa >= r.base && pa + 8 <= r.base + r.size) return r;
      return undefined;
    });
  }

  /** Over a bus's RAM (MMIO is never walked: an external abort). */
  static ofBus(bus: Bus): RamDescriptorMemory {
    return new RamDescriptorMemory((pa) => bus.findRam(pa, 8));
  }

  read64(pa: number, out: Uint32Array): boolean {
    const r = this.find(pa);
    if (r === undefined) return false;
    const off = pa - r.base;
    out[0] = r.view.getUint32(off, true);
    out[1] = r.view.getUint32(off + 4, true);
    return true;
  }

  cas64(pa: number, expLo: number, expHi: number, newLo: number, newHi: number): number {
    const r = this.find(pa);
    if (r === undefined) return Cas.Abort;
    const off = pa - r.base;
    const abs = r.u8.byteOffset + off;
    if (typeof SharedArrayBuffer !== "undefined" && r.buffer instanceof SharedArrayBuffer && abs % 8 === 0) {
      // Another agent may race on shared memory: a real 64-bit compare-exchange.
      let view = this.big.get(r);
      if (view === undefined) {
        view = new BigInt64Array(r.buffer, 0, Math.floor(r.buffer.byteLength / 8));
        this.big.set(r, view);
      }
      const exp = BigInt.asIntN(64, (BigInt(expHi >>> 0) << 32n) | BigInt(expLo >>> 0));
      const nv = BigInt.asIntN(64, (BigInt(newHi >>> 0) << 32n) | BigInt(newLo >>> 0));
      return Atomics.compareExchange(view, abs / 8, exp, nv) === exp ? Cas.Ok : Cas.Mismatch;
    }
    if (r.view.getUint32(off, true) !== expLo >>> 0 || r.view.getUint32(off + 4, true) !== expHi >>> 0) {
      return Cas.Mismatch;
    }
    r.view.setUint32(off, newLo >>> 0, true);
    r.view.setUint32(off + 4, newHi >>> 0, true);
    return Cas.Ok;
  }
}
