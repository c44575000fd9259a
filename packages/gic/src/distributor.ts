import type { MmioDevice } from "@armature/core";
import {
  GICD_CLRSPI_NSR,
  GICD_CTLR,
  GICD_CTLR_ARE,
  GICD_CTLR_DS,
  GICD_ICACTIVER,
  GICD_ICENABLER,
  GICD_ICFGR,
  GICD_ICPENDR,
  GICD_IGROUPR,
  GICD_IIDR,
  GICD_IPRIORITYR,
  GICD_IROUTER,
  GICD_ISACTIVER,
  GICD_ISENABLER,
  GICD_ISPENDR,
  GICD_SETSPI_NSR,
  GICD_TYPER,
  IIDR_VALUE,
  PIDR2_GICV3,
} from "./regs.js";
import { type GicState, log, PRI_MASK, setClear } from "./state.js";

/** CoreSight-style ID registers at 0xFFD0..0xFFFC shared by every GIC frame (12.1.4). */
export function idRegister(offset: number, pidr0: number): number {
  switch (offset) {
    case 0xffe0:
      return pidr0;
    case 0xffe4:
      return 0xb4; // PIDR1: JEP106 identity low bits of Arm (0x3B)
    case 0xffe8:
      return PIDR2_GICV3;
    case 0xfff0:
      return 0x0d;
    case 0xfff4:
      return 0xf0;
    case 0xfff8:
      return 0x05;
    case 0xfffc:
      return 0xb1;
    default:
      return 0;
  }
}

/** Read a bitmap register word: bit i of word `w` is INTID 32*w+i. */
function bitmapWord(arr: Uint32Array, w: number): number {
  return (arr[w] ?? 0) >>> 0;
}

/**
 * GICD: the 64 KiB distributor frame (12.9). Affinity routing is always enabled
 * (GICD_CTLR.ARE is RAO/WI: this GIC does not implement legacy operation) and there is a single
 * Security state (GICD_CTLR.DS RAO/WI). Registers of INTIDs 0-31 are RAZ/WI here: they live in
 * each redistributor's SGI_base frame.
 */
export class Distributor implements MmioDevice {
  constructor(private readonly s: GicState) {}

  typer(): number {
    const s = this.s;
    const itLines = (s.nIrq >>> 5) - 1;
    const cpuNumber = Math.min(s.pes.length - 1, 7);
    const idBits = s.lpis ? s.lpiIdBits - 1 : 9;
    return (
      (itLines |
        (cpuNumber << 5) |
        (1 << 16) | // MBIS: GICD_SETSPI_NSR / CLRSPI_NSR supported
        ((s.lpis ? 1 : 0) << 17) |
        (idBits << 19) |
        (1 << 24) | // A3V: Aff3 supported
        (1 << 25) | // No1N: 1-of-N SPI routing not supported
        (1 << 26)) >>> // RSS: SGIs reach Aff0 0-255
      0
    );
  }

  read(offset: number, size: 1 | 2 | 4): number {
    const s = this.s;
    if (offset >= GICD_IPRIORITYR && offset < 0x800) {
      let v = 0;
      for (let i = 0; i < size; i++) {
        const id = offset - GICD_IPRIORITYR + i;
        if (id >= 32 && id < s.nIrq) v |= s.spiPrio[id]! << (8 * i);
      }
      return v >>> 0;
    }
    if (size !== 4) {
      // Byte/halfword reads of word registers: read the word and extract.
      const word = this.read(offset & ~3, 4);
      return (word >>> (8 * (offset & 3))) & (size === 1 ? 0xff : 0xffff);
    }
    if (offset >= GICD_IROUTER + 8 * 32 && offset < GICD_IROUTER + 8 * 1020) {
      const id = (offset - GICD_IROUTER) >>> 3;
      if (id >= s.nIrq) return 0;
      const r = s.spiRoute[id]!;
      return (offset & 4) === 0 ? r & 0xffffff : r >>> 24;
    }
    if (offset >= 0xffd0) return idRegister(offset, 0x92);
    const w = (offset & 0x7f) >>> 2;
    switch (offset & ~0x7f) {
      case GICD_IGROUPR:
        return w === 0 ? 0 : bitmapWord(s.spiGroup, w);
      case GICD_ISENABLER:
      case GICD_ICENABLER:
        return w === 0 ? 0 : bitmapWord(s.spiEnable, w);
      case GICD_ISPENDR:
      case GICD_ICPENDR:
        return w === 0 || w >= s.spiPend.length
          ? 0
          : (s.spiPend[w]! | (s.spiLevel[w]! & ~s.spiEdge[w]!)) >>> 0;
      case GICD_ISACTIVER:
      case GICD_ICACTIVER:
        return w === 0 ? 0 : bitmapWord(s.spiActive, w);
    }
    if (offset >= GICD_ICFGR && offset < GICD_ICFGR + 0x100) {
      const n = (offset - GICD_ICFGR) >>> 2; // 16 INTIDs per word
      if (n < 2) return n === 0 ? 0xaaaaaaaa : 0; // SGIs edge; PPIs read from GICR
      const edges = bitmapWord(s.spiEdge, n >>> 1) >>> ((n & 1) * 16);
      let v = 0;
      for (let i = 0; i < 16; i++) if ((edges >>> i) & 1) v |= 2 << (2 * i);
      return v >>> 0;
    }
    switch (offset) {
      case GICD_CTLR:
        return (s.ctlr | GICD_CTLR_ARE | GICD_CTLR_DS) >>> 0;
      case GICD_TYPER:
        return this.typer();
      case GICD_IIDR:
        return IIDR_VALUE;
      default:
        return 0; // reserved, ITARGETSR (ARE=1), IGRPMODR/NSACR (DS=1), TYPER2, STATUSR: RAZ
    }
  }

