import {
  ConfigError,
  getU32LE,
  getUintLE,
  type MmioDevice,
  type MsiSink,
  MsixTable,
  type PciFunctionHost,
  putU32LE,
  RateLimitedLog,
} from "@armature/core";

/** Capability IDs (PCI Local Bus 3.0 Appendix H). */
export const PciCapId = {
  PM: 0x01,
  MSI: 0x05,
  VENDOR: 0x09,
  PCIE: 0x10,
  MSIX: 0x11,
} as const;

type Hook = {
  start: number;
  end: number;
  read?: (offset: number, size: 1 | 2 | 4) => number;
  write?: (offset: number, size: 1 | 2 | 4, value: number) => void;
};

/**
 * The function-owned part of a configuration space (0x40..0xfff): plain bytes with per-byte
 * write masks, a capability list builder, and hooks for registers with side effects. A function
 * implementing core's `PciFunction` can delegate its `configRead/configWrite` here.
 */
export class PciConfigSpace {
  readonly bytes = new Uint8Array(4096);
  readonly writeMask = new Uint8Array(4096);
  private readonly hooks: Hook[] = [];
  private next = 0x40;
  private last = 0;
  /** Offset of the first capability, or 0 (feed this to PciFunction.capabilityPointer). */
  capabilityPointer = 0;

  /** Append a capability of `length` bytes with `id`; returns its offset (dword aligned). */
  addCapability(id: number, length: number): number {
    const at = this.next;
    if (at + length > 0x100)
      throw new ConfigError(`capability 0x${id.toString(16)} does not fit below 0x100`);
    this.bytes[at] = id;
    this.bytes[at + 1] = 0;
    if (this.last === 0) this.capabilityPointer = at;
    else this.bytes[this.last + 1] = at;
    this.last = at;
    this.next = (at + length + 3) & ~3;
    return at;
  }

  /** Route accesses to [start, end) through `read`/`write` instead of the byte store. */
  hook(start: number, end: number, read?: Hook["read"], write?: Hook["write"]): void {
    const h: Hook = { start, end };
    if (read) h.read = read;
    if (write) h.write = write;
    this.hooks.push(h);
  }

  private find(offset: number): Hook | undefined {
    for (const h of this.hooks) if (offset >= h.start && offset < h.end) return h;
    return undefined;
  }

  read(offset: number, size: 1 | 2 | 4): number {
    const h = this.find(offset);
    if (h?.read) return h.read(offset, size);
    return getUintLE(this.bytes, offset, size);
  }

  write(offset: number, size: 1 | 2 | 4, value: number): void {
    const h = this.find(offset);
    if (h?.write) {
      h.write(offset, size, value);
      return;
    }
    for (let i = 0; i < size && offset + i < 4096; i++) {
      const m = this.writeMask[offset + i]!;
      const b = (value >>> (8 * i)) & 0xff;
      this.bytes[offset + i] = (this.bytes[offset + i]! & ~m) | (b & m);
    }
  }

  u16(offset: number): number {
    return this.bytes[offset]! | (this.bytes[offset + 1]! << 8);
  }
  u32(offset: number): number {
    return getU32LE(this.bytes, offset);
  }
  setU16(offset: number, v: number): void {
    this.bytes[offset] = v & 0xff;
    this.bytes[offset + 1] = (v >>> 8) & 0xff;
  }
  setU32(offset: number, v: number): void {
    putU32LE(this.bytes, offset, v);
  }
  setMask(offset: number, len: number, mask = 0xff): void {
    this.writeMask.fill(mask, offset, offset + len);
  }
}

/**
 * An MSI capability (PCI 3.0 §6.8.1): 64-bit address, 1..32 vectors, per-vector masking with
 * pending bits. Signals go through the host's MsiSink tagged with its requester id.
 */
export class MsiCapability {
  readonly offset: number;
  private readonly log = new RateLimitedLog("pci-msi");
  private host: PciFunctionHost | undefined;

  constructor(
    readonly space: PciConfigSpace,
    readonly vectors = 1,
  ) {
    if (![1, 2, 4, 8, 16, 32].includes(vectors))
      throw new ConfigError(`MSI vectors ${vectors}: use 1, 2, 4, 8, 16 or 32`);
    const at = space.addCapability(PciCapId.MSI, 24);
    this.offset = at;
    // Message Control: MMC = log2(vectors), 64-bit capable, per-vector masking capable.
    space.setU16(at + 2, (Math.log2(vectors) << 1) | (1 << 7) | (1 << 8));
    space.setMask(at + 2, 1, 0x71); // enable + MME
    space.setMask(at + 4, 1, 0xfc);
    space.setMask(at + 5, 3);
    space.setMask(at + 8, 4);
    space.setMask(at + 12, 2);
    space.setMask(at + 16, 4);
    space.hook(at + 16, at + 20, undefined, (o, s, v) => {
      const before = space.u32(at + 16);
      for (let i = 0; i < s; i++) space.bytes[o + i] = (v >>> (8 * i)) & 0xff;
      const now = space.u32(at + 16);
      if (before & ~now) this.flush();
    });
  }

  /** Give the capability the host it signals through (call from PciFunction.attach). */
  bind(host: PciFunctionHost): void {
    this.host = host;
  }

  get enabled(): boolean {
    return (this.space.bytes[this.offset + 2]! & 1) === 1;
  }
  /** Vectors the driver enabled (2^MME). */
  get allocated(): number {
    return Math.min(this.vectors, 1 << ((this.space.bytes[this.offset + 2]! >> 4) & 7));
  }

