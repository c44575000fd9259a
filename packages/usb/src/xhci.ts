import {
  ConfigError,
  type DmaSpace,
  DmaStatus,
  type IrqLine,
  type MmioDevice,
  RateLimitedLog,
  SnapshotError,
  type Snapshottable,
  type StateReader,
  type StateWriter,
  type Timer,
  type VirtualClock,
} from "@armature/core";
import { decodeEndpointContext } from "./contexts.js";
import type { UsbSpeed } from "./descriptors.js";
import { type SetupPacket, USB_NAK, USB_STALL, type UsbDevice } from "./device.js";
import {
  CompletionCode as CC,
  commandCompletionEvent,
  decodeTrb,
  encodeTrb,
  hostControllerEvent,
  portStatusChangeEvent,
  type Trb,
  TrbFlag,
  TrbType,
  transferEvent,
  trbParameter,
  trbType,
} from "./trb.js";

/** Register file layout of this model (offsets from the MMIO base). */
export const XHCI_CAPLENGTH = 0x40;
export const XHCI_OP = XHCI_CAPLENGTH;
export const XHCI_PORTS = XHCI_OP + 0x400;
export const XHCI_EXT_CAPS = 0x1000;
export const XHCI_RUNTIME = 0x2000;
export const XHCI_DOORBELLS = 0x3000;
/** Size of the register window. */
export const XHCI_MMIO_SIZE = 0x4000;

/** USBCMD bits (xHCI 1.2 §5.4.1). */
export const UsbCmd = {
  RS: 1 << 0,
  HCRST: 1 << 1,
  INTE: 1 << 2,
  HSEE: 1 << 3,
  LHCRST: 1 << 7,
  CSS: 1 << 8,
  CRS: 1 << 9,
  EWE: 1 << 10,
} as const;
/** USBSTS bits (§5.4.2). */
export const UsbSts = {
  HCH: 1 << 0,
  HSE: 1 << 2,
  EINT: 1 << 3,
  PCD: 1 << 4,
  SSS: 1 << 8,
  RSS: 1 << 9,
  SRE: 1 << 10,
  CNR: 1 << 11,
  HCE: 1 << 12,
} as const;
/** PORTSC bits (§5.4.8). */
export const PortSc = {
  CCS: 1 << 0,
  PED: 1 << 1,
  OCA: 1 << 3,
  PR: 1 << 4,
  PLS_SHIFT: 5,
  PLS_MASK: 0xf << 5,
  PP: 1 << 9,
  SPEED_SHIFT: 10,
  PIC_MASK: 3 << 14,
  LWS: 1 << 16,
  CSC: 1 << 17,
  PEC: 1 << 18,
  WRC: 1 << 19,
  OCC: 1 << 20,
  PRC: 1 << 21,
  PLC: 1 << 22,
  CEC: 1 << 23,
  CAS: 1 << 24,
  WCE: 1 << 25,
  WDE: 1 << 26,
  WOE: 1 << 27,
  DR: 1 << 30,
  WPR: 1 << 31,
} as const;
const PORT_CHANGE_BITS =
  PortSc.CSC | PortSc.PEC | PortSc.WRC | PortSc.OCC | PortSc.PRC | PortSc.PLC | PortSc.CEC;

/** Port link states (PLS, §5.4.8 Table 5-27). */
export const Pls = {
  U0: 0,
  U1: 1,
  U2: 2,
  U3: 3,
  DISABLED: 4,
  RX_DETECT: 5,
  INACTIVE: 6,
  POLLING: 7,
  RECOVERY: 8,
  HOT_RESET: 9,
  COMPLIANCE: 10,
  TEST: 11,
  RESUME: 15,
} as const;

/** Protocol Speed IDs of the default PSI table (§7.2.2.1.1). */
const SPEED_ID: Record<UsbSpeed, number> = { full: 1, low: 2, high: 3, super: 4 };

/** Endpoint Context EP State (§6.2.3). */
export const EpState = { DISABLED: 0, RUNNING: 1, HALTED: 2, STOPPED: 3, ERROR: 4 } as const;
/** Slot Context Slot State (§6.2.2). */
export const SlotState = { DISABLED_ENABLED: 0, DEFAULT: 1, ADDRESSED: 2, CONFIGURED: 3 } as const;
/** EP Type field of an endpoint context. */
export const XhciEpType = {
  ISOCH_OUT: 1,
  BULK_OUT: 2,
  INTERRUPT_OUT: 3,
  CONTROL: 4,
  ISOCH_IN: 5,
  BULK_IN: 6,
  INTERRUPT_IN: 7,
} as const;

/** Bounds that keep one doorbell's work finite whatever the guest wrote. */
const MAX_TRBS_PER_TD = 256;
const MAX_TDS_PER_KICK = 256;
const MAX_COMMANDS_PER_KICK = 256;
const MAX_LINK_HOPS = 16;
const MAX_TD_BYTES = 16 * 1024 * 1024;

/**
 * The 32-bit operational registers after a reset (USBSTS halted, the rest 0); a snapshot holds
 * them in this order.
 */
const RESET_REGS = { usbcmd: 0, usbsts: UsbSts.HCH, dnctrl: 0, crcrLo: 0, crcrHi: 0, config: 0 };
const SAVED_REGS = Object.keys(RESET_REGS) as (keyof typeof RESET_REGS)[];

/**
 * An interrupter after a reset (§5.5.2.2: IMODI 4000, i.e. 1 ms), by the type a snapshot holds
 * each field as (flags, u32, f64; in this order).
 */
const IR_RESET_FLAGS = { ip: false, ie: false, ehb: false, ready: false, full: false, pending: false };
const IR_RESET_U32 = { imodi: 4000, imodc: 0, erstsz: 0, segIndex: 0, segSize: 0, segPos: 0, pcs: 1 };
const IR_RESET_F64 = { erstba: 0, erdp: 0, segBase: 0, holdUntil: 0 };
const IR_FLAGS = Object.keys(IR_RESET_FLAGS) as (keyof typeof IR_RESET_FLAGS)[];
const IR_U32 = Object.keys(IR_RESET_U32) as (keyof typeof IR_RESET_U32)[];
const IR_F64 = Object.keys(IR_RESET_F64) as (keyof typeof IR_RESET_F64)[];

/** How the controller signals its interrupters. */
export interface XhciInterruptSink {
  /** True while message-signalled interrupts are in use (IMAN.IP then clears itself, §5.5.2.1). */
  msiEnabled(): boolean;
  /** One message for interrupter `n`. */
  message(n: number): void;
  /** The level of the wired interrupt (platform line or INTx). */
  setLevel(level: boolean): void;
}

export interface XhciOptions {
  /** The controller's view of memory (rings, contexts, buffers). */
  dma: DmaSpace;
  /** A wired interrupt (platform device). PCI wrappers pass `interrupts` instead. */
  irq?: IrqLine;
  interrupts?: XhciInterruptSink;
  /** For interrupt moderation, MFINDEX and frame pacing; without one, moderation is immediate. */
  clock?: VirtualClock;
  /** USB 2 root-hub ports (numbered first, from 1). Default 4. */
  usb2Ports?: number;
  /** USB 3 root-hub ports (after the USB 2 ports). Default 4. */
  usb3Ports?: number;
  /** Device slots, 1..255. Default 32. */
  maxSlots?: number;
  /** Interrupters, 1..16. Default 4. */
  interrupters?: number;
  /** Context size in bytes: 32 (HCCPARAMS1.CSZ = 0, default) or 64. */
  contextSize?: 32 | 64;
}

interface Port {
  usb3: boolean;
  device: UsbDevice | undefined;
  speed: UsbSpeed;
  ccs: boolean;
  ped: boolean;
  pls: number;
  changes: number;
  /** WCE/WDE/WOE and PIC, kept as written. */
  rw: number;
  pmsc: number;
}

interface Endpoint {
  state: number;
  type: number;
  deq: number;
  dcs: number;
  maxPacket: number;
  /** A TD was refused with NAK: run again when the device wakes the endpoint. */
  waiting: boolean;
  edtla: number;
}

/**
 * The endpoint `dci` of a slot when a command may act on it: enabled and in one of `states`; else
 * the command completes with Endpoint Not Enabled or Context State Error (§4.6.8-4.6.10) and the
 * result is undefined.
 */
/**
 * Whether a TD's TRB carries data: Normal and Isoch TRBs in a bulk/interrupt/isoch TD, every TRB
 * but Event Data in a control Data Stage.
 */
function isDataTrb(t: TdTrb, control: boolean): boolean {
  const type = trbType(t.t.control);
  return control ? type !== TrbType.EVENT_DATA : type === TrbType.NORMAL || type === TrbType.ISOCH;
}

function endpointIn(
  slot: Slot,
  dci: number,
  states: readonly number[],
  done: (code: number) => void,
): Endpoint | undefined {
  const ep = slot.eps[dci];
  if (ep === undefined || ep.state === EpState.DISABLED) done(CC.EP_NOT_ENABLED);
  else if (!states.includes(ep.state)) done(CC.CONTEXT_STATE);
  else return ep;
  return undefined;
}

interface Slot {
  enabled: boolean;
  state: number;
  port: number;
  address: number;
  /** Output (device) context address, from DCBAA at Address Device. */
  ctx: number;
  eps: Array<Endpoint | undefined>;
}

