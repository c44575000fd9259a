import { vi } from "vitest";
import { describeBareMetal } from "./suite.js";

// Runs under QEMU and on a loaded 2-core CI machine: allow more than the default 5 s.
vi.setConfig({ testTimeout: 30_000 });

// Four CPUs with MPIDR affinity 0.0.0.i: one redistributor each, the last one flagged Last.
const EXPECTED = [
  "gicr",
  "pfr0 gic sysregs ok",
  "icc_sre_el1.sre ok",
  "gicd archrev ok",
  "frame 0x0 aff 0x0 procnum 0x0",
  "frame 0x1 aff 0x1 procnum 0x1",
  "frame 0x2 aff 0x2 procnum 0x2",
  "frame 0x3 aff 0x3 procnum 0x3",
  "frames ok",
  "done",
  "",
].join("\n");

describeBareMetal("bare-metal GIC discovery", {
  program: "gicr",
  checks: "ID_AA64PFR0_EL1.GIC, PIDR2.ArchRev and the redistributor walk to GICR_TYPER.Last",
  expected: EXPECTED,
  cpus: 4,
  qemu: {
    title: "prints the same under qemu-system-aarch64 -M virt,gic-version=3 -smp 4",
    options: { smp: 4 },
  },
});
