// The board's disks as UEFI sees them (UEFI 2.10 §13.9 SIMPLE_FILE_SYSTEM / §13.5 FILE_PROTOCOL,
// §13.7 DISK_IO, §13.9 BLOCK_IO, §10.3 device paths): a handle per disk and per GPT partition with
// DEVICE_PATH, BLOCK_IO and DISK_IO, and SIMPLE_FILE_SYSTEM on every partition (or whole disk)
// holding a FAT volume. Files are read-only: Open for writing answers EFI_WRITE_PROTECTED; raw
// writes go through BLOCK_IO/DISK_IO on writable disks.

import { type BlockBackend, concatBytes } from "@armature/core";
import { FatError, type FatNode, type FatTime, FatVolume } from "./fat.js";
import { GPT_PARTITION_TYPE, type GptEntry, GptError, readGpt } from "./gpt.js";
import { guidBytes, guidText } from "./guid.js";
import {
  EFI_ACCESS_DENIED,
  EFI_BAD_BUFFER_SIZE,
  EFI_BUFFER_TOO_SMALL,
  EFI_DEVICE_ERROR,
  EFI_INVALID_PARAMETER,
  EFI_MEDIA_CHANGED,
  EFI_NOT_FOUND,
  EFI_OUT_OF_RESOURCES,
  EFI_SUCCESS,
  EFI_UNSUPPORTED,
  EFI_VOLUME_CORRUPTED,
  EFI_WARN_DELETE_FAILURE,
  EFI_WRITE_PROTECTED,
} from "./status.js";

export const STORAGE_GUID = {
  BLOCK_IO: "964e5b21-6459-11d2-8e39-00a0c969723b",
  DISK_IO: "ce345171-ba0b-11d2-8e4f-00a0c969723b",
  SIMPLE_FILE_SYSTEM: "964e5b22-6459-11d2-8e39-00a0c969723b",
  FILE_INFO: "09576e92-6d3f-11d2-8e39-00a0c969723b",
  FILE_SYSTEM_INFO: "09576e93-6d3f-11d2-8e39-00a0c969723b",
  FILE_SYSTEM_VOLUME_LABEL: "db47d7d3-fe81-11d3-9a35-0090273fc14d",
  /** Installed (NULL interface) on EFI System Partition handles, as EDK2 does. */
  ESP: GPT_PARTITION_TYPE.efiSystem,
  /** Vendor GUID of the disks' VenHw device path node. */
  ARMATURE_DISK: "6a5e2c1d-8b4f-4e3a-9d7c-0f1e2d3c4b5a",
} as const;

/** Trap names of the storage protocols, in the order of their interface structures. */
export const STORAGE_SERVICES = {
  blockIo: ["BlockIo.Reset", "BlockIo.ReadBlocks", "BlockIo.WriteBlocks", "BlockIo.FlushBlocks"],
  diskIo: ["DiskIo.ReadDisk", "DiskIo.WriteDisk"],
  simpleFs: ["SimpleFs.OpenVolume"],
  file: [
    "File.Open",
    "File.Close",
    "File.Delete",
    "File.Read",
    "File.Write",
    "File.GetPosition",
    "File.SetPosition",
    "File.GetInfo",
    "File.SetInfo",
    "File.Flush",
  ],
} as const;

/** What the storage protocols need from the firmware (guest memory throws on bad pointers). */
export interface StorageHost {
  read(addr: bigint, len: number): Uint8Array;
  write(addr: bigint, data: Uint8Array): void;
  /** Boot-services memory for interface structures (never freed). */
  alloc(bytes: number): number;
  newHandle(protocols: { guid: string; iface: number }[]): number;
  addProtocol(handle: number, guid: string, iface: number): void;
  stub(name: string): number;
  /** A guest pointer argument that must not be NULL (throws the firmware's guest fault). */
  fault(): never;
}

/** A disk or one of its partitions: a byte range of a backend. */
interface BlockDev {
  disk: number;
  backend: BlockBackend;
  start: number;
  size: number;
  partition: GptEntry | undefined;
  handle: number;
  devicePath: Uint8Array;
  blockIo: number;
  diskIo: number;
  volume: FatVolume | undefined;
  fs: number;
}

interface OpenFile {
  dev: BlockDev;
  /** Directories from the root to the file. */
  path: FatNode[];
  pos: number;
  /** Next entry a directory Read returns. */
  dirIndex: number;
}