interface Interrupter {
  ip: boolean;
  ie: boolean;
  imodi: number;
  imodc: number;
  erstsz: number;
  erstba: number;
  erdp: number;
  ehb: boolean;
  /** Event ring producer state. */
  ready: boolean;
  segIndex: number;
  segBase: number;
  segSize: number;
  segPos: number;
  pcs: number;
  full: boolean;
  /** An event arrived that has not raised an interrupt yet. */
  pending: boolean;
  /** Virtual time before which moderation holds the next interrupt. */
  holdUntil: number;
  timer: Timer | undefined;
}

/** One gathered TRB of a TD. */
interface TdTrb {
  addr: number;
  t: Trb;
}

/** Gather result. */
enum Gather {
  OK,
  EMPTY,
  BAD,
  HSE,
}

/**
 * An xHCI 1.2 host controller (eXtensible Host Controller Interface for USB, rev 1.2): capability,
 * operational, runtime and doorbell registers; a command ring; event rings with segment tables;
 * interrupters with moderation; 32- or 64-byte contexts; USB 2 and USB 3 root-hub ports; control,
 * bulk, interrupt and isochronous transfer rings. Devices are anything implementing `UsbDevice`.
 *
 * Guest mistakes become completion codes, or Host System Error when the controller cannot reach
 * memory; nothing a guest writes throws out of `read`/`write`.
 */
export class XhciController implements MmioDevice, Snapshottable {
  readonly log = new RateLimitedLog("xhci");
  readonly maxSlots: number;
  readonly numInterrupters: number;
  readonly contextSize: 32 | 64;
  readonly ports: Port[] = [];
  readonly usb2Ports: number;
  readonly usb3Ports: number;
  private readonly dma: DmaSpace;
  private readonly sink: XhciInterruptSink;
  private readonly clock: VirtualClock | undefined;

  private usbcmd = 0;
  private usbsts = UsbSts.HCH;
  private dnctrl = 0;
  private crcrLo = 0;
  private crcrHi = 0;
  private crRunning = false;
  private crDeq = 0;
  private crCycle = 1;
  private dcbaap = 0;
  private config = 0;
  private mfindexBase = 0;
  private readonly slots: Array<Slot | undefined> = [];
  private readonly irs: Interrupter[] = [];
  private depth = 0;
  private readonly kicks: number[] = [];

  // scratch (allocation-free hot paths)
  private readonly trbBuf = new Uint8Array(16);
  private readonly trbTmp: Trb = { parameterLo: 0, parameterHi: 0, status: 0, control: 0 };
  private readonly ctxBuf = new Uint8Array(64);
  private readonly ctxView = new DataView(this.ctxBuf.buffer);
  private td: TdTrb[] = [];
  private data = new Uint8Array(4096);
  private readonly idt = new Uint8Array(8);
  /** Counters a test or a monitor can read. */
  readonly stats = { commands: 0, transfers: 0, events: 0, hostSystemErrors: 0, eventsLost: 0 };

  constructor(opts: XhciOptions) {
    this.dma = opts.dma;
    this.clock = opts.clock;
    this.usb2Ports = opts.usb2Ports ?? 4;
    this.usb3Ports = opts.usb3Ports ?? 4;
    this.maxSlots = opts.maxSlots ?? 32;
    this.numInterrupters = opts.interrupters ?? 4;
    this.contextSize = opts.contextSize ?? 32;
    const nPorts = this.usb2Ports + this.usb3Ports;
    if (
      !Number.isInteger(this.usb2Ports) ||
      !Number.isInteger(this.usb3Ports) ||
      this.usb2Ports < 0 ||
      this.usb3Ports < 0 ||
      nPorts < 1 ||
      nPorts > 15
    )
      throw new ConfigError(
        `xHCI ports: ${this.usb2Ports} USB 2 + ${this.usb3Ports} USB 3; use 1..15 in total`,
      );
    if (!Number.isInteger(this.maxSlots) || this.maxSlots < 1 || this.maxSlots > 255)
      throw new ConfigError(`xHCI maxSlots ${this.maxSlots}: use 1..255`);
    if (!Number.isInteger(this.numInterrupters) || this.numInterrupters < 1 || this.numInterrupters > 16)
      throw new ConfigError(`xHCI interrupters ${this.numInterrupters}: use 1..16`);
    if (this.contextSize !== 32 && this.contextSize !== 64)
      throw new ConfigError("xHCI contextSize must be 32 or 64");
    if (opts.irq !== undefined && opts.interrupts !== undefined)
      throw new ConfigError("xHCI: pass either irq (wired) or interrupts (PCI), not both");
    const irq = opts.irq;
    this.sink = opts.interrupts ?? {
      msiEnabled: () => false,
      message: () => {},
      setLevel: (l) => irq?.set(l),
    };
    for (let i = 0; i < nPorts; i++) {
      this.ports.push({
        usb3: i >= this.usb2Ports,
        device: undefined,
        speed: "high",
        ccs: false,
        ped: false,
        pls: Pls.RX_DETECT,
        changes: 0,
        rw: 0,
        pmsc: 0,
      });
    }
    for (let i = 0; i < this.numInterrupters; i++) {
      const ir = {} as Interrupter;
      ir.timer = this.clock?.createTimer(() => this.checkInterrupt(i));
      this.irs.push(ir);
    }
    this.reset();
  }

  // ---------------------------------------------------------------- host API

  /**
   * Plug `device` into root-hub port `port` of the USB 3 (`usb3: true`) or USB 2 root hub
   * (1-based within that hub, as Linux numbers them). SuperSpeed devices on USB 3 ports run at
   * SuperSpeed, anything else at its best speed up to high speed.
   */
  attach(device: UsbDevice, where: { port: number; usb3: boolean }): number {
    const count = where.usb3 ? this.usb3Ports : this.usb2Ports;
    if (!Number.isInteger(where.port) || where.port < 1 || where.port > count)
      throw new ConfigError(
        `xHCI has ${count} USB ${where.usb3 ? 3 : 2} ports; port ${where.port} does not exist`,
      );
    const index = (where.usb3 ? this.usb2Ports : 0) + where.port - 1;
    const p = this.ports[index]!;
    if (p.device !== undefined) throw new ConfigError(`xHCI port ${index + 1} already has ${p.device.name}`);
    if (where.usb3 && device.maxSpeed !== "super")
      throw new ConfigError(`${device.name} is not a SuperSpeed device; attach it to a USB 2 port`);
    p.device = device;
    p.speed = where.usb3 ? "super" : device.maxSpeed === "super" ? "high" : device.maxSpeed;
    device.attach(p.speed, { wake: (ep) => this.wake(index + 1, ep) });
    this.connect(index + 1, true);
    return index + 1;
  }

  /** Unplug whatever is in xHCI port `portId` (1-based over all ports). */
  detach(portId: number): void {
    const p = this.ports[portId - 1];
    if (p?.device === undefined) return;
    p.device.detach();
    p.device = undefined;
    this.connect(portId, false);
  }

  private connect(portId: number, on: boolean): void {
    const p = this.ports[portId - 1]!;
    p.ccs = on;
    if (on) {
      // USB 3 ports train the link and enable themselves; USB 2 ports wait for a reset (§4.19.1).
      p.ped = p.usb3;
      p.pls = p.usb3 ? Pls.U0 : Pls.POLLING;
    } else {
      p.ped = false;
      p.pls = Pls.RX_DETECT;
      for (let s = 1; s <= this.maxSlots; s++) if (this.slots[s]?.port === portId) this.slots[s]!.port = 0;
    }
    this.portChange(portId, PortSc.CSC);
  }

  private portChange(portId: number, bits: number): void {
    const p = this.ports[portId - 1]!;
    const before = p.changes;
    p.changes |= bits;
    if (before !== p.changes || bits !== 0) {
      this.usbsts |= UsbSts.PCD;
      this.postEvent(0, portStatusChangeEvent(portId));
    }
  }

  /** A device has data for an endpoint that answered NAK: retry its transfer ring. */
  private wake(portId: number, endpoint: number): void {
    for (let s = 1; s <= this.maxSlots; s++) {
      const slot = this.slots[s];
      if (slot === undefined || !slot.enabled || slot.port !== portId) continue;
      const dci = endpoint === 0 ? 1 : (endpoint & 0xf) * 2 + (endpoint & 0x80 ? 1 : 0);
      const ep = slot.eps[dci];
      if (ep === undefined || !ep.waiting) continue;
      ep.waiting = false;
      this.kick(s, dci);
    }
  }

  // ---------------------------------------------------------------- snapshot

  readonly stateVersion = 1;

  /**
   * Snapshot: the operational registers and the command ring's dequeue pointer and cycle state;
   * each root-hub port (link state, change bits, written bits); each slot (state, port, address,
   * output context) and its endpoints (state, type, dequeue pointer and cycle state, max packet,
   * a deferred TD, EDTLA); each interrupter (registers, the event ring producer's segment,
   * position and cycle state, moderation and its timer); then each attached device's own state
   * in port order. Rings, contexts and buffers are guest memory. Transfers complete within a
   * register write or a device's wake, so none is in flight between instructions.
   */
  saveState(w: StateWriter): void {
    for (const k of SAVED_REGS) w.u32(this[k]);
    w.bool(this.crRunning);
    w.f64(this.crDeq);
    w.u8(this.crCycle);
    w.f64(this.dcbaap);
    w.f64(this.mfindexBase);
    w.u32(this.ports.length);
    for (const p of this.ports) {
      w.bool(p.device !== undefined);
      w.bool(p.ccs);
      w.bool(p.ped);
      for (const v of [p.pls, p.changes, p.rw, p.pmsc]) w.u32(v);
    }
    w.u32(this.maxSlots);
    for (let s = 1; s <= this.maxSlots; s++) {
      const slot = this.slots[s];
      w.bool(slot !== undefined);
      if (slot === undefined) continue;
      w.bool(slot.enabled);
      for (const v of [slot.state, slot.port, slot.address]) w.u32(v);
      w.f64(slot.ctx);
      for (let d = 0; d < 32; d++) {
        const ep = slot.eps[d];
        w.bool(ep !== undefined);
        if (ep === undefined) continue;
        for (const v of [ep.state, ep.type, ep.dcs, ep.maxPacket]) w.u32(v);
        w.f64(ep.deq);
        w.bool(ep.waiting);
        w.f64(ep.edtla);
      }
    }
    w.u32(this.irs.length);
    for (const ir of this.irs) {
      for (const k of IR_FLAGS) w.bool(ir[k]);
      for (const k of IR_U32) w.u32(ir[k]);
      for (const k of IR_F64) w.f64(ir[k]);
      w.bool(ir.timer !== undefined);
      ir.timer?.saveState(w);
    }
    for (const p of this.ports) {
      if (p.device === undefined) continue;
      if (p.device.saveState === undefined)
        throw new SnapshotError("unsupported", `USB device ${p.device.name} cannot be snapshotted`);
      w.str(p.device.name);
      p.device.saveState(w);
    }
  }

