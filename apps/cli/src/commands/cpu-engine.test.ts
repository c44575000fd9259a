// --cpu-engine interp|jit on `armature run` (both boards) and `armature user`, and the same
// option in the library APIs (issue 16).
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Bus, ConfigError } from "@armature/core";
import { Cpu, type CpuEngine, M1_MODEL, UserProcess } from "@armature/cpu-aarch64";
import { ParallelsMachine } from "@armature/machine-parallels";
import { VirtMachine } from "@armature/machine-virt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { assembleRaw, assembleWords, run, runVirt128 } from "../test/cli.js";
import { parseRunOptions } from "./run.js";
import { INTERPRET_FIRST, interpretFirst, startEngine, switchToJitAfter } from "./run-common.js";
import { parseParallelsRunOptions } from "./run-parallels.js";

let dir = "";
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "armature-engine-"));
  writeFileSync(join(dir, "Image"), "x");
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Bare-metal source: `passes` (1..2^32-1) passes of a two-instruction loop, then PSCI SYSTEM_OFF over HVC. */
function loopThenPowerOff(passes: number): string {
  return [
    `movz x1, #0x${(passes >>> 16).toString(16)}, lsl #16`,
    `movk x1, #0x${(passes & 0xffff).toString(16)}`,
    "1: subs x1, x1, #1",
    "b.ne 1b",
    "movz w0, #8",
    "movk w0, #0x8400, lsl #16",
    "hvc #0",
    "",
  ].join("\n");
}

