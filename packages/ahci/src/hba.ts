import {
  ConfigError,
  type DmaSpace,
  DmaStatus,
  type IrqLine,
  type MmioDevice,
  putU32LE,
  RateLimitedLog,
  SnapshotError,
  type Snapshottable,
  type StateReader,
  type StateWriter,
  unconnectedIrqLine,
} from "@armature/core";
import type { AhciDevice, AtaCommand, AtaProtocol } from "./device.js";
import {
  CmdTable,
  type CommandHeader,
  decodeCommandHeader,
  decodeH2D,
  decodePrd,
  emptyCommandHeader,
  emptyTaskFile,
  encodeD2H,
  encodePioSetup,
  encodeSdb,
  type Prd,
  type TaskFile,
} from "./fis.js";
import {
  AHCI_VERSION,
  AtaCmd,
  Cap,
  Ghc,
  HbaReg,
  PORT_BASE,
  PORT_STRIDE,
  PortReg,
  PXCMD_RW,
  PXIE_MASK,
  PXIS_RWC,
  PxCMD,
  PxIS,
  RxFis,
  SErr,
} from "./regs.js";

export interface AhciOptions {
  /** The HBA's view of memory (the bus, or an IOMMU's per-stream space). */
  dma: DmaSpace;
  /**
   * The interrupt output. The HBA calls `set(true)` on every new interrupt event while
   * GHC.IE and IS are set (a level line stays high; an MSI adapter sends one message per call)
   * and `set(false)` when nothing is pending.
   */
  irq?: IrqLine;
  /** Number of ports (1..32); default: one per device given, at least 1. */
  ports?: number;
  /** Devices by port number (undefined = empty port). */
  devices?: readonly (AhciDevice | undefined)[];
  /** Advertise NCQ in CAP.SNCQ (default true; the disks decide per device in IDENTIFY). */
  ncq?: boolean;
  /** May the HBA master the bus now? (PCI Command.BME); default always. */
  busMasterEnabled?: () => boolean;
}

/** One AHCI port's registers (§3.3) and state. */
export class AhciPort {
  clb = 0;
  fb = 0;
  is = 0;
  ie = 0;
  cmd = 0;
  tfdStatus = 0x7f;
  tfdError = 0;
  sig = 0xffffffff;
  sctl = 0;
  serr = 0;
  sact = 0;
  ci = 0;
  sntf = 0;
  fbs = 0;
  devslp = 0;
  /** Set after a task-file or fatal error: no command is processed until PxCMD.ST is cleared. */
  stalled = false;
  /** A software reset (SRST in a control FIS) is asserted. */
  srst = false;
  /** Link state: DET 0 (nothing), 1 (COMRESET in progress), 3 (up), 4 (offline). */
  det = 0;

  constructor(
    readonly index: number,
    public device: AhciDevice | undefined,
  ) {}

  ssts(): number {
    if (this.det !== 3) return this.det === 1 ? 0x001 : this.det === 4 ? 0x004 : 0;
    const limit = (this.sctl >> 4) & 0xf;
    const spd = limit === 0 ? 3 : Math.min(limit, 3);
    return 0x100 | (spd << 4) | 3;
  }
}

const HEADER_SIZE = 32;
const SLOT_ALL = 0xffffffff;

/**
 * An AHCI 1.3.1 host bus adapter (Serial ATA AHCI 1.3.1): generic host control, up to 32 ports
 * with 32 command slots each, command lists with PRDT scatter/gather, received-FIS areas, NCQ
 * through Set Device Bits FISes, COMRESET and software reset, hot-plug. It is a core
 * `MmioDevice` for the ABAR: place it on a bus directly (platform AHCI) or behind
 * `AhciPciFunction` (BAR 5). Commands run to completion when PxCI is written.
 */
export class AhciHba implements MmioDevice, Snapshottable {
  readonly ports: AhciPort[];
  readonly cap: number;
  readonly pi: number;
  private ghc: number = Ghc.AE;
  private is = 0;
  private bohc = 0;
  private irqLevel = false;
  private readonly irq: IrqLine;
  private readonly dma: DmaSpace;
  private readonly bme: () => boolean;
  private readonly log = new RateLimitedLog("ahci");
  // Reused per command (no allocation on the hot path).
  private readonly hdrBytes = new Uint8Array(HEADER_SIZE);
  private readonly hdr: CommandHeader = emptyCommandHeader();
  private readonly cfis = new Uint8Array(64);
  private readonly fis = new Uint8Array(20);
  private readonly sdb = new Uint8Array(8);
  private readonly cmd: CommandState;
  /** Commands completed (for tests and stats). */
  completed = 0;

