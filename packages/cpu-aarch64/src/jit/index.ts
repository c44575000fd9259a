export type { CpuEngine } from "../interp/cpu.js";
export type { BlockFn, JitOptions, JitStats } from "./jit.js";
export { JitEngine, JitPage } from "./jit.js";
