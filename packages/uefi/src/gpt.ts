// GUID Partition Table reader (UEFI 2.10 §5.3): the primary header at LBA 1 is checked (signature,
// HeaderSize, HeaderCRC32, MyLBA, usable range, PartitionEntryArrayCRC32); when it fails, the
// backup header (at the primary's AlternateLBA, or the last LBA) is used instead. Disk contents
// are untrusted: every problem is a GptError, never another exception.

import { ArmatureError } from "@armature/core";
import { crc32 } from "./crc32.js";
import { guidText } from "./guid.js";

/** What the readers need of a disk (a core BlockBackend fits). Offsets and lengths in bytes. */
export interface DiskReader {
  readonly size: number;
  readonly blockSize: number;
  /** False on a host I/O error. */
  read(offset: number, dst: Uint8Array): boolean;
}

/** The disk's contents are not a (usable) GPT, or a read failed. */
export class GptError extends ArmatureError {
  constructor(message: string) {
    super("E_GPT", message);
  }
}

export const GPT_PARTITION_TYPE = {
  efiSystem: "c12a7328-f81f-11d2-ba4b-00a0c93ec93b",
  unused: "00000000-0000-0000-0000-000000000000",
} as const;

export interface GptEntry {
  /** 1-based index in the partition entry array (Linux's sdaN, the HD node's PartitionNumber). */
  number: number;
  type: string;
  guid: string;
  /** First and last LBA, inclusive. */
  firstLba: number;
  lastLba: number;
  attributes: bigint;
  name: string;
}

export interface GptTable {
  diskGuid: string;
  /** The header that was used: "primary", or "backup" when the primary failed its checks. */
  header: "primary" | "backup";
  /** Why the primary header was not used (empty when it was). */
  primaryProblem: string;
  firstUsableLba: number;
  lastUsableLba: number;
  /** The partitions in use (type not all-zero), in entry-array order. */
  partitions: GptEntry[];
}

const MAX_ARRAY_BYTES = 4 * 1024 * 1024;

function readAt(disk: DiskReader, offset: number, length: number, what: string): Uint8Array {
  if (!Number.isSafeInteger(offset) || offset < 0 || length < 0 || offset + length > disk.size)
    throw new GptError(`${what} lies outside the ${disk.size}-byte disk`);
  const b = new Uint8Array(length);
  if (!disk.read(offset, b)) throw new GptError(`I/O error reading ${what}`);
  return b;
}

function lba(v: bigint, what: string): number {
  if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new GptError(`${what} ${v} is out of range`);
  return Number(v);
}

interface Header {
  my: number;
  alternate: number;
  firstUsable: number;
  lastUsable: number;
  diskGuid: string;
  entriesLba: number;
  count: number;
  entrySize: number;
  arrayCrc: number;
}

function parseHeader(disk: DiskReader, at: number): Header {
  const bs = disk.blockSize;
  const lastLba = disk.size / bs - 1;
  const where = at === 1 ? "primary GPT header" : `backup GPT header (LBA ${at})`;
  const b = readAt(disk, at * bs, bs, where);
  const v = new DataView(b.buffer);
  if (new TextDecoder("latin1").decode(b.subarray(0, 8)) !== "EFI PART")
    throw new GptError(`${where}: no "EFI PART" signature`);
  const size = v.getUint32(12, true);
  if (size < 92 || size > bs) throw new GptError(`${where}: HeaderSize ${size} is not within 92..${bs}`);
  const want = v.getUint32(16, true);
  const copy = b.slice(0, size);
  new DataView(copy.buffer).setUint32(16, 0, true);
  const got = crc32(copy);
  if (got !== want)
    throw new GptError(
      `${where}: HeaderCRC32 mismatch (stored 0x${want.toString(16)}, computed 0x${got.toString(16)})`,
    );
  const h: Header = {
    my: lba(v.getBigUint64(24, true), "MyLBA"),
    alternate: lba(v.getBigUint64(32, true), "AlternateLBA"),
    firstUsable: lba(v.getBigUint64(40, true), "FirstUsableLBA"),
    lastUsable: lba(v.getBigUint64(48, true), "LastUsableLBA"),
    diskGuid: guidText(b.subarray(56, 72)),
    entriesLba: lba(v.getBigUint64(72, true), "PartitionEntryLBA"),
    count: v.getUint32(80, true),
    entrySize: v.getUint32(84, true),
    arrayCrc: v.getUint32(88, true),
  };
  if (h.my !== at) throw new GptError(`${where}: MyLBA is ${h.my}, not ${at}`);
  if (h.firstUsable > h.lastUsable || h.lastUsable > lastLba)
    throw new GptError(`${where}: usable LBAs ${h.firstUsable}..${h.lastUsable} do not fit the disk`);
  if (h.entrySize < 128 || (h.entrySize & (h.entrySize - 1)) !== 0)
    throw new GptError(`${where}: SizeOfPartitionEntry ${h.entrySize} is not 128 x 2^n`);
  if (h.count * h.entrySize > MAX_ARRAY_BYTES)
    throw new GptError(`${where}: a partition entry array of ${h.count} x ${h.entrySize} bytes is too large`);
  return h;
}

