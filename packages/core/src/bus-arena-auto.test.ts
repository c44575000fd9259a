import { describe, expect, it } from "vitest";
import { Arena, MAX_ARENA_BYTES } from "./arena.js";
import { AUTO_ARENA_KEEP, Bus, RAM_SPLIT_ALIGN, RAM_SPLIT_LOW } from "./bus.js";
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

  it("addRamParts: RAM that fits is one region in the arena, as addRam places it", () =>
    withEnv(clean, () => {
      const bus = new Bus({ arena: "auto" });
      const parts = bus.addRamParts("ram", 0x4000_0000, 1024 << 20);
      expect(parts.map((r) => [r.name, r.base, r.size])).toEqual([["ram", 0x4000_0000, 1024 << 20]]);
      expect(bus.arena!.offsetOf(parts[0]!)).toBe(0);
      expect(bus.arenaSpilled).toBe(false);
    }));

  for (const mib of [2048, 4096]) {
    it(`addRamParts: ${mib} MiB is the low ${RAM_SPLIT_LOW >> 20} MiB and the top in the arena, the middle outside`, () =>
      withEnv(clean, () => {
        const bus = new Bus({ arena: "auto" });
        const arena = bus.arena!;
        const base = 0x4000_0000;
        const size = mib * 2 ** 20;
        const parts = bus.addRamParts("ram", base, size);
        const [low, mid, top] = parts;
        expect(parts.map((r) => r.name)).toEqual(["ram", "ram-mid", "ram-top"]);
        // adjacent, covering exactly [base, base + size)
        expect([low!.base, low!.size]).toEqual([base, RAM_SPLIT_LOW]);
        expect(mid!.base).toBe(base + RAM_SPLIT_LOW);
        expect(top!.base).toBe(mid!.base + mid!.size);
        expect(top!.base + top!.size).toBe(base + size);
        expect(top!.base % RAM_SPLIT_ALIGN).toBe(0);
        // low and top in the arena (their bytes are the arena's), the middle in a buffer of its own
        expect(arena.offsetOf(low!)).toBe(0);
        expect(arena.offsetOf(top!)).toBe(RAM_SPLIT_LOW);
        expect(top!.buffer).toBe(arena.buffer);
        expect(arena.offsetOf(mid!)).toBe(-1);
        expect(mid!.buffer).not.toBe(arena.buffer);
        // the arena is as full as AUTO_ARENA_KEEP allows (to the split alignment)
        const free = arena.maxBytes - arena.used;
        expect(free).toBeGreaterThanOrEqual(AUTO_ARENA_KEEP);
        expect(free).toBeLessThan(AUTO_ARENA_KEEP + RAM_SPLIT_ALIGN);
        expect(bus.arenaSpilled).toBe(false);
        // the bus finds each part at its edges, and copies across both boundaries
        for (const r of parts) {
          expect(bus.findRam(r.base)).toBe(r);
          expect(bus.findRam(r.base + r.size - 8, 8)).toBe(r);
        }
        const bytes = Uint8Array.from({ length: 32 }, (_, i) => i + 1);
        for (const edge of [mid!.base, top!.base]) {
          bus.writeBytes(edge - 16, bytes);
          const back = new Uint8Array(32);
          bus.readBytes(edge - 16, back);
          expect(back).toEqual(bytes);
          expect(bus.read(edge, 1)).toBe(17);
        }
        expect(new Uint8Array(arena.buffer, arena.offsetOf(top!), 16)).toEqual(bytes.subarray(16));
        // a later region that fits the arena's reserve still goes in
        const small = bus.addRam("small", 0x1_0000_0000 * 2, 65536);
        expect(arena.offsetOf(small)).toBeGreaterThan(0);
      }));
  }

  it("addRamParts without an auto arena: one region (an explicit arena, or none)", () => {
    const big = 3072 * 2 ** 20;
    withEnv({ ...clean, ARMATURE_ARENA: "0" }, () => {
      const parts = new Bus({ arena: "auto" }).addRamParts("ram", 0, big);
      expect(parts.map((r) => r.size)).toEqual([big]);
    });
    const bus = new Bus({ arena: new Arena({ maxBytes: 1 << 20 }) });
    expect(() => bus.addRamParts("ram", 0, 2 << 20)).toThrow(/do not fit/);
  });

  it("an explicit arena still refuses RAM that does not fit (no silent spill)", () => {
    const arena = new Arena({ maxBytes: 1 << 20 });
    const bus = new Bus({ arena });
    expect(() => bus.addRam("ram", 0, 2 << 20)).toThrow(/do not fit/);
  });
});
