/**
 * An Arm SMMUv3 (ARM IHI 0070): the programming interface (page 0 and page 1 registers), the
 * command and event queues, linear and 2-level stream tables, linear and 2-level context
 * descriptor tables, stage 1 / stage 2 / nested translation through @armature/mmu's walker, and
 * an IOTLB tagged by StreamID, ASID, VMID and stream world.
 *
 * Implemented subset (advertised in the ID registers, nothing more): AArch64 tables only,
 * little-endian, 4K/16K/64K granules, 16-bit ASIDs and VMIDs, EL2 stream world (HYP), MSIs and
 * SEV, coherent access. Absent and advertised so: PRI queue, ATS, stalls (terminate model, abort
 * only), HTTU, ATOS, range invalidation, Secure state. Transactions through the DMA contract have
 * no SubstreamID; `translateSubstream` takes one.
 *
 * Guest mistakes (bad STE/CD, walks into unmapped memory, malformed commands, queue overflows)
 * become event records, GERROR bits and failed DMA statuses, never host exceptions.
 */
import {
  DmaStatus,
  type DmaTranslation,
  type DmaTranslator,
  type IrqLine,
  type MmioDevice,
  type MsiSink,
  nullMsiSink,
  RateLimitedLog,
  type Snapshottable,
  type StateReader,
  type StateWriter,
  unconnectedIrqLine,
} from "@armature/core";
import {
  Access,
  defaultRegs,
  FaultKind,
  permits,
  type TranslationRegs,
  tg0Granule,
  tg1Granule,
  translate,
  WalkResult,
} from "@armature/mmu";
import type { SmmuMemory } from "./memory.js";
import { CError, CR0, Evt, EvtClass, GBPA, Gerror, IRQ_CTRL, Op, Reg, S1Dss, SteConfig } from "./regs.js";

const TWO32 = 4294967296;
const PAGE1 = Reg.PAGE1;
const OAS_ENC: Record<number, number> = { 32: 0, 36: 1, 40: 2, 42: 3, 44: 4, 48: 5 };
const OVF = 0x8000_0000;
/** One rate-limited channel for every instance: a guest (or a fuzzer) cannot flood the host log. */
const LOG = new RateLimitedLog("smmuv3");

export interface SmmuV3Irqs {
  eventq?: IrqLine;
  gerror?: IrqLine;
  /** Wired CMD_SYNC completion interrupt (used when a CMD_SYNC asks for an IRQ with MSIAddress 0). */
  cmdqSync?: IrqLine;
}

export interface SmmuV3Options {
  /** Physical memory the SMMU walks and writes (see busSmmuMemory). */
  memory: SmmuMemory;
  /** Where MSIs that do not land in RAM go (a GIC ITS doorbell...). */
  msi?: MsiSink;
  /** Device id the SMMU's own MSIs carry (IORT "device ID mapping index" output). */
  msiDeviceId?: number;
  irqs?: SmmuV3Irqs;
  /** CMD_SYNC with CS=SEV: wake PEs waiting in WFE. */
  sev?: () => void;
  /** SMMU_IDR1.SIDSIZE (1..32, default 16). */
  sidBits?: number;
  /** SMMU_IDR1.SSIDSIZE (0..20, default 16). */
  ssidBits?: number;
  /** Output address size (SMMU_IDR5.OAS): 32, 36, 40, 42, 44 or 48 (default 48). */
  oasBits?: number;
  /** IOTLB capacity in 4 KiB entries (default 4096). */
  iotlbEntries?: number;
  /** log2 of the largest command / event queue (SMMU_IDR1.CMDQS / EVENTQS, default 19). */
  queueLog2Max?: number;
}

/** A decoded STE (+ CD for stage 1): what a transaction on a stream needs. */
class StreamContext {
  /** 0 = abort silently, 1 = bypass, 2 = translate. */
  kind = 0;
  regs: TranslationRegs = defaultRegs();
  s1 = false;
  s2 = false;
  el2 = false;
  vmid = 0;
  asid = 0;
  recordS1 = true;
  recordS2 = true;
  /** Walker access bits beyond Write: Unpriv / Exec from STE.PRIVCFG / INSTCFG. */
  privileged = false;
  instruction = false;
}

/** One cached 4 KiB translation. */
class IotlbEntry {
  sid = 0;
  vaPage = 0;
  pa = 0;
  read = false;
  write = false;
  el2 = false;
  vmid = 0;
  asid = 0;
  global = false;
  s2 = false;
  vaBase = 0;
  vaSize = 0;
  ipaBase = 0;
  ipaSize = 0;
}

/** Statistics, for benches and tests. */
export interface SmmuStats {
  translations: number;
  iotlbHits: number;
  walks: number;
  events: number;
  eventsLost: number;
  commands: number;
}

/** A thrown-and-caught marker never escapes: config errors are reported via this small record. */
interface ConfigFault {
  evt: number;
  fetchAddr: number;
  /** Stage 2 fault on a CD fetch (nested): the WalkResult in `s2res`. */
  s2: boolean;
}

export class SmmuV3 implements MmioDevice, DmaTranslator, Snapshottable {
  readonly stats: SmmuStats = {
    translations: 0,
    iotlbHits: 0,
    walks: 0,
    events: 0,
    eventsLost: 0,
    commands: 0,
  };
  private readonly mem: SmmuMemory;
  private readonly msi: MsiSink;
  private readonly msiDeviceId: number;
  private readonly irqEventq: IrqLine;
  private readonly irqGerror: IrqLine;
  private readonly irqSync: IrqLine;
  private readonly sev: () => void;
  private readonly log = LOG;
  readonly sidBits: number;
  readonly ssidBits: number;
  readonly oasBits: number;
  private readonly qMax: number;
  private readonly iotlbCap: number;

  // ---- registers ----
  private cr0 = 0;
  private cr1 = 0;
  private cr2 = 0;
  private gbpa = 0;
  private irqCtrl = 0;
  private gerror = 0;
  private gerrorn = 0;
  private gerrIrqCfg0Lo = 0;
  private gerrIrqCfg0Hi = 0;
  private gerrIrqCfg1 = 0;
  private gerrIrqCfg2 = 0;
  private strtabLo = 0;
  private strtabHi = 0;
  private strtabCfg = 0;
  private cmdqBaseLo = 0;
  private cmdqBaseHi = 0;
  private cmdqProd = 0;
  private cmdqCons = 0;
  private evtqBaseLo = 0;
  private evtqBaseHi = 0;
  private evtqProd = 0;
  private evtqCons = 0;
  private evtqIrqCfg0Lo = 0;
  private evtqIrqCfg0Hi = 0;
  private evtqIrqCfg1 = 0;
  private evtqIrqCfg2 = 0;

  // ---- caches ----
  private readonly configs = new Map<number, StreamContext>();
  private readonly iotlb = new Map<number, IotlbEntry>();
  private readonly pool: IotlbEntry[] = [];
  private processing = false;

