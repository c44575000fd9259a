import { Bus, BusDmaSpace, type MmioDevice } from "@armature/core";
import { decodeTrb, encodeTrb, type Trb, TrbFlag, TrbType, trb, trbParameter, trbType } from "../trb.js";
import {
  XHCI_DOORBELLS,
  XHCI_OP,
  XHCI_PORTS,
  XHCI_RUNTIME,
  XhciController,
  type XhciOptions,
} from "../xhci.js";

export const RAM_BASE = 0x4000_0000;
export const RAM_SIZE = 32 * 1024 * 1024;
export const XHCI_BASE = 0x1000_0000;

/** A guest-side TRB ring (transfer or command) with a Link TRB that toggles the cycle. */
export class DriverRing {
  enqueue = 0;
  cycle = 1;
  constructor(
    readonly drv: XhciTestDriver,
    readonly base: number,
    readonly trbs: number,
  ) {
    const link = trb(base, 0, (TrbType.LINK << 10) | TrbFlag.TC);
    drv.writeTrb(base + (trbs - 1) * 16, link);
  }
  /** Queue one TRB (the cycle bit is set here); returns its address. */
  push(t: Trb): number {
    const at = this.base + this.enqueue * 16;
    t.control = ((t.control & ~1) | this.cycle) >>> 0;
    this.drv.writeTrb(at, t);
    this.enqueue++;
    if (this.enqueue === this.trbs - 1) {
      const linkAt = this.base + this.enqueue * 16;
      const link = trb(this.base, 0, (TrbType.LINK << 10) | TrbFlag.TC | this.cycle);
      this.drv.writeTrb(linkAt, link);
      this.enqueue = 0;
      this.cycle ^= 1;
    }
    return at;
  }
}

export interface DriverEvent {
  type: number;
  code: number;
  slot: number;
  dci: number;
  /** Transfer residual / command completion parameter. */
  length: number;
  pointer: number;
  ed: boolean;
  raw: Trb;
}

/**
 * A small xHCI driver for tests, following the order Linux's xhci-hcd uses: reset, MaxSlotsEn,
 * DCBAAP, command ring, event ring + ERST, interrupter enable, run; then Enable Slot, Address
 * Device, descriptor reads, Configure Endpoint, SET_CONFIGURATION. Polls its event ring.
 */
export class XhciTestDriver {
  readonly bus = new Bus();
  readonly dma: BusDmaSpace;
  readonly xhci: XhciController;
  readonly mmio: MmioDevice;
  private next = RAM_BASE + 0x10000;
  cmd!: DriverRing;
  dcbaa = 0;
  evBase = 0;
  evSize = 256;
  evDeq = 0;
  evCycle = 1;
  readonly pending: DriverEvent[] = [];
  readonly rings = new Map<string, DriverRing>();
  readonly ctxSize: number;
  irqLevel = false;
  irqEdges = 0;

  constructor(opts: Partial<XhciOptions> & { ramSize?: number } = {}) {
    const { ramSize, ...xopts } = opts;
    this.bus.addRam("ram", RAM_BASE, ramSize ?? RAM_SIZE);
    this.dma = new BusDmaSpace(this.bus);
    this.xhci = new XhciController({
      dma: this.dma,
      irq: {
        set: (l) => {
          if (l && !this.irqLevel) this.irqEdges++;
          this.irqLevel = l;
        },
        pulse: () => {
          this.irqEdges++;
        },
      },
      ...xopts,
    });
    this.bus.addMmio("xhci", XHCI_BASE, 0x4000, this.xhci);
    this.mmio = this.xhci;
    this.ctxSize = this.xhci.contextSize;
  }

  alloc(size: number, align = 64): number {
    this.next = Math.ceil(this.next / align) * align;
    const a = this.next;
    this.next += size;
    this.dma.write(a, new Uint8Array(size));
    return a;
  }

