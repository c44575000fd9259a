// The variable store bank EDK2's ArmVirtQemu keeps in the second flash bank: a firmware volume
// (UEFI PI spec, vol. 3 §3.2.1 EFI_FIRMWARE_VOLUME_HEADER) whose first contents are EDK2's
// variable store header (signature GUID, size, format 0x5A, state 0xFE).

/** EFI_FIRMWARE_VOLUME_HEADER field offsets. */
const FV_FILE_SYSTEM_GUID = 0x10;
const FV_LENGTH = 0x20;
const FV_SIGNATURE = 0x28; // "_FVH"
const FV_HEADER_LENGTH = 0x30;
const FV_REVISION = 0x37;
const FV_BLOCK_MAP = 0x38;
/** The header up to and including one block map entry and its {0, 0} terminator. */
const FV_MIN_HEADER = FV_BLOCK_MAP + 16;
/** EFI_SYSTEM_NV_DATA_FV_GUID, the file system GUID of a non-volatile variable volume. */
const NV_DATA_FV_GUID = "fff12b8d-7696-4c8b-a985-2747075b4f50";
/** Variable store signatures: authenticated variables, then plain ones. */
const VARIABLE_STORE_GUIDS = ["aaf32c78-947b-439a-a180-2e144ec37792", "ddcf3616-3275-4164-98b6-fe85707ffe7d"];
const VARIABLE_STORE_HEADER_SIZE = 28;
const STORE_FORMATTED = 0x5a;
const STORE_HEALTHY = 0xfe;

function guidAt(b: Uint8Array, at: number): string {
  const v = new DataView(b.buffer, b.byteOffset + at, 16);
  const h = (n: number, w: number) => n.toString(16).padStart(w, "0");
  const tail = [...b.subarray(at + 8, at + 16)].map((x) => h(x, 2)).join("");
  return `${h(v.getUint32(0, true), 8)}-${h(v.getUint16(4, true), 4)}-${h(v.getUint16(6, true), 4)}-${tail.slice(0, 4)}-${tail.slice(4)}`;
}

function blank(b: Uint8Array): boolean {
  const first = b[0];
  if (first !== 0x00 && first !== 0xff) return false;
  const w = first === 0 ? 0 : 0xffff_ffff;
  const words = new Uint32Array(b.buffer, b.byteOffset, b.length >>> 2);
  if (b.byteOffset % 4 !== 0) return b.every((x) => x === first);
  for (let i = 0; i < words.length; i++) if (words[i] !== w) return false;
  for (let i = words.length * 4; i < b.length; i++) if (b[i] !== first) return false;
  return true;
}

/**
 * Why `bytes` is not a variable store EDK2 would keep, or undefined when it is one: a firmware
 * volume with a valid header (signature, length, checksum, the NV data file system GUID) holding
 * a formatted, healthy variable store. A blank bank (all 0x00, as Debian ships AAVMF_VARS.fd, or
 * all 0xFF, erased) is fine: the firmware formats it. Anything else the firmware would silently
 * reformat, losing the variables, so boards refuse it instead.
 */
export function efiVarStoreProblem(bytes: Uint8Array): string | undefined {
  if (bytes.length < FV_MIN_HEADER + VARIABLE_STORE_HEADER_SIZE) return `${bytes.length} bytes is too small`;
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (v.getUint32(FV_SIGNATURE, true) !== 0x4856_465f) {
    if (blank(bytes)) return undefined;
    return "no firmware volume signature (_FVH at offset 0x28) and not blank";
  }
  const headerLength = v.getUint16(FV_HEADER_LENGTH, true);
  const fvLength = Number(v.getBigUint64(FV_LENGTH, true));
  if (headerLength < FV_MIN_HEADER || headerLength % 2 !== 0 || headerLength > bytes.length)
    return `firmware volume header length ${headerLength} is invalid`;
  if (fvLength <= headerLength + VARIABLE_STORE_HEADER_SIZE || fvLength > bytes.length)
    return `firmware volume length ${fvLength} does not fit the ${bytes.length}-byte bank`;
  let sum = 0;
  for (let i = 0; i < headerLength; i += 2) sum = (sum + v.getUint16(i, true)) & 0xffff;
  if (sum !== 0) return "firmware volume header checksum is wrong";
  if (bytes[FV_REVISION] !== 2) return `firmware volume revision ${bytes[FV_REVISION]} is not 2`;
  const fs = guidAt(bytes, FV_FILE_SYSTEM_GUID);
  if (fs !== NV_DATA_FV_GUID) return `firmware volume file system ${fs} is not the NV data volume's`;
  const store = headerLength;
  const sig = guidAt(bytes, store);
  if (!VARIABLE_STORE_GUIDS.includes(sig)) return `variable store signature ${sig} is unknown`;
  const size = v.getUint32(store + 16, true);
  if (size < VARIABLE_STORE_HEADER_SIZE || store + size > fvLength)
    return `variable store size ${size} does not fit the firmware volume`;
  if (bytes[store + 20] !== STORE_FORMATTED || bytes[store + 21] !== STORE_HEALTHY)
    return "variable store is not formatted and healthy";
  return undefined;
}
