import { Arena, Bus } from "@armature/core";
import { describe, expect, it } from "vitest";
import { Cpu } from "../../interp/cpu.js";
import { M1_MODEL } from "../../model.js";
import { STATE } from "./layout.js";

// movz x1, #0x4000, lsl #16; movz x0, #0; add x0, x0, #1; str x0, [x1, #0x1100]; ldr x2, [x1, #0x1100];
// cmp x0, #1000; b.ne -16; hvc #0 (encodings from llvm-mc 14)
const PROGRAM = [
  0xd2a80001, 0xd2800000, 0x91000400, 0xf9088020, 0xf9488022, 0xf10fa01f, 0x54ffff81, 0xd4000002,
];

function run(arena: Arena | undefined, engine: "interp" | "jit"): { cpu: Cpu; bus: Bus } {
  const bus = new Bus({ arena });
  const ram = bus.addRam("ram", 0x4000_0000, 1 << 20);
  ram.u8.set(new Uint8Array(new Uint32Array(PROGRAM).buffer), 0);
  const cpu = new Cpu({ bus, model: M1_MODEL, engine, jit: { threshold: 10 } });
  cpu.setPC(0x4000_0000);
  cpu.run(100_000);
  return { cpu, bus };
}

describe("Cpu state in an arena", () => {
  it("the register file and the TLB live in the arena; runs give the same results either way", () => {
    for (const engine of ["interp", "jit"] as const) {
      const arena = new Arena({ maxBytes: 8 << 20 });
      const { cpu, bus } = run(arena, engine);
      const plain = run(undefined, engine).cpu;
      expect(cpu.exit.reason).toBe("hvc");
      expect(cpu.getX(0)).toBe(1000n);
      expect(cpu.getX(2)).toBe(1000n);
      expect(cpu.retired).toBe(plain.retired);
      expect(cpu.retired).toBe(2 + 5 * 1000 + 1); // HVC retires
      for (let r = 0; r < 31; r++) expect(cpu.getX(r)).toBe(plain.getX(r));
      // x is a view of the arena at the state block's offset: X0 is the i64 at 8 * 0
      const base = cpu.state.base;
      expect(base).toBeGreaterThanOrEqual(0);
      const dv = new DataView(arena.buffer);
      expect(dv.getBigUint64(base + STATE.x + 8 * 2, true)).toBe(1000n);
      // the data page's read and write entries carry its arena offset
      const ram = bus.list()[0]!;
      const ti = (0x4000_1000 >>> 12) & 511;
      expect(dv.getInt32(base + STATE.rTagLo + 4 * ti, true)).toBe(0x4000_1000);
      const want = arena.offsetOf(ram as never) + 0x1000;
      expect(dv.getInt32(base + STATE.rAbs + 4 * ti, true)).toBe(want);
      expect(dv.getInt32(base + STATE.wAbs + 4 * ti, true)).toBe(want);
      expect(dv.getBigUint64(want + 0x100, true)).toBe(1000n);
      expect(cpu.x.byteOffset).toBe(base + STATE.x);
    }
  });

  it("without an arena the absolute offsets stay -1", () => {
    const { cpu } = run(undefined, "interp");
    expect(cpu.state.base).toBe(-1);
    const ti = (0x4000_1000 >>> 12) & 511;
    expect(cpu.rTagLo[ti]).toBe(0x4000_1000);
    expect(cpu.state.rAbs[ti]).toBe(-1);
    expect(cpu.state.wAbs[ti]).toBe(-1);
  });
});
