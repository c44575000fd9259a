export type { OfwBootDevice } from "./bootorder.js";
export { bootOrderFile, OFW_PCI_ROOT, ofwBootPath } from "./bootorder.js";
export * from "./fw-cfg.js";
export type { AcpiLoaderFiles, SmbiosFiles } from "./loader.js";
export { acpiLoaderFiles, smbiosFiles, TableLoader } from "./loader.js";
export * as FW_CFG from "./regs.js";
export { FW_CFG_FILE, FW_CFG_MMIO_SIZE } from "./regs.js";
