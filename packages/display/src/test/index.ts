export type { GpuGuestReport, GuestShell } from "./guest-gpu.js";
export { checkVirtioGpuGuest, haveTesseract, ocrDisplay, ocrPng, upscaledPng } from "./guest-gpu.js";
export type { RfbRect } from "./rfb-client.js";
export { RfbTestClient } from "./rfb-client.js";
