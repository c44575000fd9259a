/**
 * MSIs from devices behind the SMMU are ordinary memory writes: the doorbell address a device
 * holds is an IOVA (Linux maps the ITS / GICv2m doorbell into each DMA domain at MSI_IOVA_BASE),
 * so it is translated like DMA before the interrupt controller sees it.
 */
import {
  type DmaSpace,
  DmaStatus,
  type DmaTranslation,
  type DmaTranslator,
  type MsiSink,
} from "@armature/core";

/**
 * An MsiSink that translates each MSI's address through `smmu` with StreamID `streamIdOf(deviceId)`
 * (identity by default: PCI RID = StreamID, as an `iommu-map = <0 &smmu 0 0x10000>` says), then
 * forwards it to `inner`. A faulting MSI is dropped (the SMMU records the event) and returns false.
 */
export function translatingMsiSink(
  smmu: DmaTranslator,
  inner: MsiSink,
  streamIdOf: (deviceId: number) => number = (id) => id,
): MsiSink {
  const t: DmaTranslation = { status: DmaStatus.Ok, pa: 0, limit: 0 };
  return {
    sendMsi(address: number, data: number, deviceId: number): boolean {
      smmu.translate(streamIdOf(deviceId), address, true, t);
      if (t.status !== DmaStatus.Ok || t.limit < 4) return false;
      return inner.sendMsi(t.pa, data, deviceId);
    },
  };
}

/**
 * A DMA space that bypasses the IOMMU until the device says it is platform-aware: virtio devices
 * that did not negotiate VIRTIO_F_ACCESS_PLATFORM (Linux's virtio_balloon clears it) use guest
 * physical addresses (virtio 1.2 §6.1; QEMU gives such devices the plain memory address space).
 * `translated()` is asked at each access (e.g. `() => (fn.core.features & (1n << 33n)) !== 0n`).
 */
export class PlatformDmaSpace implements DmaSpace {
  constructor(
    private readonly physical: DmaSpace,
    private readonly iommu: DmaSpace,
    private readonly translated: () => boolean,
  ) {}
  read(addr: number, dst: Uint8Array): DmaStatus {
    return (this.translated() ? this.iommu : this.physical).read(addr, dst);
  }
  write(addr: number, src: Uint8Array): DmaStatus {
    return (this.translated() ? this.iommu : this.physical).write(addr, src);
  }
}
