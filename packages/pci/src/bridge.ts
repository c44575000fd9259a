import {
  type Bus,
  ConfigError,
  hex,
  type IrqLine,
  type MmioDevice,
  type MmioRegion,
  type MsiSink,
  nullMsiSink,
  type PciBar,
  type PciFunction,
  type PciFunctionHost,
  RateLimitedLog,
  RegionOverlapError,
  type StateReader,
  type StateWriter,
} from "@armature/core";

/** Type-0 header offsets (PCI Local Bus 3.0 §6.1). */
export const PciCfg = {
  VENDOR_ID: 0x00,
  DEVICE_ID: 0x02,
  COMMAND: 0x04,
  STATUS: 0x06,
  REVISION_ID: 0x08,
  CLASS_CODE: 0x09,
  CACHE_LINE_SIZE: 0x0c,
  LATENCY_TIMER: 0x0d,
  HEADER_TYPE: 0x0e,
  BAR0: 0x10,
  SUBSYSTEM_VENDOR_ID: 0x2c,
  SUBSYSTEM_ID: 0x2e,
  EXPANSION_ROM: 0x30,
  CAPABILITIES_POINTER: 0x34,
  INTERRUPT_LINE: 0x3c,
  INTERRUPT_PIN: 0x3d,
} as const;

/** Command register bits (§6.2.2). */
export const PciCommand = {
  IO_SPACE: 1 << 0,
  MEMORY_SPACE: 1 << 1,
  BUS_MASTER: 1 << 2,
  PARITY_ERROR_RESPONSE: 1 << 6,
  SERR_ENABLE: 1 << 8,
  INTX_DISABLE: 1 << 10,
} as const;
const COMMAND_WRITABLE = 0x0547;

/** An address window: PCI addresses [pciBase, pciBase + size) appear at CPU address cpuBase. */
export interface PciWindow {
  cpuBase: number;
  size: number;
  /** PCI-side base (default: cpuBase, an identity mapping). */
  pciBase?: number;
}

export interface PciHostBridgeOptions {
  /** The bus on which ECAM and the mapped BARs are placed. */
  bus: Bus;
  /** ECAM window base; its size is (last bus - first bus + 1) MiB (PCIe Base §7.2.2). */
  ecamBase: number;
  /** First and last bus number (default [0, 255]). Functions live on the first bus. */
  busRange?: readonly [number, number];
  /** 32-bit non-prefetchable memory window. */
  mmio32: PciWindow;
  /** 64-bit (prefetchable) memory window, optional. */
  mmio64?: PciWindow;
  /** I/O port window, optional (I/O BARs are mapped as MMIO at cpuBase + port - pciBase). */
  io?: PciWindow;
  /** Where MSI/MSI-X writes go (e.g. a GIC ITS); default drops them. */
  msi?: MsiSink;
  /** The four host interrupt lines INTA..INTD after the swizzle (order as in interrupt-map). */
  intx?: readonly IrqLine[];
  /** Name prefix of the bus regions (default "pcie"). */
  name?: string;
}

/** A device/function slot on the root bus. */
export interface PciAddress {
  device: number;
  function?: number;
}

interface Slot {
  fn: PciFunction;
  device: number;
  func: number;
  rid: number;
  command: number;
  cacheLine: number;
  latency: number;
  intLine: number;
  /** BAR register values as the guest last wrote them (address bits only), per index. */
  barRegs: number[];
  /** BAR descriptors by index (a mem64 BAR also occupies index + 1 as its upper half). */
  barAt: Array<PciBar | undefined>;
  mapped: Array<MmioRegion | undefined>;
  intx: boolean;
}

/** A BAR refused because another function's mapped BAR (`other`) holds part of its range. */
interface BarConflict {
  slot: Slot;
  /** "D.F BAR i at 0x…", for the warning. */
  what: string;
  base: number;
  size: number;
  other: string;
}

/**
 * A generic ECAM PCIe host bridge (`pci-host-ecam-generic`, PCIe Base §7.2.2): configuration
 * space through a memory-mapped window, type-0 functions on the root bus with their BARs mapped
 * onto the Bus when memory/I/O decoding is enabled, INTx routed through the standard swizzle
 * (line = (device + pin - 1) mod 4) and MSI through an MsiSink.
 */
