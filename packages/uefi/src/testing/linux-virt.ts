// Boots an arm64 Linux Image through its EFI stub on the virt board's parts with this firmware.
// The board itself (machine-virt) does not know the firmware yet, so this harness borrows its
// parts (bus, RAM, GIC, PL011, PSCI, generated DT) and runs vCPU 0 itself, routing the
// firmware's HVCs to UefiFirmware and HVC #0 to the board's PSCI.

import { layoutAcpi, sampleSmbios, sampleTableSet } from "@armature/acpi";
import { ISS_WNR } from "@armature/cpu-aarch64";
import { VirtMachine } from "@armature/machine-virt";
import { UefiFirmware } from "../firmware.js";
import { uefiCpuView } from "./run-on-cpu.js";

export interface LinuxEfiBoot {
  log: string;
  fw: UefiFirmware;
  /** Host milliseconds from the start (board and firmware set-up included) to the kernel's first console line. */
  msToFirstLine: number | undefined;
  /** Guest instructions until the kernel's entry (ExitBootServices) and overall. */
  instructionsInFirmware: number | undefined;
  retired: number;
  end: string;
}

export async function bootLinuxEfi(o: {
  kernel: Uint8Array;
  initrd?: Uint8Array;
  acpi?: boolean;
  cmdline?: string;
  until?: RegExp;
  maxInstructions?: number;
  entropy?: boolean;
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
  let seed = 0x1234_5678;
  const fw = new UefiFirmware(
    {
      memory: m.bus,
      ram: [{ base: m.ram.base, size: m.ram.size }],
      mmio,
      console: { write: (b) => (log += new TextDecoder().decode(b)) },
      wallClockMs: () => 1_700_000_000_000 + Math.floor(m.clock.nowNs() / 1e6),
      monotonicNs: () => m.clock.nowNs(),
      reset: (k) => m.stop(k === "shutdown" ? "poweroff" : "reset"),
      ...(o.entropy
        ? {
            entropy: (b: Uint8Array) => {
              for (let i = 0; i < b.length; i++) {
                seed ^= seed << 13;
                seed ^= seed >>> 17;
                seed ^= seed << 5;
                b[i] = seed & 0xff;
              }
            },
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
    },
  );
  cpu.reset();
  cpu.applyEntryState({ pc: fw.entry.pc, pstate: fw.entry.pstate });
  const view = uefiCpuView(cpu);
  let msToFirstLine: number | undefined;
  let instructionsInFirmware: number | undefined;
  const max = o.maxInstructions ?? 400_000_000;
  const until = o.until ?? /Booting Linux/;
  let end = "budget";
  let lastYield = Date.now();
  let waiting = false;
  outer: while (cpu.retired < max) {
    if (waiting) {
      if (!(cpu.irqLevel || cpu.fiqLevel)) {
        const next = m.clock.nextDeadline();
        if (next === Number.POSITIVE_INFINITY) {
          end = "idle forever";
          break;
        }
        m.clock.advanceTo(next);
        m.clock.runDue();
        continue;
      }
      waiting = false;
    }
    const exit = cpu.run(200_000);
    m.clock.runDue();
    switch (exit.reason) {
      case "hvc":
        if (fw.handles(exit.imm)) {
          const a = fw.hvc(exit.imm, view);
          if (fw.bootServicesExited && instructionsInFirmware === undefined)
            instructionsInFirmware = cpu.retired;
          if (a === "exit" || a === "reset") {
            end = a === "exit" ? `image exited with 0x${fw.exitStatus.toString(16)}` : "reset";
            break outer;
          }
          if (a === "idle") {
            const until = fw.idleUntilNs;
            if (Number.isFinite(until)) m.clock.advanceTo(Math.max(until, m.clock.nowNs()));
          }
        } else {
          const fn = Number(BigInt.asUintN(32, cpu.getX(0)));
          const r = m.psci.call(
            0,
            fn,
            Number(BigInt.asUintN(53, cpu.getX(1))),
            Number(BigInt.asUintN(53, cpu.getX(2))),
            Number(BigInt.asUintN(53, cpu.getX(3))),
          );
          cpu.setX(0, BigInt.asUintN(64, BigInt(r)));
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
        end = "halted";
        break outer;
      default:
        break;
    }
    if (msToFirstLine === undefined && /Booting Linux/.test(log)) msToFirstLine = performance.now() - t0;
    if (until.test(log)) {
      end = "matched";
      break;
    }
    if (Date.now() - lastYield > 50) {
      lastYield = Date.now();
      await new Promise<void>((r) => setImmediate(r));
    }
  }
  if (msToFirstLine === undefined && /Booting Linux/.test(log)) msToFirstLine = performance.now() - t0;
  return { log, fw, msToFirstLine, instructionsInFirmware, retired: cpu.retired, end };
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
