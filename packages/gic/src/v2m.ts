import type { MmioDevice, MsiSink } from "@armature/core";
import { MSI_IIDR, MSI_SETSPI_NS, MSI_TYPER } from "./regs.js";
import { type GicState, log } from "./state.js";

export interface V2mOptions {
  /** Guest-physical base of the 4 KiB frame (MSI_SETSPI_NS is at base + 0x40). */
  base: number;
  /** First SPI INTID of the range (>= 32). */
  spiBase: number;
  /** Number of SPIs in the range. */
  spiCount: number;
}

/**
 * A GICv2m MSI frame (Arm SBSA / "GICv2m architecture specification"): MSI_TYPER gives the SPI
 * range, and a write of an INTID in that range to MSI_SETSPI_NS makes that SPI pending (an edge).
 */
export class V2mFrame implements MmioDevice, MsiSink {
  readonly base: number;
  readonly spiBase: number;
  readonly spiCount: number;

  constructor(
    private readonly s: GicState,
    opts: V2mOptions,
  ) {
    this.base = opts.base;
    this.spiBase = opts.spiBase;
    this.spiCount = opts.spiCount;
  }

  read(offset: number, size: 1 | 2 | 4): number {
    if (size !== 4) return 0;
    switch (offset) {
      case MSI_TYPER:
        return ((this.spiBase & 0x3ff) << 16) | (this.spiCount & 0x3ff);
      case MSI_IIDR:
        return 0x0000043b; // Arm implementer, no product
      default:
        return 0; // MSI_SETSPI_NS is write-only
    }
  }

  write(offset: number, size: 1 | 2 | 4, value: number): void {
    if (offset === MSI_SETSPI_NS && size !== 1) {
      this.setSpi(size === 2 ? value & 0xffff : value);
      return;
    }
    log.warn("v2m-write", `GICv2m: write at 0x${offset.toString(16)} ignored`);
  }

  sendMsi(address: number, data: number, _deviceId: number): boolean {
    if (address !== this.base + MSI_SETSPI_NS) return false;
    return this.setSpi(data);
  }

  private setSpi(value: number): boolean {
    const id = value & 0x3ff;
    if (id < this.spiBase || id >= this.spiBase + this.spiCount) {
      log.warn(
        "v2m-range",
        `GICv2m: MSI for INTID ${id} outside SPI range [${this.spiBase}, ${this.spiBase + this.spiCount})`,
      );
      return false;
    }
    this.s.pulseSpi(id);
    return true;
  }
}
