import { vi } from "vitest";
import { describeBareMetal } from "./suite.js";

// Runs under QEMU and on a loaded 2-core CI machine: allow more than the default 5 s.
vi.setConfig({ testTimeout: 30_000 });

describeBareMetal("bare-metal virtio-console", {
  program: "vconsole",
  checks: "the transmitq reaches the host console and typed bytes (console=hvc0) fill the receiveq",
  expected: [
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
  board: { cmdline: "console=hvc0", typed: "xyz" },
});
