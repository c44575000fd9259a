import { spawnSync } from "node:child_process";
import { beforeAll, describe, expect, it } from "vitest";
import { getReg, setInterruptMap, setRanges, setReg } from "./cells.js";
import { serializeDtb } from "./dtb.js";
import { printDts } from "./dts.js";
import { FdtBuildError, FdtParseError } from "./errors.js";
import { ensurePhandle, findByPhandle, findNode, nextPhandle, pathOf } from "./lookup.js";
import { parseDtb } from "./parse.js";
import { requireDtc } from "./test/arb.js";
import { FdtNode } from "./tree.js";

/** dtc's own DTS for a blob of ours. */
function dtcDts(blob: Uint8Array): string {
  const r = spawnSync("dtc", ["-q", "-I", "dtb", "-O", "dts", "-"], { input: blob });
  if (r.status !== 0) throw new Error(`dtc failed: ${r.stderr}`);
  return r.stdout.toString();
}

function board(): FdtNode {
  const root = new FdtNode("");
  root.setU32("#address-cells", 2).setU32("#size-cells", 2).setString("compatible", "linux,dummy-virt");
  const gic = root.addChild("intc@8000000");
  gic
    .setU32("#interrupt-cells", 3)
    .setU32("#address-cells", 2)
    .setEmpty("interrupt-controller")
    .setPhandle(1);
  setReg(gic, root, [
    { address: 0x8000000, size: 0x10000 },
    { address: 0x80a0000n, size: 0xf60000 },
  ]);
  const pci = root.addChild("pcie@10000000");
  pci.setU32("#address-cells", 3).setU32("#size-cells", 2).setU32("#interrupt-cells", 1);
  setRanges(pci, root, [
    { childAddress: [0x01000000, 0, 0], parentAddress: 0x3eff0000, size: 0x10000 },
    { childAddress: [0x02000000, 0, 0x10000000], parentAddress: 0x10000000, size: 0x2eff0000 },
  ]);
  setInterruptMap(
    pci,
    [
      {
        childAddress: [0, 0, 0],
        childInterrupt: [1],
        parent: gic,
        parentAddress: 0n,
        parentInterrupt: [0, 3, 4],
      },
    ],
    [0x1800, 0, 0, 7],
  );
  root.addChild("chosen").setString("bootargs", "console=ttyAMA0");
  return root;
}

