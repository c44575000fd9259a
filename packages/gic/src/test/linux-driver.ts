import { BumpAllocator, type Bus, type SysRegBlock, sysRegKey } from "@armature/core";
import { itsCmd } from "./its-commands.js";

/**
 * A scripted guest driver that touches the GIC the way Linux's irq-gic-v3, irq-gic-v3-its and
 * irq-gic-v2m drivers do at probe and when an MSI is set up (the sequence of register accesses
 * is taken from those drivers' documented behaviour; the code is ours). Every access goes
 * through the Bus and the ICC System registers, as a guest's would. `lines` collects what
 * Linux would print, so tests and users can compare it with a real boot log.
 */
export interface LinuxLikeGicDriverOptions {
  bus: Bus;
  /** The CPU interface (what the CPU forwards MRS/MSR to). */
  icc: SysRegBlock;
  gicdBase: number;
  /** Base of each redistributor region. */
  gicrBases: readonly number[];
  /** MPIDR of each CPU (to find its redistributor by GICR_TYPER affinity). */
  mpidrs: readonly number[];
  /** Guest RAM to allocate tables from: [base, base + size). */
  ram: { base: number; size: number };
}

const k = (crm: number, op2: number, crn = 12) => sysRegKey(3, 0, crn, crm, op2);
const ICC_PMR = k(6, 0, 4);
const ICC_IAR1 = k(12, 0);
const ICC_EOIR1 = k(12, 1);
const ICC_BPR1 = k(12, 3);
const ICC_CTLR = k(12, 4);
const ICC_SRE = k(12, 5);
const ICC_IGRPEN1 = k(12, 7);
const ICC_AP0R0 = k(8, 4);
const ICC_AP1R0 = k(9, 0);
const ICC_SGI1R = k(11, 5);

const DEFAULT_PRI = 0xa0;
const LPI_PROP_GROUP1_ENABLED = 0x3; // Group1 (RES1) | Enable

export class LinuxLikeGicDriver {
  readonly lines: string[] = [];
  private readonly ram: BumpAllocator;
  readonly rdBase: number[] = [];
  spis = 0;
  lpiIdBits = 0;
  propTable = 0;
  readonly pendTables: number[] = [];
  // ITS
  itsBase = -1;
  private cmdq = 0;
  private cmdqSize = 0;
  private cwriter = 0;
  private deviceTableEsz = 8;
  private deviceTable = 0;
  private deviceTableIndirect = false;
  private readonly itts = new Map<number, number>();

  constructor(readonly o: LinuxLikeGicDriverOptions) {
    this.ram = new BumpAllocator(o.ram.base, o.ram.size, "LinuxLikeGicDriver test RAM");
  }

  /** Zeroed guest memory, `align`-aligned. */
  alloc(size: number, align = 0x10000): number {
    const a = this.ram.take(size, align);
    this.o.bus.writeBytes(a, new Uint8Array(size));
    return a;
  }

  private r32(a: number): number {
    return this.o.bus.read(a, 4);
  }
  private w32(a: number, v: number): void {
    this.o.bus.write(a, 4, v >>> 0);
  }
  private r64(a: number): bigint {
    return this.o.bus.read64(a);
  }
  private w64(a: number, v: bigint): void {
    this.o.bus.write64(a, v);
  }
  private mrs(cpu: number, key: number): bigint {
    return this.o.icc.read(cpu, key);
  }
  private msr(cpu: number, key: number, v: bigint): void {
    this.o.icc.write(cpu, key, v);
  }

  private waitRwp(ctlrAddr: number, bit: number): void {
    for (let i = 0; i < 1000; i++) if ((this.r32(ctlrAddr) & bit) === 0) return;
    throw new Error("RWP timeout");
  }