  constructor(opts: AhciOptions) {
    const devices = opts.devices ?? [];
    const n = opts.ports ?? Math.max(1, devices.length);
    if (!Number.isInteger(n) || n < 1 || n > 32) throw new ConfigError(`AHCI ports ${n}: use 1..32`);
    if (devices.length > n)
      throw new ConfigError(`AHCI: ${devices.length} devices for ${n} ports; raise ports`);
    this.dma = opts.dma;
    this.irq = opts.irq ?? unconnectedIrqLine;
    this.bme = opts.busMasterEnabled ?? (() => true);
    this.ports = [];
    for (let i = 0; i < n; i++) this.ports.push(new AhciPort(i, devices[i]));
    this.pi = n === 32 ? SLOT_ALL : (2 ** n - 1) >>> 0;
    // 64-bit addressing, AHCI only, command list override, 6 Gbps, 32 slots, n ports, NCQ.
    this.cap =
      (Cap.S64A |
        Cap.SAM |
        Cap.SCLO |
        (3 << 20) |
        (31 << 8) |
        (n - 1) |
        ((opts.ncq ?? true) ? Cap.SNCQ : 0)) >>>
      0;
    this.cmd = new CommandState(this.dma);
    for (const p of this.ports) this.comreset(p);
  }

  // --- host API ---

  /** Connect a device to an empty port at run time (hot-plug: PxSERR.DIAG.X, PxIS.PCS). */
  attach(port: number, device: AhciDevice): void {
    const p = this.portAt(port);
    if (p.device !== undefined)
      throw new ConfigError(`AHCI port ${port} already has a device; detach it first`);
    p.device = device;
    this.comreset(p);
    this.raise(p, 0);
  }

  /** Disconnect a port's device at run time (hot-unplug: PxSERR.DIAG.N, PxIS.PRCS). */
  detach(port: number): AhciDevice | undefined {
    const p = this.portAt(port);
    const d = p.device;
    p.device = undefined;
    p.det = 0;
    p.sig = 0xffffffff;
    p.tfdStatus = 0x7f;
    p.serr |= SErr.DIAG_N | SErr.DIAG_X;
    this.raise(p, 0);
    return d;
  }

  // --- snapshot ---

  readonly stateVersion = 1;

  /**
   * Snapshot: GHC, IS, BOHC, the interrupt level, then each port's registers and link state and
   * its device's own state (kind, then what the device saves). Commands run to completion when
   * PxCI is written, so none is ever in flight; command lists, tables and received FISes are in
   * guest memory.
   */
  saveState(w: StateWriter): void {
    for (const v of [this.ghc, this.is, this.bohc]) w.u32(v);
    w.bool(this.irqLevel);
    w.f64(this.completed);
    w.u32(this.ports.length);
    for (const p of this.ports) {
      w.f64(p.clb);
      w.f64(p.fb);
      for (const k of PORT_STATE) w.u32(p[k]);
      w.bool(p.stalled);
      w.bool(p.srst);
      const d = p.device;
      w.u8(d === undefined ? 0 : d.kind === "ata" ? 1 : 2);
      if (d !== undefined) {
        if (d.saveState === undefined)
          throw new SnapshotError("unsupported", `the device on AHCI port ${p.index} cannot be snapshotted`);
        d.saveState(w);
      }
    }
  }

