export * from "./describe.js";
export type { Gicv3Options } from "./gic.js";
export { Gicv3 } from "./gic.js";
export type { ItsCommandError, ItsOptions } from "./its.js";
export { Its } from "./its.js";
export {
  GICD_IGROUPR,
  GICR_FRAME_SIZE,
  GICR_IGROUPR0,
  GICR_SGI_BASE,
  GICR_WAKER,
  GITS_FRAME_SIZE,
  GITS_TRANSLATER,
  ICC,
  INTID_SPURIOUS,
  ITS_CMD,
  ITS_ERR,
  LPI_BASE,
  MSI_SETSPI_NS,
  V2M_FRAME_SIZE,
} from "./regs.js";
export type { V2mOptions } from "./v2m.js";
export { V2mFrame } from "./v2m.js";
