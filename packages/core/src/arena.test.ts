import { describe, expect, it } from "vitest";
import { Arena, MAX_ARENA_BYTES } from "./arena.js";
import { Bus } from "./bus.js";
import { ConfigError } from "./errors.js";
import { RamRegion } from "./memory.js";
import { withEnv } from "./test/index.js";

describe("Arena", () => {
  it("allocates aligned, zeroed, non-overlapping ranges", () => {
    const a = new Arena({ maxBytes: 1 << 20 });
    const p = a.alloc(10);
    const q = a.alloc(100, 4096);
    const r = a.alloc(3, 8);
    expect(p).toBe(0);
    expect(q).toBe(4096);
    expect(r).toBe(4096 + 104);
    expect(a.used).toBe(r + 3);
    expect(new Uint8Array(a.buffer, q, 100).every((b) => b === 0)).toBe(true);
  });

  it("grows the memory without detaching views made before", () => {
    const a = new Arena({ maxBytes: 8 << 20 });
    const v = a.int32(4);
    v[3] = 0x1234567;
    const before = a.buffer.byteLength;
    const big = a.alloc(3 << 20);
    expect(a.buffer.byteLength).toBeGreaterThan(before);
    // the old view still sees the memory: a write through it shows in the new buffer and back
    expect(new Int32Array(a.buffer, v.byteOffset, 4)[3]).toBe(0x1234567);
    new Int32Array(a.buffer, v.byteOffset, 4)[0] = -5;
    expect(v[0]).toBe(-5);
    expect(big).toBeGreaterThanOrEqual(v.byteOffset + 16);
  });

  it("refuses what does not fit and bad arguments with a ConfigError", () => {
    const a = new Arena({ maxBytes: 65536 });
    expect(a.maxBytes).toBe(65536);
    a.alloc(60000);
    expect(() => a.alloc(6000)).toThrow(ConfigError);
    expect(() => a.alloc(0)).toThrow(ConfigError);
    expect(() => a.alloc(8, 3)).toThrow(ConfigError);
    expect(() => new Arena({ maxBytes: MAX_ARENA_BYTES + 1 })).toThrow(ConfigError);
    expect(() => new Arena({ maxBytes: 0 })).toThrow(ConfigError);
  });

  it("a bus with an arena allocates its RAM inside it, page-aligned; offsetOf finds it", () => {
    const arena = new Arena({ maxBytes: 4 << 20 });
    const bus = new Bus({ arena });
    expect(bus.arena).toBe(arena);
    arena.alloc(100);
    const ram = bus.addRam("ram", 0x4000_0000, 0x10000);
    const off = arena.offsetOf(ram);
    expect(off).toBe(4096);
    bus.write(0x4000_0010, 4, 0xdeadbeef);
    expect(new DataView(arena.buffer).getUint32(off + 0x10, true)).toBe(0xdeadbeef);
    // a region given its own buffer is not in the arena
    const own = bus.addRam("own", 0x5000_0000, new ArrayBuffer(4096));
    expect(arena.offsetOf(own)).toBe(-1);
    expect(own.buffer).not.toBe(arena.buffer);
    withEnv({ ARMATURE_ARENA: undefined, ARMATURE_JIT_BACKEND: undefined }, () =>
      expect(new Bus().arena).toBeUndefined(),
    );
  });

  it("ARMATURE_ARENA=1 or ARMATURE_JIT_BACKEND=wasm gives a new Bus an arena", () => {
    withEnv({ ARMATURE_ARENA: "1", ARMATURE_JIT_BACKEND: undefined }, () => {
      expect(new Bus().arena).toBeInstanceOf(Arena);
      delete process.env.ARMATURE_ARENA;
      expect(new Bus().arena).toBeUndefined();
      process.env.ARMATURE_JIT_BACKEND = "wasm";
      expect(new Bus().arena).toBeInstanceOf(Arena);
    });
  });

  it("RamRegion over part of a buffer: offset and length, checked", () => {
    const buf = new ArrayBuffer(8192);
    const r = new RamRegion("part", 0, buf, 4096, 1024);
    expect(r.size).toBe(1024);
    expect(r.u8.byteOffset).toBe(4096);
    expect(() => new RamRegion("past", 0, buf, 4096, 8192)).toThrow(ConfigError);
  });
});