  // ---- scratch (no allocation per transaction) ----
  private readonly w = new Uint32Array(2);
  private readonly ste = new Uint32Array(8);
  private readonly cd = new Uint32Array(8);
  private readonly cmd = new Uint32Array(4);
  private readonly evt = new Uint32Array(8);
  private readonly res = new WalkResult();
  private readonly cdRes = new WalkResult();
  private readonly scratchCtx = new StreamContext();
  private readonly cfgFault: ConfigFault = { evt: 0, fetchAddr: 0, s2: false };
  /** PA of the last descriptor the walker read (F_WALK_EABT FetchAddr). */
  private lastFetch = 0;
  private readonly walkMem: SmmuMemory;

  constructor(opts: SmmuV3Options) {
    this.mem = opts.memory;
    this.msi = opts.msi ?? nullMsiSink;
    this.msiDeviceId = opts.msiDeviceId ?? 0;
    this.irqEventq = opts.irqs?.eventq ?? unconnectedIrqLine;
    this.irqGerror = opts.irqs?.gerror ?? unconnectedIrqLine;
    this.irqSync = opts.irqs?.cmdqSync ?? unconnectedIrqLine;
    this.sev = opts.sev ?? (() => {});
    this.sidBits = clampInt(opts.sidBits ?? 16, 1, 32);
    this.ssidBits = clampInt(opts.ssidBits ?? 16, 0, 20);
    const oas = opts.oasBits ?? 48;
    this.oasBits = OAS_ENC[oas] === undefined ? 48 : oas;
    this.qMax = clampInt(opts.queueLog2Max ?? 19, 1, 19);
    this.iotlbCap = Math.max(1, opts.iotlbEntries ?? 4096);
    const mem = this.mem;
    // The walker's memory: records the address of each descriptor fetch for F_WALK_EABT.
    this.walkMem = {
      read64: (pa, out) => {
        this.lastFetch = pa;
        return mem.read64(pa, out);
      },
      cas64: (pa, el, eh, nl, nh) => {
        this.lastFetch = pa;
        return mem.cas64(pa, el, eh, nl, nh);
      },
      write32: (pa, v) => mem.write32(pa, v),
    };
  }

  // =============================================================== ID registers

  get idr0(): number {
    // S2P S1P TTF=AArch64 COHACC HYP ASID16 MSI SEV VMID16 CD2L TTENDIAN=LE STALL_MODEL=no-stall
    // TERM_MODEL=abort-only ST_LEVEL=2-level.
    return (
      (1 << 0) |
      (1 << 1) |
      (2 << 2) |
      (1 << 4) |
      (1 << 9) |
      (1 << 12) |
      (1 << 13) |
      (1 << 14) |
      (1 << 18) |
      (1 << 19) |
      (2 << 21) |
      (1 << 24) |
      (1 << 26) |
      (1 << 27)
    );
  }
  get idr1(): number {
    // PRIQS = 0: no PRI queue. TABLES_PRESET / QUEUES_PRESET / REL = 0.
    return ((this.qMax << 21) | (this.qMax << 16) | (this.ssidBits << 6) | this.sidBits) >>> 0;
  }
  get idr5(): number {
    // GRAN64K | GRAN16K | GRAN4K, OAS; VAX = 0 (48-bit VA), STALL_MAX = 0.
    return (1 << 6) | (1 << 5) | (1 << 4) | OAS_ENC[this.oasBits]!;
  }

  // =============================================================== MMIO

  read(offset: number, size: 1 | 2 | 4): number {
    const aligned = offset & ~3;
    const v = this.read32(aligned);
    if (size === 4 && aligned === offset) return v;
    const shift = (offset & 3) * 8;
    return size === 4 ? v >>> shift : (v >>> shift) & (size === 2 ? 0xffff : 0xff);
  }

  write(offset: number, size: 1 | 2 | 4, value: number): void {
    // Registers are 32/64-bit; narrower writes are not supported by the architecture: ignored.
    if (size !== 4 || (offset & 3) !== 0) {
      this.log.warn("narrow", `ignored ${size}-byte write at offset 0x${offset.toString(16)}`);
      return;
    }
    this.write32(offset, value >>> 0);
  }

  read64(offset: number): bigint {
    const lo = this.read32(offset);
    const hi = this.read32(offset + 4);
    return (BigInt(hi) << 32n) | BigInt(lo);
  }

  write64(offset: number, value: bigint): void {
    const lo = Number(value & 0xffffffffn);
    const hi = Number((value >> 32n) & 0xffffffffn);
    // A 64-bit write to a 64-bit register updates both halves before any side effect.
    this.write32(offset, lo);
    this.write32(offset + 4, hi);
  }

  private read32(off: number): number {
    if (off >= PAGE1) {
      const o = off - PAGE1;
      if (o === Reg.EVTQ_PROD) return this.evtqProd >>> 0;
      if (o === Reg.EVTQ_CONS) return this.evtqCons >>> 0;
      return 0; // PRIQ_PROD/CONS and the rest of page 1: RES0 (no PRI queue)
    }
    const r = REGISTERS.get(off);
    if (r !== undefined) return this[r.field] >>> 0;
    if (off === Reg.IDR0) return this.idr0 >>> 0;
    if (off === Reg.IDR1) return this.idr1;
    if (off === Reg.IDR5) return this.idr5;
    return 0; // IDR2-4, IIDR, AIDR (SMMUv3.0), STATUSR, the PRIQ registers and holes
  }

  private write32(off: number, v: number): void {
    if (off >= PAGE1) {
      const o = off - PAGE1;
      if (o === Reg.EVTQ_PROD || o === Reg.EVTQ_CONS) this.writeEvtqPtr(o, v);
      return;
    }
    const r = REGISTERS.get(off);
    if (r?.mask !== undefined) {
      // CONSTRAINED UNPREDICTABLE while its enable bit is set: the write is ignored.
      if ((this.cr0 & (r.lockedBy ?? 0)) === 0) this[r.field] = (v & r.mask) >>> 0;
      return;
    }
    switch (off) {
      case Reg.CR0:
        this.writeCr0(v);
        return;
      case Reg.GBPA:
        // The update takes effect at once; UPDATE reads back 0 (complete).
        if ((v & GBPA.UPDATE) !== 0) this.gbpa = v & 0x001f_3fff & ~GBPA.UPDATE;
        return;
      case Reg.GERRORN: {
        const wasCmdqErr = this.gerrorActive(Gerror.CMDQ_ERR);
        this.gerrorn = v & 0x1fd;
        if (wasCmdqErr && !this.gerrorActive(Gerror.CMDQ_ERR)) {
          this.cmdqCons = (this.cmdqCons & ~(0x7f << 24)) >>> 0; // acknowledged: CERROR_NONE, resume
          this.processCmdq();
        }
        return;
      }
      case Reg.CMDQ_PROD:
        this.cmdqProd = v & this.ptrMask(this.cmdqLog2());
        this.processCmdq();
        return;
      case Reg.CMDQ_CONS:
        // Software may write CONS only while the queue is disabled.
        if (this.cr0 & CR0.CMDQEN) return;
        this.cmdqCons = (v & (0x7f << 24)) | (v & this.ptrMask(this.cmdqLog2()));
        return;
      case Reg.EVTQ_PROD:
      case Reg.EVTQ_CONS:
        this.writeEvtqPtr(off, v);
        return;
      default:
        return; // read-only (IDR*, CR0ACK, IRQ_CTRLACK, GERROR), RES0 or absent (PRIQ): ignored
    }
  }

