import { toBigU64, type U64, writeU64At } from "./bytes.js";
import { fail } from "./errors.js";
import { type AcpiOem, type AcpiTable, fixChecksum } from "./tables/header.js";
import { buildRsdp, buildXsdt, FADT_X_DSDT_OFFSET, RSDP_SIZE } from "./tables/simple.js";

/** The tables of one machine: the FADT, the DSDT, and every other table the XSDT lists. */
export interface AcpiTableSet {
  fadt: AcpiTable;
  dsdt: AcpiTable;
  /** MADT, GTDT, SPCR, DBG2, MCFG, IORT, PPTT, SRAT, SSDTs ... (XSDT order). */
  tables: readonly AcpiTable[];
  oem?: Partial<AcpiOem>;
}

export interface PlacedTable {
  signature: string;
  address: bigint;
  length: number;
}

export interface AcpiImage {
  /** The bytes to copy to guest-physical `base`. */
  bytes: Uint8Array;
  base: bigint;
  rsdpAddress: bigint;
  xsdtAddress: bigint;
  placed: PlacedTable[];
}

const ALIGN = 16;
const alignUp = (n: number) => Math.ceil(n / ALIGN) * ALIGN;

/**
 * Place RSDP, XSDT, FADT, DSDT and the other tables into one image at `base` and fix up the
 * pointers (RSDP -> XSDT -> tables, FADT.X_DSDT -> DSDT), recomputing every checksum.
 */
export function layoutAcpi(set: AcpiTableSet, base: U64): AcpiImage {
  const b = toBigU64(base, "ACPI base");
  if (b % 16n !== 0n) fail("E_ALIGN", `ACPI base 0x${b.toString(16)} must be 16-byte aligned (RSDP rule)`);
  if (set.fadt.signature !== "FACP") fail("E_VALUE", "AcpiTableSet.fadt must be a FACP table");
  if (set.dsdt.signature !== "DSDT") fail("E_VALUE", "AcpiTableSet.dsdt must be a DSDT table");
  const others = [set.fadt, ...set.tables];
  const xsdtOffset = alignUp(RSDP_SIZE);
  const xsdtLength = 36 + 8 * others.length;
  let at = alignUp(xsdtOffset + xsdtLength);
  const offsets: number[] = [];
  for (const t of [...others, set.dsdt]) {
    offsets.push(at);
    at = alignUp(at + t.bytes.length);
  }
  const image = new Uint8Array(at);
  const addr = (off: number) => b + BigInt(off);
  const xsdt = buildXsdt(
    others.map((_, i) => addr(offsets[i]!)),
    set.oem,
  );
  image.set(buildRsdp(addr(xsdtOffset), set.oem?.oemId), 0);
  image.set(xsdt.bytes, xsdtOffset);
  const placed: PlacedTable[] = [{ signature: "XSDT", address: addr(xsdtOffset), length: xsdt.bytes.length }];
  [...others, set.dsdt].forEach((t, i) => {
    const copy = t.bytes.slice();
    if (t === set.fadt) {
      writeU64At(copy, FADT_X_DSDT_OFFSET, addr(offsets[offsets.length - 1]!));
      fixChecksum(copy);
    }
    image.set(copy, offsets[i]!);
    placed.push({ signature: t.signature, address: addr(offsets[i]!), length: copy.length });
  });
  return { bytes: image, base: b, rsdpAddress: b, xsdtAddress: addr(xsdtOffset), placed };
}
