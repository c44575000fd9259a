export type { CfiFlashBank, CfiFlashOptions } from "./cfi-flash.js";
export { CfiFlash, describeCfiFlash } from "./cfi-flash.js";
export type { FlashFileOptions } from "./file-store.js";
export { FlashFile } from "./file-store.js";
export * as CFI from "./regs.js";
export { VIRT_FLASH_BANK_SIZE, VIRT_FLASH_BANK_WIDTH, VIRT_FLASH_BLOCK_SIZE } from "./regs.js";
