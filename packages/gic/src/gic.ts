import {
  ConfigError,
  type DmaSpace,
  type IrqController,
  type IrqLine,
  type MmioDevice,
  type StateReader,
  type StateWriter,
  type SysRegBlock,
} from "@armature/core";
import type { FdtNode } from "@armature/fdt";
import { CpuInterface } from "./cpu-interface.js";
import {
  describeGicDt,
  type GicDtNodes,
  type GicPlacement,
  gicMadtStructures,
  type MadtGicStructure,
  type MadtOptions,
} from "./describe.js";
import { Distributor } from "./distributor.js";
import { formatGicIrqs } from "./info.js";
import { Its, type ItsOptions } from "./its.js";
import { RedistributorRegion, RedistributorRegs } from "./redistributor.js";
import { GICR_FRAME_SIZE, INTID_SPURIOUS } from "./regs.js";
import { loadGicState, saveGicState } from "./snapshot.js";
import { GicState } from "./state.js";
import { V2mFrame, type V2mOptions } from "./v2m.js";

export interface Gicv3Options {
  /** MPIDR_EL1 of each vCPU in CPU-index order; Aff3..Aff0 become GICR_TYPER's affinity. */
  mpidrs: readonly number[];
  /** Per-CPU IRQ inputs of the vCPUs (Group 1 interrupts). May be given later with connectCpu(). */
  irqLines?: readonly IrqLine[];
  /** Per-CPU FIQ inputs of the vCPUs (Group 0 interrupts). */
  fiqLines?: readonly IrqLine[];
  /** Number of SPIs (INTIDs 32..), a multiple of 32, at most 960. Default 224. */
  spiCount?: number;
  /** Implement LPIs (GICD_TYPER.LPIS, GICR PROPBASER/PENDBASER). Default: true. Needs `dma`. */
  lpis?: boolean;
  /** INTID bits when LPIs exist (GICD_TYPER.IDbits + 1), 14..24. Default 16. */
  lpiIdBits?: number;
  /** How the redistributors reach guest memory (LPI tables, ITS tables and command queue). */
  dma?: DmaSpace;
  /**
   * How many redistributors each redistributor region holds (GICR_TYPER.Last is set on the last
   * frame of each). Default: one region with every CPU.
   */
  redistributorRegions?: readonly number[];
}

/**
 * A GICv3 (Arm IHI 0069): distributor, one redistributor per PE, the System-register CPU
 * interface, and optionally ITSs and GICv2m frames. The board places the MMIO devices on its
 * bus, passes `cpuInterface` to each vCPU as a SysRegBlock, and wires devices with
 * `irqLine(gic, intid)` (SPIs) or `gic.ppiLine(cpu, intid)` (PPIs).
 */
export class Gicv3 implements IrqController {
  /** @internal */
  readonly state: GicState;
  /** GICD: a 64 KiB frame. */
  readonly distributor: MmioDevice;
  /** The ICC_* System registers of every PE (key: sysRegKey, `cpuIndex` selects the PE). */
  readonly cpuInterface: SysRegBlock;
  readonly cpuCount: number;
  readonly spiCount: number;
  private readonly regs: RedistributorRegs;
  private readonly regions: RedistributorRegion[] = [];
  private readonly cpuControllers: IrqController[];
  readonly itss: Its[] = [];
  readonly v2mFrames: V2mFrame[] = [];

