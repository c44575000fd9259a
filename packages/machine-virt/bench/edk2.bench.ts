// Firmware boot benchmark: wall time and guest instructions from start to the
// kernel's first line (its EFI stub's, printed through EDK2's console) and to the initramfs's
// shell, when EDK2 (AAVMF) boots GRUB and Linux from a GPT disk, on the virt board's qemu layout
// and, in the same run, on qemu-system-aarch64 -M virt -cpu max -bios QEMU_EFI.fd (TCG). QEMU's
// instructions are counted by a TCG plugin of ours (bench/qemu-insn-count.c, built with the
// host's cc; without one its column is time only), one QEMU run per milestone.
// Prints figures; never fails on timing.   pnpm --filter @armature/machine-virt bench:edk2
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { ScriptedConsole, SHELL_MARKER } from "@armature/board/test";
import { FileBlockBackend } from "@armature/core";
import { VirtMachine } from "../src/machine.js";
import { AAVMF_DIR, edk2Missing, KERNEL_FIRST_LINE, makeEfiDisk, qemuEfiBoot } from "../src/test/index.js";

const LIMIT_MS = 900_000;
const load = () =>
  loadavg()
    .map((x) => x.toFixed(1))
    .join(" ");
const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const mi = (n: number) => `${(n / 1e6).toFixed(0)} M instructions`;
const missing = edk2Missing();
if (missing !== undefined) {
  console.log(`edk2 bench skipped: ${missing}`);
  process.exit(0);
}
const dir = mkdtempSync(join(tmpdir(), "armature-edk2-bench-"));
try {
  const disk = makeEfiDisk(dir);
  let plugin: string | undefined = join(dir, "qemu-insn-count.so");
  try {
    const src = join(dirname(fileURLToPath(import.meta.url)), "qemu-insn-count.c");
    execFileSync("cc", ["-shared", "-fPIC", "-O2", "-o", plugin, src], { stdio: "ignore" });
  } catch {
    console.log("no host C compiler (cc): QEMU's instructions are not counted");
    plugin = undefined;
  }
  console.log(`host: ${cpus().length} cores, load average ${load()} (before)`);

  const con = new ScriptedConsole();
  const m = new VirtMachine({
    layout: "qemu",
    net: "none",
    firmware: { code: new Uint8Array(readFileSync(join(AAVMF_DIR, "AAVMF_CODE.fd"))) },
    disk: new FileBlockBackend(disk, { readOnly: true }),
    console: con,
  });
  const t0 = Date.now();
  const stopped = m.run();
  const at = (re: RegExp | string) =>
    Promise.race([
      con.waitFor(re).then(() => ({ ms: Date.now() - t0, instructions: m.retired() })),
      stopped.then(() => undefined),
      new Promise<undefined>((r) => setTimeout(() => r(undefined), LIMIT_MS).unref()),
    ]);
  const first = await at(KERNEL_FIRST_LINE);
  const shell = first === undefined ? undefined : await at(SHELL_MARKER);
  m.stop();
  await stopped;
  const ours = (what: string, p: { ms: number; instructions: number } | undefined) =>
    console.log(
      p === undefined
        ? `armature: no ${what} within ${s(LIMIT_MS)} (or the machine stopped)`
        : `armature (qemu layout, EDK2 -> GRUB -> Linux): ${what} after ${s(p.ms)}, ${mi(p.instructions)} (${(p.instructions / p.ms / 1e3).toFixed(1)} MIPS)`,
    );
  ours("kernel's first line", first);
  ours("shell", shell);

  const q1 = await qemuEfiBoot(disk, [KERNEL_FIRST_LINE], LIMIT_MS, plugin);
  const q2 = await qemuEfiBoot(disk, [KERNEL_FIRST_LINE, new RegExp(SHELL_MARKER)], LIMIT_MS, plugin);
  const qemu = (what: string, ms: number | undefined, n: number | undefined, end: string) =>
    console.log(
      ms === undefined
        ? `qemu-system-aarch64: no ${what} (${end})`
        : `qemu-system-aarch64 -M virt -cpu max -bios QEMU_EFI.fd (TCG): ${what} after ${s(ms)}${n === undefined ? "" : `, ${mi(n)} (${(n / ms / 1e3).toFixed(1)} MIPS)`}`,
    );
  qemu("kernel's first line", q1.at[0], q1.instructions, q1.end);
  qemu("shell", q2.at[1], q2.instructions, q2.end);
  if (first !== undefined && q1.at[0] !== undefined)
    console.log(
      `ratio to the kernel's first line: armature / qemu = ${(first.ms / q1.at[0]).toFixed(1)}x wall time`,
    );
  if (shell !== undefined && q2.at[1] !== undefined)
    console.log(`ratio to the shell: armature / qemu = ${(shell.ms / q2.at[1]).toFixed(1)}x wall time`);
  console.log(`load average ${load()} (after)`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