  private writeEvtqPtr(off: number, v: number): void {
    const m = this.ptrMask(this.evtqLog2());
    if (off === Reg.EVTQ_PROD) {
      // PROD belongs to the SMMU while the queue is enabled.
      if (this.cr0 & CR0.EVTQEN) return;
      this.evtqProd = ((v & OVF) | (v & m)) >>> 0;
    } else {
      this.evtqCons = ((v & OVF) | (v & m)) >>> 0;
    }
  }

  private writeCr0(v: number): void {
    const nv = v & (CR0.SMMUEN | CR0.EVTQEN | CR0.CMDQEN);
    const old = this.cr0;
    this.cr0 = nv;
    if ((old ^ nv) & CR0.SMMUEN) this.invalidateAll();
    if ((nv & CR0.CMDQEN) !== 0 && (old & CR0.CMDQEN) === 0) this.processCmdq();
  }

  private smmuEnabled(): boolean {
    return (this.cr0 & CR0.SMMUEN) !== 0;
  }

  /** Queue pointer mask: index + wrap bit for a 2^log2 entry queue. */
  private ptrMask(log2: number): number {
    return (2 ** (log2 + 1) - 1) >>> 0;
  }
  private cmdqLog2(): number {
    return Math.min(this.cmdqBaseLo & 0x1f, this.qMax);
  }
  private evtqLog2(): number {
    return Math.min(this.evtqBaseLo & 0x1f, this.qMax);
  }
  private queueBase(lo: number, hi: number, log2: number, entryLog2: number): number {
    // Q_BASE ADDR[51:5], aligned to the queue size (low bits below the size are IGNORED).
    const align = Math.max(32, 2 ** (log2 + entryLog2));
    const addr = (hi & 0xfffff) * TWO32 + ((lo & ~0x1f) >>> 0);
    return addr - (addr % align);
  }

  // =============================================================== GERROR and interrupts

  private gerrorActive(bit: number): boolean {
    return ((this.gerror ^ this.gerrorn) & bit) !== 0;
  }

  private raiseGerror(bit: number): void {
    if (this.gerrorActive(bit)) return; // already active: nothing new
    this.gerror ^= bit;
    if ((this.irqCtrl & IRQ_CTRL.GERROR_IRQEN) === 0) return;
    const sent = this.interrupt(this.gerrIrqCfg0Lo, this.gerrIrqCfg0Hi, this.gerrIrqCfg1, this.irqGerror);
    // MSI_GERROR_ABT_ERR on a failed GERROR MSI: record without recursing into another MSI.
    if (!sent && !this.gerrorActive(Gerror.MSI_GERROR_ABT_ERR)) this.gerror ^= Gerror.MSI_GERROR_ABT_ERR;
  }

  /**
   * Signal an interrupt: the MSI its IRQ_CFG0 address (`lo`, `hi`) and IRQ_CFG1 data name, or the
   * wired line when that address is 0. False when the MSI write failed.
   */
  private interrupt(lo: number, hi: number, data: number, line: IrqLine): boolean {
    const addr = hi * TWO32 + (lo >>> 0);
    if (addr !== 0) return this.msiWrite(addr, data);
    line.pulse();
    return true;
  }

  /** An MSI write: to RAM when it lands there (CMD_SYNC MSI polling), else to the MSI sink. */
  private msiWrite(addr: number, data: number): boolean {
    if (this.mem.write32(addr, data)) return true;
    return this.msi.sendMsi(addr, data >>> 0, this.msiDeviceId);
  }

  // =============================================================== command queue

  private processCmdq(): void {
    if (this.processing) return;
    this.processing = true;
    try {
      const log2 = this.cmdqLog2();
      const m = this.ptrMask(log2);
      const n = 2 ** log2;
      const base = this.queueBase(this.cmdqBaseLo, this.cmdqBaseHi, log2, 4);
      while ((this.cr0 & CR0.CMDQEN) !== 0 && !this.gerrorActive(Gerror.CMDQ_ERR)) {
        const cons = this.cmdqCons & m;
        if (cons === (this.cmdqProd & m)) break;
        const at = base + (cons % n) * 16;
        const w = this.w;
        const c = this.cmd;
        if (!this.mem.read64(at, w)) {
          this.cmdError(CError.ABT, at);
          break;
        }
        c[0] = w[0]!;
        c[1] = w[1]!;
        if (!this.mem.read64(at + 8, w)) {
          this.cmdError(CError.ABT, at);
          break;
        }
        c[2] = w[0]!;
        c[3] = w[1]!;
        this.stats.commands++;
        if (!this.execute(c)) {
          this.cmdError(CError.ILL, at);
          break;
        }
        this.cmdqCons = (this.cmdqCons & ~m) | ((cons + 1) & m);
      }
    } finally {
      this.processing = false;
    }
  }

  private cmdError(code: number, at: number): void {
    // CONS stays at the offending command; processing stops until GERROR.CMDQ_ERR is acknowledged.
    this.cmdqCons = ((this.cmdqCons & ~(0x7f << 24)) | (code << 24)) >>> 0;
    this.log.warn(
      `cmd${code}`,
      code === CError.ILL
        ? `illegal command 0x${(this.cmd[0]! & 0xff).toString(16)} at 0x${at.toString(16)}: CMDQ stopped (CERROR_ILL)`
        : `abort fetching a command at 0x${at.toString(16)}: CMDQ stopped (CERROR_ABT)`,
    );
    this.raiseGerror(Gerror.CMDQ_ERR);
  }