describe("--cpu-engine", () => {
  it("is parsed on run (virt and parallels); absent it leaves the library's default", () => {
    const k = join(dir, "Image");
    for (const e of ["interp", "jit"] as const) {
      const v = parseRunOptions(["--machine", "virt", "--kernel", k, "--cpu-engine", e]);
      expect(v !== "help" && v.cpuEngine).toBe(e);
      const p = parseParallelsRunOptions(["--machine", "parallels", "--kernel", k, "--cpu-engine", e]);
      expect(p !== "help" && p.cpuEngine).toBe(e);
    }
    const v = parseRunOptions(["--machine", "virt", "--kernel", k]);
    expect(v !== "help" && v.cpuEngine).toBeUndefined();
  });

  it("refuses other values with exit 2 (run virt, run parallels, user) and is in every --help", async () => {
    for (const args of [
      ["run", "--machine", "virt", "--kernel", join(dir, "Image"), "--cpu-engine", "tcg"],
      ["run", "--machine", "parallels", "--kernel", join(dir, "Image"), "--cpu-engine", "tcg"],
      ["user", "--cpu-engine", "tcg", "/bin/true"],
      ["run", "--machine", "virt", "--kernel", join(dir, "Image"), "--cpu-engine"],
    ]) {
      const r = await run(args);
      expect(r.code, args.join(" ")).toBe(2);
      expect(r.err, args.join(" ")).toMatch(/--cpu-engine/);
    }
    for (const args of [
      ["run", "--machine", "virt", "--help"],
      ["run", "--machine", "parallels", "--help"],
      ["user", "--help"],
    ]) {
      const r = await run(args);
      expect(r.code).toBe(0);
      expect(r.out, args.join(" ")).toMatch(/--cpu-engine interp\|jit/);
    }
  });

  it("reaches the vCPUs through VirtMachineOptions; a bad value is a ConfigError (virt, parallels, Cpu, UserProcess)", () => {
    const kernel = new Uint8Array([0x1f, 0x20, 0x03, 0xd5]); // nop
    for (const engine of ["interp", "jit"] as const) {
      const v = new VirtMachine({
        kernel,
        memoryMiB: 128,
        cpus: 2,
        net: "none",
        engine,
        console: { write() {} },
      });
      try {
        expect(v.cpus.map((c) => c.jit !== undefined)).toEqual([engine === "jit", engine === "jit"]);
      } finally {
        v.close();
      }
    }
    const bad = "tcg" as unknown as CpuEngine;
    expect(() => new VirtMachine({ kernel, memoryMiB: 128, net: "none", engine: bad })).toThrow(ConfigError);
    expect(() => new ParallelsMachine({ kernel, memoryMiB: 128, net: "none", engine: bad })).toThrow(
      ConfigError,
    );
    expect(() => new Cpu({ bus: new Bus(), model: M1_MODEL, engine: bad })).toThrow(
      /unknown CPU engine "tcg"/,
    );
    expect(() => new UserProcess("/nonexistent", { argv: ["/nonexistent"], engine: bad })).toThrow(
      /unknown CPU engine/,
    );
  });

  it("runs a bare-metal loop on virt and a static program under `armature user` with either engine, same exit", async () => {
    // Past the translator's default threshold (200,000).
    assembleRaw(dir, loopThenPowerOff(400_000));
    // A static Linux program: 600,000 passes mixing a sum, then exit(sum & 0x7f).
    const prog = [
      ".globl _start",
      "_start: movz x1, #0x9, lsl #16",
      "movk x1, #0x27c0",
      "mov x2, #0",
      "1: mul x3, x1, x1",
      "eor x2, x3, x2, lsr #3",
      "add x2, x2, x1",
      "subs x1, x1, #1",
      "b.ne 1b",
      "and x0, x2, #0x7f",
      "mov x8, #93",
      "svc #0",
      "",
    ].join("\n");
    execFileSync("aarch64-linux-gnu-as", ["-o", join(dir, "p.o"), "-"], { input: prog });
    execFileSync("aarch64-linux-gnu-ld", ["-static", "-o", join(dir, "p"), join(dir, "p.o")]);
    const codes: number[] = [];
    for (const e of ["interp", "jit"]) {
      const r = await runVirt128([join(dir, "k.bin"), "--net", "none", "--quiet", "--cpu-engine", e]);
      expect(r.code, `${e}: ${r.err}`).toBe(0);
      codes.push((await run(["user", "--cpu-engine", e, join(dir, "p")])).code);
    }
    expect(codes[1]).toBe(codes[0]);
  }, 120_000);

  it("without a choice, run uses the translator, and interprets INTERPRET_FIRST instructions first only with JS blocks", async () => {
    const saved = { engine: process.env.ARMATURE_CPU_ENGINE, backend: process.env.ARMATURE_JIT_BACKEND };
    try {
      delete process.env.ARMATURE_CPU_ENGINE;
      delete process.env.ARMATURE_JIT_BACKEND;
      const k = join(dir, "Image");
      const parsed = (args: string[]) => {
        const v = parseRunOptions(["--machine", "virt", "--kernel", k, ...args]);
        if (v === "help") throw new Error("help");
        return startEngine(v);
      };
      expect(parsed([])).toEqual({ engine: "jit", chosen: false });
      expect(parsed(["--cpu-engine", "jit"])).toEqual({ engine: "jit", chosen: true });
      expect(parsed(["--cpu-engine", "interp"])).toEqual({ engine: "interp", chosen: true });
      // the board's translator: WebAssembly blocks (its arena) unless ARMATURE_JIT_BACKEND=js
      for (const [backend, choice, first] of [
        [undefined, undefined, false],
        ["js", undefined, true],
        ["js", "jit", false],
        ["js", "interp", false],
      ] as const) {
        if (backend === undefined) delete process.env.ARMATURE_JIT_BACKEND;
        else process.env.ARMATURE_JIT_BACKEND = backend;
        const engine = choice ?? startEngine({}).engine;
        const v = new VirtMachine({ kernel: new Uint8Array(4), memoryMiB: 128, net: "none", engine });
        try {
          const cpu = v.runtime.cpus[0]!;
          expect(cpu.jit?.backend).toBe(choice === "interp" ? undefined : (backend ?? "wasm"));
          const o = choice === undefined ? {} : { cpuEngine: choice };
          expect(interpretFirst(v, o), `${backend} ${choice}`).toBe(first);
          // interpreting first drops the translator until switchToJitAfter brings it back
          if (first) expect(cpu.jit).toBeUndefined();
        } finally {
          v.close();
        }
      }
      process.env.ARMATURE_CPU_ENGINE = "jit";
      expect(parsed([])).toEqual({ engine: "jit", chosen: true });
      process.env.ARMATURE_CPU_ENGINE = "interp";
      expect(parsed([])).toEqual({ engine: "interp", chosen: true });
    } finally {
      for (const [k, v] of [
        ["ARMATURE_CPU_ENGINE", saved.engine],
        ["ARMATURE_JIT_BACKEND", saved.backend],
      ] as const)
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
    }
    expect(INTERPRET_FIRST).toBeGreaterThan(20_000_000); // Debian's kernel to its first line
    const loop = assembleWords(dir, loopThenPowerOff(3_000_000), "loop");
    const kernel = new Uint8Array(new Uint32Array(loop).buffer);
    for (const after of [1_000_000, 100_000_000]) {
      const v = new VirtMachine({
        kernel,
        memoryMiB: 128,
        net: "none",
        engine: "interp",
        console: { write() {} },
      });
      try {
        const cancel = switchToJitAfter(v, after);
        expect(await v.run({ maxInstructions: 10_000_000 })).toBe("poweroff");
        cancel();
        expect(v.retired()).toBeGreaterThan(6_000_000);
        const jit = v.cpus[0]!.jit;
        if (after > v.retired()) expect(jit).toBeUndefined();
        else expect(jit?.stats.insnsRun ?? 0).toBeGreaterThan(0); // the loop ran translated
      } finally {
        v.close();
      }
    }
  }, 120_000);
});
