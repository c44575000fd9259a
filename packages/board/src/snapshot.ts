import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import {
  type BlockBackend,
  type DecodedSnapshot,
  decodeSnapshot,
  diskSnapshot,
  encodeSnapshot,
  restoreSections,
  SnapshotError,
  type SnapshotHeader,
  type SnapshotSection,
  type Snapshottable,
  StateWriter,
  writeFileAtomic,
} from "@armature/core";

/**
 * Write a snapshot file: the sections in order inside the container of @armature/core (header,
 * sections, SHA-256), through `writeFileAtomic` (synced): an interrupted save never leaves a
 * half-written file under `path`. Returns the file's size.
 */
export function writeSnapshotFile(
  path: string,
  header: SnapshotHeader,
  sections: readonly SnapshotSection[],
): number {
  return writeFileAtomic(path, encodeSnapshot(header, sections), { fsync: true });
}

/**
 * Read and decode a snapshot file (magic, version, SHA-256) taken on `board` (SnapshotError
 * "board" when it is another board's; its configuration is not checked here).
 */
export function readBoardSnapshot(path: string, board: string): DecodedSnapshot {
  let bytes: Uint8Array;
  try {
    // A plain Uint8Array view, not the Buffer: parts copy what they keep with slice(), which on a
    // Buffer is a view into the file (a GPU resource kept that way was misaligned for 32-bit access).
    const buf = readFileSync(path);
    bytes = new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
  } catch (e) {
    throw new SnapshotError(
      "not-a-snapshot",
      `cannot read snapshot ${path}: ${e instanceof Error ? e.message : String(e)}`,
    );
  }
  return checkBoard(decodeSnapshot(bytes), board);
}

function checkBoard(snap: DecodedSnapshot, board: string): DecodedSnapshot {
  if (snap.board !== board)
    throw new SnapshotError("board", `the snapshot is of a ${snap.board} machine, not ${board}`);
  return snap;
}

/** Read and check a snapshot file for a board (SnapshotError "board" when it is another's). */
export function readSnapshotFile(path: string, header: SnapshotHeader): DecodedSnapshot {
  return checkSnapshot(readBoardSnapshot(path, header.board), header);
}

/** Refuse a decoded snapshot taken on another board or another configuration. */
export function checkSnapshot(snap: DecodedSnapshot, header: SnapshotHeader): DecodedSnapshot {
  checkBoard(snap, header.board);
  if (snap.config !== header.config)
    throw new SnapshotError(
      "board",
      `the snapshot was taken with another configuration: ${configDiff(snap.config, header.config)}; ` +
        "give the same board options as when it was saved",
    );
  return snap;
}

/** A configuration value in an error message; a key one side lacks reads "absent". */
function shown(v: unknown): string {
  return v === undefined ? "absent" : JSON.stringify(v);
}

/** Which keys differ between two JSON configurations (for the error message). */
function configDiff(saved: string, now: string): string {
  try {
    const a = JSON.parse(saved) as Record<string, unknown>;
    const b = JSON.parse(now) as Record<string, unknown>;
    const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])];
    const d = keys
      .filter((k) => JSON.stringify(a[k]) !== JSON.stringify(b[k]))
      .map((k) => `${k} ${shown(a[k])} (snapshot) vs ${shown(b[k])} (here)`);
    return d.join(", ") || "unknown difference";
  } catch {
    return "unreadable configuration";
  }
}

/** Restore sections from a file, all or nothing (see restoreSections). */
export function restoreSnapshotFile(
  path: string,
  header: SnapshotHeader,
  sections: readonly SnapshotSection[],
): void {
  restoreSections(readSnapshotFile(path, header), sections);
}

/**
 * SHA-256 (hex) of the machine state: every section's saved bytes, in order. Two machines with
 * the same state give the same hash, so a replay or a restored snapshot can be compared with the
 * original run.
 */
export function stateHash(sections: readonly SnapshotSection[]): string {
  const h = createHash("sha256");
  for (const s of sections) {
    const w = new StateWriter();
    s.part.saveState(w);
    h.update(s.name);
    for (const c of w.finish()) h.update(c);
  }
  return h.digest("hex");
}

/**
 * A board's snapshot operations over its header and its sections (both read when called, so they
 * follow the machine's configuration): save, restore all or nothing, hash, and the identity
 * section of a disk, which accepts a changed disk only inside `restore(path, { force: true })`.
 */
export class BoardSnapshots {
  private force = false;

  constructor(
    private readonly header: () => SnapshotHeader,
    private readonly sections: () => SnapshotSection[],
  ) {}

  /** The identity section of disk `name` (see diskSnapshot in @armature/core). */
  disk(name: string, backend: BlockBackend): Snapshottable {
    return diskSnapshot(name, backend, () => this.force);
  }

  /** Write the snapshot file; returns its size in bytes. */
  save(path: string): number {
    return writeSnapshotFile(path, this.header(), this.sections());
  }

  /** Restore from `path`: all or nothing; `force` accepts disks that changed since the save. */
  restore(path: string, opts: { force?: boolean } = {}): void {
    const sections = this.sections();
    const snap = readSnapshotFile(path, this.header());
    this.force = opts.force === true;
    try {
      restoreSections(snap, sections);
    } finally {
      this.force = false;
    }
  }

  /** SHA-256 (hex) of the state (see stateHash). */
  hash(): string {
    return stateHash(this.sections());
  }
}