  /** Execute one command; false = illegal (CERROR_ILL). */
  private execute(c: Uint32Array): boolean {
    const w0 = c[0]!;
    const w1 = c[1]!;
    const w2 = c[2]!;
    const w3 = c[3]!;
    const op = w0 & 0xff;
    switch (op) {
      case Op.PREFETCH_CONFIG:
      case Op.PREFETCH_ADDR:
        return true; // hints: nothing is prefetched
      case Op.CFGI_STE:
        this.invalidateStream(w1 >>> 0);
        return true;
      case Op.CFGI_STE_RANGE: {
        const range = w2 & 0x1f;
        if (range >= 31) {
          this.invalidateAll();
          return true;
        }
        const span = 2 ** (range + 1);
        const start = (w1 >>> 0) - ((w1 >>> 0) % span);
        if (span > this.configs.size * 4) {
          for (const sid of [...this.configs.keys()])
            if (sid >= start && sid < start + span) this.invalidateStream(sid);
          for (const e of [...this.iotlb.values()])
            if (e.sid >= start && e.sid < start + span) this.dropEntry(e);
        } else {
          for (let s = start; s < start + span; s++) this.invalidateStream(s);
        }
        return true;
      }
      case Op.CFGI_CD:
      case Op.CFGI_CD_ALL:
        // The CD is cached inside the stream's context: drop the whole context.
        this.invalidateStream(w1 >>> 0);
        return true;
      case Op.CFGI_VMS_PIDM:
        return false; // no VMS (SMMUv3.2 partition IDs)
      case Op.TLBI_NH_ALL:
        this.tlbi(false, w1 & 0xffff, -1, -1, false);
        return true;
      case Op.TLBI_NH_ASID:
        this.tlbi(false, w1 & 0xffff, w1 >>> 16, -1, false);
        return true;
      case Op.TLBI_NH_VA:
        this.tlbi(false, w1 & 0xffff, w1 >>> 16, addrOf(w2, w3), false);
        return true;
      case Op.TLBI_NH_VAA:
        this.tlbi(false, w1 & 0xffff, -1, addrOf(w2, w3), false);
        return true;
      case Op.TLBI_EL2_ALL:
        this.tlbi(true, -1, -1, -1, false);
        return true;
      case Op.TLBI_EL2_ASID:
        this.tlbi(true, -1, w1 >>> 16, -1, false);
        return true;
      case Op.TLBI_EL2_VA:
        this.tlbi(true, -1, w1 >>> 16, addrOf(w2, w3), false);
        return true;
      case Op.TLBI_EL2_VAA:
        this.tlbi(true, -1, -1, addrOf(w2, w3), false);
        return true;
      case Op.TLBI_S12_VMALL:
        this.tlbi(false, w1 & 0xffff, -1, -1, false);
        return true;
      case Op.TLBI_S2_IPA:
        this.tlbi(false, w1 & 0xffff, -1, (w3 & 0xfffff) * TWO32 + ((w2 & ~0xfff) >>> 0), true);
        return true;
      case Op.TLBI_NSNH_ALL:
        for (const e of [...this.iotlb.values()]) if (!e.el2) this.dropEntry(e);
        return true;
      case Op.RESUME:
      case Op.STALL_TERM:
        return true; // no stalled transactions exist (stall model: terminate)
      case Op.CMD_SYNC:
        return this.cmdSync(w0, w1, w2, w3);
      default:
        // TLBI_EL3_* (no Secure state), ATC_INV (no ATS), PRI_RESP (no PRI), unknown opcodes.
        return false;
    }
  }

  private cmdSync(w0: number, w1: number, w2: number, w3: number): boolean {
    const cs = (w0 >>> 12) & 3;
    if (cs === 3) return false;
    if (cs === 1) {
      // SIG_IRQ: an MSI of MSIData to MSIAddress[51:2]; wired CMD_SYNC interrupt when the address is 0.
      const addr = (w3 & 0xfffff) * TWO32 + ((w2 & ~3) >>> 0);
      if (addr !== 0) {
        if (!this.msiWrite(addr, w1)) this.raiseGerror(Gerror.MSI_CMDQ_ABT_ERR);
      } else {
        this.irqSync.pulse();
      }
    } else if (cs === 2) {
      this.sev();
    }
    return true;
  }

  // =============================================================== snapshot

  readonly stateVersion = 1;

  /**
   * Snapshot: every programming-interface register (CR0-2, GBPA, IRQ_CTRL, GERROR/GERRORN and
   * their MSI configuration, the stream table base and configuration, the command and event queue
   * bases, producer and consumer indexes and MSI configuration). The tables and queues themselves
   * are in guest memory; the configuration cache and the IOTLB are dropped on restore.
   */
  saveState(w: StateWriter): void {
    for (const k of SMMU_STATE) w.u32(this[k]);
  }

  loadState(r: StateReader): () => void {
    const v = SMMU_STATE.map(() => r.u32());
    return () => {
      SMMU_STATE.forEach((k, i) => {
        this[k] = v[i]!;
      });
      this.processing = false;
      this.invalidateAll();
    };
  }

  // =============================================================== caches

  /** Drop every cached configuration and translation. */
  invalidateAll(): void {
    this.configs.clear();
    for (const e of this.iotlb.values()) this.pool.push(e);
    this.iotlb.clear();
  }

  /** Cached IOTLB entries (for tests and benches). */
  get iotlbSize(): number {
    return this.iotlb.size;
  }

  private invalidateStream(sid: number): void {
    if (this.configs.delete(sid) || this.iotlb.size > 0) {
      // Over-invalidation is allowed: drop this stream's translations with its configuration.
      for (const e of this.iotlb.values()) if (e.sid === sid) this.dropEntry(e);
    }
  }

  private dropEntry(e: IotlbEntry): void {
    this.iotlb.delete(keyOf(e.sid, e.vaPage));
    this.pool.push(e);
  }

  /**
   * TLB invalidation. el2: stream world; vmid/asid -1 = any; addr -1 = all addresses;
   * ipa: `addr` is an IPA (TLBI_S2_IPA) rather than a VA.
   */
  private tlbi(el2: boolean, vmid: number, asid: number, addr: number, ipa: boolean): void {
    for (const e of this.iotlb.values()) {
      if (e.el2 !== el2) continue;
      if (!el2 && vmid >= 0 && e.vmid !== vmid) continue;
      if (asid >= 0 && (e.global || e.asid !== asid)) {
        // By-ASID: global entries are kept, except that by-VA ops also hit global entries.
        if (!(addr >= 0 && !ipa && e.global)) continue;
      }
      if (addr >= 0) {
        if (ipa) {
          if (!e.s2 || addr < e.ipaBase || addr >= e.ipaBase + e.ipaSize) continue;
        } else if (addr < e.vaBase || addr >= e.vaBase + e.vaSize) continue;
      }
      this.dropEntry(e);
    }
  }

  // =============================================================== translation

  /** DmaTranslator: a transaction without a SubstreamID. */
  translate(streamId: number, addr: number, write: boolean, out: DmaTranslation): void {
    this.stats.translations++;
    if (addr >= 0 && addr < 2 ** 48 && streamId >= 0 && streamId < 65536 && (this.cr0 & CR0.SMMUEN) !== 0) {
      const e = this.iotlb.get(keyOf(streamId, Math.floor(addr / 4096)));
      if (e !== undefined && e.sid === streamId && (write ? e.write : e.read)) {
        this.stats.iotlbHits++;
        const off = addr % 4096;
        out.status = DmaStatus.Ok;
        out.pa = e.pa + off;
        out.limit = 4096 - off;
        return;
      }
    }
    const hi = Number.isSafeInteger(addr) && addr >= 0 ? Math.floor(addr / TWO32) : -1;
    this.translateFull(streamId, -1, hi, hi < 0 ? 0 : addr >>> 0, write, out);
  }

  /** A transaction with SubstreamID `ssid` (or -1 for none) and a 64-bit address given as halves. */
  translateSubstream(
    streamId: number,
    ssid: number,
    addrHi: number,
    addrLo: number,
    write: boolean,
    out: DmaTranslation,
  ): void {
    this.stats.translations++;
    this.translateFull(streamId, ssid, addrHi >>> 0, addrLo >>> 0, write, out);
  }