  constructor(opts: Gicv3Options) {
    const n = opts.mpidrs.length;
    if (n < 1 || n > 0xffff) throw new ConfigError("Gicv3: `mpidrs` must list between 1 and 65535 CPUs");
    const affs = new Set(opts.mpidrs.map((m) => Math.floor(m / 2 ** 32) * 2 ** 24 + (m & 0xffffff)));
    if (affs.size !== n)
      throw new ConfigError("Gicv3: two CPUs in `mpidrs` have the same affinity; give each a unique MPIDR");
    const spiCount = opts.spiCount ?? 224;
    if (!Number.isInteger(spiCount) || spiCount < 0 || spiCount > 960 || spiCount % 32 !== 0) {
      throw new ConfigError(`Gicv3: spiCount ${spiCount} must be a multiple of 32 between 0 and 960`);
    }
    const lpiIdBits = opts.lpiIdBits ?? 16;
    if (!Number.isInteger(lpiIdBits) || lpiIdBits < 14 || lpiIdBits > 24) {
      throw new ConfigError(`Gicv3: lpiIdBits ${lpiIdBits} must be between 14 and 24`);
    }
    const regionSizes = opts.redistributorRegions ?? [n];
    if (
      regionSizes.reduce((a, b) => a + b, 0) !== n ||
      regionSizes.some((x) => !Number.isInteger(x) || x < 1)
    ) {
      throw new ConfigError(
        `Gicv3: redistributorRegions [${regionSizes.join(", ")}] must be positive and add up to ${n} CPUs`,
      );
    }
    const lastInRegion: boolean[] = new Array(n).fill(false);
    let at = 0;
    for (const r of regionSizes) {
      at += r;
      lastInRegion[at - 1] = true;
    }
    this.cpuCount = n;
    this.spiCount = spiCount;
    this.state = new GicState(
      { mpidrs: opts.mpidrs, spiCount, lpiIdBits, lpis: opts.lpis ?? true, lastInRegion },
      opts.irqLines ?? [],
      opts.fiqLines ?? [],
      opts.dma,
    );
    this.distributor = new Distributor(this.state);
    this.cpuInterface = new CpuInterface(this.state);
    this.regs = new RedistributorRegs(this.state);
    at = 0;
    for (const r of regionSizes) {
      this.regions.push(new RedistributorRegion(this.regs, this.state.pes.slice(at, at + r)));
      at += r;
    }
    this.cpuControllers = this.state.pes.map((pe) => ({
      setIrqLevel: (intid: number, level: boolean) => {
        if (intid < 32) this.state.setPrivateLevel(pe, intid, level);
        else this.setIrqLevel(intid, level);
      },
      pulseIrq: (intid: number) => {
        if (intid < 32) this.state.pulsePrivate(pe, intid);
        else this.pulseIrq(intid);
      },
    }));
  }

  /**
   * The monitor's `info irq`: GICD_CTLR, each PE's CPU interface, then one row per interrupt that
   * is enabled, pending or active (SGIs and PPIs per PE, then SPIs) with its trigger, priority,
   * group and target.
   */
  irqInfo(): string {
    return formatGicIrqs(this.state, this.distributor.read(0, 4));
  }

  /** Snapshot state version (Snapshottable, @armature/core). */
  readonly stateVersion = 1;

  /** Save the distributor, redistributors, CPU interfaces and ITSs (LPI/ITS tables live in RAM). */
  saveState(w: StateWriter): void {
    saveGicState(this.state, w);
    w.u32(this.itss.length);
    for (const its of this.itss) its.saveState(w);
  }

  /** Parse a saved state; the commit applies it without driving any line (Snapshottable). */
  loadState(r: StateReader): () => void {
    const core = loadGicState(this.state, r);
    r.expect(this.itss.length, "ITS count");
    const itss = this.itss.map((its) => its.loadState(r));
    return () => {
      core();
      for (const c of itss) c();
    };
  }

  /** Connect (or reconnect) a vCPU's IRQ and FIQ inputs. */
  connectCpu(cpu: number, irq: IrqLine, fiq?: IrqLine): void {
    const pe = this.state.pes[cpu];
    if (pe === undefined)
      throw new ConfigError(`Gicv3.connectCpu: CPU ${cpu} does not exist (have ${this.cpuCount})`);
    pe.irqLine = irq;
    if (fiq !== undefined) pe.fiqLine = fiq;
    pe.irqOut = false;
    pe.fiqOut = false;
    irq.set(false);
    fiq?.set(false);
    this.state.update();
  }

  /** Give (or replace) the DMA space used for LPI and ITS tables. */
  setDma(dma: DmaSpace): void {
    this.state.dma = dma;
  }

  /** Redistributor region `k` (128 KiB per CPU) as one MMIO device, and its size in bytes. */
  redistributorRegion(k = 0): MmioDevice & { readonly size: number } {
    const r = this.regions[k];
    if (r === undefined)
      throw new ConfigError(`Gicv3: redistributor region ${k} does not exist (have ${this.regions.length})`);
    return r;
  }

  get redistributorRegionCount(): number {
    return this.regions.length;
  }

  /** The 128 KiB RD_base + SGI_base frame of one CPU, for boards that place them one by one. */
  redistributor(cpu: number): MmioDevice {
    const pe = this.state.pes[cpu];
    if (pe === undefined) throw new ConfigError(`Gicv3.redistributor: CPU ${cpu} does not exist`);
    return new RedistributorRegion(this.regs, [pe]);
  }

