export type { Pl031Options, Pl031Placement } from "./pl031.js";
export {
  describePl031,
  Pl031,
  RTCCR,
  RTCDR,
  RTCICR,
  RTCIMSC,
  RTCLR,
  RTCMIS,
  RTCMR,
  RTCRIS,
} from "./pl031.js";