  private translateFull(
    sid: number,
    ssid: number,
    hi: number,
    lo: number,
    write: boolean,
    out: DmaTranslation,
  ): void {
    out.status = DmaStatus.Fault;
    out.pa = 0;
    out.limit = 0;
    const addr = hi * TWO32 + lo;
    if (!this.smmuEnabled()) {
      // SMMUEN = 0: GBPA decides (no events are recorded while the SMMU is disabled).
      if ((this.gbpa & GBPA.ABORT) !== 0 || hi < 0) return;
      out.status = DmaStatus.Ok;
      out.pa = addr;
      out.limit = TWO32;
      return;
    }
    if (hi < 0 || !Number.isInteger(sid) || sid < 0 || sid >= 2 ** this.sidBits) {
      // An address or StreamID this SMMU cannot represent: an unsupported upstream transaction.
      this.event(
        Evt.F_UUT,
        Number.isInteger(sid) && sid >= 0 ? sid >>> 0 : 0,
        ssid,
        Math.max(0, hi),
        lo,
        0,
        write,
        false,
        0,
        0,
        0,
      );
      return;
    }
    const ctx = this.context(sid, ssid, hi, lo, write);
    if (ctx === undefined) return; // event already recorded
    if (ctx.kind === 0) return; // STE.Config = abort: terminated without an event
    if (ctx.kind === 1) {
      out.status = DmaStatus.Ok;
      out.pa = addr;
      out.limit = TWO32;
      return;
    }
    this.stats.walks++;
    const res = this.res;
    const acc =
      (write ? Access.Write : 0) |
      (ctx.privileged ? 0 : Access.Unpriv) |
      (ctx.instruction && !write ? Access.Exec : 0);
    const f = translate(ctx.regs, this.walkMem, hi, lo, acc, res);
    if (f !== FaultKind.None) {
      this.walkFault(ctx, sid, ssid, hi, lo, write, res);
      return;
    }
    out.status = DmaStatus.Ok;
    out.pa = res.pa;
    const off = addr % 4096;
    out.limit = 4096 - off;
    if (ssid < 0 && addr < 2 ** 48 && sid < 65536) this.insert(sid, addr, res, ctx);
  }

  private insert(sid: number, addr: number, res: WalkResult, ctx: StreamContext): void {
    const vaPage = Math.floor(addr / 4096);
    const key = keyOf(sid, vaPage);
    const old = this.iotlb.get(key);
    if (old !== undefined) {
      this.iotlb.delete(key);
      this.pool.push(old);
    }
    if (this.iotlb.size >= this.iotlbCap) {
      const first = this.iotlb.values().next().value;
      if (first !== undefined) this.dropEntry(first);
    }
    const e = this.pool.pop() ?? new IotlbEntry();
    e.sid = sid;
    e.vaPage = vaPage;
    e.pa = res.pa - (addr % 4096);
    const base = ctx.privileged ? 0 : Access.Unpriv;
    e.read = permits(res, base | (ctx.instruction ? Access.Exec : 0), ctx.regs);
    e.write = permits(res, base | Access.Write, ctx.regs);
    e.el2 = ctx.el2;
    e.vmid = ctx.vmid;
    e.asid = ctx.asid;
    e.global = !res.s1 || !res.nG || (ctx.el2 && (this.cr2 & 1) === 0);
    e.s2 = res.s2;
    const vs = 2 ** res.s1SizeLog2;
    e.vaSize = res.s1 ? vs : 4096;
    e.vaBase = res.s1 ? addr - (addr % vs) : addr - (addr % 4096);
    e.ipaSize = res.s2 ? 2 ** res.s2SizeLog2 : 0;
    e.ipaBase = res.s2 ? res.ipaBase : 0;
    this.iotlb.set(key, e);
  }

  private walkFault(
    ctx: StreamContext,
    sid: number,
    ssid: number,
    hi: number,
    lo: number,
    write: boolean,
    res: WalkResult,
  ): void {
    const s2 = res.stage === 2;
    if (s2 ? !ctx.recordS2 : !ctx.recordS1) return;
    let type: number;
    switch (res.fault) {
      case FaultKind.Translation:
        type = Evt.F_TRANSLATION;
        break;
      case FaultKind.AccessFlag:
        type = Evt.F_ACCESS;
        break;
      case FaultKind.Permission:
        type = Evt.F_PERMISSION;
        break;
      case FaultKind.AddressSize:
        type = Evt.F_ADDR_SIZE;
        break;
      default:
        type = Evt.F_WALK_EABT;
        break;
    }
    const cls = s2 ? (res.s1ptw ? EvtClass.TT : EvtClass.IN) : 0;
    const dw3 =
      type === Evt.F_WALK_EABT ? this.lastFetch - (this.lastFetch % 8) : s2 ? res.ipa - (res.ipa % 4096) : 0;
    this.event(
      type,
      sid,
      ssid,
      hi,
      lo,
      dw3,
      write,
      s2,
      cls,
      ctx.privileged ? 1 : 0,
      ctx.instruction && !write ? 1 : 0,
    );
  }

  // =============================================================== configuration

  /** The decoded context of (sid, ssid), from the cache or fetched; undefined = faulted (event recorded). */
  private context(
    sid: number,
    ssid: number,
    hi: number,
    lo: number,
    write: boolean,
  ): StreamContext | undefined {
    if (ssid < 0) {
      const c = this.configs.get(sid);
      if (c !== undefined) return c;
    }
    const ctx = ssid < 0 ? new StreamContext() : this.scratchCtx;
    const f = this.cfgFault;
    f.evt = 0;
    f.fetchAddr = 0;
    f.s2 = false;
    if (!this.fetchConfig(sid, ssid, ctx)) {
      if (f.s2) {
        // A stage 2 fault on the CD fetch (nested): reported as a stage 2 fault, CLASS = CD.
        const r = this.cdRes;
        if (ctx.recordS2) {
          const type =
            r.fault === FaultKind.Translation
              ? Evt.F_TRANSLATION
              : r.fault === FaultKind.AccessFlag
                ? Evt.F_ACCESS
                : r.fault === FaultKind.Permission
                  ? Evt.F_PERMISSION
                  : r.fault === FaultKind.AddressSize
                    ? Evt.F_ADDR_SIZE
                    : Evt.F_WALK_EABT;
          const dw3 =
            type === Evt.F_WALK_EABT
              ? this.lastFetch - (this.lastFetch % 8)
              : f.fetchAddr - (f.fetchAddr % 4096);
          this.event(type, sid, ssid, hi, lo, dw3, write, true, EvtClass.CD, 0, 0);
        }
      } else if (f.evt !== 0) {
        this.event(f.evt, sid, ssid, hi, lo, f.fetchAddr, write, false, 0, 0, 0);
      }
      return undefined;
    }
    if (ssid < 0) this.configs.set(sid, ctx);
    return ctx;
  }

  private readWords(pa: number, dst: Uint32Array, dwords: number): boolean {
    const w = this.w;
    for (let i = 0; i < dwords; i++) {
      if (!this.mem.read64(pa + i * 8, w)) return false;
      dst[2 * i] = w[0]!;
      dst[2 * i + 1] = w[1]!;
    }
    return true;
  }

