import { type AcpiTableSet, layoutAcpi, type SmbiosBuilder } from "@armature/acpi";
import { type BoardRuntime, firmwareCpuView, partWindows } from "@armature/board";
import type { BlockBackend, Bus, VirtualClock } from "@armature/core";
import type { Cpu } from "@armature/cpu-aarch64";
import { type FdtNode, serializeDtb } from "@armature/fdt";
import {
  type BootImageFile,
  boardUefiCall,
  boardUefiPlatform,
  UefiFirmware,
  type VariableStore,
} from "@armature/uefi";
import type { VirtConfig } from "./config.js";
import { describeVirtAcpi, describeVirtSmbios } from "./describe.js";
import { VIRT_PARTS, type VirtPart } from "./parts.js";

/** The BIOS information (SMBIOS type 0) the built-in UEFI reports on the virt board. */
export const VIRT_UEFI_BIOS = {
  vendor: "Armature",
  version: "0.1.0 (built-in UEFI)",
  releaseDate: "12/05/2026",
};

/** What the board built that its UEFI needs. */
export interface VirtUefiBoard {
  bus: Bus;
  /** All of the board's RAM (it may be several adjacent regions on the bus: Bus.addRamParts). */
  ram: { base: number; size: number };
  clock: VirtualClock;
  cpus: readonly Cpu[];
  runtime: BoardRuntime;
  consoleWrite(bytes: Uint8Array): void;
}

/**
 * The built-in UEFI on the virt board: its platform (RAM, the parts' windows, the console, the
 * disks, the clock, power), the DT in the EFI configuration table, or ACPI + SMBIOS instead.
 * Returns the firmware, the DTB it publishes (or would, with ACPI), and the HVC hook for the
 * board's runtime.
 */
export function createVirtUefi(
  b: VirtUefiBoard,
  c: VirtConfig,
  o: {
    kernel?: Uint8Array | BootImageFile;
    initrd?: Uint8Array;
    cmdline: string;
    dtb?: Uint8Array;
    fdt: FdtNode;
    parts?: readonly VirtPart[];
    efiVariables?: VariableStore;
  },
): { firmware: UefiFirmware; dtb: Uint8Array; hvc: (cpu: number, imm: number) => boolean } {
  const acpi = c.uefi?.acpi ?? false;
  if (c.uart) o.fdt.child("chosen")?.setString("stdout-path", `/pl011@${c.layout.uart.toString(16)}`);
  const dtb = o.dtb ?? serializeDtb(o.fdt, { padding: 4096 });
  const parts = [...VIRT_PARTS, ...(o.parts ?? [])];
  const disks: BlockBackend[] = [
    ...(c.disk === undefined ? [] : [c.disk]),
    ...c.sata.flatMap((d) => (d.kind === "disk" ? [d.backend] : [])),
  ];
  const epochMs = c.epochSeconds === undefined ? undefined : c.epochSeconds * 1000;
  // The firmware lays the tables out twice (at 0 for their size, then at their address): the
  // description (the DSDT's AML, ~5-10 ms in a new process) is made once.
  let acpiTables: AcpiTableSet | undefined;
  let smbiosTables: SmbiosBuilder | undefined;
  const firmware = new UefiFirmware(
    boardUefiPlatform({
      memory: b.bus,
      ram: b.ram,
      mmio: partWindows(parts, c),
      console: { write: (bytes) => b.consoleWrite(bytes) },
      disks,
      clock: b.clock,
      epochMs,
      entropySeed: c.deterministic ? 0x5eed_0001 : undefined,
      cpus: b.cpus,
      stop: (reason) => b.runtime.stop(reason),
      ...(acpi
        ? {
            acpi: (base: bigint) => {
              acpiTables ??= describeVirtAcpi(c, o.parts);
              const img = layoutAcpi(acpiTables, base);
              return { bytes: img.bytes, rsdpAddress: img.rsdpAddress };
            },
            smbios: (addr: bigint) => {
              if (smbiosTables === undefined) {
                smbiosTables = describeVirtSmbios(c);
                smbiosTables.addBios(VIRT_UEFI_BIOS);
              }
              return smbiosTables.build(addr);
            },
          }
        : { deviceTree: dtb }),
    }),
    {
      ...(o.kernel === undefined ? {} : { image: o.kernel, cmdline: o.cmdline }),
      ...(o.initrd === undefined ? {} : { initrd: o.initrd }),
      ...(o.efiVariables === undefined ? {} : { variables: o.efiVariables }),
    },
  );
  const views = b.cpus.map(firmwareCpuView);
  const hvc = (i: number, imm: number): boolean =>
    boardUefiCall(firmware, b.clock, imm, views[i]!, (status) => {
      b.consoleWrite(
        new TextEncoder().encode(
          `\r\nmachine-virt: ${o.kernel === undefined ? "the firmware's boot manager has nothing left to boot" : "the boot image returned"} (status 0x${status.toString(16)})\r\n`,
        ),
      );
      b.runtime.stop("halted");
    });
  return { firmware, dtb, hvc };
}
