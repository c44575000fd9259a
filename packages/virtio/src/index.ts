export type { BalloonBackend } from "./balloon.js";
export { VirtioBalloon, VirtioBalloonFeature } from "./balloon.js";
export type { VirtioBlkOptions } from "./blk.js";
export {
  VirtioBlk,
  VirtioBlkFeature,
  VirtioBlkStatus,
  VirtioBlkType,
} from "./blk.js";
export type { ConsoleBackend } from "./console.js";
export {
  BufferConsoleBackend,
  streamConsoleBackend,
  VirtioConsole,
  VirtioConsoleFeature,
} from "./console.js";
export * from "./constants.js";
export * from "./device.js";
export * from "./gpu.js";
export * from "./gpu-edid.js";
export * from "./mmio.js";
export * from "./net.js";
export * from "./packed.js";
export * from "./pci.js";
export * from "./queue.js";
export type { EntropySource } from "./rng.js";
export { cryptoEntropy, VirtioRng } from "./rng.js";