  loadState(r: StateReader): () => void {
    const regs = SAVED_REGS.map(() => r.u32());
    const crRunning = r.bool();
    const crDeq = r.f64();
    const crCycle = r.u8();
    const dcbaap = r.f64();
    const mfindexBase = r.f64();
    if (crCycle > 1) r.fail(`command ring cycle state ${crCycle}`);
    r.expect(this.ports.length, "root-hub port count");
    const ports = this.ports.map((p, i) => {
      const has = r.bool();
      if (has !== (p.device !== undefined))
        r.fail(
          `port ${i + 1} ${has ? "had a device" : "was empty"}, this one ${has ? "is empty" : `has ${p.device!.name}`}`,
        );
      const ccs = r.bool();
      const ped = r.bool();
      const [pls, changes, rw, pmsc] = [r.u32(), r.u32(), r.u32(), r.u32()];
      if (pls > 15) r.fail(`port ${i + 1} link state ${pls}`);
      return { p, ccs, ped, pls, changes, rw, pmsc };
    });
    r.expect(this.maxSlots, "slot count");
    const slots: Array<Slot | undefined> = [];
    for (let s = 1; s <= this.maxSlots; s++) {
      if (!r.bool()) continue;
      const enabled = r.bool();
      const [state, port, address] = [r.u32(), r.u32(), r.u32()];
      if (port > this.ports.length) r.fail(`slot ${s} on port ${port}`);
      const slot: Slot = { enabled, state, port, address, ctx: r.f64(), eps: [] };
      for (let d = 0; d < 32; d++) {
        if (!r.bool()) continue;
        const [state, type, dcs, maxPacket] = [r.u32(), r.u32(), r.u32(), r.u32()];
        const deq = r.f64();
        const waiting = r.bool();
        const edtla = r.f64();
        if (dcs > 1 || state > 4 || type > 7) r.fail(`slot ${s} endpoint ${d}: state ${state}, type ${type}`);
        slot.eps[d] = { state, type, deq, dcs, maxPacket, waiting, edtla };
      }
      slots[s] = slot;
    }
    r.expect(this.irs.length, "interrupter count");
    const irs = this.irs.map((ir, i) => {
      const v = { ...IR_RESET_FLAGS, ...IR_RESET_U32, ...IR_RESET_F64 };
      for (const k of IR_FLAGS) v[k] = r.bool();
      for (const k of IR_U32) v[k] = r.u32();
      for (const k of IR_F64) v[k] = r.f64();
      if (v.pcs > 1) r.fail(`interrupter ${i} cycle state ${v.pcs}`);
      const hasTimer = r.bool();
      if (hasTimer !== (ir.timer !== undefined))
        r.fail("the controller's clock differs (interrupt moderation timer)");
      const timer = ir.timer?.loadState(r);
      return { ir, v, timer };
    });
    const devices: Array<() => void> = [];
    for (const p of this.ports) {
      if (p.device === undefined) continue;
      const name = r.str(256);
      if (name !== p.device.name) r.fail(`a port had ${name}, this one has ${p.device.name}`);
      if (p.device.loadState === undefined) r.fail(`USB device ${name} cannot be restored`);
      devices.push(p.device.loadState(r));
    }
    return () => {
      SAVED_REGS.forEach((k, i) => {
        this[k] = regs[i]!;
      });
      this.crRunning = crRunning;
      this.crDeq = crDeq;
      this.crCycle = crCycle;
      this.dcbaap = dcbaap;
      this.mfindexBase = mfindexBase;
      for (const e of ports)
        Object.assign(e.p, {
          ccs: e.ccs,
          ped: e.ped,
          pls: e.pls,
          changes: e.changes,
          rw: e.rw,
          pmsc: e.pmsc,
        });
      this.slots.length = 0;
      slots.forEach((slot, s) => {
        this.slots[s] = slot;
      });
      for (const e of irs) {
        Object.assign(e.ir, e.v);
        e.timer?.();
      }
      this.kicks.length = 0;
      for (const d of devices) d();
    };
  }

  // ---------------------------------------------------------------- reset

  /** Hardware reset (power-on or USBCMD.HCRST). */
  reset(): void {
    Object.assign(this, RESET_REGS);
    this.crRunning = false;
    this.crDeq = 0;
    this.crCycle = 1;
    this.dcbaap = 0;
    this.slots.length = 0;
    for (const ir of this.irs) {
      ir.timer?.cancel();
      Object.assign(ir, IR_RESET_FLAGS, IR_RESET_U32, IR_RESET_F64);
    }
    for (let i = 0; i < this.ports.length; i++) {
      const p = this.ports[i]!;
      p.rw = 0;
      p.pmsc = 0;
      p.changes = 0;
      p.ccs = p.device !== undefined;
      p.ped = p.ccs && p.usb3;
      p.pls = p.ccs ? (p.usb3 ? Pls.U0 : Pls.POLLING) : Pls.RX_DETECT;
      if (p.ccs) p.changes |= PortSc.CSC;
      p.device?.reset();
    }
    this.updateLine();
  }

  private get running(): boolean {
    return (this.usbsts & UsbSts.HCH) === 0;
  }

  /** Host System Error (§4.10.2.6): the controller could not reach memory; it halts. */
  private hostSystemError(why: string): void {
    this.stats.hostSystemErrors++;
    this.log.warn("hse", `Host System Error: ${why}`);
    this.usbsts |= UsbSts.HSE | UsbSts.HCH;
    this.usbcmd &= ~UsbCmd.RS;
    this.crRunning = false;
    this.updateLine();
  }

  // ---------------------------------------------------------------- MMIO

  read64(offset: number): bigint {
    const lo = this.read(offset, 4);
    const hi = this.read(offset + 4, 4);
    return (BigInt(hi) << 32n) | BigInt(lo);
  }

  write64(offset: number, value: bigint): void {
    this.write(offset, 4, Number(value & 0xffffffffn));
    this.write(offset + 4, 4, Number((value >> 32n) & 0xffffffffn));
  }

  read(offset: number, size: 1 | 2 | 4): number {
    const aligned = offset & ~3;
    const v = this.read32(aligned);
    if (size === 4 && aligned === offset) return v >>> 0;
    const sh = (offset & 3) * 8;
    return size === 4 ? v >>> 0 : (v >>> sh) & (size === 2 ? 0xffff : 0xff);
  }

  write(offset: number, size: 1 | 2 | 4, value: number): void {
    if (size !== 4 || (offset & 3) !== 0) {
      // Registers are dword (or qword) wide; narrower writes merge into the current value.
      const aligned = offset & ~3;
      if (aligned >= XHCI_DOORBELLS || (aligned >= XHCI_OP && aligned < XHCI_OP + 0x40)) {
        this.log.warn(
          "narrow",
          `${size}-byte write at 0x${offset.toString(16)}: registers take 4-byte writes; ignored`,
        );
        return;
      }
      const sh = (offset & 3) * 8;
      const m = (size === 4 ? 0xffffffff : size === 2 ? 0xffff : 0xff) << sh;
      const cur = this.read32(aligned);
      this.write32(aligned, ((cur & ~m) | ((value << sh) & m)) >>> 0);
      return;
    }
    this.write32(offset, value >>> 0);
  }

  private read32(off: number): number {
    if (off < XHCI_CAPLENGTH) return this.capRead(off);
    if (off < XHCI_PORTS) return this.opRead(off - XHCI_OP);
    if (off < XHCI_PORTS + 0x10 * this.ports.length) return this.portRead(off - XHCI_PORTS);
    if (off >= XHCI_EXT_CAPS && off < XHCI_EXT_CAPS + 0x20) return this.extCapRead(off - XHCI_EXT_CAPS);
    if (off >= XHCI_RUNTIME && off < XHCI_RUNTIME + 0x20 + 0x20 * this.numInterrupters)
      return this.rtRead(off - XHCI_RUNTIME);
    return 0;
  }

  private write32(off: number, v: number): void {
    if (off < XHCI_CAPLENGTH) return;
    if (off < XHCI_PORTS) this.opWrite(off - XHCI_OP, v);
    else if (off < XHCI_PORTS + 0x10 * this.ports.length) this.portWrite(off - XHCI_PORTS, v);
    else if (off >= XHCI_RUNTIME && off < XHCI_RUNTIME + 0x20 + 0x20 * this.numInterrupters)
      this.rtWrite(off - XHCI_RUNTIME, v);
    else if (off >= XHCI_DOORBELLS && off <= XHCI_DOORBELLS + 4 * this.maxSlots)
      this.doorbell((off - XHCI_DOORBELLS) >>> 2, v);
  }

