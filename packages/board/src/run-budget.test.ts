// A run's instruction budget: a whole number of at least 1, else a ConfigError before anything runs.
import { Bus, ConfigError, VirtualClock } from "@armature/core";
import { Cpu, M1_MODEL } from "@armature/cpu-aarch64";
import { describe, expect, it } from "vitest";
import { BoardRuntime, checkInstructionBudget } from "./index.js";

describe("instruction budget", () => {
  it("accepts whole numbers from 1 and no budget; refuses the rest with a ConfigError", async () => {
    for (const n of [undefined, 1, 2 ** 40]) expect(() => checkInstructionBudget(n)).not.toThrow();
    for (const n of [0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 53])
      expect(() => checkInstructionBudget(n), String(n)).toThrow(ConfigError);
    const bus = new Bus();
    bus.addRam("ram", 0x4000_0000, 0x1_0000); // zeros: UDF, never reached
    const clock = new VirtualClock({ mode: "deterministic" });
    const cpu = new Cpu({ bus, model: M1_MODEL, clock, engine: "interp" });
    const rt = new BoardRuntime({ cpus: [cpu], clock, mpidrs: [0], isValidEntry: () => true });
    rt.boot({ pc: 0x4000_0000, x: [], pstate: 0x3c5 });
    await expect(rt.run({ maxInstructions: 0 })).rejects.toThrow(
      /maxInstructions must be an integer of at least 1, not 0/,
    );
    expect(rt.retired()).toBe(0);
  });
});
