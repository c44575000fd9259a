import {
  type DmaSpace,
  DmaStatus,
  dma,
  type MmioDevice,
  type MsiSink,
  type StateReader,
  type StateWriter,
} from "@armature/core";
import { idRegister } from "./distributor.js";
import {
  GITS_BASER,
  GITS_BASER_TYPE_COLLECTION,
  GITS_BASER_TYPE_DEVICE,
  GITS_CBASER,
  GITS_CREADR,
  GITS_CTLR,
  GITS_CTLR_ENABLED,
  GITS_CTLR_QUIESCENT,
  GITS_CWRITER,
  GITS_IIDR,
  GITS_TRANSLATER,
  GITS_TYPER,
  IIDR_VALUE,
  ITS_CMD,
  ITS_ERR,
  LPI_BASE,
} from "./regs.js";
import { type GicState, log, type PeState } from "./state.js";

export interface ItsOptions {
  /** Guest-physical base of the 128 KiB ITS frame (GITS_TRANSLATER is at base + 0x10040). */
  base: number;
  /** DeviceID bits (GITS_TYPER.Devbits + 1), default 16 (PCI requester ids). */
  deviceIdBits?: number;
  /** EventID bits (GITS_TYPER.ID_bits + 1), default 16. */
  eventIdBits?: number;
  /** DeviceID used for GITS_TRANSLATER writes that arrive over the bus (no requester id), default 0. */
  busDeviceId?: number;
}

/** One command error the ITS reported (5.3: the command is ignored, the queue keeps going). */
export interface ItsCommandError {
  code: number;
  /** Byte offset of the command in the queue. */
  offset: number;
}

/** Entry sizes: device and collection table entries, and ITT entries, are 8 bytes. */
const ESZ = 8;
/** GITS_BASER<n>.Page_Size = 0b10 (64 KB), bits 9:8. */
const GITS_BASER_PAGE_SIZE_64K = 2 << 8;
const ITT_ESZ = 8;
const MAX_ERRORS = 64;

interface Translation {
  pe: PeState | undefined;
  intid: number;
  icid: number;
  ite: number; // address of the ITT entry
}

/**
 * The ITS (chapter 5 and 12.19): command queue, device / collection tables (GITS_BASER0/1, both
 * in guest memory, flat or two-level) and ITTs in guest memory, and GITS_TRANSLATER turning
 * (DeviceID, EventID) into an LPI on the redistributor of the target collection. GITS_TYPER.PTA
 * is 0: collections target redistributors by processor number (GICR_TYPER.Processor_Number).
 * The table entry formats are IMPLEMENTATION DEFINED; ours are documented beside the code.
 */
export class Its implements MmioDevice, MsiSink {
  readonly base: number;
  readonly deviceIdBits: number;
  readonly eventIdBits: number;
  busDeviceId: number;
  enabled = false;
  private cbaserLo = 0;
  private cbaserHi = 0;
  private cwriter = 0;
  private creadr = 0;
  private stalled = false;
  private readonly baserLo = new Uint32Array(8);
  private readonly baserHi = new Uint32Array(8);
  /** The most recent command errors (bounded), newest last. */
  readonly commandErrors: ItsCommandError[] = [];
  private readonly cmd = new Uint8Array(32);
  private readonly cmdView = new DataView(this.cmd.buffer);
  private readonly tr: Translation = { pe: undefined, intid: 0, icid: 0, ite: 0 };

  constructor(
    private readonly s: GicState,
    opts: ItsOptions,
  ) {
    this.base = opts.base;
    this.deviceIdBits = opts.deviceIdBits ?? 16;
    this.eventIdBits = opts.eventIdBits ?? 16;
    this.busDeviceId = opts.busDeviceId ?? 0;
    // Type and Entry_Size are read-only (12.19.1); Entry_Size holds size - 1.
    this.baserHi[0] = (GITS_BASER_TYPE_DEVICE << 24) | ((ESZ - 1) << 16);
    this.baserHi[1] = (GITS_BASER_TYPE_COLLECTION << 24) | ((ESZ - 1) << 16);
    // Page_Size (bits 9:8) resets to 64 KB for the implemented tables, as on QEMU's and KVM's
    // ITS (programs written for them check it); it stays writable.
    this.baserLo[0] = GITS_BASER_PAGE_SIZE_64K;
    this.baserLo[1] = GITS_BASER_PAGE_SIZE_64K;
  }

