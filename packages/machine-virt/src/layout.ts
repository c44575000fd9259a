/** Size of the PCI I/O window when a layout gives a base but no size (64 KiB of port space). */
export const PCI_IO_DEFAULT_SIZE = 0x1_0000;

/** Where each part of the virt board sits. All addresses are guest-physical. */
export interface VirtLayout {
  name: "vz" | "qemu";
  gicd: number;
  /** First redistributor; each CPU's GICR frame pair takes 128 KiB after it. */
  gicr: number;
  gicrSpace: number;
  /** GICv3 ITS frame (qemu layout), or undefined. */
  its?: number;
  /** GICv2m MSI frame (vz layout), or undefined. */
  v2m?: number;
  /** First SPI (INTID) of the v2m frame and how many. */
  v2mSpiBase?: number;
  v2mSpiCount?: number;
  uart: number;
  uartSpi: number;
  rtc: number;
  rtcSpi: number;
  ecam: number;
  ecamSize: number;
  pciMmio32: number;
  pciMmio32Size: number;
  pciMmio64: number;
  pciMmio64Size: number;
  pciIo?: number;
  pciIoSize?: number;
  /** First of four SPIs for PCI INTA..INTD. */
  pciIntxSpi: number;
  /** SMMUv3 register frame, used with `iommu: "smmuv3"` (absent: the layout has no SMMU). */
  smmu?: number;
  /** First of the SMMU's four SPIs (eventq, priq, cmdq-sync, gerror; edge-triggered). */
  smmuSpi?: number;
  ramBase: number;
  /** QEMU's fw_cfg MMIO window (layouts that boot firmware with `firmware`). */
  fwCfg?: number;
  /** The two CFI flash banks: firmware code, then its variable store (with `fwCfg`). */
  flash?: readonly [number, number];
}

/** Modelled on Apple's Virtualization.framework guests (seed 001 and its MADT facts). */
export const VZ_LAYOUT: VirtLayout = {
  name: "vz",
  gicd: 0x1000_0000,
  gicr: 0x1001_0000,
  gicrSpace: 0x20_0000 - 0x1_0000,
  v2m: 0x1fff_0000,
  v2mSpiBase: 32 + 64,
  v2mSpiCount: 128,
  uart: 0x2001_0000,
  uartSpi: 1,
  rtc: 0x2005_0000,
  rtcSpi: 2,
  ecam: 0x4000_0000,
  ecamSize: 0x1000_0000,
  pciMmio32: 0x5000_0000,
  pciMmio32Size: 0x2000_0000,
  pciMmio64: 0x80_0000_0000,
  pciMmio64Size: 0x80_0000_0000,
  pciIntxSpi: 3,
  // Virtualization.framework has no SMMU: a free window after the PrimeCells and free SPIs.
  smmu: 0x2008_0000,
  smmuSpi: 12,
  ramBase: 0x7000_0000,
};

/** QEMU's `-M virt` layout, so software written for it runs unchanged. */
export const QEMU_LAYOUT: VirtLayout = {
  name: "qemu",
  gicd: 0x0800_0000,
  gicr: 0x080a_0000,
  gicrSpace: 0x00f6_0000,
  its: 0x0808_0000,
  uart: 0x0900_0000,
  uartSpi: 1,
  rtc: 0x0901_0000,
  rtcSpi: 2,
  ecam: 0x3f00_0000,
  ecamSize: 0x0100_0000,
  pciMmio32: 0x1000_0000,
  pciMmio32Size: 0x2eff_0000,
  pciMmio64: 0x80_0000_0000,
  pciMmio64Size: 0x80_0000_0000,
  pciIo: 0x3eff_0000,
  pciIoSize: 0x1_0000,
  pciIntxSpi: 3,
  // Where QEMU's virt puts its SMMUv3 (-M virt,iommu=smmuv3).
  smmu: 0x0905_0000,
  smmuSpi: 74,
  ramBase: 0x4000_0000,
  fwCfg: 0x0902_0000,
  flash: [0x0000_0000, 0x0400_0000],
};

export const LAYOUTS = { vz: VZ_LAYOUT, qemu: QEMU_LAYOUT } as const;
