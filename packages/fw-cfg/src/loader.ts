import { type AcpiTable, type AcpiTableSet, buildRsdp, buildXsdt, type SmbiosBuilder } from "@armature/acpi";
import { ConfigError } from "@armature/core";
import * as R from "./regs.js";

/**
 * Writes an `etc/table-loader` script: 128-byte commands that tell firmware to allocate fw_cfg
 * files in guest memory, patch pointers between them and fix checksums (the "bios-linker-loader"
 * interface QEMU defines for its firmware).
 */
export class TableLoader {
  private readonly entries: Uint8Array[] = [];

  private entry(command: number): { b: Uint8Array; v: DataView } {
    const b = new Uint8Array(R.LOADER_ENTRY_SIZE);
    const v = new DataView(b.buffer);
    v.setUint32(0, command, true);
    this.entries.push(b);
    return { b, v };
  }

  private static name(b: Uint8Array, at: number, name: string): void {
    const bytes = new TextEncoder().encode(name);
    if (bytes.length === 0 || bytes.length >= R.FW_CFG_MAX_FILE_PATH)
      throw new ConfigError(
        `table-loader file name "${name}" must be 1..${R.FW_CFG_MAX_FILE_PATH - 1} bytes`,
      );
    b.set(bytes, at);
  }

  /** Load file `file` into memory aligned to `align` (a power of two) in `zone`. */
  allocate(file: string, align: number, zone: number = R.LOADER_ZONE_HIGH): this {
    if (!Number.isInteger(align) || align <= 0 || (align & (align - 1)) !== 0)
      throw new ConfigError(`table-loader alignment ${align} must be a power of two`);
    const { b, v } = this.entry(R.LOADER_ALLOCATE);
    TableLoader.name(b, 4, file);
    v.setUint32(60, align, true);
    b[64] = zone;
    return this;
  }

  /** Add the address of `pointee` to the `size`-byte little-endian value at `offset` in `file`. */
  addPointer(file: string, pointee: string, offset: number, size: 1 | 2 | 4 | 8): this {
    const { b, v } = this.entry(R.LOADER_ADD_POINTER);
    TableLoader.name(b, 4, file);
    TableLoader.name(b, 60, pointee);
    v.setUint32(116, offset, true);
    b[120] = size;
    return this;
  }

  /** Set the byte at `offset` of `file` so that bytes [start, start + length) sum to zero. */
  addChecksum(file: string, offset: number, start: number, length: number): this {
    const { b, v } = this.entry(R.LOADER_ADD_CHECKSUM);
    TableLoader.name(b, 4, file);
    v.setUint32(60, offset, true);
    v.setUint32(64, start, true);
    v.setUint32(68, length, true);
    return this;
  }

  /** Have firmware write the address of `source` + `sourceOffset` back into fw_cfg file `file` at `offset`. */
  writePointer(
    file: string,
    source: string,
    offset: number,
    sourceOffset: number,
    size: 1 | 2 | 4 | 8,
  ): this {
    const { b, v } = this.entry(R.LOADER_WRITE_POINTER);
    TableLoader.name(b, 4, file);
    TableLoader.name(b, 60, source);
    v.setUint32(116, offset, true);
    v.setUint32(120, sourceOffset, true);
    b[124] = size;
    return this;
  }

  /** The script's bytes. */
  bytes(): Uint8Array {
    const out = new Uint8Array(this.entries.length * R.LOADER_ENTRY_SIZE);
    this.entries.forEach((e, i) => {
      out.set(e, i * R.LOADER_ENTRY_SIZE);
    });
    return out;
  }
}

/** The three files firmware builds the guest's ACPI tables from. */
export interface AcpiLoaderFiles {
  /** `etc/acpi/tables`: XSDT, FADT, the other tables, DSDT; pointers hold offsets in this blob, checksums 0. */
  tables: Uint8Array;
  /** `etc/acpi/rsdp`: the RSDP, its XSDT pointer an offset into the tables blob, checksums 0. */
  rsdp: Uint8Array;
  /** `etc/table-loader`. */
  loader: Uint8Array;
}

