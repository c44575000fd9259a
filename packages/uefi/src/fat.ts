// A read-only FAT12/16/32 reader (Microsoft's "FAT: General Overview of On-Disk Format" 1.03):
// the BPB, the type from the count of clusters, cluster chains, the FAT12/16 fixed root and the
// FAT32 root chain, long file names (checksummed against their short entry) and case-insensitive
// lookup. The volume's bytes are untrusted: every problem is a FatError, never another exception.

import { ArmatureError } from "@armature/core";

/** Bytes of a volume (a partition of a disk). */
export interface VolumeReader {
  readonly size: number;
  /** False on a host I/O error. */
  read(offset: number, dst: Uint8Array): boolean;
}

/** The volume is not a usable FAT file system (or a read failed). */
export class FatError extends ArmatureError {
  constructor(message: string) {
    super("E_FAT", message);
  }
}

export const FAT_ATTR = {
  readOnly: 0x01,
  hidden: 0x02,
  system: 0x04,
  volumeId: 0x08,
  directory: 0x10,
  archive: 0x20,
  longName: 0x0f,
} as const;

/** A date and time as FAT stores them (local time, 2-second resolution for write times). */
export interface FatTime {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

export interface FatNode {
  /** The long name when there is one, else the 8.3 name (with the NT lower-case flags applied). */
  name: string;
  /** The 8.3 name as stored ("KERNEL.EFI"). */
  shortName: string;
  attributes: number;
  isDirectory: boolean;
  /** Bytes (0 for directories). */
  size: number;
  /** First cluster (0: empty file, or the FAT12/16 root). */
  cluster: number;
  created: FatTime;
  modified: FatTime;
  accessed: FatTime;
  /** True for the root directory. */
  isRoot: boolean;
}

const EPOCH: FatTime = { year: 1980, month: 1, day: 1, hour: 0, minute: 0, second: 0 };

function fatTime(date: number, time: number): FatTime {
  if (date === 0) return { ...EPOCH };
  return {
    year: 1980 + (date >>> 9),
    month: (date >>> 5) & 0xf,
    day: date & 0x1f,
    hour: time >>> 11,
    minute: (time >>> 5) & 0x3f,
    second: (time & 0x1f) * 2,
  };
}

/** The checksum of an 11-byte short name that its long-name entries carry. */
export function shortNameChecksum(name: Uint8Array): number {
  let sum = 0;
  for (let i = 0; i < 11; i++) sum = (((sum & 1) << 7) + (sum >>> 1) + name[i]!) & 0xff;
  return sum;
}

export class FatVolume {
  readonly type: 12 | 16 | 32;
  readonly bytesPerSector: number;
  readonly clusterBytes: number;
  readonly clusterCount: number;
  /** Volume label from the boot sector's BS_VolLab or the root's volume-ID entry ("" if none). */
  readonly label: string;
  readonly serial: number;
  readonly totalBytes: number;
  private readonly dev: VolumeReader;
  private readonly fatOffset: number;
  private readonly fatBytes: number;
  private readonly rootOffset: number;
  private readonly rootEntries: number;
  private readonly rootCluster: number;
  private readonly dataOffset: number;
  private fatCache = new Map<number, Uint8Array>();
  private chainCache = new Map<number, number[]>();
  private freeCache: number | undefined;
  private static readonly FAT_CHUNK = 64 * 1024;

