// The GPT reader against GNU fdisk's sgdisk (an independent writer), plus corruption: the backup
// header takes over when the primary fails, and mutated tables give GptError, never another
// exception. Property runs print their seed (FUZZ_SEED, FUZZ_RUNS reproduce them).

import { MemoryBlockBackend } from "@armature/core";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { crc32 } from "./crc32.js";
import { GPT_PARTITION_TYPE, GptError, readGpt } from "./gpt.js";
import { buildGptImage, haveDiskTools } from "./test/disk-images.js";

const LINUX = "0fc63daf-8483-4772-8e79-3d69d8477de4";
const seed = Number(process.env.FUZZ_SEED ?? Date.now() % 2 ** 31);
const runs = Number(process.env.FUZZ_RUNS ?? 200);

describe.skipIf(!haveDiskTools())("readGpt", () => {
  process.stderr.write(`gpt tests: FUZZ_SEED=${seed} FUZZ_RUNS=${runs}\n`);
  const { image } = buildGptImage({
    sizeMiB: 8,
    diskGuid: "5f1e9a3c-2b7d-4e8f-a1c6-0d9b8e7f6a51",
    partitions: [
      { sizeMiB: 2, code: "EF00", name: "EFI system", guid: "0e4b1c2d-3a5f-4b6e-8c7d-9f0a1b2c3d4e" },
      { sizeMiB: 3, code: "8300", name: "root" },
    ],
  });

  it("reads what sgdisk wrote: disk GUID, types, names, LBAs", () => {
    const t = readGpt(new MemoryBlockBackend(image));
    expect(t.header).toBe("primary");
    expect(t.diskGuid).toBe("5f1e9a3c-2b7d-4e8f-a1c6-0d9b8e7f6a51");
    expect(t.partitions.map((p) => [p.number, p.type, p.name, p.firstLba, p.lastLba])).toEqual([
      [1, GPT_PARTITION_TYPE.efiSystem, "EFI system", 2048, 2048 + 4096 - 1],
      [2, LINUX, "root", 2048 + 4096, 2048 + 4096 + 6144 - 1],
    ]);
    expect(t.partitions[0]!.guid).toBe("0e4b1c2d-3a5f-4b6e-8c7d-9f0a1b2c3d4e");
  });

  it("falls back to the backup header when the primary header or its array is corrupt", () => {
    const want = readGpt(new MemoryBlockBackend(image)).partitions;
    for (const [at, why] of [
      [512 + 20, /HeaderCRC32 mismatch/],
      [1024 + 5, /partition entry array: CRC32 mismatch/],
      [512, /no "EFI PART" signature/],
    ] as const) {
      const img = image.slice();
      img[at]! ^= 0xff;
      const t = readGpt(new MemoryBlockBackend(img));
      expect(t.header).toBe("backup");
      expect(t.primaryProblem).toMatch(why);
      expect(t.partitions).toEqual(want);
    }
    const both = image.slice();
    both[512 + 20]! ^= 1;
    both[both.length - 512 + 20]! ^= 1;
    expect(() => readGpt(new MemoryBlockBackend(both))).toThrow(
      /no valid GPT: primary GPT header: HeaderCRC32 mismatch .*; backup GPT header \(LBA \d+\): HeaderCRC32 mismatch/,
    );
    expect(() => readGpt(new MemoryBlockBackend(new Uint8Array(1024)))).toThrow(GptError);
  });

  it("random partition layouts written by sgdisk read back (property)", () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            sizeMiB: fc.integer({ min: 1, max: 3 }),
            esp: fc.boolean(),
            name: fc.stringMatching(/^[A-Za-z0-9 ]{1,20}$/),
          }),
          {
            minLength: 1,
            maxLength: 4,
          },
        ),
        (parts) => {
          const total = parts.reduce((a, p) => a + p.sizeMiB, 0) + 2;
          const { image: img } = buildGptImage({
            sizeMiB: total,
            partitions: parts.map((p) => ({
              sizeMiB: p.sizeMiB,
              code: p.esp ? "EF00" : "8300",
              name: p.name,
            })),
          });
          const t = readGpt(new MemoryBlockBackend(img));
          expect(t.partitions.map((p) => [p.type, p.name, p.lastLba - p.firstLba + 1])).toEqual(
            parts.map((p) => [
              p.esp ? GPT_PARTITION_TYPE.efiSystem : LINUX,
              p.name,
              (p.sizeMiB * 1024 * 1024) / 512,
            ]),
          );
        },
      ),
      { seed, numRuns: Math.min(runs, 6) },
    );
  });

  it("mutated tables (CRCs recomputed or not) give a table or GptError, never another exception", () => {
    const fixCrcs = (img: Uint8Array, headerAt: number) => {
      const v = new DataView(img.buffer);
      const count = v.getUint32(headerAt + 80, true);
      const size = v.getUint32(headerAt + 84, true);
      const arrayLba = Number(v.getBigUint64(headerAt + 72, true));
      if (count * size <= 65536 && arrayLba * 512 + count * size <= img.length)
        v.setUint32(headerAt + 88, crc32(img.subarray(arrayLba * 512, arrayLba * 512 + count * size)), true);
      const hs = v.getUint32(headerAt + 12, true);
      if (hs >= 92 && hs <= 512) {
        v.setUint32(headerAt + 16, 0, true);
        v.setUint32(headerAt + 16, crc32(img.subarray(headerAt, headerAt + hs)), true);
      }
    };
    let errors = 0;
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 512, max: 512 + 92 + 256 }), fc.integer({ min: 0, max: 255 })), {
          minLength: 1,
          maxLength: 8,
        }),
        fc.boolean(),
        fc.boolean(),
        (edits, fix, killBackup) => {
          const img = image.slice();
          for (const [at, v] of edits) img[at >= 512 + 92 ? 1024 + (at - 604) : at] = v;
          if (fix) fixCrcs(img, 512);
          if (killBackup) img.fill(0, img.length - 512);
          try {
            const t = readGpt(new MemoryBlockBackend(img));
            for (const p of t.partitions) expect(p.firstLba).toBeLessThanOrEqual(p.lastLba);
          } catch (e) {
            if (!(e instanceof GptError)) throw e;
            errors++;
          }
        },
      ),
      { seed, numRuns: runs },
    );
    expect(errors).toBeGreaterThan(0);
  });
});