/** A FAT volume the boot manager can load from. */
export interface FileSystemHandle {
  handle: number;
  disk: number;
  /** Partition number (1-based), or 0 for a whole-disk volume. */
  partition: number;
  esp: boolean;
  devicePath: Uint8Array;
  volume: FatVolume;
}

const FILE_SLOTS = 256;
const FILE_IFACE_BYTES = 8 + 8 * STORAGE_SERVICES.file.length;
const FILE_SLOT_BYTES = 96;
const END_NODE = new Uint8Array([0x7f, 0xff, 4, 0]);

export class Storage {
  readonly devices: BlockDev[] = [];
  /** Problems found while scanning the disks (no GPT, a FAT that does not mount...). */
  readonly problems: string[] = [];
  private readonly byBlockIo = new Map<number, BlockDev>();
  private readonly byDiskIo = new Map<number, BlockDev>();
  private readonly byFs = new Map<number, BlockDev>();
  private readonly files = new Map<number, OpenFile>();
  private readonly freeSlots: number[] = [];

  constructor(
    private readonly h: StorageHost,
    disks: readonly BlockBackend[],
  ) {
    if (disks.length === 0) return;
    const slab = h.alloc(FILE_SLOTS * FILE_SLOT_BYTES);
    for (let i = FILE_SLOTS - 1; i >= 0; i--) this.freeSlots.push(slab + i * FILE_SLOT_BYTES);
    disks.forEach((backend, i) => {
      this.scanDisk(i, backend);
    });
  }

  private scanDisk(index: number, backend: BlockBackend): void {
    const diskPath = concatBytes([vendorHwNode(index), END_NODE]);
    const whole = this.addDevice(index, backend, 0, backend.size, undefined, diskPath);
    let gptProblem: string;
    try {
      const gpt = readGpt(backend);
      if (gpt.header === "backup")
        this.problems.push(`disk ${index}: primary GPT unusable (${gpt.primaryProblem}); using the backup`);
      for (const p of gpt.partitions) {
        const bs = backend.blockSize;
        const path = concatBytes([vendorHwNode(index), hardDriveNode(p), END_NODE]);
        const dev = this.addDevice(
          index,
          backend,
          p.firstLba * bs,
          (p.lastLba - p.firstLba + 1) * bs,
          p,
          path,
        );
        this.mount(dev, p.type === GPT_PARTITION_TYPE.efiSystem);
      }
      return;
    } catch (e) {
      if (!(e instanceof GptError)) throw e;
      gptProblem = e.message;
    }
    // No GPT: a whole-disk FAT volume (a "superfloppy") still gets a file system.
    if (!this.mount(whole, false, true)) this.problems.push(`disk ${index}: ${gptProblem}`);
  }

  private addDevice(
    disk: number,
    backend: BlockBackend,
    start: number,
    size: number,
    partition: GptEntry | undefined,
    devicePath: Uint8Array,
  ): BlockDev {
    const h = this.h;
    const bs = backend.blockSize;
    const media = h.alloc(48);
    const m = new Uint8Array(48);
    const mv = new DataView(m.buffer);
    mv.setUint32(0, 0, true); // MediaId
    m[4] = 0; // RemovableMedia
    m[5] = 1; // MediaPresent
    m[6] = partition === undefined ? 0 : 1; // LogicalPartition
    m[7] = backend.readOnly ? 1 : 0;
    m[8] = 0; // WriteCaching
    mv.setUint32(12, bs, true);
    mv.setUint32(16, 0, true); // IoAlign: any
    mv.setBigUint64(24, BigInt(size / bs - 1), true); // LastBlock
    mv.setBigUint64(32, 0n, true); // LowestAlignedLba
    mv.setUint32(40, 1, true); // LogicalBlocksPerPhysicalBlock
    mv.setUint32(44, 1, true); // OptimalTransferLengthGranularity
    h.write(BigInt(media), m);
    const blockIo = h.alloc(48);
    h.write(
      BigInt(blockIo),
      u64s([0x2001fn, BigInt(media), ...STORAGE_SERVICES.blockIo.map((s) => BigInt(h.stub(s)))]),
    );
    const diskIo = h.alloc(24);
    h.write(BigInt(diskIo), u64s([0x10000n, ...STORAGE_SERVICES.diskIo.map((s) => BigInt(h.stub(s)))]));
    const dp = h.alloc(devicePath.length);
    h.write(BigInt(dp), devicePath);
    const handle = h.newHandle([
      { guid: "09576e91-6d3f-11d2-8e39-00a0c969723b", iface: dp },
      { guid: STORAGE_GUID.BLOCK_IO, iface: blockIo },
      { guid: STORAGE_GUID.DISK_IO, iface: diskIo },
    ]);
    const dev: BlockDev = {
      disk,
      backend,
      start,
      size,
      partition,
      handle,
      devicePath,
      blockIo,
      diskIo,
      volume: undefined,
      fs: 0,
    };
    this.devices.push(dev);
    this.byBlockIo.set(blockIo, dev);
    this.byDiskIo.set(diskIo, dev);
    return dev;
  }

