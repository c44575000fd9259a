import { describe, expect, it } from "vitest";
import { Arena, MAX_ARENA_BYTES } from "./arena.js";
import { AUTO_ARENA_KEEP, Bus } from "./bus.js";
import { withEnv } from "./test/index.js";

// BusOptions.arena "auto": what the boards and UserProcess pass (the translator's wasm back end).
describe('Bus({ arena: "auto" })', () => {
  const clean = { ARMATURE_ARENA: undefined, ARMATURE_JIT_BACKEND: undefined };

  it("has an arena and places RAM in it", () =>
    withEnv(clean, () => {
      const bus = new Bus({ arena: "auto" });
      expect(bus.arena).toBeInstanceOf(Arena);
      const ram = bus.addRam("ram", 0x4000_0000, 1 << 20);
      expect(bus.arena!.offsetOf(ram)).toBeGreaterThanOrEqual(0);
      expect(ram.buffer).toBe(bus.arena!.buffer);
      expect(bus.arenaSpilled).toBe(false);
    }));

  it("ARMATURE_ARENA=0 or ARMATURE_JIT_BACKEND=js turn it off", () => {
    withEnv({ ...clean, ARMATURE_ARENA: "0" }, () =>
      expect(new Bus({ arena: "auto" }).arena).toBeUndefined(),
    );
    withEnv({ ...clean, ARMATURE_JIT_BACKEND: "js" }, () =>
      expect(new Bus({ arena: "auto" }).arena).toBeUndefined(),
    );
  });

  it("RAM that would not leave AUTO_ARENA_KEEP free goes outside the arena; later RAM that fits goes in", () =>
    withEnv(clean, () => {
      const bus = new Bus({ arena: "auto" });
      const arena = bus.arena!;
      // too big for what is left once the CPUs' reserve is kept: placed in a buffer of its own
      const big = bus.addRam("big", 0x1_0000_0000, MAX_ARENA_BYTES - AUTO_ARENA_KEEP + 4096);
      expect(arena.offsetOf(big)).toBe(-1);
      expect(big.buffer).not.toBe(arena.buffer);
      expect(arena.used).toBe(0);
      expect(bus.arenaSpilled).toBe(true);
      const small = bus.addRam("small", 0x4000_0000, 65536);
      expect(arena.offsetOf(small)).toBe(0);
    }));

  it("an explicit arena still refuses RAM that does not fit (no silent spill)", () => {
    const arena = new Arena({ maxBytes: 1 << 20 });
    const bus = new Bus({ arena });
    expect(() => bus.addRam("ram", 0, 2 << 20)).toThrow(/do not fit/);
  });
});
