export type { DriverEvent } from "./driver.js";
export { DriverRing, RAM_BASE, RAM_SIZE, XHCI_BASE, XhciTestDriver } from "./driver.js";
export type { GuestFrame, GuestShell, GuestUsbDevice } from "./guest.js";
export {
  buildGuestPrograms,
  captureFrames,
  cpioNewc,
  evdevModule,
  expectedKeyEvents,
  initrdWithUsbTools,
  LINUX_KEY_FOR_USAGE,
  readUsbSysfs,
  testPatternHashes,
  typeAndReadKeys,
} from "./guest.js";
export type { LinuxUsbCheckInput, LinuxUsbCheckResult } from "./linux.js";
export { linuxUsbChecks } from "./linux.js";
