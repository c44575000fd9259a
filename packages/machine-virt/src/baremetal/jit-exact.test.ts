import { createHash } from "node:crypto";
import type { Cpu } from "@armature/cpu-aarch64";
import { describe, expect, it, vi } from "vitest";
import { QEMU_LAYOUT } from "../layout.js";
import { bareProgram, runBare } from "./harness.js";

// Runs on a loaded 2-core CI machine: allow more than the default 5 s.
vi.setConfig({ testTimeout: 60_000 });

/** Everything the interpreter and the translator must agree on, per vCPU. */
function cpuState(c: Cpu): string {
  const h = createHash("sha256");
  for (let i = 0; i <= 31; i++) h.update(c.getX(i).toString(16));
  h.update(`${c.getPC()} ${c.getNZCV()} ${c.el} ${c.retired}`);
  return h.digest("hex").slice(0, 16);
}

// The translator's exactness proof, CI-sized: the bare-metal programs (timer interrupts, WFI idling,
// exceptions and faults, the MMU, a second CPU, typed input) under the interpreter and under the
// translator with a threshold of 2 (nearly every loop and branch target becomes a block) give the
// identical console output, stop, per-vCPU instruction counts, clock, registers and RAM.
describe("translator vs interpreter on the bare-metal programs, qemu layout", () => {
  let translated = 0;
  it.each(["timer", "exceptions", "mmu", "uart", "sgi", "timer2", "pmu"])(
    "%s: identical output, instruction counts, clock, registers and RAM",
    async (prog) => {
      const { bin, cpus, typed } = bareProgram(prog, QEMU_LAYOUT);
      const once = async (engine: "interp" | "jit") => {
        const r = await runBare(bin, "qemu", { cpus, engine, jit: { threshold: 2 }, typed });
        for (const c of r.machine.cpus) translated += c.jit?.stats.insnsRun ?? 0;
        return {
          out: r.out,
          stop: r.stop,
          perCpu: r.machine.cpus.map((c) => c.retired),
          state: r.machine.cpus.map(cpuState),
          clockNs: r.machine.clock.nowNs(),
          ram: createHash("sha256").update(r.machine.ram.u8).digest("hex").slice(0, 16),
        };
      };
      const a = await once("interp");
      const b = await once("jit");
      expect(a.stop).toBe("poweroff");
      expect(a.out).toContain("done\n");
      expect(b).toEqual(a);
    },
  );
  it("ran a share of those programs translated", () => {
    expect(translated).toBeGreaterThan(0);
    console.log(`jit-exact: ${translated} instructions ran in translated blocks`);
  });
});