  loadState(r: StateReader): () => void {
    const hba = [r.u32(), r.u32(), r.u32()] as const;
    const irqLevel = r.bool();
    const completed = r.f64();
    r.expect(this.ports.length, "port count");
    const ports = this.ports.map((p) => {
      const clb = r.f64();
      const fb = r.f64();
      for (const a of [clb, fb])
        if (!Number.isSafeInteger(a) || a < 0) r.fail(`port ${p.index} address ${a}`);
      const regs = PORT_STATE.map(() => r.u32());
      const stalled = r.bool();
      const srst = r.bool();
      const kind = r.u8();
      const d = p.device;
      const have = d === undefined ? 0 : d.kind === "ata" ? 1 : 2;
      if (kind !== have)
        r.fail(
          `port ${p.index} had ${["no device", "a disk", "a DVD drive"][kind] ?? `device kind ${kind}`}, this one has ${["no device", "a disk", "a DVD drive"][have]}`,
        );
      if (d !== undefined && d.loadState === undefined)
        r.fail(`the device on port ${p.index} cannot be restored`);
      const dev = d?.loadState?.(r);
      return { p, clb, fb, regs, stalled, srst, dev };
    });
    return () => {
      [this.ghc, this.is, this.bohc] = hba;
      this.irqLevel = irqLevel;
      this.completed = completed;
      for (const e of ports) {
        e.p.clb = e.clb;
        e.p.fb = e.fb;
        PORT_STATE.forEach((k, i) => {
          e.p[k] = e.regs[i]!;
        });
        e.p.stalled = e.stalled;
        e.p.srst = e.srst;
        e.dev?.();
      }
    };
  }

  private portAt(port: number): AhciPort {
    const p = this.ports[port];
    if (p === undefined)
      throw new ConfigError(`AHCI has no port ${port} (ports 0..${this.ports.length - 1})`);
    return p;
  }

  /** Whether the interrupt output is asserted (for tests). */
  get interruptPending(): boolean {
    return this.irqLevel;
  }

  // --- MMIO ---

  read(offset: number, size: 1 | 2 | 4): number {
    const v = this.read32(offset & ~3);
    const shift = (offset & 3) * 8;
    return size === 4 ? v : (v >>> shift) & (size === 2 ? 0xffff : 0xff);
  }

  write(offset: number, size: 1 | 2 | 4, value: number): void {
    if (size !== 4 || (offset & 3) !== 0) {
      // Registers are 32 bits wide (§3): narrower writes are not supported.
      this.log.warn("narrow", `${size}-byte write at 0x${offset.toString(16)} ignored (use 32-bit accesses)`);
      return;
    }
    this.write32(offset, value >>> 0);
  }

  private read32(off: number): number {
    if (off >= PORT_BASE) {
      const idx = Math.floor((off - PORT_BASE) / PORT_STRIDE);
      const p = this.ports[idx];
      if (p === undefined || ((this.pi >>> idx) & 1) === 0) return 0;
      return this.portRead(p, (off - PORT_BASE) % PORT_STRIDE) >>> 0;
    }
    switch (off) {
      case HbaReg.CAP:
        return this.cap;
      case HbaReg.GHC:
        return this.ghc >>> 0;
      case HbaReg.IS:
        return this.is >>> 0;
      case HbaReg.PI:
        return this.pi;
      case HbaReg.VS:
        return AHCI_VERSION;
      case HbaReg.CAP2:
        return 0;
      case HbaReg.BOHC:
        return this.bohc;
      default:
        return 0;
    }
  }

  private write32(off: number, v: number): void {
    if (off >= PORT_BASE) {
      const idx = Math.floor((off - PORT_BASE) / PORT_STRIDE);
      const p = this.ports[idx];
      if (p === undefined) return;
      this.portWrite(p, (off - PORT_BASE) % PORT_STRIDE, v);
      return;
    }
    switch (off) {
      case HbaReg.GHC:
        if (v & Ghc.HR) {
          this.hbaReset();
          return;
        }
        // AE is read-only one (CAP.SAM); MRSM is read-only.
        this.ghc = (Ghc.AE | (v & Ghc.IE)) >>> 0;
        this.updateIrq(false);
        return;
      case HbaReg.IS:
        this.is = (this.is & ~v) >>> 0;
        // A port whose enabled status is still set keeps its bit (level semantics).
        for (const p of this.ports) if ((p.is & p.ie) !== 0) this.is = (this.is | (1 << p.index)) >>> 0;
        this.updateIrq(false);
        return;
      case HbaReg.CAP:
      case HbaReg.PI:
        // HwInit registers: Linux writes back what it read (ahci_restore_initial_config); ignore.
        if (v !== (off === HbaReg.CAP ? this.cap : this.pi))
          this.log.warn(
            `hwinit-${off}`,
            `write of 0x${v.toString(16)} to HwInit register 0x${off.toString(16)} ignored`,
          );
        return;
      case HbaReg.BOHC:
        // No BIOS/OS handoff (CAP2.BOH = 0): the register just holds OS ownership bits.
        this.bohc = v & 0x1a;
        return;
      default:
        this.log.warn(`ro-${off}`, `write to read-only HBA register 0x${off.toString(16)} ignored`);
    }
  }

