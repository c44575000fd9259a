// Test helpers: a hand-assembled AArch64 PE/COFF image, and a driver that calls the firmware's
// services the way a guest does (arguments in x0..x7 and on the stack, through the HVC dispatcher).

import { Bus } from "@armature/core";
import { type UefiAction, UefiFirmware, type UefiOptions } from "../firmware.js";
import { MemoryType } from "../memmap.js";
import type { BootImageFile } from "../pe.js";
import type { UefiCpu, UefiPlatform } from "../platform.js";

/** A BootImageFile over `image` (reads copy from it), and the positions it was read at, in order. */
export function bootImageFileOf(image: Uint8Array): { file: BootImageFile; reads: number[] } {
  const reads: number[] = [];
  const file: BootImageFile = {
    size: image.length,
    read(dst, position) {
      reads.push(position);
      dst.set(image.subarray(position, position + dst.length));
    },
  };
  return { file, reads };
}

export interface TestPeOptions {
  /** Instruction words of .text (entry at its start). */
  code?: readonly number[];
  machine?: number;
  /** Extra bytes appended to .text after the code (data the code refers to). */
  data?: Uint8Array;
  /** RVAs (within .text) of 64-bit words to list as DIR64 base relocations. */
  dir64?: readonly number[];
  imageBase?: bigint;
}

/**
 * A minimal PE32+ image (PE Format spec): MZ stub with e_lfanew 0x40, COFF header, optional
 * header with 16 data directories, one .text section at RVA 0x1000 (file offset 0x200), and a
 * .reloc section when `dir64` is given.
 */
export function buildTestPe(o: TestPeOptions = {}): Uint8Array {
  const code = o.code ?? [0xd2800000, 0xd65f03c0]; // mov x0, #0; ret
  const text = new Uint8Array(4 * code.length + (o.data?.length ?? 0));
  const tv = new DataView(text.buffer);
  code.forEach((w, i) => {
    tv.setUint32(4 * i, w >>> 0, true);
  });
  if (o.data) text.set(o.data, 4 * code.length);
  const textRaw = Math.ceil(text.length / 0x200) * 0x200 || 0x200;
  const relocs = o.dir64 ?? [];
  const reloc = new Uint8Array(relocs.length ? 8 + 2 * relocs.length + (relocs.length % 2 ? 2 : 0) : 0);
  if (relocs.length) {
    const rv = new DataView(reloc.buffer);
    rv.setUint32(0, 0x1000, true);
    rv.setUint32(4, reloc.length, true);
    relocs.forEach((rva, i) => {
      rv.setUint16(8 + 2 * i, (10 << 12) | (rva & 0xfff), true);
    });
  }
  const nsec = relocs.length ? 2 : 1;
  const textVirt = Math.ceil(text.length / 0x1000) * 0x1000 || 0x1000;
  const relocRva = 0x1000 + textVirt;
  const sizeOfImage = relocRva + (relocs.length ? 0x1000 : 0);
  const relocOff = 0x200 + textRaw;
  const file = new Uint8Array(relocOff + (relocs.length ? 0x200 : 0));
  const dv = new DataView(file.buffer);
  file[0] = 0x4d;
  file[1] = 0x5a;
  dv.setUint32(0x3c, 0x40, true);
  dv.setUint32(0x40, 0x00004550, true);
  dv.setUint16(0x44, o.machine ?? 0xaa64, true);
  dv.setUint16(0x46, nsec, true);
  dv.setUint16(0x54, 0xf0, true); // SizeOfOptionalHeader
  dv.setUint16(0x56, 0x0222, true); // executable, large address aware, debug stripped
  const opt = 0x58;
  dv.setUint16(opt, 0x20b, true);
  dv.setUint32(opt + 4, textRaw, true); // SizeOfCode
  dv.setUint32(opt + 16, 0x1000, true); // AddressOfEntryPoint
  dv.setUint32(opt + 20, 0x1000, true); // BaseOfCode
  dv.setBigUint64(opt + 24, o.imageBase ?? 0n, true);
  dv.setUint32(opt + 32, 0x1000, true); // SectionAlignment
  dv.setUint32(opt + 36, 0x200, true); // FileAlignment
  dv.setUint32(opt + 56, sizeOfImage, true);
  dv.setUint32(opt + 60, 0x200, true); // SizeOfHeaders
  dv.setUint16(opt + 68, 10, true); // EFI application
  dv.setUint32(opt + 108, 16, true); // NumberOfRvaAndSizes
  if (relocs.length) {
    dv.setUint32(opt + 112 + 5 * 8, relocRva, true);
    dv.setUint32(opt + 112 + 5 * 8 + 4, reloc.length, true);
  }
  const sec = opt + 0xf0;
  const putSection = (
    at: number,
    name: string,
    vsize: number,
    rva: number,
    rawSize: number,
    rawOff: number,
    ch: number,
  ) => {
    for (let i = 0; i < name.length; i++) file[at + i] = name.charCodeAt(i);
    dv.setUint32(at + 8, vsize, true);
    dv.setUint32(at + 12, rva, true);
    dv.setUint32(at + 16, rawSize, true);
    dv.setUint32(at + 20, rawOff, true);
    dv.setUint32(at + 36, ch, true);
  };
  putSection(sec, ".text", text.length, 0x1000, textRaw, 0x200, 0x6000_0020);
  if (relocs.length) putSection(sec + 40, ".reloc", reloc.length, relocRva, 0x200, relocOff, 0x4200_0040);
  file.set(text, 0x200);
  if (relocs.length) file.set(reloc, relocOff);
  return file;
}

