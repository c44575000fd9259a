import type { Bus, MmioDevice, PciBar, PciFunction, PciFunctionHost, PciIds } from "@armature/core";
import { ScratchMmio } from "@armature/core/test";
import { MsiCapability, MsixCapability, PciConfigSpace } from "../capabilities.js";

export interface FakePciFunctionOptions {
  ids?: Partial<PciIds>;
  /** BARs to expose: each gets a ScratchMmio (core/test) unless it is the MSI-X BAR. */
  bars?: Array<Omit<PciBar, "device">>;
  /** Add an MSI capability with this many vectors. */
  msiVectors?: number;
  /** Add MSI-X with this many vectors; table at 0 and PBA at 0x800 of `msixBar` (default BAR 0). */
  msixVectors?: number;
  msixBar?: number;
}

/**
 * A small configurable PCI function for testing host bridges and drivers: BARs backed by plain
 * memory, optional MSI and MSI-X capabilities built with this package's helpers.
 */
export class FakePciFunction implements PciFunction {
  readonly ids: PciIds;
  readonly bars: PciBar[];
  readonly space = new PciConfigSpace();
  readonly msi: MsiCapability | undefined;
  readonly msix: MsixCapability | undefined;
  readonly memories = new Map<number, ScratchMmio>();
  host: PciFunctionHost | undefined;
  readonly mappedAt = new Map<number, number>();
  commands: number[] = [];

  constructor(o: FakePciFunctionOptions = {}) {
    this.ids = {
      vendorId: 0x1234,
      deviceId: 0x5678,
      revisionId: 2,
      classCode: 0xff0000,
      subsystemVendorId: 0x1234,
      subsystemId: 0x0001,
      interruptPin: 1,
      ...o.ids,
    };
    if (o.msiVectors !== undefined) this.msi = new MsiCapability(this.space, o.msiVectors);
    const msixBar = o.msixBar ?? 0;
    if (o.msixVectors !== undefined) {
      this.msix = new MsixCapability(this.space, {
        vectors: o.msixVectors,
        tableBar: msixBar,
        tableOffset: 0,
        pbaBar: msixBar,
        pbaOffset: 0x800,
      });
    }
    const descs = o.bars ?? [
      { index: 0, size: 0x1000, kind: "mem32", prefetchable: false },
      { index: 2, size: 0x100000, kind: "mem64", prefetchable: true },
    ];
    this.bars = descs.map((d) => {
      const msix = this.msix;
      if (msix !== undefined && d.index === msixBar) {
        const dev: MmioDevice = {
          read: (off, s) => (off >= 0x800 ? msix.readPba(off - 0x800, s) : msix.readTable(off, s)),
          write: (off, s, v) => {
            if (off < 0x800) msix.writeTable(off, s, v);
          },
        };
        return { ...d, device: dev };
      }
      const mem = new ScratchMmio(Math.min(d.size, 1 << 20));
      this.memories.set(d.index, mem);
      return { ...d, device: mem };
    });
  }

  get capabilityPointer(): number {
    return this.space.capabilityPointer;
  }
  configRead(offset: number, size: 1 | 2 | 4): number {
    return this.space.read(offset, size);
  }
  configWrite(offset: number, size: 1 | 2 | 4, value: number): void {
    this.space.write(offset, size, value);
  }
  attach(host: PciFunctionHost): void {
    this.host = host;
    this.msi?.bind(host);
    this.msix?.bind(host);
  }
  barMapped(index: number, address: number): void {
    if (address < 0) this.mappedAt.delete(index);
    else this.mappedAt.set(index, address);
  }
  commandChanged(command: number): void {
    this.commands.push(command);
  }
}

/** Configuration accesses through an ECAM window on a bus (bus/device/function/register). */
export class EcamAccessor {
  constructor(
    readonly bus: Bus,
    readonly ecamBase: number,
  ) {}
  addr(b: number, d: number, f: number, reg: number): number {
    return this.ecamBase + b * (1 << 20) + ((d << 15) | (f << 12) | reg);
  }
  read(d: number, f: number, reg: number, size: 1 | 2 | 4 = 4, b = 0): number {
    return this.bus.read(this.addr(b, d, f, reg), size);
  }
  write(d: number, f: number, reg: number, value: number, size: 1 | 2 | 4 = 4, b = 0): void {
    this.bus.write(this.addr(b, d, f, reg), size, value);
  }
}
