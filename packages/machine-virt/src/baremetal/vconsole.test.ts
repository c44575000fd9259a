import { describe, expect, it } from "vitest";
import { QEMU_LAYOUT, VZ_LAYOUT } from "../layout.js";
import { assemble, runBare } from "./harness.js";

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
