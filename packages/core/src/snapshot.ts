import { createHash } from "node:crypto";
import { closeSync, fstatSync, openSync, readSync } from "node:fs";
import { type BlockBackend, FileBlockBackend, MemoryBlockBackend, ReadOnlyBlockBackend } from "./block.js";
import { concatBytes } from "./bytes.js";
import { ArmatureError } from "./errors.js";
import type { RamRegion } from "./memory.js";

/**
 * Machine snapshots: the state contract every part implements (`Snapshottable`), the byte
 * writer/reader they use, and the container file (header, named versioned sections, SHA-256
 * trailer). The format, the sections of the virt board and how a board snapshots its own parts:
 * docs/snapshots.md.
 */

/** Why a snapshot was refused. */
export type SnapshotErrorReason =
  /** Not a snapshot file (bad magic). */
  | "not-a-snapshot"
  /** Written by another format version (or a section by another version of its part). */
  | "version"
  /** The file ends early. */
  | "truncated"
  /** The checksum or a page hash does not match, or a section does not parse. */
  | "corrupt"
  /** Taken on another board or another board configuration. */
  | "board"
  /** A section is missing, unknown, or the machine has a part the snapshot does not describe. */
  | "section"
  /** A disk changed since the snapshot (restore with `force` to accept it). */
  | "disk"
  /** The machine has a part that cannot be snapshotted yet. */
  | "unsupported";

/** A snapshot could not be taken or restored; `reason` says why. Nothing was changed. */
export class SnapshotError extends ArmatureError {
  readonly reason: SnapshotErrorReason;
  constructor(reason: SnapshotErrorReason, message: string) {
    super("E_SNAPSHOT", message);
    this.reason = reason;
  }
}

/** Appends little-endian fields to a growing buffer; big byte runs are kept by reference. */
export class StateWriter {
  private readonly chunks: Uint8Array[] = [];
  private buf = new Uint8Array(4096);
  private view = new DataView(this.buf.buffer);
  private pos = 0;
  private total = 0;

  private room(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    this.flushBuf();
    if (n > this.buf.length) {
      this.buf = new Uint8Array(Math.max(n, 4096));
      this.view = new DataView(this.buf.buffer);
    }
  }
  private flushBuf(): void {
    if (this.pos === 0) return;
    this.chunks.push(this.buf.slice(0, this.pos));
    this.total += this.pos;
    this.pos = 0;
  }

  /** Bytes written so far. */
  get length(): number {
    return this.total + this.pos;
  }
  u8(v: number): void {
    this.room(1);
    this.buf[this.pos++] = v & 0xff;
  }
  bool(v: boolean): void {
    this.u8(v ? 1 : 0);
  }
  u16(v: number): void {
    this.room(2);
    this.view.setUint16(this.pos, v & 0xffff, true);
    this.pos += 2;
  }
  u32(v: number): void {
    this.room(4);
    this.view.setUint32(this.pos, v >>> 0, true);
    this.pos += 4;
  }
  i32(v: number): void {
    this.room(4);
    this.view.setInt32(this.pos, v | 0, true);
    this.pos += 4;
  }
  /** A float64 (JS numbers: times, addresses up to 2^53, counts). */
  f64(v: number): void {
    this.room(8);
    this.view.setFloat64(this.pos, v, true);
    this.pos += 8;
  }
  u64(v: bigint): void {
    this.room(8);
    this.view.setBigUint64(this.pos, BigInt.asUintN(64, v), true);
    this.pos += 8;
  }
  /** A UTF-8 string with a u32 byte length. */
  str(s: string): void {
    this.bytes(new TextEncoder().encode(s));
  }
  /** A byte run with a u32 length. */
  bytes(b: Uint8Array): void {
    this.u32(b.length);
    this.raw(b);
  }
  /** A list of byte runs (queued input, frames, reports): a u32 count, then each as `bytes`. */
  byteList(list: readonly Uint8Array[]): void {
    this.u32(list.length);
    for (const b of list) this.bytes(b);
  }
  /** Bytes without a length (the reader knows it). Runs of 4 KiB or more are kept by reference. */
  raw(b: Uint8Array): void {
    if (b.length >= 4096) {
      this.flushBuf();
      this.chunks.push(b);
      this.total += b.length;
      return;
    }
    this.room(b.length);
    this.buf.set(b, this.pos);
    this.pos += b.length;
  }
  u32s(a: Uint32Array | Int32Array | readonly number[]): void {
    this.u32(a.length);
    for (const v of a) this.u32(v);
  }
  /** The bytes written, as chunks (no copy of the big runs). */
  finish(): Uint8Array[] {
    this.flushBuf();
    return this.chunks;
  }
  /** Everything as one buffer. */
  toBytes(): Uint8Array {
    return concatBytes(this.finish());
  }
}

