import { MemoryBlockBackend } from "@armature/core";
import { describe, expect, it, vi } from "vitest";
import { assemble, runBare, runQemuWithDisk, sectorOneDisk } from "./harness.js";
import { LAYOUTS } from "./suite.js";

// Runs under QEMU and on a loaded 2-core CI machine: allow more than the default 5 s.
vi.setConfig({ testTimeout: 30_000 });

const EXPECTED = [
  "blk",
  "capacity ok",
  "features ok",
  "read status ok",
  "read used len ok",
  "sector 1: sector one says hi",
  "write status ok",
  "done",
  "",
].join("\n");

const diskImage = () => sectorOneDisk("sector one says hi");

describe.each(LAYOUTS)("bare-metal virtio-blk, %s layout", (name, layout) => {
  it("reads sector 1 and writes sector 2 of the disk through a split queue", async () => {
    const disk = new MemoryBlockBackend(diskImage());
    const r = await runBare(assemble("blk", layout), name, { disk });
    expect(r.out).toBe(EXPECTED);
    expect(r.stop).toBe("poweroff");
    const written = new TextDecoder().decode(disk.data.subarray(1024, 1024 + 20));
    expect(written).toBe("written by the guest");
    expect(disk.data[1024 + 20]).toBe(0);
  });

  if (name === "qemu") {
    it("does the same under qemu-system-aarch64 with virtio-blk-pci on a raw image", () => {
      const { out, disk } = runQemuWithDisk(
        assemble("blk", layout),
        diskImage(),
        "virtio-blk-pci,drive=d0,addr=1,disable-legacy=on,disable-modern=off",
        { machine: "virt,gic-version=3,highmem=off" },
      );
      expect(out).toBe(EXPECTED);
      expect(new TextDecoder().decode(disk.subarray(1024, 1044))).toBe("written by the guest");
    });
  }
});
