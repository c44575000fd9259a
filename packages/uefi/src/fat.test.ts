// The FAT reader against dosfstools' mkfs.fat and mtools' mmd/mcopy (independent writers):
// random trees of files with long and short names read back byte for byte on FAT12, FAT16 and
// FAT32; mutated volumes give FatError, never another exception. Property runs print their seed
// (FUZZ_SEED, FUZZ_RUNS reproduce them).

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { FatError, type FatNode, FatVolume } from "./fat.js";
import { buildFatImage, haveDiskTools, type ImageFile } from "./test/disk-images.js";

const seed = Number(process.env.FUZZ_SEED ?? Date.now() % 2 ** 31);
const runs = Number(process.env.FUZZ_RUNS ?? 200);
const SIZES = {
  12: { sizeKiB: 2048, spc: 4 },
  16: { sizeKiB: 16384, spc: 4 },
  32: { sizeKiB: 40960, spc: 1 },
};

const volumeOf = (img: Uint8Array) =>
  new FatVolume({
    size: img.length,
    read: (o, d) => {
      d.set(img.subarray(o, o + d.length));
      return true;
    },
  });

/** Every file under `dir`, as "a/b/c" paths with their bytes. */
function walk(v: FatVolume, dir: FatNode, prefix = "", depth = 0): Map<string, Uint8Array> {
  const out = new Map<string, Uint8Array>();
  if (depth > 6) return out; // a corrupt directory may contain itself
  for (const n of v.list(dir)) {
    const p = prefix === "" ? n.name : `${prefix}/${n.name}`;
    if (n.isDirectory) for (const [k, b] of walk(v, n, p, depth + 1)) out.set(k, b);
    else out.set(p, v.read(n, 0, n.size));
  }
  return out;
}

const nameArb = fc.oneof(
  fc.stringMatching(/^[A-Z0-9]{1,8}(\.[A-Z0-9]{1,3})?$/), // a plain 8.3 name
  fc.stringMatching(/^[a-z0-9][a-z0-9 ._+-]{0,30}[a-z0-9]$/), // a long name
);

