import { describe, expect, it, vi } from "vitest";
import { QEMU_LAYOUT, VZ_LAYOUT } from "../layout.js";
import { bareProgram, runBare } from "./harness.js";

// Runs under QEMU and on a loaded 2-core CI machine: allow more than the default 5 s.
vi.setConfig({ testTimeout: 30_000 });

// With deterministic time the board is a function of its inputs: the same image (with timer
// interrupts, WFI idling, a second CPU and typed input) must give the same console output and
// the same instruction counts, per vCPU, run after run.
describe.each([
  ["vz", VZ_LAYOUT],
  ["qemu", QEMU_LAYOUT],
] as const)("bare-metal deterministic replay, %s layout", (name, layout) => {
  it.each([
    "timer",
    "sgi",
    "uart",
    "rtc",
    "exceptions",
    "pci",
    "msi",
    "priority",
    "smp4",
    "mmu",
    "psci",
    "spi",
    "net",
    "timer2",
  ])("%s: two runs give identical output, retired counts and clock", async (prog) => {
    const { bin, cpus, typed } = bareProgram(prog, layout);
    const once = async () => {
      const r = await runBare(bin, name, { cpus, typed });
      return {
        out: r.out,
        stop: r.stop,
        perCpu: r.machine.cpus.map((c) => c.retired),
        clockNs: r.machine.clock.nowNs(),
        // What the guest got from virtio-rng (msi.S's buffer at RAM + 0x203000): entropy must be
        // replayed too, or a guest that branches on it diverges.
        rngBytes:
          prog === "msi" ? Array.from(r.machine.cpus[0]!.readVirt(layout.ramBase + 0x20_3000, 16)) : [],
      };
    };
    const a = await once();
    const b = await once();
    expect(a.stop).toBe("poweroff");
    expect(a.out).toContain("done\n");
    expect(a.out).not.toContain("FAIL");
    expect(b).toEqual(a);
  });
});
