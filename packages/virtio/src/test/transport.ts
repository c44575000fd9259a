import type { MmioDevice, MsiSink, PciFunction, PciFunctionHost } from "@armature/core";
import type { DriverSplitQueue } from "./driver.js";
import type { DriverPackedQueue } from "./packed-driver.js";

/** Either driver-side ring: what a transport driver needs to program a queue. */
export type DriverQueue = DriverSplitQueue | DriverPackedQueue;

/** What a test needs from a transport, seen from the driver's side. */
export interface VirtioTransportDriver {
  readonly kind: "pci" | "mmio";
  deviceId(): number;
  deviceFeatures(): bigint;
  setDriverFeatures(f: bigint): void;
  status(): number;
  setStatus(v: number): void;
  numQueues(): number;
  queueMax(i: number): number;
  /** Program queue `i` from a driver queue (select, size, addresses, vector) and enable it. */
  setupQueue(i: number, q: DriverQueue, size?: number): void;
  notify(i: number): void;
  readConfig(off: number, size: 1 | 2 | 4): number;
  writeConfig(off: number, size: 1 | 2 | 4, v: number): void;
  configGeneration(): number;
  /** Interrupts seen since the last call: queue indices, and -1 for configuration changes. */
  takeInterrupts(): number[];
}

const MSI_DOORBELL = 0x0809_0040;

/**
 * Drives a virtio-pci `PciFunction` directly (no host bridge): it is also the function's
 * PciFunctionHost, walks the capability list, and reaches the BARs through their MmioDevices.
 * With `msix` (default true) it programs one MSI-X vector per queue plus vector 0 for config.
 */
export class PciTransportDriver implements VirtioTransportDriver, PciFunctionHost, MsiSink {
  readonly kind = "pci" as const;
  readonly requesterId = 0x0008;
  readonly msi: MsiSink = this;
  intx = false;
  readonly msis: Array<{ address: number; data: number; deviceId: number }> = [];
  private irqs: number[] = [];
  private readonly caps = new Map<number, { bar: number; offset: number; length: number; at: number }>();
  private readonly notifyMul: number;
  private readonly useMsix: boolean;
  private msixCap = 0;

  constructor(
    readonly fn: PciFunction,
    opts: { msix?: boolean } = {},
  ) {
    this.useMsix = opts.msix ?? true;
    fn.attach(this);
    let p = fn.capabilityPointer;
    let guard = 0;
    while (p !== 0 && guard++ < 48) {
      const id = fn.configRead(p, 1);
      if (id === 0x09) {
        const type = fn.configRead(p + 3, 1);
        if (!this.caps.has(type)) {
          this.caps.set(type, {
            bar: fn.configRead(p + 4, 1),
            offset: fn.configRead(p + 8, 4),
            length: fn.configRead(p + 12, 4),
            at: p,
          });
        }
      } else if (id === 0x11) this.msixCap = p;
      p = fn.configRead(p + 1, 1) & 0xfc;
    }
    const n = this.caps.get(2);
    this.notifyMul = n === undefined ? 0 : fn.configRead(n.at + 16, 4);
  }

  // PciFunctionHost
  setIntx(asserted: boolean): void {
    this.intx = asserted;
  }
  busMasterEnabled(): boolean {
    return true;
  }
  // MsiSink
  sendMsi(address: number, data: number, deviceId: number): boolean {
    this.msis.push({ address, data, deviceId });
    this.irqs.push(data === 0 ? -1 : data - 1);
    return true;
  }

  capability(type: number): { bar: number; offset: number; length: number; at: number } | undefined {
    return this.caps.get(type);
  }

  private region(type: number): { dev: MmioDevice; offset: number } {
    const c = this.caps.get(type);
    const bar = c === undefined ? undefined : this.fn.bars.find((b) => b.index === c.bar);
    if (c === undefined || bar === undefined) throw new Error(`virtio-pci capability ${type} missing`);
    return { dev: bar.device, offset: c.offset };
  }
  private cr(off: number, size: 1 | 2 | 4): number {
    const r = this.region(1);
    return r.dev.read(r.offset + off, size);
  }
  private cw(off: number, size: 1 | 2 | 4, v: number): void {
    const r = this.region(1);
    r.dev.write(r.offset + off, size, v);
  }

