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
export {
  featureBit,
  hasFeature,
  VIRTIO_MSI_NO_VECTOR,
  VIRTQ_AVAIL_F_NO_INTERRUPT,
  VIRTQ_DESC_F_INDIRECT,
  VIRTQ_DESC_F_NEXT,
  VIRTQ_DESC_F_WRITE,
  VIRTQ_USED_F_NO_NOTIFY,
  VirtioDeviceId,
  VirtioFeature,
  VirtioStatus,
} from "./constants.js";
export type {
  QueueRegs,
  VirtioCoreOptions,
  VirtioDevice,
  VirtioDeviceContext,
  VirtioInterrupt,
} from "./device.js";
export { VirtioCore } from "./device.js";
export type { VirtioGpuOptions } from "./gpu.js";
export {
  VIRTIO_GPU_CTRL_HDR_SIZE,
  VIRTIO_GPU_EVENT_DISPLAY,
  VIRTIO_GPU_FLAG_FENCE,
  VIRTIO_GPU_FLAG_INFO_RING_IDX,
  VIRTIO_GPU_MAX_BACKING_ENTRIES,
  VIRTIO_GPU_MAX_CURSOR_SIDE,
  VIRTIO_GPU_MAX_RESOURCE_SIDE,
  VIRTIO_GPU_MAX_SCANOUTS,
  VirtioGpu,
  VirtioGpuCmd,
  VirtioGpuFeature,
  VirtioGpuFormat,
  VirtioGpuResp,
} from "./gpu.js";
export type { EdidOptions, EdidTiming } from "./gpu-edid.js";
export {
  decodeDetailedTiming,
  EDID_MAX_SIDE,
  EDID_MIN_HEIGHT,
  EDID_MIN_WIDTH,
  edidTiming,
  encodeDetailedTiming,
  encodeEdid,
} from "./gpu-edid.js";
export type { VirtioMmioAcpiDevice, VirtioMmioOptions, VirtioMmioPlacement } from "./mmio.js";
export {
  ARMATURE_VIRTIO_VENDOR,
  VIRTIO_MMIO_MAGIC,
  VIRTIO_MMIO_SIZE,
  VirtioMmio,
  VirtioMmioReg,
} from "./mmio.js";
export type { NetBackend } from "./net.js";
export {
  createNetLink,
  inetChecksum,
  parseMac,
  UserNetPeer,
  VIRTIO_NET_HDR_SIZE,
  VirtioNet,
  VirtioNetFeature,
} from "./net.js";
export {
  PackedQueue,
  RING_EVENT_FLAGS_DESC,
  RING_EVENT_FLAGS_DISABLE,
  RING_EVENT_FLAGS_ENABLE,
  VIRTQ_DESC_F_AVAIL,
  VIRTQ_DESC_F_USED,
} from "./packed.js";
export type { VirtioPciOptions } from "./pci.js";
export {
  VIRTIO_PCI_COMMON,
  VIRTIO_PCI_DEVICE,
  VIRTIO_PCI_ISR,
  VIRTIO_PCI_MSIX_PBA,
  VIRTIO_PCI_NOTIFY,
  VIRTIO_PCI_NOTIFY_MULTIPLIER,
  VirtioPciCap,
  VirtioPciFunction,
} from "./pci.js";
export type { QueueConfig, Virtqueue } from "./queue.js";
export { DescChain, MAX_DMA_ADDRESS, MAX_INDIRECT_ENTRIES, SplitQueue } from "./queue.js";
export type { EntropySource } from "./rng.js";
export { cryptoEntropy, VirtioRng } from "./rng.js";
