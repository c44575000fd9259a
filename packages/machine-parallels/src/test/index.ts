// Test helpers for the Parallels-like board: a GPT partition table written onto a block backend
// (the EFI System Partition a UEFI boot manager looks for).
export type { GptPartition } from "./gpt.js";
export { GPT_TYPE, writeGpt } from "./gpt.js";