  /** Parse the boot sector of `dev`. Throws FatError when it is not a FAT volume. */
  constructor(dev: VolumeReader) {
    this.dev = dev;
    if (dev.size < 512) throw new FatError(`a ${dev.size}-byte volume cannot hold FAT`);
    const bs = this.bytes(0, 512, "boot sector");
    const v = new DataView(bs.buffer);
    if (!(bs[0] === 0xeb || bs[0] === 0xe9)) throw new FatError("boot sector: no jump instruction (not FAT)");
    if (bs[510] !== 0x55 || bs[511] !== 0xaa) throw new FatError("boot sector: no 0x55AA signature");
    const bps = v.getUint16(11, true);
    if (![512, 1024, 2048, 4096].includes(bps))
      throw new FatError(`BPB: BytsPerSec ${bps} is not 512, 1024, 2048 or 4096`);
    const spc = bs[13]!;
    if (spc === 0 || (spc & (spc - 1)) !== 0 || spc > 128)
      throw new FatError(`BPB: SecPerClus ${spc} is not a power of two up to 128`);
    const reserved = v.getUint16(14, true);
    if (reserved === 0) throw new FatError("BPB: RsvdSecCnt is 0");
    const fats = bs[16]!;
    if (fats === 0) throw new FatError("BPB: NumFATs is 0");
    const rootEnt = v.getUint16(17, true);
    const tot16 = v.getUint16(19, true);
    const fatSz16 = v.getUint16(22, true);
    const tot32 = v.getUint32(32, true);
    const fatSz32 = v.getUint32(36, true);
    const fatSz = fatSz16 !== 0 ? fatSz16 : fatSz32;
    const totSec = tot16 !== 0 ? tot16 : tot32;
    if (fatSz === 0) throw new FatError("BPB: the FAT size is 0");
    if (totSec === 0) throw new FatError("BPB: the sector count is 0");
    if (totSec * bps > dev.size)
      throw new FatError(`BPB: ${totSec} sectors of ${bps} bytes do not fit the ${dev.size}-byte partition`);
    const rootDirSectors = Math.ceil((rootEnt * 32) / bps);
    const meta = reserved + fats * fatSz + rootDirSectors;
    if (meta >= totSec) throw new FatError("BPB: no room for data after the FATs and the root directory");
    const clusters = Math.floor((totSec - meta) / spc);
    this.type = clusters < 4085 ? 12 : clusters < 65525 ? 16 : 32;
    this.bytesPerSector = bps;
    this.clusterBytes = bps * spc;
    this.clusterCount = clusters;
    this.totalBytes = totSec * bps;
    this.fatOffset = reserved * bps;
    this.fatBytes = fatSz * bps;
    const needFat = this.type === 12 ? Math.ceil(((clusters + 2) * 3) / 2) : (clusters + 2) * (this.type / 8);
    if (needFat > this.fatBytes)
      throw new FatError(`BPB: a FAT of ${this.fatBytes} bytes cannot map ${clusters} clusters`);
    this.rootOffset = (reserved + fats * fatSz) * bps;
    this.rootEntries = rootEnt;
    this.dataOffset = meta * bps;
    const ext = this.type === 32 ? 64 : 36; // BS_BootSig offset in the FAT32 / FAT12-16 layout
    if (this.type === 32) {
      if (rootEnt !== 0) throw new FatError("BPB: a FAT32 volume has RootEntCnt 0");
      if (fatSz16 !== 0) throw new FatError("BPB: a FAT32 volume has FATSz16 0");
      this.rootCluster = v.getUint32(44, true);
      if (this.rootCluster < 2 || this.rootCluster >= clusters + 2)
        throw new FatError(`BPB: RootClus ${this.rootCluster} is not a data cluster`);
    } else {
      if (rootEnt === 0) throw new FatError("BPB: a FAT12/16 volume has root directory entries");
      this.rootCluster = 0;
    }
    const hasExt = bs[ext + 2] === 0x29;
    this.serial = hasExt ? v.getUint32(ext + 3, true) : 0;
    let label = hasExt ? latin1(bs.subarray(ext + 7, ext + 18)).trimEnd() : "";
    if (label === "NO NAME") label = "";
    this.label = label;
  }

  private bytes(offset: number, length: number, what: string): Uint8Array {
    if (!Number.isSafeInteger(offset) || offset < 0 || length < 0 || offset + length > this.dev.size)
      throw new FatError(`${what} lies outside the volume`);
    const b = new Uint8Array(length);
    if (length > 0 && !this.dev.read(offset, b)) throw new FatError(`I/O error reading ${what}`);
    return b;
  }

  /** Forget cached FAT sectors and chains (the disk was written behind the reader's back). */
  invalidate(): void {
    this.fatCache.clear();
    this.chainCache.clear();
    this.freeCache = undefined;
  }

  private fatByte(i: number): number {
    const chunk = Math.floor(i / FatVolume.FAT_CHUNK);
    let c = this.fatCache.get(chunk);
    if (c === undefined) {
      const start = chunk * FatVolume.FAT_CHUNK;
      c = this.bytes(this.fatOffset + start, Math.min(FatVolume.FAT_CHUNK, this.fatBytes - start), "the FAT");
      if (this.fatCache.size > 1024) this.fatCache.clear();
      this.fatCache.set(chunk, c);
    }
    return c[i - chunk * FatVolume.FAT_CHUNK]!;
  }