function parseEntries(disk: DiskReader, h: Header, which: string): GptEntry[] {
  const bytes = readAt(
    disk,
    h.entriesLba * disk.blockSize,
    h.count * h.entrySize,
    `${which} partition entry array`,
  );
  const got = crc32(bytes);
  if (got !== h.arrayCrc)
    throw new GptError(
      `${which} partition entry array: CRC32 mismatch (header says 0x${h.arrayCrc.toString(16)}, computed 0x${got.toString(16)})`,
    );
  const v = new DataView(bytes.buffer);
  const out: GptEntry[] = [];
  for (let i = 0; i < h.count; i++) {
    const o = i * h.entrySize;
    const type = guidText(bytes.subarray(o, o + 16));
    if (type === GPT_PARTITION_TYPE.unused) continue;
    const firstLba = lba(v.getBigUint64(o + 32, true), "StartingLBA");
    const lastLba = lba(v.getBigUint64(o + 40, true), "EndingLBA");
    if (firstLba > lastLba || firstLba < h.firstUsable || lastLba > h.lastUsable)
      throw new GptError(
        `partition ${i + 1}: LBAs ${firstLba}..${lastLba} are outside the usable ${h.firstUsable}..${h.lastUsable}`,
      );
    let name = "";
    for (let k = 0; k < 36; k++) {
      const c = v.getUint16(o + 56 + 2 * k, true);
      if (c === 0) break;
      name += String.fromCharCode(c);
    }
    out.push({
      number: i + 1,
      type,
      guid: guidText(bytes.subarray(o + 16, o + 32)),
      firstLba,
      lastLba,
      attributes: v.getBigUint64(o + 48, true),
      name,
    });
  }
  const sorted = [...out].sort((a, b) => a.firstLba - b.firstLba);
  for (let i = 1; i < sorted.length; i++)
    if (sorted[i]!.firstLba <= sorted[i - 1]!.lastLba)
      throw new GptError(`partitions ${sorted[i - 1]!.number} and ${sorted[i]!.number} overlap`);
  return out;
}

/**
 * Read the GPT of `disk`: the primary header and its array, or the backup ones when the primary
 * fails a check. Throws GptError (saying what is wrong with both copies) when neither is valid.
 */
export function readGpt(disk: DiskReader): GptTable {
  const bs = disk.blockSize;
  if (bs < 512 || disk.size < 3 * bs || disk.size % bs !== 0)
    throw new GptError(`a ${disk.size}-byte disk with ${bs}-byte blocks cannot hold a GPT`);
  const lastLba = disk.size / bs - 1;
  let primaryProblem = "";
  let alternate = lastLba;
  try {
    const h = parseHeader(disk, 1);
    alternate = h.alternate;
    const partitions = parseEntries(disk, h, "primary");
    return {
      diskGuid: h.diskGuid,
      header: "primary",
      primaryProblem,
      firstUsableLba: h.firstUsable,
      lastUsableLba: h.lastUsable,
      partitions,
    };
  } catch (e) {
    if (!(e instanceof GptError)) throw e;
    primaryProblem = e.message;
  }
  const tryBackup = (at: number): GptTable => {
    const h = parseHeader(disk, at);
    return {
      diskGuid: h.diskGuid,
      header: "backup",
      primaryProblem,
      firstUsableLba: h.firstUsable,
      lastUsableLba: h.lastUsable,
      partitions: parseEntries(disk, h, "backup"),
    };
  };
  try {
    return tryBackup(alternate > 1 && alternate <= lastLba ? alternate : lastLba);
  } catch (e) {
    if (!(e instanceof GptError)) throw e;
    if (alternate !== lastLba) {
      try {
        return tryBackup(lastLba);
      } catch (e2) {
        if (!(e2 instanceof GptError)) throw e2;
      }
    }
    throw new GptError(`no valid GPT: ${primaryProblem}; ${e.message}`);
  }
}