  /** gic_of_init + gic_init_bases + gic_dist_init: validate, quiesce, configure SPIs, enable. */
  probeDistributor(): void {
    const d = this.o.gicdBase;
    const arch = (this.r32(d + 0xffe8) >>> 4) & 0xf;
    if (arch !== 3 && arch !== 4) throw new Error(`no GICv3 at 0x${d.toString(16)} (ArchRev ${arch})`);
    const typer = this.r32(d + 0x4);
    this.spis = Math.min(32 * ((typer & 0x1f) + 1), 1020) - 32;
    this.lines.push(`GICv3: ${this.spis} SPIs implemented`);
    this.lines.push("GICv3: 0 Extended SPIs implemented");
    this.w32(d + 0x0, 0);
    this.waitRwp(d, 1 << 31);
    const nIrq = this.spis + 32;
    for (let i = 32; i < nIrq; i += 32) {
      this.w32(d + 0x80 + i / 8, 0xffffffff); // IGROUPR: Group 1
      this.w32(d + 0x380 + i / 8, 0xffffffff); // ICACTIVER
      this.w32(d + 0x180 + i / 8, 0xffffffff); // ICENABLER
    }
    for (let i = 32; i < nIrq; i += 16) this.w32(d + 0xc00 + i / 4, 0); // ICFGR: level
    for (let i = 32; i < nIrq; i += 4) this.w32(d + 0x400 + i, 0xa0a0a0a0); // IPRIORITYR
    this.waitRwp(d, 1 << 31);
    this.w32(d + 0x0, (1 << 4) | (1 << 1) | (1 << 0)); // ARE_NS | EnableGrp1A | EnableGrp1
    const ctlr = this.r32(d);
    if ((ctlr & (1 << 4)) === 0) throw new Error("GICD_CTLR.ARE did not stick");
    const aff = this.affinityOf(0);
    for (let i = 32; i < nIrq; i++) this.w64(d + 0x6000 + 8 * i, aff);
    const idBits = ((typer >>> 19) & 0x1f) + 1;
    this.lpiIdBits = Math.min(idBits, 16);
  }

  private affinityOf(cpu: number): bigint {
    const m = BigInt(this.o.mpidrs[cpu]!);
    return (m & 0xffffffn) | (((m >> 32n) & 0xffn) << 32n);
  }

  /** gic_populate_rdist: walk the regions until GICR_TYPER's affinity matches this CPU's MPIDR. */
  findRedistributor(cpu: number): number {
    const m = BigInt(this.o.mpidrs[cpu]!);
    const want = Number((((m >> 32n) & 0xffn) << 24n) | (m & 0xffffffn));
    for (const [region, base] of this.o.gicrBases.entries()) {
      let a = base;
      for (let n = 0; n < 4096; n++) {
        const arch = (this.r32(a + 0xffe8) >>> 4) & 0xf;
        if (arch !== 3 && arch !== 4) break;
        const typer = this.r64(a + 0x8);
        if (Number(typer >> 32n) === want) {
          this.rdBase[cpu] = a;
          this.lines.push(
            `GICv3: CPU${cpu}: found redistributor ${Number((typer >> 8n) & 0xffffn)} region ${region}:0x${a.toString(16).padStart(16, "0")}`,
          );
          return a;
        }
        if ((typer & 0x10n) !== 0n) break; // Last
        a += 0x20000;
      }
    }
    throw new Error(`CPU${cpu}: no redistributor`);
  }

