export type { PciAddress, PciHostBridgeOptions, PciWindow } from "./bridge.js";
export { PciCfg, PciCommand, PciHostBridge } from "./bridge.js";
export type { MsixPlacement } from "./capabilities.js";
export { MsiCapability, MsixCapability, PciCapId, PciConfigSpace } from "./capabilities.js";
export type {
  PciAcpiDescription,
  PciAcpiResource,
  PciAcpiRoute,
  PciBridgeShape,
  PciDescribeOptions,
} from "./describe.js";
export { describePciHostBridge, pciAcpiDescription } from "./describe.js";
