import type { DmaSpace, IrqLine, MmioDevice, Snapshottable, StateReader, StateWriter } from "@armature/core";
import { type FdtNode, setReg } from "@armature/fdt";
import { QUEUE_AREAS, VirtioCore, type VirtioCoreOptions, type VirtioDevice } from "./device.js";

/** virtio-mmio register offsets, version 2 (virtio 1.2 §4.2.2). */
export const VirtioMmioReg = {
  MagicValue: 0x000,
  Version: 0x004,
  DeviceID: 0x008,
  VendorID: 0x00c,
  DeviceFeatures: 0x010,
  DeviceFeaturesSel: 0x014,
  DriverFeatures: 0x020,
  DriverFeaturesSel: 0x024,
  QueueSel: 0x030,
  QueueNumMax: 0x034,
  QueueNum: 0x038,
  QueueReady: 0x044,
  QueueNotify: 0x050,
  InterruptStatus: 0x060,
  InterruptACK: 0x064,
  Status: 0x070,
  QueueDescLow: 0x080,
  QueueDescHigh: 0x084,
  QueueDriverLow: 0x090,
  QueueDriverHigh: 0x094,
  QueueDeviceLow: 0x0a0,
  QueueDeviceHigh: 0x0a4,
  SHMSel: 0x0ac,
  SHMLenLow: 0x0b0,
  SHMLenHigh: 0x0b4,
  SHMBaseLow: 0x0b8,
  SHMBaseHigh: 0x0bc,
  QueueReset: 0x0c0,
  ConfigGeneration: 0x0fc,
  Config: 0x100,
} as const;

/** "virt" in little-endian. */
export const VIRTIO_MMIO_MAGIC = 0x74726976;
/** Vendor ID reported by Armature's devices ("ARMA" little-endian). */
export const ARMATURE_VIRTIO_VENDOR = 0x414d5241;
/** Size of one virtio-mmio window. */
export const VIRTIO_MMIO_SIZE = 0x200;

export interface VirtioMmioOptions extends VirtioCoreOptions {
  dma: DmaSpace;
  /** The level-triggered line asserted while InterruptStatus is non-zero. */
  irq: IrqLine;
}

/** Where a virtio-mmio window sits, for describe(). */
export interface VirtioMmioPlacement {
  base: number;
  /** The interrupt specifier cells for the parent controller, e.g. GIC [0 (SPI), n, 1 (edge) or 4 (level)]. */
  interrupts: readonly number[];
  /** Parent #address-cells / #size-cells (default 2 / 2). */
  addressCells?: number;
  sizeCells?: number;
}

/** A virtio-mmio window as ACPI data (see VirtioMmio.acpiDescription). */
export interface VirtioMmioAcpiDevice {
  hid: "LNRO0005";
  uid: number;
  /** _CCA: DMA is cache coherent. */
  cca: true;
  memory32Fixed: { base: number; length: number; writable: boolean };
  interrupt: { gsi: number; edge: boolean; activeHigh: boolean; exclusive: boolean };
}

const R = VirtioMmioReg;

/** The low words of QueueDesc, QueueDriver and QueueDevice (§4.2.2), in QUEUE_AREAS order; high = low + 4. */
const QUEUE_AREA_LOW: readonly number[] = [R.QueueDescLow, R.QueueDriverLow, R.QueueDeviceLow];

/**
 * The virtio-mmio transport, version 2 (virtio 1.2 §4.2.2), as a core MmioDevice: place it with
 * `bus.addMmio(name, base, VIRTIO_MMIO_SIZE, transport)` and describe it with `describe()`.
 */
export class VirtioMmio implements MmioDevice, Snapshottable {
  readonly core: VirtioCore;
  private readonly irq: IrqLine;
  private interruptStatus = 0;
  private deviceSel = 0;
  private driverSel = 0;
  private queueSel = 0;

  constructor(
    readonly device: VirtioDevice,
    opts: VirtioMmioOptions,
  ) {
    this.irq = opts.irq;
    this.core = new VirtioCore(device, opts.dma, (q) => this.interrupt(q), opts);
  }

  private interrupt(q: number): void {
    // §4.2.2: bit 0 used buffer notification, bit 1 configuration change.
    this.interruptStatus |= q < 0 ? 2 : 1;
    this.irq.set(true);
  }

  read(offset: number, size: 1 | 2 | 4): number {
    if (offset >= R.Config) {
      const o = offset - R.Config;
      return o + size <= this.device.configSize ? this.device.readConfig(o, size) : 0;
    }
    if (size !== 4 || offset % 4 !== 0) {
      this.core.log.warn(
        "mmio-size",
        `${size}-byte read of register 0x${offset.toString(16)}: registers are 32-bit`,
      );
      return 0;
    }
    const c = this.core;
    const q = c.queues[this.queueSel];
    switch (offset) {
      case R.MagicValue:
        return VIRTIO_MMIO_MAGIC;
      case R.Version:
        return 2;
      case R.DeviceID:
        return this.device.deviceId;
      case R.VendorID:
        return ARMATURE_VIRTIO_VENDOR;
      case R.DeviceFeatures:
        return c.deviceFeatureWord(this.deviceSel);
      case R.QueueNumMax:
        return q === undefined ? 0 : q.maxSize;
      case R.QueueReady:
        return q?.ready ? 1 : 0;
      case R.InterruptStatus:
        return this.interruptStatus;
      case R.Status:
        return c.status;
      case R.SHMLenLow:
      case R.SHMLenHigh:
        return 0xffffffff; // no shared memory regions (§4.2.2: length -1)
      case R.QueueReset:
        return 0;
      case R.ConfigGeneration:
        return c.configGeneration;
      case R.QueueNum:
        return q?.size ?? 0;
      default: {
        const area = QUEUE_AREA_LOW.indexOf(offset & ~4);
        if (area < 0) return 0;
        const a = q?.[QUEUE_AREAS[area]!] ?? 0;
        return offset & 4 ? Math.floor(a / 2 ** 32) : a % 2 ** 32;
      }
    }
  }

