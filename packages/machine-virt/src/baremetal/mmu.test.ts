import { vi } from "vitest";
import { describeBareMetal } from "./suite.js";

// Runs under QEMU and on a loaded 2-core CI machine: allow more than the default 5 s.
vi.setConfig({ testTimeout: 30_000 });

const EXPECTED = [
  "mmu",
  "mmu on",
  "alias reads ram ok",
  "translation fault esr ok",
  "translation fault far ok",
  "translation fault elr ok",
  "external abort esr ok",
  "external abort far is the va ok",
  "done",
  "",
].join("\n");

describeBareMetal("bare-metal MMU faults", {
  program: "mmu",
  checks: "translation faults and external aborts with the MMU on report the VA in FAR_EL1",
  expected: EXPECTED,
  symbols: (layout) => ({ UNMAPPED: layout.ramBase + 0x800_0100 }),
  qemu: { title: "prints the same under qemu-system-aarch64 -M virt" },
});