  /** GHC.HR (§10.4.3): every register to its reset value, every port COMRESET. */
  private hbaReset(): void {
    this.ghc = Ghc.AE;
    this.is = 0;
    for (const p of this.ports) {
      // Every port register but PxCLB/PxFB (the snapshot's list) to 0; the COMRESET then sets
      // the link, signature and task-file ones.
      for (const k of PORT_STATE) p[k] = 0;
      p.stalled = false;
      this.comreset(p);
    }
    this.updateIrq(false);
  }

  /** COMRESET completes: the link comes up and the device sends its signature D2H FIS. */
  private comreset(p: AhciPort): void {
    p.srst = false;
    const d = p.device;
    if (d === undefined) {
      p.det = 0;
      p.sig = 0xffffffff;
      p.tfdStatus = 0x7f;
      p.tfdError = 0xff;
      return;
    }
    d.reset();
    p.det = 3;
    p.serr |= SErr.DIAG_X | SErr.DIAG_N;
    this.signatureFis(p);
  }

  /** The device's reset signature: PxSIG, PxTFD, and a D2H FIS in the received-FIS area. */
  private signatureFis(p: AhciPort): void {
    const d = p.device;
    if (d === undefined) return;
    p.sig = d.signature;
    p.tfdStatus = d.resetStatus;
    p.tfdError = 0x01;
    const tf = this.cmd.outTf;
    tf.status = d.resetStatus;
    tf.error = 0x01;
    tf.count = d.signature & 0xff;
    tf.lba = (d.signature >>> 8) & 0xffffff;
    tf.device = 0;
    this.postFis(p, RxFis.RFIS, 20, (b) => encodeD2H(tf, false, b));
  }

  // --- port registers ---

  private portRead(p: AhciPort, reg: number): number {
    switch (reg) {
      case PortReg.CLB:
        return p.clb % 2 ** 32;
      case PortReg.CLBU:
        return Math.floor(p.clb / 2 ** 32);
      case PortReg.FB:
        return p.fb % 2 ** 32;
      case PortReg.FBU:
        return Math.floor(p.fb / 2 ** 32);
      case PortReg.IS:
        return p.is | (p.serr & SErr.DIAG_X ? PxIS.PCS : 0) | (p.serr & SErr.DIAG_N ? PxIS.PRCS : 0);
      case PortReg.CMD: {
        let c = p.cmd & ~(PxCMD.CR | PxCMD.FR | (0x1f << 8));
        if (c & PxCMD.ST) c |= PxCMD.CR;
        if (c & PxCMD.FRE) c |= PxCMD.FR;
        if (p.device !== undefined) c |= PxCMD.CPS;
        return c | PxCMD.SUD | PxCMD.POD;
      }
      case PortReg.TFD:
        return (p.tfdError << 8) | p.tfdStatus;
      case PortReg.SSTS:
        return p.ssts();
      default: {
        const field = PORT_FIELD_REGS.get(reg);
        return field === undefined ? 0 : p[field];
      }
    }
  }

