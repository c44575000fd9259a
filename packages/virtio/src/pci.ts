import {
  type DmaSpace,
  type MmioDevice,
  MsixTable,
  type PciBar,
  type PciFunction,
  type PciFunctionHost,
  type PciIds,
  type StateReader,
  type StateWriter,
} from "@armature/core";
import { VIRTIO_MSI_NO_VECTOR, VirtioDeviceId } from "./constants.js";
import { QUEUE_AREAS, VirtioCore, type VirtioCoreOptions, type VirtioDevice } from "./device.js";

/** virtio_pci_cap cfg_type values (virtio 1.2 §4.1.4). */
export const VirtioPciCap = {
  COMMON_CFG: 1,
  NOTIFY_CFG: 2,
  ISR_CFG: 3,
  DEVICE_CFG: 4,
  PCI_CFG: 5,
} as const;

/** BAR 4 (64-bit prefetchable memory) layout: one 4 KiB page per structure. */
export const VIRTIO_PCI_COMMON = 0x0000;
export const VIRTIO_PCI_ISR = 0x1000;
export const VIRTIO_PCI_DEVICE = 0x2000;
export const VIRTIO_PCI_NOTIFY = 0x3000;
/** notify_off_multiplier: queue q is notified at VIRTIO_PCI_NOTIFY + 4 * q. */
export const VIRTIO_PCI_NOTIFY_MULTIPLIER = 4;
/** BAR 1 (32-bit memory): the MSI-X table at 0, the PBA at 0x800. */
export const VIRTIO_PCI_MSIX_PBA = 0x800;

const CLASS_BY_ID: Record<number, number> = {
  [VirtioDeviceId.NET]: 0x020000,
  [VirtioDeviceId.BLOCK]: 0x010000,
  [VirtioDeviceId.CONSOLE]: 0x078000,
  [VirtioDeviceId.ENTROPY]: 0x00ff00,
  [VirtioDeviceId.BALLOON]: 0x00ff00,
  [VirtioDeviceId.GPU]: 0x038000, // display controller, other
};

export interface VirtioPciOptions extends VirtioCoreOptions {
  /** The device's memory view (bus, or an IOMMU's per-stream space). */
  dma: DmaSpace;
  /** INTx pin when MSI-X is off: 1..4 = INTA..INTD (default 1). */
  interruptPin?: number;
}

// Capability offsets in config space.
const CAP_MSIX = 0x40;
const CAP_COMMON = 0x50;
const CAP_NOTIFY = 0x60;
const CAP_ISR = 0x74;
const CAP_DEVICE = 0x84;
const CAP_PCICFG = 0x94;

/**
 * The virtio-pci modern transport (virtio 1.2 §4.1) as a core `PciFunction`: vendor capabilities
 * for the common, notify, ISR and device-config structures in BAR 4, an MSI-X capability whose
 * table and PBA live in BAR 1, and the VIRTIO_PCI_CAP_PCI_CFG access window. Attach it to any host
 * bridge that implements `PciFunctionHost` (packages/pci's PciHostBridge does).
 */
export class VirtioPciFunction implements PciFunction {
  readonly ids: PciIds;
  readonly bars: readonly PciBar[];
  readonly capabilityPointer = CAP_MSIX;
  readonly core: VirtioCore;
  readonly msix: MsixTable;
  private readonly cfg = new Uint8Array(0x100);
  private readonly cfgView = new DataView(this.cfg.buffer);
  private host: PciFunctionHost | undefined;
  private isr = 0;
  private deviceSelect = 0;
  private driverSelect = 0;
  private queueSelect = 0;
  private configVector = VIRTIO_MSI_NO_VECTOR;
  private readonly common = new Uint8Array(0x40);
  private readonly commonView = new DataView(this.common.buffer);

  constructor(
    readonly device: VirtioDevice,
    opts: VirtioPciOptions,
  ) {
    this.core = new VirtioCore(device, opts.dma, (q) => this.interrupt(q), opts);
    this.msix = new MsixTable(device.queueMaxSizes.length + 1);
    this.ids = {
      vendorId: 0x1af4,
      deviceId: 0x1040 + device.deviceId,
      revisionId: 1,
      classCode: CLASS_BY_ID[device.deviceId] ?? 0xff0000,
      subsystemVendorId: 0x1af4,
      subsystemId: 0x40 + device.deviceId,
      interruptPin: opts.interruptPin ?? 1,
    };
    const structures: MmioDevice = {
      read: (o, s) => this.barRead(o, s),
      write: (o, s, v) => this.barWrite(o, s, v),
    };
    const msixBar: MmioDevice = {
      read: (o, s) =>
        o >= VIRTIO_PCI_MSIX_PBA ? this.msix.readPba(o - VIRTIO_PCI_MSIX_PBA, s) : this.msix.readTable(o, s),
      write: (o, s, v) => {
        if (o < VIRTIO_PCI_MSIX_PBA)
          this.msix.writeTable(o, s, v, this.host?.msi, this.host?.requesterId ?? 0);
      },
    };
    this.bars = [
      { index: 1, size: 0x1000, kind: "mem32", prefetchable: false, device: msixBar },
      { index: 4, size: 0x4000, kind: "mem64", prefetchable: true, device: structures },
    ];
    this.buildCaps();
  }

