import { type FdtNode, setReg } from "@armature/fdt";
import { AHCI_MMIO_SIZE } from "./regs.js";

/** Where a platform (MMIO) AHCI sits, for `describeAhciDt`. */
export interface AhciDtPlacement {
  base: number;
  /** Register window size (default 0x2000, all 32 ports). */
  size?: number;
  /** Interrupt specifier cells for the parent controller, e.g. GIC [0 (SPI), n, 4 (level)]. */
  interrupts: readonly number[];
  /** Parent #address-cells / #size-cells (default 2 / 2). */
  addressCells?: number;
  sizeCells?: number;
}

/**
 * Add a `sata@<base>` node with compatible "generic-ahci" (Linux
 * Documentation/devicetree/bindings/ata/ahci-common.yaml / ahci-platform), reg, interrupts and
 * dma-coherent under `parent`.
 */
export function describeAhciDt(parent: FdtNode, at: AhciDtPlacement): FdtNode {
  const n = parent.addChild(`sata@${at.base.toString(16)}`);
  n.setString("compatible", "generic-ahci");
  const regCells = { addressCells: at.addressCells ?? 2, sizeCells: at.sizeCells ?? 2 };
  setReg(n, regCells, [{ address: at.base, size: at.size ?? AHCI_MMIO_SIZE }]);
  n.setCells("interrupts", at.interrupts);
  n.setEmpty("dma-coherent");
  return n;
}
