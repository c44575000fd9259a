export type { AtapiDvdOptions } from "./atapi.js";
export { AtapiDvd, ScsiOp } from "./atapi.js";
export type { AhciDtPlacement } from "./describe.js";
export { describeAhciDt } from "./describe.js";
export type { AhciDevice, AtaCommand, AtaProtocol } from "./device.js";
export type { SataDiskOptions } from "./disk.js";
export { SataDisk } from "./disk.js";
export * from "./fis.js";
export type { AhciOptions } from "./hba.js";
export { AhciHba, AhciPort } from "./hba.js";
export { openCdromImage, openSataImage } from "./host.js";
export type { OpticalImageKind } from "./media.js";
export { checkOpticalImage, opticalImageKind } from "./media.js";
export type { AhciPciOptions } from "./pci.js";
export { AhciPciFunction } from "./pci.js";
export {
  AHCI_MMIO_SIZE,
  AHCI_VERSION,
  AtaCmd,
  AtaError,
  AtaStatus,
  Cap,
  FisType,
  Ghc,
  HbaReg,
  PORT_BASE,
  PORT_STRIDE,
  PortReg,
  PxCMD,
  PxIS,
  RxFis,
  SenseKey,
  Signature,
} from "./regs.js";
