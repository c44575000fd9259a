export type { CpuPowerState, PsciPlatform } from "@armature/board";
export { AffinityState, Psci, PsciReturn } from "@armature/board";
export { FlashFile, VIRT_FLASH_BANK_SIZE } from "@armature/cfi-flash";
export type {
  VirtAttachments,
  VirtBoardOptions,
  VirtBootDevice,
  VirtConfig,
  VirtFirmware,
  VirtIommu,
  VirtSataDevice,
  VirtUefi,
  VirtUsbDevice,
} from "./config.js";
export { VIRT_LIMITS, VIRT_SATA_PORTS, VIRT_USB_PORTS, virtConfig } from "./config.js";
export { describeVirtAcpi, describeVirtDt, describeVirtSmbios } from "./describe.js";
export { efiVarStoreProblem } from "./efi-vars.js";
export type { VirtLayout } from "./layout.js";
export { LAYOUTS, PCI_IO_DEFAULT_SIZE, QEMU_LAYOUT, VZ_LAYOUT } from "./layout.js";
export type { ConsoleSink, MachineStop, VirtMachineOptions } from "./machine.js";
export { VirtMachine } from "./machine.js";
export { VIRT_USER_NETWORK, virtNetBackend, wakeOnReceive } from "./net.js";
export type { VirtPart, VirtUsb } from "./parts.js";
export { VIRT_PARTS, VirtWiring } from "./parts.js";
export type { VirtRestoreOptions, VirtSnapshotInfo } from "./snapshot.js";
export {
  readVirtSnapshotInfo,
  restoreVirtMachine,
  VIRT_SNAPSHOT_BOARD,
  virtSnapshotNeeds,
} from "./snapshot.js";
export { VIRT_UEFI_BIOS } from "./uefi.js";
