import { describe, expect, it } from "vitest";
import { RamRegion } from "./memory.js";
import { ramSnapshot, SnapshotError, StateReader, StateWriter } from "./snapshot.js";

describe("StateWriter.byteList / StateReader.byteList", () => {
  const list = [Uint8Array.of(1, 2, 3), new Uint8Array(0), new Uint8Array(5000).fill(7)];

  it("is a u32 count, then each run as bytes() writes it", () => {
    const a = new StateWriter();
    a.byteList(list);
    const b = new StateWriter();
    b.u32(3);
    for (const x of list) b.bytes(x);
    expect(a.toBytes()).toEqual(b.toBytes());
    expect(a.toBytes().length).toBe(4 + 3 * 4 + 3 + 0 + 5000);
  });

  it("reads back copies of the runs", () => {
    const w = new StateWriter();
    w.byteList(list);
    const bytes = w.toBytes();
    const got = new StateReader(bytes).byteList(3, 5000, "runs");
    expect(got).toEqual(list);
    bytes.fill(0);
    expect(got[0]).toEqual(Uint8Array.of(1, 2, 3));
  });

  it("refuses more runs than maxCount or a run longer than maxBytes", () => {
    const w = new StateWriter();
    w.byteList(list);
    const bytes = w.toBytes();
    expect(() => new StateReader(bytes).byteList(2, 5000, "runs")).toThrow(SnapshotError);
    expect(() => new StateReader(bytes).byteList(2, 5000, "runs")).toThrow(/runs 3 is more than 2/);
    expect(() => new StateReader(bytes).byteList(3, 4999, "runs")).toThrow(SnapshotError);
  });
});

describe("ramSnapshot over adjacent regions (Bus.addRamParts)", () => {
  const KiB = 1024;
  const base = 0x4000_0000;
  // the same 64 KiB of bytes as one region and as three (32 + 16 + 16 KiB); pages written on each side of both seams
  const filled = (sizes: number[]): RamRegion[] => {
    let at = base;
    const parts = sizes.map((n, k) => {
      const r = new RamRegion(`r${k}`, at, n);
      at += n;
      return r;
    });
    for (const pa of [
      base + 0x10,
      base + 32 * KiB - 4,
      base + 32 * KiB + 9,
      base + 48 * KiB - 1,
      base + 48 * KiB,
      base + 64 * KiB - 1,
    ]) {
      const r = parts.find((p) => p.contains(pa))!;
      r.writeU8(pa - r.base, ((pa >>> 2) & 0xff) | 1);
    }
    return parts;
  };
  const save = (ram: RamRegion | RamRegion[]): Uint8Array => {
    const w = new StateWriter();
    ramSnapshot(ram).saveState(w);
    return w.toBytes();
  };
  const bytes = (parts: RamRegion[]): number[] => parts.flatMap((p) => [...p.u8]);

  it("is the section of one region holding their concatenation, and restores into either", () => {
    const one = filled([64 * KiB]);
    const three = filled([32 * KiB, 16 * KiB, 16 * KiB]);
    expect(bytes(three)).toEqual(bytes(one));
    const saved = save(one[0]!);
    expect(save(three)).toEqual(saved);
    // 5 of the 16 pages hold data
    expect(new StateReader(saved).f64()).toBe(64 * KiB);
    const into = [
      new RamRegion("a", base, 32 * KiB),
      new RamRegion("b", base + 32 * KiB, 16 * KiB),
      new RamRegion("c", base + 48 * KiB, 16 * KiB),
    ];
    into[2]!.writeU8(100, 0xee); // restoring zeroes what the snapshot does not have
    ramSnapshot(into).loadState(new StateReader(saved), 1)();
    expect(bytes(into)).toEqual(bytes(one));
  });

  it("refuses a snapshot of another total size", () => {
    const saved = save(filled([32 * KiB, 16 * KiB, 16 * KiB]));
    const other = [new RamRegion("a", base, 32 * KiB), new RamRegion("b", base + 32 * KiB, 16 * KiB)];
    expect(() => ramSnapshot(other).loadState(new StateReader(saved), 1)).toThrow(
      /RAM is 65536 bytes in the snapshot, 49152 here/,
    );
  });
});
