import { gunzipSync } from "node:zlib";
import { ConfigError, hex } from "@armature/core";

// Linux Documentation/arm64/booting.rst §4 "Call the kernel image": the 64-byte Image header.
export const ARM64_IMAGE_MAGIC = 0x644d5241; // "ARM\x64", little-endian, at offset 0x38
export const ARM64_IMAGE_MAGIC_OFFSET = 0x38;
export const ARM64_IMAGE_HEADER_SIZE = 64;
/** Where a raw binary (no Image header) is loaded above the RAM base, as QEMU does. */
export const RAW_LOAD_OFFSET = 0x80000;

/** Page size the kernel was built for (flags bits 1-2); 0 = unspecified. */
export type ImagePageSize = 0 | 4096 | 16384 | 65536;

/** The fields of an arm64 Image header. */
export interface ImageHeader {
  /** `text_offset`: load offset from a 2 MiB-aligned base. */
  textOffset: number;
  /** `image_size`: effective size (bss included); 0 for kernels older than 3.17. */
  imageSize: number;
  /** `flags` as read (the defined bits fit a number). */
  flags: number;
  /** flags bit 0: the kernel is big-endian. */
  bigEndian: boolean;
  /** flags bits 1-2. */
  pageSize: ImagePageSize;
  /** flags bit 3: the 2 MiB-aligned base may be anywhere in RAM (else close to the RAM base). */
  placeAnywhere: boolean;
  /** "MZ" at offset 0: the Image carries an EFI stub (PE/COFF header offset at 0x3c). */
  efiStub: boolean;
}

/** A kernel file made ready to load: decompressed bytes plus what kind of file it was. */
export interface KernelImage {
  kind: "image" | "raw";
  /** The bytes to copy into RAM (decompressed when the file was gzip). */
  data: Uint8Array;
  /** Whether the file was gzip-compressed. */
  gzip: boolean;
  /** The Image header; undefined for a raw binary. */
  header?: ImageHeader;
  /** Bytes of RAM the kernel occupies from its load address (image_size, or the file length). */
  footprint: number;
  /** Offset of the load address from the 2 MiB-aligned base (text_offset, or 0x80000 for raw). */
  loadOffset: number;
}

const PAGE_SIZES: readonly ImagePageSize[] = [0, 4096, 16384, 65536];

/** Reads the header when `data` has the arm64 magic at 0x38; undefined otherwise. */
export function parseImageHeader(data: Uint8Array): ImageHeader | undefined {
  if (data.length < ARM64_IMAGE_HEADER_SIZE) return undefined;
  const v = new DataView(data.buffer, data.byteOffset, data.byteLength);
  if (v.getUint32(ARM64_IMAGE_MAGIC_OFFSET, true) !== ARM64_IMAGE_MAGIC) return undefined;
  const textOffset = v.getBigUint64(8, true);
  const imageSize = v.getBigUint64(16, true);
  const flags = v.getBigUint64(24, true);
  if (textOffset > BigInt(Number.MAX_SAFE_INTEGER) || imageSize > BigInt(Number.MAX_SAFE_INTEGER))
    throw new ConfigError(
      `kernel Image header: text_offset 0x${textOffset.toString(16)} / image_size 0x${imageSize.toString(16)} ` +
        "are not plausible; the file is corrupt or not an arm64 Image",
    );
  const f = Number(flags & 0xffffffffn);
  return {
    textOffset: Number(textOffset),
    imageSize: Number(imageSize),
    flags: f,
    bigEndian: (f & 1) === 1,
    pageSize: PAGE_SIZES[(f >> 1) & 3]!,
    placeAnywhere: ((f >> 3) & 1) === 1,
    efiStub: data[0] === 0x4d && data[1] === 0x5a,
  };
}

/** Largest kernel accepted after decompression (guards against a gzip bomb). */
const MAX_KERNEL = 512 * 1024 * 1024;

/**
 * Identifies a kernel file: an arm64 Image (optionally gzip-compressed, like Image.gz) or a raw
 * binary (anything else, entered at its first byte). Throws ConfigError for a corrupt gzip
 * stream, other compressors, a big-endian kernel, or an inconsistent header. `fileSize`: the whole
 * file's size when `file` is only its first bytes (an uncompressed file whose headers they hold;
 * the result's `data` is then those bytes, its sizes and checks are the whole file's).
 */