  write(offset: number, size: 1 | 2 | 4, value: number): void {
    const s = this.s;
    if (offset >= GICD_IPRIORITYR && offset < 0x800) {
      for (let i = 0; i < size; i++) {
        const id = offset - GICD_IPRIORITYR + i;
        if (id >= 32 && id < s.nIrq) s.spiPrio[id] = (value >>> (8 * i)) & PRI_MASK;
      }
      s.update();
      return;
    }
    if (size !== 4) {
      log.warn("gicd-size", `GICD: ${size}-byte write at 0x${offset.toString(16)} ignored (word register)`);
      return;
    }
    if (offset >= GICD_IROUTER + 8 * 32 && offset < GICD_IROUTER + 8 * 1020) {
      const id = (offset - GICD_IROUTER) >>> 3;
      if (id >= s.nIrq) return;
      const r = s.spiRoute[id]!;
      // IRM (bit 31) is RAZ/WI because GICD_TYPER.No1N = 1.
      s.spiRoute[id] =
        (offset & 4) === 0 ? (r & 0xff000000) | (value & 0xffffff) : ((value & 0xff) << 24) | (r & 0xffffff);
      s.retarget(id);
      s.update();
      return;
    }
    const w = (offset & 0x7f) >>> 2;
    const v = value >>> 0;
    const inSpi = w > 0 && w < s.spiEnable.length;
    const bank = offset & ~0x7f;
    switch (bank) {
      case GICD_IGROUPR:
        if (inSpi) s.spiGroup[w] = v;
        s.update();
        return;
      case GICD_ISENABLER:
      case GICD_ICENABLER:
      case GICD_ISPENDR:
      case GICD_ICPENDR:
      case GICD_ISACTIVER:
      case GICD_ICACTIVER: {
        // Set/clear pairs: the set form at 0x100/0x200/0x300, the clear form 0x80 above it.
        const bits = bank < GICD_ISPENDR ? s.spiEnable : bank < GICD_ISACTIVER ? s.spiPend : s.spiActive;
        if (inSpi) bits[w] = setClear(bits[w]!, v, (bank & 0x80) === 0);
        s.update();
        return;
      }
    }
    if (offset >= GICD_ICFGR && offset < GICD_ICFGR + 0x100) {
      const n = (offset - GICD_ICFGR) >>> 2;
      const ew = n >>> 1;
      if (n < 2 || ew >= s.spiEdge.length) return;
      let edges = 0;
      for (let i = 0; i < 16; i++) if ((v >>> (2 * i + 1)) & 1) edges |= 1 << i;
      const shift = (n & 1) * 16;
      s.spiEdge[ew] = ((s.spiEdge[ew]! & ~(0xffff << shift)) | (edges << shift)) >>> 0;
      s.update();
      return;
    }
    switch (offset) {
      case GICD_CTLR:
        s.ctlr = v & 3; // EnableGrp0, EnableGrp1; ARE and DS are RAO/WI
        s.update();
        return;
      case GICD_SETSPI_NSR:
      case GICD_CLRSPI_NSR: {
        const id = v & 0x1fff;
        if (id < 32 || id >= s.nIrq) {
          log.warn("setspi", `GICD: SETSPI/CLRSPI of INTID ${id} that is not an SPI ignored`);
          return;
        }
        if (offset === GICD_SETSPI_NSR) s.pulseSpi(id);
        else {
          s.spiPend[id >>> 5]! &= ~(1 << (id & 31));
          s.update();
        }
        return;
      }
      default:
        if (offset === GICD_TYPER || offset === GICD_IIDR || offset >= 0xffd0) {
          log.warn("gicd-ro", `GICD: write to read-only register 0x${offset.toString(16)} ignored`);
        }
    }
  }
}
