import { vi } from "vitest";
import { describeBareMetal } from "./suite.js";

// Runs under QEMU and on a loaded 2-core CI machine: allow more than the default 5 s.
vi.setConfig({ testTimeout: 30_000 });

const EXPECTED = [
  "spi",
  "acknowledged ok",
  "active in handler ok",
  "not pending in handler ok",
  "inactive after eoi ok",
  "still active after eoir ok",
  "priority dropped ok",
  "inactive after dir ok",
  "cpu 1 got the routed spi ok",
  "cpu 0 did not ok",
  "done",
  "",
].join("\n");

describeBareMetal("bare-metal SPI state, EOImode and routing", {
  program: "spi",
  checks: "ISPENDR/ISACTIVER through acknowledge and EOI, EOImode 1 with ICC_DIR_EL1, IROUTER to CPU 1",
  expected: EXPECTED,
  cpus: 2,
  qemu: {
    title: "prints the same under qemu-system-aarch64 -M virt,gic-version=3 -smp 2",
  },
});