  /** gic_cpu_init: wake the redistributor, configure SGIs/PPIs, program the CPU interface. */
  initCpu(cpu: number): void {
    const rd = this.findRedistributor(cpu);
    if (cpu === 0) {
      const ppis = 16 + 32 * Number((this.r64(rd + 0x8) >> 27n) & 0x1fn);
      this.lines.push(`GICv3: GICv3 features: ${ppis} PPIs`);
    }
    // gic_enable_redist(true)
    this.w32(rd + 0x14, this.r32(rd + 0x14) & ~(1 << 1));
    let spins = 0;
    while ((this.r32(rd + 0x14) & (1 << 2)) !== 0) if (++spins > 1000) throw new Error("GICR_WAKER timeout");
    const sgi = rd + 0x10000;
    this.w32(sgi + 0x80, 0xffffffff); // IGROUPR0
    this.w32(sgi + 0x380, 0xffffffff); // ICACTIVER0
    this.w32(sgi + 0x180, 0xffffffff); // ICENABLER0
    for (let i = 0; i < 32; i += 4) this.w32(sgi + 0x400 + i, 0xa0a0a0a0);
    this.waitRwp(rd, 1 << 3);
    // gic_cpu_sys_reg_init
    this.msr(cpu, ICC_SRE, this.mrs(cpu, ICC_SRE) | 1n);
    if ((this.mrs(cpu, ICC_SRE) & 1n) === 0n) throw new Error("ICC_SRE_EL1.SRE did not stick");
    this.msr(cpu, ICC_PMR, 0xf0n);
    this.msr(cpu, ICC_BPR1, 0n);
    this.msr(cpu, ICC_CTLR, 0n); // EOImode = 0 (no EL2 in the guest)
    const pribits = Number((this.mrs(cpu, ICC_CTLR) >> 8n) & 7n) + 1;
    if (pribits < 5 || pribits > 8) throw new Error(`odd PRIbits ${pribits}`);
    this.msr(cpu, ICC_AP0R0, 0n);
    this.msr(cpu, ICC_AP1R0, 0n);
    this.msr(cpu, ICC_IGRPEN1, 1n);
    // Enable SGIs 0-7 (Linux uses them as IPIs).
    this.w32(sgi + 0x100, 0xff);
  }

  /** Enable a PPI (e.g. the timer's 27/30) on one CPU as Linux's irq_enable does. */
  enablePpi(cpu: number, intid: number, edge = false): void {
    const sgi = this.rdBase[cpu]! + 0x10000;
    if (edge) this.w32(sgi + 0xc04, this.r32(sgi + 0xc04) | (2 << (2 * (intid - 16))));
    this.w32(sgi + 0x100, 1 << intid);
  }

  /** Configure and enable an SPI routed to `cpu`. */
  enableSpi(intid: number, cpu: number, edge: boolean): void {
    const d = this.o.gicdBase;
    const reg = d + 0xc00 + Math.floor(intid / 16) * 4;
    const shift = 2 * (intid % 16);
    const v = this.r32(reg);
    this.w32(reg, edge ? v | (2 << shift) : v & ~(2 << shift));
    this.w64(d + 0x6000 + 8 * intid, this.affinityOf(cpu));
    this.w32(d + 0x100 + Math.floor(intid / 32) * 4, 1 << (intid % 32));
  }

  /** ICC_SGI1R_EL1: send SGI `intid` to `targetCpu` (by its affinity). */
  sendIpi(fromCpu: number, targetCpu: number, intid: number): void {
    const m = BigInt(this.o.mpidrs[targetCpu]!);
    const aff0 = m & 0xffn;
    const v =
      ((m >> 32n) & 0xffn) * 2n ** 48n +
      (aff0 >> 4n) * 2n ** 44n +
      ((m >> 16n) & 0xffn) * 2n ** 32n +
      BigInt(intid) * 2n ** 24n +
      ((m >> 8n) & 0xffn) * 2n ** 16n +
      (1n << (aff0 & 15n));
    this.msr(fromCpu, ICC_SGI1R, v);
  }

  /** ICC_IAR1_EL1 read, then ICC_EOIR1_EL1 of what it returned (unless spurious). */
  ackAndEoi(cpu: number): number {
    const id = Number(this.mrs(cpu, ICC_IAR1) & 0xffffffn);
    if (id !== 1023) this.msr(cpu, ICC_EOIR1, BigInt(id));
    return id;
  }

  acknowledge(cpu: number): number {
    return Number(this.mrs(cpu, ICC_IAR1) & 0xffffffn);
  }

  eoi(cpu: number, id: number): void {
    this.msr(cpu, ICC_EOIR1, BigInt(id));
  }

  // ---- ITS (irq-gic-v3-its) ----

