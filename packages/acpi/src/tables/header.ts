import { ByteWriter, checksum8, checkUint } from "../bytes.js";
import { fail } from "../errors.js";

/** The OEM fields of the System Description Table header (ACPI 6.5 §5.2.6). */
export interface AcpiOem {
  oemId: string;
  oemTableId: string;
  oemRevision: number;
  creatorId: string;
  creatorRevision: number;
}

export const DEFAULT_OEM: AcpiOem = {
  oemId: "ARMTRE",
  oemTableId: "ARMATURE",
  oemRevision: 1,
  creatorId: "ARMT",
  creatorRevision: 1,
};

/** A finished table: its signature and bytes (length and checksum already correct). */
export interface AcpiTable {
  readonly signature: string;
  readonly bytes: Uint8Array;
}

export const SDT_HEADER_SIZE = 36;

/** Start a table: writes the 36-byte header with length/checksum placeholders. */
export function beginTable(signature: string, revision: number, oem: Partial<AcpiOem> = {}): ByteWriter {
  if (!/^[A-Z0-9_]{4}$/.test(signature))
    fail("E_VALUE", `table signature "${signature}" must be 4 characters`);
  const o = { ...DEFAULT_OEM, ...oem };
  const w = new ByteWriter();
  w.ascii(signature, 4, "signature");
  w.u32(0); // length, patched by endTable
  w.u8(revision, "revision");
  w.u8(0); // checksum
  w.ascii(o.oemId, 6, "OEM ID");
  w.ascii(o.oemTableId, 8, "OEM Table ID");
  w.u32(o.oemRevision, "OEM revision");
  w.ascii(o.creatorId, 4, "Creator ID");
  w.u32(checkUint(o.creatorRevision, 32, "creator revision"));
  return w;
}

/** Patch the length and checksum and return the table. */
export function endTable(w: ByteWriter): AcpiTable {
  w.patchU32(4, w.length);
  const bytes = w.finish();
  bytes[9] = checksum8(bytes);
  return { signature: String.fromCharCode(...bytes.subarray(0, 4)), bytes };
}

/** Recompute the header checksum in place (after a pointer fix-up). */
export function fixChecksum(bytes: Uint8Array): void {
  bytes[9] = 0;
  bytes[9] = checksum8(bytes);
}

/** Generic Address Structure (§5.2.3.2), 12 bytes. accessSize: 1=byte 2=word 3=dword 4=qword. */
export interface GenericAddress {
  spaceId: number;
  bitWidth: number;
  bitOffset: number;
  accessSize: number;
  address: number | bigint;
}

export const GAS_ZERO: GenericAddress = { spaceId: 0, bitWidth: 0, bitOffset: 0, accessSize: 0, address: 0 };

export function writeGas(w: ByteWriter, g: GenericAddress): void {
  w.u8(g.spaceId).u8(g.bitWidth).u8(g.bitOffset).u8(g.accessSize).u64(g.address, "GAS address");
}
