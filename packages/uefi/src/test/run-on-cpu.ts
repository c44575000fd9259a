// Runs a UEFI image on the real interpreter (cpu-aarch64) over a bare bus: RAM plus the firmware.
// HVCs with the firmware's immediates go to UefiFirmware.hvc(); anything else ends the run with
// a description, so a test shows where the guest went wrong. This package's own tests only: not
// exported from ./test, which would make board and cpu-aarch64 dependencies of @armature/uefi.

import { firmwareCpuView } from "@armature/board";
import { Bus } from "@armature/core";
import { Cpu, M1_MODEL } from "@armature/cpu-aarch64";
import { type UefiAction, UefiFirmware, type UefiOptions } from "../firmware.js";
import type { UefiPlatform } from "../platform.js";

export interface CpuRun {
  fw: UefiFirmware;
  cpu: Cpu;
  output: string;
  /** Why the run ended: "exit", "reset", "budget" or a description of an unexpected exit. */
  end: string;
  retired: number;
}

export function runOnCpu(
  o: Partial<UefiOptions> & {
    image?: Uint8Array;
    ramMiB?: number;
    maxInstructions?: number;
    platform?: Partial<UefiPlatform>;
  },
): CpuRun {
  const bus = new Bus();
  const base = 0x4000_0000;
  const size = (o.ramMiB ?? 64) * 1024 * 1024;
  bus.addRam("ram", base, size);
  let output = "";
  let nowNs = 0;
  const fw = new UefiFirmware(
    {
      memory: bus,
      ram: [{ base, size }],
      mmio: [{ base: 0x0900_0000, size: 0x1000 }],
      console: { write: (b) => (output += new TextDecoder().decode(b)) },
      wallClockMs: () => 1_700_000_000_000,
      monotonicNs: () => nowNs,
      reset: () => {},
      ...o.platform,
    },
    o,
  );
  const cpu = new Cpu({ bus, model: M1_MODEL });
  cpu.applyEntryState({ pc: fw.entry.pc, pstate: fw.entry.pstate });
  const view = firmwareCpuView(cpu);
  const max = o.maxInstructions ?? 10_000_000;
  let end = "budget";
  while (cpu.retired < max) {
    const exit = cpu.run(Math.min(100_000, max - cpu.retired));
    if (exit.reason === "budget") continue;
    if (exit.reason === "hvc" && fw.handles(exit.imm)) {
      const a: UefiAction = fw.hvc(exit.imm, view);
      if (a === "idle") nowNs = Math.max(nowNs + 1000, Number.isFinite(fw.idleUntilNs) ? fw.idleUntilNs : 0);
      if (a === "exit" || a === "reset") {
        end = a;
        break;
      }
      continue;
    }
    end = `${exit.reason} imm=${exit.imm} esr=0x${exit.esr.toString(16)} addr=0x${exit.address.toString(16)} pc=0x${cpu.getPC().toString(16)}`;
    break;
  }
  return { fw, cpu, output, end, retired: cpu.retired };
}
