/**
 * MSIs from devices behind the SMMU are ordinary memory writes: the doorbell address a device
 * holds is an IOVA (Linux maps the ITS / GICv2m doorbell into each DMA domain at MSI_IOVA_BASE),
 * so it is translated like DMA before the interrupt controller sees it.
 */
import { DmaStatus, type DmaTranslation, type DmaTranslator, type MsiSink } from "@armature/core";

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