  /** Signal `vector`: sent now, or marked pending if masked. Returns whether a message was sent. */
  signal(vector: number): boolean {
    const s = this.space;
    const at = this.offset;
    if (!this.enabled || vector >= this.allocated) return false;
    const bit = 1 << vector;
    if (s.u32(at + 16) & bit) {
      s.setU32(at + 20, s.u32(at + 20) | bit);
      return false;
    }
    const host = this.host;
    if (host === undefined || !host.busMasterEnabled()) return false;
    const addr = s.u32(at + 8) * 2 ** 32 + s.u32(at + 4);
    // §6.8.1.6: the low log2(allocated) bits of the data carry the vector number.
    const data = (s.u16(at + 12) & ~(this.allocated - 1)) | vector;
    if (!host.msi.sendMsi(addr, data, host.requesterId)) {
      this.log.warn("undelivered", `MSI to 0x${addr.toString(16)} was not accepted`);
      return false;
    }
    return true;
  }

  private flush(): void {
    const s = this.space;
    const pend = s.u32(this.offset + 20) & ~s.u32(this.offset + 16);
    for (let v = 0; v < 32; v++) {
      if (pend & (1 << v)) {
        s.setU32(this.offset + 20, s.u32(this.offset + 20) & ~(1 << v));
        this.signal(v);
      }
    }
  }
}

/** Where an MSI-X table or PBA lives: a BAR index and an offset inside it (8-byte aligned). */
export interface MsixPlacement {
  vectors: number;
  tableBar: number;
  tableOffset: number;
  pbaBar: number;
  pbaOffset: number;
}

/**
 * An MSI-X capability (PCI 3.0 §6.8.2) around core's `MsixTable`, which holds the table, the
 * pending bits, Message Control's enable and function mask and the delivery rules; this class
 * places the capability in configuration space and keeps Message Control there in step. The
 * function's BAR device forwards table/PBA accesses to `readTable/writeTable/readPba` (or uses
 * `tableDevice` / `pbaDevice` as the MmioDevice of a region of its BAR).
 */
export class MsixCapability {
  readonly offset: number;
  readonly vectors: number;
  private readonly msix: MsixTable;
  private host: PciFunctionHost | undefined;
  private readonly log = new RateLimitedLog("pci-msix");
  /** Messages leave through the host's sink, and only while the function may master the bus. */
  private readonly sink: MsiSink = {
    sendMsi: (address, data, requesterId) => {
      const host = this.host;
      if (host === undefined || !host.busMasterEnabled()) return false;
      if (host.msi.sendMsi(address, data, requesterId)) return true;
      this.log.warn("undelivered", `MSI-X message to 0x${address.toString(16)} was not accepted`);
      return false;
    },
  };
  readonly tableDevice: MmioDevice;
  readonly pbaDevice: MmioDevice;

  constructor(
    readonly space: PciConfigSpace,
    p: MsixPlacement,
  ) {
    if (p.vectors < 1 || p.vectors > 2048) throw new ConfigError(`MSI-X vectors ${p.vectors}: use 1..2048`);
    if (p.tableOffset % 8 !== 0 || p.pbaOffset % 8 !== 0)
      throw new ConfigError("MSI-X table and PBA offsets must be 8-byte aligned");
    this.vectors = p.vectors;
    this.msix = new MsixTable(p.vectors);
    const at = space.addCapability(PciCapId.MSIX, 12);
    this.offset = at;
    this.msix.putCapability(space.bytes, at, 0, p.tableOffset | p.tableBar, p.pbaOffset | p.pbaBar);
    // Message Control (bits 15 enable and 14 function mask writable), whatever the access's width.
    space.hook(at, at + 4, undefined, (o, s, v) => {
      if (this.msix.writeCapabilityControl(at, o, s, v, this.sink, this.requesterId))
        space.setU16(at + 2, this.msix.control());
    });
    this.tableDevice = { read: (o, s) => this.readTable(o, s), write: (o, s, v) => this.writeTable(o, s, v) };
    this.pbaDevice = { read: (o, s) => this.readPba(o, s), write: () => {} };
    this.reset();
  }

  bind(host: PciFunctionHost): void {
    this.host = host;
  }

  private get requesterId(): number {
    return this.host?.requesterId ?? 0;
  }

  /** Every vector masked, nothing pending, MSI-X disabled (§6.8.2.9). */
  reset(): void {
    this.msix.reset();
    this.space.setU16(this.offset + 2, this.msix.control());
  }

  get enabled(): boolean {
    return this.msix.enabled;
  }
  get functionMask(): boolean {
    return this.msix.functionMask;
  }
  isMasked(vector: number): boolean {
    return this.msix.isMasked(vector);
  }
  isPending(vector: number): boolean {
    return this.msix.isPending(vector);
  }

  readTable(off: number, size: 1 | 2 | 4): number {
    if (off % size !== 0) return 0;
    return this.msix.readTable(off, size);
  }

  writeTable(off: number, size: 1 | 2 | 4, value: number): void {
    if (off + size > this.vectors * 16 || off % size !== 0) {
      this.log.warn(
        "table",
        `MSI-X table write at 0x${off.toString(16)} outside the table or unaligned; ignored`,
      );
      return;
    }
    this.msix.writeTable(off, size, value, this.sink, this.requesterId);
  }

  readPba(off: number, size: 1 | 2 | 4): number {
    return this.msix.readPba(off, size);
  }

  /** Signal `vector`: sent, or left pending while masked. Returns whether a message was sent. */
  signal(vector: number): boolean {
    return this.msix.signal(vector, this.sink, this.requesterId);
  }
}
