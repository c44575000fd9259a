import {
  type DmaSpace,
  RateLimitedLog,
  SnapshotError,
  type StateReader,
  type StateWriter,
} from "@armature/core";
import { featureBit, hasFeature, VIRTIO_MSI_NO_VECTOR, VirtioFeature, VirtioStatus } from "./constants.js";
import { PackedQueue } from "./packed.js";
import { MAX_DMA_ADDRESS, SplitQueue, type Virtqueue } from "./queue.js";

/** What a running device gets from its transport once the driver set DRIVER_OK. */
export interface VirtioDeviceContext {
  /** The device's view of memory (VIRTIO_F_ACCESS_PLATFORM: every access goes through it). */
  readonly dma: DmaSpace;
  /** The negotiated feature bits. */
  readonly features: bigint;
  /** Queue `i` (throws nothing; an unconfigured queue pops nothing). */
  queue(i: number): Virtqueue;
  /** Interrupt the driver for queue `i` if its ring asks for it (EVENT_IDX / NO_INTERRUPT). */
  notifyUsed(i: number): void;
  /** The device configuration changed (bumps config_generation and interrupts). */
  configChanged(): void;
  /** A guest mistake the device cannot answer with a status: set DEVICE_NEEDS_RESET. */
  needsReset(reason: string): void;
  /** The device's rate-limited log for guest mistakes. */
  readonly log: RateLimitedLog;
  /**
   * Run device work started by the host side (backend input, a timer) under the same guard as a
   * notification: ring faults and anything thrown become DEVICE_NEEDS_RESET.
   */
  run(fn: () => void): void;
}

/**
 * A virtio device model (virtio 1.2 §5), independent of transport. Backends (disk image, network
 * link, terminal...) are separate objects given to the device's constructor.
 */
export interface VirtioDevice {
  /** Device ID (§5): 1 net, 2 block, 3 console, 4 entropy, 5 balloon. */
  readonly deviceId: number;
  /** Short name for logs and DT node names ("blk", "net", ...). */
  readonly name: string;
  /** Device-specific feature bits offered (transport/ring bits are added by the transport). */
  readonly deviceFeatures: bigint;
  /** Maximum size of each virtqueue; the array length is the number of queues. */
  readonly queueMaxSizes: readonly number[];
  /** Bytes of device-specific configuration space. */
  readonly configSize: number;
  /** Read device config (little-endian fields, §2.5). */
  readConfig(offset: number, size: 1 | 2 | 4): number;
  writeConfig(offset: number, size: 1 | 2 | 4, value: number): void;
  /** The driver set DRIVER_OK: start serving queues. */
  activate(ctx: VirtioDeviceContext): void;
  /** The driver notified queue `i`. */
  queueNotify(i: number): void;
  /** Device reset (§2.1.1 / §3.1): forget the context and any held chains. */
  reset(): void;
  /** Snapshot state version of the device's own state (with saveState/loadState). */
  readonly stateVersion?: number;
  /** Save the device's own state (without it the device cannot be snapshotted). */
  saveState?(w: StateWriter): void;
  /**
   * Parse what `saveState` wrote; the commit gets the context when the device was running (keep
   * it as `activate` does, without serving anything).
   */
  loadState?(r: StateReader, version: number): (ctx: VirtioDeviceContext | undefined) => void;
}

/**
 * The part of the lifecycle every device model shares: the context is kept from `activate` (or
 * a snapshot restore) until `reset`. A device that starts or drops more work there overrides
 * them and calls `super`.
 */
export abstract class VirtioDeviceBase {
  /** The running device's context; undefined before DRIVER_OK and after a reset. */
  protected ctx: VirtioDeviceContext | undefined;

  activate(ctx: VirtioDeviceContext): void {
    this.ctx = ctx;
  }

  reset(): void {
    this.ctx = undefined;
  }
}

/** Per-queue transport registers (§4.1.4.3 / §4.2.2). */
export interface QueueRegs {
  maxSize: number;
  size: number;
  ready: boolean;
  descAddr: number;
  driverAddr: number;
  deviceAddr: number;
  /** MSI-X vector (PCI) or VIRTIO_MSI_NO_VECTOR. */
  vector: number;
}

