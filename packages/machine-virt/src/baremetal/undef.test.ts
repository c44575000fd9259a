import { vi } from "vitest";
import { describeBareMetal } from "./suite.js";

// Runs under QEMU and on a loaded 2-core CI machine: allow more than the default 5 s.
vi.setConfig({ testTimeout: 60_000 });

// An address nothing decodes in either layout (past 128 MiB of RAM).
const NOWHERE = 0x800_1000;

const EXPECTED = `undef
${[
  "el1 mrs sctlr_el3",
  "el1 msr sctlr_el3",
  "el1 mrs s3_6_c15_c15_7",
  "el1 unallocated d4200001",
  "el1 unallocated 9ac07c00",
  "el1 svc",
  "el1 iabt",
]
  .map((n) => ["esr", "elr", "vector", "spsr"].map((f) => `${n} ${f} ok`).join("\n"))
  .join("\n")}
el1 iabt far ok
el0 mrs sctlr_el3 esr ok
el0 mrs sctlr_el3 elr ok
el0 mrs sctlr_el3 spsr ok
el0 mrs sctlr_el3 vector ok
el0 unallocated esr ok
el0 unallocated elr ok
el0 mrs sctlr_el1 esr ok
el0 mrs sctlr_el1 elr ok
el0 svc esr ok
el0 svc elr ok
el0 iabt esr ok
el0 iabt elr ok
el0 iabt far ok
el0 iabt vector ok
back at el1 ok
done
`;

describeBareMetal("bare-metal UNDEFINED, SVC and instruction aborts", {
  program: "undef",
  checks: "take the architected exception from EL1 and EL0 (EC, IL, ELR, SPSR, vector), never a hang",
  expected: EXPECTED,
  symbols: (layout) => ({ NOWHERE: layout.ramBase + NOWHERE }),
  qemu: {
    title: "prints the same verdicts under qemu-system-aarch64 -M virt,gic-version=3 -cpu max",
    options: { extra: ["-cpu", "max"] },
  },
});
