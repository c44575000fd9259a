import {
  ConfigError,
  type IrqLine,
  type MmioDevice,
  RateLimitedLog,
  type Snapshottable,
  type StateReader,
  type StateWriter,
  type VirtualClock,
} from "@armature/core";

/** Operational registers start here (CAPLENGTH). */
export const EHCI_CAPLENGTH = 0x20;
export const EHCI_MMIO_SIZE = 0x1000;

/** USBCMD bits (EHCI 1.0 §2.3.1). */
export const EhciCmd = {
  RS: 1 << 0,
  HCRESET: 1 << 1,
  PSE: 1 << 4,
  ASE: 1 << 5,
  IAAD: 1 << 6,
  LHCR: 1 << 7,
} as const;
/** USBSTS bits (§2.3.2). */
export const EhciSts = {
  USBINT: 1 << 0,
  USBERRINT: 1 << 1,
  PCD: 1 << 2,
  FLR: 1 << 3,
  HSE: 1 << 4,
  IAA: 1 << 5,
  HCHALTED: 1 << 12,
  RECLAMATION: 1 << 13,
  PSS: 1 << 14,
  ASS: 1 << 15,
} as const;
/** PORTSC bits (§2.3.9). */
export const EhciPortSc = {
  CCS: 1 << 0,
  CSC: 1 << 1,
  PE: 1 << 2,
  PEC: 1 << 3,
  OCC: 1 << 5,
  PR: 1 << 8,
  PP: 1 << 12,
  OWNER: 1 << 13,
} as const;

export interface EhciOptions {
  /** Root-hub ports, 1..15 (default 4). */
  ports?: number;
  irq?: IrqLine;
  /** FRINDEX follows this clock while running (125 µs microframes). */
  clock?: VirtualClock;
}

/**
 * Operational registers (offset from CAPLENGTH, §2.3) that read back one field; those with a
 * `mask` are written as value & mask, the others by write()'s own cases. FRINDEX counts with
 * the clock, and the PORTSC array follows at 0x44.
 */
const OP_REGISTERS: ReadonlyMap<
  number,
  {
    field: "usbcmd" | "usbsts" | "usbintr" | "ctrldsseg" | "periodic" | "async" | "configflag";
    mask?: number;
  }
> = new Map([
  [0x00, { field: "usbcmd" }],
  [0x04, { field: "usbsts" }],
  [0x08, { field: "usbintr" }],
  [0x10, { field: "ctrldsseg", mask: ~0 }], // CTRLDSSEGMENT
  [0x14, { field: "periodic", mask: ~0xfff }], // PERIODICLISTBASE: 4 KiB aligned
  [0x18, { field: "async", mask: ~0x1f }], // ASYNCLISTADDR: 32-byte aligned
  [0x40, { field: "configflag", mask: 1 }], // CONFIGFLAG.CF
]);

/** The operational registers a snapshot holds, in the order it holds them (one u32 each). */
/**
 * The operational registers after a reset (§2.3: USBCMD's ITC = 8 microframes, USBSTS halted, the
 * rest 0); a snapshot holds them in this order.
 */
const RESET_REGS = {
  usbcmd: 0x00080000,
  usbsts: EhciSts.HCHALTED,
  usbintr: 0,
  frindex: 0,
  ctrldsseg: 0,
  periodic: 0,
  async: 0,
  configflag: 0,
};
const SAVED_REGS = Object.keys(RESET_REGS) as (keyof typeof RESET_REGS)[];

/**
 * A minimal EHCI 1.0 host controller (Enhanced Host Controller Interface, rev 1.0): capability and
 * operational registers, run/stop and reset handshakes, the schedule enable/status pairs, the
 * async-advance doorbell, FRINDEX, and a root hub whose ports stay empty (no device can be
 * attached). It is what the Parallels VM's bus 1 is: a controller Linux's ehci-hcd binds to and
 * finds nothing on. It does not walk the periodic or asynchronous schedules.
 */
export class EhciController implements MmioDevice, Snapshottable {
  readonly log = new RateLimitedLog("ehci");
  readonly ports: number;
  private readonly irq: IrqLine | undefined;
  private readonly clock: VirtualClock | undefined;
  private usbcmd = 0;
  private usbsts = EhciSts.HCHALTED;
  private usbintr = 0;
  private frindex = 0;
  private frindexBase = 0;
  private ctrldsseg = 0;
  private periodic = 0;
  private async = 0;
  private configflag = 0;
  private readonly portsc: number[] = [];

  constructor(opts: EhciOptions = {}) {
    this.ports = opts.ports ?? 4;
    if (!Number.isInteger(this.ports) || this.ports < 1 || this.ports > 15)
      throw new ConfigError(`EHCI ports ${this.ports}: use 1..15`);
    this.irq = opts.irq;
    this.clock = opts.clock;
    this.reset();
  }

  reset(): void {
    Object.assign(this, RESET_REGS);
    this.portsc.length = 0;
    // No port power control (HCSPARAMS.PPC = 0): ports are powered and owned by this controller.
    for (let i = 0; i < this.ports; i++) this.portsc.push(EhciPortSc.PP);
    this.update();
  }

  readonly stateVersion = 1;

  /**
   * Snapshot: the operational registers (USBCMD, USBSTS, USBINTR, FRINDEX and the time it was
   * last based on, CTRLDSSEGMENT, PERIODICLISTBASE, ASYNCLISTADDR, CONFIGFLAG) and each PORTSC.
   * The schedules are in guest memory; nothing is cached.
   */
  saveState(w: StateWriter): void {
    for (const k of SAVED_REGS) w.u32(this[k]);
    w.f64(this.frindexBase);
    w.u32s(this.portsc);
  }

