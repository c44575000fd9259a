import { vi } from "vitest";
import { describeBareMetal } from "./suite.js";

// Runs under QEMU and on a loaded 2-core CI machine: allow more than the default 5 s.
vi.setConfig({ testTimeout: 30_000 });

// An address nothing decodes in either layout (just past 128 MiB of RAM).
const UNMAPPED = 0x800_0100;

const EXPECTED = [
  "exceptions",
  "svc esr ok",
  "svc elr ok",
  "svc spsr ok",
  "brk esr ok",
  "brk elr ok",
  "udf esr ok",
  "udf elr ok",
  "ldr esr ok",
  "ldr elr ok",
  "ldr far ok",
  "ldr dest unchanged ok",
  "str esr ok",
  "str elr ok",
  "str far ok",
  "el0 svc esr ok",
  "el0 svc elr ok",
  "el0 svc spsr ok",
  "el0 mrs esr ok",
  "el0 mrs elr ok",
  "el0 ldr esr ok",
  "el0 ldr elr ok",
  "el0 ldr far ok",
  "back at el1 ok",
  "exceptions taken ok",
  "done",
  "",
].join("\n");

describeBareMetal("bare-metal exceptions", {
  program: "exceptions",
  checks:
    "SVC, BRK, UDF and external aborts, from EL1 and EL0, reach VBAR_EL1 with the ARM ARM's ESR/ELR/FAR",
  expected: EXPECTED,
  symbols: (layout) => ({ UNMAPPED: layout.ramBase + UNMAPPED }),
  qemu: { title: "prints the same verdicts under qemu-system-aarch64 -M virt" },
});