describe.skipIf(!haveDiskTools())("FatVolume", () => {
  process.stderr.write(`fat tests: FUZZ_SEED=${seed} FUZZ_RUNS=${runs}\n`);

  for (const fat of [12, 16, 32] as const)
    it(`FAT${fat}: random trees written by mtools read back (names, sizes, bytes; property)`, () => {
      fc.assert(
        fc.property(
          fc.uniqueArray(
            fc.record({
              dir: fc.constantFrom("", "EFI", "EFI/BOOT", "EFI/debian", "a long directory name"),
              name: nameArb,
              size: fc.oneof(
                fc.constant(0),
                fc.integer({ min: 1, max: 3000 }),
                fc.integer({ min: 3000, max: 70_000 }),
              ),
              fill: fc.integer({ min: 0, max: 255 }),
            }),
            { minLength: 1, maxLength: 6, selector: (f) => `${f.dir}/${f.name}`.toUpperCase() },
          ),
          (spec) => {
            // A directory name must not also be a file name in the same folder.
            const files: ImageFile[] = spec
              .filter(
                (f) => !["EFI", "BOOT", "DEBIAN", "A LONG DIRECTORY NAME"].includes(f.name.toUpperCase()),
              )
              .map((f) => ({
                path: f.dir === "" ? f.name : `${f.dir}/${f.name}`,
                data: new Uint8Array(f.size).map((_, i) => (i * 31 + f.fill) & 0xff),
              }));
            if (files.length === 0) return;
            const img = buildFatImage({
              fat,
              sizeKiB: SIZES[fat].sizeKiB,
              sectorsPerCluster: SIZES[fat].spc,
              label: "PROPTEST",
              files,
            });
            const v = volumeOf(img);
            expect(v.type).toBe(fat);
            expect(v.label).toBe("PROPTEST");
            const got = walk(v, v.root());
            expect([...got.keys()].sort()).toEqual(files.map((f) => f.path).sort());
            for (const f of files) {
              expect(got.get(f.path)).toEqual(f.data);
              // Case-insensitive lookup, backslashes, and a partial read at an offset.
              const node = v.resolve(`\\${f.path.toUpperCase().replace(/\//g, "\\")}`)?.at(-1);
              expect(node?.size).toBe(f.data.length);
              if (node !== undefined) expect(v.read(node, 7, 100)).toEqual(f.data.subarray(7, 107));
            }
          },
        ),
        { seed, numRuns: Math.min(runs, 5) },
      );
    });

  it("a FAT32 file's 8.3 alias resolves too, and timestamps come from the entry", () => {
    const img = buildFatImage({
      fat: 32,
      sizeKiB: 40960,
      sectorsPerCluster: 1,
      files: [{ path: "EFI/debian/initrd.img-6.1.0-57-arm64", data: new Uint8Array([1, 2, 3]) }],
    });
    const v = volumeOf(img);
    const dir = v.resolve("/efi/debian")!.at(-1)!;
    const [n] = v.list(dir);
    expect(n?.name).toBe("initrd.img-6.1.0-57-arm64");
    expect(v.lookup(dir, n!.shortName)?.name).toBe(n?.name);
    expect(n!.modified.year).toBeGreaterThanOrEqual(2020);
    expect(v.freeClusters()).toBeLessThan(v.clusterCount);
  });

  it("a looping cluster chain and a chain into free clusters are FatErrors", () => {
    const img = buildFatImage({
      fat: 16,
      sizeKiB: 16384,
      sectorsPerCluster: 4,
      files: [{ path: "A.BIN", data: new Uint8Array(10_000).fill(7) }],
    });
    const v = volumeOf(img);
    const node = v.lookup(v.root(), "a.bin")!;
    const fatAt = new DataView(img.buffer).getUint16(14, true) * 512;
    const loop = img.slice();
    new DataView(loop.buffer).setUint16(fatAt + 2 * (node.cluster + 1), node.cluster, true);
    expect(() => volumeOf(loop).read(node, 0, node.size)).toThrow(/loops/);
    const free = img.slice();
    new DataView(free.buffer).setUint16(fatAt + 2 * node.cluster, 0, true);
    expect(() => volumeOf(free).read(node, 0, node.size)).toThrow(/marked free/);
  });

  it("mutated volumes give FatError, never another exception (fuzz)", () => {
    const bases = ([12, 16, 32] as const).map((fat) =>
      buildFatImage({
        fat,
        sizeKiB: SIZES[fat].sizeKiB,
        sectorsPerCluster: SIZES[fat].spc,
        files: [
          { path: "EFI/BOOT/BOOTAA64.EFI", data: new Uint8Array(9000).fill(1) },
          { path: "some long name.txt", data: new Uint8Array(100).fill(2) },
        ],
      }),
    );
    // Where the interesting bytes are: the boot sector, the start of the FAT, the root directory.
    const hot = (img: Uint8Array): number[] => {
      const v = new DataView(img.buffer);
      const bps = v.getUint16(11, true);
      const rsvd = v.getUint16(14, true);
      const fatSz = v.getUint16(22, true) || v.getUint32(36, true);
      return [0, rsvd * bps, (rsvd + img[16]! * fatSz) * bps];
    };
    let errors = 0;
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 2 }),
        fc.array(
          fc.tuple(
            fc.integer({ min: 0, max: 2 }),
            fc.integer({ min: 0, max: 511 }),
            fc.integer({ min: 0, max: 255 }),
          ),
          {
            minLength: 1,
            maxLength: 12,
          },
        ),
        (which, edits) => {
          const img = bases[which]!.slice();
          const h = hot(img);
          for (const [region, off, val] of edits) img[h[region]! + off] = val;
          try {
            const v = volumeOf(img);
            walk(v, v.root());
            v.resolve("\\EFI\\BOOT\\BOOTAA64.EFI");
          } catch (e) {
            if (!(e instanceof FatError)) throw e;
            errors++;
          }
        },
      ),
      { seed, numRuns: runs },
    );
    expect(errors).toBeGreaterThan(0);
  });
});