  loadState(r: StateReader): () => void {
    const regs = SAVED_REGS.map(() => r.u32());
    const base = r.f64();
    const ports = r.u32s(this.ports, "PORTSC count");
    const frindex = regs[SAVED_REGS.indexOf("frindex")]!;
    if (frindex > 0x3fff) r.fail(`FRINDEX ${frindex}`);
    return () => {
      SAVED_REGS.forEach((k, i) => {
        this[k] = regs[i]!;
      });
      this.frindexBase = base;
      this.portsc.length = 0;
      this.portsc.push(...ports);
    };
  }

  private get running(): boolean {
    return (this.usbcmd & EhciCmd.RS) !== 0;
  }

  private frameIndex(): number {
    if (!this.running) return this.frindex;
    if (this.clock === undefined) {
      // No clock: advance one microframe per read so pollers see time pass.
      this.frindex = (this.frindex + 1) & 0x3fff;
      return this.frindex;
    }
    return (this.frindex + Math.floor((this.clock.nowNs() - this.frindexBase) / 125_000)) & 0x3fff;
  }

  read(offset: number, size: 1 | 2 | 4): number {
    const v = this.read32(offset & ~3);
    const sh = (offset & 3) * 8;
    if (size === 4) return v >>> 0;
    return (v >>> sh) & (size === 2 ? 0xffff : 0xff);
  }

  private read32(off: number): number {
    switch (off) {
      case 0x00:
        return (EHCI_CAPLENGTH | (0x0100 << 16)) >>> 0; // CAPLENGTH, HCIVERSION 1.0
      case 0x04:
        return this.ports; // HCSPARAMS: N_PORTS, no PPC, no companion controllers
      case 0x08:
        return 0x1 << 4; // HCCPARAMS: IST 1, 32-bit addressing, 1024-entry frame list, EECP 0
      case 0x0c:
        return 0;
      default:
        break;
    }
    const o = off - EHCI_CAPLENGTH;
    if (o === 0x0c) return this.frameIndex();
    const r = OP_REGISTERS.get(o);
    if (r !== undefined) return this[r.field] >>> 0;
    if (o >= 0x44 && o < 0x44 + 4 * this.ports) return this.portsc[(o - 0x44) >>> 2]!;
    return 0;
  }

  write(offset: number, size: 1 | 2 | 4, value: number): void {
    if (size !== 4 || offset & 3) {
      this.log.warn(
        "narrow",
        `${size}-byte write at 0x${offset.toString(16)}: EHCI registers are dword wide; ignored`,
      );
      return;
    }
    const o = offset - EHCI_CAPLENGTH;
    const v = value >>> 0;
    switch (o) {
      case 0x00:
        this.writeCmd(v);
        return;
      case 0x04:
        this.usbsts &= ~(v & 0x3f); // RW1C interrupt bits
        this.update();
        return;
      case 0x08:
        this.usbintr = v & 0x3f;
        this.update();
        return;
      case 0x0c:
        // Writable only while halted (§2.3.4).
        if (!this.running) this.frindex = v & 0x3fff;
        return;
      default: {
        const r = OP_REGISTERS.get(o);
        if (r?.mask !== undefined) this[r.field] = (v & r.mask) >>> 0;
        else if (o >= 0x44 && o < 0x44 + 4 * this.ports) this.writePort((o - 0x44) >>> 2, v);
      }
    }
  }

  private writeCmd(v: number): void {
    if (v & EhciCmd.HCRESET) {
      this.reset();
      return;
    }
    const was = this.running;
    this.usbcmd = v & ~(EhciCmd.HCRESET | EhciCmd.IAAD) & 0x00ff0fff;
    if (this.running && !was) {
      this.frindexBase = this.clock?.nowNs() ?? 0;
      this.usbsts &= ~EhciSts.HCHALTED;
    } else if (!this.running && was) {
      this.frindex = this.frameIndex();
      this.usbsts |= EhciSts.HCHALTED;
    }
    // The schedule status bits follow their enables at once (§2.3.2: PSS/ASS).
    this.usbsts =
      (this.usbsts & ~(EhciSts.PSS | EhciSts.ASS)) |
      (this.running && v & EhciCmd.PSE ? EhciSts.PSS : 0) |
      (this.running && v & EhciCmd.ASE ? EhciSts.ASS : 0);
    // Async-advance doorbell: nothing is cached, so the advance happens immediately (§4.8.2).
    if (v & EhciCmd.IAAD && this.running) this.usbsts |= EhciSts.IAA;
    this.update();
  }

  private writePort(i: number, v: number): void {
    let p = this.portsc[i]!;
    p &= ~(v & (EhciPortSc.CSC | EhciPortSc.PEC | EhciPortSc.OCC));
    // Nothing is connected: PE cannot be set and a reset completes at once with the port disabled.
    // Writable: Port Owner, indicator, test control and the wake enables.
    const rw = EhciPortSc.OWNER | (3 << 14) | (0xf << 16) | (7 << 20);
    p = (p & ~(EhciPortSc.PE | EhciPortSc.PR | rw)) | (v & rw);
    this.portsc[i] = (p | EhciPortSc.PP) >>> 0;
  }

  private update(): void {
    this.irq?.set((this.usbsts & this.usbintr & 0x3f) !== 0);
  }
}
