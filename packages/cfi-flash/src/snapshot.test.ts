import { expectTruncatedRefused, restoreStateInto, savedState } from "@armature/core/test";
import { describe, expect, it } from "vitest";
import { CfiFlash } from "./cfi-flash.js";

const BLOCK = 4096;
// Two x16 devices on a 32-bit bank: every command is written to both lanes.
const both = (cmd: number) => ((cmd << 16) | cmd) >>> 0;
const mk = (changes: [number, number][] = []) =>
  new CfiFlash({
    data: new Uint8Array(4 * BLOCK).fill(0xff),
    blockSize: BLOCK,
    onChange: (o, n) => changes.push([o, n]),
  });

describe("CfiFlash snapshots", () => {
  it("a restored bank has the same contents, lock bits and command state", () => {
    const a = mk();
    a.write(0x10, 4, both(0x40)); // word program
    a.write(0x10, 4, 0x1234_5678);
    a.write(BLOCK, 4, both(0x60)); // lock block 1
    a.write(BLOCK, 4, both(0x01));
    a.write(BLOCK * 2, 4, both(0x20)); // block erase setup, awaiting its confirm
    const changes: [number, number][] = [];
    const b = mk(changes);
    const bytes = restoreStateInto(a, b);
    expect(changes).toEqual([[0, 4 * BLOCK]]); // a file behind the bank follows the restore
    expect(savedState(b)).toEqual(bytes);
    // Both confirm the pending erase of block 2, then read array: the same bytes.
    for (const f of [a, b]) {
      f.write(BLOCK * 2, 4, both(0xd0));
      f.write(0, 4, both(0xff));
    }
    expect(b.read(0x10, 4) >>> 0).toBe(0x1234_5678);
    // Programming the locked block fails on both: the same status.
    for (const f of [a, b]) {
      f.write(BLOCK + 8, 4, both(0x40));
      f.write(BLOCK + 8, 4, 0);
    }
    expect(b.read(0, 4)).toBe(a.read(0, 4));
    expect(b.read(0, 4) & 0x10).toBe(0x10); // SR.4 program error
    expect(b.data).toEqual(a.data);
  });

  it("refuses a truncated state and changes nothing", () => {
    const a = mk();
    a.write(0x20, 4, both(0x40));
    a.write(0x20, 4, 0);
    expect(expectTruncatedRefused(mk(), savedState(a))).toBeGreaterThan(0);
  });
});