  /** Snapshot: controls, queue pointers, table registers, recent command errors (tables are in RAM). */
  saveState(w: StateWriter): void {
    for (const v of [this.busDeviceId, this.cbaserLo, this.cbaserHi, this.cwriter, this.creadr]) w.f64(v);
    w.bool(this.enabled);
    w.bool(this.stalled);
    w.u32s(this.baserLo);
    w.u32s(this.baserHi);
    w.u32(this.commandErrors.length);
    for (const e of this.commandErrors) {
      w.u32(e.code);
      w.f64(e.offset);
    }
  }
  loadState(r: StateReader): () => void {
    const n = [r.f64(), r.f64(), r.f64(), r.f64(), r.f64()];
    const enabled = r.bool();
    const stalled = r.bool();
    const lo = r.u32s(8, "GITS_BASER");
    const hi = r.u32s(8, "GITS_BASER");
    const errors: ItsCommandError[] = [];
    const k = r.count(MAX_ERRORS, "command errors");
    for (let i = 0; i < k; i++) errors.push({ code: r.u32(), offset: r.f64() });
    return () => {
      [this.busDeviceId, this.cbaserLo, this.cbaserHi, this.cwriter, this.creadr] = n as [
        number,
        number,
        number,
        number,
        number,
      ];
      this.enabled = enabled;
      this.stalled = stalled;
      this.baserLo.set(lo);
      this.baserHi.set(hi);
      this.commandErrors.splice(0, this.commandErrors.length, ...errors);
    };
  }

  private get space(): DmaSpace | undefined {
    return this.s.dma;
  }

  typerLo(): number {
    return (
      (1 | // Physical
        ((ITT_ESZ - 1) << 4) |
        ((this.eventIdBits - 1) << 8) |
        ((this.deviceIdBits - 1) << 13)) >>>
      0
    );
  }

  // ---- MMIO ----

  read(offset: number, size: 1 | 2 | 4): number {
    if (size !== 4) {
      const word = this.read(offset & ~3, 4);
      return (word >>> (8 * (offset & 3))) & (size === 1 ? 0xff : 0xffff);
    }
    if (offset >= GITS_BASER && offset < GITS_BASER + 64) {
      const n = (offset - GITS_BASER) >>> 3;
      return (offset & 4) === 0 ? this.baserLo[n]! : this.baserHi[n]!;
    }
    if (offset >= 0xffd0 && offset < 0x10000) return idRegister(offset, 0x94);
    switch (offset) {
      case GITS_CTLR:
        return ((this.enabled ? GITS_CTLR_ENABLED : 0) | (this.enabled ? 0 : GITS_CTLR_QUIESCENT)) >>> 0;
      case GITS_IIDR:
        return IIDR_VALUE;
      case GITS_TYPER:
        return this.typerLo();
      case GITS_TYPER + 4:
        // CIL = 1, CIDbits = 15: 16-bit collection IDs, stated explicitly as QEMU's ITS does
        // (CIL = 0 means the same width; programs written for QEMU compare the raw value).
        return (1 << 4) | 15;
      case GITS_CBASER:
        return this.cbaserLo;
      case GITS_CBASER + 4:
        return this.cbaserHi;
      case GITS_CWRITER:
        return this.cwriter;
      case GITS_CREADR:
        return (this.creadr | (this.stalled ? 1 : 0)) >>> 0;
      default:
        return 0;
    }
  }

