import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type BootImageFile, PeImageError, parsePe, relocatePe } from "./pe.js";
import { buildTestPe } from "./test/index.js";

describe("PE/COFF loader", () => {
  it("applies DIR64 base relocations for any load address (property)", () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: 0n, max: (1n << 40n) - 1n }).map((b) => b & ~0xfffn),
        fc.integer({ min: 1, max: 1 << 20 }).map((p) => p * 4096),
        fc.array(fc.bigInt({ min: 0n, max: 0xffff_ffffn }), { minLength: 1, maxLength: 8 }),
        (imageBase, loadAt, words) => {
          const data = new Uint8Array(8 * words.length);
          const dv = new DataView(data.buffer);
          words.forEach((w, i) => {
            dv.setBigUint64(8 * i, imageBase + w, true);
          });
          const code = [0xd65f03c0, 0xd503201f]; // ret; nop (8 bytes: data starts 8-aligned)
          const file = buildTestPe({ code, data, imageBase, dir64: words.map((_, i) => 8 + 8 * i) });
          const pe = parsePe(file);
          const img = relocatePe(file, pe, loadAt);
          const iv = new DataView(img.buffer);
          words.forEach((w, i) => {
            expect(iv.getBigUint64(0x1000 + 8 + 8 * i, true)).toBe(BigInt.asUintN(64, BigInt(loadAt) + w));
          });
          expect(img[0]).toBe(0x4d);
        },
      ),
      { numRuns: 200 },
    );
  });

  it("refuses what it cannot run, with errors that say why", () => {
    expect(() => parsePe(new Uint8Array(100))).toThrow(/no MZ header/);
    const noPe = buildTestPe();
    noPe[0x40] = 0;
    expect(() => parsePe(noPe)).toThrow(/PE signature/);
    expect(() => parsePe(buildTestPe({ machine: 0x14c }))).toThrow(/0x14c \(i386\).*AArch64/);
    expect(() => parsePe(buildTestPe({ machine: 0x5064 }))).toThrow(PeImageError);
    const truncated = buildTestPe({ code: new Array(300).fill(0xd503201f) }).subarray(0, 0x300);
    expect(() => parsePe(truncated)).toThrow(/beyond the end of the file/);
    // A relocation pointing past the image.
    const bad = buildTestPe({ dir64: [0xff8] });
    const pe = parsePe(bad);
    const dv = new DataView(bad.buffer);
    dv.setUint32(0x200 + 0x200, 0x7000, true); // the block's page RVA, beyond SizeOfImage
    expect(() => relocatePe(bad, pe, 0x10_0000)).toThrow(/out of range/);
    // Relocations stripped with a preferred base: only that base.
    const stripped = buildTestPe({ imageBase: 0x8000_0000n });
    new DataView(stripped.buffer).setUint16(0x56, 0x0223, true);
    expect(() => relocatePe(stripped, parsePe(stripped), 0x4000_0000)).toThrow(/stripped/);
  });

  it("a BootImageFile: parsed from its first bytes and laid out by reads of its sections only", () => {
    const file = buildTestPe({ code: new Array(700).fill(0xd503201f), dir64: [0x1008] });
    const reads: [number, number][] = [];
    const source: BootImageFile = {
      size: file.length,
      read(dst, position) {
        reads.push([position, dst.length]);
        dst.set(file.subarray(position, position + dst.length));
      },
    };
    const pe = parsePe(file.subarray(0, 0x400), file.length);
    expect(pe).toEqual(parsePe(file));
    const load = 0x4020_0000;
    const ram = new Uint8Array(pe.sizeOfImage + 64).fill(0xee);
    const out = relocatePe(source, pe, load, ram);
    expect(out).toEqual(relocatePe(file, pe, load));
    // The headers and each loaded section's raw data: nothing else is read.
    expect(reads).toEqual([
      [0, Math.min(pe.sizeOfHeaders, file.length)],
      ...pe.sections
        .filter((s) => s.virtualAddress !== 0 && s.rawSize > 0)
        .map((s) => [s.rawOffset, Math.min(s.rawSize, s.virtualSize || s.rawSize)]),
    ]);
    // The file's size, not the bytes given, decides whether it is truncated.
    expect(() => parsePe(file.subarray(0, 0x400), 0x300)).toThrow(/beyond the end of the file/);
  });

  const kernel = join(import.meta.dirname, "../../../.cache/guest/Image");
  it.skipIf(!existsSync(kernel))("reads Debian's arm64 Image header as GNU objdump does", () => {
    const file = new Uint8Array(readFileSync(kernel));
    const pe = parsePe(file);
    let dump: string;
    try {
      dump = execFileSync("aarch64-linux-gnu-objdump", ["-p", kernel], { encoding: "utf8" });
    } catch {
      return;
    }
    const field = (n: string) => BigInt(`0x${new RegExp(`${n}\\s+([0-9a-f]+)`).exec(dump)![1]}`);
    expect(BigInt(pe.entryRva)).toBe(field("AddressOfEntryPoint"));
    expect(BigInt(pe.sizeOfImage)).toBe(field("SizeOfImage"));
    expect(BigInt(pe.sectionAlignment)).toBe(field("SectionAlignment"));
    expect(BigInt(pe.sizeOfHeaders)).toBe(field("SizeOfHeaders"));
    expect(pe.machine).toBe(0xaa64);
  });
});
