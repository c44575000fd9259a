/**
 * Test-side driver for oracle/pac_baremetal.c: the real PAuth instructions at EL1 in
 * qemu-system-aarch64 -M virt -cpu max (QARMA5), one line per case. Not part of the public surface.
 */
import { execFileSync } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { requireTool } from "./tools.js";

const ORACLE = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "oracle");

/** One oracle case: pointer, modifier, key (lo, hi) and TCR_EL1. */
export interface PacOracleCase {
  ptr: bigint;
  mod: bigint;
  klo: bigint;
  khi: bigint;
  tcr: bigint;
}

/**
 * Build the oracle with `cases` compiled in (in a private directory, removed afterwards) and run it;
 * returns its output lines (the first starts with ID_AA64ISAR1_EL1, the last is "END").
 */
export function runPacOracle(cases: readonly PacOracleCase[]): string[] {
  requireTool("aarch64-linux-gnu-gcc");
  requireTool("qemu-system-aarch64");
  const dir = mkdtempSync(join(tmpdir(), "armature-pac-"));
  try {
    copyFileSync(join(ORACLE, "pac_baremetal.c"), join(dir, "pac_baremetal.c"));
    copyFileSync(join(ORACLE, "pac_start.S"), join(dir, "pac_start.S"));
    mkdirSync(join(dir, "build"));
    const hex = (v: bigint) => `0x${v.toString(16)}ull`;
    writeFileSync(
      join(dir, "build", "pac_cases.h"),
      `static const struct pcase cases[] = {\n${cases
        .map((c) => `  {${hex(c.ptr)}, ${hex(c.mod)}, ${hex(c.klo)}, ${hex(c.khi)}, ${hex(c.tcr)}},`)
        .join("\n")}\n};\n`,
    );
    const elf = join(dir, "pac.elf");
    execFileSync("aarch64-linux-gnu-gcc", [
      "-O1",
      "-march=armv8.3-a",
      "-mgeneral-regs-only",
      "-ffreestanding",
      "-nostdlib",
      "-static",
      "-fno-pie",
      "-no-pie",
      "-Wl,-Ttext=0x40080000",
      "-Wl,-e,_start",
      "-Wl,--build-id=none",
      `-I${dir}`,
      "-o",
      elf,
      join(dir, "pac_start.S"),
      join(dir, "pac_baremetal.c"),
    ]);
    const out = execFileSync(
      "qemu-system-aarch64",
      [
        ...["-M", "virt", "-cpu", "max", "-m", "128M", "-display", "none", "-monitor", "none"],
        ...["-serial", "stdio", "-nic", "none", "-semihosting", "-kernel", elf],
      ],
      { encoding: "utf8", timeout: 60_000 },
    );
    return out.trim().split("\n");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Which of a case's seven results (PACIA, PACDB, AUTIA, AUTIA with a wrong modifier, AUTDB, XPACI,
 * PACGA) QEMU 7.2 knowingly computes otherwise: for a pointer whose bit 55 differs from bit 63
 * without effective TBI, the ARM ARM takes the PAC field size and extension from ptr<63> (AddPAC,
 * CalculateBottomPACBit(selbit)), QEMU from ptr<55>. Instruction-key results use the instruction
 * TBI (TBI && !TBID), data-key results TBI. PACGA is always compared.
 */
export function qemuDivergent(c: PacOracleCase): boolean[] {
  const split = ((c.ptr >> 55n) & 1n) !== c.ptr >> 63n;
  const upper = ((c.ptr >> 55n) & 1n) === 1n;
  const tbiD = ((c.tcr >> (upper ? 38n : 37n)) & 1n) === 1n;
  const tbid = ((c.tcr >> (upper ? 52n : 51n)) & 1n) === 1n;
  const i = split && !(tbiD && !tbid);
  const d = split && !tbiD;
  return [i, d, i, i, d, i, false];
}