  private configFail(evt: number, fetchAddr = 0): false {
    this.cfgFault.evt = evt;
    this.cfgFault.fetchAddr = fetchAddr;
    return false;
  }

  /** STE (and CD) fetch and decode (IHI 0070 5.2 "Stream Table Entry", 5.4 "Context Descriptor"). */
  private fetchConfig(sid: number, ssid: number, ctx: StreamContext): boolean {
    // ---- locate the STE ----
    const cfg = this.strtabCfg;
    const fmt = (cfg >>> 16) & 3;
    const log2size = Math.min(cfg & 0x3f, this.sidBits);
    const base = (this.strtabHi & 0xfffff) * TWO32 + ((this.strtabLo & ~0x3f) >>> 0);
    if (sid >= 2 ** log2size) return this.configFail(Evt.C_BAD_STREAMID);
    let steAddr: number;
    if (fmt === 0) {
      steAddr = base + sid * 64;
    } else if (fmt === 1) {
      const splitRaw = (cfg >>> 6) & 0x1f;
      const split = splitRaw <= 6 ? 6 : splitRaw <= 8 ? 8 : 10;
      const effSplit = Math.min(split, log2size);
      const l1 = Math.floor(sid / 2 ** effSplit);
      // The L1 table is aligned to its size (low address bits IGNORED).
      const l1Bytes = 2 ** (log2size - effSplit) * 8;
      const l1Base = base - (base % Math.max(64, l1Bytes));
      const l1Addr = l1Base + l1 * 8;
      if (!this.mem.read64(l1Addr, this.w)) return this.configFail(Evt.F_STE_FETCH, l1Addr);
      const span = this.w[0]! & 0x1f;
      if (span === 0) return this.configFail(Evt.C_BAD_STREAMID); // invalid L1 descriptor
      if (span > effSplit + 1) return this.configFail(Evt.C_BAD_STREAMID); // ILLEGAL span
      const l2Ptr = (this.w[1]! & 0xfffff) * TWO32 + ((this.w[0]! & ~0x3f) >>> 0);
      const idx = sid % 2 ** effSplit;
      if (idx >= 2 ** (span - 1)) return this.configFail(Evt.C_BAD_STREAMID);
      steAddr = l2Ptr + idx * 64;
    } else {
      return this.configFail(Evt.C_BAD_STREAMID); // reserved STRTAB format: no valid STE reachable
    }
    const ste = this.ste;
    if (!this.readWords(steAddr, ste, 4)) return this.configFail(Evt.F_STE_FETCH, steAddr);

    // ---- decode the STE ----
    if ((ste[0]! & 1) === 0) return this.configFail(Evt.C_BAD_STE);
    const config = (ste[0]! >>> 1) & 7;
    if (config !== 0 && config < 4) return this.configFail(Evt.C_BAD_STE); // reserved Config
    const strw = (ste[2]! >>> 30) & 3;
    if (strw === 1 || strw === 3) return this.configFail(Evt.C_BAD_STE);
    const el2 = strw === 2;
    ctx.el2 = el2;
    ctx.vmid = el2 ? 0 : ste[4]! & 0xffff;
    const privcfg = (ste[3]! >>> 16) & 3;
    const instcfg = (ste[3]! >>> 18) & 3;
    ctx.privileged = privcfg === 3;
    ctx.instruction = instcfg === 3;
    if (config === SteConfig.ABORT) {
      ctx.kind = 0;
      return true;
    }
    if (config === SteConfig.BYPASS) {
      ctx.kind = 1;
      return true;
    }
    const s1 = (config & 1) !== 0;
    const s2 = (config & 2) !== 0;
    if (el2 && s2) return this.configFail(Evt.C_BAD_STE); // EL2 stream world has no stage 2
    const r = ctx.regs;
    Object.assign(r, BASE_REGS);
    r.paBits = this.oasBits;
    ctx.kind = 2;
    ctx.s1 = s1;
    ctx.s2 = s2;
    ctx.recordS2 = true;
    ctx.recordS1 = true;
    if (s2) {
      const v = ste[5]!; // dword 2 bits 63:32 = VTCR fields
      const t0sz = v & 0x3f;
      const sl0 = (v >>> 6) & 3;
      const tgEnc = (v >>> 14) & 3;
      const ps = (v >>> 16) & 7;
      if (((v >>> 19) & 1) === 0) return this.configFail(Evt.C_BAD_STE); // S2AA64 = 0: no AArch32 tables
      if (((v >>> 20) & 1) === 1) return this.configFail(Evt.C_BAD_STE); // S2ENDI: big-endian unsupported
      if (tgEnc === 3) return this.configFail(Evt.C_BAD_STE);
      const g = tg0Granule(tgEnc);
      if (!s2StartValid(t0sz, sl0, g, this.oasBits)) return this.configFail(Evt.C_BAD_STE);
      ctx.recordS2 = ((v >>> 26) & 1) === 1; // S2R
      r.vm = true;
      r.vt0sz = t0sz;
      r.vsl0 = sl0;
      r.vtg0 = g;
      r.vps = ps;
      r.vs16 = true;
      r.vttbrLo = (ste[6]! & ~0xf) >>> 0;
      r.vttbrHi = ((ste[7]! & 0xfffff & 0xffff) | (ctx.vmid << 16)) >>> 0;
      if ((ste[7]! & 0xf0000) !== 0) return this.configFail(Evt.C_BAD_STE); // S2TTB beyond 48 bits
    }
    if (!s1) {
      r.m = false;
      return true;
    }
    // ---- stage 1: find the CD ----
    const s1fmt = (ste[0]! >>> 4) & 3;
    const cdMax = ste[1]! >>> 27;
    const ctxPtr = (ste[1]! & 0xfffff) * TWO32 + ((ste[0]! & ~0x3f) >>> 0);
    if (cdMax > this.ssidBits) return this.configFail(Evt.C_BAD_STE);
    if (cdMax !== 0 && s1fmt === 3) return this.configFail(Evt.C_BAD_STE);
    if (!s2 && ctxPtr >= 2 ** this.oasBits) return this.configFail(Evt.C_BAD_STE);
    let index: number;
    if (ssid < 0) {
      if (cdMax !== 0) {
        const dss = ste[2]! & 3;
        if (dss === S1Dss.TERMINATE) return this.configFail(Evt.F_STREAM_DISABLED);
        if (dss === S1Dss.BYPASS) {
          r.m = false;
          return true;
        }
        if (dss !== S1Dss.SSID0) return this.configFail(Evt.C_BAD_STE);
      }
      index = 0;
    } else {
      if (cdMax === 0 || ssid >= 2 ** cdMax) return this.configFail(Evt.C_BAD_SUBSTREAMID);
      // S1DSS = SSID0 reserves SubstreamID 0 for non-substream transactions.
      if (ssid === 0 && (ste[2]! & 3) === S1Dss.SSID0) return this.configFail(Evt.C_BAD_SUBSTREAMID);
      index = ssid;
    }
    let cdAddr: number;
    if (cdMax === 0 || s1fmt === 0) {
      cdAddr = ctxPtr + index * 64;
    } else {
      const split = s1fmt === 1 ? 6 : 10; // 4KB or 64KB leaf tables
      const l1Index = Math.floor(index / 2 ** split);
      const l1Addr = ctxPtr + l1Index * 8;
      const l1pa = this.cdFetchAddr(ctx, l1Addr);
      if (l1pa < 0) return false;
      if (!this.mem.read64(l1pa, this.w)) return this.configFail(Evt.F_CD_FETCH, l1pa);
      if ((this.w[0]! & 1) === 0) return this.configFail(Evt.C_BAD_SUBSTREAMID); // invalid L1CD
      const l2 = (this.w[1]! & 0xfffff) * TWO32 + ((this.w[0]! & ~0xfff) >>> 0);
      cdAddr = l2 + (index % 2 ** split) * 64;
    }
    const cdPa = this.cdFetchAddr(ctx, cdAddr);
    if (cdPa < 0) return false;
    const cd = this.cd;
    if (!this.readWords(cdPa, cd, 4)) return this.configFail(Evt.F_CD_FETCH, cdPa);
    return this.decodeCd(ctx, cd);
  }