  r32(off: number): number {
    return this.bus.read(XHCI_BASE + off, 4);
  }
  w32(off: number, v: number): void {
    this.bus.write(XHCI_BASE + off, 4, v >>> 0);
  }
  w64(off: number, v: number): void {
    this.w32(off, v % 2 ** 32);
    this.w32(off + 4, Math.floor(v / 2 ** 32));
  }
  writeTrb(addr: number, t: Trb): void {
    const b = new Uint8Array(16);
    encodeTrb(t, b);
    this.dma.write(addr, b);
  }
  readTrb(addr: number): Trb {
    const b = new Uint8Array(16);
    this.dma.read(addr, b);
    return decodeTrb(b, 0, { parameterLo: 0, parameterHi: 0, status: 0, control: 0 });
  }
  u32(addr: number): number {
    const b = new Uint8Array(4);
    this.dma.read(addr, b);
    return new DataView(b.buffer).getUint32(0, true);
  }
  setU32(addr: number, v: number): void {
    const b = new Uint8Array(4);
    new DataView(b.buffer).setUint32(0, v >>> 0, true);
    this.dma.write(addr, b);
  }
  bytes(addr: number, n: number): Uint8Array {
    const b = new Uint8Array(n);
    this.dma.read(addr, b);
    return b;
  }

  /** xhci_reset + xhci_init + xhci_run. */
  start(maxSlots = 32): void {
    this.w32(XHCI_OP, 2); // HCRST
    if (this.r32(XHCI_OP) & 2) throw new Error("HCRST did not complete");
    if (this.r32(XHCI_OP + 4) & (1 << 11)) throw new Error("CNR set after reset");
    this.w32(XHCI_OP + 0x38, maxSlots);
    this.dcbaa = this.alloc(8 * 256);
    this.w64(XHCI_OP + 0x30, this.dcbaa);
    this.cmd = new DriverRing(this, this.alloc(16 * 64), 64);
    this.w64(XHCI_OP + 0x18, this.cmd.base | 1);
    this.evBase = this.alloc(16 * this.evSize);
    const erst = this.alloc(16);
    this.setU32(erst, this.evBase % 2 ** 32);
    this.setU32(erst + 4, Math.floor(this.evBase / 2 ** 32));
    this.setU32(erst + 8, this.evSize);
    const ir0 = XHCI_RUNTIME + 0x20;
    this.w32(ir0 + 0x08, 1);
    this.w64(ir0 + 0x18, this.evBase);
    this.w64(ir0 + 0x10, erst);
    this.evDeq = this.evBase;
    this.evCycle = 1;
    this.w32(ir0 + 0x04, 0); // no moderation
    this.w32(ir0, 2); // IE
    this.w32(XHCI_OP, 1 | 4); // RS | INTE
    if (this.r32(XHCI_OP + 4) & 1) throw new Error("HCHalted after RS");
  }

  /** Drain the event ring into `pending`; acknowledges with ERDP | EHB. */
  poll(): void {
    let got = false;
    for (;;) {
      const t = this.readTrb(this.evDeq);
      if ((t.control & 1) !== this.evCycle) break;
      got = true;
      this.pending.push({
        type: trbType(t.control),
        code: t.status >>> 24,
        slot: t.control >>> 24,
        dci: (t.control >>> 16) & 0x1f,
        length: t.status & 0xffffff,
        pointer: trbParameter(t),
        ed: (t.control & 4) !== 0,
        raw: t,
      });
      this.evDeq += 16;
      if (this.evDeq === this.evBase + 16 * this.evSize) {
        this.evDeq = this.evBase;
        this.evCycle ^= 1;
      }
    }
    if (got || this.r32(XHCI_RUNTIME + 0x20 + 0x18) & 8) {
      this.w32(XHCI_RUNTIME + 0x20, 3); // clear IP, keep IE
      this.w64(XHCI_RUNTIME + 0x20 + 0x18, this.evDeq + 8); // EHB (RW1C)
    }
  }

  /** The first pending event matching `pred` (removed), polling once. */
  take(pred: (e: DriverEvent) => boolean): DriverEvent | undefined {
    this.poll();
    const i = this.pending.findIndex(pred);
    if (i < 0) return undefined;
    return this.pending.splice(i, 1)[0];
  }

