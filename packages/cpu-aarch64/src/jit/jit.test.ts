import { Bus, ConfigError, MAX_ARENA_BYTES } from "@armature/core";
import { withEnv } from "@armature/core/test";
import { describe, expect, it } from "vitest";
import { Cpu } from "../interp/cpu.js";
import { M1_MODEL } from "../model.js";
import { generatorEntries, Rng } from "../test/difftest.js";
import { JitEngine } from "./jit.js";
import { lockstepCase } from "./lockstep.js";

describe("translator vs interpreter, lockstep", () => {
  it("random instruction streams: identical state at every run stop", () => {
    const n = Number(process.env.JIT_CASES ?? 100);
    const seed = Number(process.env.JIT_SEED ?? Date.now() % 2 ** 31);
    console.log(`jit lockstep: seed ${seed} (JIT_SEED=${seed} to replay), ${n} cases`);
    const rng = new Rng(seed);
    const entries = generatorEntries();
    let stops = 0;
    let insns = 0;
    let translated = 0;
    for (let i = 0; i < n; i++) {
      const r = lockstepCase(rng, entries, 3, i % 2 === 1);
      stops += r.stops;
      insns += r.insns;
      translated += r.translated;
      expect(r.mismatch, `seed ${seed} case ${i}`).toBeNull();
    }
    console.log(`jit lockstep: ${stops} stops, ${insns} instructions, ${translated} in translated blocks`);
    expect(translated).toBeGreaterThan(insns / 4);
  }, 300_000);
});

describe("translator threshold", () => {
  it("ARMATURE_JIT_THRESHOLD replaces the default, not an explicit threshold; junk is a ConfigError", () => {
    withEnv({ ARMATURE_JIT_THRESHOLD: "3", ARMATURE_JIT_BACKEND: undefined }, () => {
      expect(new JitEngine().threshold).toBe(3);
      expect(new JitEngine({ threshold: 9 }).threshold).toBe(9);
      for (const junk of ["0", "-1", "1.5", "many"]) {
        process.env.ARMATURE_JIT_THRESHOLD = junk;
        expect(() => new JitEngine()).toThrow(ConfigError);
      }
      delete process.env.ARMATURE_JIT_THRESHOLD;
      expect(new JitEngine().threshold).toBe(1_000_000);
    });
  });
});

describe("translator back end", () => {
  it('defaults to "wasm" on a CPU whose bus has an arena, "js" without one; ARMATURE_JIT_BACKEND chooses', () => {
    withEnv({ ARMATURE_JIT_BACKEND: undefined, ARMATURE_ARENA: undefined }, () => {
      const onArena = new Cpu({ bus: new Bus({ arena: "auto" }), model: M1_MODEL, engine: "jit" });
      expect(onArena.jit?.backend).toBe("wasm");
      expect(new Cpu({ bus: new Bus(), model: M1_MODEL, engine: "jit" }).jit?.backend).toBe("js");
      // the same after switching engines at run time
      const later = new Cpu({ bus: new Bus({ arena: "auto" }), model: M1_MODEL, engine: "interp" });
      later.setEngine("jit");
      expect(later.jit?.backend).toBe("wasm");
      expect(new JitEngine({}, true).threshold).toBe(10_000);
      // RAM placed outside the arena (a guest larger than it): JS blocks
      const big = new Bus({ arena: "auto" });
      big.addRam("ram", 0x1_0000_0000, MAX_ARENA_BYTES);
      expect(big.arenaSpilled).toBe(true);
      expect(new Cpu({ bus: big, model: M1_MODEL, engine: "jit" }).jit?.backend).toBe("js");
      process.env.ARMATURE_JIT_BACKEND = "js";
      expect(new JitEngine({}, true).backend).toBe("js");
      expect(new JitEngine({ backend: "wasm" }, false).backend).toBe("wasm");
    });
  });
});