export class PciHostBridge {
  readonly ecamBase: number;
  readonly ecamSize: number;
  readonly busRange: readonly [number, number];
  readonly mmio32: PciWindow;
  readonly mmio64: PciWindow | undefined;
  readonly io: PciWindow | undefined;
  readonly ecam: MmioDevice;
  readonly name: string;
  private readonly bus: Bus;
  private readonly msi: MsiSink;
  private readonly intx: readonly IrqLine[];
  private readonly intxCount = [0, 0, 0, 0];
  private readonly slots = new Map<number, Slot>();
  private readonly log = new RateLimitedLog("pci");
  /** Slots with a BAR refused for overlapping another region (retried when a mapping goes away). */
  private readonly overlapped = new Set<Slot>();
  /** BARs refused for overlapping another function's BAR, and the range each contests. */
  private readonly conflicts: BarConflict[] = [];
  /** The BAR mappings that watch for accesses to a contested range. */
  private readonly watched = new WeakSet<MmioRegion>();

  constructor(opts: PciHostBridgeOptions) {
    this.bus = opts.bus;
    this.busRange = opts.busRange ?? [0, 255];
    const [b0, b1] = this.busRange;
    if (!(Number.isInteger(b0) && Number.isInteger(b1) && b0 >= 0 && b1 <= 255 && b0 <= b1)) {
      throw new ConfigError(`bus range [${b0}, ${b1}] must be within 0..255, first <= last`);
    }
    this.ecamBase = opts.ecamBase;
    this.ecamSize = (b1 - b0 + 1) << 20;
    this.mmio32 = opts.mmio32;
    this.mmio64 = opts.mmio64;
    this.io = opts.io;
    this.msi = opts.msi ?? nullMsiSink;
    this.intx = opts.intx ?? [];
    this.name = opts.name ?? "pcie";
    if (this.intx.length !== 0 && this.intx.length !== 4)
      throw new ConfigError("intx needs exactly 4 lines (INTA..INTD)");
    for (const [n, w] of [
      ["mmio32", this.mmio32],
      ["mmio64", this.mmio64],
      ["io", this.io],
    ] as const) {
      if (
        w !== undefined &&
        (w.size <= 0 || !Number.isSafeInteger(w.cpuBase) || !Number.isSafeInteger(w.size))
      ) {
        throw new ConfigError(`${n} window: cpuBase and size must be integers, size > 0`);
      }
    }
    if (
      this.mmio32.cpuBase + this.mmio32.size > 2 ** 32 &&
      (this.mmio32.pciBase ?? this.mmio32.cpuBase) + this.mmio32.size > 2 ** 32
    ) {
      throw new ConfigError("mmio32 window must lie below 4 GiB on the PCI side");
    }
    this.ecam = { read: (o, s) => this.ecamRead(o, s), write: (o, s, v) => this.ecamWrite(o, s, v) };
    this.bus.addMmio(`${this.name}-ecam`, this.ecamBase, this.ecamSize, this.ecam);
  }

  /** Attach a function at device (0..31) / function (0..7) of the root bus; returns its requester id. */
  attach(fn: PciFunction, at: PciAddress): number {
    const func = at.function ?? 0;
    if (
      !Number.isInteger(at.device) ||
      at.device < 0 ||
      at.device > 31 ||
      !Number.isInteger(func) ||
      func < 0 ||
      func > 7
    ) {
      throw new ConfigError(`PCI address ${at.device}.${func}: device must be 0..31 and function 0..7`);
    }
    const key = (at.device << 3) | func;
    if (this.slots.has(key)) throw new ConfigError(`PCI slot ${at.device}.${func} is already taken`);
    const barAt: Array<PciBar | undefined> = [
      undefined,
      undefined,
      undefined,
      undefined,
      undefined,
      undefined,
    ];
    for (const b of fn.bars) {
      const mem = b.kind !== "io";
      const okSize = Number.isSafeInteger(b.size) && b.size > 0 && Number.isInteger(Math.log2(b.size));
      if (!okSize || (mem && b.size < 16) || (!mem && (b.size < 4 || b.size > 256))) {
        throw new ConfigError(
          `BAR ${b.index}: size ${b.size} must be a power of two (>= 16 for memory, 4..256 for I/O)`,
        );
      }
      const top = b.kind === "mem64" ? b.index + 1 : b.index;
      if (b.index < 0 || top > 5 || barAt[b.index] !== undefined || barAt[top] !== undefined) {
        throw new ConfigError(`BAR ${b.index} (${b.kind}) overlaps another BAR or is past BAR 5`);
      }
      if (b.kind === "mem32" && b.size > 2 ** 31)
        throw new ConfigError(`BAR ${b.index}: a 32-bit BAR cannot be ${b.size} bytes`);
      barAt[b.index] = b;
    }
    const slot: Slot = {
      fn,
      device: at.device,
      func,
      rid: (this.busRange[0] << 8) | key,
      command: 0,
      cacheLine: 0,
      latency: 0,
      intLine: 0xff,
      barRegs: [0, 0, 0, 0, 0, 0],
      barAt,
      mapped: [undefined, undefined, undefined, undefined, undefined, undefined],
      intx: false,
    };
    this.slots.set(key, slot);
    const bridge = this;
    const host: PciFunctionHost = {
      requesterId: slot.rid,
      msi: {
        sendMsi(address: number, data: number, deviceId: number): boolean {
          if (!(slot.command & PciCommand.BUS_MASTER)) return false;
          return bridge.msi.sendMsi(address, data, deviceId);
        },
      },
      setIntx(asserted: boolean) {
        bridge.setIntx(slot, asserted);
      },
      busMasterEnabled() {
        return (slot.command & PciCommand.BUS_MASTER) !== 0;
      },
    };
    fn.attach(host);
    return slot.rid;
  }

