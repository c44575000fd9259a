export type { CpuEngine } from "../interp/cpu.js";
export type { BlockFn, JitBackend, JitOptions, JitStats } from "./jit.js";
export { JitEngine, JitPage } from "./jit.js";