/**
 * Reads what a `StateWriter` wrote. Every read is bounds-checked: reading past the end throws
 * `SnapshotError` ("corrupt", naming the section); nothing else is thrown.
 */
export class StateReader {
  private readonly view: DataView;
  private pos = 0;
  constructor(
    private readonly b: Uint8Array,
    /** What is being read, for error messages (a section name). */
    readonly what = "snapshot",
  ) {
    this.view = new DataView(b.buffer, b.byteOffset, b.byteLength);
  }
  get remaining(): number {
    return this.b.length - this.pos;
  }
  private need(n: number): number {
    if (n < 0 || this.pos + n > this.b.length)
      throw new SnapshotError("corrupt", `${this.what}: ends early (needs ${n} more bytes at ${this.pos})`);
    const p = this.pos;
    this.pos += n;
    return p;
  }
  /** A failed check: throws SnapshotError("corrupt"). */
  fail(msg: string): never {
    throw new SnapshotError("corrupt", `${this.what}: ${msg}`);
  }
  u8(): number {
    return this.b[this.need(1)]!;
  }
  bool(): boolean {
    const v = this.u8();
    if (v > 1) this.fail(`bad boolean ${v}`);
    return v === 1;
  }
  u16(): number {
    return this.view.getUint16(this.need(2), true);
  }
  u32(): number {
    return this.view.getUint32(this.need(4), true);
  }
  i32(): number {
    return this.view.getInt32(this.need(4), true);
  }
  f64(): number {
    const v = this.view.getFloat64(this.need(8), true);
    if (Number.isNaN(v)) this.fail("bad number");
    return v;
  }
  u64(): bigint {
    return this.view.getBigUint64(this.need(8), true);
  }
  /** A u32 that must be at most `max` (counts, indexes). */
  count(max: number, what = "count"): number {
    const n = this.u32();
    if (n > max) this.fail(`${what} ${n} is more than ${max}`);
    return n;
  }
  /** A u32 that must equal `v` (a size fixed by the configuration). */
  expect(v: number, what: string): void {
    const n = this.u32();
    if (n !== v) this.fail(`${what} is ${n}, this machine has ${v}`);
  }
  str(max = 1 << 16): string {
    return new TextDecoder("utf-8", { fatal: false }).decode(this.bytes(max));
  }
  bytes(max: number): Uint8Array {
    const n = this.count(max, "byte length");
    return this.raw(n);
  }
  /** What `byteList` wrote: at most `maxCount` runs (`what` names them) of at most `maxBytes` each, copied. */
  byteList(maxCount: number, maxBytes: number, what: string): Uint8Array[] {
    const n = this.count(maxCount, what);
    const list: Uint8Array[] = [];
    for (let i = 0; i < n; i++) list.push(this.bytes(maxBytes).slice());
    return list;
  }
  /** `n` bytes (a view into the file: copy before keeping past the restore). */
  raw(n: number): Uint8Array {
    const p = this.need(n);
    return this.b.subarray(p, p + n);
  }
  /** A u32 array of exactly `n` entries (the length is stored and checked). */
  u32s(n: number, what = "array"): Uint32Array {
    this.expect(n, `${what} length`);
    const out = new Uint32Array(n);
    for (let i = 0; i < n; i++) out[i] = this.u32();
    return out;
  }
  /** The section must be fully consumed. */
  end(): void {
    if (this.pos !== this.b.length) this.fail(`${this.b.length - this.pos} unexpected trailing bytes`);
  }
}

/**
 * A part whose state can be saved and restored. `loadState` parses and validates everything
 * without touching the part and returns the function that applies it: a machine restores by
 * first loading every section, then committing them all (never half-restored). The commit must
 * not throw. `version` is the part's own state version, written in the section header: bump it
 * when the layout changes; `loadState` gets the stored one and refuses what it cannot read.
 */
export interface Snapshottable {
  readonly stateVersion: number;
  saveState(w: StateWriter): void;
  loadState(r: StateReader, version: number): () => void;
}

