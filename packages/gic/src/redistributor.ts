import { DmaStatus, type MmioDevice } from "@armature/core";
import { idRegister } from "./distributor.js";
import {
  GICR_CLRLPIR,
  GICR_CTLR,
  GICR_CTLR_ENABLE_LPIS,
  GICR_FRAME_SIZE,
  GICR_ICACTIVER0,
  GICR_ICENABLER0,
  GICR_ICFGR0,
  GICR_ICFGR1,
  GICR_ICPENDR0,
  GICR_IGROUPR0,
  GICR_IIDR,
  GICR_INVALLR,
  GICR_INVLPIR,
  GICR_IPRIORITYR,
  GICR_ISACTIVER0,
  GICR_ISENABLER0,
  GICR_ISPENDR0,
  GICR_PENDBASER,
  GICR_PROPBASER,
  GICR_SETLPIR,
  GICR_SGI_BASE,
  GICR_SYNCR,
  GICR_TYPER,
  GICR_TYPER_LAST,
  GICR_TYPER_PLPIS,
  GICR_WAKER,
  GICR_WAKER_CHILDREN_ASLEEP,
  GICR_WAKER_PROCESSOR_SLEEP,
  IIDR_VALUE,
  LPI_BASE,
} from "./regs.js";
import { type GicState, log, type PeState, PRI_MASK, setClear } from "./state.js";

const PROPBASER_LO_MASK = 0xfffff000 | (7 << 7) | (3 << 10) | 0x1f; // PA[31:12], InnerCache, Shareability, IDbits
const PENDBASER_LO_MASK = 0xffff0000 | (7 << 7) | (3 << 10); // PA[31:16], InnerCache, Shareability
const BASER_HI_MASK = 0x000fffff | (7 << 24); // PA[51:32], OuterCache[58:56]
const PENDBASER_PTZ_HI = 1 << 30;

const scan = new Uint8Array(4096);

/** Register access to one PE's redistributor: RD_base at 0, SGI_base at 64 KiB (12.10, 12.11). */
export class RedistributorRegs {
  constructor(private readonly s: GicState) {}

  typerLo(pe: PeState): number {
    const last = this.s.lastInRegion[pe.index] ? GICR_TYPER_LAST : 0;
    return ((this.s.lpis ? GICR_TYPER_PLPIS : 0) | last | ((pe.index & 0xffff) << 8)) >>> 0;
  }

  read(pe: PeState, offset: number, size: 1 | 2 | 4): number {
    if (offset >= GICR_SGI_BASE + GICR_IPRIORITYR && offset < GICR_SGI_BASE + GICR_IPRIORITYR + 32) {
      let v = 0;
      const base = offset - GICR_SGI_BASE - GICR_IPRIORITYR;
      for (let i = 0; i < size && base + i < 32; i++) v |= pe.prio[base + i]! << (8 * i);
      return v >>> 0;
    }
    if (size !== 4) {
      const word = this.read(pe, offset & ~3, 4);
      return (word >>> (8 * (offset & 3))) & (size === 1 ? 0xff : 0xffff);
    }
    const s = this.s;
    if (offset >= 0xffd0 && offset < 0x10000) return idRegister(offset, 0x93);
    switch (offset) {
      case GICR_CTLR:
        return pe.enableLpis ? GICR_CTLR_ENABLE_LPIS : 0;
      case GICR_IIDR:
        return IIDR_VALUE;
      case GICR_TYPER:
        return this.typerLo(pe);
      case GICR_TYPER + 4:
        return pe.aff;
      case GICR_WAKER:
        return pe.sleep ? GICR_WAKER_PROCESSOR_SLEEP | GICR_WAKER_CHILDREN_ASLEEP : 0;
      case GICR_PROPBASER:
        return s.lpis ? pe.propLo >>> 0 : 0;
      case GICR_PROPBASER + 4:
        return s.lpis ? pe.propHi >>> 0 : 0;
      case GICR_PENDBASER:
        return s.lpis ? pe.pendLo >>> 0 : 0;
      case GICR_PENDBASER + 4:
        return s.lpis ? (pe.pendHi & ~PENDBASER_PTZ_HI) >>> 0 : 0; // PTZ reads as 0
      case GICR_SYNCR:
        return 0; // never busy: every effect is immediate
      case GICR_SGI_BASE + GICR_IGROUPR0:
        return pe.group >>> 0;
      case GICR_SGI_BASE + GICR_ISENABLER0:
      case GICR_SGI_BASE + GICR_ICENABLER0:
        return pe.enable >>> 0;
      case GICR_SGI_BASE + GICR_ISPENDR0:
      case GICR_SGI_BASE + GICR_ICPENDR0:
        return (pe.pend | (pe.level & ~pe.edge)) >>> 0;
      case GICR_SGI_BASE + GICR_ISACTIVER0:
      case GICR_SGI_BASE + GICR_ICACTIVER0:
        return pe.active >>> 0;
      case GICR_SGI_BASE + GICR_ICFGR0:
        return 0xaaaaaaaa; // SGIs are edge-triggered (RO)
      case GICR_SGI_BASE + GICR_ICFGR1: {
        let v = 0;
        for (let i = 0; i < 16; i++) if ((pe.edge >>> (16 + i)) & 1) v |= 2 << (2 * i);
        return v >>> 0;
      }
      case GICR_SGI_BASE + 0xffe8:
        return 0; // SGI_base ID space is reserved
      default:
        return 0; // reserved, IGRPMODR0/NSACR (DS=1): RAZ
    }
  }

