/*
 * Regression (found booting Linux): taking an interrupt between instructions must not leave the
 * "branch taken" flag set, or the first instruction of the vector (Linux: `sub sp, sp, #336`)
 * ran twice and the interrupted context got back a wrong SP.
 */
import { Bus } from "@armature/core";
import { describe, expect, it } from "vitest";
import { M1_MODEL } from "../model.js";
import { asm } from "../test/asm.js";
import { Cpu } from "./cpu.js";
import { SR } from "./sysregs.js";

describe("interrupt entry", () => {
  for (const budget of [1, 3, 1000]) {
    it(`runs the first vector instruction exactly once (run budget ${budget})`, () => {
      const bus = new Bus();
      const ram = bus.addRam("ram", 0, 1 << 20);
      const cpu = new Cpu({ bus, model: M1_MODEL });
      const load = (pa: number, words: number[]): void => {
        for (const [i, w] of words.entries()) ram.view.setUint32(pa + 4 * i, w, true);
        cpu.invalidateCode(pa, 4 * words.length);
      };
      load(0x1000, asm("add x1, x1, #1\nb #-4"));
      // IRQ, current EL with SP_ELx: VBAR + 0x280
      load(0x8000 + 0x280, asm("sub sp, sp, #336\nadd x5, x5, #1\nhvc #7"));
      cpu.sys.write(SR.VBAR_EL1, 0x8000n);
      cpu.setX(31, 0x4000);
      cpu.setPC(0x1000);
      cpu.daif = 0;
      cpu.run(10);
      cpu.irqInput.set(true);
      let exit = cpu.run(budget);
      for (let k = 0; k < 10 && exit.reason !== "hvc"; k++) exit = cpu.run(budget);
      expect(exit.reason).toBe("hvc");
      expect(exit.imm).toBe(7);
      expect(cpu.getX(5)).toBe(1n);
      expect(cpu.readSpEl(1)[0]).toBe(0x4000 - 336);
      expect(cpu.sys.elrLo >>> 0 === 0x1000 || cpu.sys.elrLo >>> 0 === 0x1004).toBe(true);
    });
  }
});
