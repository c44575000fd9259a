// EFI_GUID: 16 bytes; the first three fields are little-endian (UEFI 2.10 Appendix A).

/** Parse "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx" into the 16-byte in-memory EFI_GUID layout. */
export function guidBytes(text: string): Uint8Array {
  const m = /^([0-9a-f]{8})-([0-9a-f]{4})-([0-9a-f]{4})-([0-9a-f]{4})-([0-9a-f]{12})$/i.exec(text);
  if (m === null) throw new TypeError(`"${text}" is not a GUID (xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx)`);
  const b = new Uint8Array(16);
  const dv = new DataView(b.buffer);
  dv.setUint32(0, Number.parseInt(m[1]!, 16), true);
  dv.setUint16(4, Number.parseInt(m[2]!, 16), true);
  dv.setUint16(6, Number.parseInt(m[3]!, 16), true);
  const tail = m[4]! + m[5]!;
  for (let i = 0; i < 8; i++) b[8 + i] = Number.parseInt(tail.slice(2 * i, 2 * i + 2), 16);
  return b;
}

/** The canonical lower-case text of a 16-byte EFI_GUID. */
export function guidText(b: Uint8Array): string {
  if (b.length < 16) throw new TypeError("an EFI_GUID is 16 bytes");
  const dv = new DataView(b.buffer, b.byteOffset, 16);
  const h = (v: number, n: number) => v.toString(16).padStart(n, "0");
  let tail = "";
  for (let i = 8; i < 16; i++) tail += h(b[i]!, 2);
  return `${h(dv.getUint32(0, true), 8)}-${h(dv.getUint16(4, true), 4)}-${h(dv.getUint16(6, true), 4)}-${tail.slice(0, 4)}-${tail.slice(4)}`;
}

/** GUIDs of the protocols and tables this firmware knows (UEFI 2.10 and Linux's include/linux/efi.h). */
export const GUID = {
  LOADED_IMAGE: "5b1b31a1-9562-11d2-8e3f-00a0c969723b",
  LOADED_IMAGE_DEVICE_PATH: "bc62157e-3e33-4fec-9920-2d3b36d750df",
  DEVICE_PATH: "09576e91-6d3f-11d2-8e39-00a0c969723b",
  LOAD_FILE2: "4006c0c1-fcb3-403e-996d-4a6c8724e06d",
  LINUX_INITRD_MEDIA: "5568e427-68fc-4f3d-ac74-ca555231cc68",
  SIMPLE_TEXT_INPUT: "387477c1-69c7-11d2-8e39-00a0c969723b",
  SIMPLE_TEXT_OUTPUT: "387477c2-69c7-11d2-8e39-00a0c969723b",
  RNG: "3152bca5-eade-433d-862e-c01cdc291f44",
  RNG_ALGORITHM_RAW: "e43176d7-b6e8-4827-b784-7ffdc4b68561",
  GRAPHICS_OUTPUT: "9042a9de-23dc-4a38-96fb-7aded080516a",
  ACPI_20_TABLE: "8868e871-e4f1-11d3-bc22-0080c73c8881",
  SMBIOS3_TABLE: "f2fd1544-9794-4a2c-992e-e5bbcf20e394",
  DEVICE_TREE: "b1b621d5-f19c-41a5-830b-d9152c69aae0",
  RT_PROPERTIES_TABLE: "eb66918a-7eef-402a-842e-931d21c38ae9",
  GLOBAL_VARIABLE: "8be4df61-93ca-11d2-aa0d-00e098032b8c",
} as const;
