// Intel/Sharp extended command set (CFI primary vendor command set 0x0001) and the Common Flash
// Interface query structure (JEDEC JESD68.01, "Common Flash Interface"), as commands and offsets.

/** Commands, written as data (each device of an interleaved bank sees its byte lane). */
export const CMD_READ_ARRAY = 0xff;
export const CMD_READ_ID = 0x90;
export const CMD_CFI_QUERY = 0x98;
export const CMD_READ_STATUS = 0x70;
export const CMD_CLEAR_STATUS = 0x50;
export const CMD_WORD_PROGRAM = 0x40;
export const CMD_WORD_PROGRAM_ALT = 0x10;
export const CMD_BUFFERED_PROGRAM = 0xe8;
export const CMD_BLOCK_ERASE = 0x20;
export const CMD_CONFIRM = 0xd0;
export const CMD_LOCK_SETUP = 0x60;
export const CMD_LOCK_BLOCK = 0x01;
export const CMD_LOCK_DOWN = 0x2f;
/** After CMD_LOCK_SETUP, CMD_CONFIRM unlocks the block. */
export const CMD_UNLOCK_BLOCK = CMD_CONFIRM;

/** Status register bits. */
export const SR_READY = 0x80;
export const SR_ERASE_ERROR = 0x20;
export const SR_PROGRAM_ERROR = 0x10;
export const SR_VPP_LOW = 0x08;
export const SR_BLOCK_LOCKED = 0x02;

/** Read-identifier mode: chip word offsets within a block. */
export const ID_MANUFACTURER = 0x00;
export const ID_DEVICE = 0x01;
export const ID_BLOCK_LOCK = 0x02;
/** Intel's JEDEC manufacturer code. */
export const MANUFACTURER_INTEL = 0x0089;

/** CFI query: where "QRY" starts (chip word address). */
export const CFI_QRY = 0x10;
/** CFI query: where the primary vendor-specific extended table starts. */
export const CFI_PRI = 0x31;
/** CFI primary command set: Intel/Sharp extended. */
export const CFI_CMDSET_INTEL = 0x0001;
/** CFI device interface code: x16 asynchronous. */
export const CFI_INTERFACE_X16 = 0x0001;

/** The qemu layout's banks: two of 64 MiB with 256 KiB erase blocks, 32 bits wide. */
export const VIRT_FLASH_BANK_SIZE = 64 * 1024 * 1024;
export const VIRT_FLASH_BLOCK_SIZE = 256 * 1024;
export const VIRT_FLASH_BANK_WIDTH = 4;
