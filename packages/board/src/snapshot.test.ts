import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Snapshottable } from "@armature/core";
import { describe, expect, it } from "vitest";
import { readBoardSnapshot, readSnapshotFile, writeSnapshotFile } from "./snapshot.js";

describe("snapshot files", () => {
  it("section payloads read back as plain Uint8Arrays: slice() copies, aligned, not a view into the file", () => {
    const dir = mkdtempSync(join(tmpdir(), "armature-board-snap-"));
    try {
      const part: Snapshottable = {
        stateVersion: 1,
        saveState: (w) => w.raw(new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8])),
        loadState: () => () => {},
      };
      const file = join(dir, "t.snap");
      writeSnapshotFile(file, { board: "b", config: "{}" }, [{ name: "odd", part }]);
      const sec = readBoardSnapshot(file, "b").sections.get("odd")!;
      expect(Buffer.isBuffer(sec.payload)).toBe(false);
      const copy = sec.payload.slice();
      expect(copy.buffer).not.toBe(sec.payload.buffer);
      expect(copy.byteOffset).toBe(0);
      expect(new Uint32Array(copy.buffer, copy.byteOffset, 2)[0]).toBe(0x04030201);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("a configuration that differs is refused naming each key that differs; a key one side lacks reads 'absent'", () => {
    const dir = mkdtempSync(join(tmpdir(), "armature-board-snap-"));
    try {
      const file = join(dir, "c.snap");
      writeSnapshotFile(file, { board: "b", config: '{"cpus":2,"usb":true}' }, []);
      expect(() => readSnapshotFile(file, { board: "b", config: '{"cpus":1}' })).toThrow(
        "the snapshot was taken with another configuration: cpus 2 (snapshot) vs 1 (here), usb true (snapshot) vs absent (here); give the same board options as when it was saved",
      );
      expect(() => readSnapshotFile(file, { board: "b", config: '{"cpus":2,"usb":true}' })).not.toThrow();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
