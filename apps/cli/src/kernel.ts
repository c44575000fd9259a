// What `armature run` tells the user about the kernel before it boots: what the file is, and
// the mistakes that would otherwise end in a silent guest.
import { readKernel } from "@armature/boot";
import { hex } from "@armature/core";
import type { BootImageFile } from "@armature/uefi";
import { peImageFile, readBytes } from "./files.js";

/** arm64 Linux's COMMAND_LINE_SIZE: longer command lines are cut. */
export const ARM64_COMMAND_LINE_SIZE = 2048;

export interface KernelFacts {
  /** One phrase for the boot banner, e.g. "arm64 Image (EFI stub, 4K pages), Linux 6.1.0-57-cloud-arm64, 30.1 MiB". */
  summary: string;
  /** A warning the user must see even without a TTY (a raw binary), else undefined. */
  warning: string | undefined;
}

function mib(n: number): string {
  if (n < 1024) return `${n} bytes`;
  if (n < 1048576) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / 1048576).toFixed(1)} MiB`;
}

/** The Linux version string an Image carries ("Linux version 6.1.0-... (...)"), if any. */
function linuxVersion(data: Uint8Array): string | undefined {
  const b = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  const at = b.indexOf("Linux version ");
  if (at < 0) return undefined;
  const v = b
    .subarray(at + 14, at + 14 + 64)
    .toString("latin1")
    .split(/[\s\0]/)[0];
  return v === undefined || v === "" || v.includes("%") ? undefined : v;
}

/**
 * Identify the kernel file (Image, Image.gz or a raw binary; throws ConfigError for what cannot
 * boot: a truncated Image, corrupt gzip, another compressor, a big-endian kernel).
 */
export function kernelFacts(
  path: string,
  file: Uint8Array,
  ramBase: number,
  whole?: { size: number; readAll(): Uint8Array },
): KernelFacts {
  // `whole`: `file` holds only the file's first bytes (the headers); the version string is
  // searched for in all of it, read when the banner asks.
  const size = whole?.size ?? file.length;
  const k = readKernel(file, size);
  if (k.kind === "raw")
    return {
      summary: `raw binary, ${mib(size)}`,
      warning:
        `kernel "${path}": no arm64 Image header ("ARM\\x64" at 0x38)${k.gzip ? " after gunzip" : ""}: ` +
        `loading it as a raw binary at ${hex(ramBase + k.loadOffset)}, entered at its first byte`,
    };
  const h = k.header!;
  const traits = [h.efiStub ? "EFI stub" : "", h.pageSize === 0 ? "" : `${h.pageSize / 1024}K pages`].filter(
    (t) => t !== "",
  );
  // The summary only shows in the boot banner (on a terminal): the version string is searched
  // for when it is read (a scan of the whole image, ~50 ms for a 27 MB kernel).
  let summary: string | undefined;
  return {
    get summary(): string {
      if (summary === undefined) {
        const version = linuxVersion(whole === undefined ? k.data : whole.readAll());
        summary =
          `arm64 Image${k.gzip ? ".gz" : ""}${traits.length > 0 ? ` (${traits.join(", ")})` : ""}` +
          `${version === undefined ? "" : `, Linux ${version}`}, ${mib(whole === undefined ? k.data.length : size)}`;
      }
      return summary;
    },
    set summary(s: string) {
      summary = s;
    },
    warning: undefined,
  };
}

/**
 * `facts` for a kernel the built-in UEFI starts through its EFI stub: it starts PE/COFF images
 * ("MZ") only, and a load address is moot. A PE/COFF file that is no arm64 Image is an EFI
 * application; a file without the header gets the warning instead.
 */
export function uefiKernelFacts(
  facts: KernelFacts,
  path: string,
  file: Uint8Array,
  size = file.length,
): KernelFacts {
  const efiApp = file[0] === 0x4d && file[1] === 0x5a;
  if (facts.warning !== undefined && efiApp) facts.summary = `EFI application, ${size} bytes`;
  facts.warning = efiApp
    ? undefined
    : `kernel "${path}" has no PE/COFF header (no EFI stub): the built-in UEFI cannot start it`;
  return facts;
}

/**
 * The kernel file as `armature run` boots it, and its facts. Through the built-in UEFI (`uefi`), a
 * PE/COFF file is read on demand (peImageFile: its headers now, the rest straight into guest RAM
 * where the firmware lays it out) and the facts are the UEFI's (uefiKernelFacts); otherwise the
 * file is read whole.
 */
export function runKernel(
  path: string,
  o: { ramBase: number; uefi: boolean },
): { kernel: Uint8Array | BootImageFile; facts: KernelFacts } {
  const pe = o.uefi ? peImageFile(path) : undefined;
  const head = pe === undefined ? readBytes(path) : pe.head;
  const facts = kernelFacts(
    path,
    head,
    o.ramBase,
    pe === undefined ? undefined : { size: pe.file.size, readAll: () => readBytes(path) },
  );
  return {
    kernel: pe === undefined ? head : pe.file,
    facts: o.uefi ? uefiKernelFacts(facts, path, head, pe?.file.size) : facts,
  };
}

/** A warning when the command line is longer than arm64 Linux keeps. */
export function appendWarning(append: string | undefined): string | undefined {
  if (append === undefined) return undefined;
  const n = Buffer.byteLength(append);
  if (n < ARM64_COMMAND_LINE_SIZE) return undefined;
  return `--append is ${n} bytes; arm64 Linux keeps only the first ${ARM64_COMMAND_LINE_SIZE - 1} (COMMAND_LINE_SIZE ${ARM64_COMMAND_LINE_SIZE}) and drops the rest`;
}
