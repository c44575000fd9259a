/*
 * Guest RAM larger than 2 GiB in one region (a board with memoryMiB 4096): loads and stores past
 * the region's first 2 GiB go through the software TLB like any other RAM (its offsets are Int32:
 * RamRegion.windowView). Before the fix a store at 3.5 GiB threw a host RangeError.
 */
import { Bus, MAX_RAM_REGION, type RamRegion } from "@armature/core";
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

/*
 * A guest larger than the WebAssembly arena (Bus.addRamParts: the low 256 MiB and the top in the
 * arena, the middle outside): the wasm back end stays on; translated blocks load and store the
 * arena's parts inline and the middle through their slow path.
 */
describe("RAM split between the arena and the outside (4096 MiB)", () => {
  it("a wasm block's loads and stores reach the low part, the middle, the top and the last page", () => {
    const base = 0x4000_0000;
    const bus = new Bus({ arena: "auto" });
    const parts = bus.addRamParts("ram", base, 4096 * 2 ** 20);
    expect(parts.length).toBe(3);
    const [low, mid, top] = parts as [RamRegion, RamRegion, RamRegion];
    const cpu = new Cpu({ bus, model: M1_MODEL, engine: "jit", jit: { threshold: 10, wasmBatch: 1 } });
    expect(cpu.jit!.backend).toBe("wasm");
    // x9 passes of: for each of x10..x13, load, add the pass's x9, store back
    const code = asm(`
      ldr x3, [x10]
      add x3, x3, x9
      str x3, [x10]
      ldr x3, [x11]
      add x3, x3, x9
      str x3, [x11]
      ldr x3, [x12]
      add x3, x3, x9
      str x3, [x12]
      ldr x3, [x13]
      add x3, x3, x9
      str x3, [x13]
      subs x9, x9, #1
      b.ne #-52
      hvc #0
    `);
    for (const [i, w] of code.entries()) low.writeU32(0x1000 + i * 4, w);
    const where = [
      // four pages with different software-TLB indices (VA bits 20:12) so that none evicts another
      base + 0x20_3000, // low
      mid.base + 0x1234_5670, // middle (outside the arena)
      top.base + 0x2000_5008, // top
      base + 4096 * 2 ** 20 - 8, // the last 8 bytes of RAM
    ];
    const init = [
      0x1111_0000_0000_0001n,
      0x2222_0000_0000_0002n,
      0x3333_0000_0000_0003n,
      0xffff_ffff_ffff_fff0n,
    ];
    for (const [k, a] of where.entries()) bus.write64(a, init[k]!);
    const passes = 200;
    cpu.applyEntryState({
      pc: base + 0x1000,
      x: [0, 0, 0, 0, 0, 0, 0, 0, 0, passes, ...where],
      pstate: 0x3c5,
    });
    expect(cpu.run(100_000).reason).toBe("hvc");
    const sum = BigInt((passes * (passes + 1)) / 2);
    // what the host sees at each address (the arena's bytes for low and top, the outside buffer's for mid)
    for (const [k, a] of where.entries())
      expect(bus.read64(a), `address ${a.toString(16)}`).toBe(BigInt.asUintN(64, init[k]! + sum));
    expect(new DataView(bus.arena!.buffer).getBigUint64(bus.arena!.offsetOf(top) + 0x2000_5008, true)).toBe(
      init[2]! + sum,
    );
    // the loop ran in a translated block; only the middle's two accesses a pass left it (plus TLB fills)
    const st = cpu.jit!.stats;
    expect(st.blocksCompiled).toBeGreaterThanOrEqual(1);
    expect(st.insnsRun).toBeGreaterThan(passes * 12 * 0.9);
    expect(st.slowPaths).toBeGreaterThanOrEqual(2 * (passes - 10));
    expect(st.slowPaths).toBeLessThan(2 * passes + 10);
  });
});