/** A register file standing in for a vCPU (register 31 is SP). */
export class FakeCpu implements UefiCpu {
  readonly x = new Array<bigint>(32).fill(0n);
  pc = 0n;
  getX(n: number): bigint {
    return this.x[n]!;
  }
  setX(n: number, v: bigint): void {
    this.x[n] = BigInt.asUintN(64, v);
  }
  getPC(): bigint {
    return this.pc;
  }
  setPC(v: bigint): void {
    this.pc = v;
  }
}

export interface DriverOptions extends Partial<UefiOptions> {
  platform?: Partial<UefiPlatform>;
  ramBase?: number;
  ramMiB?: number;
}

/**
 * A UEFI firmware over a bus with RAM, and a fake vCPU that calls its services as guest code
 * does: `call("BS.AllocatePages", 0, 2, 1, ptr)` sets x0..x3, executes the service's HVC and
 * returns x0. Scratch memory for arguments comes from `alloc()` (LoaderData pages).
 */
export class UefiTestDriver {
  readonly bus = new Bus();
  readonly fw: UefiFirmware;
  readonly cpu = new FakeCpu();
  output = "";
  readonly input: number[] = [];
  nowNs = 0;
  resets: string[] = [];
  lastAction: UefiAction = "continue";

  constructor(o: DriverOptions = {}) {
    const base = o.ramBase ?? 0x4000_0000;
    const size = (o.ramMiB ?? 64) * 1024 * 1024;
    this.bus.addRam("ram", base, size);
    const platform: UefiPlatform = {
      memory: this.bus,
      ram: [{ base, size }],
      mmio: [{ base: 0x0900_0000, size: 0x1000 }],
      console: {
        write: (b) => {
          this.output += new TextDecoder().decode(b);
        },
        readByte: () => this.input.shift(),
        hasInput: () => this.input.length > 0,
      },
      wallClockMs: () => 1_700_000_000_000 + Math.floor(this.nowNs / 1e6),
      monotonicNs: () => this.nowNs,
      reset: (k) => {
        this.resets.push(k);
      },
      ...o.platform,
    };
    this.fw = new UefiFirmware(platform, { image: o.image ?? buildTestPe(), ...o });
    this.cpu.setX(31, BigInt(base + size - 16));
  }

  /** Call service `name` with `args` (beyond 8: on the stack, as AAPCS64 passes them). */
  call(name: string, ...args: (bigint | number)[]): bigint {
    for (let i = 0; i < 8; i++) this.cpu.setX(i, BigInt(args[i] ?? 0));
    if (args.length > 8) {
      const sp = this.cpu.getX(31) - BigInt(8 * (args.length - 8));
      this.cpu.setX(31, sp);
      args.slice(8).forEach((a, i) => {
        this.setU64(Number(sp) + 8 * i, BigInt(a));
      });
    }
    const stub = this.fw.stub(name);
    const word = this.bus.read(stub, 4);
    const imm = (word >>> 5) & 0xffff;
    this.cpu.setPC(BigInt(stub + 4));
    this.lastAction = this.fw.hvc(imm, this.cpu);
    return this.cpu.getX(0);
  }

  alloc(bytes: number): number {
    const a = this.fw.memoryMap.allocate("any", MemoryType.LoaderData, Math.max(1, Math.ceil(bytes / 4096)));
    if (a === undefined) throw new Error("test driver: out of memory");
    return a;
  }
  u64(addr: number): bigint {
    return this.bus.read64(addr);
  }
  u32(addr: number): number {
    return this.bus.read(addr, 4);
  }
  setU64(addr: number, v: bigint): void {
    this.bus.write64(addr, v);
  }
  bytes(addr: number, n: number): Uint8Array {
    const b = new Uint8Array(n);
    this.bus.readBytes(addr, b);
    return b;
  }
  put(addr: number, b: Uint8Array): void {
    this.bus.writeBytes(addr, b);
  }
  /** Write `s` as NUL-terminated UTF-16 into fresh scratch memory; returns its address. */
  utf16(s: string): number {
    const a = this.alloc(2 * s.length + 2);
    const b = new Uint8Array(2 * s.length + 2);
    for (let i = 0; i < s.length; i++) {
      b[2 * i] = s.charCodeAt(i) & 0xff;
      b[2 * i + 1] = s.charCodeAt(i) >>> 8;
    }
    this.put(a, b);
    return a;
  }
  /** Put 16 GUID bytes into scratch memory; returns the address. */
  guid(bytes: Uint8Array): number {
    const a = this.alloc(16);
    this.put(a, bytes);
    return a;
  }
}

export type { FatImageOptions, GptImagePartition, ImageFile } from "./disk-images.js";
export { buildFatImage, buildGptImage, formatFat, haveDiskTools } from "./disk-images.js";