  write(offset: number, size: 1 | 2 | 4, value: number): void {
    if (offset === GITS_TRANSLATER && size !== 1) {
      this.translate(this.busDeviceId, size === 2 ? value & 0xffff : value >>> 0);
      return;
    }
    if (size !== 4) {
      log.warn("gits-size", `GITS: ${size}-byte write at 0x${offset.toString(16)} ignored`);
      return;
    }
    const v = value >>> 0;
    if (offset >= GITS_BASER && offset < GITS_BASER + 64) {
      const n = (offset - GITS_BASER) >>> 3;
      if (n > 1) return; // unimplemented tables: RAZ/WI
      if (this.enabled) {
        log.warn("gits-baser", "GITS: GITS_BASER write while the ITS is enabled ignored");
        return;
      }
      if ((offset & 4) === 0) this.baserLo[n] = v;
      else this.baserHi[n] = ((v & 0xf8e0ffff) | (this.baserHi[n]! & 0x071f0000)) >>> 0;
      return;
    }
    switch (offset) {
      case GITS_CTLR: {
        const en = (v & GITS_CTLR_ENABLED) !== 0;
        this.enabled = en;
        if (en) this.process();
        return;
      }
      case GITS_CBASER:
      case GITS_CBASER + 4:
        if (this.enabled) {
          log.warn("gits-cbaser", "GITS: GITS_CBASER write while the ITS is enabled ignored");
          return;
        }
        if (offset === GITS_CBASER)
          this.cbaserLo = v & 0xfffffcff; // Shareability[11:10], PA, Size[7:0]
        else this.cbaserHi = v & 0xb8e0ffff; // Valid, InnerCache, OuterCache, PA[47:32]
        this.creadr = 0; // GITS_CREADR resets when GITS_CBASER is written (12.19.3)
        this.stalled = false;
        return;
      case GITS_CWRITER: {
        const off = v & 0xfffe0;
        if (off >= this.queueSize()) {
          log.warn("gits-cwriter", `GITS: GITS_CWRITER 0x${off.toString(16)} is outside the command queue`);
          return;
        }
        this.cwriter = off;
        if ((v & 1) !== 0) this.stalled = false; // Retry
        this.process();
        return;
      }
      case GITS_CWRITER + 4:
      case GITS_CBASER + 8:
        return;
      default:
        if (offset === GITS_TYPER || offset === GITS_CREADR || offset === GITS_IIDR) {
          log.warn("gits-ro", `GITS: write to read-only register 0x${offset.toString(16)} ignored`);
        }
    }
  }

  // ---- MSI ----

  sendMsi(address: number, data: number, deviceId: number): boolean {
    if (address !== this.base + GITS_TRANSLATER) return false;
    return this.translate(deviceId, data >>> 0);
  }

  /** GITS_TRANSLATER: make the LPI mapped to (deviceId, eventId) pending (5.1). */
  translate(deviceId: number, eventId: number): boolean {
    if (!this.enabled) return false;
    if (!this.lookup(deviceId, eventId) || this.tr.pe === undefined) {
      log.warn("gits-translate", `GITS: MSI from device ${deviceId} event ${eventId} is not mapped, dropped`);
      return false;
    }
    this.s.setLpiPending(this.tr.pe, this.tr.intid, true);
    return true;
  }

  // ---- tables ----

  private queueSize(): number {
    return ((this.cbaserLo & 0xff) + 1) * 4096;
  }

