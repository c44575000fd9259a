// PE/COFF images for AArch64 UEFI (PE Format spec, "Optional Header", "Section Table", ".reloc"):
// parse, lay the sections out at a load address and apply base relocations.

import { ArmatureError } from "@armature/core";

export const IMAGE_FILE_MACHINE_ARM64 = 0xaa64;
const PE32_PLUS = 0x20b;
const IMAGE_FILE_RELOCS_STRIPPED = 0x0001;
const IMAGE_REL_BASED_ABSOLUTE = 0;
const IMAGE_REL_BASED_HIGHLOW = 3;
const IMAGE_REL_BASED_DIR64 = 10;

const MACHINES: Record<number, string> = {
  332: "i386",
  34404: "x86-64",
  448: "ARM",
  450: "ARM Thumb",
  452: "ARMv7 Thumb-2",
  20580: "RISC-V 64",
  25188: "LoongArch 64",
  43620: "AArch64",
};

/** A file that is not a loadable AArch64 PE/COFF image. `code` names the reason. */
export class PeImageError extends ArmatureError {}

/**
 * A boot image read from its file on demand (e.g. a 27 MB kernel read straight into guest RAM
 * where it is laid out, instead of into a buffer first and copied from there).
 */
export interface BootImageFile {
  /** The file's size in bytes. */
  readonly size: number;
  /** Fill all of `dst` with the file's bytes from `position` (within the file). */
  read(dst: Uint8Array, position: number): void;
}

export interface PeSection {
  name: string;
  virtualAddress: number;
  virtualSize: number;
  rawOffset: number;
  rawSize: number;
}

export interface PeImage {
  machine: number;
  /** 10 EFI application, 11 boot-service driver, 12 runtime driver. */
  subsystem: number;
  imageBase: bigint;
  sizeOfImage: number;
  sizeOfHeaders: number;
  sectionAlignment: number;
  entryRva: number;
  sections: PeSection[];
  /** Base relocation directory (RVA, size), or undefined. */
  relocations: { rva: number; size: number } | undefined;
  relocsStripped: boolean;
}

function fail(code: string, msg: string): never {
  throw new PeImageError(code, msg);
}

/**
 * Parse the MZ + PE headers of `file`. Throws PeImageError naming what is wrong. `fileSize`: the
 * whole file's size when `file` holds only its first bytes (the headers must be in them).
 */
export function parsePe(file: Uint8Array, fileSize = file.length): PeImage {
  const dv = new DataView(file.buffer, file.byteOffset, file.byteLength);
  if (file.length < 0x40 || file[0] !== 0x4d || file[1] !== 0x5a)
    fail("E_NOT_PE", "not a PE/COFF image: no MZ header (a kernel without an EFI stub cannot boot on UEFI)");
  const peOff = dv.getUint32(0x3c, true);
  if (peOff + 24 > file.length || dv.getUint32(peOff, true) !== 0x00004550)
    fail("E_NOT_PE", "not a PE/COFF image: the MZ header does not point at a PE signature (no EFI stub?)");
  const machine = dv.getUint16(peOff + 4, true);
  if (machine !== IMAGE_FILE_MACHINE_ARM64) {
    const name = MACHINES[machine] ?? "unknown";
    fail(
      "E_PE_MACHINE",
      `PE image for machine 0x${machine.toString(16)} (${name}); this firmware runs AArch64 (0xaa64) images only`,
    );
  }
  const nsec = dv.getUint16(peOff + 6, true);
  const optSize = dv.getUint16(peOff + 20, true);
  const characteristics = dv.getUint16(peOff + 22, true);
  const opt = peOff + 24;
  if (optSize < 112 || opt + optSize > file.length) fail("E_PE_HEADER", "PE optional header truncated");
  if (dv.getUint16(opt, true) !== PE32_PLUS)
    fail("E_PE_HEADER", "PE optional header is not PE32+ (magic 0x20b), as AArch64 images must be");
  const entryRva = dv.getUint32(opt + 16, true);
  const imageBase = dv.getBigUint64(opt + 24, true);
  const sectionAlignment = dv.getUint32(opt + 32, true);
  const sizeOfImage = dv.getUint32(opt + 56, true);
  const sizeOfHeaders = dv.getUint32(opt + 60, true);
  const subsystem = dv.getUint16(opt + 68, true);
  const nrva = dv.getUint32(opt + 108, true);
  let relocations: PeImage["relocations"];
  if (nrva > 5 && 112 + 6 * 8 <= optSize) {
    const rva = dv.getUint32(opt + 112 + 5 * 8, true);
    const size = dv.getUint32(opt + 112 + 5 * 8 + 4, true);
    if (size > 0) relocations = { rva, size };
  }
  if (sectionAlignment === 0 || (sectionAlignment & (sectionAlignment - 1)) !== 0)
    fail("E_PE_HEADER", `PE SectionAlignment ${sectionAlignment} is not a power of two`);
  if (sizeOfImage === 0 || sizeOfHeaders > sizeOfImage || sizeOfHeaders > fileSize)
    fail("E_PE_HEADER", `PE SizeOfHeaders ${sizeOfHeaders} / SizeOfImage ${sizeOfImage} inconsistent`);
  if (entryRva >= sizeOfImage)
    fail("E_PE_HEADER", `PE entry point RVA 0x${entryRva.toString(16)} is outside the image`);
  const secOff = opt + optSize;
  if (secOff + nsec * 40 > file.length) fail("E_PE_HEADER", "PE section table truncated");
  const sections: PeSection[] = [];
  for (let i = 0; i < nsec; i++) {
    const o = secOff + 40 * i;
    let name = "";
    for (let k = 0; k < 8 && file[o + k] !== 0; k++) name += String.fromCharCode(file[o + k]!);
    const s: PeSection = {
      name,
      virtualSize: dv.getUint32(o + 8, true),
      virtualAddress: dv.getUint32(o + 12, true),
      rawSize: dv.getUint32(o + 16, true),
      rawOffset: dv.getUint32(o + 20, true),
    };
    if (s.virtualAddress + Math.max(s.virtualSize, 0) > sizeOfImage)
      fail(
        "E_PE_SECTION",
        `PE section ${name} [0x${s.virtualAddress.toString(16)}+0x${s.virtualSize.toString(16)}] lies outside SizeOfImage`,
      );
    if (s.rawSize > 0 && s.rawOffset + Math.min(s.rawSize, s.virtualSize || s.rawSize) > fileSize)
      fail("E_PE_SECTION", `PE section ${name}: raw data beyond the end of the file (truncated image?)`);
    sections.push(s);
  }
  return {
    machine,
    subsystem,
    imageBase,
    sizeOfImage,
    sizeOfHeaders,
    sectionAlignment,
    entryRva,
    sections,
    relocations,
    relocsStripped: (characteristics & IMAGE_FILE_RELOCS_STRIPPED) !== 0,
  };
}

