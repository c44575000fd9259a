import { MemoryBlockBackend } from "@armature/core";
import { describe, expect, it, vi } from "vitest";
import { QEMU_LAYOUT } from "../layout.js";
import { assemble, runBare, runQemuWithDisk, sectorOneDisk } from "./harness.js";

// Runs under QEMU and on a loaded 2-core CI machine: allow more than the default 5 s.
vi.setConfig({ testTimeout: 60_000 });

const EXPECTED = [
  "smmu",
  "IDR0.S1P ok",
  "IDR0.TTF AArch64 ok",
  "IDR1.CMDQS >= 4 ok",
  "IDR1.EVTQS >= 4 ok",
  "IDR1.SIDSIZE >= 5 ok",
  "GERROR ok",
  "smmu enabled",
  "virtio-blk device ok",
  "VIRTIO_F_ACCESS_PLATFORM offered ok",
  "features ok",
  "read status ok",
  "read used len ok",
  "sector 1: read through the smmu",
  "no event yet ok",
  "event recorded ok",
  "event type F_TRANSLATION ok",
  "event StreamID ok",
  "event InputAddr ok",
  "event RnW (device writes) ok",
  "done",
  "",
].join("\n");

const diskImage = () => sectorOneDisk("read through the smmu");

const image = () => assemble("smmu", QEMU_LAYOUT, { SMMU: QEMU_LAYOUT.smmu! });

describe("bare-metal SMMUv3 in front of virtio-blk, qemu layout (QEMU -M virt,iommu=smmuv3 as the oracle)", () => {
  it("on our board: stage-1 translated DMA reads the disk; an unmapped IOVA leaves F_TRANSLATION", async () => {
    const r = await runBare(image(), "qemu", {
      iommu: "smmuv3",
      disk: new MemoryBlockBackend(diskImage()),
      maxInstructions: 5_000_000,
    });
    expect(r.out).toBe(EXPECTED);
    expect(r.stop).toBe("poweroff");
    // One fault, one record, no global error. (QEMU 7.2 differs here: its virtio-blk retries the
    // DMA, the SMMU records F_TRANSLATION 129 times, and when the 16-entry queue is full QEMU
    // raises GERROR.EVTQ_ABT_ERR; IHI 0070 7.4 says a full queue loses events and sets
    // EVTQ_PROD.OVFLG instead, which is what our model does when a guest lets it fill.)
    const smmu = QEMU_LAYOUT.smmu!;
    expect(r.machine.bus.read(smmu + 0x60, 4)).toBe(0); // GERROR
    expect(r.machine.bus.read(smmu + 0x100a8, 4)).toBe(1); // EVTQ_PROD: one record, no overflow
  });

  it("under qemu-system-aarch64 with virtio-blk-pci,iommu_platform=on: the same output", () => {
    const { out } = runQemuWithDisk(
      image(),
      diskImage(),
      "virtio-blk-pci,drive=d0,addr=1,disable-legacy=on,disable-modern=off,iommu_platform=on",
      { machine: "virt,gic-version=3,highmem=off,iommu=smmuv3" },
    );
    expect(out).toBe(EXPECTED);
  });
});
