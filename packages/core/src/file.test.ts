import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { writeFileAtomic } from "./file.js";

describe("writeFileAtomic", () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "armature-atomic-"));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("writes bytes, chunks in order or UTF-8 text, replacing the file, and leaves no temporary file", () => {
    const path = join(dir, "f.bin");
    expect(writeFileAtomic(path, new Uint8Array([1, 2, 3]))).toBe(3);
    expect([...readFileSync(path)]).toEqual([1, 2, 3]);
    expect(
      writeFileAtomic(path, [new Uint8Array([4]), new Uint8Array(0), new Uint8Array([5, 6])], {
        fsync: true,
      }),
    ).toBe(3);
    expect([...readFileSync(path)]).toEqual([4, 5, 6]);
    expect(writeFileAtomic(path, "é\n")).toBe(3);
    expect(readFileSync(path, "utf8")).toBe("é\n");
    expect(readdirSync(dir)).toEqual(["f.bin"]);
  });

  it("a write that fails part-way leaves the old contents and no temporary file", () => {
    const path = join(dir, "f.bin");
    writeFileSync(path, "old");
    // Chunks whose iteration fails after the first one has been written to the temporary file.
    const failing = {
      *[Symbol.iterator]() {
        yield new Uint8Array([1, 2]);
        throw new Error("source failed");
      },
    } as unknown as readonly Uint8Array[];
    expect(() => writeFileAtomic(path, failing, { fsync: true })).toThrow("source failed");
    expect(readFileSync(path, "utf8")).toBe("old");
    expect(readdirSync(dir)).toEqual(["f.bin"]);
  });

  it("a rename that fails (a directory in the way) leaves that directory and no temporary file", () => {
    const path = join(dir, "taken");
    mkdirSync(path);
    writeFileSync(join(path, "inside"), "kept");
    expect(() => writeFileAtomic(path, "x")).toThrow(/EISDIR|EEXIST|ENOTEMPTY|EPERM/);
    expect(readdirSync(dir)).toEqual(["taken"]);
    expect(readFileSync(join(path, "inside"), "utf8")).toBe("kept");
  });

  it("a folder that does not exist is the open's error, and nothing is created", () => {
    expect(() => writeFileAtomic(join(dir, "no", "f"), "x")).toThrow(/ENOENT/);
    expect(readdirSync(dir)).toEqual([]);
  });
});