  /** its_probe_one + its_alloc_tables + command queue + enable. */
  probeIts(base: number): void {
    this.itsBase = base;
    const arch = (this.r32(base + 0xffe8) >>> 4) & 0xf;
    if (arch !== 3 && arch !== 4) throw new Error(`no ITS at 0x${base.toString(16)}`);
    this.lines.push(
      `ITS [mem 0x${base.toString(16).padStart(8, "0")}-0x${(base + 0x1ffff).toString(16).padStart(8, "0")}]`,
    );
    const typer = this.r64(base + 0x8);
    // its_force_quiescent
    let ctlr = this.r32(base);
    if (ctlr & 1) this.w32(base, ctlr & ~1);
    for (let i = 0; (this.r32(base) & (1 << 31)) === 0; i++)
      if (i > 1000) throw new Error("ITS not quiescent");
    const devBits = Number((typer >> 13n) & 0x1fn) + 1;
    for (let n = 0; n < 8; n++) {
      const a = base + 0x100 + 8 * n;
      const val = this.r64(a);
      const type = Number((val >> 56n) & 7n);
      if (type === 0) continue;
      const esz = Number((val >> 48n) & 0x1fn) + 1;
      const psz = 0x10000;
      const idBits = type === 1 ? devBits : 16;
      const keep = val & ((7n << 56n) | (0x1fn << 48n)); // Type and Entry_Size are read-only
      // its_parse_indirect_baser: try a two-level table when a flat one needs more than 2 pages.
      let indirect = false;
      if (type === 1 && esz * 2 ** idBits > psz * 2) {
        this.w64(a, keep | (7n << 59n) | (1n << 10n) | (1n << 62n));
        indirect = (this.r64(a) & (1n << 62n)) !== 0n;
      }
      const tbl = this.alloc(psz, psz);
      const v =
        keep |
        (1n << 63n) | // Valid
        (indirect ? 1n << 62n : 0n) |
        (7n << 59n) | // InnerCache RaWaWb
        (BigInt(tbl) & 0xfffffffff000n) |
        (1n << 10n) | // InnerShareable
        (2n << 8n) | // 64K pages
        0n; // one page
      this.w64(a, v);
      const back = this.r64(a);
      if (back !== v)
        throw new Error(`GITS_BASER${n} did not take 0x${v.toString(16)} (reads 0x${back.toString(16)})`);
      if (type === 1) {
        this.deviceTableEsz = esz;
        this.deviceTable = tbl;
        this.deviceTableIndirect = indirect;
      }
      const entries = indirect ? 2 ** idBits : Math.min(2 ** idBits, psz / esz);
      const what = type === 1 ? "Devices" : "Interrupt Collections";
      this.lines.push(
        `ITS@0x${base.toString(16).padStart(16, "0")}: allocated ${entries} ${what} @${tbl.toString(16)} (${indirect ? "indirect" : "flat"}, esz ${esz}, psz 64K, shr 1)`,
      );
    }
    this.cmdqSize = 0x10000;
    this.cmdq = this.alloc(this.cmdqSize, 0x10000);
    const cb = (1n << 63n) | (7n << 59n) | BigInt(this.cmdq) | (1n << 10n) | BigInt(this.cmdqSize / 4096 - 1);
    this.w64(base + 0x80, cb);
    if (this.r64(base + 0x80) !== cb) throw new Error("GITS_CBASER did not stick");
    this.w64(base + 0x88, 0n);
    this.cwriter = 0;
    ctlr = this.r32(base);
    this.w32(base, ctlr | 1);
  }