  /** Mount a FAT volume on `dev` and install SIMPLE_FILE_SYSTEM; false when it is not FAT. */
  private mount(dev: BlockDev, esp: boolean, quiet = false): boolean {
    try {
      dev.volume = new FatVolume({
        size: dev.size,
        read: (o, d) => dev.backend.read(dev.start + o, d),
      });
    } catch (e) {
      if (!(e instanceof FatError)) throw e;
      if (esp && !quiet)
        this.problems.push(
          `disk ${dev.disk} partition ${dev.partition?.number} (EFI System Partition): ${e.message}`,
        );
      return false;
    }
    const fs = this.h.alloc(16);
    this.h.write(BigInt(fs), u64s([0x10000n, BigInt(this.h.stub("SimpleFs.OpenVolume"))]));
    dev.fs = fs;
    this.byFs.set(fs, dev);
    this.h.addProtocol(dev.handle, STORAGE_GUID.SIMPLE_FILE_SYSTEM, fs);
    if (esp) this.h.addProtocol(dev.handle, STORAGE_GUID.ESP, 0);
    return true;
  }

  /** The FAT volumes, in disk and partition order. */
  fileSystems(): FileSystemHandle[] {
    return this.devices
      .filter((d) => d.volume !== undefined)
      .map((d) => ({
        handle: d.handle,
        disk: d.disk,
        partition: d.partition?.number ?? 0,
        esp: d.partition?.type === GPT_PARTITION_TYPE.efiSystem,
        devicePath: d.devicePath,
        volume: d.volume!,
      }));
  }

  /**
   * The file system and path a device path names: a full path (VenHw/HD/File) or a short-form one
   * starting at the HD node (what efibootmgr writes). `nodes` excludes the end node.
   */
  resolveDevicePath(nodes: readonly Uint8Array[]): { fs: FileSystemHandle; path: string } | undefined {
    for (const fs of this.fileSystems()) {
      const own = splitNodes(fs.devicePath);
      let rest: readonly Uint8Array[] | undefined;
      if (own.length <= nodes.length && own.every((n, i) => equal(n, nodes[i]!)))
        rest = nodes.slice(own.length);
      else {
        const hd = own[own.length - 1]!;
        const i = nodes.findIndex((n) => n[0] === 4 && n[1] === 1);
        if (i >= 0 && hd[0] === 4 && hd[1] === 1 && equal(nodes[i]!.subarray(24, 42), hd.subarray(24, 42)))
          rest = nodes.slice(i + 1);
      }
      if (rest === undefined) continue;
      let path = "";
      for (const n of rest) {
        if (n[0] !== 4 || n[1] !== 4) return undefined;
        let s = "";
        for (let k = 4; k + 1 < n.length; k += 2) {
          const c = n[k]! | (n[k + 1]! << 8);
          if (c === 0) break;
          s += String.fromCharCode(c);
        }
        path = path === "" ? s : `${path.replace(/\\$/, "")}\\${s.replace(/^\\/, "")}`;
      }
      return { fs, path };
    }
    return undefined;
  }

  // ------------------------------------------------------------------ services