/** The three guest-physical areas of a virtqueue, in the order the transports lay them out. */
export const QUEUE_AREAS = ["descAddr", "driverAddr", "deviceAddr"] as const;
export type QueueArea = (typeof QUEUE_AREAS)[number];

/** How a transport delivers interrupts: queue index, or -1 for a configuration change. */
export type VirtioInterrupt = (queue: number) => void;

export interface VirtioCoreOptions {
  /** Offer VIRTIO_F_ACCESS_PLATFORM (default true: the device is DMA-space aware). */
  accessPlatform?: boolean;
  /** Offer VIRTIO_F_RING_INDIRECT_DESC (default true). */
  indirect?: boolean;
  /** Offer VIRTIO_F_RING_EVENT_IDX (default true). */
  eventIdx?: boolean;
  /** Offer VIRTIO_F_RING_PACKED (default false: drivers then use split rings). */
  packed?: boolean;
}

/** Bits a device must keep to itself: the transport owns the ring/transport feature range. */
const TRANSPORT_FEATURES_MASK = ((1n << 50n) - 1n) ^ ((1n << 24n) - 1n);

/**
 * The transport-independent half of a virtio device: feature negotiation, the device-status
 * state machine (§2.1, §3.1.1), queue registers, reset, and dispatch of notifications. The PCI
 * and MMIO transports map their registers onto this object.
 */
export class VirtioCore implements VirtioDeviceContext {
  status = 0;
  driverFeatures = 0n;
  configGeneration = 0;
  readonly offered: bigint;
  readonly queues: QueueRegs[];
  /** The ring object serving each queue: split, or packed when VIRTIO_F_RING_PACKED was negotiated. */
  private readonly rings: Array<SplitQueue | PackedQueue>;
  private readonly splits: SplitQueue[];
  private readonly packeds: PackedQueue[];
  readonly log: RateLimitedLog;
  private active = false;
  /** Exceptions thrown by device code and caught here (a model bug, not a guest mistake). */
  internalErrors = 0;
  /** The last such exception's message. */
  lastInternalError = "";

  constructor(
    readonly device: VirtioDevice,
    readonly dma: DmaSpace,
    private readonly interrupt: VirtioInterrupt,
    opts: VirtioCoreOptions = {},
  ) {
    let f = (device.deviceFeatures & ~TRANSPORT_FEATURES_MASK) | featureBit(VirtioFeature.VERSION_1);
    if (opts.accessPlatform ?? true) f |= featureBit(VirtioFeature.ACCESS_PLATFORM);
    if (opts.indirect ?? true) f |= featureBit(VirtioFeature.RING_INDIRECT_DESC);
    if (opts.eventIdx ?? true) f |= featureBit(VirtioFeature.RING_EVENT_IDX);
    if (opts.packed ?? false) f |= featureBit(VirtioFeature.RING_PACKED);
    this.offered = f;
    this.log = new RateLimitedLog(`virtio-${device.name}`);
    this.queues = device.queueMaxSizes.map((m) => ({
      maxSize: m,
      size: m,
      ready: false,
      descAddr: 0,
      driverAddr: 0,
      deviceAddr: 0,
      vector: VIRTIO_MSI_NO_VECTOR,
    }));
    this.splits = device.queueMaxSizes.map(() => new SplitQueue(dma));
    this.packeds = device.queueMaxSizes.map(() => new PackedQueue(dma));
    this.rings = [...this.splits];
  }

  get features(): bigint {
    return this.driverFeatures;
  }

  /** 32 bits of the offered features, word `sel`. */
  deviceFeatureWord(sel: number): number {
    return sel > 1 ? 0 : Number((this.offered >> BigInt(32 * sel)) & 0xffffffffn);
  }

  driverFeatureWord(sel: number): number {
    return sel > 1 ? 0 : Number((this.driverFeatures >> BigInt(32 * sel)) & 0xffffffffn);
  }