  private portWrite(p: AhciPort, reg: number, v: number): void {
    const running = (p.cmd & PxCMD.ST) !== 0;
    switch (reg) {
      case PortReg.CLB:
        // §3.3.1: 1 KiB aligned; read-only while the port runs.
        if (!running) p.clb = Math.floor(p.clb / 2 ** 32) * 2 ** 32 + ((v & 0xfffffc00) >>> 0);
        return;
      case PortReg.CLBU:
        if (!running) p.clb = (p.clb % 2 ** 32) + v * 2 ** 32;
        return;
      case PortReg.FB:
        // §3.3.3: 256-byte aligned; read-only while FIS receive is enabled.
        if ((p.cmd & PxCMD.FRE) === 0) p.fb = Math.floor(p.fb / 2 ** 32) * 2 ** 32 + ((v & 0xffffff00) >>> 0);
        return;
      case PortReg.FBU:
        if ((p.cmd & PxCMD.FRE) === 0) p.fb = (p.fb % 2 ** 32) + v * 2 ** 32;
        return;
      case PortReg.IS:
        p.is = (p.is & ~(v & PXIS_RWC)) >>> 0;
        this.updateIrq(false);
        return;
      case PortReg.IE:
        p.ie = (v & PXIE_MASK) >>> 0;
        if ((p.is & p.ie) !== 0) this.is = (this.is | (1 << p.index)) >>> 0;
        this.updateIrq(true);
        return;
      case PortReg.CMD:
        this.writeCmd(p, v);
        return;
      case PortReg.SCTL: {
        const oldDet = p.sctl & 0xf;
        p.sctl = v & 0xfff;
        const det = v & 0xf;
        if (det === 1) {
          // COMRESET asserted (§3.3.11); allowed only while stopped, but be lenient like HW.
          p.det = p.device !== undefined ? 1 : 0;
          p.tfdStatus = 0x80;
        } else if (det === 0 && oldDet === 1) {
          this.comreset(p);
        } else if (det === 4) {
          p.det = 4;
        } else if (det === 0 && oldDet === 4) {
          this.comreset(p);
        }
        return;
      }
      case PortReg.SERR:
        p.serr = (p.serr & ~v) >>> 0;
        this.updateIrq(false);
        return;
      case PortReg.SACT:
        // §3.3.13: software sets bits (only while running); the HBA clears them.
        if (running) p.sact = (p.sact | v) >>> 0;
        return;
      case PortReg.CI:
        if (!running) {
          this.log.warn("ci-stopped", `port ${p.index}: PxCI written while PxCMD.ST is clear; ignored`);
          return;
        }
        p.ci = (p.ci | v) >>> 0;
        this.processCommands(p);
        return;
      case PortReg.SNTF:
        p.sntf = (p.sntf & ~v) >>> 0;
        return;
      case PortReg.FBS:
        return; // FIS-based switching not supported (CAP.FBSS = 0)
      case PortReg.DEVSLP:
        return;
      default:
        this.log.warn(`port-ro-${reg}`, `write to read-only port register 0x${reg.toString(16)} ignored`);
    }
  }

  private writeCmd(p: AhciPort, v: number): void {
    const old = p.cmd;
    let c = (old & ~PXCMD_RW) | (v & PXCMD_RW);
    if (c & PxCMD.CLO) {
      // Command List Override (§3.3.7): clear BSY and DRQ, then the bit self-clears.
      p.tfdStatus &= ~0x88;
      c &= ~PxCMD.CLO;
    }
    // ICC requests complete at once (the link is always active).
    c &= 0x0fffffff;
    p.cmd = c >>> 0;
    if ((old & PxCMD.ST) !== 0 && (c & PxCMD.ST) === 0) {
      // §3.3.14: clearing ST clears PxCI and PxSACT and ends any error stall.
      p.ci = 0;
      p.sact = 0;
      p.stalled = false;
    }
    if ((old & PxCMD.ST) === 0 && (c & PxCMD.ST) !== 0 && p.ci !== 0) this.processCommands(p);
  }

  // --- interrupts ---

  /** Port `p` has new status bits `bits` (0 = only SERR-derived ones): latch and signal. */
  private raise(p: AhciPort, bits: number): void {
    p.is = (p.is | bits) >>> 0;
    this.updateIrq(true);
  }

  private portPending(p: AhciPort): boolean {
    const derived = (p.serr & SErr.DIAG_X ? PxIS.PCS : 0) | (p.serr & SErr.DIAG_N ? PxIS.PRCS : 0);
    return ((p.is | derived) & p.ie) !== 0;
  }

  /** Recompute IS and the output line; `event` = something new happened (send another MSI). */
  private updateIrq(event: boolean): void {
    for (const p of this.ports) if (this.portPending(p)) this.is = (this.is | (1 << p.index)) >>> 0;
    const level = (this.ghc & Ghc.IE) !== 0 && this.is !== 0;
    if (level && (event || !this.irqLevel)) this.irq.set(true);
    else if (!level && this.irqLevel) this.irq.set(false);
    this.irqLevel = level;
  }

  // --- command processing ---