  /** Address of entry `id` of the table described by GITS_BASER<n>, or -1 (not provisioned). */
  private entryAddr(n: number, id: number): number {
    const lo = this.baserLo[n]!;
    const hi = this.baserHi[n]!;
    if ((hi & 0x80000000) === 0) return -1;
    const pageSize = [0x1000, 0x4000, 0x10000, 0x10000][(lo >>> 8) & 3]!;
    let base = (hi & 0xffff) * 2 ** 32 + ((lo & 0xfffff000) >>> 0);
    if (pageSize === 0x10000) base = base - (base % 0x10000) + ((lo >>> 12) & 0xf) * 2 ** 48;
    const bytes = ((lo & 0xff) + 1) * pageSize;
    if ((hi & 0x40000000) === 0) {
      return id * ESZ < bytes ? base + id * ESZ : -1;
    }
    // Two-level table (12.19.1): level-1 entries are 8 bytes, Valid = bit 63, PA of a level-2 page.
    const perPage = pageSize / ESZ;
    const l1 = Math.floor(id / perPage);
    if (l1 * 8 >= bytes || this.space === undefined) return -1;
    const l1lo = dma.readU32(this.space, base + l1 * 8);
    const l1hi = dma.readU32(this.space, base + l1 * 8 + 4);
    if (l1lo < 0 || l1hi < 0 || (l1hi & 0x80000000) === 0) return -1;
    const l2 = (l1hi & 0xfffff) * 2 ** 32 + ((l1lo & 0xfffff000) >>> 0);
    return l2 - (l2 % pageSize) + (id % perPage) * ESZ;
  }

  /** Read an 8-byte entry as [lo, hi]; hi bit 31 is our Valid bit. Returns false if unreadable. */
  private readEntry(addr: number, out: Uint32Array): boolean {
    if (addr < 0 || this.space === undefined) return false;
    const lo = dma.readU32(this.space, addr);
    const hi = dma.readU32(this.space, addr + 4);
    if (lo < 0 || hi < 0) return false;
    out[0] = lo;
    out[1] = hi;
    return true;
  }

  private writeEntry(addr: number, lo: number, hi: number): boolean {
    if (this.space === undefined) return false;
    return (
      dma.writeU32(this.space, addr, lo) === DmaStatus.Ok &&
      dma.writeU32(this.space, addr + 4, hi) === DmaStatus.Ok
    );
  }

  private readonly e = new Uint32Array(2);

  /**
   * Device table entry (ours): lo = ITT_addr[31:8] | (EventID bits - 1) in [4:0],
   * hi = ITT_addr[51:32] | Valid << 31. Returns ITT address, or -1 when unmapped; size in `dteBits`.
   */
  private dteBits = 0;
  private readDte(deviceId: number): number {
    if (deviceId >= 2 ** this.deviceIdBits) return -1;
    if (!this.readEntry(this.entryAddr(0, deviceId), this.e)) return -1;
    const [lo, hi] = this.e as unknown as [number, number];
    if ((hi & 0x80000000) === 0) return -1;
    this.dteBits = (lo & 0x1f) + 1;
    return (hi & 0xfffff) * 2 ** 32 + ((lo & 0xffffff00) >>> 0);
  }

  /** Collection table entry (ours): lo = processor number, hi = Valid << 31. */
  private readCte(icid: number): PeState | undefined {
    if (!this.readEntry(this.entryAddr(1, icid), this.e)) return undefined;
    if ((this.e[1]! & 0x80000000) === 0) return undefined;
    return this.s.pes[this.e[0]!];
  }

  /**
   * Look up (deviceId, eventId) into `this.tr`. ITT entry (ours): lo = pINTID, hi = ICID | Valid << 31.
   * False when the device or the event is unmapped.
   */
  private lookup(deviceId: number, eventId: number): boolean {
    const itt = this.readDte(deviceId);
    if (itt < 0 || eventId >= 2 ** this.dteBits) return false;
    const ite = itt + eventId * ITT_ESZ;
    if (!this.readEntry(ite, this.e) || (this.e[1]! & 0x80000000) === 0) return false;
    this.tr.intid = this.e[0]!;
    this.tr.icid = this.e[1]! & 0xffff;
    this.tr.ite = ite;
    this.tr.pe = this.readCte(this.tr.icid);
    return true;
  }

  // ---- command queue (5.3) ----