  private capRead(off: number): number {
    switch (off) {
      case 0x00:
        // CAPLENGTH, HCIVERSION 1.2 (§5.3.1, §5.3.2).
        return (XHCI_CAPLENGTH | (0x0120 << 16)) >>> 0;
      case 0x04:
        return (this.maxSlots | (this.numInterrupters << 8) | (this.ports.length << 24)) >>> 0;
      case 0x08:
        // IST = 1 frame... (bit 3 set: frames), ERST Max = 2^4 entries, no scratchpad buffers.
        return 0x1 | (4 << 4);
      case 0x0c:
        return 0;
      case 0x10:
        // AC64, CSZ, MaxPSASize 0 (no streams), xECP.
        return ((1 << 0) | (this.contextSize === 64 ? 1 << 2 : 0) | ((XHCI_EXT_CAPS >>> 2) << 16)) >>> 0;
      case 0x14:
        return XHCI_DOORBELLS;
      case 0x18:
        return XHCI_RUNTIME;
      default:
        return 0;
    }
  }

  /** Two Supported Protocol capabilities (§7.2): USB 2.0 ports first, then USB 3.0 ports. */
  private extCapRead(off: number): number {
    const usb3 = off >= 0x10;
    const o = off & 0xf;
    const count = usb3 ? this.usb3Ports : this.usb2Ports;
    const first = usb3 ? this.usb2Ports + 1 : 1;
    switch (o) {
      case 0x0:
        return (0x02 | ((usb3 ? 0 : 4) << 8) | ((usb3 ? 0x00 : 0x00) << 16) | ((usb3 ? 3 : 2) << 24)) >>> 0;
      case 0x4:
        return 0x20425355; // "USB "
      case 0x8:
        return count === 0 ? 0 : (first | (count << 8)) >>> 0;
      default:
        return 0;
    }
  }

  private opRead(off: number): number {
    switch (off) {
      case 0x00:
        return this.usbcmd;
      case 0x04:
        return this.usbsts;
      case 0x08:
        return 1; // PAGESIZE: 4 KiB
      case 0x14:
        return this.dnctrl;
      case 0x18:
        // CRCR reads 0 except Command Ring Running (§5.4.5).
        return this.crRunning ? 1 << 3 : 0;
      case 0x1c:
        return 0;
      case 0x30:
        return this.dcbaap % 2 ** 32;
      case 0x34:
        return Math.floor(this.dcbaap / 2 ** 32);
      case 0x38:
        return this.config;
      default:
        return 0;
    }
  }

  private opWrite(off: number, v: number): void {
    switch (off) {
      case 0x00:
        this.writeUsbCmd(v);
        return;
      case 0x04:
        // RW1C: HSE, EINT, PCD, SRE.
        this.usbsts &= ~(v & (UsbSts.HSE | UsbSts.EINT | UsbSts.PCD | UsbSts.SRE));
        this.updateLine();
        return;
      case 0x14:
        this.dnctrl = v & 0xffff;
        return;
      case 0x18:
        this.writeCrcr(v, false);
        return;
      case 0x1c:
        this.writeCrcr(v, true);
        return;
      case 0x30:
        this.dcbaap = Math.floor(this.dcbaap / 2 ** 32) * 2 ** 32 + ((v & ~0x3f) >>> 0);
        return;
      case 0x34:
        this.dcbaap = v * 2 ** 32 + (this.dcbaap % 2 ** 32);
        return;
      case 0x38:
        this.config = v & 0x3ff;
        return;
      default:
        return;
    }
  }

  private writeUsbCmd(v: number): void {
    if (v & UsbCmd.HCRST) {
      this.reset();
      return;
    }
    const wasRunning = (this.usbcmd & UsbCmd.RS) !== 0;
    this.usbcmd = v & (UsbCmd.RS | UsbCmd.INTE | UsbCmd.HSEE | UsbCmd.EWE | (1 << 11) | (1 << 13));
    if (this.usbcmd & UsbCmd.RS) {
      if (!wasRunning && (this.usbsts & UsbSts.HSE) === 0) {
        this.usbsts &= ~UsbSts.HCH;
        this.mfindexBase = this.clock?.nowNs() ?? 0;
        // Changes that happened while halted are reported now.
        for (let i = 0; i < this.ports.length; i++) {
          if (this.ports[i]!.changes !== 0) this.postEvent(0, portStatusChangeEvent(i + 1));
        }
      }
    } else {
      this.usbsts |= UsbSts.HCH;
      this.crRunning = false;
    }
    // CSS/CRS (§4.23.2): nothing volatile to save; report no errors.
    this.usbsts &= ~(UsbSts.SSS | UsbSts.RSS);
    this.updateLine();
  }

  private writeCrcr(v: number, high: boolean): void {
    if (this.crRunning) {
      if (!high && v & 0x6) {
        // Command Stop / Abort (§4.6.1.2): commands run synchronously, so the ring just stops.
        this.crRunning = false;
        this.postEvent(0, commandCompletionEvent(this.crDeq, CC.COMMAND_RING_STOPPED, 0));
      }
      return;
    }
    if (high) this.crcrHi = v;
    else this.crcrLo = v;
    this.crDeq = this.crcrHi * 2 ** 32 + ((this.crcrLo & ~0x3f) >>> 0);
    this.crCycle = this.crcrLo & 1;
  }

  private portRead(off: number): number {
    const p = this.ports[off >>> 4]!;
    switch (off & 0xf) {
      case 0x0:
        return this.portsc(p);
      case 0x4:
        return p.pmsc;
      default:
        return 0;
    }
  }

  private portsc(p: Port): number {
    let v = PortSc.PP | p.changes | p.rw;
    if (p.ccs) v |= PortSc.CCS | (SPEED_ID[p.speed] << PortSc.SPEED_SHIFT);
    if (p.ped) v |= PortSc.PED;
    v |= p.pls << PortSc.PLS_SHIFT;
    return v >>> 0;
  }

  private portWrite(off: number, v: number): void {
    const id = (off >>> 4) + 1;
    const p = this.ports[id - 1]!;
    if ((off & 0xf) === 0x4) {
      p.pmsc = v >>> 0;
      return;
    }
    if ((off & 0xf) !== 0) return;
    p.rw = v & (PortSc.WCE | PortSc.WDE | PortSc.WOE | PortSc.PIC_MASK);
    p.changes &= ~(v & PORT_CHANGE_BITS);
    // PED is RW1C-like: writing 1 disables a USB 2 port (§5.4.8).
    if (v & PortSc.PED && !p.usb3) {
      p.ped = false;
    }
    if (v & PortSc.WPR && p.usb3) {
      this.portReset(id, true);
    } else if (v & PortSc.PR) {
      this.portReset(id, false);
    } else if (v & PortSc.LWS) {
      this.linkStateWrite(id, (v & PortSc.PLS_MASK) >>> PortSc.PLS_SHIFT);
    }
  }

  private portReset(id: number, warm: boolean): void {
    const p = this.ports[id - 1]!;
    if (!p.ccs) {
      this.portChange(id, PortSc.PRC | (warm ? PortSc.WRC : 0));
      return;
    }
    p.device?.reset();
    // Slots bound to this port fall back to Default on the device side; software re-addresses.
    p.ped = true;
    p.pls = Pls.U0;
    this.portChange(id, PortSc.PRC | (warm ? PortSc.WRC : 0));
  }

  private linkStateWrite(id: number, pls: number): void {
    const p = this.ports[id - 1]!;
    if (!p.ccs || !p.ped) return;
    if (pls === Pls.U3) {
      p.pls = Pls.U3;
    } else if (pls === Pls.U0 && p.pls !== Pls.U0) {
      p.pls = Pls.U0;
      this.portChange(id, PortSc.PLC);
    } else if (pls === Pls.RESUME && !p.usb3 && p.pls === Pls.U3) {
      p.pls = Pls.RESUME;
    } else if (pls === Pls.RX_DETECT && p.usb3) {
      p.pls = Pls.RX_DETECT;
      p.ped = false;
    } else if (pls === Pls.U1 || pls === Pls.U2) {
      p.pls = pls;
    }
  }

  private rtRead(off: number): number {
    if (off === 0) {
      if (!this.running) return 0;
      const now = this.clock?.nowNs() ?? 0;
      return Math.floor((now - this.mfindexBase) / 125_000) & 0x3fff;
    }
    if (off < 0x20) return 0;
    const ir = this.irs[(off - 0x20) >>> 5]!;
    switch ((off - 0x20) & 0x1f) {
      case 0x00:
        return (ir.ip ? 1 : 0) | (ir.ie ? 2 : 0);
      case 0x04:
        return (ir.imodi | (ir.imodc << 16)) >>> 0;
      case 0x08:
        return ir.erstsz;
      case 0x10:
        return ir.erstba % 2 ** 32;
      case 0x14:
        return Math.floor(ir.erstba / 2 ** 32);
      case 0x18:
        return ((ir.erdp % 2 ** 32) | (ir.ehb ? 8 : 0)) >>> 0;
      case 0x1c:
        return Math.floor(ir.erdp / 2 ** 32);
      default:
        return 0;
    }
  }

