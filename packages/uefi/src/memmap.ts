// The firmware's memory map: typed page ranges over the board's RAM, page allocation
// (AllocateAnyPages top-down below 4 GiB first, AllocateMaxAddress, AllocateAddress) and the
// EFI_MEMORY_DESCRIPTOR encoding GetMemoryMap returns (UEFI 2.10 7.2).

export const EFI_PAGE = 4096;

/** EFI_MEMORY_TYPE. */
export const MemoryType = {
  Reserved: 0,
  LoaderCode: 1,
  LoaderData: 2,
  BootServicesCode: 3,
  BootServicesData: 4,
  RuntimeServicesCode: 5,
  RuntimeServicesData: 6,
  Conventional: 7,
  Unusable: 8,
  AcpiReclaim: 9,
  AcpiNvs: 10,
  MemoryMappedIo: 11,
  MemoryMappedIoPortSpace: 12,
  PalCode: 13,
  Persistent: 14,
} as const;
export type MemoryTypeValue = (typeof MemoryType)[keyof typeof MemoryType];

/** EFI_MEMORY_* attribute bits. */
export const EFI_MEMORY_UC = 0x1n;
export const EFI_MEMORY_WC = 0x2n;
export const EFI_MEMORY_WT = 0x4n;
export const EFI_MEMORY_WB = 0x8n;
export const EFI_MEMORY_RUNTIME = 1n << 63n;

/** sizeof(EFI_MEMORY_DESCRIPTOR) is 40; like EDK2 we report 48 so callers must honour DescriptorSize. */
export const MEMORY_DESCRIPTOR_SIZE = 48;
export const MEMORY_DESCRIPTOR_VERSION = 1;

export interface MemoryRange {
  /** Page-aligned guest-physical start. */
  start: number;
  pages: number;
  type: number;
  attribute: bigint;
}

const isRuntime = (t: number) => t === MemoryType.RuntimeServicesCode || t === MemoryType.RuntimeServicesData;

/** Attributes a RAM range of this type gets in the map. */
function ramAttribute(type: number): bigint {
  const base = EFI_MEMORY_UC | EFI_MEMORY_WC | EFI_MEMORY_WT | EFI_MEMORY_WB;
  return isRuntime(type) ? base | EFI_MEMORY_RUNTIME : base;
}

export class MemoryMap {
  /** Sorted, non-overlapping, adjacent equal ranges merged. */
  private ranges: MemoryRange[] = [];
  /** Changes on every allocation or free (GetMemoryMap's MapKey). */
  key = 1;

  constructor(ram: readonly { base: number; size: number }[]) {
    for (const r of ram) {
      const start = Math.ceil(r.base / EFI_PAGE) * EFI_PAGE;
      const end = Math.floor((r.base + r.size) / EFI_PAGE) * EFI_PAGE;
      if (end > start)
        this.ranges.push({
          start,
          pages: (end - start) / EFI_PAGE,
          type: MemoryType.Conventional,
          attribute: ramAttribute(MemoryType.Conventional),
        });
    }
    this.ranges.sort((a, b) => a.start - b.start);
  }

  /** A copy of the current ranges. */
  entries(): MemoryRange[] {
    return this.ranges.map((r) => ({ ...r }));
  }

  /** Add a non-RAM range (MMIO a runtime service uses) to the map. */
  addMmio(start: number, pages: number, runtime: boolean): void {
    this.ranges.push({
      start,
      pages,
      type: MemoryType.MemoryMappedIo,
      attribute: EFI_MEMORY_UC | (runtime ? EFI_MEMORY_RUNTIME : 0n),
    });
    this.ranges.sort((a, b) => a.start - b.start);
    this.key++;
  }

  /** The type of the range holding [addr, addr + len), or undefined when it spans ranges of different types. */
  typeOf(addr: number, len = 1): number | undefined {
    for (const r of this.ranges) {
      const end = r.start + r.pages * EFI_PAGE;
      if (addr >= r.start && addr < end) return addr + len <= end ? r.type : undefined;
    }
    return undefined;
  }

  /** Whether [addr, addr+len) is RAM that the firmware manages (any type but MMIO). */
  isRam(addr: number, len: number): boolean {
    let a = addr;
    const end = addr + len;
    while (a < end) {
      const r = this.ranges.find((x) => a >= x.start && a < x.start + x.pages * EFI_PAGE);
      if (r === undefined || r.type === MemoryType.MemoryMappedIo) return false;
      a = r.start + r.pages * EFI_PAGE;
    }
    return true;
  }

