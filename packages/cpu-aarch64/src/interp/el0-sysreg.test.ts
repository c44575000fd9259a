import { Bus } from "@armature/core";
import { describe, expect, it } from "vitest";
import { M1_MODEL } from "../model.js";
import { asm } from "../test/asm.js";
import { Cpu } from "./cpu.js";

/**
 * Run `insn` at EL0 (SCTLR_EL1 at reset: UMA = 0) and return the ESR_EL1 its exception left.
 * Expected ECs from the ARM ARM: EL1-only registers are UNDEFINED at EL0 (EC 0x00); DAIF without
 * SCTLR_EL1.UMA and, with FEAT_IDST, ID-register reads are trapped (EC 0x18). Cross-checked with
 * qemu-system-aarch64 (virt, cortex-a72) for the SCTLR_EL1 read by the machine-virt bare-metal test.
 */
function el0Esr(insn: string): number {
  const bus = new Bus();
  const ram = bus.addRam("ram", 0, 1 << 20);
  const cpu = new Cpu({ bus, model: M1_MODEL });
  const load = (addr: number, words: number[]) => {
    words.forEach((w, i) => {
      ram.view.setUint32(addr + 4 * i, w, true);
    });
    cpu.invalidateCode(addr, 4 * words.length);
  };
  load(0x8400, asm("mrs x5, esr_el1\nhvc #1"));
  load(
    0x1000,
    asm(
      "mov x1, #0x8000\nmsr vbar_el1, x1\nmov x1, #0x3c0\nmsr spsr_el1, x1\nmov x1, #0x2000\nmsr elr_el1, x1\neret",
    ),
  );
  load(0x2000, asm(`${insn}\nhvc #2`));
  cpu.setPC(0x1000);
  const exit = cpu.run(100);
  expect(exit.reason).toBe("hvc");
  expect(exit.imm).toBe(1);
  return Number(cpu.getX(5));
}

describe("EL0 system-register accesses that EL0 may not make", () => {
  it.each([
    ["mrs x0, sctlr_el1", 0x00],
    ["msr sctlr_el1, x0", 0x00],
    ["mrs x0, vbar_el1", 0x00],
    ["msr s3_3_c0_c0_1, x0", 0x00], // CTR_EL0 is read-only,
    ["msr s3_3_c14_c0_2, x0", 0x00], // CNTVCT_EL0 is read-only,
    ["mrs x0, daif", 0x18],
    ["mrs x0, id_aa64isar0_el1", 0x18],
  ] as const)("%s -> EC %d", (insn, ec) => {
    const esr = el0Esr(insn);
    expect(esr >>> 26).toBe(ec);
    expect((esr >>> 25) & 1).toBe(1);
    if (ec === 0) expect(esr & 0x1ffffff).toBe(0);
  });
});