  private rtWrite(off: number, v: number): void {
    if (off < 0x20) return;
    const n = (off - 0x20) >>> 5;
    const ir = this.irs[n]!;
    const lo = (x: number) => Math.floor(x / 2 ** 32) * 2 ** 32;
    switch ((off - 0x20) & 0x1f) {
      case 0x00:
        if (v & 1) ir.ip = false; // RW1C
        ir.ie = (v & 2) !== 0;
        this.updateLine();
        this.checkInterrupt(n);
        return;
      case 0x04:
        ir.imodi = v & 0xffff;
        ir.imodc = v >>> 16;
        return;
      case 0x08:
        ir.erstsz = v & 0xffff;
        ir.ready = false;
        return;
      case 0x10:
        ir.erstba = lo(ir.erstba) + ((v & ~0x3f) >>> 0);
        ir.ready = false;
        return;
      case 0x14:
        ir.erstba = v * 2 ** 32 + (ir.erstba % 2 ** 32);
        ir.ready = false;
        return;
      case 0x18:
        ir.erdp = lo(ir.erdp) + ((v & ~0xf) >>> 0);
        if (v & 8) ir.ehb = false; // EHB is RW1C
        ir.full = false;
        // Events left behind the new dequeue pointer interrupt again (§4.17.2).
        if (ir.ready && ir.erdp !== ir.segBase + ir.segPos * 16) ir.pending = true;
        this.checkInterrupt(n);
        return;
      case 0x1c:
        ir.erdp = v * 2 ** 32 + (ir.erdp % 2 ** 32);
        return;
      default:
        return;
    }
  }

  // ---------------------------------------------------------------- events and interrupts

  private loadSegment(ir: Interrupter, index: number): boolean {
    const e = this.erstBuf;
    if (this.dma.read(ir.erstba + 16 * index, e) !== DmaStatus.Ok) {
      this.hostSystemError(
        `event ring segment table entry ${index} at 0x${(ir.erstba + 16 * index).toString(16)} unreadable`,
      );
      return false;
    }
    const v = new DataView(e.buffer);
    ir.segBase = v.getUint32(4, true) * 2 ** 32 + ((v.getUint32(0, true) & ~0x3f) >>> 0);
    ir.segSize = v.getUint16(8, true);
    ir.segIndex = index;
    ir.segPos = 0;
    if (ir.segSize < 1) {
      this.hostSystemError(`event ring segment ${index} has size 0`);
      return false;
    }
    return true;
  }
  private readonly erstBuf = new Uint8Array(16);

  /** Write one event TRB to interrupter `n`'s event ring (§4.9.4). */
  private postEvent(n: number, ev: Trb, bei = false): void {
    if (!this.running) return;
    const ir = this.irs[n] ?? this.irs[0]!;
    const index = this.irs[n] === undefined ? 0 : n;
    if (!ir.ready) {
      if (ir.erstsz === 0) {
        this.stats.eventsLost++;
        this.log.warn("no-erst", `interrupter ${index} has no event ring (ERSTSZ = 0); event dropped`);
        return;
      }
      ir.pcs = 1;
      ir.full = false;
      if (!this.loadSegment(ir, 0)) return;
      ir.ready = true;
    }
    if (ir.full) {
      this.stats.eventsLost++;
      return;
    }
    const here = ir.segBase + ir.segPos * 16;
    // Where the enqueue pointer goes after this TRB.
    let nextAddr: number;
    let wrapSeg = -1;
    if (ir.segPos + 1 < ir.segSize) nextAddr = here + 16;
    else {
      wrapSeg = ir.segIndex + 1 < Math.min(ir.erstsz, 16) ? ir.segIndex + 1 : 0;
      if (wrapSeg === ir.segIndex) nextAddr = ir.segBase;
      else {
        const save = [ir.segBase, ir.segSize, ir.segIndex, ir.segPos];
        if (!this.loadSegment(ir, wrapSeg)) return;
        nextAddr = ir.segBase;
        [ir.segBase, ir.segSize, ir.segIndex, ir.segPos] = save as [number, number, number, number];
      }
    }
    let out = ev;
    if (nextAddr === ir.erdp) {
      // One slot left: it takes an Event Ring Full Error and later events are lost (§4.9.4).
      out = hostControllerEvent(CC.EVENT_RING_FULL);
      ir.full = true;
      this.stats.eventsLost++;
    }
    out.control = ((out.control & ~1) | ir.pcs) >>> 0;
    encodeTrb(out, this.trbBuf);
    if (this.dma.write(here, this.trbBuf) !== DmaStatus.Ok) {
      this.hostSystemError(`event ring write at 0x${here.toString(16)} failed`);
      return;
    }
    this.stats.events++;
    if (wrapSeg >= 0) {
      if (wrapSeg === 0) ir.pcs ^= 1;
      if (!this.loadSegment(ir, wrapSeg)) return;
    } else ir.segPos++;
    if (!bei) {
      ir.pending = true;
      this.checkInterrupt(index);
    }
  }

  /** Raise interrupter `n` if it has pending events, EHB is clear and moderation allows (§4.17.2). */
  private checkInterrupt(n: number): void {
    const ir = this.irs[n]!;
    if (!ir.pending || ir.ehb || !this.running) return;
    if (this.clock !== undefined && ir.imodi > 0) {
      const now = this.clock.nowNs();
      if (now < ir.holdUntil) {
        if (!ir.timer!.armed) ir.timer!.arm(ir.holdUntil);
        return;
      }
      ir.holdUntil = now + ir.imodi * 250;
    }
    ir.pending = false;
    ir.ehb = true;
    this.usbsts |= UsbSts.EINT;
    if (this.sink.msiEnabled()) {
      if (ir.ie && this.usbcmd & UsbCmd.INTE) this.sink.message(n);
      else ir.ip = true;
    } else ir.ip = true;
    this.updateLine();
  }

  private updateLine(): void {
    if (this.sink.msiEnabled()) {
      this.sink.setLevel(false);
      return;
    }
    let level = false;
    if (this.usbcmd & UsbCmd.INTE) for (const ir of this.irs) if (ir.ip && ir.ie) level = true;
    if (this.usbsts & UsbSts.HSE && this.usbcmd & UsbCmd.HSEE) level = true;
    this.sink.setLevel(level);
  }

  /** Re-evaluate the wired line (the PCI wrapper calls this when MSI-X is switched). */
  interruptModeChanged(): void {
    this.updateLine();
  }

  // ---------------------------------------------------------------- doorbells

  private doorbell(index: number, v: number): void {
    if (!this.running) return;
    if (index === 0) {
      if ((v & 0xff) !== 0) return;
      this.crRunning = true;
      this.runCommands();
      return;
    }
    const slot = this.slots[index];
    const dci = v & 0xff;
    if (slot === undefined || !slot.enabled || dci < 1 || dci > 31) return;
    const ep = slot.eps[dci];
    if (ep === undefined) return;
    // Ringing a Stopped endpoint restarts it (§4.8.3).
    if (ep.state === EpState.STOPPED) this.setEpState(slot, dci, EpState.RUNNING);
    ep.waiting = false;
    this.kick(index, dci);
  }

  private kick(slotId: number, dci: number): void {
    this.kicks.push(slotId, dci);
    if (this.depth > 0) return;
    this.depth++;
    try {
      while (this.kicks.length > 0) {
        const s = this.kicks.shift()!;
        const d = this.kicks.shift()!;
        this.runEndpoint(s, d);
      }
    } finally {
      this.depth--;
    }
  }

  // ---------------------------------------------------------------- rings

  private readTrb(addr: number, out: Trb): boolean {
    if (this.dma.read(addr, this.trbBuf) !== DmaStatus.Ok) return false;
    decodeTrb(this.trbBuf, 0, out);
    return true;
  }

  private runCommands(): void {
    for (let i = 0, hops = 0; i < MAX_COMMANDS_PER_KICK && this.crRunning && this.running; ) {
      const t = this.trbTmp;
      if (!this.readTrb(this.crDeq, t)) {
        this.hostSystemError(`command ring read at 0x${this.crDeq.toString(16)} failed`);
        return;
      }
      if ((t.control & 1) !== this.crCycle) return;
      if (trbType(t.control) === TrbType.LINK) {
        if (++hops > MAX_LINK_HOPS) {
          this.log.warn("cmd-link", "command ring is a loop of Link TRBs; stopped");
          this.crRunning = false;
          return;
        }
        if (t.control & TrbFlag.TC) this.crCycle ^= 1;
        this.crDeq = trbParameter(t) - (trbParameter(t) % 16);
        continue;
      }
      hops = 0;
      i++;
      const at = this.crDeq;
      this.crDeq += 16;
      this.stats.commands++;
      this.command(at, { ...t });
    }
  }