  private process(): void {
    if (!this.enabled || this.stalled || (this.cbaserHi & 0x80000000) === 0 || this.space === undefined)
      return;
    const qbase = (this.cbaserHi & 0xffff) * 2 ** 32 + ((this.cbaserLo & 0xfffff000) >>> 0);
    const qsize = this.queueSize();
    let guard = qsize / 32 + 1;
    while (this.creadr !== this.cwriter && guard-- > 0) {
      if (this.space.read(qbase + this.creadr, this.cmd) !== DmaStatus.Ok) {
        // A command that cannot be read stalls the queue (GITS_CREADR.Stalled).
        log.warn(
          "gits-cmdq",
          `GITS: command queue at 0x${(qbase + this.creadr).toString(16)} is not RAM; stalled`,
        );
        this.stalled = true;
        return;
      }
      this.execute(this.creadr);
      if (this.stalled) {
        // A table write that reached no RAM: stall on this command (GITS_CREADR.Stalled).
        log.warn(
          "gits-stall",
          `GITS: command at 0x${this.creadr.toString(16)} could not update its table; stalled`,
        );
        return;
      }
      this.creadr = (this.creadr + 32) % qsize;
    }
  }

  private error(code: number, offset: number): number {
    this.commandErrors.push({ code, offset });
    if (this.commandErrors.length > MAX_ERRORS) this.commandErrors.shift();
    log.warn(
      `gits-err-${code}`,
      `GITS: command error 0x${code.toString(16)} at queue offset 0x${offset.toString(16)}`,
    );
    return code;
  }

  private dw(i: number, hi: boolean): number {
    return this.cmdView.getUint32(i * 8 + (hi ? 4 : 0), true);
  }

  private procNumber(dwIndex: number): number {
    // RDbase[51:16] holds the processor number when GITS_TYPER.PTA == 0.
    const lo = this.dw(dwIndex, false);
    const hi = this.dw(dwIndex, true);
    return (hi & 0xfffff) !== 0 ? -1 : lo >>> 16;
  }