  /** its_cpu_init_lpis: property table (shared), pending table, EnableLPIs. */
  initLpis(cpu: number): void {
    const rd = this.rdBase[cpu]!;
    if ((this.r64(rd + 0x8) & 1n) === 0n) throw new Error("GICR_TYPER.PLPIS is 0");
    const idBits = this.lpiIdBits;
    if (this.propTable === 0) {
      this.propTable = this.alloc(2 ** idBits - 8192, 0x10000);
      for (let i = 0; i < 2 ** idBits - 8192; i++) this.o.bus.write(this.propTable + i, 1, DEFAULT_PRI | 2); // disabled
      this.lines.push(`GICv3: using LPI property table @0x${this.propTable.toString(16).padStart(16, "0")}`);
    }
    const pend = this.alloc(Math.max(2 ** idBits / 8, 0x10000), 0x10000);
    this.pendTables[cpu] = pend;
    const prop = BigInt(this.propTable) | (1n << 10n) | (7n << 7n) | BigInt(idBits - 1);
    this.w64(rd + 0x70, prop);
    if (this.r64(rd + 0x70) !== prop) throw new Error("GICR_PROPBASER did not stick");
    const pb = BigInt(pend) | (1n << 10n) | (7n << 7n);
    this.w64(rd + 0x78, pb);
    this.w32(rd + 0x0, this.r32(rd) | 1);
    if ((this.r32(rd) & 1) === 0) throw new Error("GICR_CTLR.EnableLPIs did not stick");
    this.lines.push(
      `GICv3: CPU${cpu}: using allocated LPI pending table @0x${pend.toString(16).padStart(16, "0")}`,
    );
  }

  /** its_send_single_command: copy a command to the queue, move CWRITER, wait for CREADR. */
  sendCommand(cmd: Uint8Array): void {
    this.o.bus.writeBytes(this.cmdq + this.cwriter, cmd);
    this.cwriter = (this.cwriter + 32) % this.cmdqSize;
    this.w64(this.itsBase + 0x88, BigInt(this.cwriter));
    for (let i = 0; Number(this.r64(this.itsBase + 0x90) & 0xfffe0n) !== this.cwriter; i++) {
      if (i > 1000) throw new Error("ITS queue timeout");
    }
  }

  /** The processor number to put in RDbase (GITS_TYPER.PTA == 0) or the RD physical address. */
  targetOf(cpu: number): number {
    const pta = (this.r64(this.itsBase + 0x8) >> 19n) & 1n;
    if (pta) throw new Error("PTA=1 not used by this helper");
    return Number((this.r64(this.rdBase[cpu]! + 0x8) >> 8n) & 0xffffn);
  }

  /** A device's ITT (its_create_device) with room for 2^bits events; MAPD. */
  mapDevice(deviceId: number, bits: number): number {
    if (this.deviceTableIndirect) {
      // its_alloc_table_entry: give the level-1 entry a zeroed level-2 page (Valid | PA).
      const l1 = this.deviceTable + Math.floor(deviceId / (0x10000 / this.deviceTableEsz)) * 8;
      if ((this.o.bus.read(l1 + 4, 4) & 0x80000000) === 0) {
        const page = this.alloc(0x10000, 0x10000);
        this.o.bus.write(l1, 4, page);
        this.o.bus.write(l1 + 4, 4, 0x80000000 + Math.floor(page / 2 ** 32));
      }
    }
    const itt = this.alloc(Math.max(256, 2 ** bits * 8), 256);
    this.itts.set(deviceId, itt);
    this.sendCommand(itsCmd.mapd(deviceId, itt, bits));
    return itt;
  }

  /** Enable LPI `intid` in the property table (unmask), as its_unmask_irq does before INV. */
  setLpiEnabled(intid: number, enabled: boolean, priority = DEFAULT_PRI): void {
    this.o.bus.write(this.propTable + intid - 8192, 1, priority | (enabled ? LPI_PROP_GROUP1_ENABLED : 2));
  }

  get deviceEntrySize(): number {
    return this.deviceTableEsz;
  }

  // ---- GICv2m ----

  /** gicv2m_init_one: read MSI_TYPER and report the SPI range. */
  probeV2m(base: number): { spiBase: number; spiCount: number } {
    const t = this.r32(base + 0x8);
    const spiBase = (t >>> 16) & 0x3ff;
    const spiCount = t & 0x3ff;
    this.lines.push(
      `GICv2m: range[mem 0x${base.toString(16).padStart(8, "0")}-0x${(base + 0xfff).toString(16).padStart(8, "0")}], SPI[${spiBase}:${spiBase + spiCount - 1}]`,
    );
    return { spiBase, spiCount };
  }
}