describe("builder helpers, judged by dtc's decompiler", () => {
  beforeAll(requireDtc);
  it("reg, ranges and interrupt-map honour #address-cells/#size-cells", () => {
    const dts = dtcDts(serializeDtb(board()));
    expect(dts).toMatch(/reg = <0x00 0x8000000 0x00 0x10000 0x00 0x80a0000 0x00 0xf60000>;/);
    expect(dts).toMatch(
      /ranges = <0x1000000 0x00 0x00 0x00 0x3eff0000 0x00 0x10000 0x2000000 0x00 0x10000000 0x00 0x10000000 0x00 0x2eff0000>;/,
    );
    expect(dts).toMatch(/interrupt-map = <0x00 0x00 0x00 0x01 0x01 0x00 0x00 0x00 0x03 0x04>;/);
    expect(dts).toMatch(/interrupt-map-mask = <0x1800 0x00 0x00 0x07>;/);
    expect(dts).toMatch(/bootargs = "console=ttyAMA0";/);
  });
  it("reads reg back with the parent's cells", () => {
    const root = board();
    expect(getReg(root.child("intc@8000000")!, root)).toEqual([
      { address: 0x8000000n, size: 0x10000n },
      { address: 0x80a0000n, size: 0xf60000n },
    ]);
  });
  it("rejects values that do not fit and maps without cell counts", () => {
    const root = new FdtNode("").setU32("#address-cells", 1).setU32("#size-cells", 1);
    const n = root.addChild("x@0");
    expect(() => setReg(n, root, [{ address: 0x1_0000_0000, size: 1 }])).toThrow(FdtBuildError);
    expect(() => setReg(n, root, [{ address: [1, 2], size: 1 }])).toThrow(/2 cells given where 1/);
    expect(() => setInterruptMap(n, [])).toThrow(/#interrupt-cells/);
  });
});

describe("serializer", () => {
  it("rejects invalid trees with a fix-it message", () => {
    const root = new FdtNode("");
    root.addChild("a");
    root.addChild("a");
    expect(() => serializeDtb(root)).toThrow(/two sibling nodes are named "a"/);
    const r2 = new FdtNode("");
    r2.addChild("bad name");
    expect(() => serializeDtb(r2)).toThrow(FdtBuildError);
    const r3 = new FdtNode("");
    r3.setU32("bad=prop", 1);
    expect(() => serializeDtb(r3)).toThrow(/property name/);
    expect(() => serializeDtb(new FdtNode(""), { reservations: [{ address: 1n, size: 0n }] })).toThrow(
      /size 0/,
    );
  });
  it("shares a property name that is the tail of an earlier one", () => {
    const root = new FdtNode("").setU32("#address-cells", 2).setU32("address-cells", 1).setU32("cells", 1);
    const blob = serializeDtb(root);
    const dv = new DataView(blob.buffer);
    expect(dv.getUint32(32)).toBe("#address-cells".length + 1); // size_dt_strings
  });
});

describe("parser", () => {
  const good = serializeDtb(board(), {
    reservations: [{ address: 0x40000000n, size: 0x1000n }],
    bootCpuidPhys: 3,
  });
  const kindOf = (b: Uint8Array): string => {
    try {
      parseDtb(b);
      return "ok";
    } catch (e) {
      if (e instanceof FdtParseError) return e.kind;
      throw e;
    }
  };
  const patch = (off: number, v: number): Uint8Array => {
    const b = good.slice();
    new DataView(b.buffer).setUint32(off, v);
    return b;
  };
  it("reads back the header fields and the tree", () => {
    const p = parseDtb(good);
    expect(p.version).toBe(17);
    expect(p.bootCpuidPhys).toBe(3);
    expect(p.reservations).toEqual([{ address: 0x40000000n, size: 0x1000n }]);
    expect(p.root.child("chosen")?.getString("bootargs")).toBe("console=ttyAMA0");
  });
  it("names each malformation", () => {
    const dv = new DataView(good.buffer);
    const offStruct = dv.getUint32(8);
    expect(kindOf(patch(0, 0xd00dfeee))).toBe("bad-magic");
    expect(kindOf(good.subarray(0, 39))).toBe("truncated");
    expect(kindOf(good.subarray(0, good.length - 1))).toBe("truncated");
    expect(kindOf(patch(4, good.length + 1))).toBe("truncated");
    expect(kindOf(patch(12, good.length + 4))).toBe("bad-offset");
    expect(kindOf(patch(36, 0xfffffff0))).toBe("bad-offset");
    expect(kindOf(patch(8, 16))).toBe("overlap");
    expect(kindOf(patch(12, offStruct))).toBe("overlap");
    expect(kindOf(patch(offStruct, 7))).toBe("bad-token");
    expect(kindOf(patch(24, 18))).toBe("bad-version");
    expect(kindOf(patch(20, 99))).toBe("ok"); // like dtc, a newer version field is accepted
  });
  it("rejects an unterminated property name", () => {
    const b = good.slice();
    const dv = new DataView(b.buffer);
    const off = dv.getUint32(12);
    b.fill(0x61, off, off + dv.getUint32(32));
    expect(kindOf(b)).toBe("unterminated-string");
  });
});

describe("lookup and edits", () => {
  it("finds by path, unit-less name, alias and phandle", () => {
    const root = board();
    root.addChild("aliases").setString("pci0", "/pcie@10000000");
    expect(findNode(root, "/intc@8000000")?.name).toBe("intc@8000000");
    expect(findNode(root, "/intc")?.name).toBe("intc@8000000");
    expect(findNode(root, "pci0")?.name).toBe("pcie@10000000");
    expect(findNode(root, "/nope")).toBeUndefined();
    expect(findByPhandle(root, 1)?.name).toBe("intc@8000000");
    expect(nextPhandle(root)).toBe(2);
    const chosen = root.child("chosen")!;
    expect(ensurePhandle(root, chosen)).toBe(2);
    expect(pathOf(root, chosen)).toBe("/chosen");
  });
  it("adds, replaces and removes nodes and properties", () => {
    const root = board();
    expect(root.removeChild("chosen")).toBe(true);
    expect(root.removeChild("chosen")).toBe(false);
    root.setChild(new FdtNode("memory@40000000").setString("device_type", "memory"));
    root.setChild(new FdtNode("memory@40000000").setString("device_type", "ram"));
    expect(root.children.filter((c) => c.name === "memory@40000000")).toHaveLength(1);
    expect(root.child("memory@40000000")?.getString("device_type")).toBe("ram");
    root.setU32("#size-cells", 1);
    expect(root.getU32("#size-cells")).toBe(1);
    expect(root.removeProperty("compatible")).toBe(true);
    const back = parseDtb(serializeDtb(root)).root;
    expect(back.hasProperty("compatible")).toBe(false);
    expect(printDts(back)).toContain('device_type = "ram";');
  });
});

describe("parser resource bounds", () => {
  it("rejects a name longer than 1024 bytes (bounds the work per property)", () => {
    const n = 20_000;
    const strLen = 200_000;
    const structSize = 8 + n * 12 + 4 + 4;
    const off = 40 + 16;
    const total = off + structSize + strLen + 1;
    const b = new Uint8Array(total);
    const v = new DataView(b.buffer);
    [0xd00dfeed, total, off, off + structSize, 40, 17, 16, 0, strLen + 1, structSize].forEach((x, i) => {
      v.setUint32(i * 4, x);
    });
    let p = off;
    v.setUint32(p, 1);
    p += 8; // FDT_BEGIN_NODE + empty root name
    for (let i = 0; i < n; i++, p += 12) {
      v.setUint32(p, 3);
      v.setUint32(p + 4, 0);
      v.setUint32(p + 8, i * 7);
    }
    v.setUint32(p, 2);
    v.setUint32(p + 4, 9);
    b.fill(0x61, off + structSize, off + structSize + strLen);
    expect(() => parseDtb(b, { strict: false })).toThrow(/longer than 1024 bytes/);
  });
});