  private buildCaps(): void {
    const c = this.cfg;
    const v = this.cfgView;
    // MSI-X (PCI 3.0 §6.8.2): table in BAR 1 at 0, PBA in BAR 1 at 0x800.
    c[CAP_MSIX] = 0x11;
    c[CAP_MSIX + 1] = CAP_COMMON;
    v.setUint32(CAP_MSIX + 4, 0x000 | 1, true);
    v.setUint32(CAP_MSIX + 8, VIRTIO_PCI_MSIX_PBA | 1, true);
    const vendorCap = (
      at: number,
      next: number,
      type: number,
      len: number,
      offset: number,
      length: number,
    ) => {
      c[at] = 0x09;
      c[at + 1] = next;
      c[at + 2] = len;
      c[at + 3] = type;
      c[at + 4] = type === VirtioPciCap.PCI_CFG ? 0 : 4;
      v.setUint32(at + 8, offset, true);
      v.setUint32(at + 12, length, true);
    };
    const hasCfg = this.device.configSize > 0;
    vendorCap(CAP_COMMON, CAP_NOTIFY, VirtioPciCap.COMMON_CFG, 16, VIRTIO_PCI_COMMON, 0x40);
    vendorCap(CAP_NOTIFY, CAP_ISR, VirtioPciCap.NOTIFY_CFG, 20, VIRTIO_PCI_NOTIFY, 0x1000);
    v.setUint32(CAP_NOTIFY + 16, VIRTIO_PCI_NOTIFY_MULTIPLIER, true);
    vendorCap(CAP_ISR, hasCfg ? CAP_DEVICE : CAP_PCICFG, VirtioPciCap.ISR_CFG, 16, VIRTIO_PCI_ISR, 4);
    if (hasCfg) vendorCap(CAP_DEVICE, CAP_PCICFG, VirtioPciCap.DEVICE_CFG, 16, VIRTIO_PCI_DEVICE, 0x1000);
    vendorCap(CAP_PCICFG, 0, VirtioPciCap.PCI_CFG, 20, 0, 0);
  }

  // --- PciFunction ---

  attach(host: PciFunctionHost): void {
    this.host = host;
  }

  configRead(offset: number, size: 1 | 2 | 4): number {
    if (offset >= CAP_MSIX + 2 && offset < CAP_MSIX + 4) {
      const ctl = this.msix.control();
      return size === 1 ? (ctl >>> ((offset - CAP_MSIX - 2) * 8)) & 0xff : ctl;
    }
    if (offset === CAP_MSIX && size === 4)
      return (this.cfgView.getUint16(CAP_MSIX, true) | (this.msix.control() << 16)) >>> 0;
    if (offset >= CAP_PCICFG + 16 && offset < CAP_PCICFG + 20)
      return this.pciCfgData(offset, size, undefined);
    if (offset + size > this.cfg.length) return 0;
    return size === 4
      ? this.cfgView.getUint32(offset, true)
      : size === 2
        ? this.cfgView.getUint16(offset, true)
        : this.cfg[offset]!;
  }

  configWrite(offset: number, size: 1 | 2 | 4, value: number): void {
    // Message Control: the only writable MSI-X capability bits (enable, function mask).
    const h = this.host;
    if (this.msix.writeCapabilityControl(CAP_MSIX, offset, size, value, h?.msi, h?.requesterId ?? 0)) {
      // PCI 3.0 §6.8.2: with MSI-X enabled the function does not use INTx.
      if (this.msix.enabled && this.isr !== 0) {
        this.isr = 0;
        this.host?.setIntx(false);
      }
      return;
    }
    // VIRTIO_PCI_CAP_PCI_CFG: bar, offset, length and the data window are writable (§4.1.4.9).
    if (offset >= CAP_PCICFG + 16 && offset < CAP_PCICFG + 20) {
      this.pciCfgData(offset, size, value);
      return;
    }
    const wr = (o: number, s: number) => offset >= o && offset + size <= o + s;
    if (wr(CAP_PCICFG + 4, 1) || wr(CAP_PCICFG + 8, 4) || wr(CAP_PCICFG + 12, 4)) {
      for (let i = 0; i < size; i++) this.cfg[offset + i] = (value >>> (8 * i)) & 0xff;
    }
  }