  private postFis(p: AhciPort, at: number, len: number, fill: (b: Uint8Array) => void): void {
    if ((p.cmd & PxCMD.FRE) === 0) return;
    const b = this.fis.subarray(0, len);
    fill(b);
    if (!this.bme() || this.dma.write(p.fb + at, b) !== DmaStatus.Ok) {
      this.log.warn(
        "fis-dma",
        `port ${p.index}: received-FIS area at 0x${p.fb.toString(16)} is not writable memory`,
      );
      p.is = (p.is | PxIS.HBFS) >>> 0;
    }
  }

  private fatal(p: AhciPort, bit: number, why: string): void {
    this.log.warn(`fatal-${bit}`, `port ${p.index}: ${why}`);
    p.stalled = true;
    p.tfdStatus |= 0x01;
    this.raise(p, bit);
  }

  private processCommands(p: AhciPort): void {
    // Slots in ascending order; a command may not re-enter (all complete synchronously).
    for (let guard = 0; guard < 64 && p.ci !== 0 && !p.stalled && (p.cmd & PxCMD.ST) !== 0; guard++) {
      const slot = 31 - Math.clz32(p.ci & -p.ci);
      this.runSlot(p, slot);
    }
  }

  private runSlot(p: AhciPort, slot: number): void {
    const bit = (1 << slot) >>> 0;
    p.cmd = (p.cmd & ~(0x1f << 8)) | (slot << 8);
    if (!this.bme()) {
      this.fatal(p, PxIS.HBFS, "command issued while PCI bus mastering is disabled");
      return;
    }
    if (p.device === undefined || p.det !== 3) {
      this.fatal(p, PxIS.IFS, `command in slot ${slot} issued with no device / link down`);
      return;
    }
    const hdrAddr = p.clb + slot * HEADER_SIZE;
    if (this.dma.read(hdrAddr, this.hdrBytes) !== DmaStatus.Ok) {
      this.fatal(p, PxIS.HBFS, `command header at 0x${hdrAddr.toString(16)} is not readable memory`);
      return;
    }
    const h = this.hdr;
    decodeCommandHeader(this.hdrBytes, h);
    if (this.dma.read(h.ctba, this.cfis) !== DmaStatus.Ok) {
      this.fatal(p, PxIS.HBFS, `command table at 0x${h.ctba.toString(16)} is not readable memory`);
      return;
    }
    const cs = this.cmd;
    if (h.cfl < 5 || !decodeH2D(this.cfis, cs.tf)) {
      this.fatal(
        p,
        PxIS.IFS,
        `slot ${slot}: command FIS is not a Register H2D FIS (type 0x${this.cfis[0]!.toString(16)}, CFL ${h.cfl})`,
      );
      return;
    }
    const tf = cs.tf;
    if (!tf.c) {
      this.controlFis(p, tf, bit);
      return;
    }
    if (p.srst) {
      this.fatal(p, PxIS.IFS, `slot ${slot}: command while software reset is asserted`);
      return;
    }
    if (h.atapi && this.dma.read(h.ctba + CmdTable.ACMD, cs.packet) !== DmaStatus.Ok) {
      this.fatal(p, PxIS.HBFS, `ATAPI command at 0x${(h.ctba + CmdTable.ACMD).toString(16)} is not readable`);
      return;
    }
    if (!h.atapi) cs.packet.fill(0);
    if (!cs.load(h.ctba + CmdTable.PRDT, h.prdtl)) {
      this.fatal(
        p,
        PxIS.HBFS,
        `slot ${slot}: PRDT at 0x${(h.ctba + CmdTable.PRDT).toString(16)} is not readable`,
      );
      return;
    }
    cs.begin();
    const ncq = tf.command === AtaCmd.READ_FPDMA_QUEUED || tf.command === AtaCmd.WRITE_FPDMA_QUEUED;
    // A PACKET command with the A bit clear has no packet: abort it at the device.
    p.device.execute(cs);
    this.completed++;
    if (cs.hostError !== "none") {
      const why =
        cs.hostError === "dma" ? "data buffer is not in memory" : "PRDT is shorter than the transfer";
      p.ci = (p.ci & ~bit) >>> 0;
      this.fatal(p, cs.hostError === "dma" ? PxIS.HBDS : PxIS.OFS, `slot ${slot}: ${why}`);
      return;
    }
    this.complete(p, slot, bit, cs, ncq && cs.protocol === "ncq");
  }