export function readKernel(file: Uint8Array, fileSize = file.length): KernelImage {
  if (fileSize === 0) throw new ConfigError("kernel: the file is empty; pass an arm64 Image or a raw binary");
  const partial = fileSize > file.length;
  let data = file;
  let gzip = false;
  if (file[0] === 0x1f && file[1] === 0x8b) {
    if (partial) throw new RangeError("readKernel: a gzip-compressed kernel must be given whole");
    try {
      data = new Uint8Array(gunzipSync(file, { maxOutputLength: MAX_KERNEL }));
    } catch (e) {
      throw new ConfigError(
        `kernel: gzip data cannot be decompressed (${(e as Error).message}); pass an uncompressed Image or a valid Image.gz`,
      );
    }
    gzip = true;
  } else {
    const other = compressorOf(file);
    if (other)
      throw new ConfigError(
        `kernel: the file is ${other}-compressed; decompress it first (only gzip is read)`,
      );
  }
  const size = partial ? fileSize : data.length;
  const header = parseImageHeader(data);
  if (!header) {
    if (gzip && data.length === 0) throw new ConfigError("kernel: the gzip stream is empty");
    return { kind: "raw", data, gzip, footprint: size, loadOffset: RAW_LOAD_OFFSET };
  }
  if (header.bigEndian)
    throw new ConfigError(
      "kernel: this Image is big-endian (flags bit 0); only little-endian kernels run here",
    );
  let loadOffset = header.textOffset;
  let footprint = header.imageSize;
  if (header.imageSize === 0) {
    // booting.rst: before v3.17 image_size is 0 and text_offset is 0x80000 (endianness unspecified).
    loadOffset = 0x80000;
    footprint = size;
  } else if (header.imageSize < size) {
    throw new ConfigError(
      `kernel: image_size ${hex(header.imageSize)} is smaller than the file (${hex(size)} bytes); the Image is corrupt`,
    );
  }
  if (loadOffset >= 2 * 1024 * 1024 || loadOffset % 4096 !== 0)
    throw new ConfigError(`kernel: text_offset ${hex(loadOffset)} is not a page-aligned offset below 2 MiB`);
  const end = header.efiStub ? peSectionsEnd(data) : undefined;
  if (end !== undefined && end > size)
    throw new ConfigError(
      `kernel: the Image is truncated: its PE/COFF sections end at ${hex(end)} but the ${gzip ? "decompressed " : ""}file has ${hex(size)} bytes; copy or download it again`,
    );
  return { kind: "image", data, gzip, header, footprint, loadOffset };
}

/**
 * Where the raw data of the last PE/COFF section ends (PE format: the COFF header after "PE\0\0"
 * at the offset stored at 0x3c; section headers of 40 bytes after the optional header, with
 * SizeOfRawData at +16 and PointerToRawData at +20). An EFI-stub Image shorter than this was
 * cut short. Undefined when there is no PE header to read.
 */
export function peSectionsEnd(data: Uint8Array): number | undefined {
  if (data.length < 0x40) return undefined;
  const v = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const pe = v.getUint32(0x3c, true);
  if (pe + 24 > data.length || v.getUint32(pe, true) !== 0x00004550) return undefined;
  const sections = v.getUint16(pe + 6, true);
  const table = pe + 24 + v.getUint16(pe + 20, true);
  let end = 0;
  for (let i = 0; i < sections; i++) {
    const s = table + 40 * i;
    if (s + 40 > data.length) return s + 40; // the section table itself is cut off
    const size = v.getUint32(s + 16, true);
    if (size !== 0) end = Math.max(end, v.getUint32(s + 20, true) + size);
  }
  return end;
}

function compressorOf(b: Uint8Array): string | undefined {
  const starts = (...m: number[]): boolean => m.every((x, i) => b[i] === x);
  if (starts(0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00)) return "xz";
  if (starts(0x28, 0xb5, 0x2f, 0xfd)) return "zstd";
  if (starts(0x42, 0x5a, 0x68) && b[3]! >= 0x31 && b[3]! <= 0x39 && b[4] === 0x31) return "bzip2";
  if (starts(0x04, 0x22, 0x4d, 0x18) || starts(0x02, 0x21, 0x4c, 0x18)) return "lz4";
  if (starts(0x89, 0x4c, 0x5a, 0x4f)) return "lzo";
  return undefined;
}
