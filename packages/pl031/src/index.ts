export type { Pl031Options, Pl031Placement } from "./pl031.js";
export { describePl031, Pl031 } from "./pl031.js";
export * as PL031 from "./regs.js";
export {
  PL031_SIZE,
  RTCCR,
  RTCDR,
  RTCICR,
  RTCIMSC,
  RTCLR,
  RTCMIS,
  RTCMR,
  RTCRIS,
} from "./regs.js";
