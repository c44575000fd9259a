import { vi } from "vitest";
import { describeBareMetal } from "./suite.js";

// Runs under QEMU and on a loaded 2-core CI machine: allow more than the default 5 s.
vi.setConfig({ testTimeout: 30_000 });

const EXPECTED = [
  "gic timer",
  "iar idle ok",
  "cntv ticks ok",
  "cntv intid ok",
  "rpr in handler ok",
  "cntv disabled ok",
  "cntp ticks ok",
  "cntp intid ok",
  "no other irq ok",
  "rpr idle ok",
  "iar after ok",
  "done",
  "",
].join("\n");

describeBareMetal("bare-metal GICv3 + generic timer", {
  program: "timer",
  checks: "CNTV (PPI 27) and CNTP (PPI 30) interrupt through the GIC and are acknowledged/EOIed",
  expected: EXPECTED,
  qemu: { title: "prints the same verdicts under qemu-system-aarch64 -M virt,gic-version=3" },
});