  /** The FAT entry of cluster `n` (FAT32 entries masked to 28 bits). */
  entry(n: number): number {
    if (this.type === 12) {
      const o = n + (n >>> 1);
      const w = this.fatByte(o) | (this.fatByte(o + 1) << 8);
      return n & 1 ? w >>> 4 : w & 0xfff;
    }
    if (this.type === 16) {
      const o = 2 * n;
      return this.fatByte(o) | (this.fatByte(o + 1) << 8);
    }
    const o = 4 * n;
    return (
      (this.fatByte(o) |
        (this.fatByte(o + 1) << 8) |
        (this.fatByte(o + 2) << 16) |
        (this.fatByte(o + 3) << 24)) &
      0x0fff_ffff
    );
  }

  private isEnd(e: number): boolean {
    return e >= (this.type === 12 ? 0xff8 : this.type === 16 ? 0xfff8 : 0x0fff_fff8);
  }

  /** The clusters of the chain starting at `first`. */
  chain(first: number): number[] {
    const cached = this.chainCache.get(first);
    if (cached !== undefined) return cached;
    const max = this.clusterCount + 1;
    const out: number[] = [];
    let c = first;
    for (;;) {
      if (c < 2 || c > max)
        throw new FatError(`cluster chain from ${first}: cluster ${c} is not a data cluster`);
      out.push(c);
      if (out.length > this.clusterCount) throw new FatError(`cluster chain from ${first} loops`);
      const e = this.entry(c);
      if (this.isEnd(e)) break;
      if (e === 0) throw new FatError(`cluster chain from ${first}: cluster ${c} is marked free`);
      c = e;
    }
    if (this.chainCache.size > 4096) this.chainCache.clear();
    this.chainCache.set(first, out);
    return out;
  }

  /** Free clusters (counted from the FAT once, then cached). */
  freeClusters(): number {
    if (this.freeCache === undefined) {
      let n = 0;
      for (let c = 2; c < this.clusterCount + 2; c++) if (this.entry(c) === 0) n++;
      this.freeCache = n;
    }
    return this.freeCache;
  }

  private clusterOffset(c: number): number {
    return this.dataOffset + (c - 2) * this.clusterBytes;
  }

  root(): FatNode {
    return {
      name: "",
      shortName: "",
      attributes: FAT_ATTR.directory,
      isDirectory: true,
      size: 0,
      cluster: this.rootCluster,
      created: { ...EPOCH },
      modified: { ...EPOCH },
      accessed: { ...EPOCH },
      isRoot: true,
    };
  }

  /** The raw bytes of a directory. */
  private dirBytes(dir: FatNode): Uint8Array {
    if (dir.isRoot && this.type !== 32)
      return this.bytes(this.rootOffset, this.rootEntries * 32, "the root directory");
    if (dir.cluster === 0) return new Uint8Array(0);
    const chain = this.chain(dir.cluster);
    if (chain.length * this.clusterBytes > 64 * 1024 * 1024)
      throw new FatError("a directory larger than 64 MiB");
    return this.readClusters(chain, 0, chain.length * this.clusterBytes);
  }

  /** The entries of directory `dir`, without "." and "..", volume labels and deleted entries. */
  list(dir: FatNode): FatNode[] {
    if (!dir.isDirectory) throw new FatError(`"${dir.name}" is not a directory`);
    const b = this.dirBytes(dir);
    const v = new DataView(b.buffer);
    const out: FatNode[] = [];
    let lfn: { parts: string[]; sum: number; next: number } | undefined;
    for (let o = 0; o + 32 <= b.length; o += 32) {
      const first = b[o]!;
      if (first === 0) break;
      if (first === 0xe5) {
        lfn = undefined;
        continue;
      }
      const attr = b[o + 11]!;
      if ((attr & 0x3f) === FAT_ATTR.longName) {
        const ord = first & 0x3f;
        if (first & 0x40) lfn = { parts: [], sum: b[o + 13]!, next: ord };
        if (lfn === undefined || ord !== lfn.next || ord === 0 || b[o + 13] !== lfn.sum) {
          lfn = undefined;
          continue;
        }
        let s = "";
        for (const at of [1, 3, 5, 7, 9, 14, 16, 18, 20, 22, 24, 28, 30]) {
          const c = v.getUint16(o + at, true);
          if (c === 0 || c === 0xffff) break;
          s += String.fromCharCode(c);
        }
        lfn.parts[ord - 1] = s;
        lfn.next = ord - 1;
        continue;
      }
      const raw = b.subarray(o, o + 11);
      let longName: string | undefined;
      if (lfn !== undefined && lfn.next === 0 && shortNameChecksum(raw) === lfn.sum)
        longName = lfn.parts.join("");
      lfn = undefined;
      if (attr & FAT_ATTR.volumeId) continue;
      const nameBytes = raw.slice();
      if (nameBytes[0] === 0x05) nameBytes[0] = 0xe5;
      const base = latin1(nameBytes.subarray(0, 8)).trimEnd();
      const ext = latin1(nameBytes.subarray(8, 11)).trimEnd();
      if (base === "." || base === "..") continue;
      const nt = b[o + 12]!;
      const shortName = ext === "" ? base : `${base}.${ext}`;
      const shown = `${nt & 0x08 ? base.toLowerCase() : base}${ext === "" ? "" : `.${nt & 0x10 ? ext.toLowerCase() : ext}`}`;
      const cluster =
        this.type === 32
          ? (v.getUint16(o + 20, true) << 16) | v.getUint16(o + 26, true)
          : v.getUint16(o + 26, true);
      const isDirectory = (attr & FAT_ATTR.directory) !== 0;
      out.push({
        name: longName !== undefined && longName !== "" ? longName : shown,
        shortName,
        attributes: attr,
        isDirectory,
        size: isDirectory ? 0 : v.getUint32(o + 28, true),
        cluster: cluster >>> 0,
        created: fatTime(v.getUint16(o + 16, true), v.getUint16(o + 14, true)),
        modified: fatTime(v.getUint16(o + 24, true), v.getUint16(o + 22, true)),
        accessed: fatTime(v.getUint16(o + 18, true), 0),
        isRoot: false,
      });
    }
    return out;
  }

