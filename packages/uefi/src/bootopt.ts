// Boot options (UEFI 2.10 §3.1.3 EFI_LOAD_OPTION, §3.3 BootOrder/Boot####): encode, decode, and
// add to a variable store, so a host can set up what the boot manager starts.

import { GUID } from "./guid.js";
import { END_OF_DEVICE_PATH, filePathNode, hardDriveNode, utf16z } from "./storage.js";
import {
  EFI_VARIABLE_BOOTSERVICE_ACCESS,
  EFI_VARIABLE_NON_VOLATILE,
  EFI_VARIABLE_RUNTIME_ACCESS,
  type VariableStore,
} from "./vars.js";

export const LOAD_OPTION_ACTIVE = 0x1;

export interface LoadOption {
  attributes: number;
  description: string;
  /** FilePathList: device path(s) including the end node. */
  devicePath: Uint8Array;
  /** OptionalData: handed to the image as LOADED_IMAGE.LoadOptions. */
  optionalData: Uint8Array;
}

export function encodeLoadOption(o: LoadOption): Uint8Array {
  const desc = utf16z(o.description);
  const b = new Uint8Array(6 + desc.length + o.devicePath.length + o.optionalData.length);
  const v = new DataView(b.buffer);
  v.setUint32(0, o.attributes >>> 0, true);
  v.setUint16(4, o.devicePath.length, true);
  b.set(desc, 6);
  b.set(o.devicePath, 6 + desc.length);
  b.set(o.optionalData, 6 + desc.length + o.devicePath.length);
  return b;
}

/** Decode an EFI_LOAD_OPTION; a string says why it is malformed. */
export function decodeLoadOption(b: Uint8Array): LoadOption | string {
  if (b.length < 8) return `${b.length} bytes is too short for an EFI_LOAD_OPTION`;
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const attributes = v.getUint32(0, true);
  const dpLen = v.getUint16(4, true);
  let o = 6;
  let description = "";
  for (;;) {
    if (o + 2 > b.length) return "the description is not NUL-terminated";
    const c = v.getUint16(o, true);
    o += 2;
    if (c === 0) break;
    description += String.fromCharCode(c);
  }
  if (o + dpLen > b.length) return `FilePathListLength ${dpLen} runs past the end of the option`;
  if (dpLen < 4) return "the option has no device path";
  return {
    attributes,
    description,
    devicePath: b.slice(o, o + dpLen),
    optionalData: b.slice(o + dpLen),
  };
}

/** Where a boot option's image lives: a GPT partition and a path on its FAT volume. */
export interface BootTarget {
  partition: { number: number; guid: string; firstLba: number; lastLba: number };
  /** "\EFI\debian\grubaa64.efi" */
  path: string;
}

/** HD(...)/File(path)/End: the short-form path efibootmgr writes. */
export function bootDevicePath(t: BootTarget): Uint8Array {
  const hd = hardDriveNode(t.partition);
  const file = filePathNode(t.path);
  const b = new Uint8Array(hd.length + file.length + 4);
  b.set(hd, 0);
  b.set(file, hd.length);
  b.set(END_OF_DEVICE_PATH, hd.length + file.length);
  return b;
}

/**
 * Store Boot#### (`number`) for `target` with `optionalData` (a string is stored as UTF-16 with a
 * NUL, as `efibootmgr -u` does: the Linux EFI stub reads it as its command line) and put it first
 * in BootOrder.
 */
export function addBootOption(
  store: VariableStore,
  number: number,
  o: BootTarget & { description: string; optionalData?: string | Uint8Array; active?: boolean },
): void {
  const attrs = EFI_VARIABLE_NON_VOLATILE | EFI_VARIABLE_BOOTSERVICE_ACCESS | EFI_VARIABLE_RUNTIME_ACCESS;
  const data =
    o.optionalData === undefined
      ? new Uint8Array(0)
      : typeof o.optionalData === "string"
        ? utf16z(o.optionalData)
        : o.optionalData;
  const name = bootVariableName(number);
  store.set(
    GUID.GLOBAL_VARIABLE,
    name,
    attrs,
    encodeLoadOption({
      attributes: o.active === false ? 0 : LOAD_OPTION_ACTIVE,
      description: o.description,
      devicePath: bootDevicePath(o),
      optionalData: data,
    }),
  );
  const old = store.get(GUID.GLOBAL_VARIABLE, "BootOrder")?.data ?? new Uint8Array(0);
  const order = [number];
  const ov = new DataView(old.buffer, old.byteOffset, old.byteLength);
  for (let i = 0; i + 2 <= old.length; i += 2)
    if (ov.getUint16(i, true) !== number) order.push(ov.getUint16(i, true));
  const ob = new Uint8Array(2 * order.length);
  const nv = new DataView(ob.buffer);
  order.forEach((n, i) => {
    nv.setUint16(2 * i, n, true);
  });
  store.set(GUID.GLOBAL_VARIABLE, "BootOrder", attrs, ob);
}

export function bootVariableName(n: number): string {
  return `Boot${n.toString(16).toUpperCase().padStart(4, "0")}`;
}