  /** The PA of a CD-table access: through stage 2 when it is enabled (nested). -1 = faulted. */
  private cdFetchAddr(ctx: StreamContext, ipa: number): number {
    if (!ctx.s2) return ipa;
    const r = ctx.regs;
    r.m = false;
    const f = translate(r, this.walkMem, Math.floor(ipa / TWO32), ipa >>> 0, Access.Unpriv, this.cdRes);
    if (f !== FaultKind.None) {
      this.cfgFault.s2 = true;
      this.cfgFault.fetchAddr = ipa;
      return -1;
    }
    return this.cdRes.pa;
  }

  private decodeCd(ctx: StreamContext, cd: Uint32Array): boolean {
    const r = ctx.regs;
    const lo = cd[0]!;
    const hi = cd[1]!;
    if (lo >>> 31 === 0) return this.configFail(Evt.C_BAD_CD); // V
    if (((hi >>> 9) & 1) === 0) return this.configFail(Evt.C_BAD_CD); // AA64 = 0: no AArch32 tables
    if (((lo >>> 15) & 1) === 1) return this.configFail(Evt.C_BAD_CD); // ENDI: big-endian unsupported
    const t0sz = lo & 0x3f;
    const tg0 = (lo >>> 6) & 3;
    const epd0 = ((lo >>> 14) & 1) === 1;
    const t1sz = (lo >>> 16) & 0x3f;
    const tg1 = (lo >>> 22) & 3;
    const epd1 = ((lo >>> 30) & 1) === 1;
    // Reserved granule encodings and out-of-range TxSZ of an enabled table: the CD is ILLEGAL.
    if (!epd0 && (tg0 === 3 || t0sz < 16 || t0sz > 39)) return this.configFail(Evt.C_BAD_CD);
    if (!epd1 && (tg1 === 0 || t1sz < 16 || t1sz > 39)) return this.configFail(Evt.C_BAD_CD);
    r.m = true;
    r.t0sz = t0sz;
    r.tg0 = tg0Granule(tg0);
    r.epd0 = epd0;
    r.t1sz = t1sz;
    r.tg1 = tg1Granule(tg1);
    r.epd1 = epd1 || ctx.el2; // EL2 (E2H = 0) has one VA range
    r.ips = hi & 7;
    r.wxn = ((hi >>> 4) & 1) === 1;
    r.tbi0 = ((hi >>> 6) & 1) === 1;
    r.tbi1 = ((hi >>> 7) & 1) === 1;
    r.pan = ((hi >>> 8) & 1) === 1;
    r.ha = false; // no HTTU: CD.HA/HD are RES0
    r.hd = false;
    ctx.recordS1 = ((hi >>> 13) & 1) === 1; // R
    const asid = hi >>> 16;
    ctx.asid = asid;
    r.a1 = false;
    r.as16 = true;
    r.hpd0 = ((cd[2]! >>> 1) & 1) === 1; // HAD0
    r.hpd1 = ((cd[4]! >>> 1) & 1) === 1; // HAD1
    r.ttbr0Lo = (cd[2]! & ~0xf) >>> 0;
    r.ttbr0Hi = ((cd[3]! & 0xffff) | (asid << 16)) >>> 0;
    r.ttbr1Lo = (cd[4]! & ~0xf) >>> 0;
    r.ttbr1Hi = ((cd[5]! & 0xffff) | (asid << 16)) >>> 0;
    r.mairLo = cd[6]!;
    r.mairHi = cd[7]!;
    return true;
  }

  // =============================================================== events

  /**
   * Write an event record (IHI 0070 7.3): dword0 type, SSV, SubstreamID, StreamID; dword1 STAG=0,
   * Stall=0, PnU, InD, RnW, S2, CLASS, TTRnW; dword2 InputAddr; dword3 IPA[51:12] or FetchAddr[51:3].
   */
  private event(
    type: number,
    sid: number,
    ssid: number,
    inHi: number,
    inLo: number,
    dw3: number,
    write: boolean,
    s2: boolean,
    cls: number,
    pnu: number,
    ind: number,
  ): void {
    this.stats.events++;
    if ((this.cr0 & CR0.EVTQEN) === 0) {
      this.stats.eventsLost++;
      return;
    }
    const e = this.evt;
    const ssv = ssid >= 0;
    e[0] = (type | (ssv ? 1 << 11 : 0) | (ssv ? (ssid & 0xfffff) << 12 : 0)) >>> 0;
    e[1] = sid >>> 0;
    e[2] = 0;
    const tt = s2 && cls === EvtClass.TT;
    e[3] =
      ((pnu << 1) |
        (ind << 2) |
        (write ? 0 : 1 << 3) |
        (s2 ? 1 << 7 : 0) |
        (cls << 8) |
        (tt ? 1 << 12 : 0)) >>>
      0;
    e[4] = inLo >>> 0;
    e[5] = inHi >>> 0;
    e[6] = dw3 >>> 0;
    e[7] = Math.floor(dw3 / TWO32) & 0xfffff;
    if (
      type === Evt.C_BAD_STREAMID ||
      type === Evt.C_BAD_STE ||
      type === Evt.C_BAD_CD ||
      type === Evt.C_BAD_SUBSTREAMID
    ) {
      e.fill(0, 2);
      this.log.warn(`evt${type}`, `event 0x${type.toString(16)} for StreamID 0x${sid.toString(16)}`);
    } else if (type === Evt.F_STE_FETCH || type === Evt.F_CD_FETCH) {
      e.fill(0, 2, 6);
    } else if (type === Evt.F_STREAM_DISABLED) {
      e.fill(0, 2);
    } else if (type === Evt.F_UUT) {
      e.fill(0, 6);
    }
    const log2 = this.evtqLog2();
    const m = this.ptrMask(log2);
    const n = 2 ** log2;
    const prod = this.evtqProd & m;
    const cons = this.evtqCons & m;
    if ((prod ^ cons) === n) {
      // Full: the record is lost; PROD.OVFLG toggles to differ from CONS.OVACKFLG (once per overflow).
      this.stats.eventsLost++;
      if (((this.evtqProd ^ this.evtqCons) & OVF) === 0) this.evtqProd = (this.evtqProd ^ OVF) >>> 0;
      return;
    }
    const base = this.queueBase(this.evtqBaseLo, this.evtqBaseHi, log2, 5);
    const at = base + (prod % n) * 32;
    for (let i = 0; i < 8; i++) {
      if (!this.mem.write32(at + i * 4, e[i]!)) {
        this.stats.eventsLost++;
        this.raiseGerror(Gerror.EVTQ_ABT_ERR);
        return;
      }
    }
    this.evtqProd = ((this.evtqProd & OVF) | ((prod + 1) & m)) >>> 0;
    if (
      (this.irqCtrl & IRQ_CTRL.EVTQ_IRQEN) !== 0 &&
      !this.interrupt(this.evtqIrqCfg0Lo, this.evtqIrqCfg0Hi, this.evtqIrqCfg1, this.irqEventq)
    ) {
      this.raiseGerror(Gerror.MSI_EVTQ_ABT_ERR);
    }
  }
}