  /** Snapshot state version (Snapshottable, @armature/core). */
  readonly stateVersion = 1;

  /**
   * Save the transport (capability bytes, selectors, ISR, config vector, MSI-X) and the device
   * (VirtioCore: status, features, queues, then the device's own state). The PCI header (command,
   * BARs) is the host bridge's.
   */
  saveState(w: StateWriter): void {
    w.raw(this.cfg);
    w.raw(this.common);
    for (const k of PCI_TRANSPORT_STATE) w.f64(this[k]);
    this.msix.saveState(w);
    this.core.saveState(w);
  }

  loadState(r: StateReader): () => void {
    const cfg = r.raw(this.cfg.length).slice();
    const common = r.raw(this.common.length).slice();
    const n = PCI_TRANSPORT_STATE.map(() => r.f64());
    const msix = this.msix.loadState(r);
    const core = this.core.loadState(r);
    return () => {
      this.cfg.set(cfg);
      this.common.set(common);
      PCI_TRANSPORT_STATE.forEach((k, i) => {
        this[k] = n[i]!;
      });
      msix();
      core();
    };
  }

  private pciCfgData(offset: number, size: 1 | 2 | 4, value: number | undefined): number {
    const bar = this.cfg[CAP_PCICFG + 4]!;
    const off = this.cfgView.getUint32(CAP_PCICFG + 8, true);
    const len = this.cfgView.getUint32(CAP_PCICFG + 12, true);
    const target = this.bars.find((b) => b.index === bar);
    if (
      target === undefined ||
      (len !== 1 && len !== 2 && len !== 4) ||
      off + len > target.size ||
      offset !== CAP_PCICFG + 16
    ) {
      return 0;
    }
    if (value === undefined) return target.device.read(off, len);
    target.device.write(
      off,
      len,
      size === 4 ? value : value & (len === 4 ? 0xffffffff : (1 << (len * 8)) - 1),
    );
    return 0;
  }

  // --- interrupts ---

  private interrupt(q: number): void {
    const host = this.host;
    if (host === undefined) return;
    if (this.msix.enabled) {
      const vec = q < 0 ? this.configVector : (this.core.queues[q]?.vector ?? VIRTIO_MSI_NO_VECTOR);
      if (vec === VIRTIO_MSI_NO_VECTOR || !host.busMasterEnabled()) return;
      this.msix.signal(vec, host.msi, host.requesterId);
      return;
    }
    this.isr |= q < 0 ? 2 : 1;
    host.setIntx(true);
  }

  // --- BAR 4 ---

  private barRead(off: number, size: 1 | 2 | 4): number {
    if (off < VIRTIO_PCI_COMMON + 0x40) return this.commonRead(off, size);
    if (off >= VIRTIO_PCI_ISR && off < VIRTIO_PCI_ISR + 4) {
      // §4.1.4.5: reading ISR status clears it and de-asserts INTx.
      const v = off === VIRTIO_PCI_ISR ? this.isr : 0;
      this.isr = 0;
      this.host?.setIntx(false);
      return v;
    }
    if (off >= VIRTIO_PCI_DEVICE && off < VIRTIO_PCI_DEVICE + 0x1000) {
      const o = off - VIRTIO_PCI_DEVICE;
      if (o + size > this.device.configSize) return 0;
      return this.device.readConfig(o, size);
    }
    return 0;
  }

  private barWrite(off: number, size: 1 | 2 | 4, value: number): void {
    if (off < VIRTIO_PCI_COMMON + 0x40) {
      this.commonWrite(off, size, value);
      return;
    }
    if (off >= VIRTIO_PCI_NOTIFY && off < VIRTIO_PCI_NOTIFY + 0x1000) {
      const q = (off - VIRTIO_PCI_NOTIFY) / VIRTIO_PCI_NOTIFY_MULTIPLIER;
      if (this.host !== undefined && !this.host.busMasterEnabled()) {
        // Without Bus Master Enable the function may not touch memory (PCI 3.0 §6.2.2).
        this.core.log.warn("no-bme", `queue ${q} notified while Bus Master Enable is clear; ignored`);
        return;
      }
      if (Number.isInteger(q)) this.core.notify(q);
      return;
    }
    if (off >= VIRTIO_PCI_DEVICE && off < VIRTIO_PCI_DEVICE + 0x1000) {
      const o = off - VIRTIO_PCI_DEVICE;
      if (o + size <= this.device.configSize) this.core.run(() => this.device.writeConfig(o, size, value));
      return;
    }
    this.core.log.warn("bar-wi", `write to unused BAR offset 0x${off.toString(16)} ignored`);
  }

