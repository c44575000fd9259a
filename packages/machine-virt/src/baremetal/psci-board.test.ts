import { vi } from "vitest";
import { describeBareMetal } from "./suite.js";

// Runs under QEMU and on a loaded 2-core CI machine: allow more than the default 5 s.
vi.setConfig({ testTimeout: 30_000 });

const EXPECTED = [
  "psci",
  "version 1.1 ok",
  "features cpu_on ok",
  "features affinity_info ok",
  "features unknown ok",
  "migrate_info_type ok",
  "cpu_on ok",
  "first context ok",
  "entry el1 ok",
  "entry daif masked ok",
  "entry mmu off ok",
  "cpu_on after off ok",
  "second context ok",
  "cpu_suspend ok",
  "timer fired before return ok",
  "ppi 27 pending ok",
  "done",
  "",
].join("\n");

describeBareMetal("bare-metal PSCI on the board", {
  program: "psci",
  checks: "VERSION/FEATURES/MIGRATE_INFO_TYPE, CPU_ON entry state, CPU_OFF and CPU_ON again, CPU_SUSPEND",
  expected: EXPECTED,
  cpus: 2,
  qemu: {
    title: "prints the same under qemu-system-aarch64 -M virt,gic-version=3 -smp 2",
  },
});
