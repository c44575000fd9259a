// The run loop's exception-loop watch: a guest whose exception vector itself faults stops with
// "exception-loop" and a description; a guest that returns from its exceptions (ERET) never does,
// even when it takes the same exception at the same pc again and again.
import { Bus, VirtualClock } from "@armature/core";
import { Cpu, M1_MODEL } from "@armature/cpu-aarch64";
import { describe, expect, it } from "vitest";
import { BoardRuntime, type BoardRuntimeOptions, EXCEPTION_LOOP_LIMIT } from "./index.js";

const RAM = 0x4000_0000;
const VBAR = RAM + 0x800;
// Encodings checked with llvm-mc (-triple=aarch64 -show-encoding).
const MSR_VBAR_X1 = 0xd518c001;
const SVC_0 = 0xd4000001;
const B_BACK = 0x17ffffff; // b .-4
const ERET = 0xd69f03e0;
const UDF_0 = 0x00000000;

function machine(
  prog: readonly number[],
  vector: readonly number[],
  opts: Partial<BoardRuntimeOptions> = {},
): { rt: BoardRuntime; cpu: Cpu } {
  const bus = new Bus();
  const ram = bus.addRam("ram", RAM, 0x10_0000);
  for (const [i, w] of prog.entries()) ram.view.setUint32(i * 4, w, true);
  // The vector for synchronous exceptions from EL1 with SP_EL1 (VBAR + 0x200).
  for (const [i, w] of vector.entries()) ram.view.setUint32(0xa00 + i * 4, w, true);
  const clock = new VirtualClock({ mode: "deterministic" });
  const cpu = new Cpu({ bus, model: M1_MODEL, clock, engine: "interp" });
  const rt = new BoardRuntime({ cpus: [cpu], clock, mpidrs: [0], isValidEntry: () => true, ...opts });
  rt.boot({ pc: RAM, x: [0, VBAR], pstate: 0x3c5 });
  return { rt, cpu };
}

describe("exception-loop watch", () => {
  it("stops a guest whose vector is an undefined instruction (zeros in RAM)", async () => {
    const { rt } = machine([MSR_VBAR_X1, UDF_0], [UDF_0]);
    expect(await rt.run({ maxInstructions: 10_000_000 })).toBe("exception-loop");
    const loop = rt.exceptionLoop!;
    expect(loop.cpu).toBe(0);
    expect(loop.repeats).toBeGreaterThanOrEqual(EXCEPTION_LOOP_LIMIT);
    expect(loop.vector).toBe(0x200);
    expect(loop.vbar).toBe(BigInt(VBAR));
    expect(loop.elr).toBe(BigInt(VBAR + 0x200)); // the vector's own UDF
    expect(loop.esr >>> 26).toBe(0x00); // EC "unknown reason"
    expect(loop.message).toMatch(/^cpu0 is stuck in an exception loop: \d+ synchronous exceptions in a row/);
    expect(loop.message).toContain("undefined instruction");
    expect(loop.message).toContain(`pc 0x${(VBAR + 0x200).toString(16)}`);
    expect(loop.message).not.toContain("\n");
  });

  it("stops a guest with no vector table (VBAR 0, nothing there: instruction aborts)", async () => {
    const { rt } = machine([UDF_0], []);
    expect(await rt.run({ maxInstructions: 10_000_000 })).toBe("exception-loop");
    const loop = rt.exceptionLoop!;
    expect(loop.vbar).toBe(0n);
    expect(loop.elr).toBe(0x200n);
    expect(loop.esr >>> 26).toBe(0x21); // instruction abort from the same EL
    expect(loop.message).toContain("instruction abort");
  });

  it("honours exceptionLoopLimit", async () => {
    const { rt } = machine([MSR_VBAR_X1, UDF_0], [UDF_0], { exceptionLoopLimit: 50 });
    expect(await rt.run({ maxInstructions: 10_000_000, sliceInstructions: 10 })).toBe("exception-loop");
    expect(rt.exceptionLoop!.repeats).toBeGreaterThanOrEqual(50);
    expect(rt.exceptionLoop!.repeats).toBeLessThan(EXCEPTION_LOOP_LIMIT);
    expect(() => machine([], [], { exceptionLoopLimit: -1 })).toThrow(/exceptionLoopLimit/);
  });

  it("never stops a guest that returns: the same SVC at the same pc, a million instructions", async () => {
    const { rt, cpu } = machine([MSR_VBAR_X1, SVC_0, B_BACK], [ERET]);
    expect(await rt.run({ maxInstructions: 1_000_000 })).toBe("budget");
    expect(rt.exceptionLoop).toBeUndefined();
    expect(cpu.exceptionRepeats).toBeLessThanOrEqual(1);
  });

  it("never stops a guest whose handler returns to the faulting instruction (a retry)", async () => {
    const { rt } = machine([MSR_VBAR_X1, UDF_0], [ERET]);
    expect(await rt.run({ maxInstructions: 1_000_000 })).toBe("budget");
    expect(rt.exceptionLoop).toBeUndefined();
  });

  it("never stops with a debugger attached", async () => {
    const { rt, cpu } = machine([MSR_VBAR_X1, UDF_0], [UDF_0], { exceptionLoopLimit: 50 });
    rt.attachDebugger({ debugStop: () => {} });
    setTimeout(() => rt.stop("halted"), 200);
    expect(await rt.run()).toBe("halted");
    expect(cpu.exceptionRepeats).toBeGreaterThan(50);
    expect(rt.exceptionLoop).toBeUndefined();
  });
});
