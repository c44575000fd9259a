export { TestBlockBackend } from "./backend.js";
export type { IssueOptions, IssueResult } from "./driver.js";
export {
  AhciTestDriver,
  identifyString,
  TEST_DATA_BASE,
  TEST_RAM_BASE,
  TEST_RAM_SIZE,
  testMemory,
} from "./driver.js";
export type { IsoFile } from "./iso.js";
export { buildIso9660 } from "./iso.js";
export type { LinuxAhciCheckInput, LinuxAhciCheckResult } from "./linux.js";
export { linuxAhciChecks } from "./linux.js";