  /**
   * Allocate `pages` pages of `type`. "any": the highest free range below 4 GiB (then above);
   * "max": the highest fit ending at or below `address` + 1; "address": exactly at `address`.
   * `align` (a power of two, bytes) applies to "any" and "max". Returns the address or undefined.
   */
  allocate(
    kind: "any" | "max" | "address",
    type: number,
    pages: number,
    address = 0,
    align = EFI_PAGE,
  ): number | undefined {
    if (!Number.isInteger(pages) || pages <= 0) return undefined;
    const size = pages * EFI_PAGE;
    if (kind === "address") {
      if (address % EFI_PAGE !== 0) return undefined;
      const r = this.ranges.find(
        (x) =>
          x.type === MemoryType.Conventional &&
          address >= x.start &&
          address + size <= x.start + x.pages * EFI_PAGE,
      );
      if (r === undefined) return undefined;
      this.carve(address, pages, type);
      return address;
    }
    const limits = kind === "max" ? [address + 1] : [2 ** 32, Number.MAX_SAFE_INTEGER];
    for (const limit of limits) {
      for (let i = this.ranges.length - 1; i >= 0; i--) {
        const r = this.ranges[i]!;
        if (r.type !== MemoryType.Conventional) continue;
        const end = Math.min(r.start + r.pages * EFI_PAGE, Math.floor(limit / EFI_PAGE) * EFI_PAGE);
        const at = Math.floor((end - size) / align) * align;
        if (at >= r.start && at + size <= end) {
          this.carve(at, pages, type);
          return at;
        }
      }
    }
    return undefined;
  }

  /**
   * Free pages allocated earlier: every page must be allocated (not Conventional, not MMIO).
   * Returns false (nothing changed) otherwise.
   */
  free(address: number, pages: number): boolean {
    if (address % EFI_PAGE !== 0 || !Number.isInteger(pages) || pages <= 0) return false;
    const end = address + pages * EFI_PAGE;
    let a = address;
    while (a < end) {
      const r = this.ranges.find((x) => a >= x.start && a < x.start + x.pages * EFI_PAGE);
      if (r === undefined || r.type === MemoryType.Conventional || r.type === MemoryType.MemoryMappedIo)
        return false;
      a = r.start + r.pages * EFI_PAGE;
    }
    this.carve(address, pages, MemoryType.Conventional);
    return true;
  }

  /** Retype [start, start + pages) (inside RAM ranges), splitting and merging ranges. */
  private carve(start: number, pages: number, type: number): void {
    const end = start + pages * EFI_PAGE;
    const out: MemoryRange[] = [];
    for (const r of this.ranges) {
      const rEnd = r.start + r.pages * EFI_PAGE;
      if (rEnd <= start || r.start >= end || r.type === MemoryType.MemoryMappedIo) {
        out.push(r);
        continue;
      }
      if (r.start < start) out.push({ ...r, pages: (start - r.start) / EFI_PAGE });
      const s = Math.max(r.start, start);
      const e = Math.min(rEnd, end);
      out.push({ start: s, pages: (e - s) / EFI_PAGE, type, attribute: ramAttribute(type) });
      if (rEnd > end) out.push({ ...r, start: end, pages: (rEnd - end) / EFI_PAGE });
    }
    // Merge neighbours of equal type.
    const merged: MemoryRange[] = [];
    for (const r of out) {
      const last = merged[merged.length - 1];
      if (
        last !== undefined &&
        last.type === r.type &&
        last.attribute === r.attribute &&
        last.start + last.pages * EFI_PAGE === r.start
      )
        last.pages += r.pages;
      else merged.push({ ...r });
    }
    this.ranges = merged;
    this.key++;
  }

  /** The map as GetMemoryMap returns it (descriptors of MEMORY_DESCRIPTOR_SIZE bytes). */
  encode(): Uint8Array {
    const b = new Uint8Array(this.ranges.length * MEMORY_DESCRIPTOR_SIZE);
    const dv = new DataView(b.buffer);
    this.ranges.forEach((r, i) => {
      const o = i * MEMORY_DESCRIPTOR_SIZE;
      dv.setUint32(o, r.type, true);
      dv.setBigUint64(o + 8, BigInt(r.start), true);
      dv.setBigUint64(o + 16, 0n, true);
      dv.setBigUint64(o + 24, BigInt(r.pages), true);
      dv.setBigUint64(o + 32, r.attribute, true);
    });
    return b;
  }

  /** Size in bytes of encode()'s result. */
  get encodedSize(): number {
    return this.ranges.length * MEMORY_DESCRIPTOR_SIZE;
  }
}
