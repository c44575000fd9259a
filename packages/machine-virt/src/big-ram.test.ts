// A virt machine with more RAM than the WebAssembly arena holds (memoryMiB 4096): its RAM is split
// (Bus.addRamParts: the low part and the top in the arena, the middle outside), the vCPU keeps the
// WebAssembly back end, and a snapshot carries the bytes of every part.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { RAM_SPLIT_LOW } from "@armature/core";
import { afterAll, describe, expect, it } from "vitest";
import { bareProgram } from "./baremetal/harness.js";
import { VZ_LAYOUT } from "./layout.js";
import { expectReplay, recordedMachine } from "./test/replay.js";

const dir = mkdtempSync(join(tmpdir(), "armature-bigram-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const MiB = 2 ** 20;

describe("virt board, 4096 MiB of RAM", () => {
  // (with the environment's defaults: ARMATURE_ARENA=0 or ARMATURE_JIT_BACKEND=js give one region and JS blocks)
  it("three adjacent RAM regions, the wasm back end, and a snapshot that restores every part", async () => {
    // the uart program (519 instructions with its input): paused at 200, saved, then 100 more
    const { bin, typed } = bareProgram("uart", VZ_LAYOUT);
    const build = () => {
      const r = recordedMachine({
        layout: "vz",
        kernel: bin,
        memoryMiB: 4096,
        deterministic: true,
        engine: "jit",
      });
      r.m.input(new TextEncoder().encode(typed));
      return r;
    };
    const a = build();
    const parts = a.m.ramParts;
    const base = parts[0]!.base;
    expect(parts.map((r) => r.name)).toEqual(["ram", "ram-mid", "ram-top"]);
    expect(parts[0]!.size).toBe(RAM_SPLIT_LOW);
    expect(parts.at(-1)!.base + parts.at(-1)!.size).toBe(base + 4096 * MiB);
    expect(a.m.ram).toBe(parts[0]);
    expect(a.m.cpus[0]!.jit?.backend).toBe("wasm");
    expect(await a.m.run({ maxInstructions: 200 })).toBe("budget");
    // bytes in the middle and at the top (as DMA would put them), then the snapshot proof
    const mid = parts[1]!.base + 0x1234_5000;
    const top = base + 4096 * MiB - 4096;
    a.m.bus.writeBytes(mid, new Uint8Array([1, 2, 3, 4]));
    a.m.bus.writeBytes(top, new Uint8Array([5, 6, 7, 8]));
    const { b, mark } = await expectReplay(a, build, join(dir, "big.snap"), 100);
    const got = new Uint8Array(4);
    b.m.bus.readBytes(mid, got);
    expect([...got]).toEqual([1, 2, 3, 4]);
    b.m.bus.readBytes(top, got);
    expect([...got]).toEqual([5, 6, 7, 8]);
    expect(await b.m.run({ maxInstructions: 10_000 })).toBe("poweroff");
    expect(await a.m.run({ maxInstructions: 10_000 })).toBe("poweroff");
    expect(b.out()).toBe(a.out().slice(mark));
  }, 120_000);
});
