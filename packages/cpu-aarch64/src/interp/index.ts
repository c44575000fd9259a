export type {
  BootEntryState,
  CpuExit,
  CpuOptions,
  ExitReason,
  HostDebugHooks,
  RepeatedException,
} from "./cpu.js";
export { CPU_ENGINES, Cpu, HOST_DEBUG_STOP, PageCache, resolveCpuEngine, X_SP } from "./cpu.js";
export { isImplemented, UNIMPLEMENTED_IDS } from "./dispatch.js";
export type { IdRegs } from "./idregs.js";
export { hwcapsFromIdRegs, idRegsFor } from "./idregs.js";
export { EC, ecFrom, ecOf, esr, FSC, ISS_ISV, ISS_WNR } from "./syndrome.js";
export { SR } from "./sysregs.js";
