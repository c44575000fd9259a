export * from "./bridge.js";
export type { MsixPlacement } from "./capabilities.js";
export { MsiCapability, MsixCapability, PciCapId, PciConfigSpace } from "./capabilities.js";
export * from "./describe.js";
