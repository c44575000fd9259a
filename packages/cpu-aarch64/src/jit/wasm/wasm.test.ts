import { Arena, Bus, ConfigError, wasmApi } from "@armature/core";
import { withEnv } from "@armature/core/test";
import { describe, expect, it } from "vitest";
import { Cpu } from "../../interp/cpu.js";
import { M1_MODEL } from "../../model.js";
import { generatorEntries, Rng } from "../../test/difftest.js";
import { JitEngine } from "../jit.js";
import { lockstepCase } from "../lockstep.js";
import { blockModule } from "./backend.js";
import { Bytes, I32, OP, wasmModule } from "./writer.js";

const hex = (b: Bytes): string => [...b.view()].map((x) => x.toString(16).padStart(2, "0")).join(" ");

describe("wasm writer", () => {
  it("LEB128 as the specification's examples and limits", () => {
    // DWARF/Wasm spec examples: 624485 = e5 8e 26 (unsigned), -123456 = c0 bb 78 (signed)
    expect(hex(new Bytes().uleb(624485))).toBe("e5 8e 26");
    expect(hex(new Bytes().sleb32(-123456))).toBe("c0 bb 78");
    expect(hex(new Bytes().sleb32(63))).toBe("3f");
    expect(hex(new Bytes().sleb32(64))).toBe("c0 00");
    expect(hex(new Bytes().sleb32(-64))).toBe("40");
    expect(hex(new Bytes().sleb32(-65))).toBe("bf 7f");
    expect(hex(new Bytes().sleb64(-123456, -1))).toBe("c0 bb 78");
    expect(hex(new Bytes().sleb64(0, 1))).toBe("80 80 80 80 10"); // 2^32
    expect(hex(new Bytes().sleb64(0, 0x80000000 | 0))).toBe("80 80 80 80 80 80 80 80 80 7f"); // -2^63
    expect(hex(new Bytes().sleb64(-1, 0x7fffffff))).toBe("ff ff ff ff ff ff ff ff ff 00"); // 2^63 - 1
  });

  it("a module the host validates and runs: (a, b) -> a - b over an imported shared memory", () => {
    const body = new Bytes().u8(OP.localGet).uleb(0).u8(OP.localGet).uleb(1).u8(OP.i32Sub).view().slice();
    const bytes = wasmModule([{ params: [I32, I32], results: [I32], locals: [], body, name: "f" }], 65536);
    expect(wasmApi!.validate(bytes)).toBe(true);
    const arena = new Arena({ maxBytes: 1 << 20 });
    const inst = new wasmApi!.Instance(new wasmApi!.Module(bytes), { env: { mem: arena.memory } });
    expect((inst.exports.f as (a: number, b: number) => number)(5, 7)).toBe(-2);
  });
});

/**
 * Runs `program` (A64 words at 0x4000_0000) for up to 100,000 instructions with wasm blocks
 * (threshold 10, `wasmBatch` blocks per module).
 */
function runWasm(program: number[], wasmBatch?: number): Cpu {
  const bus = new Bus({ arena: new Arena({ maxBytes: 8 << 20 }) });
  const ram = bus.addRam("ram", 0x4000_0000, 1 << 20);
  ram.u8.set(new Uint8Array(new Uint32Array(program).buffer), 0);
  const jit = { threshold: 10, backend: "wasm", wasmBatch } as const;
  const cpu = new Cpu({ bus, model: M1_MODEL, engine: "jit", jit });
  cpu.setPC(0x4000_0000);
  cpu.run(100_000);
  return cpu;
}

/**
 * `program` in wasm blocks (runWasm) to its final HVC #0, with X0, the instruction count and the
 * number of blocks compiled as expected; returns the CPU.
 */
function runToHvc0(program: number[], x0: bigint, retired: number, blocks: number, wasmBatch?: number): Cpu {
  const cpu = runWasm(program, wasmBatch);
  expect(cpu.exit.reason).toBe("hvc");
  expect(cpu.exit.imm).toBe(0);
  expect(cpu.getX(0)).toBe(x0);
  expect(cpu.retired).toBe(retired);
  expect(cpu.jit!.stats.blocksCompiled).toBe(blocks);
  return cpu;
}

// movz x1, #0x4000, lsl #16; movz x0, #0; add x0, x0, #1; b +8; hvc #1; add x0, x0, #2;
// cmp x0, #999; b.ne -20; hvc #0 (llvm-mc 14): blocks at slots 2 and 5 run on every pass
const TWO_BLOCK_LOOP = [
  0xd2a80001, 0xd2800000, 0x91000400, 0x14000002, 0xd4000022, 0x91000800, 0xf10f9c1f, 0x54ffff61, 0xd4000002,
];

