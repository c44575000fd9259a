import { type FdtNode, setReg, toCells } from "@armature/fdt";
import type { PciHostBridge, PciWindow } from "./bridge.js";

/**
 * What describing a host bridge needs, as plain data (a `PciHostBridge` is one): a board can
 * describe itself from its layout without building the bridge.
 */
export type PciBridgeShape = Pick<PciHostBridge, "ecamBase" | "ecamSize" | "busRange" | "io" | "mmio64"> & {
  readonly mmio32: PciWindow | undefined;
};

/** How the bridge's interrupts and MSIs reach the interrupt controller, for describe(). */
export interface PciDescribeOptions {
  /** phandle of the INTx interrupt parent (e.g. the GIC). */
  interruptParent: number;
  /** The parent's interrupt specifier for host lines INTA..INTD, e.g. GIC [0, spi, 4]. */
  intxSpecifiers: readonly (readonly number[])[];
  /** The interrupt parent's #address-cells (GICv3: 2). Default 2. */
  parentUnitAddressCells?: number;
  /** phandle of the MSI controller (an ITS or GICv2m frame); sets `msi-parent`. */
  msiParent?: number;
  /** Use `msi-map = <0 msiParent 0 0x10000>` (requester id = device id) instead of msi-parent. */
  msiMap?: boolean;
  /** The bridge's parent #address-cells / #size-cells (default 2 / 2). */
  addressCells?: number;
  sizeCells?: number;
  /** PCI segment / `linux,pci-domain` (default 0). */
  segment?: number;
}

/** Number of devices the interrupt-map lists before the mask makes the pattern repeat. */
const MAP_SLOTS = 4;

/**
 * Add a `pcie@<ecam base>` node: compatible "pci-host-ecam-generic" (Linux
 * Documentation/devicetree/bindings/pci/host-generic-pci.yaml, PCI bus binding IEEE 1275),
 * 3 address cells (phys.hi: space code 1 = I/O, 2 = 32-bit memory, 3 = 64-bit memory, bit 30
 * prefetchable), an interrupt-map with the standard swizzle and msi-parent / msi-map.
 */
export function describePciHostBridge(
  bridge: PciBridgeShape,
  parent: FdtNode,
  o: PciDescribeOptions,
): FdtNode {
  const ac = o.addressCells ?? 2;
  const sc = o.sizeCells ?? 2;
  const pac = o.parentUnitAddressCells ?? 2;
  const n = parent.addChild(`pcie@${bridge.ecamBase.toString(16)}`);
  n.setString("compatible", "pci-host-ecam-generic");
  n.setString("device_type", "pci");
  n.setU32("#address-cells", 3);
  n.setU32("#size-cells", 2);
  n.setU32("#interrupt-cells", 1);
  setReg(n, { addressCells: ac, sizeCells: sc }, [{ address: bridge.ecamBase, size: bridge.ecamSize }]);
  n.setCells("bus-range", [bridge.busRange[0], bridge.busRange[1]]);
  n.setU32("linux,pci-domain", o.segment ?? 0);
  n.setEmpty("dma-coherent");
  const ranges: number[] = [];
  const range = (space: number, w: PciWindow | undefined) => {
    if (w === undefined) return;
    ranges.push(
      space,
      ...toCells(w.pciBase ?? w.cpuBase, 2, "ranges PCI address"),
      ...toCells(w.cpuBase, ac, "ranges CPU address"),
      ...toCells(w.size, 2, "ranges size"),
    );
  };
  range(0x01000000, bridge.io);
  range(0x02000000, bridge.mmio32);
  range(0x03000000, bridge.mmio64);
  n.setCells("ranges", ranges);
  if (o.msiParent !== undefined) {
    if (o.msiMap) n.setCells("msi-map", [0, o.msiParent, 0, 0x10000]);
    else n.setU32("msi-parent", o.msiParent);
  }
  if (o.intxSpecifiers.length !== 4) throw new Error("intxSpecifiers needs 4 entries (INTA..INTD)");
  const map: number[] = [];
  for (let slot = 0; slot < MAP_SLOTS; slot++) {
    for (let pin = 1; pin <= 4; pin++) {
      const line = (slot + pin - 1) % 4;
      map.push(
        slot << 11,
        0,
        0,
        pin,
        o.interruptParent,
        ...new Array<number>(pac).fill(0),
        ...o.intxSpecifiers[line]!,
      );
    }
  }
  n.setCells("interrupt-map", map);
  // Device bits 12:11 (slot mod 4) and the pin select the entry.
  n.setCells("interrupt-map-mask", [0x1800, 0, 0, 7]);
  return n;
}

/** One `_CRS` resource of the PCI0 device (ACPI 6.5 §6.4.3.5 address space descriptors). */
export interface PciAcpiResource {
  kind: "bus" | "io" | "mem32" | "mem64";
  /** Range on the PCI side. */
  min: number;
  max: number;
  /** CPU address = PCI address + translation. */
  translation: number;
  length: number;
}

/** One `_PRT` entry (ACPI 6.5 §6.2.13): Package { Address, Pin, Source, SourceIndex }. */
export interface PciAcpiRoute {
  /** (device << 16) | 0xffff: any function of the device. */
  address: number;
  /** 0 = INTA .. 3 = INTD. */
  pin: number;
  /** Global system interrupt (Source is 0: a hard-wired GSI). */
  gsi: number;
}

/** Everything an ACPI generator needs for MCFG and the DSDT `PCI0` device, as plain data. */
export interface PciAcpiDescription {
  /** MCFG allocation (PCI Firmware 3.2 §4.1.2). */
  mcfg: { baseAddress: number; segment: number; startBus: number; endBus: number };
  /** PCI0 identity: _HID PNP0A08, _CID PNP0A03, _SEG, _BBN, _UID. */
  hid: "PNP0A08";
  cid: "PNP0A03";
  /** _CCA: DMA is cache coherent. */
  cca: true;
  segment: number;
  baseBus: number;
  crs: PciAcpiResource[];
  prt: PciAcpiRoute[];
}

/** The bridge as ACPI data; `intxGsis` are the GSIs of host lines INTA..INTD. */
export function pciAcpiDescription(
  bridge: PciBridgeShape,
  intxGsis: readonly number[],
  segment = 0,
): PciAcpiDescription {
  if (intxGsis.length !== 4) throw new Error("intxGsis needs 4 entries (INTA..INTD)");
  const [b0, b1] = bridge.busRange;
  const crs: PciAcpiResource[] = [{ kind: "bus", min: b0, max: b1, translation: 0, length: b1 - b0 + 1 }];
  const add = (kind: PciAcpiResource["kind"], w: PciWindow | undefined) => {
    if (w === undefined) return;
    const pci = w.pciBase ?? w.cpuBase;
    crs.push({ kind, min: pci, max: pci + w.size - 1, translation: w.cpuBase - pci, length: w.size });
  };
  add("io", bridge.io);
  add("mem32", bridge.mmio32);
  add("mem64", bridge.mmio64);
  const prt: PciAcpiRoute[] = [];
  for (let dev = 0; dev < 32; dev++) {
    for (let pin = 0; pin < 4; pin++)
      prt.push({ address: (dev << 16) | 0xffff, pin, gsi: intxGsis[(dev + pin) % 4]! });
  }
  return {
    mcfg: { baseAddress: bridge.ecamBase, segment, startBus: b0, endBus: b1 },
    hid: "PNP0A08",
    cid: "PNP0A03",
    cca: true,
    segment,
    baseBus: b0,
    crs,
    prt,
  };
}
