// Vitest setup file (runs in each test worker before a test file): the CPU package's own unit
// tests keep running the interpreter, the oracle the translator is checked against, while every
// other package's tests run the default engine (the translator since issue 16). An
// ARMATURE_CPU_ENGINE given to the whole run wins everywhere. The translator's own tests
// (lockstep, load-irq, jit-exact) choose both engines explicitly.
import { expect } from "vitest";

const env = process.env;
const KEY = Symbol.for("armature.outerCpuEngine");
const g = globalThis as { [KEY]?: string | null };
// the run's own setting, remembered before this file first changes it (a worker may be reused)
if (g[KEY] === undefined) g[KEY] = env.ARMATURE_CPU_ENGINE ?? null;
const outer = g[KEY];
const file = expect.getState().testPath ?? "";
if (outer !== null) env.ARMATURE_CPU_ENGINE = outer;
else if (/[\\/]packages[\\/]cpu-aarch64[\\/]/.test(file)) env.ARMATURE_CPU_ENGINE = "interp";
else delete env.ARMATURE_CPU_ENGINE;
