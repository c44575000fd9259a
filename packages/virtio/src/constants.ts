/** Device status bits (virtio 1.2 §2.1). */
export const VirtioStatus = {
  ACKNOWLEDGE: 1,
  DRIVER: 2,
  DRIVER_OK: 4,
  FEATURES_OK: 8,
  DEVICE_NEEDS_RESET: 0x40,
  FAILED: 0x80,
} as const;

/** Reserved (transport / ring) feature bits (virtio 1.2 §6). */
export const VirtioFeature = {
  RING_INDIRECT_DESC: 28,
  RING_EVENT_IDX: 29,
  VERSION_1: 32,
  ACCESS_PLATFORM: 33,
  RING_PACKED: 34,
  IN_ORDER: 35,
  ORDER_PLATFORM: 36,
  SR_IOV: 37,
  NOTIFICATION_DATA: 38,
  NOTIF_CONFIG_DATA: 39,
  RING_RESET: 40,
} as const;

/** Device IDs (virtio 1.2 §5). */
export const VirtioDeviceId = {
  NET: 1,
  BLOCK: 2,
  CONSOLE: 3,
  ENTROPY: 4,
  BALLOON: 5,
  GPU: 16,
} as const;

/** Split-ring descriptor flags (virtio 1.2 §2.7.5). */
export const VIRTQ_DESC_F_NEXT = 1;
export const VIRTQ_DESC_F_WRITE = 2;
export const VIRTQ_DESC_F_INDIRECT = 4;
/** avail->flags: the driver does not want interrupts (§2.7.7). */
export const VIRTQ_AVAIL_F_NO_INTERRUPT = 1;
/** used->flags: the device does not want notifications (§2.7.10). */
export const VIRTQ_USED_F_NO_NOTIFY = 1;

/** No MSI-X vector (§4.1.5.1.2). */
export const VIRTIO_MSI_NO_VECTOR = 0xffff;

/** The bit mask of feature `bit` as a bigint. */
export function featureBit(bit: number): bigint {
  return 1n << BigInt(bit);
}

/** Whether `features` has feature `bit`. */
export function hasFeature(features: bigint, bit: number): boolean {
  return ((features >> BigInt(bit)) & 1n) === 1n;
}