  static readonly redistributorFrameSize = GICR_FRAME_SIZE;

  // ---- IrqController: SPIs ----

  setIrqLevel(intid: number, level: boolean): void {
    if (intid < 32 || intid >= this.state.nIrq) throw this.badInput(intid);
    this.state.setSpiLevel(intid, level);
  }

  pulseIrq(intid: number): void {
    if (intid < 32 || intid >= this.state.nIrq) throw this.badInput(intid);
    this.state.pulseSpi(intid);
  }

  private badInput(intid: number): ConfigError {
    return new ConfigError(
      intid < 32
        ? `Gicv3: INTID ${intid} is private to a CPU; wire it with gic.ppiLine(cpu, ${intid}) or gic.cpuIrqController(cpu)`
        : `Gicv3: INTID ${intid} is not an SPI of this GIC (SPIs are 32..${this.state.nIrq - 1}); raise spiCount`,
    );
  }

  /** An IrqController view of one CPU: INTIDs 0-31 are that CPU's SGIs/PPIs, others are SPIs. */
  cpuIrqController(cpu: number): IrqController {
    const c = this.cpuControllers[cpu];
    if (c === undefined) throw new ConfigError(`Gicv3.cpuIrqController: CPU ${cpu} does not exist`);
    return c;
  }

  /** A line into PPI `intid` (16..31) of one CPU, e.g. the generic timer's 27 and 30. */
  ppiLine(cpu: number, intid: number): IrqLine {
    if (!Number.isInteger(intid) || intid < 16 || intid > 31) {
      throw new ConfigError(`Gicv3.ppiLine: INTID ${intid} is not a PPI (16..31)`);
    }
    const c = this.cpuIrqController(cpu);
    return { set: (level: boolean) => c.setIrqLevel(intid, level), pulse: () => c.pulseIrq(intid) };
  }

  // ---- MSI controllers ----

  /** Add an ITS (needs LPIs). Place `its` (128 KiB) on the bus at `opts.base`. */
  createIts(opts: ItsOptions): Its {
    if (!this.state.lpis) throw new ConfigError("Gicv3.createIts: this GIC was built with lpis: false");
    const d = opts.deviceIdBits ?? 16;
    const e = opts.eventIdBits ?? 16;
    if (d < 1 || d > 32 || e < 1 || e > 32)
      throw new ConfigError("Gicv3.createIts: deviceIdBits/eventIdBits must be 1..32");
    const its = new Its(this.state, opts);
    this.itss.push(its);
    return its;
  }

  /** Add a GICv2m MSI frame mapping MSI_SETSPI_NS writes onto SPIs [spiBase, spiBase + spiCount). */
  createV2m(opts: V2mOptions): V2mFrame {
    if (opts.spiBase < 32 || opts.spiCount < 1 || opts.spiBase + opts.spiCount > this.state.nIrq) {
      throw new ConfigError(
        `Gicv3.createV2m: SPI range [${opts.spiBase}, ${opts.spiBase + opts.spiCount}) is not within this GIC's SPIs 32..${this.state.nIrq - 1}`,
      );
    }
    const f = new V2mFrame(this.state, opts);
    this.v2mFrames.push(f);
    return f;
  }

  // ---- inspection (host side, for tests and debuggers) ----

  /** The INTID a CPU would see in ICC_HPPIR (either group), or 1023. */
  highestPending(cpu: number): number {
    return this.state.pes[cpu]?.hppi ?? INTID_SPURIOUS;
  }

  /** Whether the CPU's IRQ (Group 1) or FIQ (Group 0) output is asserted. */
  signalled(cpu: number): { irq: boolean; fiq: boolean } {
    const pe = this.state.pes[cpu];
    return { irq: pe?.irqOut ?? false, fiq: pe?.fiqOut ?? false };
  }

  // ---- firmware description ----

  /** Add this GIC's DT node (and its ITS / GICv2m children) under `parent`. See describeGicDt. */
  describe(
    parent: FdtNode,
    placement: GicPlacement,
    phandles?: { gic?: number; its?: readonly number[]; v2m?: readonly number[] },
  ): GicDtNodes {
    return describeGicDt(this, parent, placement, phandles);
  }

  /** The MADT structures (GICD, GICC per CPU, GICR, ITS, MSI frames) as plain data. */
  madt(placement: GicPlacement, opts?: MadtOptions): MadtGicStructure[] {
    return gicMadtStructures(this, placement, opts);
  }
}
