export type { DriverEvent } from "./driver.js";
export { DriverRing, RAM_BASE, RAM_SIZE, XHCI_BASE, XhciTestDriver } from "./driver.js";
