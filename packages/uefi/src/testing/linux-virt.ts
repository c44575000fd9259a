// Boots an arm64 Linux Image through its EFI stub on the virt board's parts with this firmware.
// The board itself (machine-virt) does not know the firmware yet, so this harness borrows its
// parts (bus, RAM, GIC, PL011, PSCI, generated DT) and runs vCPU 0 itself, routing the
// firmware's HVCs to UefiFirmware and HVC #0 to the board's PSCI.

import { layoutAcpi, sampleSmbios, sampleTableSet } from "@armature/acpi";
import { firmwareCpuView } from "@armature/board";
import { seededBytes } from "@armature/core";
import { ISS_WNR } from "@armature/cpu-aarch64";
import { VirtMachine } from "@armature/machine-virt";
import { UefiFirmware } from "../firmware.js";
import type { VariableStore } from "../vars.js";

export interface LinuxEfiBoot {
  log: string;
  fw: UefiFirmware;
  /** Host milliseconds from the start (board and firmware set-up included) to the kernel's first console line. */
  msToFirstLine: number | undefined;
  /** Host milliseconds spent building the board's parts and setting the firmware up (included in msToFirstLine). */
  msSetup: number;
  /** Guest instructions until the kernel's entry (ExitBootServices) and overall. */
  instructionsInFirmware: number | undefined;
  retired: number;
  end: string;
  /** Output of each `shell` command. */
  shell: string[];
}

export async function bootLinuxEfi(o: {
  kernel: Uint8Array;
  initrd?: Uint8Array;
  acpi?: boolean;
  cmdline?: string;
  until?: RegExp;
  maxInstructions?: number;
  entropy?: boolean;
  /** Commands typed into the guest's shell once `until` matched (each output collected). */
  shell?: string[];
  /** Variable store handed to the firmware. */
  variables?: VariableStore;
}): Promise<LinuxEfiBoot> {
  // Host time counts from here: board parts, firmware set-up (image load, tables) and the run.
  const t0 = performance.now();
  let log = "";
  const m = new VirtMachine({
    layout: "qemu",
    kernel: new Uint8Array([0x00, 0x00, 0x00, 0x14]), // placeholder: the firmware loads the real image
    memoryMiB: 1024,
    deterministic: true,
    net: "none",
    console: { write: (b) => (log += new TextDecoder().decode(b)) },
  });
  const L = m.layout;
  const acpi = o.acpi ?? false;
  const mmio = [
    { base: L.gicd, size: 0x1_0000 },
    { base: L.gicr, size: L.gicrSpace },
    ...(L.its !== undefined ? [{ base: L.its, size: 0x2_0000 }] : []),
    { base: L.uart, size: 0x1000 },
    { base: L.rtc, size: 0x1000 },
    { base: L.ecam, size: L.ecamSize },
    { base: L.pciMmio32, size: L.pciMmio32Size },
  ];
  const cpu = m.cpus[0]!;
  let resetKind: string | undefined;
  const fw = new UefiFirmware(
    {
      memory: m.bus,
      ram: [{ base: m.ram.base, size: m.ram.size }],
      mmio,
      console: { write: (b) => (log += new TextDecoder().decode(b)) },
      wallClockMs: () => 1_700_000_000_000 + Math.floor(m.clock.nowNs() / 1e6),
      monotonicNs: () => m.clock.nowNs(),
      reset: (k) => {
        resetKind = k;
      },
      ...(o.entropy
        ? {
            entropy: seededBytes(0x1234_5678),
          }
        : {}),
      ...(acpi
        ? {
            acpi: (base: bigint) => {
              const img = layoutAcpi(sampleTableSet(), base);
              return { bytes: img.bytes, rsdpAddress: img.rsdpAddress };
            },
            smbios: (addr: bigint) => sampleSmbios().build(addr),
          }
        : { deviceTree: m.dtb }),
      codeChanged: () => cpu.invalidateICache(),
    },
    {
      image: o.kernel,
      cmdline: o.cmdline ?? "console=ttyAMA0 earlycon",
      ...(o.initrd ? { initrd: o.initrd } : {}),
      ...(o.variables ? { variables: o.variables } : {}),
    },
  );
  cpu.reset();
  cpu.applyEntryState({ pc: fw.entry.pc, pstate: fw.entry.pstate });
  const view = firmwareCpuView(cpu);
  const msSetup = performance.now() - t0;
  let msToFirstLine: number | undefined;
  let instructionsInFirmware: number | undefined;
  const max = o.maxInstructions ?? 400_000_000;
  let waiting = false;
  let lastYield = Date.now();
  /** Run vCPU 0 until `done()` or the instruction budget; returns why it stopped. */
  const runUntil = async (done: () => boolean, budget: number): Promise<string> => {
    const limit = cpu.retired + budget;
    while (cpu.retired < limit) {
      if (waiting) {
        if (!(cpu.irqLevel || cpu.fiqLevel)) {
          const next = m.clock.nextDeadline();
          if (next === Number.POSITIVE_INFINITY) return "idle forever";
          m.clock.advanceTo(next);
          m.clock.runDue();
          continue;
        }
        waiting = false;
      }
      const exit = cpu.run(Math.min(200_000, limit - cpu.retired));
      m.clock.runDue();
      switch (exit.reason) {
        case "hvc":
          if (fw.handles(exit.imm)) {
            const a = fw.hvc(exit.imm, view);
            if (fw.bootServicesExited && instructionsInFirmware === undefined)
              instructionsInFirmware = cpu.retired;
            if (a === "exit") return `image exited with 0x${fw.exitStatus.toString(16)}`;
            if (a === "reset") return `reset (${resetKind})`;
            if (a === "idle") {
              const t = fw.idleUntilNs;
              if (Number.isFinite(t)) m.clock.advanceTo(Math.max(t, m.clock.nowNs()));
            }
          } else {
            const fn = Number(BigInt.asUintN(32, cpu.getX(0)));
            const arg = (n: number) => Number(BigInt.asUintN(53, cpu.getX(n)));
            const r = m.psci.call(0, fn, arg(1), arg(2), arg(3));
            cpu.setX(0, BigInt.asUintN(64, BigInt(r)));
            if (resetKind !== undefined) return `psci ${resetKind}`;
          }
          break;
        case "smc":
          cpu.setX(0, BigInt.asUintN(64, -1n));
          cpu.setPC(cpu.getPC() + 4n);
          break;
        case "wfi":
          if (!(cpu.irqLevel || cpu.fiqLevel)) waiting = true;
          break;
        case "unclaimed":
          cpu.injectExternalAbort(exit.esr & ISS_WNR ? "write" : "read", exit.vaLo, exit.vaHi);
          break;
        case "halt":
          return resetKind !== undefined ? `psci ${resetKind}` : "halted";
        default:
          break;
      }
      if (msToFirstLine === undefined && /Booting Linux/.test(log)) msToFirstLine = performance.now() - t0;
      if (done()) return "matched";
      if (Date.now() - lastYield > 50) {
        lastYield = Date.now();
        await new Promise<void>((r) => setImmediate(r));
      }
    }
    return "budget";
  };
  const until = o.until ?? /Booting Linux/;
  let end = await runUntil(() => until.test(log), max);
  const shell: string[] = [];
  if (end === "matched" && o.shell !== undefined) {
    for (const cmd of o.shell) {
      const from = log.length;
      m.input(new TextEncoder().encode(`${cmd}; echo @@E""ND@@\n`));
      end = await runUntil(() => log.indexOf("@@END@@", from) >= 0, 200_000_000);
      const out = log.slice(from, log.indexOf("@@END@@", from));
      // Drop the echoed command line.
      shell.push(out.slice(out.indexOf("\n") + 1).replace(/\r/g, ""));
      if (end !== "matched") break;
    }
  }
  if (msToFirstLine === undefined && /Booting Linux/.test(log)) msToFirstLine = performance.now() - t0;
  return { log, fw, msSetup, msToFirstLine, instructionsInFirmware, retired: cpu.retired, end, shell };
}