  /** Snapshot state version (Snapshottable, @armature/core). */
  readonly stateVersion = 1;

  /**
   * Save each function's type-0 header as the bridge keeps it (command, cache line, latency,
   * interrupt line, BAR registers, INTx input) and the INTx line counts. The functions save
   * their own state (their capabilities, their device).
   */
  saveState(w: StateWriter): void {
    w.u32(this.slots.size);
    for (const [key, slot] of this.slots) {
      w.u32(key);
      for (const k of SLOT_STATE) w.f64(slot[k]);
      for (const v of slot.barRegs) w.f64(v);
      w.bool(slot.intx);
    }
    for (const c of this.intxCount) w.f64(c);
  }

  /** Parse a saved state; the commit re-maps every BAR where the guest had placed it. */
  loadState(r: StateReader): () => void {
    r.expect(this.slots.size, "PCI function count");
    const saved = [...this.slots].map(([key, slot]) => {
      r.expect(key, "PCI function address");
      const n = SLOT_STATE.map(() => r.f64());
      const bars = [r.f64(), r.f64(), r.f64(), r.f64(), r.f64(), r.f64()];
      return { slot, n, bars, intx: r.bool() };
    });
    const counts = [r.f64(), r.f64(), r.f64(), r.f64()];
    return () => {
      // Unmap everything first: a BAR may move to where another one is now.
      for (const { slot } of saved) {
        for (let i = 0; i < 6; i++) {
          const cur = slot.mapped[i];
          if (cur === undefined) continue;
          this.bus.remove(cur);
          slot.mapped[i] = undefined;
          slot.fn.barMapped?.(i, -1);
        }
      }
      for (const { slot, n, bars, intx } of saved) {
        SLOT_STATE.forEach((k, i) => {
          slot[k] = n[i]!;
        });
        slot.barRegs.splice(0, 6, ...bars);
        slot.intx = intx;
      }
      for (const { slot } of saved) this.remap(slot);
      counts.forEach((c, i) => {
        this.intxCount[i] = c;
      });
    };
  }

  /** The INTx line index (0 = INTA .. 3 = INTD) a pin (1..4) of `device` reaches: the swizzle. */
  static swizzle(device: number, pin: number): number {
    return (device + pin - 1) % 4;
  }

  private setIntx(slot: Slot, asserted: boolean): void {
    const was = slot.intx && !(slot.command & PciCommand.INTX_DISABLE);
    slot.intx = asserted;
    this.updateIntx(slot, was);
  }

  private updateIntx(slot: Slot, was: boolean): void {
    const pin = slot.fn.ids.interruptPin;
    if (pin < 1 || pin > 4) return;
    const now = slot.intx && !(slot.command & PciCommand.INTX_DISABLE);
    if (now === was) return;
    const line = PciHostBridge.swizzle(slot.device, pin);
    this.intxCount[line]! += now ? 1 : -1;
    this.intx[line]?.set(this.intxCount[line]! > 0);
  }

  // --- ECAM ---

  private decode(offset: number): { slot: Slot | undefined; reg: number } {
    const busRel = Math.floor(offset / (1 << 20));
    const key = (offset >>> 12) & 0xff;
    return { slot: busRel === 0 ? this.slots.get(key) : undefined, reg: offset & 0xfff };
  }

