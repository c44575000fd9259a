import {
  type DmaSpace,
  DmaStatus,
  getUintLE,
  type MmioDevice,
  MsixTable,
  type PciBar,
  type PciFunction,
  type PciFunctionHost,
  type PciIds,
  type Snapshottable,
  type StateReader,
  type StateWriter,
} from "@armature/core";
import { EHCI_MMIO_SIZE, EhciController, type EhciOptions } from "./ehci.js";
import { XHCI_MMIO_SIZE, XhciController, type XhciOptions } from "./xhci.js";

/** BAR 0 of the xHCI function: registers, then the MSI-X table and PBA. */
export const XHCI_PCI_MSIX_TABLE = 0x4000;
export const XHCI_PCI_MSIX_PBA = 0x5000;
export const XHCI_PCI_BAR_SIZE = 0x8000;

// Config space: SBRN/FLADJ at 0x60 (xHCI 1.2 §5.2.3-4, EHCI 1.0 §2.1.4-5), MSI-X at 0x70.
const CFG_SBRN = 0x60;
const CAP_MSIX = 0x70;

export interface XhciPciOptions extends Omit<XhciOptions, "irq" | "interrupts" | "dma"> {
  dma: DmaSpace;
  ids?: Partial<PciIds>;
}

/** A DMA space that refuses every access while Bus Master Enable is clear (PCI 3.0 §6.2.2). */
class BusMasterGate implements DmaSpace {
  host: PciFunctionHost | undefined;
  constructor(private readonly inner: DmaSpace) {}
  read(addr: number, dst: Uint8Array): DmaStatus {
    return this.host?.busMasterEnabled() === false ? DmaStatus.Unmapped : this.inner.read(addr, dst);
  }
  write(addr: number, src: Uint8Array): DmaStatus {
    return this.host?.busMasterEnabled() === false ? DmaStatus.Unmapped : this.inner.write(addr, src);
  }
}

/**
 * The xHCI controller as a PCI function: class 0C/03/30 (like QEMU's qemu-xhci), registers in a
 * 64-bit BAR 0 with the MSI-X table and PBA behind them, one MSI-X vector per interrupter, INTA#
 * when MSI-X is off.
 */
export class XhciPciFunction implements PciFunction, Snapshottable {
  readonly ids: PciIds;
  readonly bars: readonly PciBar[];
  readonly capabilityPointer = CAP_MSIX;
  readonly xhci: XhciController;
  readonly msix: MsixTable;
  private host: PciFunctionHost | undefined;
  private readonly gate: BusMasterGate;

  constructor(opts: XhciPciOptions) {
    this.gate = new BusMasterGate(opts.dma);
    const { ids, dma: _dma, ...rest } = opts;
    this.xhci = new XhciController({
      ...rest,
      dma: this.gate,
      interrupts: {
        // The controller asks during its own construction, before the table exists.
        msiEnabled: () => this.msix?.enabled,
        message: (n) => {
          const h = this.host;
          if (h?.busMasterEnabled()) this.msix.signal(n, h.msi, h.requesterId);
        },
        setLevel: (l) => this.host?.setIntx(l),
      },
    });
    this.msix = new MsixTable(this.xhci.numInterrupters);
    this.ids = {
      vendorId: 0x1b36,
      deviceId: 0x000d,
      revisionId: 1,
      classCode: 0x0c0330,
      subsystemVendorId: 0x1af4,
      subsystemId: 0x1100,
      interruptPin: 1,
      ...ids,
    };
    const xhci = this.xhci;
    const bar0: MmioDevice = {
      read: (o, s) => {
        if (o < XHCI_MMIO_SIZE) return xhci.read(o, s);
        if (o >= XHCI_PCI_MSIX_PBA) return this.msix.readPba(o - XHCI_PCI_MSIX_PBA, s);
        if (o >= XHCI_PCI_MSIX_TABLE) return this.msix.readTable(o - XHCI_PCI_MSIX_TABLE, s);
        return 0;
      },
      write: (o, s, v) => {
        if (o < XHCI_MMIO_SIZE) xhci.write(o, s, v);
        else if (o >= XHCI_PCI_MSIX_TABLE && o < XHCI_PCI_MSIX_PBA)
          this.msix.writeTable(o - XHCI_PCI_MSIX_TABLE, s, v, this.host?.msi, this.host?.requesterId ?? 0);
      },
      read64: (o) =>
        o < XHCI_MMIO_SIZE ? xhci.read64(o) : BigInt(bar0.read(o, 4)) | (BigInt(bar0.read(o + 4, 4)) << 32n),
      write64: (o, v) => {
        if (o < XHCI_MMIO_SIZE) xhci.write64(o, v);
        else {
          bar0.write(o, 4, Number(v & 0xffffffffn));
          bar0.write(o + 4, 4, Number(v >> 32n));
        }
      },
    };
    this.bars = [{ index: 0, size: XHCI_PCI_BAR_SIZE, kind: "mem64", prefetchable: false, device: bar0 }];
  }

