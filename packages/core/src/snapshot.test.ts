import { describe, expect, it } from "vitest";
import { SnapshotError, StateReader, StateWriter } from "./snapshot.js";

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
