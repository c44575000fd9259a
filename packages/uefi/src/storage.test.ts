// BLOCK_IO, DISK_IO, SIMPLE_FILE_SYSTEM and FILE_PROTOCOL called as a guest calls them (through
// the HVC dispatcher) on a GPT disk made by sgdisk with a FAT16 ESP filled by mtools; then a
// bounded fuzz of the same services with live interface pointers: 0 host exceptions.

import { MemoryBlockBackend } from "@armature/core";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { SERVICES as SERVICE_NAMES } from "./firmware.js";
import { guidBytes } from "./guid.js";
import {
  EFI_BAD_BUFFER_SIZE,
  EFI_BUFFER_TOO_SMALL,
  EFI_INVALID_PARAMETER,
  EFI_MEDIA_CHANGED,
  EFI_NOT_FOUND,
  EFI_SUCCESS,
  EFI_UNSUPPORTED,
  EFI_WRITE_PROTECTED,
} from "./status.js";
import { filePathNode, hardDriveNode, STORAGE_GUID } from "./storage.js";
import { buildGptImage, buildTestPe, haveDiskTools, UefiTestDriver } from "./test/index.js";

const seed = Number(process.env.FUZZ_SEED ?? Date.now() % 2 ** 31);
const runs = Number(process.env.FUZZ_RUNS ?? 300);

