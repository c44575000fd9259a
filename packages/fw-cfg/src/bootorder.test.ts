import { describe, expect, it } from "vitest";
import { bootOrderFile, ofwBootPath } from "./bootorder.js";

const text = (b: Uint8Array) => Buffer.from(b).toString("latin1");

describe("bootorder (QEMU's fw_cfg boot order file)", () => {
  // What QEMU 7.2's virt board put in "bootorder" (read in a guest through qemu_fw_cfg's sysfs
  // raw file): virtio-blk-pci in slots 3 (bootindex=0) and 2 (bootindex=1), size 76; an
  // ich9-ahci in slot 2 with ide-cd on port 3 (bootindex=1) and ide-hd on port 1 (bootindex=2),
  // size 104; no bootindex anywhere: size 0.
  it("writes QEMU's paths, newline-separated with one closing NUL", () => {
    const virtio = bootOrderFile([
      ofwBootPath({ kind: "virtio-blk", slot: 3 }),
      ofwBootPath({ kind: "virtio-blk", slot: 2 }),
    ]);
    expect(text(virtio)).toBe(
      "/pci@ffffffffffffffff/scsi@3/disk@0,0\n/pci@ffffffffffffffff/scsi@2/disk@0,0\0",
    );
    expect(virtio.length).toBe(76);
    const ahci = bootOrderFile([
      ofwBootPath({ kind: "ahci", slot: 2, port: 3 }),
      ofwBootPath({ kind: "ahci", slot: 2, port: 1 }),
    ]);
    expect(text(ahci)).toBe(
      "/pci@ffffffffffffffff/pci8086,2922@2/drive@3/disk@0\n/pci@ffffffffffffffff/pci8086,2922@2/drive@1/disk@0\0",
    );
    expect(ahci.length).toBe(104);
    expect(bootOrderFile([]).length).toBe(0);
  });

  it("writes slots, functions and ports in hex, the function only when not 0", () => {
    expect(ofwBootPath({ kind: "virtio-blk", slot: 0x1e, function: 3 })).toBe(
      "/pci@ffffffffffffffff/scsi@1e,3/disk@0,0",
    );
    expect(ofwBootPath({ kind: "ahci", slot: 10, function: 0, port: 12 })).toBe(
      "/pci@ffffffffffffffff/pci8086,2922@a/drive@c/disk@0",
    );
  });

  it("refuses what is not a path or a PCI address", () => {
    expect(() => ofwBootPath({ kind: "virtio-blk", slot: 32 })).toThrow(RangeError);
    expect(() => ofwBootPath({ kind: "virtio-blk", slot: 1, function: 8 })).toThrow(RangeError);
    expect(() => ofwBootPath({ kind: "ahci", slot: 1, port: -1 })).toThrow(RangeError);
    expect(() => bootOrderFile(["/a\n/b"])).toThrow(RangeError);
    expect(() => bootOrderFile([""])).toThrow(RangeError);
  });
});
