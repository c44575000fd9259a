import { vi } from "vitest";
import { describeBareMetal } from "./suite.js";

// Runs under QEMU and on a loaded 2-core CI machine: allow more than the default 5 s.
vi.setConfig({ testTimeout: 30_000 });

// Modern virtio-pci ids (virtio 1.2 §4.1.2.1): vendor 0x1af4, device 0x1040 + virtio device id
// (net 1, console 3, entropy 4, balloon 5); class codes as QEMU gives them.
const id = (virtioId: number) => `0x${((0x1040 + virtioId) * 0x10000 + 0x1af4).toString(16)}`;

const EXPECTED = [
  "pci",
  `slot 0x1 id ${id(1)} class 0x20000`,
  `slot 0x2 id ${id(3)} class 0x78000`,
  `slot 0x3 id ${id(5)} class 0xff00`,
  `slot 0x4 id ${id(4)} class 0xff00`,
  "cap list ok",
  "msix cap ok",
  "common cfg bar 0x4 offset 0x0",
  "bar size 0x4000",
  "bar is 64-bit ok",
  "bar readback ok",
  "rng num_queues ok",
  "version_1 offered ok",
  "status acknowledge ok",
  "status reset ok",
  "done",
  "",
].join("\n");

const modern = "disable-legacy=on,disable-modern=off";

describeBareMetal("bare-metal PCI enumeration", {
  program: "pci",
  checks: "finds the virtio functions in ECAM, sizes and programs a BAR, reads the common config",
  expected: EXPECTED,
  qemu: {
    title: "prints the same under qemu-system-aarch64 with the same virtio functions in slots 1-4",
    options: {
      machine: "virt,gic-version=3,highmem=off",
      extra: [
        "-device",
        `virtio-net-pci,addr=1,${modern},romfile=`, // no PXE option ROM: bare metal needs none
        "-device",
        `virtio-serial-pci,addr=2,${modern}`,
        "-device",
        `virtio-balloon-pci,addr=3,${modern}`,
        "-device",
        `virtio-rng-pci,addr=4,${modern}`,
      ],
    },
  },
});