  writeDriverFeatureWord(sel: number, value: number): void {
    if (this.status & VirtioStatus.FEATURES_OK) {
      this.log.warn("feat-late", "driver wrote features after FEATURES_OK; ignored");
      return;
    }
    if (sel > 1) {
      if (value !== 0) this.log.warn("feat-sel", `driver accepted unknown feature word ${sel}; ignored`);
      return;
    }
    const shift = BigInt(32 * sel);
    this.driverFeatures = (this.driverFeatures & ~(0xffffffffn << shift)) | (BigInt(value >>> 0) << shift);
  }

  /** Device status register write (§2.1, §3.1.1). */
  writeStatus(value: number): void {
    value &= 0xff;
    if (value === 0) {
      this.reset();
      return;
    }
    const old = this.status;
    if ((value & old) !== (old & ~VirtioStatus.DEVICE_NEEDS_RESET)) {
      this.log.warn(
        "status-clear",
        `driver cleared status bits (0x${old.toString(16)} -> 0x${value.toString(16)}) without reset; ignored`,
      );
      return;
    }
    let next = value | (old & VirtioStatus.DEVICE_NEEDS_RESET);
    if (value & VirtioStatus.FEATURES_OK && !(old & VirtioStatus.FEATURES_OK)) {
      const extra = this.driverFeatures & ~this.offered;
      if (extra !== 0n || !hasFeature(this.driverFeatures, VirtioFeature.VERSION_1)) {
        // §3.1.1: the device refuses the subset by leaving FEATURES_OK clear.
        this.log.warn("features", `driver features 0x${this.driverFeatures.toString(16)} refused`);
        next &= ~VirtioStatus.FEATURES_OK;
      }
    }
    if (next & VirtioStatus.DRIVER_OK && !(old & VirtioStatus.DRIVER_OK)) {
      if (!(next & VirtioStatus.FEATURES_OK)) {
        this.log.warn("driver-ok", "DRIVER_OK without FEATURES_OK");
        this.status = next & ~VirtioStatus.DRIVER_OK;
        this.needsReset("DRIVER_OK set before FEATURES_OK");
        return;
      }
      this.status = next;
      this.active = true;
      this.run(() => {
        this.device.activate(this);
        // Buffers a driver made available (and kicked) before DRIVER_OK are served now.
        for (let i = 0; i < this.queues.length; i++) if (this.queues[i]!.ready) this.device.queueNotify(i);
      });
      return;
    }
    this.status = next;
  }

  /** Enable queue `i` with its current registers (QueueReady / queue_enable = 1). */
  enableQueue(i: number): void {
    const q = this.queues[i];
    if (q === undefined || q.ready) return;
    if (!(this.status & VirtioStatus.FEATURES_OK)) {
      this.log.warn("q-early", `queue ${i} enabled before FEATURES_OK; ignored`);
      return;
    }
    const packed = hasFeature(this.driverFeatures, VirtioFeature.RING_PACKED);
    if (q.size === 0 || q.size > q.maxSize || (!packed && (q.size & (q.size - 1)) !== 0)) {
      // §2.7: a split queue size is a power of two no larger than the maximum (§2.8: any size).
      this.needsReset(
        `queue ${i} size ${q.size} is not ${packed ? "1.." : "a power of two <= "}${q.maxSize}`,
      );
      return;
    }
    const top = Math.max(
      q.descAddr + 16 * q.size,
      q.driverAddr + 6 + 2 * q.size,
      q.deviceAddr + 6 + 8 * q.size,
    );
    if (top > MAX_DMA_ADDRESS) {
      this.needsReset(`queue ${i} rings lie past the 52-bit address space`);
      return;
    }
    if (q.descAddr % 16 !== 0 || q.driverAddr % (packed ? 4 : 2) !== 0 || q.deviceAddr % 4 !== 0) {
      this.needsReset(`queue ${i} ring addresses are misaligned (§2.7 alignment)`);
      return;
    }
    q.ready = true;
    this.rings[i] = packed ? this.packeds[i]! : this.splits[i]!;
    this.startRing(i);
  }