  /** The entry named `name` in `dir`, compared case-insensitively with its long and short names. */
  lookup(dir: FatNode, name: string): FatNode | undefined {
    const want = name.toUpperCase();
    return this.list(dir).find((n) => n.name.toUpperCase() === want || n.shortName === want);
  }

  /**
   * Resolve a path ("\EFI\BOOT\BOOTAA64.EFI"; "\" or "/" separators, "." and ".." allowed) from
   * the root, or from `from` (a list of directories, root first) for a relative path. Returns the
   * directories walked, the last being the node, or undefined when a component is missing.
   */
  resolve(path: string, from: readonly FatNode[] = [this.root()]): FatNode[] | undefined {
    const stack = /^[\\/]/.test(path) ? [this.root()] : [...from];
    for (const part of path.split(/[\\/]+/)) {
      if (part === "" || part === ".") continue;
      const cur = stack[stack.length - 1]!;
      if (part === "..") {
        if (stack.length > 1) stack.pop();
        continue;
      }
      if (!cur.isDirectory) return undefined;
      const next = this.lookup(cur, part);
      if (next === undefined) return undefined;
      stack.push(next);
    }
    return stack;
  }

  private readClusters(chain: readonly number[], offset: number, length: number): Uint8Array {
    const out = new Uint8Array(length);
    let done = 0;
    let pos = offset;
    while (done < length) {
      const ci = Math.floor(pos / this.clusterBytes);
      const within = pos - ci * this.clusterBytes;
      // Merge physically consecutive clusters into one read.
      let run = 1;
      while (
        ci + run < chain.length &&
        chain[ci + run] === chain[ci]! + run &&
        run * this.clusterBytes - within < length - done
      )
        run++;
      const n = Math.min(run * this.clusterBytes - within, length - done);
      const c = chain[ci];
      if (c === undefined) throw new FatError("a file is longer than its cluster chain");
      const at = this.clusterOffset(c) + within;
      if (at + n > this.totalBytes) throw new FatError(`cluster ${c} lies outside the volume`);
      const b = this.bytes(at, n, `cluster ${c}`);
      out.set(b, done);
      done += n;
      pos += n;
    }
    return out;
  }

  /** Bytes [offset, offset + length) of file `node`, clipped at its size. */
  read(node: FatNode, offset: number, length: number): Uint8Array {
    if (node.isDirectory) throw new FatError(`"${node.name}" is a directory`);
    const n = Math.max(0, Math.min(length, node.size - offset));
    if (n === 0) return new Uint8Array(0);
    const chain = this.chain(node.cluster);
    if (chain.length * this.clusterBytes < node.size)
      throw new FatError(`"${node.name}": ${node.size} bytes do not fit its ${chain.length} cluster(s)`);
    return this.readClusters(chain, offset, n);
  }

  /** A whole file by path (undefined when absent; FatError for a directory or a broken chain). */
  readFile(path: string): Uint8Array | undefined {
    const r = this.resolve(path);
    const node = r?.[r.length - 1];
    if (node === undefined) return undefined;
    return this.read(node, 0, node.size);
  }
}

function latin1(b: Uint8Array): string {
  let s = "";
  for (const c of b) s += String.fromCharCode(c);
  return s;
}
