// What a board gives the firmware, and what the firmware needs from the vCPU that trapped.

import type { BlockBackend } from "@armature/core";
import type { TranslationRegs } from "./mmu.js";

/** Guest-physical memory. Both methods throw on addresses outside RAM (a core Bus fits). */
export interface UefiMemory {
  readBytes(addr: number, dst: Uint8Array): void;
  writeBytes(addr: number, src: Uint8Array): void;
  /**
   * The RAM region holding all of [addr, addr+len), or undefined (optional: with it, loading an
   * image and CopyMem/SetMem work on RAM in place instead of through copies).
   */
  findRam?(addr: number, len?: number): { readonly base: number; readonly u8: Uint8Array } | undefined;
}

/** The vCPU that executed a firmware HVC (a cpu-aarch64 Cpu fits; register 31 is SP). */
export interface UefiCpu {
  getX(n: number): bigint;
  setX(n: number, v: bigint): void;
  getPC(): bigint;
  setPC(v: bigint): void;
  /**
   * SCTLR/TCR/TTBR0/TTBR1 of EL1, for runtime services called with the OS's page tables after
   * SetVirtualAddressMap (their pointer arguments are virtual). Without it pointers are taken as
   * physical.
   */
  translationRegs?(): TranslationRegs;
}

export interface UefiConsole {
  /** ConOut output (UTF-8). */
  write(bytes: Uint8Array): void;
  /** Next byte typed on the console, or undefined (ConIn.ReadKeyStroke). */
  readByte?(): number | undefined;
  /** Whether a byte is waiting (ConIn.WaitForKey is signaled). */
  hasInput?(): boolean;
}

export type ResetKind = "cold" | "warm" | "shutdown";

export interface UefiPlatform {
  memory: UefiMemory;
  /** RAM ranges (guest-physical). The firmware manages all of it. */
  ram: readonly { base: number; size: number }[];
  /** Device ranges mapped Device-nGnRE in the entry page tables. */
  mmio: readonly { base: number; size: number }[];
  console: UefiConsole;
  /** Wall-clock time in milliseconds since the Unix epoch (GetTime). */
  wallClockMs(): number;
  /** Monotonic time in nanoseconds (timer events, Stall, WaitForEvent). */
  monotonicNs(): number;
  /** ResetSystem: the board resets or powers off (the vCPU should stop after this call). */
  reset(kind: ResetKind): void;
  /** Fill `buf` with random bytes (EFI_RNG_PROTOCOL). Absent: no RNG protocol. */
  entropy?(buf: Uint8Array): void;
  /** ACPI tables placed at `base` (an ACPI reclaim allocation): the image and the RSDP address. */
  acpi?(base: bigint): { bytes: Uint8Array; rsdpAddress: bigint };
  /** SMBIOS 3 structure table for `tableAddress` and its 64-bit entry point. */
  smbios?(tableAddress: bigint): { entryPoint: Uint8Array; table: Uint8Array };
  /** A flattened device tree for the DEVICE_TREE configuration table (omit on ACPI-only boards). */
  deviceTree?: Uint8Array;
  /**
   * The board's disks, in boot order: each gets BLOCK_IO/DISK_IO handles (the disk and its GPT
   * partitions) and SIMPLE_FILE_SYSTEM on FAT volumes; without a boot image, the boot manager
   * boots from them.
   */
  disks?: readonly BlockBackend[];
  /** Host code wrote instructions into guest RAM (LoadImage): drop any pre-decoded copies. */
  codeChanged?(): void;
  /** Log line for firmware diagnostics (default: console.warn). */
  log?(message: string): void;
}