  /** Start ring `i` where queue `i`'s registers place it, with the negotiated ring features (not ready: size 0). */
  private startRing(i: number): void {
    const q = this.queues[i]!;
    const on = q.ready;
    this.rings[i]!.configure({
      size: on ? q.size : 0,
      descAddr: on ? q.descAddr : 0,
      driverAddr: on ? q.driverAddr : 0,
      deviceAddr: on ? q.deviceAddr : 0,
      eventIdx: on && hasFeature(this.driverFeatures, VirtioFeature.RING_EVENT_IDX),
      indirect: on && hasFeature(this.driverFeatures, VirtioFeature.RING_INDIRECT_DESC),
    });
  }

  /** Whether the driver may still change queue `i`'s registers. */
  /**
   * Write the low or high word of queue `i`'s descriptor, driver or device area address (the
   * 64-bit queue_desc / queue_driver / queue_device of §4.1.4.3 and §4.2.2); ignored once the
   * queue is enabled.
   */
  writeQueueArea(i: number, area: QueueArea, high: boolean, word: number): void {
    const q = this.queues[i];
    if (q === undefined || !this.queueWritable(i)) return;
    const cur = q[area];
    const w = word >>> 0;
    q[area] = high ? w * 2 ** 32 + (cur % 2 ** 32) : Math.floor(cur / 2 ** 32) * 2 ** 32 + w;
  }

  queueWritable(i: number): boolean {
    const q = this.queues[i];
    if (q === undefined) return false;
    if (q.ready) {
      this.log.warn("q-live", `driver changed queue ${i} registers while it is enabled; ignored`);
      return false;
    }
    return true;
  }

  /** The driver notified queue `i` (§4.1.5.2 / QueueNotify). */
  notify(i: number): void {
    if (!this.active || this.status & VirtioStatus.DEVICE_NEEDS_RESET) {
      // Linux's balloon kicks its stats queue before DRIVER_OK (§3.1.1 forbids it): an enabled queue
      // after FEATURES_OK is served when DRIVER_OK comes, so that is no mistake worth a warning.
      const early =
        this.status & VirtioStatus.FEATURES_OK &&
        !(this.status & VirtioStatus.DEVICE_NEEDS_RESET) &&
        this.queues[i]?.ready === true;
      if (!early)
        this.log.warn("notify-idle", `notification of queue ${i} while the device is not running; ignored`);
      return;
    }
    const q = this.queues[i];
    if (q === undefined || !q.ready) {
      this.log.warn("notify-q", `notification of queue ${i}, which is not enabled; ignored`);
      return;
    }
    this.run(() => this.device.queueNotify(i));
  }

  /** Run device code; anything it throws becomes DEVICE_NEEDS_RESET, and ring faults too. */
  run(fn: () => void): void {
    try {
      fn();
    } catch (e) {
      this.internalErrors++;
      this.lastInternalError = e instanceof Error ? (e.stack ?? e.message) : String(e);
      this.needsReset(`internal error: ${e instanceof Error ? e.message : String(e)}`);
      return;
    }
    this.checkFaults();
  }

  /** Turn any ring fault into DEVICE_NEEDS_RESET. */
  checkFaults(): void {
    for (let i = 0; i < this.rings.length; i++) {
      const f = this.rings[i]!.fault;
      if (f !== undefined && !(this.status & VirtioStatus.DEVICE_NEEDS_RESET))
        this.needsReset(`queue ${i}: ${f}`);
    }
  }

  // --- VirtioDeviceContext ---

  queue(i: number): Virtqueue {
    return this.rings[i] ?? this.rings[0]!;
  }

  /** The ring object of queue `i` (tests and transports). */
  ring(i: number): SplitQueue | PackedQueue | undefined {
    return this.rings[i];
  }

  notifyUsed(i: number): void {
    const r = this.rings[i];
    if (r !== undefined && this.queues[i]?.ready && r.needInterrupt()) this.interrupt(i);
  }