/** A named section of a machine: `name` is unique within the machine. */
export interface SnapshotSection {
  readonly name: string;
  readonly part: Snapshottable;
}

/** "ARMSNAP" + 0x1a: the file's first 8 bytes. */
export const SNAPSHOT_MAGIC = new Uint8Array([0x41, 0x52, 0x4d, 0x53, 0x4e, 0x41, 0x50, 0x1a]);
/** The container's format version. */
export const SNAPSHOT_FORMAT_VERSION = 1;
const HASH_LEN = 32;

export interface SnapshotHeader {
  /** Which board wrote it ("machine-virt"). */
  readonly board: string;
  /** The board configuration it was taken with (compared on restore). */
  readonly config: string;
}

/**
 * Serialise sections into the container: magic, format version, board and configuration, then
 * each section (name, version, length, payload), then the SHA-256 of everything before it.
 * Returns the chunks (write them in order).
 */
export function encodeSnapshot(header: SnapshotHeader, sections: readonly SnapshotSection[]): Uint8Array[] {
  const names = new Set<string>();
  const w = new StateWriter();
  w.raw(SNAPSHOT_MAGIC);
  w.u32(SNAPSHOT_FORMAT_VERSION);
  w.str(header.board);
  w.str(header.config);
  w.u32(sections.length);
  for (const s of sections) {
    if (names.has(s.name)) throw new SnapshotError("section", `two sections are named "${s.name}"`);
    names.add(s.name);
    const body = new StateWriter();
    s.part.saveState(body);
    const chunks = body.finish();
    w.str(s.name);
    w.u32(s.part.stateVersion);
    w.f64(chunks.reduce((n, c) => n + c.length, 0));
    for (const c of chunks) w.raw(c);
  }
  const chunks = w.finish();
  const h = createHash("sha256");
  for (const c of chunks) h.update(c);
  chunks.push(new Uint8Array(h.digest()));
  return chunks;
}

/** A parsed container: its header and each section's payload. */
export interface DecodedSnapshot extends SnapshotHeader {
  readonly formatVersion: number;
  readonly sections: ReadonlyMap<string, { version: number; payload: Uint8Array }>;
}

/**
 * Check and split a container. Throws `SnapshotError` only: "not-a-snapshot" (magic),
 * "version" (format), "truncated" (shorter than its checksum or a section), "corrupt" (checksum).
 */
export function decodeSnapshot(file: Uint8Array): DecodedSnapshot {
  if (file.length < SNAPSHOT_MAGIC.length || SNAPSHOT_MAGIC.some((b, i) => file[i] !== b)) {
    if (
      file.length < SNAPSHOT_MAGIC.length &&
      SNAPSHOT_MAGIC.subarray(0, file.length).every((b, i) => file[i] === b)
    )
      throw new SnapshotError("truncated", `the snapshot ends after ${file.length} bytes`);
    throw new SnapshotError("not-a-snapshot", "not an Armature snapshot (bad magic)");
  }
  if (file.length < SNAPSHOT_MAGIC.length + 4 + HASH_LEN)
    throw new SnapshotError("truncated", `the snapshot ends after ${file.length} bytes`);
  const version = new DataView(file.buffer, file.byteOffset + 8, 4).getUint32(0, true);
  if (version !== SNAPSHOT_FORMAT_VERSION)
    throw new SnapshotError(
      "version",
      `snapshot format version ${version}; this Armature reads version ${SNAPSHOT_FORMAT_VERSION}`,
    );
  const body = file.subarray(0, file.length - HASH_LEN);
  const want = file.subarray(file.length - HASH_LEN);
  const got = createHash("sha256").update(body).digest();
  if (!got.equals(want)) {
    // Tell a cut-off file from a damaged one: a truncated file's sections run past its end.
    throw new SnapshotError(
      sectionsOverrun(body) ? "truncated" : "corrupt",
      sectionsOverrun(body)
        ? `the snapshot is truncated (${file.length} bytes)`
        : "the snapshot is corrupt (checksum mismatch)",
    );
  }
  const r = new StateReader(body, "snapshot header");
  r.raw(SNAPSHOT_MAGIC.length);
  r.u32();
  const board = r.str();
  const config = r.str();
  const n = r.count(1 << 16, "section count");
  const sections = new Map<string, { version: number; payload: Uint8Array }>();
  for (let i = 0; i < n; i++) {
    const name = r.str(256);
    const v = r.u32();
    const len = r.f64();
    if (!Number.isSafeInteger(len) || len < 0 || len > r.remaining) r.fail(`section "${name}" length ${len}`);
    if (sections.has(name)) r.fail(`two sections named "${name}"`);
    sections.set(name, { version: v, payload: r.raw(len) });
  }
  r.end();
  return { formatVersion: version, board, config, sections };
}