/**
 * Guest-side checks of a kernel log after an EFI boot on this firmware. Returns the failed checks
 * (empty: all passed).
 */
export function checkEfiBootLog(
  log: string,
  o: { acpi: boolean; vendor?: string; revision?: string },
): string[] {
  const fails: string[] = [];
  const want = (re: RegExp, what: string) => {
    if (!re.test(log)) fails.push(what);
  };
  want(/EFI stub: /, "the EFI stub printed through ConOut");
  want(/Booting Linux on physical CPU/, "the kernel started");
  want(
    new RegExp(`efi: EFI v${o.revision ?? "2\\.70"} by ${o.vendor ?? "EDK II"}`),
    "efi: EFI v2.70 by EDK II",
  );
  want(/efi: .*RTPROP=0x[0-9a-f]+/, "the EFI_RT_PROPERTIES_TABLE is seen");
  if (o.acpi) {
    want(/ACPI: RSDP 0x[0-9A-F]+/, "ACPI: RSDP …");
    want(/efi: .*ACPI 2\.0=0x[0-9a-f]+/, "efi: ACPI 2.0 config table");
    want(/efi: .*SMBIOS 3\.0=0x[0-9a-f]+/, "efi: SMBIOS 3.0 config table");
    want(/DMI: /, "DMI: … from our SMBIOS");
  } else {
    want(/Machine model: /, "the kernel used the DT from the EFI config table");
  }
  return fails;
}