  write(pe: PeState, offset: number, size: 1 | 2 | 4, value: number): void {
    const s = this.s;
    if (offset >= GICR_SGI_BASE + GICR_IPRIORITYR && offset < GICR_SGI_BASE + GICR_IPRIORITYR + 32) {
      const base = offset - GICR_SGI_BASE - GICR_IPRIORITYR;
      for (let i = 0; i < size && base + i < 32; i++) pe.prio[base + i] = (value >>> (8 * i)) & PRI_MASK;
      s.update();
      return;
    }
    if (size !== 4) {
      log.warn("gicr-size", `GICR${pe.index}: ${size}-byte write at 0x${offset.toString(16)} ignored`);
      return;
    }
    const v = value >>> 0;
    switch (offset) {
      case GICR_CTLR: {
        if (!s.lpis) return;
        const en = (v & GICR_CTLR_ENABLE_LPIS) !== 0;
        if (en && !pe.enableLpis) {
          pe.enableLpis = true;
          this.loadPendingTable(pe);
        } else if (!en && pe.enableLpis) {
          pe.enableLpis = false;
          pe.lpis.clear();
        }
        s.update();
        return;
      }
      case GICR_WAKER: {
        // The handshake completes at once: ChildrenAsleep follows ProcessorSleep (12.11.42).
        pe.sleep = (v & GICR_WAKER_PROCESSOR_SLEEP) !== 0;
        s.update();
        return;
      }
      case GICR_PROPBASER:
      case GICR_PROPBASER + 4:
      case GICR_PENDBASER:
      case GICR_PENDBASER + 4:
        if (!s.lpis) return;
        if (pe.enableLpis) {
          // UNPREDICTABLE while EnableLPIs == 1 (12.11.33): we keep the old value.
          log.warn("gicr-baser", `GICR${pe.index}: PROPBASER/PENDBASER write while EnableLPIs=1 ignored`);
          return;
        }
        if (offset === GICR_PROPBASER) pe.propLo = v & PROPBASER_LO_MASK;
        else if (offset === GICR_PROPBASER + 4) pe.propHi = v & BASER_HI_MASK;
        else if (offset === GICR_PENDBASER) pe.pendLo = v & PENDBASER_LO_MASK;
        else pe.pendHi = v & (BASER_HI_MASK | PENDBASER_PTZ_HI);
        return;
      case GICR_SETLPIR:
        if (s.lpis) s.setLpiPending(pe, v, true);
        return;
      case GICR_CLRLPIR:
        if (s.lpis) s.setLpiPending(pe, v, false);
        return;
      case GICR_INVLPIR:
        if (s.lpis) s.invalidateLpis(pe, v);
        return;
      case GICR_INVALLR:
        if (s.lpis) s.invalidateLpis(pe);
        return;
      case GICR_SETLPIR + 4:
      case GICR_CLRLPIR + 4:
      case GICR_INVLPIR + 4:
      case GICR_INVALLR + 4:
        return;
      case GICR_SGI_BASE + GICR_IGROUPR0:
        pe.group = v;
        break;
      case GICR_SGI_BASE + GICR_ISENABLER0:
      case GICR_SGI_BASE + GICR_ICENABLER0:
        pe.enable = setClear(pe.enable, v, offset === GICR_SGI_BASE + GICR_ISENABLER0);
        break;
      case GICR_SGI_BASE + GICR_ISPENDR0:
      case GICR_SGI_BASE + GICR_ICPENDR0:
        pe.pend = setClear(pe.pend, v, offset === GICR_SGI_BASE + GICR_ISPENDR0);
        break;
      case GICR_SGI_BASE + GICR_ISACTIVER0:
      case GICR_SGI_BASE + GICR_ICACTIVER0:
        pe.active = setClear(pe.active, v, offset === GICR_SGI_BASE + GICR_ISACTIVER0);
        break;
      case GICR_SGI_BASE + GICR_ICFGR1: {
        let edges = 0;
        for (let i = 0; i < 16; i++) if ((v >>> (2 * i + 1)) & 1) edges |= 1 << (16 + i);
        pe.edge = (0x0000ffff | edges) >>> 0;
        break;
      }
      default:
        if (offset === GICR_TYPER || offset === GICR_TYPER + 4 || offset === GICR_IIDR) {
          log.warn(
            "gicr-ro",
            `GICR${pe.index}: write to read-only register 0x${offset.toString(16)} ignored`,
          );
        }
        return;
    }
    s.update();
  }

