import { vi } from "vitest";
import { describeBareMetal } from "./suite.js";

// Runs under QEMU and on a loaded 2-core CI machine: allow more than the default 5 s.
vi.setConfig({ testTimeout: 30_000 });

const EXPECTED = [
  "smp4",
  "three cpus up ok",
  "broadcast reached 1-3 only ok",
  "target list {2} ok",
  "target list {1,3} ok",
  "done",
  "",
].join("\n");

describeBareMetal("bare-metal SGI routing on 4 CPUs", {
  program: "smp4",
  checks: "IRM broadcast excludes the sender; target lists reach exactly their PEs",
  expected: EXPECTED,
  cpus: 4,
  board: { maxInstructions: 3_000_000 },
  qemu: true,
});