  command(t: Trb): DriverEvent {
    const at = this.cmd.push(t);
    this.w32(XHCI_DOORBELLS, 0);
    const e = this.take((x) => x.type === TrbType.COMMAND_COMPLETION && x.pointer === at);
    if (e === undefined) throw new Error(`no completion for command type ${trbType(t.control)}`);
    return e;
  }

  portsc(portId: number): number {
    return this.r32(XHCI_PORTS + 0x10 * (portId - 1));
  }

  /** hub_port_reset: PR, wait for PRC, clear the change bits. */
  resetPort(portId: number, warm = false): number {
    const off = XHCI_PORTS + 0x10 * (portId - 1);
    const v = this.r32(off);
    // xhci_port_state_to_neutral: keep RW bits, write 0 to RW1C/RW1S bits.
    const neutral = v & 0x0e00c200;
    this.w32(off, (neutral | (warm ? 1 << 31 : 1 << 4)) >>> 0);
    const after = this.r32(off);
    this.w32(off, (neutral | (after & 0x00fe0000)) >>> 0);
    return after;
  }

  enableSlot(): number {
    const e = this.command(trb(0, 0, TrbType.ENABLE_SLOT << 10));
    if (e.code !== 1) throw new Error(`Enable Slot: completion code ${e.code}`);
    return e.slot;
  }

  /** Input context with A0|A1, slot context for `port`, EP0 with a new ring; returns the code. */
  addressDevice(slot: number, port: number, speedId: number, bsr: boolean, maxPacket0: number): number {
    const cs = this.ctxSize;
    let out = this.u32(this.dcbaa + 8 * slot);
    if (out === 0) {
      out = this.alloc(32 * cs);
      this.setU32(this.dcbaa + 8 * slot, out);
    }
    let ring = this.rings.get(`${slot}:1`);
    if (ring === undefined) {
      ring = new DriverRing(this, this.alloc(16 * 64), 64);
      this.rings.set(`${slot}:1`, ring);
    }
    const inp = this.alloc(33 * cs);
    this.setU32(inp + 4, 3);
    this.setU32(inp + cs, (1 << 27) | (speedId << 20));
    this.setU32(inp + cs + 4, port << 16);
    const ep0 = inp + 2 * cs;
    this.setU32(ep0 + 4, (3 << 1) | (4 << 3) | (maxPacket0 << 16));
    this.setU32(ep0 + 8, (ring.base + ring.enqueue * 16) | ring.cycle);
    this.setU32(ep0 + 16, 8);
    const e = this.command(trb(inp, 0, (TrbType.ADDRESS_DEVICE << 10) | (bsr ? 1 << 9 : 0) | (slot << 24)));
    return e.code;
  }

  outputCtx(slot: number): number {
    return this.u32(this.dcbaa + 8 * slot);
  }

  /** A control transfer the way xhci-ring's xhci_queue_ctrl_tx builds it. */
  control(
    slot: number,
    setup: { bmRequestType: number; bRequest: number; wValue: number; wIndex: number; wLength: number },
    out?: Uint8Array,
  ): { code: number; data: Uint8Array } {
    const ring = this.rings.get(`${slot}:1`)!;
    const dirIn = (setup.bmRequestType & 0x80) !== 0;
    const lo = setup.bmRequestType | (setup.bRequest << 8) | (setup.wValue << 16);
    const hi = setup.wIndex | (setup.wLength << 16);
    const trt = setup.wLength === 0 ? 0 : dirIn ? 3 : 2;
    ring.push({
      parameterLo: lo >>> 0,
      parameterHi: hi >>> 0,
      status: 8,
      control: (TrbType.SETUP_STAGE << 10) | TrbFlag.IDT | (trt << 16),
    });
    let buf = 0;
    if (setup.wLength > 0) {
      buf = this.alloc(setup.wLength, 16);
      if (!dirIn && out) this.dma.write(buf, out.subarray(0, setup.wLength));
      ring.push(
        trb(buf, setup.wLength, (TrbType.DATA_STAGE << 10) | (dirIn ? TrbFlag.DIR_IN | TrbFlag.ISP : 0)),
      );
    }
    const statusAt = ring.push(
      trb(
        0,
        0,
        (TrbType.STATUS_STAGE << 10) | TrbFlag.IOC | (dirIn && setup.wLength > 0 ? 0 : TrbFlag.DIR_IN),
      ),
    );
    this.w32(XHCI_DOORBELLS + 4 * slot, 1);
    let length = setup.wLength;
    for (;;) {
      const e = this.take((x) => x.type === TrbType.TRANSFER_EVENT && x.slot === slot && x.dci === 1);
      if (e === undefined) return { code: -1, data: new Uint8Array(0) };
      if (e.code === 13) {
        length = setup.wLength - e.length;
        continue;
      }
      if (e.code !== 1 || e.pointer === statusAt)
        return { code: e.code, data: buf ? this.bytes(buf, e.code === 1 ? length : 0) : new Uint8Array(0) };
    }
  }

