export type { UefiBoardSpec } from "./board.js";
export { boardUefiCall, boardUefiPlatform } from "./board.js";
export * from "./bootopt.js";
export { crc32 } from "./crc32.js";
export type { FatNode, FatTime, VolumeReader } from "./fat.js";
export { FAT_ATTR, FatError, FatVolume } from "./fat.js";
export * from "./firmware.js";
export * from "./gpt.js";
export { GUID, guidBytes, guidText } from "./guid.js";
export * from "./memmap.js";
export type { MapRange, TranslationRegs } from "./mmu.js";
export { buildIdentityMap, walkStage1 } from "./mmu.js";
export * from "./pe.js";
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