  /** Snapshot of struct virtio_pci_common_cfg (§4.1.4.3). */
  private commonRead(off: number, size: 1 | 2 | 4): number {
    const v = this.commonView;
    const core = this.core;
    const q = core.queues[this.queueSelect];
    v.setUint32(0x00, this.deviceSelect, true);
    v.setUint32(0x04, core.deviceFeatureWord(this.deviceSelect), true);
    v.setUint32(0x08, this.driverSelect, true);
    v.setUint32(0x0c, core.driverFeatureWord(this.driverSelect), true);
    v.setUint16(0x10, this.configVector, true);
    v.setUint16(0x12, core.queues.length, true);
    v.setUint8(0x14, core.status);
    v.setUint8(0x15, core.configGeneration);
    v.setUint16(0x16, this.queueSelect, true);
    v.setUint16(0x18, q?.size ?? 0, true);
    v.setUint16(0x1a, q?.vector ?? VIRTIO_MSI_NO_VECTOR, true);
    v.setUint16(0x1c, q?.ready ? 1 : 0, true);
    v.setUint16(0x1e, q === undefined ? 0 : this.queueSelect, true);
    const a64 = (o: number, a: number) => {
      v.setUint32(o, a % 2 ** 32, true);
      v.setUint32(o + 4, Math.floor(a / 2 ** 32), true);
    };
    for (let i = 0; i < QUEUE_AREAS.length; i++) a64(0x20 + 8 * i, q?.[QUEUE_AREAS[i]!] ?? 0);
    v.setUint16(0x38, this.queueSelect, true);
    v.setUint16(0x3a, 0, true);
    if (off + size > 0x40) return 0;
    return size === 4 ? v.getUint32(off, true) : size === 2 ? v.getUint16(off, true) : v.getUint8(off);
  }

  private commonWrite(off: number, size: 1 | 2 | 4, value: number): void {
    const core = this.core;
    const sel = this.queueSelect;
    const q = core.queues[sel];
    switch (off) {
      case 0x00:
        this.deviceSelect = value >>> 0;
        return;
      case 0x08:
        this.driverSelect = value >>> 0;
        return;
      case 0x0c:
        core.writeDriverFeatureWord(this.driverSelect, value);
        return;
      case 0x10:
        // §4.1.5.1.2: an unusable vector reads back as NO_VECTOR.
        this.configVector = value < this.msix.vectors ? value : VIRTIO_MSI_NO_VECTOR;
        return;
      case 0x14:
        core.writeStatus(value);
        if ((value & 0xff) === 0) {
          this.isr = 0;
          this.configVector = VIRTIO_MSI_NO_VECTOR;
          this.host?.setIntx(false);
        }
        return;
      case 0x16:
        this.queueSelect = value & 0xffff;
        return;
      case 0x18:
        if (q !== undefined && core.queueWritable(sel)) q.size = value & 0xffff;
        return;
      case 0x1a:
        if (q !== undefined)
          q.vector = (value & 0xffff) < this.msix.vectors ? value & 0xffff : VIRTIO_MSI_NO_VECTOR;
        return;
      case 0x1c:
        if ((value & 0xffff) === 1) core.enableQueue(sel);
        else core.log.warn("q-disable", "queue_enable = 0 has no effect (§4.1.4.3.2)");
        return;
      case 0x20: // queue_desc, queue_driver, queue_device: 64 bits each, written a dword at a time
      case 0x24:
      case 0x28:
      case 0x2c:
      case 0x30:
      case 0x34:
        if (size === 4) core.writeQueueArea(sel, QUEUE_AREAS[(off - 0x20) >> 3]!, (off & 4) !== 0, value);
        return;
      case 0x3a:
        if ((value & 0xffff) === 1) core.resetQueue(sel);
        return;
      default:
        core.log.warn("common-ro", `write to read-only common config offset 0x${off.toString(16)} ignored`);
    }
  }
}

/** The ISR, the selectors and the config vector in a snapshot, in order. */
const PCI_TRANSPORT_STATE = ["isr", "deviceSelect", "driverSelect", "queueSelect", "configVector"] as const;
