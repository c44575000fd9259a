export type { Pl011Options, Pl011Placement, SerialBackend } from "./pl011.js";
export { describePl011, Pl011 } from "./pl011.js";
export * as PL011 from "./regs.js";
export { PL011_SIZE } from "./regs.js";
