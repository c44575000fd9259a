import type {
  IrqLine,
  PciBar,
  PciFunction,
  PciFunctionHost,
  PciIds,
  Snapshottable,
  StateReader,
  StateWriter,
} from "@armature/core";
import { AhciHba, type AhciOptions } from "./hba.js";
import { AHCI_MMIO_SIZE } from "./regs.js";

export interface AhciPciOptions extends Omit<AhciOptions, "irq" | "busMasterEnabled"> {
  /** PCI identification; default Intel ICH9 AHCI (8086:2922), class 01/06/01, like QEMU's ich9-ahci. */
  ids?: Partial<PciIds>;
}

/** MSI capability offset in config space (PCI 3.0 §6.8.1); the only capability. */
const CAP_MSI = 0x80;

/**
 * AHCI as a PCI function (core `PciFunction`): class 01/06/01 (mass storage, SATA, AHCI 1.0),
 * the ABAR in BAR 5 (AHCI 1.3.1 §2.1.11), INTx pin A and a one-vector 64-bit MSI capability;
 * DMA only while Command.BusMaster is set.
 */
export class AhciPciFunction implements PciFunction, Snapshottable {
  readonly ids: PciIds;
  readonly bars: readonly PciBar[];
  readonly capabilityPointer = CAP_MSI;
  readonly hba: AhciHba;
  private host: PciFunctionHost | undefined;
  private msiControl = 0x0080; // 64-bit address capable, 1 vector, disabled
  private msiAddr = 0;
  private msiData = 0;
  private intx = false;

  constructor(opts: AhciPciOptions) {
    this.ids = {
      vendorId: 0x8086,
      deviceId: 0x2922,
      revisionId: 0x02,
      classCode: 0x010601,
      subsystemVendorId: 0x1af4,
      subsystemId: 0x1100,
      interruptPin: 1,
      ...opts.ids,
    };
    const irq: IrqLine = {
      set: (level: boolean) => this.signal(level),
      pulse: () => {
        this.signal(true);
        this.signal(false);
      },
    };
    this.hba = new AhciHba({ ...opts, irq, busMasterEnabled: () => this.host?.busMasterEnabled() ?? true });
    this.bars = [{ index: 5, size: AHCI_MMIO_SIZE, kind: "mem32", prefetchable: false, device: this.hba }];
  }

  private get msiEnabled(): boolean {
    return (this.msiControl & 1) !== 0;
  }

  private signal(level: boolean): void {
    const host = this.host;
    if (host === undefined) return;
    if (this.msiEnabled) {
      if (this.intx) {
        this.intx = false;
        host.setIntx(false);
      }
      if (level && host.busMasterEnabled()) host.msi.sendMsi(this.msiAddr, this.msiData, host.requesterId);
      return;
    }
    if (this.intx !== level) {
      this.intx = level;
      host.setIntx(level);
    }
  }

  attach(host: PciFunctionHost): void {
    this.host = host;
  }

  /** Snapshot state version (Snapshottable, @armature/core). */
  readonly stateVersion = 1;

  /**
   * Save the MSI capability (control, address, data), the INTx level as last driven, then the HBA
   * (its ports and devices). The PCI header (command, BAR 5) is the host bridge's.
   */
  saveState(w: StateWriter): void {
    for (const v of [this.msiControl, this.msiAddr, this.msiData]) w.f64(v);
    w.bool(this.intx);
    this.hba.saveState(w);
  }

  loadState(r: StateReader): () => void {
    const [control, addr, data] = [r.f64(), r.f64(), r.f64()];
    const intx = r.bool();
    const hba = this.hba.loadState(r);
    return () => {
      this.msiControl = control;
      this.msiAddr = addr;
      this.msiData = data;
      this.intx = intx;
      hba();
    };
  }

  configRead(offset: number, size: 1 | 2 | 4): number {
    const dw = this.configDword(offset & ~3);
    const shift = (offset & 3) * 8;
    return size === 4 ? dw : (dw >>> shift) & (size === 2 ? 0xffff : 0xff);
  }

  private configDword(o: number): number {
    switch (o) {
      case CAP_MSI:
        return ((this.msiControl << 16) | 0x05) >>> 0;
      case CAP_MSI + 4:
        return this.msiAddr % 2 ** 32;
      case CAP_MSI + 8:
        return Math.floor(this.msiAddr / 2 ** 32);
      case CAP_MSI + 12:
        return this.msiData;
      default:
        return 0;
    }
  }

  configWrite(offset: number, size: 1 | 2 | 4, value: number): void {
    const o = offset & ~3;
    const shift = (offset & 3) * 8;
    const mask = size === 4 ? 0xffffffff : ((size === 2 ? 0xffff : 0xff) << shift) >>> 0;
    const merge = (cur: number) => ((cur & ~mask) | ((value << shift) & mask)) >>> 0;
    switch (o) {
      case CAP_MSI: {
        const dw = merge(this.configDword(CAP_MSI));
        const was = this.msiEnabled;
        // Only Enable (bit 0) and Multiple Message Enable (bits 6:4, one vector: 0) are writable.
        this.msiControl = (this.msiControl & ~0x71) | ((dw >>> 16) & 0x01);
        if (this.msiEnabled && !was && this.intx) {
          this.intx = false;
          this.host?.setIntx(false);
        }
        if (this.msiEnabled !== was && this.hba.interruptPending) this.signal(true);
        return;
      }
      case CAP_MSI + 4:
        this.msiAddr =
          Math.floor(this.msiAddr / 2 ** 32) * 2 ** 32 + (merge(this.msiAddr % 2 ** 32) & 0xfffffffc);
        return;
      case CAP_MSI + 8:
        this.msiAddr = (this.msiAddr % 2 ** 32) + merge(Math.floor(this.msiAddr / 2 ** 32)) * 2 ** 32;
        return;
      case CAP_MSI + 12:
        this.msiData = merge(this.msiData) & 0xffff;
        return;
      default:
    }
  }
}
