/** A small machine for SMMU tests: RAM, the SMMU on a bus, a guest-side programmer, table builders. */
import { Bus, type IrqLine, type MsiSink, type RamRegion } from "@armature/core";
import { PageTableBuilder, ramWords } from "@armature/mmu/test";
import { busSmmuMemory } from "../memory.js";
import { SmmuV3, type SmmuV3Options } from "../smmu.js";
import { SmmuGuest } from "./guest.js";

export const RAM_BASE = 0x4000_0000;
export const RAM_SIZE = 64 * 1024 * 1024;
export const SMMU_BASE = 0x0905_0000;
export const L = {
  strtab: RAM_BASE,
  cmdq: RAM_BASE + 0x10_0000,
  cmdqLog2: 8,
  evtq: RAM_BASE + 0x11_0000,
  evtqLog2: 6,
  cds: RAM_BASE + 0x12_0000,
  tables: RAM_BASE + 0x20_0000,
  data: RAM_BASE + 0x100_0000,
};

export interface Fixture {
  bus: Bus;
  ram: RamRegion;
  smmu: SmmuV3;
  g: SmmuGuest;
  pulses: { eventq: number; gerror: number; cmdqSync: number };
  msis: { address: number; data: number; deviceId: number }[];
  sevs: number;
  /** A page-table builder for stage 1 (granule, input bits) allocating from `base`. */
  tables(granule: 12 | 14 | 16, inputBits: number, base?: number, startLevel?: number): PageTableBuilder;
}

function counter(p: Record<string, number>, k: string): IrqLine {
  return {
    set() {},
    pulse() {
      p[k] = (p[k] ?? 0) + 1;
    },
  };
}

export function makeFixture(opts: Partial<SmmuV3Options> = {}): Fixture {
  const bus = new Bus();
  const ram = bus.addRam("ram", RAM_BASE, RAM_SIZE);
  const pulses = { eventq: 0, gerror: 0, cmdqSync: 0 };
  const msis: Fixture["msis"] = [];
  const sink: MsiSink = {
    sendMsi(address, data, deviceId) {
      msis.push({ address, data, deviceId });
      return address === 0x0808_0040;
    },
  };
  const fx = { sevs: 0 } as Fixture;
  const smmu = new SmmuV3({
    memory: busSmmuMemory(bus),
    msi: sink,
    irqs: {
      eventq: counter(pulses, "eventq"),
      gerror: counter(pulses, "gerror"),
      cmdqSync: counter(pulses, "cmdqSync"),
    },
    sev: () => {
      fx.sevs++;
    },
    ...opts,
  });
  bus.addMmio("smmuv3", SMMU_BASE, 0x20000, smmu);
  const g = new SmmuGuest(smmu, bus, { ...L });
  let next = L.tables;
  Object.assign(fx, {
    bus,
    ram,
    smmu,
    g,
    pulses,
    msis,
    tables(granule: 12 | 14 | 16, inputBits: number, base?: number, startLevel?: number) {
      const b = new PageTableBuilder(ramWords(ram), granule, inputBits, base ?? next, startLevel);
      next += 0x40_0000;
      return b;
    },
  });
  return fx;
}
