import { describe, expect, it, vi } from "vitest";
import { QEMU_LAYOUT, VZ_LAYOUT } from "../layout.js";
import { assemble, runBare, runQemu } from "./harness.js";

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

describe.each([
  ["vz", VZ_LAYOUT],
  ["qemu", QEMU_LAYOUT],
] as const)("bare-metal virtio-net, %s layout", (name, layout) => {
  it("an ARP request for 10.0.2.2 gets the user network's reply", async () => {
    const r = await runBare(assemble("net", layout), name);
    expect(r.out).toBe(EXPECTED);
    expect(r.stop).toBe("poweroff");
  });

  if (name === "qemu") {
    it("gets the same reply from QEMU's user-mode network (slirp)", () => {
      const out = runQemu(assemble("net", layout), {
        machine: "virt,gic-version=3,highmem=off",
        extra: [
          "-netdev",
          "user,id=n0",
          "-device",
          "virtio-net-pci,netdev=n0,addr=1,disable-legacy=on,disable-modern=off,mac=52:54:00:12:34:56",
        ],
      });
      expect(out).toBe(EXPECTED);
    });
  }
});
