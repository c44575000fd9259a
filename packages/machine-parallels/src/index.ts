export type { ConsoleSink, MachineStop } from "@armature/board";
export type { ParallelsAttachments, ParallelsBoardOptions, ParallelsConfig } from "./config.js";
export {
  PARALLELS_GSIV,
  PARALLELS_LIMITS,
  PARALLELS_MAP,
  PARALLELS_MIDR,
  PARALLELS_STREAM,
  parallelsConfig,
} from "./config.js";
export { describeParallelsAcpi, describeParallelsSmbios, PARALLELS_SMBIOS } from "./describe.js";
export type { ParallelsMachineOptions } from "./machine.js";
export {
  PARALLELS_SNAPSHOT_BOARD,
  ParallelsMachine,
  parallelsUserNetwork,
} from "./machine.js";
export type { ParallelsBackends, ParallelsPart } from "./parts.js";
export { PARALLELS_PARTS, ParallelsWiring } from "./parts.js";