  /** Run one command; returns 0 or the command error it reported. */
  private execute(at: number): number {
    const s = this.s;
    const op = this.cmd[0]!;
    const deviceId = this.dw(0, true);
    const eventId = this.dw(1, false);
    const icid = this.dw(2, false) & 0xffff;
    switch (op) {
      case ITS_CMD.MAPD: {
        const valid = (this.dw(2, true) & 0x80000000) !== 0;
        const sizeBits = (this.dw(1, false) & 0x1f) + 1;
        const addr = this.entryAddr(0, deviceId);
        if (deviceId >= 2 ** this.deviceIdBits || addr < 0) return this.error(ITS_ERR.MAPD_DEVICE_OOR, at);
        if (valid && sizeBits > this.eventIdBits) return this.error(ITS_ERR.MAPD_ITTSIZE_OOR, at);
        const lo = this.dw(2, false);
        const hi = this.dw(2, true);
        if (
          !this.writeEntry(
            addr,
            ((lo & 0xffffff00) | (sizeBits - 1)) >>> 0,
            ((hi & 0xfffff) | (valid ? 0x80000000 : 0)) >>> 0,
          )
        ) {
          this.stalled = true;
        }
        return 0;
      }
      case ITS_CMD.MAPC: {
        const valid = (this.dw(2, true) & 0x80000000) !== 0;
        const addr = this.entryAddr(1, icid);
        if (addr < 0) return this.error(ITS_ERR.MAPC_COLLECTION_OOR, at);
        const proc = this.procNumber(2);
        if (valid && (proc < 0 || proc >= s.pes.length)) return this.error(ITS_ERR.MAPC_PROCNUM_OOR, at);
        if (!this.writeEntry(addr, valid ? proc : 0, valid ? 0x80000000 : 0)) this.stalled = true;
        return 0;
      }
      case ITS_CMD.MAPTI:
      case ITS_CMD.MAPI: {
        const isMapi = op === ITS_CMD.MAPI;
        const pintid = isMapi ? eventId : this.dw(1, true);
        const itt = this.readDte(deviceId);
        if (itt < 0)
          return this.error(isMapi ? ITS_ERR.MAPI_UNMAPPED_DEVICE : ITS_ERR.MAPTI_UNMAPPED_DEVICE, at);
        if (eventId >= 2 ** this.dteBits)
          return this.error(isMapi ? ITS_ERR.MAPI_ID_OOR : ITS_ERR.MAPTI_ID_OOR, at);
        if (this.entryAddr(1, icid) < 0)
          return this.error(isMapi ? ITS_ERR.MAPI_COLLECTION_OOR : ITS_ERR.MAPTI_COLLECTION_OOR, at);
        if (pintid < LPI_BASE || pintid >= 2 ** s.lpiIdBits) {
          return this.error(isMapi ? ITS_ERR.MAPI_ID_OOR : ITS_ERR.MAPTI_PHYSICALID_OOR, at);
        }
        if (!this.writeEntry(itt + eventId * ITT_ESZ, pintid, (icid | 0x80000000) >>> 0)) this.stalled = true;
        return 0;
      }
      case ITS_CMD.INT:
      case ITS_CMD.CLEAR:
      case ITS_CMD.INV: {
        const code =
          op === ITS_CMD.INT
            ? ITS_ERR.INT_UNMAPPED_INTERRUPT
            : op === ITS_CMD.CLEAR
              ? ITS_ERR.CLEAR_UNMAPPED_INTERRUPT
              : ITS_ERR.INV_UNMAPPED_INTERRUPT;
        if (!this.lookup(deviceId, eventId)) return this.error(code, at);
        const pe = this.tr.pe;
        if (pe === undefined) return this.error((code & ~0xff) | 0x09, at); // unmapped collection
        if (op === ITS_CMD.INT) s.setLpiPending(pe, this.tr.intid, true);
        else if (op === ITS_CMD.CLEAR) s.setLpiPending(pe, this.tr.intid, false);
        else s.invalidateLpis(pe, this.tr.intid);
        return 0;
      }
      case ITS_CMD.DISCARD: {
        if (!this.lookup(deviceId, eventId)) return this.error(ITS_ERR.DISCARD_UNMAPPED_INTERRUPT, at);
        if (this.tr.pe === undefined) return this.error(0x010f09, at);
        s.setLpiPending(this.tr.pe, this.tr.intid, false);
        this.writeEntry(this.tr.ite, 0, 0);
        return 0;
      }
      case ITS_CMD.MOVI: {
        if (!this.lookup(deviceId, eventId)) return this.error(ITS_ERR.MOVI_UNMAPPED_INTERRUPT, at);
        const from = this.tr.pe;
        const to = this.readCte(icid);
        if (from === undefined || to === undefined) return this.error(ITS_ERR.MOVI_UNMAPPED_COLLECTION, at);
        this.writeEntry(this.tr.ite, this.tr.intid, (icid | 0x80000000) >>> 0);
        if (from !== to && from.lpis.has(this.tr.intid)) {
          s.setLpiPending(from, this.tr.intid, false);
          s.setLpiPending(to, this.tr.intid, true);
        }
        return 0;
      }
      case ITS_CMD.INVALL: {
        const pe = this.readCte(icid);
        if (pe === undefined) return this.error(ITS_ERR.INVALL_UNMAPPED_COLLECTION, at);
        s.invalidateLpis(pe);
        return 0;
      }
      case ITS_CMD.MOVALL: {
        const p1 = this.procNumber(2);
        const p2 = this.procNumber(3);
        const from = s.pes[p1];
        const to = s.pes[p2];
        if (from === undefined || to === undefined) return this.error(ITS_ERR.MOVALL_PROCNUM_OOR, at);
        if (from === to) return 0;
        for (const id of [...from.lpis.keys()]) {
          s.setLpiPending(from, id, false);
          s.setLpiPending(to, id, true);
        }
        return 0;
      }
      case ITS_CMD.SYNC:
        return 0; // every effect above is already visible
      default:
        log.warn(
          `gits-op-${op}`,
          `GITS: unsupported command 0x${op.toString(16)} at 0x${at.toString(16)} ignored`,
        );
        return 0;
    }
  }
}
