import { describe, expect, it, vi } from "vitest";
import { QEMU_LAYOUT, VZ_LAYOUT } from "../layout.js";
import { assemble, runBare, runQemu } from "./harness.js";

// Runs under QEMU and on a loaded 2-core CI machine: allow more than the default 5 s.
vi.setConfig({ testTimeout: 30_000 });

const TAIL = [
  "features ok",
  "queue vector ok",
  "msi intid ok",
  "used idx ok",
  "used id ok",
  "used len ok",
  "random bytes ok",
  "one interrupt ok",
  "done",
  "",
];
const V2M = ["msi", "v2m spi base ok", "v2m spi count ok", ...TAIL].join("\n");
const ITS = ["msi", "its commands consumed ok", ...TAIL].join("\n");

describe("bare-metal virtio MSI-X into the GIC", () => {
  it("vz layout: virtio-rng's queue interrupt arrives through the GICv2m frame as SPI 96", async () => {
    const bin = assemble("msi", VZ_LAYOUT, { MSI_INTID: VZ_LAYOUT.v2mSpiBase! });
    const r = await runBare(bin, "vz");
    expect(r.out).toBe(V2M);
    expect(r.stop).toBe("poweroff");
  });

  it("qemu layout: the same interrupt arrives through the ITS (MAPD/MAPC/MAPTI) as LPI 8192", async () => {
    const bin = assemble("msi", QEMU_LAYOUT, { MSI_INTID: 8192 });
    const r = await runBare(bin, "qemu");
    expect(r.out).toBe(ITS);
    expect(r.stop).toBe("poweroff");
  });

  it("qemu layout: prints the same under qemu-system-aarch64 with virtio-rng-pci at 00:04.0", () => {
    const bin = assemble("msi", QEMU_LAYOUT, { MSI_INTID: 8192 });
    const out = runQemu(bin, {
      machine: "virt,gic-version=3,highmem=off",
      extra: ["-device", "virtio-rng-pci,addr=4,disable-legacy=on,disable-modern=off"],
    });
    expect(out).toBe(ITS);
  });
});