  /** Answer trap `name` (x = the argument registers). */
  call(name: string, x: (n: number) => bigint): bigint {
    switch (name) {
      case "BlockIo.Reset":
        return this.byBlockIo.has(ptr(x(0))) ? EFI_SUCCESS : EFI_INVALID_PARAMETER;
      case "BlockIo.FlushBlocks": {
        const d = this.byBlockIo.get(ptr(x(0)));
        if (d === undefined) return EFI_INVALID_PARAMETER;
        return d.backend.readOnly || d.backend.flush() ? EFI_SUCCESS : EFI_DEVICE_ERROR;
      }
      case "BlockIo.ReadBlocks":
      case "BlockIo.WriteBlocks": {
        const d = this.byBlockIo.get(ptr(x(0)));
        if (d === undefined) return EFI_INVALID_PARAMETER;
        const bs = BigInt(d.backend.blockSize);
        return this.io(d, x(1), name === "BlockIo.WriteBlocks", x(2) * bs, x(3), x(4), bs);
      }
      case "DiskIo.ReadDisk":
      case "DiskIo.WriteDisk": {
        const d = this.byDiskIo.get(ptr(x(0)));
        if (d === undefined) return EFI_INVALID_PARAMETER;
        return this.io(d, x(1), name === "DiskIo.WriteDisk", x(2), x(3), x(4), 1n);
      }
      case "SimpleFs.OpenVolume": {
        const d = this.byFs.get(ptr(x(0)));
        if (d === undefined || d.volume === undefined) return EFI_INVALID_PARAMETER;
        if (x(1) === 0n) this.h.fault();
        return this.openFile(x(1), { dev: d, path: [d.volume.root()], pos: 0, dirIndex: 0 });
      }
    }
    const f = this.files.get(ptr(x(0)));
    if (f === undefined) return EFI_INVALID_PARAMETER;
    try {
      return this.fileCall(name, ptr(x(0)), f, x);
    } catch (e) {
      if (e instanceof FatError) return EFI_VOLUME_CORRUPTED;
      throw e;
    }
  }

  /**
   * The checks ReadBlocks/WriteBlocks (whole blocks, `unit` = the block size) and
   * ReadDisk/WriteDisk (`unit` = 1) make in the same order, then the copy: the media id, write
   * protection, an empty request (success), a partial block, a null buffer, the range.
   */
  private io(
    d: BlockDev,
    mediaId: bigint,
    write: boolean,
    offset: bigint,
    size: bigint,
    buffer: bigint,
    unit: bigint,
  ): bigint {
    if (mediaId !== 0n) return EFI_MEDIA_CHANGED;
    if (write && d.backend.readOnly) return EFI_WRITE_PROTECTED;
    if (size === 0n) return EFI_SUCCESS;
    if (size % unit !== 0n) return EFI_BAD_BUFFER_SIZE;
    if (buffer === 0n) return EFI_INVALID_PARAMETER;
    if (offset + size > BigInt(d.size) || size > 1n << 30n) return EFI_INVALID_PARAMETER;
    return this.transfer(d, Number(offset), Number(size), buffer, write);
  }

  private transfer(d: BlockDev, offset: number, size: number, buffer: bigint, write: boolean): bigint {
    if (write) {
      const data = this.h.read(buffer, size);
      if (!d.backend.write(d.start + offset, data)) return EFI_DEVICE_ERROR;
      for (const o of this.devices) if (o.backend === d.backend) o.volume?.invalidate();
      return EFI_SUCCESS;
    }
    const b = new Uint8Array(size);
    if (!d.backend.read(d.start + offset, b)) return EFI_DEVICE_ERROR;
    this.h.write(buffer, b);
    return EFI_SUCCESS;
  }

  private openFile(newHandleP: bigint, f: OpenFile): bigint {
    const slot = this.freeSlots.pop();
    if (slot === undefined) return EFI_OUT_OF_RESOURCES;
    this.h.write(
      BigInt(slot),
      u64s([0x10000n, ...STORAGE_SERVICES.file.map((s) => BigInt(this.h.stub(s)))]).subarray(
        0,
        FILE_IFACE_BYTES,
      ),
    );
    try {
      this.h.write(newHandleP, u64s([BigInt(slot)]));
    } catch (e) {
      this.freeSlots.push(slot);
      throw e;
    }
    this.files.set(slot, f);
    return EFI_SUCCESS;
  }

  private close(slot: number): void {
    this.files.delete(slot);
    this.freeSlots.push(slot);
  }

