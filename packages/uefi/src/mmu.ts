// The MMU state UEFI's AArch64 binding (UEFI 2.10 2.3.6) asks for at an image's entry: an
// identity map, RAM Normal write-back, devices Device-nGnRE; 4 KiB granule, 48-bit VA (TTBR0 only).
// Also a side-effect-free stage 1 walk, for the runtime services' pointer arguments after
// SetVirtualAddressMap (they are the OS's virtual addresses).

/** MAIR_EL1: Attr0 Normal WB RA/WA (0xff), Attr1 Device-nGnRE (0x04), Attr2 Normal non-cacheable (0x44). */
export const MAIR_VALUE = 0x44_04_ffn;
/**
 * TCR_EL1: T0SZ 16 (48-bit VA), IRGN0/ORGN0 WB RA/WA, SH0 inner shareable, TG0 4 KiB, EPD1 (no
 * TTBR1 walks), IPS 0b010 (40-bit PA, 1 TiB).
 */
export const TCR_VALUE = 16n | (1n << 8n) | (1n << 10n) | (3n << 12n) | (1n << 23n) | (2n << 32n);
/** SCTLR_EL1: M, C, SA, SA0, I plus the ARMv8.0 RES1 bits 11, 20, 22, 23, 28, 29. */
export const SCTLR_VALUE = 0x30d0_181dn;
/** CPACR_EL1.FPEN = 0b11: FP/SIMD enabled at EL1 and EL0 (the binding requires FP usable). */
export const CPACR_VALUE = 3n << 20n;

const PA_LIMIT = 2 ** 40;
const VALID = 1n;
const TABLE = 3n;
const AF = 1n << 10n;
const SH_INNER = 3n << 8n;
const PXN = 1n << 53n;
const UXN = 1n << 54n;
const NORMAL = AF | SH_INNER; // AttrIndx 0
const DEVICE = AF | (1n << 2n) | PXN | UXN; // AttrIndx 1

export interface MapRange {
  base: number;
  size: number;
  kind: "normal" | "device";
}

interface Table {
  entries: (bigint | Table)[];
}

/**
 * Build identity-mapping tables for `ranges` (4 KiB aligned; ranges at or above 1 TiB are
 * skipped). `alloc(n)` returns the physical address of n zeroed, contiguous 4 KiB pages.
 * Returns TTBR0 and the pages to write.
 */
export function buildIdentityMap(
  ranges: readonly MapRange[],
  alloc: (pages: number) => number,
): { ttbr0: number; pages: { address: number; bytes: Uint8Array }[] } {
  const root: Table = { entries: new Array(512).fill(0n) };
  let tables = 1;
  const mapOne = (t: Table, level: number, va: number, end: number, attrs: bigint) => {
    const shift = 39 - 9 * level; // level 0: 512 GiB per entry, 1: 1 GiB, 2: 2 MiB, 3: 4 KiB
    const span = 2 ** shift;
    while (va < end) {
      const idx = Math.floor(va / span) % 512;
      const slotBase = Math.floor(va / span) * span;
      const slotEnd = slotBase + span;
      const chunkEnd = Math.min(end, slotEnd);
      if (level >= 1 && va === slotBase && chunkEnd === slotEnd) {
        t.entries[idx] = BigInt(slotBase) | attrs | (level === 3 ? TABLE : VALID);
      } else {
        let sub = t.entries[idx]!;
        if (typeof sub === "bigint") {
          const child: Table = { entries: new Array(512).fill(0n) };
          tables++;
          if (sub !== 0n) {
            // Split an existing block into the next level's entries.
            const childSpan = span / 512;
            const blockAttrs = sub & ~0x0000_ffff_ffff_f000n & ~3n;
            for (let k = 0; k < 512; k++)
              child.entries[k] =
                BigInt(slotBase + k * childSpan) | blockAttrs | (level + 1 === 3 ? TABLE : VALID);
          }
          t.entries[idx] = child;
          sub = child;
        }
        mapOne(sub, level + 1, va, chunkEnd, attrs);
      }
      va = chunkEnd;
    }
  };
  for (const r of ranges) {
    const end = Math.min(r.base + r.size, PA_LIMIT);
    if (r.base >= end) continue;
    mapOne(root, 0, r.base, end, r.kind === "normal" ? NORMAL : DEVICE);
  }
  const base = alloc(tables);
  const pages: { address: number; bytes: Uint8Array }[] = [];
  const place = (t: Table): number => {
    const address = base + pages.length * 4096;
    const bytes = new Uint8Array(4096);
    pages.push({ address, bytes });
    const dv = new DataView(bytes.buffer);
    t.entries.forEach((e, i) => {
      const v = typeof e === "bigint" ? e : BigInt(place(e)) | TABLE;
      dv.setBigUint64(i * 8, v, true);
    });
    return address;
  };
  const ttbr0 = place(root);
  return { ttbr0, pages };
}