/** Translation controls common to every context (the rest is filled from the STE/CD). */
const BASE_REGS: TranslationRegs = defaultRegs();

function clampInt(v: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, Math.trunc(v)));
}

function keyOf(sid: number, vaPage: number): number {
  return sid * 2 ** 36 + vaPage;
}

/** Address[63:12] of a TLBI command (dword 1), as a number (exact below 2^53). */
function addrOf(w2: number, w3: number): number {
  return w3 * TWO32 + ((w2 & ~0xfff) >>> 0);
}

/**
 * Whether S2T0SZ / S2SL0 / S2TG give a legal stage 2 starting level (IHI 0070 5.2, STE.S2SL0:
 * inconsistent values make the STE ILLEGAL): the start level resolves 1..stride+4 bits.
 */
export function s2StartValid(t0sz: number, sl0: number, granule: number, paBits: number): boolean {
  if (t0sz < 16 || t0sz > 39) return false;
  if (sl0 === 3 || (granule === 12 && sl0 === 2 && paBits < 44)) return false;
  const s = granule - 3;
  const startLevel = granule === 12 ? 2 - sl0 : 3 - sl0;
  const inputsize = 64 - t0sz;
  const startBits = inputsize - ((3 - startLevel) * s + granule);
  return startBits >= 1 && startBits <= s + 4;
}

/** Bits 51:32 of a base address and RA (STRTAB_BASE, CMDQ_BASE, EVTQ_BASE upper words). */
const BASE_HI = 0xfffff | (1 << 30);

/**
 * The page-0 registers that read back one field. Those with a `mask` are written as it (bits
 * outside it are RES0), except while `lockedBy`'s CR0 enable bit is set; the others are
 * read-only here or written by write32's own cases (side effects).
 */
const REGISTERS: ReadonlyMap<
  number,
  { field: (typeof SMMU_STATE)[number]; mask?: number; lockedBy?: number }
> = new Map([
  [Reg.CR0, { field: "cr0" }],
  [Reg.CR0ACK, { field: "cr0" }],
  [Reg.CR1, { field: "cr1", mask: 0xfff }],
  [Reg.CR2, { field: "cr2", mask: 7 }],
  [Reg.GBPA, { field: "gbpa" }],
  [Reg.IRQ_CTRL, { field: "irqCtrl", mask: IRQ_CTRL.GERROR_IRQEN | IRQ_CTRL.EVTQ_IRQEN }],
  [Reg.IRQ_CTRLACK, { field: "irqCtrl" }],
  [Reg.GERROR, { field: "gerror" }],
  [Reg.GERRORN, { field: "gerrorn" }],
  [Reg.GERROR_IRQ_CFG0, { field: "gerrIrqCfg0Lo", mask: ~3 }],
  [Reg.GERROR_IRQ_CFG0 + 4, { field: "gerrIrqCfg0Hi", mask: 0xfffff }],
  [Reg.GERROR_IRQ_CFG1, { field: "gerrIrqCfg1", mask: ~0 }],
  [Reg.GERROR_IRQ_CFG2, { field: "gerrIrqCfg2", mask: 0x3f }],
  [Reg.STRTAB_BASE, { field: "strtabLo", mask: ~0x3f, lockedBy: CR0.SMMUEN }],
  [Reg.STRTAB_BASE + 4, { field: "strtabHi", mask: BASE_HI, lockedBy: CR0.SMMUEN }],
  [Reg.STRTAB_BASE_CFG, { field: "strtabCfg", mask: 0x3_07ff, lockedBy: CR0.SMMUEN }],
  [Reg.CMDQ_BASE, { field: "cmdqBaseLo", mask: ~0, lockedBy: CR0.CMDQEN }],
  [Reg.CMDQ_BASE + 4, { field: "cmdqBaseHi", mask: BASE_HI, lockedBy: CR0.CMDQEN }],
  [Reg.CMDQ_PROD, { field: "cmdqProd" }],
  [Reg.CMDQ_CONS, { field: "cmdqCons" }],
  [Reg.EVTQ_BASE, { field: "evtqBaseLo", mask: ~0, lockedBy: CR0.EVTQEN }],
  [Reg.EVTQ_BASE + 4, { field: "evtqBaseHi", mask: BASE_HI, lockedBy: CR0.EVTQEN }],
  // Page 0 aliases of the page 1 event queue pointers (ARM_SMMU_OPT_PAGE0_REGS_ONLY style).
  [Reg.EVTQ_PROD, { field: "evtqProd" }],
  [Reg.EVTQ_CONS, { field: "evtqCons" }],
  [Reg.EVTQ_IRQ_CFG0, { field: "evtqIrqCfg0Lo", mask: ~3 }],
  [Reg.EVTQ_IRQ_CFG0 + 4, { field: "evtqIrqCfg0Hi", mask: 0xfffff }],
  [Reg.EVTQ_IRQ_CFG1, { field: "evtqIrqCfg1", mask: ~0 }],
  [Reg.EVTQ_IRQ_CFG2, { field: "evtqIrqCfg2", mask: 0x3f }],
]);

/** The registers a snapshot holds, in its order (a new field goes last, with a version bump). */
const SMMU_STATE = [
  "cr0",
  "cr1",
  "cr2",
  "gbpa",
  "irqCtrl",
  "gerror",
  "gerrorn",
  "gerrIrqCfg0Lo",
  "gerrIrqCfg0Hi",
  "gerrIrqCfg1",
  "gerrIrqCfg2",
  "strtabLo",
  "strtabHi",
  "strtabCfg",
  "cmdqBaseLo",
  "cmdqBaseHi",
  "cmdqProd",
  "cmdqCons",
  "evtqBaseLo",
  "evtqBaseHi",
  "evtqProd",
  "evtqCons",
  "evtqIrqCfg0Lo",
  "evtqIrqCfg0Hi",
  "evtqIrqCfg1",
  "evtqIrqCfg2",
] as const;
