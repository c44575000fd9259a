export type { SmmuV3Placement } from "./describe.js";
export { describeSmmuV3Dt, setIommus, setPciIommuMap } from "./describe.js";
export { PlatformDmaSpace, translatingMsiSink } from "./dma.js";
export type { SmmuMemory } from "./memory.js";
export { busSmmuMemory } from "./memory.js";
export {
  CD_SIZE,
  CError,
  CMD_SIZE,
  CR0,
  EVT_SIZE,
  Evt,
  EvtClass,
  GBPA,
  Gerror,
  IRQ_CTRL,
  Op,
  Reg,
  S1Dss,
  SMMU_MMIO_SIZE,
  STE_SIZE,
  SteConfig,
} from "./regs.js";
export type { SmmuStats, SmmuV3Irqs, SmmuV3Options } from "./smmu.js";
export { SmmuV3, s2StartValid } from "./smmu.js";