/** Whether the section table runs past the end of `body` (a truncated file). */
function sectionsOverrun(body: Uint8Array): boolean {
  try {
    const r = new StateReader(body);
    r.raw(SNAPSHOT_MAGIC.length + 4);
    r.str();
    r.str();
    const n = r.u32();
    for (let i = 0; i < n; i++) {
      r.str(256);
      r.u32();
      const len = r.f64();
      if (!(len <= r.remaining)) return true;
      r.raw(len);
    }
    return false;
  } catch {
    return true;
  }
}

/**
 * Restore `sections` from a decoded snapshot, all or nothing: every section is loaded
 * (parsed and validated) first, then every commit runs, in the order of `sections`. A section
 * missing from the file, or one in the file that the machine does not have, is refused.
 */
export function restoreSections(snap: DecodedSnapshot, sections: readonly SnapshotSection[]): void {
  const commits: Array<() => void> = [];
  const wanted = new Set(sections.map((s) => s.name));
  for (const name of snap.sections.keys())
    if (!wanted.has(name))
      throw new SnapshotError("section", `the snapshot has a section "${name}" this machine does not have`);
  for (const s of sections) {
    const sec = snap.sections.get(s.name);
    if (sec === undefined)
      throw new SnapshotError(
        "section",
        `the snapshot has no section "${s.name}" (this machine has that part)`,
      );
    if (sec.version > s.part.stateVersion)
      throw new SnapshotError(
        "version",
        `section "${s.name}" is version ${sec.version}; this Armature reads up to ${s.part.stateVersion}`,
      );
    const r = new StateReader(sec.payload, s.name);
    try {
      commits.push(s.part.loadState(r, sec.version));
      r.end();
    } catch (e) {
      if (e instanceof SnapshotError) throw e;
      throw new SnapshotError(
        "corrupt",
        `section "${s.name}": ${e instanceof Error ? e.message : String(e)}`,
      );
    }
  }
  for (const c of commits) c();
}

// ---------------------------------------------------------------- RAM

const PAGE = 4096;

/** SHA-256 of a page, first 16 bytes. */
function pageHash(p: Uint8Array): Uint8Array {
  return new Uint8Array(createHash("sha256").update(p).digest().buffer, 0, 16);
}

const ZERO_PAGE = Buffer.alloc(PAGE);

/** Whether a page (at most PAGE bytes) is all zeros (a native compare: ~5x a JS loop over its words). */
function isZero(p: Uint8Array): boolean {
  return Buffer.from(p.buffer, p.byteOffset, p.length).equals(ZERO_PAGE.subarray(0, p.length));
}

/**
 * A RAM region as a section: its size, then every page that is not all zeros as (page index,
 * 16-byte SHA-256 prefix of the page, 4096 bytes). Restoring zeroes the region's non-zero pages and writes the
 * pages back, after checking every page's hash. Given adjacent regions (Bus.addRamParts, each but
 * the last a whole number of pages), the section is that of their concatenation: the same bytes as
 * one region of the same size.
 */