  configChanged(): void {
    this.configGeneration = (this.configGeneration + 1) & 0xff;
    if (this.status & VirtioStatus.DRIVER_OK) this.interrupt(-1);
  }

  needsReset(reason: string): void {
    this.log.warn("needs-reset", `DEVICE_NEEDS_RESET: ${reason}`);
    if (this.status & VirtioStatus.DEVICE_NEEDS_RESET) return;
    this.status |= VirtioStatus.DEVICE_NEEDS_RESET;
    // §2.1.2: tell the driver through a configuration change notification.
    if (this.status & VirtioStatus.DRIVER_OK) this.interrupt(-1);
  }

  /** Snapshot: status, features, queue registers and ring positions, then the device's state. */
  saveState(w: StateWriter): void {
    const d = this.device;
    if (d.saveState === undefined || d.loadState === undefined)
      throw new SnapshotError("unsupported", `virtio-${d.name} cannot be snapshotted`);
    w.f64(this.status);
    w.u64(this.driverFeatures);
    w.f64(this.configGeneration);
    w.bool(this.active);
    w.u32(this.queues.length);
    for (let i = 0; i < this.queues.length; i++) {
      const q = this.queues[i]!;
      w.f64(q.size);
      w.bool(q.ready);
      for (const k of QUEUE_AREAS) w.f64(q[k]);
      w.f64(q.vector);
      const packed = this.rings[i] === this.packeds[i];
      w.bool(packed);
      (packed ? this.packeds[i]! : this.splits[i]!).saveState(w);
    }
    w.u32(d.stateVersion ?? 1);
    d.saveState(w);
  }

  loadState(r: StateReader): () => void {
    const d = this.device;
    if (d.loadState === undefined) r.fail(`virtio-${d.name} cannot be restored`);
    const status = r.f64();
    const features = r.u64();
    const gen = r.f64();
    const active = r.bool();
    r.expect(this.queues.length, "queue count");
    const qs = this.queues.map((q, i) => {
      const size = r.f64();
      const ready = r.bool();
      const areas = {} as Record<QueueArea, number>;
      for (const k of QUEUE_AREAS) areas[k] = r.f64();
      const vector = r.f64();
      if (!Number.isInteger(size) || size < 0 || size > q.maxSize) r.fail(`queue ${i} size ${size}`);
      const packed = r.bool();
      const ring = packed ? this.packeds[i]! : this.splits[i]!;
      const ringCommit = ring.loadState(r);
      return { q, i, size, ready, areas, vector, packed, ring, ringCommit };
    });
    const ver = r.u32();
    if (ver > (d.stateVersion ?? 1)) r.fail(`virtio-${d.name} state version ${ver}`);
    const dev = d.loadState!(r, ver);
    return () => {
      this.status = status;
      this.driverFeatures = features;
      this.configGeneration = gen;
      this.active = active;
      for (const e of qs) {
        Object.assign(e.q, e.areas, { size: e.size, ready: e.ready, vector: e.vector });
        this.rings[e.i] = e.ring;
        this.startRing(e.i);
        e.ringCommit();
      }
      d.reset();
      dev(active ? this : undefined);
    };
  }

  /** Device reset (§2.4): status, features and queues back to their initial values. */
  reset(): void {
    this.status = 0;
    this.driverFeatures = 0n;
    this.active = false;
    for (let i = 0; i < this.queues.length; i++) this.resetQueue(i);
    try {
      this.device.reset();
    } catch (e) {
      this.log.warn("reset", `device reset failed: ${e instanceof Error ? e.message : String(e)}`);
    }
  }

  /** Reset one queue (VIRTIO_F_RING_RESET, §2.6.1). */
  resetQueue(i: number): void {
    const q = this.queues[i];
    if (q === undefined) return;
    q.ready = false;
    q.size = q.maxSize;
    q.descAddr = 0;
    q.driverAddr = 0;
    q.deviceAddr = 0;
    q.vector = VIRTIO_MSI_NO_VECTOR;
    this.startRing(i); // stopped: not ready
  }
}
