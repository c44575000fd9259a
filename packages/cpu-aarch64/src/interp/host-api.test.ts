/*
 * Host API for boards: external abort injection and boot entry state. Expected values are the
 * ARM ARM's (D19.2.40 ESR_EL1: EC 0x24/0x25 data abort, 0x20/0x21 instruction abort, IL bit 25,
 * WnR bit 6, DFSC 0x10 = synchronous External abort; D1.10.2 vector offsets), not this CPU's output.
 */
import { Bus, type MmioDevice } from "@armature/core";
import { describe, expect, it } from "vitest";
import { M1_MODEL } from "../model.js";
import { asm } from "../test/asm.js";
import { Cpu } from "./cpu.js";
import { SR } from "./sysregs.js";

function cpuAt(el: 0 | 1): Cpu {
  const bus = new Bus();
  bus.addRam("ram", 0, 1 << 20);
  const cpu = new Cpu({ bus, model: M1_MODEL });
  cpu.sys.write(SR.VBAR_EL1, 0x8000n);
  cpu.applyEntryState({ pc: 0x1234, pstate: el === 0 ? 0x3c0 : 0x3c5 });
  return cpu;
}

describe("injectExternalAbort", () => {
  const cases = [
    { el: 0 as const, access: "read" as const, esr: 0x9200_0010, vector: 0x8400 },
    { el: 0 as const, access: "write" as const, esr: 0x9200_0050, vector: 0x8400 },
    { el: 1 as const, access: "read" as const, esr: 0x9600_0010, vector: 0x8200 },
    { el: 1 as const, access: "write" as const, esr: 0x9600_0050, vector: 0x8200 },
    { el: 0 as const, access: "fetch" as const, esr: 0x8200_0010, vector: 0x8400 },
    { el: 1 as const, access: "fetch" as const, esr: 0x8600_0010, vector: 0x8200 },
  ];
  for (const c of cases) {
    it(`${c.access} from EL${c.el}: ESR 0x${c.esr.toString(16)}, FAR, ELR, SPSR, vector`, () => {
      const cpu = cpuAt(c.el);
      cpu.setNZCV(0x6000_0000);
      cpu.injectExternalAbort(c.access, 0x9abc_def0 | 0, 0x1234_5678);
      expect(cpu.sys.read(SR.ESR_EL1)).toBe(BigInt(c.esr));
      expect(cpu.sys.read(SR.FAR_EL1)).toBe(0x1234_5678_9abc_def0n);
      expect(cpu.sys.read(SR.ELR_EL1)).toBe(0x1234n);
      expect(cpu.sys.read(SR.SPSR_EL1)).toBe(BigInt(0x6000_0000 | (c.el === 0 ? 0x3c0 : 0x3c5)));
      expect(cpu.getPC()).toBe(BigInt(c.vector));
      expect(cpu.el).toBe(1);
    });
  }
});

describe("applyEntryState", () => {
  it("sets PC, X0..X3 and PSTATE (Linux arm64 boot: EL1h, DAIF masked)", () => {
    const cpu = cpuAt(0);
    cpu.applyEntryState({ pc: 0x4008_0000, x: [0x4800_0000, 0, 0, 0], pstate: 0x3c5 });
    expect(cpu.getPC()).toBe(0x4008_0000n);
    expect(cpu.getX(0)).toBe(0x4800_0000n);
    expect(cpu.el).toBe(1);
    expect(cpu.spsel).toBe(1);
    expect(cpu.daif).toBe(0x3c0);
  });
  it("rejects EL2/EL3 and AArch32 entry states with a ConfigError", () => {
    const cpu = cpuAt(1);
    expect(() => cpu.applyEntryState({ pc: 0, pstate: 0x3c9 })).toThrow(/EL0\/EL1/);
    expect(() => cpu.applyEntryState({ pc: 0, pstate: 0x3d3 })).toThrow(/EL0\/EL1/);
  });
});

describe("64-bit device accesses", () => {
  function rig(withRead64: boolean) {
    const bus = new Bus();
    const ram = bus.addRam("ram", 0, 1 << 20);
    const log: string[] = [];
    const dev: MmioDevice = {
      read: (off, size) => {
        log.push(`r${size}@${off}`);
        return off === 8 ? 0x5566_7788 : 0x1122_3344;
      },
      write: (off, size, v) => {
        log.push(`w${size}@${off}=${v.toString(16)}`);
      },
    };
    if (withRead64) {
      dev.read64 = (off) => {
        log.push(`r8@${off}`);
        return 0x0102_0304_0506_0708n;
      };
      dev.write64 = (off, v) => {
        log.push(`w8@${off}=${v.toString(16)}`);
      };
    }
    bus.addMmio("dev", 0x10_0000, 0x1000, dev);
    const cpu = new Cpu({ bus, model: M1_MODEL });
    const code = asm("ldr x0, [x1]\nstr x2, [x1]\nldr w3, [x1, #8]\nhvc #0");
    for (const [i, w] of code.entries()) ram.view.setUint32(0x1000 + 4 * i, w, true);
    cpu.setX(1, 0x10_0000);
    cpu.setX(2, 0xaabb_ccdd_eeff_0011n);
    cpu.setPC(0x1000);
    expect(cpu.run(100).reason).toBe("hvc");
    return { cpu, log };
  }
  it("an 8-byte load/store reaches read64/write64 whole", () => {
    const { cpu, log } = rig(true);
    expect(cpu.getX(0)).toBe(0x0102_0304_0506_0708n);
    expect(log).toEqual(["r8@0", "w8@0=aabbccddeeff0011", "r4@8"]);
  });
  it("without read64/write64 the bus splits it: low word first", () => {
    const { cpu, log } = rig(false);
    expect(cpu.getX(0)).toBe(0x1122_3344_1122_3344n);
    expect(log).toEqual(["r4@0", "r4@4", "w4@0=eeff0011", "w4@4=aabbccdd", "r4@8"]);
  });
});
