export type { ConsoleSink, SerialSink, StreamConsole } from "./console.js";
export { BoardConsole, lastConsole } from "./console.js";
export type { BoardIdentity } from "./describe.js";
export { BOARD_PHANDLES, describeBoardAcpi, describeBoardDt } from "./describe.js";
export type { FirmwareCpuView, FirmwareTranslationRegs } from "./firmware.js";
export { firmwareCpuView } from "./firmware.js";
export type { PartInterrupt } from "./interrupts.js";
export { ARCH_PPI, dtInterrupts, level, spi } from "./interrupts.js";
export { BoardMachine } from "./machine.js";
export type { AcpiContext, BoardPart, DtContext, DtPhandles, MmioWindow } from "./parts.js";
export { attachParts, describePartsAcpi, describePartsDt, partWindows, presentParts } from "./parts.js";
export type { CpuPowerState, PsciPlatform } from "./psci.js";
export { AffinityState, Psci, PsciReturn } from "./psci.js";
export type {
  BoardMachineOptions,
  BoardRuntimeOptions,
  CpuInterruptController,
  ExceptionLoop,
  GicBoardOptions,
  MachineStop,
  VcpuOptions,
} from "./runtime.js";
export {
  BoardRuntime,
  checkInstructionBudget,
  createGicBoard,
  createGicCpus,
  describeExceptionLoop,
  EXCEPTION_LOOP_LIMIT,
} from "./runtime.js";
export {
  BoardSnapshots,
  checkSnapshot,
  readBoardSnapshot,
  readSnapshotFile,
  restoreSnapshotFile,
  stateHash,
  writeSnapshotFile,
} from "./snapshot.js";
