export { crc32 } from "./crc32.js";
export type { UefiAction, UefiOptions } from "./firmware.js";
export { RT_SUPPORTED, SERVICES, UEFI_HVC_BASE, UefiFirmware } from "./firmware.js";
export { GUID, guidBytes, guidText } from "./guid.js";
export type { MemoryRange, MemoryTypeValue } from "./memmap.js";
export {
  EFI_MEMORY_RUNTIME,
  EFI_MEMORY_WB,
  EFI_PAGE,
  MEMORY_DESCRIPTOR_SIZE,
  MEMORY_DESCRIPTOR_VERSION,
  MemoryMap,
  MemoryType,
} from "./memmap.js";
export type { MapRange, TranslationRegs } from "./mmu.js";
export { buildIdentityMap, walkStage1 } from "./mmu.js";
export type { PeImage, PeSection } from "./pe.js";
export { IMAGE_FILE_MACHINE_ARM64, PeImageError, parsePe, relocatePe } from "./pe.js";
export type { ResetKind, UefiConsole, UefiCpu, UefiMemory, UefiPlatform } from "./platform.js";
export * from "./status.js";
export type { EfiVariable } from "./vars.js";
export {
  EFI_VARIABLE_APPEND_WRITE,
  EFI_VARIABLE_BOOTSERVICE_ACCESS,
  EFI_VARIABLE_NON_VOLATILE,
  EFI_VARIABLE_RUNTIME_ACCESS,
  VariableStore,
  VariableStoreError,
} from "./vars.js";