  /** A Register H2D FIS with C = 0 (Device Control): SRST assertion / release (§10.4.1). */
  private controlFis(p: AhciPort, tf: TaskFile, bit: number): void {
    const srst = (tf.control & 0x04) !== 0;
    if (srst) {
      p.srst = true;
      p.tfdStatus = 0x80;
    } else if (p.srst) {
      p.srst = false;
      p.device?.reset();
      this.signatureFis(p);
    }
    // The C bit (clear busy upon R_OK) or the release completes the slot without an interrupt.
    p.ci = (p.ci & ~bit) >>> 0;
  }

  private complete(p: AhciPort, slot: number, bit: number, cs: CommandState, ncq: boolean): void {
    const err = (cs.status & 0x01) !== 0;
    const out = cs.outTf;
    out.status = cs.status;
    out.error = cs.error;
    out.lba = cs.outLba;
    out.count = cs.outCount;
    out.device = cs.outDevice;
    if (ncq) {
      const tag = (cs.tf.count >> 3) & 0x1f;
      const tbit = (1 << tag) >>> 0;
      p.ci = (p.ci & ~bit) >>> 0;
      if (err) {
        // §5.3.8 / SATA NCQ error: SDB with ERR, TFES; SActive stays for the failed tag.
        this.postFis(p, RxFis.SDBFIS, 8, (b) => encodeSdb(cs.status & 0x77, cs.error, 0, true, b));
        p.tfdStatus = cs.status;
        p.tfdError = cs.error;
        p.stalled = true;
        this.raise(p, PxIS.TFES | PxIS.SDBS);
        return;
      }
      p.sact = (p.sact & ~tbit) >>> 0;
      this.postFisSdb(p, tbit);
      p.tfdStatus = cs.status;
      p.tfdError = 0;
      this.raise(p, PxIS.SDBS);
      return;
    }
    // PRDBC: bytes transferred (§4.2.2 DW1).
    this.dma.write(p.clb + slot * HEADER_SIZE + 4, cs.prdbcBytes(cs.transferred));
    p.tfdStatus = cs.status;
    p.tfdError = cs.error;
    let bits = 0;
    if (cs.protocol === "pio-in" && !err) {
      // PIO data-in ends with the PIO Setup FIS: its E_Status is the final status.
      this.postFis(p, RxFis.PSFIS, 20, (b) =>
        encodePioSetup(out, true, true, cs.status, Math.min(cs.transferred, 0xffff), b),
      );
      bits |= PxIS.PSS;
    } else {
      this.postFis(p, RxFis.RFIS, 20, (b) => encodeD2H(out, true, b));
      bits |= PxIS.DHRS;
    }
    if (cs.prdInterrupt) bits |= PxIS.DPS;
    p.ci = (p.ci & ~bit) >>> 0;
    if (err) {
      // §6.1.2: a task-file error stops the command list until software clears PxCMD.ST.
      bits |= PxIS.TFES;
      p.ci = (p.ci | bit) >>> 0;
      p.stalled = true;
    }
    this.raise(p, bits);
  }

  private postFisSdb(p: AhciPort, sactive: number): void {
    if ((p.cmd & PxCMD.FRE) === 0) return;
    encodeSdb(0x40, 0, sactive, true, this.sdb);
    if (this.dma.write(p.fb + RxFis.SDBFIS, this.sdb) !== DmaStatus.Ok) p.is = (p.is | PxIS.HBFS) >>> 0;
  }
}

/**
 * The per-command state the HBA hands to a device (`AtaCommand`): the decoded FIS, the packet,
 * and a scatter/gather cursor over the PRDT. One instance per HBA, reused.
 */
class CommandState implements AtaCommand {
  readonly tf: TaskFile = emptyTaskFile();
  readonly outTf: TaskFile = emptyTaskFile();
  readonly packet = new Uint8Array(16);
  prdBytes = 0;
  protocol: AtaProtocol = "non-data";
  status = 0;
  error = 0;
  outLba = 0;
  outCount = 0;
  outDevice = 0;
  transferred = 0;
  hostError: "none" | "dma" | "overflow" = "none";
  prdInterrupt = false;
  private n = 0;
  private addr = new Float64Array(256);
  private len = new Float64Array(256);
  private irqAt = new Uint8Array(256);
  private raw = new Uint8Array(256 * 16);
  private readonly prdbc = new Uint8Array(4);
  private readonly prd: Prd = { dba: 0, bytes: 0, interrupt: false };
  // Cursor: PRD index and the transfer offset at its start.
  private curIdx = 0;
  private curStart = 0;