// ACPI 6.x: the table header's checksum byte (§5.2.6); the RSDP's two checksums and XSDT address
// (§5.2.5.3); FADT.X_DSDT (§5.2.9).
const HEADER_CHECKSUM = 9;
const HEADER_SIZE = 36;
const RSDP_CHECKSUM = 8;
const RSDP_V1_LENGTH = 20;
const RSDP_EXT_CHECKSUM = 32;
const RSDP_XSDT_ADDRESS = 24;
const RSDP_LENGTH = 36;
const FADT_X_DSDT = 140;
const TABLE_ALIGN = 8;

const alignUp = (n: number, a: number) => Math.ceil(n / a) * a;

/**
 * Turns a machine's ACPI tables into the fw_cfg files of the table loader: one tables blob, the
 * RSDP, and the script that links them (XSDT entries and FADT.X_DSDT pointers, every checksum).
 */
export function acpiLoaderFiles(set: AcpiTableSet): AcpiLoaderFiles {
  if (set.fadt.signature !== "FACP") throw new ConfigError("AcpiTableSet.fadt must be a FACP table");
  if (set.dsdt.signature !== "DSDT") throw new ConfigError("AcpiTableSet.dsdt must be a DSDT table");
  const listed: AcpiTable[] = [set.fadt, ...set.tables];
  const xsdtLength = HEADER_SIZE + 8 * listed.length;
  const offsets: number[] = [];
  let at = alignUp(xsdtLength, TABLE_ALIGN);
  for (const t of [...listed, set.dsdt]) {
    offsets.push(at);
    at = alignUp(at + t.bytes.length, TABLE_ALIGN);
  }
  const dsdtOffset = offsets[offsets.length - 1]!;
  const blob = new Uint8Array(at);
  const xsdt = buildXsdt(
    listed.map((_, i) => BigInt(offsets[i]!)),
    set.oem,
  ).bytes.slice();
  blob.set(xsdt, 0);
  [...listed, set.dsdt].forEach((t, i) => {
    blob.set(t.bytes, offsets[i]!);
  });
  const view = new DataView(blob.buffer);
  view.setBigUint64(offsets[0]! + FADT_X_DSDT, BigInt(dsdtOffset), true);
  // Checksums are left 0: the loader computes them over ranges that include the checksum byte.
  blob[HEADER_CHECKSUM] = 0;
  for (const o of offsets) blob[o + HEADER_CHECKSUM] = 0;

  const rsdp = buildRsdp(0n, set.oem?.oemId).slice();
  rsdp[RSDP_CHECKSUM] = 0;
  rsdp[RSDP_EXT_CHECKSUM] = 0;

  const T = R.FW_CFG_FILE.acpiTables;
  const P = R.FW_CFG_FILE.acpiRsdp;
  const l = new TableLoader().allocate(P, 16, R.LOADER_ZONE_FSEG).allocate(T, 64, R.LOADER_ZONE_HIGH);
  // FADT -> DSDT, then the FADT's checksum.
  l.addPointer(T, T, offsets[0]! + FADT_X_DSDT, 8);
  [...listed, set.dsdt].forEach((t, i) => {
    l.addChecksum(T, offsets[i]! + HEADER_CHECKSUM, offsets[i]!, t.bytes.length);
  });
  // XSDT -> each listed table, then the XSDT's checksum.
  listed.forEach((_, i) => {
    l.addPointer(T, T, HEADER_SIZE + 8 * i, 8);
  });
  l.addChecksum(T, HEADER_CHECKSUM, 0, xsdt.length);
  // RSDP -> XSDT, then both RSDP checksums (the 20-byte one first: the extended one covers it).
  l.addPointer(P, T, RSDP_XSDT_ADDRESS, 8);
  l.addChecksum(P, RSDP_CHECKSUM, 0, RSDP_V1_LENGTH);
  l.addChecksum(P, RSDP_EXT_CHECKSUM, 0, RSDP_LENGTH);
  return { tables: blob, rsdp, loader: l.bytes() };
}

/** The two SMBIOS files: the SMBIOS 3.0 entry point (its table address 0) and the structure table. */
export interface SmbiosFiles {
  anchor: Uint8Array;
  tables: Uint8Array;
}

/** SMBIOS for the firmware to publish: the builder's 3.0 entry point and structures. */
export function smbiosFiles(s: SmbiosBuilder): SmbiosFiles {
  const t = s.build(0);
  return { anchor: t.entryPoint, tables: t.table };
}
