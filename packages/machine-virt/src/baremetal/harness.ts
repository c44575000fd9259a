import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { VirtLayout } from "../layout.js";
import type { MachineStop, VirtMachine, VirtMachineOptions } from "../machine.js";
import { recordedMachine } from "../test/replay.js";

const here = dirname(fileURLToPath(import.meta.url));

/** Fail loudly when a system tool is missing (never skip). */
export function need(cmd: string): void {
  try {
    execFileSync("sh", ["-c", `command -v ${cmd}`], { stdio: "ignore" });
  } catch {
    throw new Error(`${cmd} is missing: run \`bash scripts/install-system-tools.sh\` (as root)`);
  }
}

/** The --defsym symbols prelude.S and the tests use, from a layout. */
export function layoutSymbols(layout: VirtLayout): Record<string, number> {
  return {
    UART: layout.uart,
    RTC: layout.rtc,
    GICD: layout.gicd,
    GICR: layout.gicr,
    ECAM: layout.ecam,
    PCIMMIO: layout.pciMmio32,
    MSIFRAME: layout.its ?? layout.v2m ?? 0,
    HAS_ITS: layout.its === undefined ? 0 : 1,
    V2M_SPI: layout.v2mSpiBase ?? 0,
    UART_INTID: 32 + layout.uartSpi,
    RTC_INTID: 32 + layout.rtcSpi,
    RAM: layout.ramBase,
  };
}

/**
 * The --defsym symbols a program needs besides the layout's when the replay, translator and
 * snapshot tests run it: an address nothing maps (exceptions, mmu), the SGI program's second
 * CPU_ON check, and the MSI program's INTID (an LPI with the ITS, else the first GICv2m SPI).
 */
export function programSymbols(program: string, layout: VirtLayout): Record<string, number> {
  switch (program) {
    case "sgi":
      return { CHECK_CPU_ON_AGAIN: 1 };
    case "exceptions":
    case "mmu":
      return { UNMAPPED: layout.ramBase + 0x800_0100 };
    case "msi":
      return { MSI_INTID: layout.its === undefined ? (layout.v2mSpiBase ?? 0) : 8192 };
    default:
      return {};
  }
}

/** vCPUs a program needs (1 when not listed). */
const PROGRAM_CPUS: Readonly<Record<string, number>> = { sgi: 2, timer2: 2, psci: 2, spi: 2, smp4: 4 };
/** What a program reads from its console (the UART program echoes it and powers off at "q"). */
const PROGRAM_INPUT: Readonly<Record<string, string>> = { uart: "ab1 q" };

/** A program assembled for `layout` with its symbols, and the vCPUs and input it runs with. */
export function bareProgram(
  program: string,
  layout: VirtLayout,
): { bin: Uint8Array; cpus: number; typed: string } {
  return {
    bin: assemble(program, layout, programSymbols(program, layout)),
    cpus: PROGRAM_CPUS[program] ?? 1,
    typed: PROGRAM_INPUT[program] ?? "",
  };
}

const cache = new Map<string, Uint8Array>();

/**
 * Assemble `baremetal/<name>.S` between prelude.S and epilogue.S with GNU as/ld (tools we did not write), linked at
 * RAM + 0x80000, and return the raw image (objcopy -O binary).
 */
