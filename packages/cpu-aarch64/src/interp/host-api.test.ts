/*
 * Host API for boards: external abort injection and boot entry state. Expected values are the
 * ARM ARM's (D19.2.40 ESR_EL1: EC 0x24/0x25 data abort, 0x20/0x21 instruction abort, IL bit 25,
 * WnR bit 6, DFSC 0x10 = synchronous External abort; D1.10.2 vector offsets), not this CPU's output.
 */
import { Bus } from "@armature/core";
import { describe, expect, it } from "vitest";
import { M1_MODEL } from "../model.js";
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