  private command(at: number, t: Trb): void {
    const type = trbType(t.control);
    const slotId = t.control >>> 24;
    const done = (code: number, slot = slotId) => {
      // A negative code means the command hit a Host System Error: the controller has halted.
      if (code >= 0) this.postEvent(0, commandCompletionEvent(at, code, slot));
    };
    switch (type) {
      case TrbType.NO_OP_COMMAND:
        done(CC.SUCCESS, 0);
        return;
      case TrbType.ENABLE_SLOT: {
        // Slot type (20:16) must be 0: our Supported Protocol capabilities say so (§7.2.2.1.4).
        for (let s = 1; s <= Math.min(this.maxSlots, this.config & 0xff); s++) {
          if (this.slots[s]?.enabled) continue;
          this.slots[s] = {
            enabled: true,
            state: SlotState.DISABLED_ENABLED,
            port: 0,
            address: 0,
            ctx: 0,
            eps: [],
          };
          done(CC.SUCCESS, s);
          return;
        }
        done(CC.NO_SLOTS, 0);
        return;
      }
      default:
        break;
    }
    if (type < TrbType.DISABLE_SLOT || type > TrbType.RESET_DEVICE) {
      done(CC.TRB, 0);
      return;
    }
    const slot = this.slots[slotId];
    if (slotId === 0 || slotId > this.maxSlots || slot === undefined || !slot.enabled) {
      done(CC.SLOT_NOT_ENABLED);
      return;
    }
    switch (type) {
      case TrbType.DISABLE_SLOT:
        slot.enabled = false;
        this.slots[slotId] = undefined;
        done(CC.SUCCESS);
        return;
      case TrbType.ADDRESS_DEVICE:
        done(this.addressDevice(slotId, slot, trbParameter(t), (t.control & (1 << 9)) !== 0));
        return;
      case TrbType.CONFIGURE_ENDPOINT:
        done(this.configureEndpoint(slot, trbParameter(t), (t.control & (1 << 9)) !== 0));
        return;
      case TrbType.EVALUATE_CONTEXT:
        done(this.evaluateContext(slot, trbParameter(t)));
        return;
      case TrbType.RESET_ENDPOINT: {
        const dci = (t.control >>> 16) & 0x1f;
        const ep = endpointIn(slot, dci, [EpState.HALTED], done);
        if (ep === undefined) return;
        ep.waiting = false;
        this.setEpState(slot, dci, EpState.STOPPED);
        done(CC.SUCCESS);
        return;
      }
      case TrbType.STOP_ENDPOINT: {
        const dci = (t.control >>> 16) & 0x1f;
        const ep = endpointIn(slot, dci, [EpState.RUNNING], done);
        if (ep === undefined) return;
        if (ep.waiting) {
          // The TD in progress is reported Stopped with nothing transferred (§4.6.9).
          ep.waiting = false;
          const tt = this.trbTmp;
          if (this.readTrb(ep.deq, tt) && (tt.control & 1) === ep.dcs)
            this.postEvent(0, transferEvent(ep.deq, 0, CC.STOPPED_LENGTH_INVALID, slotId, dci, false));
        }
        this.setEpState(slot, dci, EpState.STOPPED);
        done(CC.SUCCESS);
        return;
      }
      case TrbType.SET_TR_DEQUEUE: {
        const dci = (t.control >>> 16) & 0x1f;
        const ep = endpointIn(slot, dci, [EpState.STOPPED, EpState.ERROR], done);
        if (ep === undefined) return;
        const p = trbParameter(t);
        if ((p & 0xe) !== 0) {
          done(CC.INVALID_STREAM_TYPE);
          return;
        }
        ep.deq = p - (p % 16);
        ep.dcs = t.parameterLo & 1;
        this.setEpState(slot, dci, ep.state);
        done(CC.SUCCESS);
        return;
      }
      case TrbType.RESET_DEVICE: {
        if (slot.state === SlotState.DISABLED_ENABLED || slot.state === SlotState.DEFAULT) {
          done(CC.CONTEXT_STATE);
          return;
        }
        for (let d = 2; d < 32; d++) if (slot.eps[d] !== undefined) slot.eps[d] = undefined;
        slot.state = SlotState.DEFAULT;
        slot.address = 0;
        if (!this.writeSlotState(slot, 1)) return;
        for (let d = 2; d < 32; d++) this.writeEpCtxState(slot, d, EpState.DISABLED);
        done(CC.SUCCESS);
        return;
      }
      default:
        done(CC.TRB);
    }
  }

  // ---------------------------------------------------------------- contexts

  /** Reads a context (32 bytes used) at `addr` into ctxBuf; false (and HSE) if unreadable. */
  private readCtx(addr: number): boolean {
    return this.ctxDma(addr, "read");
  }

  private dw(i: number): number {
    return this.ctxView.getUint32(i * 4, true);
  }

  /** Writes ctxBuf's 32 bytes as the context at `addr`; false (and HSE) if unwritable. */
  private writeCtx(addr: number): boolean {
    return this.ctxDma(addr, "write");
  }

  private ctxDma(addr: number, op: "read" | "write"): boolean {
    if (this.dma[op](addr, this.ctxBuf.subarray(0, 32)) !== DmaStatus.Ok) {
      this.hostSystemError(`context ${op} at 0x${addr.toString(16)} failed`);
      return false;
    }
    return true;
  }

  private readDcbaa(slotId: number): number {
    if (this.dma.read(this.dcbaap + 8 * slotId, this.ctxBuf.subarray(0, 8)) !== DmaStatus.Ok) {
      this.hostSystemError("DCBAA entry unreadable");
      return -1;
    }
    const p = this.dw(1) * 2 ** 32 + ((this.dw(0) & ~0x3f) >>> 0);
    return p;
  }

  /** Updates slot state / address / context entries in the output slot context. */
  private writeSlotState(slot: Slot, contextEntries: number): boolean {
    if (slot.ctx === 0) return true;
    if (!this.readCtx(slot.ctx)) return false;
    const v = this.ctxView;
    v.setUint32(0, ((this.dw(0) & 0x07ffffff) | (contextEntries << 27)) >>> 0, true);
    v.setUint32(12, ((slot.address & 0xff) | (slot.state << 27)) >>> 0, true);
    return this.writeCtx(slot.ctx);
  }

  private epCtxAddr(slot: Slot, dci: number): number {
    return slot.ctx + this.contextSize * dci;
  }

  /** Writes EP State and the TR Dequeue Pointer into the output endpoint context. */
  private writeEpCtxState(slot: Slot, dci: number, state: number): boolean {
    if (slot.ctx === 0) return true;
    const a = this.epCtxAddr(slot, dci);
    if (!this.readCtx(a)) return false;
    const v = this.ctxView;
    v.setUint32(0, ((this.dw(0) & ~7) | state) >>> 0, true);
    const ep = slot.eps[dci];
    if (ep !== undefined) {
      v.setUint32(8, ((ep.deq % 2 ** 32) | ep.dcs) >>> 0, true);
      v.setUint32(12, Math.floor(ep.deq / 2 ** 32), true);
    }
    return this.writeCtx(a);
  }

  private setEpState(slot: Slot, dci: number, state: number): void {
    const ep = slot.eps[dci];
    if (ep !== undefined) ep.state = state;
    this.writeEpCtxState(slot, dci, state);
  }

  /** Parses the endpoint context in ctxBuf; undefined when a field is invalid. */
  private parseEpCtx(dci: number): Endpoint | undefined {
    const c = decodeEndpointContext(this.ctxBuf);
    const type = c.epType;
    if (type === 0 || c.maxPStreams !== 0) return undefined;
    // Control endpoints live at DCI 1 only; IN types at odd DCIs, OUT at even (§4.5.1).
    if ((dci === 1) !== (type === XhciEpType.CONTROL)) return undefined;
    if (dci > 1 && (dci & 1) !== (type >= 5 ? 1 : 0)) return undefined;
    if (c.maxPacketSize === 0) return undefined;
    return {
      state: EpState.RUNNING,
      type,
      deq: c.dequeue,
      dcs: c.dcs,
      maxPacket: c.maxPacketSize,
      waiting: false,
      edtla: 0,
    };
  }

  private addressDevice(slotId: number, slot: Slot, input: number, bsr: boolean): number {
    if (slot.state !== SlotState.DISABLED_ENABLED && !(slot.state === SlotState.DEFAULT))
      return CC.CONTEXT_STATE;
    if (slot.state === SlotState.DEFAULT && bsr) return CC.CONTEXT_STATE;
    if (!this.readCtx(input)) return -1;
    // Input Control Context: A0 and A1 set, no drops (§6.2.5.1).
    if ((this.dw(1) & 3) !== 3) return CC.PARAMETER;
    if (!this.readCtx(input + this.contextSize)) return -1;
    const portId = (this.dw(1) >>> 16) & 0xff;
    const route = this.dw(0) & 0xfffff;
    const slotCtx = this.ctxBuf.slice(0, 32);
    const port = this.ports[portId - 1];
    if (port === undefined || route !== 0) return CC.PARAMETER;
    if (!port.ccs || !port.ped || port.device === undefined) return CC.USB_TRANSACTION;
    if (!this.readCtx(input + 2 * this.contextSize)) return -1;
    const ep0 = this.parseEpCtx(1);
    if (ep0 === undefined) return CC.PARAMETER;
    const out = this.readDcbaa(slotId);
    if (out < 0) return -1;
    if (out === 0) return CC.CONTEXT_STATE;
    const ep0Ctx = this.ctxBuf.slice(0, 32);
    slot.ctx = out;
    slot.port = portId;
    slot.eps = [];
    slot.eps[1] = ep0;
    if (!bsr) {
      // The controller picks the address and sends SET_ADDRESS itself (§4.6.5).
      const r = port.device.control(
        { bmRequestType: 0, bRequest: 5, wValue: slotId, wIndex: 0, wLength: 0 },
        new Uint8Array(0),
      );
      if (r === USB_STALL || r === USB_NAK) return CC.USB_TRANSACTION;
      slot.address = slotId;
      slot.state = SlotState.ADDRESSED;
    } else {
      slot.address = 0;
      slot.state = SlotState.DEFAULT;
    }
    this.ctxBuf.set(slotCtx);
    const v = this.ctxView;
    v.setUint32(12, ((slot.address & 0xff) | (slot.state << 27)) >>> 0, true);
    if (!this.writeCtx(out)) return -1;
    this.ctxBuf.set(ep0Ctx);
    v.setUint32(0, ((this.dw(0) & ~7) | EpState.RUNNING) >>> 0, true);
    if (!this.writeCtx(out + this.contextSize)) return -1;
    return CC.SUCCESS;
  }

