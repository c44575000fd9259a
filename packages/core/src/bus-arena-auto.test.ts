import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { Arena, MAX_ARENA_BYTES } from "./arena.js";
import { AUTO_ARENA_KEEP, Bus } from "./bus.js";

// BusOptions.arena "auto": what the boards and UserProcess pass (the translator's wasm back end).
describe('Bus({ arena: "auto" })', () => {
  let saved: [string | undefined, string | undefined];
  beforeEach(() => {
    saved = [process.env.ARMATURE_ARENA, process.env.ARMATURE_JIT_BACKEND];
    delete process.env.ARMATURE_ARENA;
    delete process.env.ARMATURE_JIT_BACKEND;
  });
  afterEach(() => {
    if (saved[0] === undefined) delete process.env.ARMATURE_ARENA;
    else process.env.ARMATURE_ARENA = saved[0];
    if (saved[1] === undefined) delete process.env.ARMATURE_JIT_BACKEND;
    else process.env.ARMATURE_JIT_BACKEND = saved[1];
  });

  it("has an arena and places RAM in it", () => {
    const bus = new Bus({ arena: "auto" });
    expect(bus.arena).toBeInstanceOf(Arena);
    const ram = bus.addRam("ram", 0x4000_0000, 1 << 20);
    expect(bus.arena!.offsetOf(ram)).toBeGreaterThanOrEqual(0);
    expect(ram.buffer).toBe(bus.arena!.buffer);
  });

  it("ARMATURE_ARENA=0 or ARMATURE_JIT_BACKEND=js turn it off", () => {
    process.env.ARMATURE_ARENA = "0";
    expect(new Bus({ arena: "auto" }).arena).toBeUndefined();
    delete process.env.ARMATURE_ARENA;
    process.env.ARMATURE_JIT_BACKEND = "js";
    expect(new Bus({ arena: "auto" }).arena).toBeUndefined();
  });

  it("RAM that would not leave AUTO_ARENA_KEEP free goes outside the arena; later RAM that fits goes in", () => {
    const bus = new Bus({ arena: "auto" });
    const arena = bus.arena!;
    // too big for what is left once the CPUs' reserve is kept (no memory is touched: it is refused)
    const big = bus.addRam("big", 0x1_0000_0000, MAX_ARENA_BYTES - AUTO_ARENA_KEEP + 4096);
    expect(arena.offsetOf(big)).toBe(-1);
    expect(big.buffer).not.toBe(arena.buffer);
    expect(arena.used).toBe(0);
    const small = bus.addRam("small", 0x4000_0000, 65536);
    expect(arena.offsetOf(small)).toBe(0);
  });

  it("an explicit arena still refuses RAM that does not fit (no silent spill)", () => {
    const arena = new Arena({ maxBytes: 1 << 20 });
    const bus = new Bus({ arena });
    expect(() => bus.addRam("ram", 0, 2 << 20)).toThrow(/do not fit/);
  });
});