describe("wasm back end", () => {
  it("is chosen by the option or ARMATURE_JIT_BACKEND, with its own default threshold; junk is a ConfigError", () => {
    withEnv({ ARMATURE_JIT_BACKEND: undefined, ARMATURE_JIT_THRESHOLD: undefined }, () => {
      expect(new JitEngine().backend).toBe("js");
      expect(new JitEngine().threshold).toBe(1_000_000);
      const w = new JitEngine({ backend: "wasm" });
      expect([w.backend, w.threshold]).toEqual(["wasm", 10_000]);
      expect(new JitEngine({ backend: "wasm", threshold: 7 }).threshold).toBe(7);
      process.env.ARMATURE_JIT_BACKEND = "wasm";
      expect(new JitEngine().backend).toBe("wasm");
      expect(new JitEngine({ backend: "js" }).backend).toBe("js");
      process.env.ARMATURE_JIT_BACKEND = "llvm";
      expect(() => new JitEngine()).toThrow(ConfigError);
      expect(() => new JitEngine({ backend: "x" as never })).toThrow(ConfigError);
    });
  });

  it("lockstep against the interpreter: random streams, identical state at every stop", () => {
    withEnv({ ARMATURE_JIT_BACKEND: "wasm" }, () => {
      const n = Number(process.env.JIT_CASES ?? 100);
      const seed = Number(process.env.JIT_SEED ?? Date.now() % 2 ** 31);
      console.log(`wasm lockstep: seed ${seed} (JIT_SEED=${seed} to replay), ${n} cases`);
      const rng = new Rng(seed);
      const entries = generatorEntries();
      let insns = 0;
      let translated = 0;
      for (let i = 0; i < n; i++) {
        const r = lockstepCase(rng, entries, 3, i % 2 === 1);
        insns += r.insns;
        translated += r.translated;
        expect(r.mismatch, `seed ${seed} case ${i}`).toBeNull();
      }
      console.log(`wasm lockstep: ${insns} instructions, ${translated} in translated blocks`);
      expect(translated).toBeGreaterThan(insns / 5);
    });
  }, 300_000);

  it("an exit to a block already compiled in the same page goes on to it inside WebAssembly (a tail call)", () => {
    // movz x1, #0x4000, lsl #16; movz x0, #0; b +8; hvc #1; add x0, x0, #1; cmp x0, #1000; b.ne -16;
    // hvc #0 (llvm-mc 14). Block at slot 4 (add..b.ne, hvc) compiles first, then the one at slot 2
    // (b), whose exit to slot 4 is linked: one return to JS per iteration instead of two.
    const program = [
      0xd2a80001, 0xd2800000, 0x14000002, 0xd4000022, 0x91000400, 0xf10fa01f, 0x54ffff81, 0xd4000002,
    ];
    const st = runToHvc0(program, 1000n, 2 + 4 * 1000 + 1, 2).jit!.stats;
    // unlinked: 1 + 3 instructions in two returns per iteration (2 per return); linked: 4
    expect(st.insnsRun / st.blockRuns).toBeGreaterThan(3.5);
  });

  it("blocks that reached the threshold are compiled together: one module for a batch", () => {
    // TWO_BLOCK_LOOP: its two blocks reach the threshold one after the other; in batches of 2
    // they share one module (modules counted)
    const api = globalThis as unknown as { WebAssembly: { Module: new (b: Uint8Array) => object } };
    const Real = api.WebAssembly.Module;
    let modules = 0;
    api.WebAssembly.Module = class extends Real {
      constructor(b: Uint8Array) {
        super(b);
        modules++;
      }
    };
    let cpu: Cpu;
    try {
      cpu = runToHvc0(TWO_BLOCK_LOOP, 999n, 2 + 5 * 333 + 1, 2, 2);
    } finally {
      api.WebAssembly.Module = Real;
    }
    const st = cpu.jit!.stats;
    // the exit of the block at 2 links to the one at 5, generated before it in the batch
    expect(st.insnsRun / st.blockRuns).toBeGreaterThan(4.5);
    // one for the blocks, one for the CPU's trampoline
    expect(modules).toBe(2);
  });

  it("an exit links to a block of its page compiled after it (the page's link word)", () => {
    // TWO_BLOCK_LOOP, one block per module: the block at 5 (3 instructions a pass) reaches the
    // threshold first, its b.ne exit to 2 has no block to link to yet; once 2 is compiled (linked
    // to 5), the loop runs in WebAssembly from block to block
    const st = runToHvc0(TWO_BLOCK_LOOP, 999n, 2 + 5 * 333 + 1, 2, 1).jit!.stats;
    // unlinked from 5 to 2: 5 instructions per return to JS
    expect(st.insnsRun / st.blockRuns).toBeGreaterThan(50);
  });

  it("runs a counted loop inside one WebAssembly block (same result and count as the interpreter)", () => {
    // movz x1, #0x4000, lsl #16; movz x0, #0; add x0, x0, #1; str x0, [x1, #0x1100];
    // ldr x2, [x1, #0x1100]; cmp x0, #1000; b.ne -16; hvc #0 (llvm-mc 14)
    const program = [
      0xd2a80001, 0xd2800000, 0x91000400, 0xf9088020, 0xf9488022, 0xf10fa01f, 0x54ffff81, 0xd4000002,
    ];
    const cpu = runToHvc0(program, 1000n, 2 + 5 * 1000 + 1, 1);
    expect(cpu.getX(2)).toBe(1000n);
    const st = cpu.jit!.stats;
    expect(st.insnsRun).toBeGreaterThan(4900);
    // the block is a WebAssembly module of the five loop instructions inline and HVC through the
    // interpreter's handler
    const page = [...(cpu as unknown as { pages: Map<number, never> }).pages.values()][0]!;
    const m = blockModule(cpu, page, 2, 48)!;
    expect(m.len).toBe(6);
    expect(m.inline).toBe(5);
    expect(wasmApi!.validate(m.bytes)).toBe(true);
  });
});
