import { describe, expect, it, vi } from "vitest";
import { QEMU_LAYOUT, VZ_LAYOUT } from "../layout.js";
import { assemble, runBare } from "./harness.js";

// Runs under QEMU and on a loaded 2-core CI machine: allow more than the default 5 s.
vi.setConfig({ testTimeout: 30_000 });

describe.each([
  ["vz", VZ_LAYOUT],
  ["qemu", QEMU_LAYOUT],
] as const)("bare-metal virtio-console, %s layout", (name, layout) => {
  it("the transmitq reaches the host console and typed bytes (console=hvc0) fill the receiveq", async () => {
    const r = await runBare(assemble("vconsole", layout), name, {
      cmdline: "console=hvc0",
      before: (m) => m.input(new TextEncoder().encode("xyz")),
    });
    expect(r.out).toBe(
      [
        "vconsole",
        "console id ok",
        "features ok",
        "hello through virtio-console",
        "transmit used ok",
        "received len ok",
        "received: xyz",
        "done",
        "",
      ].join("\n"),
    );
    expect(r.stop).toBe("poweroff");
  });
});
