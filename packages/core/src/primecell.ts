/**
 * PCellID0-3: the identification every ARM PrimeCell reports at 0xFF0-0xFFC, 0xB105F00D read
 * byte by byte (e.g. PL011 TRM 3.3.15, PL031 TRM 3.3.10).
 */
export const PRIMECELL_PCELL_ID = [0x0d, 0xf0, 0x05, 0xb1] as const;

/**
 * A PrimeCell identification register of a 4 KiB window: PeriphID0-3 (`periphId`, the device's
 * part number, designer and revision) at 0xFE0-0xFEC, PCellID0-3 at 0xFF0-0xFFC. Any other offset,
 * or one not word-aligned, is not an identification register: `undefined`.
 */
export function primecellIdRead(offset: number, periphId: readonly number[]): number | undefined {
  if (offset < 0xfe0 || offset >= 0x1000 || (offset & 3) !== 0) return undefined;
  const i = (offset - 0xfe0) >> 2;
  return i < 4 ? periphId[i] : PRIMECELL_PCELL_ID[i - 4];
}