  write(offset: number, size: 1 | 2 | 4, value: number): void {
    const c = this.core;
    if (offset >= R.Config) {
      const o = offset - R.Config;
      if (o + size <= this.device.configSize) c.run(() => this.device.writeConfig(o, size, value));
      return;
    }
    if (size !== 4 || offset % 4 !== 0) {
      c.log.warn(
        "mmio-size",
        `${size}-byte write of register 0x${offset.toString(16)}: registers are 32-bit`,
      );
      return;
    }
    const sel = this.queueSel;
    const q = c.queues[sel];
    switch (offset) {
      case R.DeviceFeaturesSel:
        this.deviceSel = value;
        return;
      case R.DriverFeatures:
        c.writeDriverFeatureWord(this.driverSel, value);
        return;
      case R.DriverFeaturesSel:
        this.driverSel = value;
        return;
      case R.QueueSel:
        this.queueSel = value;
        return;
      case R.QueueNum:
        if (q !== undefined && c.queueWritable(sel)) q.size = value & 0xffff;
        return;
      case R.QueueReady:
        if (value & 1) c.enableQueue(sel);
        else if (q?.ready) c.resetQueue(sel);
        return;
      case R.QueueNotify:
        c.notify(value & 0xffff);
        return;
      case R.InterruptACK:
        this.interruptStatus &= ~value;
        if (this.interruptStatus === 0) this.irq.set(false);
        return;
      case R.Status:
        c.writeStatus(value);
        if ((value & 0xff) === 0) {
          this.interruptStatus = 0;
          this.irq.set(false);
        }
        return;
      case R.QueueReset:
        if (value === 1) c.resetQueue(sel);
        return;
      case R.SHMSel:
        return;
      default: {
        const area = QUEUE_AREA_LOW.indexOf(offset & ~4);
        if (area >= 0) c.writeQueueArea(sel, QUEUE_AREAS[area]!, (offset & 4) !== 0, value);
        else c.log.warn("mmio-ro", `write to read-only register 0x${offset.toString(16)} ignored`);
      }
    }
  }

  /**
   * The device as ACPI data for a DSDT generator: a `Device` with _HID "LNRO0005" (the id Linux's
   * virtio_mmio driver matches), _UID, and a _CRS of one Memory32Fixed window and one Interrupt
   * (ACPI 6.5 §6.4.3.4, §6.4.3.6).
   */
  acpiDescription(at: { base: number; gsi: number; uid: number; edge?: boolean }): VirtioMmioAcpiDevice {
    return {
      hid: "LNRO0005",
      uid: at.uid,
      cca: true,
      memory32Fixed: { base: at.base, length: VIRTIO_MMIO_SIZE, writable: true },
      interrupt: { gsi: at.gsi, edge: at.edge ?? false, activeHigh: true, exclusive: true },
    };
  }

  readonly stateVersion = 1;

  /**
   * Snapshot: the transport's registers (interrupt status, the feature and queue selectors), then
   * the device core (status, features, queues, the device's own state). The interrupt line's
   * level is the interrupt controller's.
   */
  saveState(w: StateWriter): void {
    for (const v of [this.interruptStatus, this.deviceSel, this.driverSel, this.queueSel]) w.u32(v);
    this.core.saveState(w);
  }

  loadState(r: StateReader): () => void {
    const isr = r.u32();
    if (isr > 3) r.fail(`interrupt status 0x${isr.toString(16)}`);
    const sels = [r.u32(), r.u32(), r.u32()] as const;
    const core = this.core.loadState(r);
    return () => {
      this.interruptStatus = isr;
      [this.deviceSel, this.driverSel, this.queueSel] = sels;
      core();
    };
  }

  /** Add a `virtio_mmio@<base>` node (compatible "virtio,mmio") under `parent`. */
  describe(parent: FdtNode, at: VirtioMmioPlacement): FdtNode {
    const n = parent.addChild(`virtio_mmio@${at.base.toString(16)}`);
    n.setString("compatible", "virtio,mmio");
    const regCells = { addressCells: at.addressCells ?? 2, sizeCells: at.sizeCells ?? 2 };
    setReg(n, regCells, [{ address: at.base, size: VIRTIO_MMIO_SIZE }]);
    n.setCells("interrupts", at.interrupts);
    n.setEmpty("dma-coherent");
    return n;
  }
}
