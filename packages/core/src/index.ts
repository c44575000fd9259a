export type { BlockBackend, BlockBackendOptions } from "./block.js";
export {
  BlockAccessError,
  blockRangeOk,
  FileBlockBackend,
  MemoryBlockBackend,
  ReadOnlyBlockBackend,
} from "./block.js";
export type { AccessSize, MmioDevice, Region } from "./bus.js";
export { Bus, MmioRegion } from "./bus.js";
export { getU32LE, putU32LE, withRoom } from "./bytes.js";
export type { ClockMode, ClockOptions } from "./clock.js";
export { Timer, VirtualClock } from "./clock.js";
export { crc32 } from "./crc32.js";
export type {
  DisplayCursor,
  DisplayListener,
  DisplayRect,
  InputListener,
  KeyEvent,
  PointerEvent,
} from "./display.js";
export { Display, MAX_DISPLAY_SIDE, PointerButton } from "./display.js";
export type { DmaSpace, DmaTranslation, DmaTranslator } from "./dma.js";
export { BusDmaSpace, DmaStatus, dma, TranslatingDmaSpace } from "./dma.js";
export type { SeededBytes } from "./entropy.js";
export { seededBytes } from "./entropy.js";
export type { BusErrorKind, RegionLike } from "./errors.js";
export { ArmatureError, BusError, ConfigError, hex, RegionOverlapError } from "./errors.js";
export type { IrqController, IrqLine } from "./irq.js";
export { irqLine, unconnectedIrqLine } from "./irq.js";
export type { Logger } from "./log.js";
export { RateLimitedLog, setLogger } from "./log.js";
export type { GuestBuffer, PhysAddr } from "./memory.js";
export { MAX_RAM_REGION, RamRegion } from "./memory.js";
export type { MsiSink } from "./msi.js";
export { nullMsiSink } from "./msi.js";
export { MsixTable, msixPbaRead, msixTableRead, msixTableWrite } from "./msix.js";
export type { NetBackend } from "./net.js";
export { createNetLink, NullNetBackend } from "./net.js";
export type { PciBar, PciBarKind, PciFunction, PciFunctionHost, PciIds } from "./pci.js";
export type {
  DecodedSnapshot,
  DiskIdentity,
  SnapshotErrorReason,
  SnapshotHeader,
  SnapshotSection,
  Snapshottable,
} from "./snapshot.js";
export {
  decodeSnapshot,
  diskChange,
  diskIdentity,
  diskSnapshot,
  encodeSnapshot,
  ramSnapshot,
  restoreSections,
  SNAPSHOT_FORMAT_VERSION,
  SNAPSHOT_MAGIC,
  SnapshotError,
  StateReader,
  StateWriter,
} from "./snapshot.js";
export type { SysRegBlock } from "./sysreg.js";
export { sysRegKey, sysRegKeyName } from "./sysreg.js";