  private fileCall(name: string, slot: number, f: OpenFile, x: (n: number) => bigint): bigint {
    const vol = f.dev.volume!;
    const node = f.path[f.path.length - 1]!;
    switch (name) {
      case "File.Open": {
        const newP = x(1);
        if (newP === 0n) return EFI_INVALID_PARAMETER;
        const fileName = this.utf16(x(2));
        const mode = x(3);
        const READ = 1n;
        const WRITE = 2n;
        const CREATE = 1n << 63n;
        if (mode !== READ && mode !== (READ | WRITE) && mode !== (READ | WRITE | CREATE))
          return EFI_INVALID_PARAMETER;
        if (mode !== READ) return EFI_WRITE_PROTECTED;
        const base = node.isDirectory ? f.path : f.path.slice(0, -1);
        const path = vol.resolve(fileName, base);
        if (path === undefined) return EFI_NOT_FOUND;
        return this.openFile(newP, { dev: f.dev, path, pos: 0, dirIndex: 0 });
      }
      case "File.Close":
        this.close(slot);
        return EFI_SUCCESS;
      case "File.Delete":
        this.close(slot);
        return EFI_WARN_DELETE_FAILURE;
      case "File.Read": {
        const sizeP = x(1);
        if (sizeP === 0n) return EFI_INVALID_PARAMETER;
        const want = new DataView(this.h.read(sizeP, 8).buffer).getBigUint64(0, true);
        if (node.isDirectory) {
          const entries = vol.list(node);
          const e = entries[f.dirIndex];
          if (e === undefined) {
            this.h.write(sizeP, u64s([0n]));
            return EFI_SUCCESS;
          }
          const info = fileInfo(e, vol.clusterBytes);
          this.h.write(sizeP, u64s([BigInt(info.length)]));
          if (want < BigInt(info.length)) return EFI_BUFFER_TOO_SMALL;
          if (x(2) === 0n) return EFI_INVALID_PARAMETER;
          this.h.write(x(2), info);
          f.dirIndex++;
          return EFI_SUCCESS;
        }
        if (f.pos > node.size) return EFI_DEVICE_ERROR;
        const n = Number(want > 1n << 30n ? 1n << 30n : want);
        const data = vol.read(node, f.pos, n);
        if (data.length > 0) {
          if (x(2) === 0n) return EFI_INVALID_PARAMETER;
          this.h.write(x(2), data);
        }
        this.h.write(sizeP, u64s([BigInt(data.length)]));
        f.pos += data.length;
        return EFI_SUCCESS;
      }
      case "File.Write":
        return EFI_WRITE_PROTECTED;
      case "File.GetPosition":
        if (node.isDirectory) return EFI_UNSUPPORTED;
        if (x(1) === 0n) return EFI_INVALID_PARAMETER;
        this.h.write(x(1), u64s([BigInt(f.pos)]));
        return EFI_SUCCESS;
      case "File.SetPosition": {
        const p = x(1);
        if (node.isDirectory) {
          if (p !== 0n) return EFI_UNSUPPORTED;
          f.dirIndex = 0;
          return EFI_SUCCESS;
        }
        f.pos =
          p === 0xffff_ffff_ffff_ffffn
            ? node.size
            : p > BigInt(Number.MAX_SAFE_INTEGER)
              ? Number.MAX_SAFE_INTEGER
              : Number(p);
        return EFI_SUCCESS;
      }
      case "File.GetInfo": {
        if (x(1) === 0n || x(2) === 0n) return EFI_INVALID_PARAMETER;
        const type = guidText(this.h.read(x(1), 16));
        let info: Uint8Array;
        if (type === STORAGE_GUID.FILE_INFO) info = fileInfo(node, vol.clusterBytes);
        else if (type === STORAGE_GUID.FILE_SYSTEM_INFO) info = fileSystemInfo(vol);
        else if (type === STORAGE_GUID.FILE_SYSTEM_VOLUME_LABEL) info = utf16z(vol.label);
        else return EFI_UNSUPPORTED;
        const want = new DataView(this.h.read(x(2), 8).buffer).getBigUint64(0, true);
        this.h.write(x(2), u64s([BigInt(info.length)]));
        if (want < BigInt(info.length)) return EFI_BUFFER_TOO_SMALL;
        if (x(3) === 0n) return EFI_INVALID_PARAMETER;
        this.h.write(x(3), info);
        return EFI_SUCCESS;
      }
      case "File.SetInfo":
        return EFI_WRITE_PROTECTED;
      case "File.Flush":
        return EFI_ACCESS_DENIED;
      default:
        return EFI_UNSUPPORTED;
    }
  }

  private utf16(addr: bigint): string {
    if (addr === 0n) this.h.fault();
    let s = "";
    for (let i = 0; i < 4096; i++) {
      const b = this.h.read(addr + BigInt(2 * i), 2);
      const c = b[0]! | (b[1]! << 8);
      if (c === 0) return s;
      s += String.fromCharCode(c);
    }
    this.h.fault();
  }
}

function ptr(v: bigint): number {
  return v > BigInt(Number.MAX_SAFE_INTEGER) ? -1 : Number(v);
}