export function assemble(name: string, layout: VirtLayout, extra: Record<string, number> = {}): Uint8Array {
  const syms = { ...layoutSymbols(layout), ...extra };
  const key = `${name}:${JSON.stringify(syms)}`;
  const hit = cache.get(key);
  if (hit !== undefined) return hit;
  need("aarch64-linux-gnu-as");
  const dir = mkdtempSync(join(tmpdir(), "armature-bm-"));
  try {
    const src = [
      '    .include "prelude.S"',
      readFileSync(join(here, `${name}.S`), "utf8"),
      '    .include "epilogue.S"',
      "    .balign 16",
      "    .space 0x8000",
      "stack_top:",
      "",
    ].join("\n");
    writeFileSync(join(dir, "t.S"), src);
    const defs = Object.entries(syms).flatMap(([k, v]) => ["--defsym", `${k}=0x${v.toString(16)}`]);
    execFileSync("aarch64-linux-gnu-as", ["-I", here, ...defs, "-o", join(dir, "t.o"), join(dir, "t.S")]);
    const base = layout.ramBase + 0x80000;
    execFileSync("aarch64-linux-gnu-ld", [
      "-N",
      "--no-warn-rwx-segments",
      `-Ttext=0x${base.toString(16)}`,
      "-o",
      join(dir, "t.elf"),
      join(dir, "t.o"),
    ]);
    execFileSync("aarch64-linux-gnu-objcopy", ["-O", "binary", join(dir, "t.elf"), join(dir, "t.bin")]);
    const bin = new Uint8Array(readFileSync(join(dir, "t.bin")));
    cache.set(key, bin);
    return bin;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export interface BareRun {
  out: string;
  stop: MachineStop;
  retired: number;
  machine: VirtMachine;
}

/** Run a raw image on the board with deterministic time until it powers off (or the budget ends). */
export async function runBare(
  kernel: Uint8Array,
  layout: "vz" | "qemu",
  opts: Partial<VirtMachineOptions> & {
    maxInstructions?: number;
    /** Typed into the console before running. */
    typed?: string;
  } = {},
): Promise<BareRun> {
  const { maxInstructions, typed, ...rest } = opts;
  const { m: machine, out } = recordedMachine({
    layout,
    kernel,
    memoryMiB: 128,
    deterministic: true,
    ...rest,
  });
  if (typed) machine.input(new TextEncoder().encode(typed));
  // A guest that sleeps in WFI with nothing left to wake it would wait for input forever.
  const guard = setTimeout(() => machine.stop("halted"), 20_000);
  const stop = await machine
    .run({ maxInstructions: maxInstructions ?? 500_000 })
    .finally(() => clearTimeout(guard));
  return { out: out(), stop, retired: machine.retired(), machine };
}

/**
 * Run the same image under QEMU's virt board (GICv3, Cortex-A72, EL1, PSCI over HVC) as an
 * independent oracle for the qemu layout. Returns the console output.
 */
export function runQemu(
  kernel: Uint8Array,
  opts: { smp?: number; input?: string; extra?: string[]; machine?: string } = {},
): string {
  need("qemu-system-aarch64");
  const dir = mkdtempSync(join(tmpdir(), "armature-bmq-"));
  try {
    const f = join(dir, "t.bin");
    writeFileSync(f, kernel);
    const r = spawnSync(
      "qemu-system-aarch64",
      [
        "-M",
        opts.machine ?? "virt,gic-version=3",
        "-cpu",
        "cortex-a72",
        "-m",
        "128",
        "-smp",
        String(opts.smp ?? 1),
        "-display",
        "none",
        "-serial",
        "stdio",
        "-monitor",
        "none",
        "-nodefaults",
        ...(opts.extra ?? []),
        "-kernel",
        f,
      ],
      { input: opts.input ?? "", timeout: 20_000, encoding: "latin1" },
    );
    if (r.error !== undefined) throw r.error;
    return r.stdout.replace(/\r\n/g, "\n");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** An 8 KiB raw disk whose sector 1 holds `text`, NUL-terminated. */
export function sectorOneDisk(text: string): Uint8Array {
  const image = new Uint8Array(8192);
  image.set(new TextEncoder().encode(`${text}\0`), 512);
  return image;
}

/**
 * `runQemu` with `image` as the raw drive `d0` behind `device` (a virtio-blk-pci that names
 * `drive=d0`). Returns the console output and the disk as the guest left it.
 */
export function runQemuWithDisk(
  kernel: Uint8Array,
  image: Uint8Array,
  device: string,
  opts: { machine?: string } = {},
): { out: string; disk: Uint8Array } {
  const dir = mkdtempSync(join(tmpdir(), "armature-bmd-"));
  try {
    const img = join(dir, "disk.img");
    writeFileSync(img, image);
    const out = runQemu(kernel, {
      machine: opts.machine,
      extra: ["-drive", `file=${img},format=raw,if=none,id=d0`, "-device", device],
    });
    return { out, disk: new Uint8Array(readFileSync(img)) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