  constructor(private readonly dma: DmaSpace) {}

  /** Read `count` PRDs from `at`. False if the table is not readable. */
  load(at: number, count: number): boolean {
    if (count > this.addr.length) {
      const cap = Math.max(count, this.addr.length * 2);
      this.addr = new Float64Array(cap);
      this.len = new Float64Array(cap);
      this.irqAt = new Uint8Array(cap);
      this.raw = new Uint8Array(cap * 16);
    }
    const raw = this.raw.subarray(0, count * 16);
    if (count > 0 && this.dma.read(at, raw) !== DmaStatus.Ok) return false;
    let total = 0;
    for (let i = 0; i < count; i++) {
      const p = this.prd;
      decodePrd(raw, p, i * CmdTable.PRD_SIZE);
      this.addr[i] = p.dba;
      this.len[i] = p.bytes;
      this.irqAt[i] = p.interrupt ? 1 : 0;
      total += this.len[i]!;
    }
    this.n = count;
    this.prdBytes = total;
    return true;
  }

  begin(): void {
    this.protocol = "non-data";
    this.status = 0x50;
    this.error = 0;
    this.outLba = 0;
    this.outCount = 0;
    this.outDevice = 0;
    this.transferred = 0;
    this.hostError = "none";
    this.prdInterrupt = false;
    this.curIdx = 0;
    this.curStart = 0;
  }

  prdbcBytes(v: number): Uint8Array {
    putU32LE(this.prdbc, 0, v);
    return this.prdbc;
  }

  private seek(offset: number): boolean {
    if (offset < this.curStart) {
      this.curIdx = 0;
      this.curStart = 0;
    }
    while (this.curIdx < this.n && offset >= this.curStart + this.len[this.curIdx]!) {
      this.curStart += this.len[this.curIdx]!;
      this.curIdx++;
    }
    return this.curIdx < this.n;
  }

  private move(offset: number, buf: Uint8Array, toGuest: boolean): boolean {
    if (this.hostError !== "none") return false;
    if (offset + buf.length > this.prdBytes) {
      this.hostError = "overflow";
      return false;
    }
    let done = 0;
    while (done < buf.length) {
      if (!this.seek(offset + done)) {
        this.hostError = "overflow";
        return false;
      }
      const i = this.curIdx;
      const within = offset + done - this.curStart;
      const n = Math.min(buf.length - done, this.len[i]! - within);
      const part = buf.subarray(done, done + n);
      const s = toGuest
        ? this.dma.write(this.addr[i]! + within, part)
        : this.dma.read(this.addr[i]! + within, part);
      if (s !== DmaStatus.Ok) {
        this.hostError = "dma";
        return false;
      }
      if (this.irqAt[i] && within + n === this.len[i]) this.prdInterrupt = true;
      done += n;
    }
    return true;
  }

  dataIn(offset: number, src: Uint8Array): boolean {
    return this.move(offset, src, true);
  }

  dataOut(offset: number, dst: Uint8Array): boolean {
    return this.move(offset, dst, false);
  }
}

/** Port registers that read back one AhciPort field as it is (§3.3); their writes all have rules of their own. */
const PORT_FIELD_REGS: ReadonlyMap<number, (typeof PORT_STATE)[number]> = new Map([
  [PortReg.IE, "ie"],
  [PortReg.SIG, "sig"],
  [PortReg.SCTL, "sctl"],
  [PortReg.SERR, "serr"],
  [PortReg.SACT, "sact"],
  [PortReg.CI, "ci"],
  [PortReg.SNTF, "sntf"],
  [PortReg.FBS, "fbs"],
  [PortReg.DEVSLP, "devslp"],
]);

/**
 * Each port's registers in a snapshot, in order (a new field goes last, with a version bump):
 * all but PxCLB/PxFB, which is also what GHC.HR resets (§10.4.3).
 */
const PORT_STATE = [
  "is",
  "ie",
  "cmd",
  "tfdStatus",
  "tfdError",
  "sig",
  "sctl",
  "serr",
  "sact",
  "ci",
  "sntf",
  "fbs",
  "devslp",
  "det",
] as const;
