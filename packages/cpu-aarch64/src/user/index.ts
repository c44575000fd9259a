export type { ElfImage, ElfSegment } from "./elf.js";
export { ElfError, parseElf } from "./elf.js";
export type { UserOptions } from "./process.js";
export { runUserProgram, UserProcess } from "./process.js";
