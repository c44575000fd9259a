import { vi } from "vitest";
import { describeBareMetal } from "./suite.js";

// Runs under QEMU and on a loaded 2-core CI machine: allow more than the default 5 s.
vi.setConfig({ testTimeout: 30_000 });

const EXPECTED = [
  "timer2",
  "counter shared ok",
  "cpu 0 ticks ok",
  "cpu 1 ticks ok",
  "only ppi 27 ok",
  "done",
  "",
].join("\n");

describeBareMetal("bare-metal per-CPU timers", {
  program: "timer2",
  checks: "each CPU's CNTV interrupts only that CPU; TVAL and CVAL re-arming; one shared counter",
  expected: EXPECTED,
  cpus: 2,
  qemu: {
    title: "prints the same under qemu-system-aarch64 -M virt,gic-version=3 -smp 2",
  },
});
