export type { SmmuV3Placement } from "./describe.js";
export { describeSmmuV3Dt, setIommus, setPciIommuMap } from "./describe.js";
export { PlatformDmaSpace, translatingMsiSink } from "./dma.js";
export type { SmmuMemory } from "./memory.js";
export { busSmmuMemory } from "./memory.js";
export * from "./regs.js";
export type { SmmuStats, SmmuV3Irqs, SmmuV3Options } from "./smmu.js";
export { SmmuV3, s2StartValid } from "./smmu.js";