  private ecamRead(offset: number, size: 1 | 2 | 4): number {
    const { slot, reg } = this.decode(offset);
    const ones = size === 4 ? 0xffffffff : size === 2 ? 0xffff : 0xff;
    if (slot === undefined) return ones;
    if (reg % size !== 0) {
      this.log.warn("unaligned", `unaligned ${size}-byte config read at 0x${reg.toString(16)}`);
      return ones;
    }
    if (reg >= 0x40) return slot.fn.configRead(reg, size) >>> 0;
    const dw = this.headerDword(slot, reg & ~3);
    return size === 4 ? dw >>> 0 : (dw >>> ((reg & 3) * 8)) & ones;
  }

  private ecamWrite(offset: number, size: 1 | 2 | 4, value: number): void {
    const { slot, reg } = this.decode(offset);
    if (slot === undefined) return;
    if (reg % size !== 0) {
      this.log.warn("unaligned", `unaligned ${size}-byte config write at 0x${reg.toString(16)}`);
      return;
    }
    if (reg >= 0x40) {
      slot.fn.configWrite(reg, size, value);
      return;
    }
    const sh = (reg & 3) * 8;
    const mask = size === 4 ? 0xffffffff : ((size === 2 ? 0xffff : 0xff) << sh) >>> 0;
    const merged = ((this.headerDword(slot, reg & ~3) & ~mask) | ((value << sh) & mask)) >>> 0;
    this.writeHeaderDword(slot, reg & ~3, merged, mask);
  }

  private barFlags(b: PciBar): number {
    if (b.kind === "io") return 1;
    return (b.kind === "mem64" ? 4 : 0) | (b.prefetchable ? 8 : 0);
  }

  private barRegister(slot: Slot, i: number): number {
    const b = slot.barAt[i];
    if (b !== undefined) return (slot.barRegs[i]! | this.barFlags(b)) >>> 0;
    const lower = slot.barAt[i - 1];
    if (lower?.kind === "mem64") return slot.barRegs[i]! >>> 0;
    return 0;
  }

  private headerDword(slot: Slot, dw: number): number {
    const ids = slot.fn.ids;
    switch (dw) {
      case 0x00:
        return (ids.vendorId | (ids.deviceId << 16)) >>> 0;
      case 0x04: {
        const status = (slot.fn.capabilityPointer !== 0 ? 0x10 : 0) | (slot.intx ? 0x08 : 0);
        return (slot.command | (status << 16)) >>> 0;
      }
      case 0x08:
        return (ids.revisionId | (ids.classCode << 8)) >>> 0;
      case 0x0c: {
        const multi =
          slot.func === 0 && [...this.slots.values()].some((s) => s.device === slot.device && s.func !== 0);
        return slot.cacheLine | (slot.latency << 8) | ((multi ? 0x80 : 0) << 16);
      }
      case 0x2c:
        return (ids.subsystemVendorId | (ids.subsystemId << 16)) >>> 0;
      case 0x34:
        return slot.fn.capabilityPointer & 0xfc;
      case 0x3c:
        return slot.intLine | ((ids.interruptPin & 0xff) << 8);
      default:
        if (dw >= 0x10 && dw <= 0x24) return this.barRegister(slot, (dw - 0x10) >> 2);
        return 0;
    }
  }

  private writeHeaderDword(slot: Slot, dw: number, v: number, mask: number): void {
    switch (dw) {
      case 0x04: {
        if (!(mask & 0xffff)) return; // Status: error bits are RW1C and never set here
        const old = slot.command;
        const wasIntx = slot.intx && !(old & PciCommand.INTX_DISABLE);
        slot.command = v & COMMAND_WRITABLE;
        if (old !== slot.command) {
          this.updateIntx(slot, wasIntx);
          this.remap(slot);
          slot.fn.commandChanged?.(slot.command);
        }
        return;
      }
      case 0x0c:
        slot.cacheLine = v & 0xff;
        slot.latency = (v >>> 8) & 0xff;
        return;
      case 0x3c:
        slot.intLine = v & 0xff;
        return;
      default:
        if (dw >= 0x10 && dw <= 0x24) this.writeBar(slot, (dw - 0x10) >> 2, v);
    }
  }