export function ramSnapshot(ram: RamRegion | readonly RamRegion[]): Snapshottable {
  const parts: readonly RamRegion[] = Array.isArray(ram) ? ram : [ram as RamRegion];
  const size = parts.reduce((n, r) => n + r.size, 0);
  const page = (i: number): Uint8Array => {
    let off = i * PAGE;
    for (const r of parts) {
      if (off < r.size) return r.u8.subarray(off, Math.min(r.size, off + PAGE));
      off -= r.size;
    }
    return new Uint8Array(0);
  };
  return {
    stateVersion: 1,
    saveState(w) {
      w.f64(size);
      w.u32(PAGE);
      const pages: number[] = [];
      const n = Math.ceil(size / PAGE);
      for (let i = 0; i < n; i++) if (!isZero(page(i))) pages.push(i);
      w.u32(pages.length);
      for (const i of pages) {
        const p = page(i);
        w.u32(i);
        w.raw(pageHash(p));
        w.raw(p.slice());
      }
    },
    loadState(r) {
      const got = r.f64();
      if (got !== size) r.fail(`RAM is ${got} bytes in the snapshot, ${size} here`);
      r.expect(PAGE, "page size");
      const n = Math.ceil(size / PAGE);
      const count = r.count(n, "page count");
      const pages: Array<[number, Uint8Array]> = [];
      let last = -1;
      for (let k = 0; k < count; k++) {
        const i = r.u32();
        if (i >= n || i <= last) r.fail(`page index ${i} out of order or range`);
        last = i;
        const hash = r.raw(16);
        const len = Math.min(size, (i + 1) * PAGE) - i * PAGE;
        const data = r.raw(len);
        if (!pageHash(data).every((b, j) => b === hash[j])) r.fail(`page ${i} does not match its hash`);
        pages.push([i, data]);
      }
      return () => {
        // zero only pages that are not zero already: reading an untouched page does not make the
        // host commit memory for it, writing does (a restore into a fresh 4 GiB guest stays small)
        for (let i = 0; i < n; i++) {
          const p = page(i);
          if (!isZero(p)) p.fill(0);
        }
        for (const [i, d] of pages) page(i).set(d);
      };
    },
  };
}

// ---------------------------------------------------------------- disks

/** What a snapshot records about a disk it does not copy. */
export interface DiskIdentity {
  /** The image file (empty for an in-memory disk). */
  readonly path: string;
  readonly size: number;
  /** Modification time in ms (0 for an in-memory disk). */
  readonly mtimeMs: number;
  /** SHA-256 (hex) of the first and last MiB of the content. */
  readonly sample: string;
}

const MiB = 1024 * 1024;

/** The identity of a block backend: path, size, mtime and a hash of its first and last MiB. */
export function diskIdentity(b: BlockBackend): DiskIdentity {
  const inner = b instanceof ReadOnlyBlockBackend ? b.inner : b;
  const path = inner instanceof FileBlockBackend ? inner.path : "";
  const h = createHash("sha256");
  const ranges =
    b.size <= 2 * MiB
      ? [[0, b.size]]
      : [
          [0, MiB],
          [b.size - MiB, MiB],
        ];
  let mtimeMs = 0;
  if (path !== "") {
    const fd = openSync(path, "r");
    try {
      mtimeMs = fstatSync(fd).mtimeMs;
      for (const [off, len] of ranges) {
        const buf = new Uint8Array(len!);
        let got = 0;
        while (got < len!) {
          const n = readSync(fd, buf, got, len! - got, off! + got);
          if (n <= 0) break;
          got += n;
        }
        h.update(buf);
      }
    } finally {
      closeSync(fd);
    }
  } else {
    const data = inner instanceof MemoryBlockBackend ? inner.data : undefined;
    if (data !== undefined) for (const [off, len] of ranges) h.update(data.subarray(off!, off! + len!));
  }
  return { path, size: b.size, mtimeMs, sample: h.digest("hex") };
}

/** How a recorded disk differs from the one attached now, or undefined when it is the same. */
export function diskChange(saved: DiskIdentity, now: DiskIdentity): string | undefined {
  if (saved.size !== now.size) return `its size changed (${saved.size} → ${now.size} bytes)`;
  if (saved.sample !== now.sample) return "its content changed";
  if (saved.mtimeMs !== now.mtimeMs) return "it was modified since";
  if (saved.path !== now.path) return `it is another file (${saved.path} → ${now.path})`;
  return undefined;
}

/**
 * A disk as a section (identity only). Restoring against a changed disk throws
 * SnapshotError("disk") unless `force()` says to accept it.
 */
export function diskSnapshot(name: string, b: BlockBackend, force: () => boolean): Snapshottable {
  return {
    stateVersion: 1,
    saveState(w) {
      const id = diskIdentity(b);
      w.str(id.path);
      w.f64(id.size);
      w.f64(id.mtimeMs);
      w.str(id.sample);
    },
    loadState(r) {
      const saved: DiskIdentity = { path: r.str(), size: r.f64(), mtimeMs: r.f64(), sample: r.str() };
      const change = diskChange(saved, diskIdentity(b));
      if (change !== undefined && !force())
        throw new SnapshotError(
          "disk",
          `disk ${name}${saved.path === "" ? "" : ` (${saved.path})`} changed since the snapshot: ${change}; ` +
            "restore with force to accept it",
        );
      return () => {};
    },
  };
}