  deviceId(): number {
    return this.fn.ids.deviceId - 0x1040;
  }
  deviceFeatures(): bigint {
    this.cw(0x00, 4, 0);
    const lo = this.cr(0x04, 4);
    this.cw(0x00, 4, 1);
    const hi = this.cr(0x04, 4);
    return (BigInt(hi) << 32n) | BigInt(lo);
  }
  setDriverFeatures(f: bigint): void {
    this.cw(0x08, 4, 0);
    this.cw(0x0c, 4, Number(f & 0xffffffffn));
    this.cw(0x08, 4, 1);
    this.cw(0x0c, 4, Number((f >> 32n) & 0xffffffffn));
  }
  status(): number {
    return this.cr(0x14, 1);
  }
  setStatus(v: number): void {
    this.cw(0x14, 1, v);
    if (v === 0) this.enableMsix();
  }
  private enableMsix(): void {
    if (!this.useMsix || this.msixCap === 0) return;
    const bar = this.fn.bars.find((b) => b.index === (this.fn.configRead(this.msixCap + 4, 4) & 7))!;
    const n = (this.fn.configRead(this.msixCap + 2, 2) & 0x7ff) + 1;
    for (let v = 0; v < n; v++) {
      bar.device.write(16 * v, 4, MSI_DOORBELL);
      bar.device.write(16 * v + 4, 4, 0);
      bar.device.write(16 * v + 8, 4, v);
      bar.device.write(16 * v + 12, 4, 0);
    }
    this.fn.configWrite(this.msixCap + 2, 2, 0x8000);
    this.cw(0x10, 2, 0);
  }
  numQueues(): number {
    return this.cr(0x12, 2);
  }
  queueMax(i: number): number {
    this.cw(0x16, 2, i);
    return this.cr(0x18, 2);
  }
  setupQueue(i: number, q: DriverQueue, size = q.size): void {
    this.cw(0x16, 2, i);
    this.cw(0x18, 2, size);
    if (this.useMsix) this.cw(0x1a, 2, i + 1);
    this.cw(0x20, 4, q.desc % 2 ** 32);
    this.cw(0x24, 4, Math.floor(q.desc / 2 ** 32));
    this.cw(0x28, 4, q.avail % 2 ** 32);
    this.cw(0x2c, 4, Math.floor(q.avail / 2 ** 32));
    this.cw(0x30, 4, q.used % 2 ** 32);
    this.cw(0x34, 4, Math.floor(q.used / 2 ** 32));
    this.cw(0x1c, 2, 1);
  }
  notify(i: number): void {
    this.cw(0x16, 2, i);
    const off = this.cr(0x1e, 2);
    const r = this.region(2);
    r.dev.write(r.offset + off * this.notifyMul, 2, i);
  }
  readConfig(off: number, size: 1 | 2 | 4): number {
    if (!this.caps.has(4)) return 0;
    const r = this.region(4);
    return r.dev.read(r.offset + off, size);
  }
  writeConfig(off: number, size: 1 | 2 | 4, v: number): void {
    if (!this.caps.has(4)) return;
    const r = this.region(4);
    r.dev.write(r.offset + off, size, v);
  }
  configGeneration(): number {
    return this.cr(0x15, 1);
  }
  /** Read (and so clear) the ISR status byte. */
  readIsr(): number {
    const r = this.region(3);
    return r.dev.read(r.offset, 1);
  }
  /**
   * MSI-X: the vectors received (vector v -> queue v - 1, vector 0 -> -1). INTx: like an INTx
   * handler, read the ISR (which de-asserts the line): bit 0 gives -4 ("some queue"), bit 1 gives -1.
   */
  takeInterrupts(): number[] {
    const out = this.irqs;
    this.irqs = [];
    if (this.intx) {
      const isr = this.readIsr();
      if (isr & 1) out.push(-4);
      if (isr & 2) out.push(-1);
    }
    return out;
  }
}