  private configureEndpoint(slot: Slot, input: number, deconfigure: boolean): number {
    if (slot.state !== SlotState.ADDRESSED && slot.state !== SlotState.CONFIGURED) return CC.CONTEXT_STATE;
    if (deconfigure) {
      for (let d = 2; d < 32; d++) {
        if (slot.eps[d] === undefined) continue;
        slot.eps[d] = undefined;
        if (!this.writeEpCtxState(slot, d, EpState.DISABLED)) return -1;
      }
      slot.state = SlotState.ADDRESSED;
      return this.writeSlotState(slot, 1) ? CC.SUCCESS : -1;
    }
    if (!this.readCtx(input)) return -1;
    const drop = this.dw(0);
    const add = this.dw(1);
    if (drop & 3 || (add & 2) !== 0) return CC.PARAMETER;
    // Validate every added context before changing anything (the command is all or nothing).
    const added: Array<[number, Endpoint, Uint8Array]> = [];
    for (let d = 2; d < 32; d++) {
      if (!(add & (1 << d))) continue;
      if (!this.readCtx(input + this.contextSize * (d + 1))) return -1;
      const ep = this.parseEpCtx(d);
      if (ep === undefined) return CC.PARAMETER;
      added.push([d, ep, this.ctxBuf.slice(0, 32)]);
    }
    for (let d = 2; d < 32; d++) {
      if (drop & (1 << d) && slot.eps[d] !== undefined) {
        slot.eps[d] = undefined;
        if (!this.writeEpCtxState(slot, d, EpState.DISABLED)) return -1;
      }
    }
    for (const [d, ep, bytes] of added) {
      slot.eps[d] = ep;
      this.ctxBuf.set(bytes);
      this.ctxView.setUint32(0, ((this.dw(0) & ~7) | EpState.RUNNING) >>> 0, true);
      if (!this.writeCtx(this.epCtxAddr(slot, d))) return -1;
    }
    let last = 1;
    for (let d = 2; d < 32; d++) if (slot.eps[d] !== undefined) last = d;
    slot.state = last > 1 ? SlotState.CONFIGURED : SlotState.ADDRESSED;
    return this.writeSlotState(slot, last) ? CC.SUCCESS : -1;
  }

  private evaluateContext(slot: Slot, input: number): number {
    if (slot.state === SlotState.DISABLED_ENABLED) return CC.CONTEXT_STATE;
    if (!this.readCtx(input)) return -1;
    const add = this.dw(1);
    if (this.dw(0) !== 0 || add & ~3) return CC.PARAMETER;
    if (add & 2) {
      if (!this.readCtx(input + 2 * this.contextSize)) return -1;
      const mps = this.dw(1) >>> 16;
      if (mps === 0) return CC.PARAMETER;
      const ep0 = slot.eps[1];
      if (ep0 !== undefined) ep0.maxPacket = mps;
      const a = this.epCtxAddr(slot, 1);
      if (!this.readCtx(a)) return -1;
      this.ctxView.setUint32(4, ((this.dw(1) & 0xffff) | (mps << 16)) >>> 0, true);
      if (!this.writeCtx(a)) return -1;
    }
    if (add & 1) {
      if (!this.readCtx(input + this.contextSize)) return -1;
      const maxExit = this.dw(1) & 0xffff;
      const intr = this.dw(2) >>> 22;
      if (!this.readCtx(slot.ctx)) return -1;
      this.ctxView.setUint32(4, ((this.dw(1) & ~0xffff) | maxExit) >>> 0, true);
      this.ctxView.setUint32(8, ((this.dw(2) & 0x3fffff) | (intr << 22)) >>> 0, true);
      if (!this.writeCtx(slot.ctx)) return -1;
    }
    return CC.SUCCESS;
  }

  // ---------------------------------------------------------------- transfers

  /** Collects the next TD from `ep`'s ring into this.td (§4.11.2). */
  private gatherTd(ep: Endpoint, control: boolean): { r: Gather; deq: number; dcs: number } {
    this.td.length = 0;
    let pos = ep.deq;
    let cyc = ep.dcs;
    let hops = 0;
    for (;;) {
      const t: Trb = { parameterLo: 0, parameterHi: 0, status: 0, control: 0 };
      if (!this.readTrb(pos, t)) return { r: Gather.HSE, deq: pos, dcs: cyc };
      if ((t.control & 1) !== cyc) return { r: Gather.EMPTY, deq: pos, dcs: cyc };
      const type = trbType(t.control);
      if (type === TrbType.LINK) {
        if (++hops > MAX_LINK_HOPS) return { r: Gather.BAD, deq: pos, dcs: cyc };
        if (t.control & TrbFlag.TC) cyc ^= 1;
        const p = trbParameter(t);
        pos = p - (p % 16);
        continue;
      }
      this.td.push({ addr: pos, t });
      pos += 16;
      if (this.td.length > MAX_TRBS_PER_TD) return { r: Gather.BAD, deq: pos, dcs: cyc };
      const first = trbType(this.td[0]!.t.control);
      if (control && first === TrbType.SETUP_STAGE) {
        if (type === TrbType.STATUS_STAGE) break;
        continue;
      }
      if (!(t.control & TrbFlag.CH)) break;
    }
    return { r: Gather.OK, deq: pos, dcs: cyc };
  }

  private runEndpoint(slotId: number, dci: number): void {
    for (let n = 0; n < MAX_TDS_PER_KICK; n++) {
      const slot = this.slots[slotId];
      if (slot === undefined || !slot.enabled || !this.running) return;
      const ep = slot.eps[dci];
      if (ep === undefined || ep.state !== EpState.RUNNING || ep.waiting) return;
      const port = this.ports[slot.port - 1];
      const g = this.gatherTd(ep, ep.type === XhciEpType.CONTROL);
      if (g.r === Gather.EMPTY) return;
      if (g.r === Gather.HSE) {
        this.hostSystemError(
          `transfer ring read at 0x${g.deq.toString(16)} failed (slot ${slotId} DCI ${dci})`,
        );
        return;
      }
      if (g.r === Gather.BAD) {
        this.trbError(slotId, dci, slot, ep.deq, "TD has too many TRBs or its ring loops through Link TRBs");
        return;
      }
      if (port?.device === undefined || !port.ccs) {
        this.transferError(slotId, dci, slot, this.td[0]!.addr, CC.USB_TRANSACTION, 0);
        return;
      }
      this.stats.transfers++;
      const r =
        ep.type === XhciEpType.CONTROL
          ? this.execControl(slotId, dci, slot, port.device)
          : this.execData(slotId, dci, slot, ep, port.device);
      if (r === USB_NAK) {
        ep.waiting = true;
        return;
      }
      if (ep.state === EpState.RUNNING) {
        ep.deq = g.deq;
        ep.dcs = g.dcs;
      }
      if (!this.running) return;
    }
    // A budget per doorbell: a ring that loops back on itself cannot keep the controller busy.
    this.log.warn(
      `budget-${slotId}-${dci}`,
      `slot ${slotId} DCI ${dci}: ${MAX_TDS_PER_KICK} TDs in one doorbell; the rest wait for the next`,
    );
  }

  private event(slotId: number, dci: number, t: TdTrb, residual: number, code: number): void {
    if (code === CC.SUCCESS && !(t.t.control & TrbFlag.IOC)) return;
    const intr = t.t.status >>> 22;
    this.postEvent(
      intr,
      transferEvent(t.addr, residual, code, slotId, dci, false),
      (t.t.control & TrbFlag.BEI) !== 0 && code === CC.SUCCESS,
    );
  }

  private trbError(slotId: number, dci: number, slot: Slot, at: number, why: string): void {
    this.log.warn(`trb-${slotId}-${dci}`, `slot ${slotId} DCI ${dci}: ${why}; TRB Error`);
    this.transferError(slotId, dci, slot, at, CC.TRB, 0);
  }

  /** Errors halt the endpoint (§4.10.2) and report the TRB with `code`. */
  private transferError(
    slotId: number,
    dci: number,
    slot: Slot,
    at: number,
    code: number,
    residual: number,
  ): void {
    const ep = slot.eps[dci]!;
    ep.deq = at;
    this.setEpState(slot, dci, EpState.HALTED);
    this.postEvent(0, transferEvent(at, residual, code, slotId, dci, false));
  }

  private buffer(n: number): Uint8Array {
    if (this.data.length < n) this.data = new Uint8Array(Math.max(n, this.data.length * 2));
    return this.data.subarray(0, n);
  }

  /** Data of one data TRB into `dst` (OUT): immediate or DMA. */
  private fetch(t: TdTrb, dst: Uint8Array): boolean {
    if (t.t.control & TrbFlag.IDT) {
      const b = this.idt;
      for (let i = 0; i < 4; i++) {
        b[i] = (t.t.parameterLo >>> (8 * i)) & 0xff;
        b[i + 4] = (t.t.parameterHi >>> (8 * i)) & 0xff;
      }
      dst.set(b.subarray(0, dst.length));
      return true;
    }
    return this.dma.read(trbParameter(t.t), dst) === DmaStatus.Ok;
  }