function u64s(vals: readonly bigint[]): Uint8Array {
  const b = new Uint8Array(8 * vals.length);
  const dv = new DataView(b.buffer);
  vals.forEach((v, i) => {
    dv.setBigUint64(8 * i, BigInt.asUintN(64, v), true);
  });
  return b;
}

function equal(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

export function utf16z(s: string): Uint8Array {
  const b = new Uint8Array(2 * (s.length + 1));
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    b[2 * i] = c & 0xff;
    b[2 * i + 1] = c >>> 8;
  }
  return b;
}

/** The nodes of a device path (without the end node). */
export function splitNodes(dp: Uint8Array): Uint8Array[] {
  const out: Uint8Array[] = [];
  let o = 0;
  while (o + 4 <= dp.length) {
    const len = dp[o + 2]! | (dp[o + 3]! << 8);
    if (dp[o] === 0x7f && dp[o + 1] === 0xff) break;
    if (len < 4 || o + len > dp.length) break;
    out.push(dp.subarray(o, o + len));
    o += len;
  }
  return out;
}

/** VenHw(ARMATURE_DISK, index): the disk's own node (UEFI 2.10 §10.3.2.4). */
function vendorHwNode(index: number): Uint8Array {
  const b = new Uint8Array(24);
  b.set([1, 4, 24, 0]);
  b.set(guidBytes(STORAGE_GUID.ARMATURE_DISK), 4);
  new DataView(b.buffer).setUint32(20, index, true);
  return b;
}

/** HD(PartitionNumber, GPT, signature, start, size): the Hard Drive media node (§10.3.5.1). */
export function hardDriveNode(p: Pick<GptEntry, "number" | "guid" | "firstLba" | "lastLba">): Uint8Array {
  const b = new Uint8Array(42);
  const v = new DataView(b.buffer);
  b.set([4, 1, 42, 0]);
  v.setUint32(4, p.number, true);
  v.setBigUint64(8, BigInt(p.firstLba), true);
  v.setBigUint64(16, BigInt(p.lastLba - p.firstLba + 1), true);
  b.set(guidBytes(p.guid), 24);
  b[40] = 2; // MBRType: GPT
  b[41] = 2; // SignatureType: GUID
  return b;
}

/** File(path): a File Path media node (§10.3.5.4). */
export function filePathNode(path: string): Uint8Array {
  const name = utf16z(path);
  const b = new Uint8Array(4 + name.length);
  b.set([4, 4, b.length & 0xff, b.length >>> 8]);
  b.set(name, 4);
  return b;
}

export const END_OF_DEVICE_PATH: Uint8Array = END_NODE;

function efiTime(t: FatTime): Uint8Array {
  const b = new Uint8Array(16);
  const v = new DataView(b.buffer);
  v.setUint16(0, t.year, true);
  b.set([t.month, t.day, t.hour, t.minute, t.second], 2);
  v.setInt16(12, 0x7ff, true); // EFI_UNSPECIFIED_TIMEZONE
  return b;
}

/** EFI_FILE_INFO (§13.5.16) of a FAT entry. */
function fileInfo(n: FatNode, clusterBytes: number): Uint8Array {
  const name = utf16z(n.name);
  const b = new Uint8Array(80 + name.length);
  const v = new DataView(b.buffer);
  v.setBigUint64(0, BigInt(b.length), true);
  v.setBigUint64(8, BigInt(n.size), true);
  v.setBigUint64(16, BigInt(Math.ceil(n.size / clusterBytes) * clusterBytes), true);
  b.set(efiTime(n.created), 24);
  b.set(efiTime(n.accessed), 40);
  b.set(efiTime(n.modified), 56);
  v.setBigUint64(72, BigInt((n.attributes & 0x37) | (n.isDirectory ? 0x10 : 0)), true);
  b.set(name, 80);
  return b;
}

/** EFI_FILE_SYSTEM_INFO (§13.5.17). */
function fileSystemInfo(vol: FatVolume): Uint8Array {
  const label = utf16z(vol.label);
  const b = new Uint8Array(36 + label.length);
  const v = new DataView(b.buffer);
  v.setBigUint64(0, BigInt(b.length), true);
  b[8] = 1; // ReadOnly: this firmware does not write FAT
  v.setBigUint64(16, BigInt(vol.totalBytes), true);
  v.setBigUint64(24, BigInt(vol.freeClusters() * vol.clusterBytes), true);
  v.setUint32(32, vol.clusterBytes, true);
  b.set(label, 36);
  return b;
}