  /** On EnableLPIs 0->1, take pending bits from the LPI Pending table unless PTZ (6.1.2). */
  private loadPendingTable(pe: PeState): void {
    const s = this.s;
    const ptz = (pe.pendHi & PENDBASER_PTZ_HI) !== 0;
    pe.pendHi &= ~PENDBASER_PTZ_HI;
    if (ptz || s.dma === undefined) return;
    const base = (pe.pendHi & 0xfffff) * 2 ** 32 + ((pe.pendLo & 0xffff0000) >>> 0);
    const idBits = Math.min((pe.propLo & 0x1f) + 1, s.lpiIdBits);
    const end = 2 ** idBits / 8;
    for (let off = LPI_BASE / 8; off < end; off += scan.length) {
      const n = Math.min(scan.length, end - off);
      const chunk = scan.subarray(0, n);
      if (s.dma.read(base + off, chunk) !== DmaStatus.Ok) {
        log.warn("pendbase", `GICR${pe.index}: LPI pending table at 0x${base.toString(16)} is not RAM`);
        return;
      }
      for (let i = 0; i < n; i++) {
        const byte = chunk[i]!;
        if (byte === 0) continue;
        for (let b = 0; b < 8; b++) {
          if ((byte >>> b) & 1) {
            const id = (off + i) * 8 + b;
            pe.lpis.set(id, s.readLpiConfig(pe, id));
          }
        }
      }
    }
  }
}

/** A contiguous run of redistributor frames (128 KiB each) as one MMIO device. */
export class RedistributorRegion implements MmioDevice {
  constructor(
    private readonly regs: RedistributorRegs,
    private readonly pes: readonly PeState[],
  ) {}

  get size(): number {
    return this.pes.length * GICR_FRAME_SIZE;
  }

  read(offset: number, size: 1 | 2 | 4): number {
    const pe = this.pes[Math.floor(offset / GICR_FRAME_SIZE)];
    if (pe === undefined) return 0;
    return this.regs.read(pe, offset % GICR_FRAME_SIZE, size);
  }

  write(offset: number, size: 1 | 2 | 4, value: number): void {
    const pe = this.pes[Math.floor(offset / GICR_FRAME_SIZE)];
    if (pe === undefined) return;
    this.regs.write(pe, offset % GICR_FRAME_SIZE, size, value);
  }
}
