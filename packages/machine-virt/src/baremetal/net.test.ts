import { vi } from "vitest";
import { describeBareMetal } from "./suite.js";

// Runs under QEMU and on a loaded 2-core CI machine: allow more than the default 5 s.
vi.setConfig({ testTimeout: 30_000 });

// The board's default network is the user network (@armature/net); its gateway's MAC is the one
// QEMU's user-mode network gives its gateway (52:55:0a:00:02:02).
const EXPECTED = [
  "net",
  "features ok",
  "sent ok",
  "received ok",
  "ethertype arp ok",
  "arp reply ok",
  "sender 10.0.2.2 ok",
  "target 10.0.2.15 ok",
  "target mac ok",
  "peer mac 0x52 0x55 0xa 0x0 0x2 0x2",
  "done",
  "",
].join("\n");

describeBareMetal("bare-metal virtio-net", {
  program: "net",
  checks: "an ARP request for 10.0.2.2 gets the user network's reply",
  expected: EXPECTED,
  qemu: {
    title: "gets the same reply from QEMU's user-mode network (slirp)",
    options: {
      machine: "virt,gic-version=3,highmem=off",
      extra: [
        "-netdev",
        "user,id=n0",
        "-device",
        // romfile=: no PXE option ROM (bare metal does not need one; the ROM file is an optional package).
        "virtio-net-pci,netdev=n0,addr=1,disable-legacy=on,disable-modern=off,mac=52:54:00:12:34:56,romfile=",
      ],
    },
  },
});
