import type { MmioDevice } from "./bus.js";
import type { MsiSink } from "./msi.js";

/**
 * The contract between a PCI host bridge (packages/pci) and a PCI function (an endpoint such as
 * virtio-pci). Interfaces only: the bridge implements `PciFunctionHost`, a function implements
 * `PciFunction`. Neither side imports the other's package.
 *
 * Split of the 4 KiB configuration space (PCI Local Bus 3.0 §6.1, PCIe Base §7.5.1 type-0 header):
 * the bridge owns the predefined header 0x00..0x3f (IDs, Command/Status, BARs and their sizing,
 * Capabilities Pointer, Interrupt Line/Pin), built from `ids`, `bars` and `capabilityPointer`;
 * the function owns 0x40..0xfff (its capability structures and any extended capabilities).
 */

/** How a BAR decodes (PCI 3.0 §6.2.5.1). */
export type PciBarKind = "mem32" | "mem64" | "io";

/** One Base Address Register a function implements. */
export interface PciBar {
  /** BAR index 0..5. A `mem64` BAR also consumes index + 1. */
  readonly index: number;
  /** Size in bytes: a power of two, >= 16 for memory BARs, >= 4 (<= 256) for I/O BARs. */
  readonly size: number;
  readonly kind: PciBarKind;
  /** Prefetchable memory (bit 3); ignored for I/O BARs. */
  readonly prefetchable: boolean;
  /** What answers accesses inside the BAR once the bridge maps it; offsets are from the BAR base. */
  readonly device: MmioDevice;
}

/** The fixed identification fields of a type-0 header. */
export interface PciIds {
  readonly vendorId: number;
  readonly deviceId: number;
  readonly revisionId: number;
  /** 24 bits: base class << 16 | subclass << 8 | programming interface. */
  readonly classCode: number;
  readonly subsystemVendorId: number;
  readonly subsystemId: number;
  /** Interrupt Pin register: 0 = no INTx, 1..4 = INTA#..INTD#. */
  readonly interruptPin: number;
}

/** What the bridge gives a function when it is attached at a bus/device/function address. */
export interface PciFunctionHost {
  /** Requester id (bus << 8 | device << 3 | function): the device id MSIs are tagged with. */
  readonly requesterId: number;
  /** Where the function's MSI / MSI-X writes go (call with `requesterId`). */
  readonly msi: MsiSink;
  /** Drive this function's INTx pin (the bridge applies the swizzle and Command.InterruptDisable). */
  setIntx(asserted: boolean): void;
  /** Command register bit 2: the function may master the bus (DMA, MSI) only while this is true. */
  busMasterEnabled(): boolean;
}

/** A PCI function (type-0 header) as the bridge sees it. */
export interface PciFunction {
  readonly ids: PciIds;
  /** The BARs this function implements (unlisted indices read as zero and are not writable). */
  readonly bars: readonly PciBar[];
  /** Offset of the first capability in 0x40..0xfc, or 0 for none (sets Status.CapabilitiesList). */
  readonly capabilityPointer: number;
  /** Read the function-owned config space (offset 0x40..0xfff, naturally aligned). */
  configRead(offset: number, size: 1 | 2 | 4): number;
  /** Write the function-owned config space (offset 0x40..0xfff, naturally aligned). */
  configWrite(offset: number, size: 1 | 2 | 4, value: number): void;
  /** Called once when the bridge attaches the function. */
  attach(host: PciFunctionHost): void;
  /** Optional: a BAR became visible at `address` (CPU physical), or -1 when it stops decoding. */
  barMapped?(index: number, address: number): void;
  /** Optional: the Command register changed (bit 0 I/O, 1 memory, 2 bus master, 10 INTx disable). */
  commandChanged?(command: number): void;
}