  private writeBar(slot: Slot, i: number, v: number): void {
    const b = slot.barAt[i];
    if (b !== undefined) {
      // §6.2.5.1: bits below the BAR size read back as zero, which is how software sizes it.
      const low = b.kind === "io" ? 0x3 : 0xf;
      const sizeMask = b.size >= 2 ** 32 ? 0 : ~(b.size - 1);
      slot.barRegs[i] = (v & sizeMask & ~low) >>> 0;
    } else if (slot.barAt[i - 1]?.kind === "mem64") {
      const lower = slot.barAt[i - 1]!;
      const hiMask = lower.size > 2 ** 32 ? ~(lower.size / 2 ** 32 - 1) : 0xffffffff;
      slot.barRegs[i] = (v & hiMask) >>> 0;
    } else return;
    this.remap(slot);
  }

  /** PCI address of BAR `i`, or -1 when unassigned. */
  private barAddress(slot: Slot, i: number): number {
    const b = slot.barAt[i]!;
    const lo = slot.barRegs[i]!;
    const a = b.kind === "mem64" ? slot.barRegs[i + 1]! * 2 ** 32 + lo : lo;
    return a === 0 ? -1 : a;
  }

  private toCpu(b: PciBar, pci: number): number {
    const wins: Array<PciWindow | undefined> =
      b.kind === "io" ? [this.io] : b.kind === "mem64" ? [this.mmio64, this.mmio32] : [this.mmio32];
    for (const w of wins) {
      if (w === undefined) continue;
      const base = w.pciBase ?? w.cpuBase;
      if (pci >= base && pci + b.size <= base + w.size) return w.cpuBase + (pci - base);
    }
    return -1;
  }

  /**
   * Bring BAR mappings on the bus in line with the BAR registers and the Command register. A BAR
   * refused because it overlapped another is retried whenever a mapping goes away: software that
   * reassigns BARs one at a time (Linux under ACPI moves every BAR after the firmware placed them)
   * passes through such overlaps, and the BAR must decode once its range is free again.
   */
  private remap(slot: Slot): void {
    if (this.remapSlot(slot) && this.overlapped.size > 0) {
      for (const s of [...this.overlapped]) if (s !== slot) this.remapSlot(s);
    }
  }

  /**
   * Note that a BAR of `c.slot` was refused because it overlaps the mapped BAR named `other`, and
   * watch that BAR's mapping so that a guest access to the contested range is reported. False
   * when `other` is no BAR of this bridge.
   */
  private addConflict(other: string, c: Omit<BarConflict, "other">): boolean {
    for (const s of this.slots.values()) {
      const j = s.mapped.findIndex((r) => r?.name === other);
      if (j < 0) continue;
      this.conflicts.push({ ...c, other });
      const r = s.mapped[j]!;
      if (!this.watched.has(r)) {
        this.bus.remove(r);
        const w = this.bus.addMmio(r.name, r.base, r.size, this.watching(r, s.barAt[j]!.device));
        this.watched.add(w);
        s.mapped[j] = w;
      }
      return true;
    }
    return false;
  }

  private clearConflicts(slot: Slot): void {
    for (let k = this.conflicts.length - 1; k >= 0; k--)
      if (this.conflicts[k]!.slot === slot) this.conflicts.splice(k, 1);
  }

  /** `dev` as mapped at `r`, warning when an access lands in a range another BAR contests. */
  private watching(r: MmioRegion, dev: MmioDevice): MmioDevice {
    const check = (offset: number) => {
      if (this.conflicts.length === 0) return;
      const a = r.base + offset;
      for (const c of this.conflicts)
        if (a >= c.base && a < c.base + c.size)
          this.log.warn(
            "bar-overlap",
            `${c.what} overlaps ${c.other} and is not decoded; the guest's access at ${hex(a)} went to ${c.other}`,
          );
    };
    const w: MmioDevice = {
      read: (o, s) => {
        check(o);
        return dev.read(o, s);
      },
      write: (o, s, v) => {
        check(o);
        dev.write(o, s, v);
      },
    };
    if (dev.read64 !== undefined)
      w.read64 = (o) => {
        check(o);
        return dev.read64!(o);
      };
    if (dev.write64 !== undefined)
      w.write64 = (o, v) => {
        check(o);
        dev.write64!(o, v);
      };
    return w;
  }

