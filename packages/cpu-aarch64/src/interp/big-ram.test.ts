/*
 * Guest RAM larger than 2 GiB in one region (a board with memoryMiB 4096): loads and stores past
 * the region's first 2 GiB go through the software TLB like any other RAM (its offsets are Int32:
 * RamRegion.windowView). Before the fix a store at 3.5 GiB threw a host RangeError.
 */
import { Bus, MAX_RAM_REGION } from "@armature/core";
import { describe, expect, it } from "vitest";
import { M1_MODEL } from "../model.js";
import { asm } from "../test/asm.js";
import { Cpu } from "./cpu.js";

describe("RAM over 2 GiB in one region", () => {
  for (const engine of ["interp", "jit"] as const) {
    it(`${engine}: STR/LDR at 2 GiB, 3.5 GiB and the last page read back what the host sees`, () => {
      const bus = new Bus();
      const ram = bus.addRam("ram", 0, MAX_RAM_REGION);
      const cpu = new Cpu({ bus, model: M1_MODEL, engine, jit: { threshold: 1 } });
      // x1 walks three addresses; each round stores x2, reads it back as x3 and one byte as w4
      const code = asm(`
        movz x2, #0x7788
        movk x2, #0x5566, lsl #16
        movk x2, #0x3344, lsl #32
        movk x2, #0x1122, lsl #48
        str x2, [x1]
        ldr x3, [x1]
        ldrb w4, [x1, #7]
        strh w4, [x1, #8]
        hvc #0
      `);
      for (const [i, w] of code.entries()) ram.writeU32(i * 4, w);
      for (const addr of [0x8000_0000, 0xe000_1230, MAX_RAM_REGION - 16]) {
        cpu.applyEntryState({ pc: 0, x: [0, addr, 0, 0], pstate: 0x3c5 });
        expect(cpu.run(100).reason).toBe("hvc");
        expect(cpu.getX(3)).toBe(0x1122_3344_5566_7788n);
        expect(cpu.getX(4)).toBe(0x11n);
        expect(ram.readU64(addr)).toBe(0x1122_3344_5566_7788n);
        expect(ram.readU16(addr + 8)).toBe(0x11);
      }
    });
  }
});