/**
 * Lay `file` out as it runs at `loadAddress`: headers, sections (zero-filled past their raw data),
 * base relocations applied for the difference from ImageBase. Returns SizeOfImage bytes: `into`'s
 * first SizeOfImage bytes when given (e.g. a view of guest RAM, so a large image is copied once;
 * on a PeImageError they hold a partly laid-out image), else a new array.
 */
export function relocatePe(
  file: Uint8Array | BootImageFile,
  pe: PeImage,
  loadAddress: number,
  into?: Uint8Array,
): Uint8Array {
  const fileSize = file instanceof Uint8Array ? file.length : file.size;
  let img: Uint8Array;
  if (into === undefined) img = new Uint8Array(pe.sizeOfImage);
  else {
    if (into.length < pe.sizeOfImage)
      throw new RangeError(`relocatePe: ${into.length} bytes given for a ${pe.sizeOfImage}-byte image`);
    img = into.subarray(0, pe.sizeOfImage);
  }
  // Copy the headers and the sections, then zero only what they leave (into's old contents, a
  // section's tail past its raw data): touching the 27 MB of a kernel twice cost ~0.1 s.
  const copies: [number, number, number][] = [[0, 0, Math.min(pe.sizeOfHeaders, fileSize)]];
  for (const s of pe.sections) {
    // A section at RVA 0 overlays the headers: it is not loaded (objcopy keeps .comment there).
    if (s.virtualAddress === 0) continue;
    const n = Math.min(s.rawSize, s.virtualSize === 0 ? s.rawSize : s.virtualSize, fileSize - s.rawOffset);
    if (n > 0) copies.push([s.virtualAddress, s.rawOffset, n]);
  }
  if (into !== undefined) {
    let zeroFrom = 0;
    for (const [to, , n] of [...copies].sort((a, b) => a[0] - b[0])) {
      if (to > zeroFrom) img.fill(0, zeroFrom, to);
      zeroFrom = Math.max(zeroFrom, to + n);
    }
    if (zeroFrom < img.length) img.fill(0, zeroFrom);
  }
  for (const [to, from, n] of copies)
    if (file instanceof Uint8Array) img.set(file.subarray(from, from + n), to);
    else file.read(img.subarray(to, to + n), from);
  const delta = BigInt.asUintN(64, BigInt(loadAddress) - pe.imageBase);
  if (delta === 0n) return img;
  if (pe.relocations === undefined) {
    // No .reloc: the image must be position-independent (the Linux EFI stub is). An image marked
    // RELOCS_STRIPPED with a non-zero ImageBase wants exactly that address.
    if (pe.relocsStripped && pe.imageBase !== 0n)
      fail(
        "E_PE_RELOC",
        `PE image has its relocations stripped and must run at its ImageBase 0x${pe.imageBase.toString(16)}, not 0x${loadAddress.toString(16)}`,
      );
    return img;
  }
  const dv = new DataView(img.buffer, img.byteOffset, img.byteLength);
  const { rva, size } = pe.relocations;
  if (rva + size > img.length) fail("E_PE_RELOC", "PE relocation directory lies outside the image");
  let at = rva;
  while (at + 8 <= rva + size) {
    const page = dv.getUint32(at, true);
    const blockSize = dv.getUint32(at + 4, true);
    if (blockSize < 8 || at + blockSize > rva + size)
      fail("E_PE_RELOC", `PE relocation block at 0x${at.toString(16)} has a bad size ${blockSize}`);
    for (let e = at + 8; e + 2 <= at + blockSize; e += 2) {
      const entry = dv.getUint16(e, true);
      const type = entry >>> 12;
      const target = page + (entry & 0xfff);
      if (type === IMAGE_REL_BASED_ABSOLUTE) continue;
      if (type === IMAGE_REL_BASED_DIR64) {
        if (target + 8 > img.length)
          fail("E_PE_RELOC", `PE relocation target 0x${target.toString(16)} out of range`);
        dv.setBigUint64(target, BigInt.asUintN(64, dv.getBigUint64(target, true) + delta), true);
      } else if (type === IMAGE_REL_BASED_HIGHLOW) {
        if (target + 4 > img.length)
          fail("E_PE_RELOC", `PE relocation target 0x${target.toString(16)} out of range`);
        dv.setUint32(target, Number(BigInt.asUintN(32, BigInt(dv.getUint32(target, true)) + delta)), true);
      } else fail("E_PE_RELOC", `PE relocation type ${type} is not supported on AArch64`);
    }
    at += blockSize;
  }
  return img;
}