describe.skipIf(!haveDiskTools())("storage protocols", () => {
  const text = new TextEncoder().encode("line one\nline two\n".repeat(300));
  const { image, starts } = buildGptImage({
    sizeMiB: 20,
    partitions: [
      {
        sizeMiB: 16,
        code: "EF00",
        name: "EFI",
        guid: "0e4b1c2d-3a5f-4b6e-8c7d-9f0a1b2c3d4e",
        fat: {
          fat: 16,
          label: "ESPVOL",
          files: [
            { path: "EFI/BOOT/BOOTAA64.EFI", data: buildTestPe() },
            { path: "docs/Read Me.txt", data: text },
          ],
        },
      },
    ],
  });
  const setup = (readOnly = false) => {
    const disk = new MemoryBlockBackend(image.slice(), { readOnly });
    const d = new UefiTestDriver({ platform: { disks: [disk] } });
    const handles = (guid: string): bigint[] => {
      const nP = d.alloc(8);
      const bP = d.alloc(8);
      if (d.call("BS.LocateHandleBuffer", 2, d.guid(guidBytes(guid)), 0, nP, bP) !== EFI_SUCCESS) return [];
      return Array.from({ length: Number(d.u64(nP)) }, (_, i) => d.u64(Number(d.u64(bP)) + 8 * i));
    };
    const iface = (h: bigint, guid: string): number => {
      const p = d.alloc(8);
      expect(d.call("BS.HandleProtocol", h, d.guid(guidBytes(guid)), p)).toBe(EFI_SUCCESS);
      return Number(d.u64(p));
    };
    return { d, disk, handles, iface };
  };
  /** Call the function at `index` of the interface at `obj` (its stub names the service). */
  const fn = (d: UefiTestDriver, obj: number, index: number, ...args: (number | bigint)[]) => {
    const stub = Number(d.u64(obj + 8 * index));
    // Resolve the service name from the stub address.
    const svc = SERVICE_BY_STUB(d).get(stub);
    if (svc === undefined) throw new Error(`no service at 0x${stub.toString(16)}`);
    return d.call(svc, obj, ...args);
  };

  it("a handle per disk and partition with BLOCK_IO and DISK_IO; SIMPLE_FILE_SYSTEM and the ESP GUID on the FAT partition", () => {
    const { d, handles, iface } = setup();
    const blk = handles(STORAGE_GUID.BLOCK_IO);
    expect(blk).toHaveLength(2);
    expect(handles(STORAGE_GUID.DISK_IO)).toHaveLength(2);
    const fs = handles(STORAGE_GUID.SIMPLE_FILE_SYSTEM);
    expect(fs).toEqual([blk[1]]);
    expect(handles(STORAGE_GUID.ESP)).toEqual([blk[1]]);
    // Media: the partition is a logical partition of 16 MiB.
    const bio = iface(blk[1]!, STORAGE_GUID.BLOCK_IO);
    const media = Number(d.u64(bio + 8));
    expect(d.bytes(media + 4, 4)).toEqual(new Uint8Array([0, 1, 1, 0]));
    expect(d.u32(media + 12)).toBe(512);
    expect(d.u64(media + 24)).toBe(BigInt((16 << 20) / 512 - 1));
    // ReadBlocks: LBA 0 of the partition is the FAT boot sector.
    const buf = d.alloc(1024);
    expect(fn(d, bio, 3, 0, 0, 1024, buf)).toBe(EFI_SUCCESS);
    expect(d.bytes(buf, 1024)).toEqual(image.subarray(starts[0]!, starts[0]! + 1024));
    expect(fn(d, bio, 3, 0, 0, 100, buf)).toBe(EFI_BAD_BUFFER_SIZE);
    expect(fn(d, bio, 3, 1, 0, 512, buf)).toBe(EFI_MEDIA_CHANGED);
    expect(fn(d, bio, 3, 0, (16 << 20) / 512, 512, buf)).toBe(EFI_INVALID_PARAMETER);
    // DiskIo on the whole disk: unaligned bytes.
    const dio = iface(blk[0]!, STORAGE_GUID.DISK_IO);
    expect(fn(d, dio, 1, 0, 513, 7, buf)).toBe(EFI_SUCCESS);
    expect(d.bytes(buf, 7)).toEqual(image.subarray(513, 520));
    // UEFI 2.x §13.7: another MediaId, a range past the end, a null buffer; nothing to read succeeds.
    expect(fn(d, dio, 1, 1, 513, 7, buf)).toBe(EFI_MEDIA_CHANGED);
    expect(fn(d, dio, 1, 0, image.length - 3, 7, buf)).toBe(EFI_INVALID_PARAMETER);
    expect(fn(d, dio, 1, 0, 513, 7, 0)).toBe(EFI_INVALID_PARAMETER);
    expect(fn(d, dio, 1, 0, 513, 0, 0)).toBe(EFI_SUCCESS);
    // The device path of the partition ends in HD(1,GPT,...).
    const dp = iface(blk[1]!, "09576e91-6d3f-11d2-8e39-00a0c969723b");
    expect(d.bytes(dp + 24, 42)).toEqual(
      hardDriveNode({
        number: 1,
        guid: "0e4b1c2d-3a5f-4b6e-8c7d-9f0a1b2c3d4e",
        firstLba: 2048,
        lastLba: 2048 + 32767,
      }),
    );
  });

  it("WriteBlocks writes a writable disk and is refused on a read-only one", () => {
    const rw = setup();
    const bio = rw.iface(rw.handles(STORAGE_GUID.BLOCK_IO)[0]!, STORAGE_GUID.BLOCK_IO);
    const buf = rw.d.alloc(512);
    rw.d.put(buf, new Uint8Array(512).fill(0xab));
    expect(fn(rw.d, bio, 4, 0, 40000, 512, buf)).toBe(EFI_SUCCESS);
    expect(rw.disk.data[40000 * 512]).toBe(0xab);
    const ro = setup(true);
    const bro = ro.iface(ro.handles(STORAGE_GUID.BLOCK_IO)[0]!, STORAGE_GUID.BLOCK_IO);
    expect(fn(ro.d, bro, 4, 0, 40000, 512, ro.d.alloc(512))).toBe(EFI_WRITE_PROTECTED);
    // WriteDisk (DiskIo function 2) likewise.
    const dro = ro.iface(ro.handles(STORAGE_GUID.DISK_IO)[0]!, STORAGE_GUID.DISK_IO);
    expect(fn(ro.d, dro, 2, 0, 40000 * 512, 3, ro.d.alloc(8))).toBe(EFI_WRITE_PROTECTED);
    const drw = rw.iface(rw.handles(STORAGE_GUID.DISK_IO)[0]!, STORAGE_GUID.DISK_IO);
    rw.d.put(buf, Uint8Array.of(1, 2, 3));
    expect(fn(rw.d, drw, 2, 0, 40000 * 512 + 1, 3, buf)).toBe(EFI_SUCCESS);
    expect([...rw.disk.data.subarray(40000 * 512, 40000 * 512 + 5)]).toEqual([0xab, 1, 2, 3, 0xab]);
  });

  it("FILE_PROTOCOL: Open (case-insensitive, relative), Read, positions, GetInfo, directory reads, write refused", () => {
    const { d, handles, iface } = setup();
    const sfs = iface(handles(STORAGE_GUID.SIMPLE_FILE_SYSTEM)[0]!, STORAGE_GUID.SIMPLE_FILE_SYSTEM);
    const rootP = d.alloc(8);
    expect(fn(d, sfs, 1, rootP)).toBe(EFI_SUCCESS);
    const root = Number(d.u64(rootP));
    const fP = d.alloc(8);
    expect(fn(d, root, 1, fP, d.utf16("\\DOCS\\read me.TXT"), 1, 0)).toBe(EFI_SUCCESS);
    const f = Number(d.u64(fP));
    expect(fn(d, root, 1, d.alloc(8), d.utf16("\\docs\\nope"), 1, 0)).toBe(EFI_NOT_FOUND);
    expect(fn(d, root, 1, d.alloc(8), d.utf16("\\docs\\read me.txt"), 3, 0)).toBe(EFI_WRITE_PROTECTED);
    // GetInfo(FILE_INFO): too small first, then the size and the name.
    const sizeP = d.alloc(8);
    const info = d.alloc(512);
    const fi = d.guid(guidBytes(STORAGE_GUID.FILE_INFO));
    d.setU64(sizeP, 10n);
    expect(fn(d, f, 8, fi, sizeP, info)).toBe(EFI_BUFFER_TOO_SMALL);
    expect(d.u64(sizeP)).toBe(BigInt(80 + 2 * ("Read Me.txt".length + 1)));
    expect(fn(d, f, 8, fi, sizeP, info)).toBe(EFI_SUCCESS);
    expect(d.u64(info + 8)).toBe(BigInt(text.length));
    // Read in two pieces, SetPosition / GetPosition, EOF.
    const buf = d.alloc(text.length);
    d.setU64(sizeP, 100n);
    expect(fn(d, f, 4, sizeP, buf)).toBe(EFI_SUCCESS);
    expect(d.bytes(buf, 100)).toEqual(text.subarray(0, 100));
    expect(fn(d, f, 7, 5000)).toBe(EFI_SUCCESS);
    d.setU64(sizeP, 1n << 20n);
    expect(fn(d, f, 4, sizeP, buf)).toBe(EFI_SUCCESS);
    expect(d.u64(sizeP)).toBe(BigInt(text.length - 5000));
    expect(d.bytes(buf, 50)).toEqual(text.subarray(5000, 5050));
    const posP = d.alloc(8);
    expect(fn(d, f, 6, posP)).toBe(EFI_SUCCESS);
    expect(d.u64(posP)).toBe(BigInt(text.length));
    d.setU64(sizeP, 10n);
    expect(fn(d, f, 4, sizeP, buf)).toBe(EFI_SUCCESS);
    expect(d.u64(sizeP)).toBe(0n);
    expect(fn(d, f, 5, sizeP, buf)).toBe(EFI_WRITE_PROTECTED);
    // Relative open from a directory handle; ".." climbs.
    const dirP = d.alloc(8);
    expect(fn(d, root, 1, dirP, d.utf16("EFI\\BOOT"), 1, 0)).toBe(EFI_SUCCESS);
    const dir = Number(d.u64(dirP));
    expect(fn(d, dir, 1, d.alloc(8), d.utf16("bootaa64.efi"), 1, 0)).toBe(EFI_SUCCESS);
    expect(fn(d, dir, 1, d.alloc(8), d.utf16("..\\..\\docs\\Read Me.txt"), 1, 0)).toBe(EFI_SUCCESS);
    // Directory reads: one EFI_FILE_INFO per entry, then size 0; GetPosition unsupported.
    const names: string[] = [];
    for (;;) {
      d.setU64(sizeP, 512n);
      expect(fn(d, root, 4, sizeP, info)).toBe(EFI_SUCCESS);
      const n = Number(d.u64(sizeP));
      if (n === 0) break;
      names.push(new TextDecoder("utf-16le").decode(d.bytes(info + 80, n - 82)));
    }
    expect(names.sort()).toEqual(["EFI", "docs"].sort()); // in directory order, as mmd created them
    expect(fn(d, root, 6, posP)).toBe(EFI_UNSUPPORTED);
    expect(fn(d, root, 7, 0)).toBe(EFI_SUCCESS);
    // FILE_SYSTEM_INFO: read-only, the label.
    d.setU64(sizeP, 512n);
    expect(fn(d, root, 8, d.guid(guidBytes(STORAGE_GUID.FILE_SYSTEM_INFO)), sizeP, info)).toBe(EFI_SUCCESS);
    expect(d.bytes(info + 8, 1)[0]).toBe(1);
    expect(new TextDecoder("utf-16le").decode(d.bytes(info + 36, 12))).toBe("ESPVOL");
    // Close: the handle is gone.
    expect(fn(d, f, 2)).toBe(EFI_SUCCESS);
    expect(d.call("File.Read", f, sizeP, buf)).toBe(EFI_INVALID_PARAMETER);
  });

  it("LoadImage from a device path: HD(...)/File(...) loads the file; its DeviceHandle has SIMPLE_FILE_SYSTEM", () => {
    const { d, handles } = setup();
    const hd = hardDriveNode({
      number: 1,
      guid: "0e4b1c2d-3a5f-4b6e-8c7d-9f0a1b2c3d4e",
      firstLba: 2048,
      lastLba: 2048 + 32767,
    });
    const file = filePathNode("\\EFI\\BOOT\\BOOTAA64.EFI");
    const dp = new Uint8Array([...hd, ...file, 0x7f, 0xff, 4, 0]);
    const dpA = d.alloc(dp.length);
    d.put(dpA, dp);
    const hP = d.alloc(8);
    expect(d.call("BS.LoadImage", 0, d.fw.imageHandle, dpA, 0, 0, hP)).toBe(EFI_SUCCESS);
    const li = d.alloc(8);
    d.call("BS.HandleProtocol", d.u64(hP), d.guid(guidBytes("5b1b31a1-9562-11d2-8e3f-00a0c969723b")), li);
    expect(d.u64(Number(d.u64(li)) + 24)).toBe(handles(STORAGE_GUID.SIMPLE_FILE_SYSTEM)[0]);
    const missing = new Uint8Array([...hd, ...filePathNode("\\nope.efi"), 0x7f, 0xff, 4, 0]);
    d.put(dpA, missing);
    expect(d.call("BS.LoadImage", 0, d.fw.imageHandle, dpA, 0, 0, hP)).toBe(EFI_NOT_FOUND);
  });

  it("fuzz: storage services with live and random interface pointers, 0 host exceptions", () => {
    process.stderr.write(`storage fuzz: FUZZ_SEED=${seed} FUZZ_RUNS=${runs}\n`);
    const { d, handles, iface } = setup();
    const sfs = iface(handles(STORAGE_GUID.SIMPLE_FILE_SYSTEM)[0]!, STORAGE_GUID.SIMPLE_FILE_SYSTEM);
    const rootP = d.alloc(8);
    fn(d, sfs, 1, rootP);
    const live = [
      sfs,
      Number(d.u64(rootP)),
      ...handles(STORAGE_GUID.BLOCK_IO).map((h) => iface(h, STORAGE_GUID.BLOCK_IO)),
      ...handles(STORAGE_GUID.DISK_IO).map((h) => iface(h, STORAGE_GUID.DISK_IO)),
    ];
    const scratch = d.alloc(1 << 16);
    const names = [...SERVICE_BY_STUB(d).values()].filter((n) => /^(BlockIo|DiskIo|SimpleFs|File)\./.test(n));
    const arg = fc.oneof(
      fc.constant(0n),
      fc.constantFrom(...live.map(BigInt)),
      fc.integer({ min: 0, max: 0xfff0 }).map((o) => BigInt(scratch + o)),
      fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }),
      fc.integer({ min: 0, max: 70000 }).map(BigInt),
    );
    fc.assert(
      fc.property(fc.constantFrom(...names), fc.array(arg, { minLength: 6, maxLength: 6 }), (name, args) => {
        d.call(name, ...args);
      }),
      { seed, numRuns: runs },
    );
    expect(d.fw.internalErrors).toBe(0);
  });
});

const cache = new WeakMap<UefiTestDriver, Map<number, string>>();
/** Stub address -> service name. */
function SERVICE_BY_STUB(d: UefiTestDriver): Map<number, string> {
  let m = cache.get(d);
  if (m === undefined) {
    m = new Map();
    for (const n of SERVICE_NAMES) m.set(d.fw.stub(n), n);
    cache.set(d, m);
  }
  return m;
}
