import { vi } from "vitest";
import { describeBareMetal } from "./suite.js";

// Runs under QEMU and on a loaded 2-core CI machine: allow more than the default 5 s.
vi.setConfig({ testTimeout: 30_000 });

// SGI 2 nests inside SGI 1; SGI 3 runs only after both; SGI 4 waits for the PMR.
const EXPECTED = [
  "priority",
  "<1<2>2>1<3>3",
  "pmr masks sgi 4 ok",
  "hppir shows sgi 4 ok",
  "<4>4",
  "rpr in sgi 1 ok",
  "rpr in sgi 2 ok",
  "sgi 3 pending during sgi 2 ok",
  "done",
  "",
].join("\n");

describeBareMetal("bare-metal GIC priorities and preemption", {
  program: "priority",
  checks: "a higher-priority SGI preempts, a lower one waits, the PMR masks",
  expected: EXPECTED,
  qemu: true,
});