  private execData(slotId: number, dci: number, slot: Slot, ep: Endpoint, dev: UsbDevice): number {
    const td = this.td;
    const dirIn = ep.type >= 5;
    const epAddr = (dci >>> 1) | (dirIn ? 0x80 : 0);
    let total = 0;
    for (let i = 0; i < td.length; i++) {
      const t = td[i]!;
      const type = trbType(t.t.control);
      // Isoch TRBs start TDs on isochronous rings only (§4.11.2.3); Normal, Event Data and No-Op anywhere.
      const isochRing = ep.type === XhciEpType.ISOCH_IN || ep.type === XhciEpType.ISOCH_OUT;
      const okType =
        type === TrbType.NORMAL ||
        type === TrbType.EVENT_DATA ||
        type === TrbType.NO_OP ||
        (type === TrbType.ISOCH && i === 0 && isochRing);
      if (!okType) {
        this.trbError(
          slotId,
          dci,
          slot,
          t.addr,
          `TRB type ${type} on a ${dirIn ? "IN" : "OUT"} transfer ring`,
        );
        return 0;
      }
      if (type === TrbType.NORMAL || type === TrbType.ISOCH) {
        const len = t.t.status & 0x1ffff;
        if (t.t.control & TrbFlag.IDT && (dirIn || len > 8)) {
          this.trbError(slotId, dci, slot, t.addr, "Immediate Data on an IN ring or with more than 8 bytes");
          return 0;
        }
        total += len;
      }
    }
    if (total > MAX_TD_BYTES) {
      this.trbError(slotId, dci, slot, td[0]!.addr, `TD of ${total} bytes`);
      return 0;
    }
    // A TD of No-Op TRBs moves no data (§6.4.1.4).
    if (
      td.every(
        (t) => trbType(t.t.control) === TrbType.NO_OP || trbType(t.t.control) === TrbType.EVENT_DATA,
      ) &&
      total === 0
    ) {
      for (const t of td) this.completeTrb(slotId, dci, ep, t, 0, 0);
      return 0;
    }
    const buf = this.buffer(total);
    if (!dirIn && !this.fetchData(td, buf, false)) return 0;
    const r = dev.transfer(epAddr, buf);
    if (r === USB_NAK) return USB_NAK;
    const firstData =
      td.find((t) => trbType(t.t.control) === TrbType.NORMAL || trbType(t.t.control) === TrbType.ISOCH) ??
      td[0]!;
    if (r === USB_STALL || r < 0) {
      this.transferError(slotId, dci, slot, firstData.addr, CC.STALL, firstData.t.status & 0x1ffff);
      return 0;
    }
    // A short packet skips the rest of the TD.
    if (
      this.dataStage(
        slotId,
        dci,
        ep,
        td,
        dirIn ? buf.subarray(0, Math.min(r, total)) : undefined,
        total,
        false,
      ) === "short"
    )
      ep.edtla = 0;
    return 0;
  }

  /**
   * OUT data from a TD's data TRBs (see dataStage) into `buf`, in order and up to its length (a
   * control transfer moves at most wLength bytes); false after a Host System Error.
   */
  private fetchData(trbs: readonly TdTrb[], buf: Uint8Array, control: boolean): boolean {
    let off = 0;
    for (const t of trbs) {
      if (!isDataTrb(t, control) || (control && off >= buf.length)) continue;
      const len = Math.min(t.t.status & 0x1ffff, buf.length - off);
      if (!this.fetch(t, buf.subarray(off, off + len))) {
        const what = control ? "control data" : "transfer";
        this.hostSystemError(`${what} buffer read at 0x${trbParameter(t.t).toString(16)} failed`);
        return false;
      }
      off += len;
    }
    return true;
  }

  /**
   * Completes a TD's data TRBs in order (Event Data TRBs with the EDTLA), IN data going from
   * `inData` into their buffers; `moved` is what an OUT transfer took. A TRB that moved less than
   * its length ends the stage with a short packet. Data TRBs are Normal and Isoch ones in a
   * bulk/interrupt/isoch TD, every TRB but Event Data in a control Data Stage. "error" after a
   * Host System Error.
   */
  private dataStage(
    slotId: number,
    dci: number,
    ep: Endpoint,
    trbs: readonly TdTrb[],
    inData: Uint8Array | undefined,
    moved: number,
    control: boolean,
  ): "done" | "short" | "error" {
    let left = inData?.length ?? moved;
    let off = 0;
    for (const t of trbs) {
      if (!isDataTrb(t, control)) {
        this.completeTrb(slotId, dci, ep, t, 0, 0);
        continue;
      }
      const len = t.t.status & 0x1ffff;
      const take = Math.min(len, left);
      if (
        inData !== undefined &&
        !this.storeData(t, inData.subarray(off, off + take), control ? "control data" : "transfer")
      )
        return "error";
      off += take;
      left -= take;
      ep.edtla += take;
      if (take < len) {
        this.shortPacket(t, len - take, slotId, dci);
        return "short";
      }
      this.completeTrb(slotId, dci, ep, t, len, 0);
    }
    return "done";
  }

  /**
   * IN data into a data TRB's buffer; false, after a Host System Error, when the write fails.
   * `what` names the buffer in the error.
   */
  private storeData(t: TdTrb, data: Uint8Array, what: string): boolean {
    if (data.length === 0 || this.dma.write(trbParameter(t.t), data) === DmaStatus.Ok) return true;
    this.hostSystemError(`${what} buffer write at 0x${trbParameter(t.t).toString(16)} failed`);
    return false;
  }

  /** A data TRB that moved less than its length (§4.10.1.1): one Short Packet event if ISP or IOC. */
  private shortPacket(t: TdTrb, residual: number, slotId: number, dci: number): void {
    if ((t.t.control & (TrbFlag.ISP | TrbFlag.IOC)) === 0) return;
    this.postEvent(t.t.status >>> 22, transferEvent(t.addr, residual, CC.SHORT_PACKET, slotId, dci, false));
  }

  /** Event for a TRB that completed normally: IOC on data TRBs, Event Data with its EDTLA. */
  private completeTrb(
    slotId: number,
    dci: number,
    ep: Endpoint,
    t: TdTrb,
    _len: number,
    residual: number,
  ): void {
    const type = trbType(t.t.control);
    if (type === TrbType.EVENT_DATA) {
      if (t.t.control & TrbFlag.IOC) {
        const ev = transferEvent(0, ep.edtla & 0xffffff, CC.SUCCESS, slotId, dci, true);
        ev.parameterLo = t.t.parameterLo;
        ev.parameterHi = t.t.parameterHi;
        this.postEvent(t.t.status >>> 22, ev, (t.t.control & TrbFlag.BEI) !== 0);
      }
      ep.edtla = 0;
      return;
    }
    this.event(slotId, dci, t, residual, CC.SUCCESS);
  }

  private execControl(slotId: number, dci: number, slot: Slot, dev: UsbDevice): number {
    const td = this.td;
    const ep = slot.eps[dci]!;
    const setup = td[0]!;
    if (trbType(setup.t.control) !== TrbType.SETUP_STAGE) {
      if (trbType(setup.t.control) === TrbType.NO_OP) {
        this.event(slotId, dci, setup, 0, CC.SUCCESS);
        return 0;
      }
      this.trbError(
        slotId,
        dci,
        slot,
        setup.addr,
        `TRB type ${trbType(setup.t.control)} where a Setup Stage belongs`,
      );
      return 0;
    }
    if (!(setup.t.control & TrbFlag.IDT) || (setup.t.status & 0x1ffff) !== 8) {
      this.trbError(
        slotId,
        dci,
        slot,
        setup.addr,
        "Setup Stage TRB without IDT or with a length other than 8",
      );
      return 0;
    }
    const status = td[td.length - 1]!;
    const data = td.slice(1, td.length - 1);
    for (let i = 0; i < data.length; i++) {
      const type = trbType(data[i]!.t.control);
      const ok =
        i === 0 ? type === TrbType.DATA_STAGE : type === TrbType.NORMAL || type === TrbType.EVENT_DATA;
      if (
        !ok ||
        (data[i]!.t.control & TrbFlag.IDT && type !== TrbType.EVENT_DATA && (data[i]!.t.status & 0x1ffff) > 8)
      ) {
        this.trbError(slotId, dci, slot, data[i]!.addr, `TRB type ${type} inside a control TD`);
        return 0;
      }
    }
    const lo = setup.t.parameterLo;
    const hi = setup.t.parameterHi;
    const req: SetupPacket = {
      bmRequestType: lo & 0xff,
      bRequest: (lo >>> 8) & 0xff,
      wValue: lo >>> 16,
      wIndex: hi & 0xffff,
      wLength: hi >>> 16,
    };
    const dirIn = (req.bmRequestType & 0x80) !== 0;
    if (data.length > 0 && ((data[0]!.t.control & TrbFlag.DIR_IN) !== 0) !== dirIn) {
      this.trbError(slotId, dci, slot, data[0]!.addr, "Data Stage direction differs from bmRequestType");
      return 0;
    }
    let dataLen = 0;
    for (const t of data) if (trbType(t.t.control) !== TrbType.EVENT_DATA) dataLen += t.t.status & 0x1ffff;
    const n = Math.min(dataLen, req.wLength);
    const buf = this.buffer(n).slice();
    if (!dirIn && !this.fetchData(data, buf, true)) return 0;
    const r = dev.control(req, buf);
    if (r === USB_NAK) return USB_NAK;
    if (r === USB_STALL || r < 0) {
      const at = data[0] ?? status;
      this.transferError(slotId, dci, slot, at.addr, CC.STALL, at === status ? 0 : at.t.status & 0x1ffff);
      return 0;
    }
    this.event(slotId, dci, setup, 0, CC.SUCCESS);
    ep.edtla = 0;
    // The Status Stage also runs after a short Data Stage (§4.11.2.2).
    if (
      this.dataStage(
        slotId,
        dci,
        ep,
        data,
        dirIn ? buf.subarray(0, Math.min(r, n)) : undefined,
        dataLen,
        true,
      ) === "error"
    )
      return 0;
    this.event(slotId, dci, status, 0, CC.SUCCESS);
    return 0;
  }
}