  attach(host: PciFunctionHost): void {
    this.host = host;
    this.gate.host = host;
  }

  /** Snapshot state version (Snapshottable, @armature/core). */
  readonly stateVersion = 1;

  /** Save the MSI-X table, PBA and control, then the controller (rings, slots, devices). */
  saveState(w: StateWriter): void {
    this.msix.saveState(w);
    this.xhci.saveState(w);
  }

  loadState(r: StateReader): () => void {
    const msix = this.msix.loadState(r);
    const xhci = this.xhci.loadState(r);
    return () => {
      msix();
      xhci();
    };
  }

  configRead(offset: number, size: 1 | 2 | 4): number {
    return getUintLE(this.configBytes(), offset, size);
  }

  private configBytes(): Uint8Array {
    const b = new Uint8Array(0x100);
    b[CFG_SBRN] = 0x30; // USB 3.0
    b[CFG_SBRN + 1] = 0x20; // FLADJ default (60 MHz / 480 = 0x20)
    this.msix.putCapability(b, CAP_MSIX, 0, XHCI_PCI_MSIX_TABLE | 0, XHCI_PCI_MSIX_PBA | 0); // BIR 0
    return b;
  }

  configWrite(offset: number, size: 1 | 2 | 4, value: number): void {
    // Message Control (bits 15:14 writable) is the only writable MSI-X capability field.
    const h = this.host;
    if (this.msix.writeCapabilityControl(CAP_MSIX, offset, size, value, h?.msi, h?.requesterId ?? 0))
      this.xhci.interruptModeChanged();
  }
}

/** Config space 0x60..0x63 of the EHCI function: SBRN 0x20 (USB 2.0), FLADJ 0x20 (EHCI 1.0 §2.1.4-5). */
const EHCI_SBRN_FLADJ = new Uint8Array([0x20, 0x20, 0, 0]);

export interface EhciPciOptions extends Omit<EhciOptions, "irq"> {
  ids?: Partial<PciIds>;
}

/** The EHCI controller as a PCI function: class 0C/03/20, BAR 0 (32-bit memory), INTA#. */
export class EhciPciFunction implements PciFunction {
  readonly ids: PciIds;
  readonly bars: readonly PciBar[];
  readonly capabilityPointer = 0;
  readonly ehci: EhciController;
  private host: PciFunctionHost | undefined;

  constructor(opts: EhciPciOptions = {}) {
    const { ids, ...rest } = opts;
    this.ehci = new EhciController({ ...rest, irq: { set: (l) => this.host?.setIntx(l), pulse: () => {} } });
    this.ids = {
      vendorId: 0x8086,
      deviceId: 0x24cd,
      revisionId: 0x10,
      classCode: 0x0c0320,
      subsystemVendorId: 0x1af4,
      subsystemId: 0x1100,
      interruptPin: 1,
      ...ids,
    };
    this.bars = [{ index: 0, size: EHCI_MMIO_SIZE, kind: "mem32", prefetchable: false, device: this.ehci }];
  }

  attach(host: PciFunctionHost): void {
    this.host = host;
  }

  configRead(offset: number, size: 1 | 2 | 4): number {
    return offset >= 0x60 && offset < 0x64 ? getUintLE(EHCI_SBRN_FLADJ, offset - 0x60, size) : 0;
  }

  configWrite(_offset: number, _size: 1 | 2 | 4, _value: number): void {}
}