  /** remap() for one slot; true when it took a mapping off the bus. */
  private remapSlot(slot: Slot): boolean {
    let removed = false;
    this.overlapped.delete(slot);
    this.clearConflicts(slot);
    for (let i = 0; i < 6; i++) {
      const b = slot.barAt[i];
      if (b === undefined) continue;
      const decode =
        b.kind === "io" ? slot.command & PciCommand.IO_SPACE : slot.command & PciCommand.MEMORY_SPACE;
      const pci = this.barAddress(slot, i);
      const cpu = decode && pci >= 0 ? this.toCpu(b, pci) : -1;
      const cur = slot.mapped[i];
      if (cur !== undefined && cur.base === cpu) continue;
      if (cur !== undefined) {
        this.bus.remove(cur);
        slot.mapped[i] = undefined;
        slot.fn.barMapped?.(i, -1);
        removed = true;
      }
      if (cpu < 0) {
        if (decode && pci >= 0) {
          this.log.warn(
            "bar-window",
            `${slot.device}.${slot.func} BAR ${i} at ${hex(pci)} is outside the bridge windows; not decoded`,
          );
        }
        continue;
      }
      try {
        slot.mapped[i] = this.bus.addMmio(
          `${this.name}-${slot.device}.${slot.func}-bar${i}`,
          cpu,
          b.size,
          b.device,
        );
        slot.fn.barMapped?.(i, cpu);
      } catch (e) {
        if (!(e instanceof RegionOverlapError)) throw e;
        this.overlapped.add(slot);
        const what = `${slot.device}.${slot.func} BAR ${i} at ${hex(cpu)}`;
        // Over another function's BAR: a step of a reassignment (Linux writes each BAR with
        // decoding on, so one BAR may land on another's old place until that one moves).
        // Quiet unless the guest uses the contested range while the overlap lasts.
        if (!this.addConflict(e.first, { slot, what, base: cpu, size: b.size }))
          this.log.warn("bar-overlap", `${what} overlaps ${e.first}; not decoded while it does`);
      }
    }
    return removed;
  }

  /**
   * Firmware-style resource assignment (what UEFI does before an ACPI OS boots): give every BAR
   * a naturally aligned address in its window, then enable memory/I/O decoding and bus mastering.
   * A DT-booted Linux reassigns BARs itself, so boards call this only when they want it.
   */
  assignResources(): void {
    const next = new Map<PciWindow, number>();
    const take = (w: PciWindow | undefined, size: number): number => {
      if (w === undefined) return -1;
      const base = w.pciBase ?? w.cpuBase;
      const cur = next.get(w) ?? base;
      const a = Math.ceil(cur / size) * size;
      if (a + size > base + w.size) return -1;
      next.set(w, a + size);
      return a;
    };
    const all: Array<{ slot: Slot; i: number; b: PciBar }> = [];
    for (const slot of this.slots.values()) {
      slot.barAt.forEach((b, i) => {
        if (b !== undefined && b.index === i) all.push({ slot, i, b });
      });
    }
    all.sort((x, y) => y.b.size - x.b.size);
    for (const { slot, i, b } of all) {
      let a = b.kind === "io" ? take(this.io, b.size) : b.kind === "mem64" ? take(this.mmio64, b.size) : -1;
      if (a < 0 && b.kind !== "io") a = take(this.mmio32, b.size);
      if (a < 0)
        throw new ConfigError(
          `no room for ${slot.device}.${slot.func} BAR ${i} (${b.size} bytes) in the bridge windows`,
        );
      slot.barRegs[i] = a % 2 ** 32;
      if (b.kind === "mem64") slot.barRegs[i + 1] = Math.floor(a / 2 ** 32);
    }
    for (const slot of this.slots.values()) {
      const old = slot.command;
      const wasIntx = slot.intx && !(old & PciCommand.INTX_DISABLE);
      slot.command |=
        PciCommand.MEMORY_SPACE | PciCommand.BUS_MASTER | (this.io !== undefined ? PciCommand.IO_SPACE : 0);
      this.updateIntx(slot, wasIntx);
      this.remap(slot);
      slot.fn.commandChanged?.(slot.command);
    }
  }

  /** Attached functions as (device, function, requester id) for describe/ACPI. */
  functions(): Array<{ device: number; function: number; requesterId: number; fn: PciFunction }> {
    return [...this.slots.values()].map((s) => ({
      device: s.device,
      function: s.func,
      requesterId: s.rid,
      fn: s.fn,
    }));
  }
}

/** Each function's header registers in a snapshot, in order (then its BARs and INTx level). */
const SLOT_STATE = ["command", "cacheLine", "latency", "intLine"] as const;