/** The translation registers a stage 1 walk needs. */
export interface TranslationRegs {
  sctlr: bigint;
  tcr: bigint;
  ttbr0: bigint;
  ttbr1: bigint;
}

/**
 * Stage 1 EL1&0 walk of `va` (ARM ARM D8.2), 4/16/64 KiB granules, 48-bit output addresses.
 * Reads descriptors with `read64` (physical). Returns the PA, or undefined for a fault.
 * MMU off: the VA is the PA.
 */
export function walkStage1(
  regs: TranslationRegs,
  va: bigint,
  read64: (pa: number) => bigint | undefined,
): number | undefined {
  return walkStage1Span(regs, va, read64)?.pa;
}

/**
 * `walkStage1`, also saying how many bytes from `va` on the same leaf entry maps (to the end of
 * its page or block; with the MMU off, to the end of the 52-bit PA space), so a caller can move
 * a long range in few steps.
 */
export function walkStage1Span(
  regs: TranslationRegs,
  va: bigint,
  read64: (pa: number) => bigint | undefined,
): { pa: number; span: number } | undefined {
  va = BigInt.asUintN(64, va);
  if ((regs.sctlr & 1n) === 0n)
    return va < 1n << 52n ? { pa: Number(va), span: 2 ** 52 - Number(va) } : undefined;
  const upper = (va >> 55n) & 1n;
  const tcr = regs.tcr;
  const tsz = Number(upper ? (tcr >> 16n) & 63n : tcr & 63n);
  const tg = Number(upper ? (tcr >> 30n) & 3n : (tcr >> 14n) & 3n);
  const granuleBits = upper ? [0, 14, 12, 16][tg]! : [12, 16, 14, 0][tg]!;
  if (granuleBits === 0) return undefined;
  if ((upper ? (tcr >> 23n) & 1n : (tcr >> 7n) & 1n) !== 0n) return undefined; // EPDn
  const inputBits = 64 - tsz;
  // Top-byte-ignore (TBI0 bit 37, TBI1 bit 38) for data accesses.
  const tbi = (tcr >> (upper ? 38n : 37n)) & 1n;
  const addrBits = tbi ? 56 : 64;
  const hiMask = ((1n << BigInt(addrBits - inputBits)) - 1n) << BigInt(inputBits);
  const hi = va & hiMask;
  if (upper ? hi !== hiMask : hi !== 0n) return undefined;
  const stride = granuleBits - 3;
  const levels = Math.ceil((inputBits - granuleBits) / stride);
  let level = 4 - levels;
  // The top-level table may be smaller than a granule (fewer index bits); TTBR is aligned to it.
  let table = (upper ? regs.ttbr1 : regs.ttbr0) & 0x0000_ffff_ffff_fffen;
  for (;;) {
    const shift = BigInt(granuleBits + stride * (3 - level));
    const bits = level === 4 - levels ? inputBits - Number(shift) : stride;
    const idx = (va >> shift) & ((1n << BigInt(bits)) - 1n);
    const desc = read64(Number(table + idx * 8n));
    if (desc === undefined || (desc & 1n) === 0n) return undefined;
    const oaMask = 0x0000_ffff_ffff_ffffn & ~((1n << shift) - 1n);
    const leaf = (): { pa: number; span: number } => {
      const off = va & ((1n << shift) - 1n);
      return { pa: Number((desc & oaMask) | off), span: Number((1n << shift) - off) };
    };
    if (level === 3) {
      if ((desc & 2n) === 0n) return undefined;
      return leaf();
    }
    if ((desc & 2n) === 0n) {
      if (level === 0) return undefined;
      return leaf();
    }
    table = desc & 0x0000_ffff_ffff_f000n & ~((1n << BigInt(granuleBits)) - 1n);
    level++;
  }
}
