export { desEncryptBlock, vncAuthResponse } from "./des.js";
export { keysymToHidUsage } from "./keysym.js";
export { crc32, encodePng, screenshot, writeScreenshot } from "./png.js";
export type { DisplaySpec } from "./spec.js";
export { parseDisplaySpec } from "./spec.js";
export * from "./vnc.js";
