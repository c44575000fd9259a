export type { UefiBoardSpec } from "./board.js";
export { boardUefiCall, boardUefiPlatform } from "./board.js";
export type { BootTarget, LoadOption } from "./bootopt.js";
export {
  addBootOption,
  bootDevicePath,
  bootVariableName,
  decodeLoadOption,
  encodeLoadOption,
  LOAD_OPTION_ACTIVE,
} from "./bootopt.js";
export { crc32 } from "./crc32.js";
export type { FatNode, FatTime, VolumeReader } from "./fat.js";
export { FAT_ATTR, FatError, FatVolume } from "./fat.js";
export type { UefiAction, UefiOptions } from "./firmware.js";
export { REMOVABLE_MEDIA_PATH, RT_SUPPORTED, SERVICES, UEFI_HVC_BASE, UefiFirmware } from "./firmware.js";
export type { DiskReader, GptEntry, GptTable } from "./gpt.js";
export { GPT_PARTITION_TYPE, GptError, readGpt } from "./gpt.js";
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
export { filePathNode, hardDriveNode, STORAGE_GUID } from "./storage.js";
export type { EfiVariable } from "./vars.js";
export {
  EFI_VARIABLE_APPEND_WRITE,
  EFI_VARIABLE_BOOTSERVICE_ACCESS,
  EFI_VARIABLE_NON_VOLATILE,
  EFI_VARIABLE_RUNTIME_ACCESS,
  VariableStore,
  VariableStoreError,
} from "./vars.js";
