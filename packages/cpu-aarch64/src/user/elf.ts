import { ArmatureError } from "@armature/core";

/** A static ELF64 image that cannot be loaded (not AArch64, not executable, dynamic...). */
export class ElfError extends ArmatureError {
  constructor(message: string) {
    super("E_ELF", message);
  }
}

export interface ElfSegment {
  vaddr: number;
  memsz: number;
  filesz: number;
  offset: number;
  /** PF_R = 4, PF_W = 2, PF_X = 1 */
  flags: number;
}

export interface ElfImage {
  entry: number;
  phoff: number;
  phentsize: number;
  phnum: number;
  segments: ElfSegment[];
  /** Address of the program headers in memory (for AT_PHDR), 0 if not loaded by a segment. */
  phdrAddr: number;
  /** Whether the program asks for an interpreter (dynamic linking: not supported). */
  interp: string | null;
  /** End of the highest segment (initial program break). */
  end: number;
}

const PT_LOAD = 1;
const PT_INTERP = 3;
const PT_PHDR = 6;

/** Parse an ELF64 little-endian AArch64 executable (ELF spec + AArch64 ELF ABI). */
export function parseElf(bytes: Uint8Array): ElfImage {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.length < 64 || dv.getUint32(0, false) !== 0x7f454c46) throw new ElfError("not an ELF file");
  if (bytes[4] !== 2 || bytes[5] !== 1) throw new ElfError("only 64-bit little-endian ELF files run here");
  const type = dv.getUint16(16, true);
  const machine = dv.getUint16(18, true);
  if (machine !== 183) throw new ElfError(`ELF machine ${machine} is not AArch64 (183)`);
  if (type !== 2 && type !== 3) throw new ElfError(`ELF type ${type} is not an executable`);
  const entry = Number(dv.getBigUint64(24, true));
  const phoff = Number(dv.getBigUint64(32, true));
  const phentsize = dv.getUint16(54, true);
  const phnum = dv.getUint16(56, true);
  const segments: ElfSegment[] = [];
  let interp: string | null = null;
  let phdrAddr = 0;
  let end = 0;
  for (let i = 0; i < phnum; i++) {
    const o = phoff + i * phentsize;
    const ptype = dv.getUint32(o, true);
    const flags = dv.getUint32(o + 4, true);
    const offset = Number(dv.getBigUint64(o + 8, true));
    const vaddr = Number(dv.getBigUint64(o + 16, true));
    const filesz = Number(dv.getBigUint64(o + 32, true));
    const memsz = Number(dv.getBigUint64(o + 40, true));
    if (ptype === PT_LOAD) {
      segments.push({ vaddr, memsz, filesz, offset, flags });
      end = Math.max(end, vaddr + memsz);
      if (phoff >= offset && phoff < offset + filesz) phdrAddr = vaddr + (phoff - offset);
    } else if (ptype === PT_INTERP) {
      interp = new TextDecoder().decode(bytes.subarray(offset, offset + filesz)).replace(/\0.*$/, "");
    } else if (ptype === PT_PHDR) {
      phdrAddr = vaddr;
    }
  }
  if (segments.length === 0) throw new ElfError("ELF file has no loadable segment");
  return { entry, phoff, phentsize, phnum, segments, phdrAddr, interp, end };
}