/** Drives a virtio-mmio version 2 register window (virtio 1.2 §4.2.2). */
export class MmioTransportDriver implements VirtioTransportDriver {
  readonly kind = "mmio" as const;
  private irqs: number[] = [];
  /** An IrqLine to give the transport: it records rising edges. */
  readonly line = {
    level: false,
    set: (level: boolean) => {
      if (level && !this.line.level) this.irqs.push(-3);
      this.line.level = level;
    },
    pulse: () => {
      this.irqs.push(-3);
    },
  };

  constructor(private dev: MmioDevice = { read: () => 0, write: () => {} }) {}

  /** Connect the window once the transport exists (it needs `line` at construction). */
  connect(dev: MmioDevice): void {
    this.dev = dev;
  }
  r(off: number): number {
    return this.dev.read(off, 4);
  }
  w(off: number, v: number): void {
    this.dev.write(off, 4, v >>> 0);
  }
  deviceId(): number {
    return this.r(0x008);
  }
  deviceFeatures(): bigint {
    this.w(0x014, 0);
    const lo = this.r(0x010);
    this.w(0x014, 1);
    const hi = this.r(0x010);
    return (BigInt(hi) << 32n) | BigInt(lo);
  }
  setDriverFeatures(f: bigint): void {
    this.w(0x024, 0);
    this.w(0x020, Number(f & 0xffffffffn));
    this.w(0x024, 1);
    this.w(0x020, Number((f >> 32n) & 0xffffffffn));
  }
  status(): number {
    return this.r(0x070);
  }
  setStatus(v: number): void {
    this.w(0x070, v);
  }
  numQueues(): number {
    let n = 0;
    for (;;) {
      this.w(0x030, n);
      if (this.r(0x034) === 0) return n;
      n++;
    }
  }
  queueMax(i: number): number {
    this.w(0x030, i);
    return this.r(0x034);
  }
  setupQueue(i: number, q: DriverQueue, size = q.size): void {
    this.w(0x030, i);
    this.w(0x038, size);
    this.w(0x080, q.desc % 2 ** 32);
    this.w(0x084, Math.floor(q.desc / 2 ** 32));
    this.w(0x090, q.avail % 2 ** 32);
    this.w(0x094, Math.floor(q.avail / 2 ** 32));
    this.w(0x0a0, q.used % 2 ** 32);
    this.w(0x0a4, Math.floor(q.used / 2 ** 32));
    this.w(0x044, 1);
  }
  notify(i: number): void {
    this.w(0x050, i);
  }
  readConfig(off: number, size: 1 | 2 | 4): number {
    return this.dev.read(0x100 + off, size);
  }
  writeConfig(off: number, size: 1 | 2 | 4, v: number): void {
    this.dev.write(0x100 + off, size, v);
  }
  configGeneration(): number {
    return this.r(0x0fc);
  }
  /** Interrupt status bits, acknowledged; each set bit 0 becomes "some queue", bit 1 config (-1). */
  takeInterrupts(): number[] {
    const st = this.r(0x060);
    if (st !== 0) this.w(0x064, st);
    const out: number[] = [];
    if (this.irqs.length > 0 || st !== 0) {
      if (st & 1) out.push(-4);
      if (st & 2) out.push(-1);
    }
    this.irqs = [];
    return out;
  }
}

/**
 * The driver initialization sequence (virtio 1.2 §3.1.1): reset, ACKNOWLEDGE, DRIVER, negotiate
 * `want` ∩ offered, FEATURES_OK (checked), set up the queues, DRIVER_OK. Returns the negotiated
 * features; throws if the device refused them (a test failure, not a device path).
 */
export function initializeDevice(
  t: VirtioTransportDriver,
  want: bigint,
  queues: ReadonlyArray<DriverQueue | undefined>,
): bigint {
  t.setStatus(0);
  t.setStatus(1);
  t.setStatus(1 | 2);
  const f = t.deviceFeatures() & want;
  t.setDriverFeatures(f);
  t.setStatus(1 | 2 | 8);
  if (!(t.status() & 8)) throw new Error(`device refused features 0x${f.toString(16)}`);
  queues.forEach((q, i) => {
    if (q !== undefined) t.setupQueue(i, q);
  });
  t.setStatus(1 | 2 | 8 | 4);
  return f;
}
