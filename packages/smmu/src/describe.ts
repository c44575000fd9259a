/**
 * How an SMMUv3 describes itself to a guest: a devicetree node (Documentation/devicetree/
 * bindings/iommu/arm,smmu-v3.yaml) plus the `iommu-map` / `iommus` properties of the masters
 * behind it. The ACPI IORT nodes are in ./acpi.ts (`@armature/smmu/acpi`).
 */
import { type FdtNode, setReg } from "@armature/fdt";
import { SMMU_MMIO_SIZE } from "./regs.js";

export interface SmmuV3Placement {
  base: number;
  /**
   * The wired interrupts as the parent controller's specifier cells (a GICv3: `<0 spi 1>`, edge:
   * the SMMU signals them as pulses). `cmdqSync` is optional.
   */
  interrupts: { eventq: readonly number[]; gerror: readonly number[]; cmdqSync?: readonly number[] };
  phandle: number;
  /** Table walks and queues are cache-coherent (IDR0.COHACC = 1): default true. */
  coherent?: boolean;
}

/** Adds `smmuv3@<base>` (compatible "arm,smmu-v3", its interrupts, #iommu-cells = <1>). */
export function describeSmmuV3Dt(parent: FdtNode, p: SmmuV3Placement): FdtNode {
  const names = ["eventq", "gerror"];
  const irqs = [...p.interrupts.eventq, ...p.interrupts.gerror];
  if (p.interrupts.cmdqSync !== undefined) {
    names.push("cmdq-sync");
    irqs.push(...p.interrupts.cmdqSync);
  }
  const n = parent.addChild(`smmuv3@${p.base.toString(16)}`).setStrings("compatible", ["arm,smmu-v3"]);
  setReg(n, parent, [{ address: p.base, size: SMMU_MMIO_SIZE }]);
  n.setCells("interrupts", irqs)
    .setStrings("interrupt-names", names)
    .setCells("#iommu-cells", [1])
    .setPhandle(p.phandle);
  if (p.coherent !== false) n.setEmpty("dma-coherent");
  return n;
}

/** `iommu-map = <rid-base &smmu sid-base length>` on a PCI host bridge node (identity RID -> StreamID by default). */
export function setPciIommuMap(
  host: FdtNode,
  smmuPhandle: number,
  ridBase = 0,
  sidBase = 0,
  length = 0x10000,
): void {
  host.setCells("iommu-map", [ridBase, smmuPhandle, sidBase, length]);
}

/** `iommus = <&smmu sid>` on a platform DMA master. */
export function setIommus(node: FdtNode, smmuPhandle: number, streamId: number): void {
  node.setCells("iommus", [smmuPhandle, streamId]);
}