  /** Configure Endpoint adding `eps` (dci, xHCI EP type, max packet, interval); makes their rings. */
  configureEndpoints(
    slot: number,
    eps: Array<{ dci: number; type: number; maxPacket: number; interval?: number; maxBurst?: number }>,
  ): number {
    const cs = this.ctxSize;
    const inp = this.alloc(33 * cs);
    let add = 1;
    let last = 1;
    for (const ep of eps) {
      add |= 1 << ep.dci;
      last = Math.max(last, ep.dci);
      const ring = new DriverRing(this, this.alloc(16 * 256), 256);
      this.rings.set(`${slot}:${ep.dci}`, ring);
      const c = inp + cs * (ep.dci + 1);
      this.setU32(c, (ep.interval ?? 0) << 16);
      this.setU32(c + 4, (3 << 1) | (ep.type << 3) | ((ep.maxBurst ?? 0) << 8) | (ep.maxPacket << 16));
      this.setU32(c + 8, ring.base | 1);
      this.setU32(c + 16, ep.maxPacket);
    }
    this.setU32(inp + 4, add);
    const out = this.outputCtx(slot);
    // Slot context copied from the output context with Context Entries updated (as Linux does).
    this.dma.write(inp + cs, this.bytes(out, 32));
    this.setU32(inp + cs, ((this.u32(out) & 0x07ffffff) | (last << 27)) >>> 0);
    const e = this.command(trb(inp, 0, (TrbType.CONFIGURE_ENDPOINT << 10) | (slot << 24)));
    return e.code;
  }

  /** Queue Normal TRBs covering `len` bytes at `buf` (split at `split` bytes, chained), IOC on the last. */
  queueNormal(
    slot: number,
    dci: number,
    buf: number,
    len: number,
    opts: { split?: number; isp?: boolean } = {},
  ): number[] {
    const ring = this.rings.get(`${slot}:${dci}`)!;
    const split = opts.split ?? 65536;
    const at: number[] = [];
    let off = 0;
    do {
      const n = Math.min(split, len - off);
      const last = off + n >= len;
      at.push(
        ring.push(
          trb(
            buf + off,
            n,
            (TrbType.NORMAL << 10) | (last ? TrbFlag.IOC : TrbFlag.CH) | (opts.isp ? TrbFlag.ISP : 0),
          ),
        ),
      );
      off += n;
    } while (off < len);
    this.w32(XHCI_DOORBELLS + 4 * slot, dci);
    return at;
  }

  /** Transfer events for slot/dci that are pending now. */
  transferEvents(slot: number, dci: number): DriverEvent[] {
    this.poll();
    const out: DriverEvent[] = [];
    for (let i = 0; i < this.pending.length; ) {
      const e = this.pending[i]!;
      if (e.type === TrbType.TRANSFER_EVENT && e.slot === slot && e.dci === dci) {
        out.push(e);
        this.pending.splice(i, 1);
      } else i++;
    }
    return out;
  }
}
