import { vi } from "vitest";
import { describeBareMetal } from "./suite.js";

// Runs under QEMU and on a loaded 2-core CI machine: allow more than the default 5 s.
vi.setConfig({ testTimeout: 30_000 });

const EXPECTED = [
  "sgi",
  "affinity before ok",
  "cpu_on ok",
  "cpu_on again refused ok",
  "affinity on ok",
  "context id ok",
  "cpu1 mpidr aff0 ok",
  "cpu1 got sgi ok",
  "cpu0 got sgi ok",
  "affinity off ok",
  "done",
  "",
].join("\n");

describeBareMetal("bare-metal SGIs between 2 CPUs", {
  program: "sgi",
  checks: "PSCI CPU_ON starts CPU 1; SGIs through ICC_SGI1R_EL1 reach each target; AFFINITY_INFO tracks it",
  expected: EXPECTED,
  symbols: () => ({ CHECK_CPU_ON_AGAIN: 1 }),
  cpus: 2,
  qemu: {
    title: "prints the same verdicts under qemu-system-aarch64 -M virt,gic-version=3 -smp 2",
    symbols: () => ({ CHECK_CPU_ON_AGAIN: 0 }),
    expected: EXPECTED.replace("cpu_on again refused ok\n", ""),
  },
});
