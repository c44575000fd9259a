// Firmware boot benchmark (issue #23 part 5): wall time and guest instructions from start to the
// kernel's first line (its EFI stub's, printed through EDK2's console) when EDK2 (AAVMF) boots
// GRUB and Linux from a GPT disk, on the virt board's qemu layout and, in the same run, on
// qemu-system-aarch64 -M virt -cpu max -bios QEMU_EFI.fd (TCG). QEMU 7.2 counts no guest
// instructions without a TCG plugin (Debian ships none), so its column is time only.
// Prints figures; never fails on timing.   pnpm --filter @armature/machine-virt bench:edk2
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { ScriptedConsole } from "@armature/board/test";
import { FileBlockBackend } from "@armature/core";
import { VirtMachine } from "../src/machine.js";
import { AAVMF_DIR, edk2Missing, KERNEL_FIRST_LINE, makeEfiDisk, qemuEfiBoot } from "../src/test/index.js";

const load = () =>
  loadavg()
    .map((x) => x.toFixed(1))
    .join(" ");
const missing = edk2Missing();
if (missing !== undefined) {
  console.log(`edk2 bench skipped: ${missing}`);
  process.exit(0);
}
const dir = mkdtempSync(join(tmpdir(), "armature-edk2-bench-"));
try {
  const disk = makeEfiDisk(dir);
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
  const first = await Promise.race([
    con.waitFor(KERNEL_FIRST_LINE).then(() => ({ ms: Date.now() - t0, instructions: m.retired() })),
    stopped.then(() => undefined),
    new Promise<undefined>((r) => setTimeout(() => r(undefined), 900_000).unref()),
  ]);
  m.stop();
  await stopped;
  if (first === undefined) console.log("armature: no kernel line within 900 s (or the machine stopped)");
  else
    console.log(
      `armature (qemu layout, EDK2 -> GRUB -> Linux): kernel's first line after ${(first.ms / 1000).toFixed(1)} s, ${(first.instructions / 1e6).toFixed(0)} M guest instructions (${(first.instructions / first.ms / 1e3).toFixed(1)} MIPS)`,
    );

  const q = await qemuEfiBoot(disk, [KERNEL_FIRST_LINE], 900_000);
  const qms = q.at[0];
  console.log(
    qms === undefined
      ? `qemu-system-aarch64: no kernel line (${q.end})`
      : `qemu-system-aarch64 -M virt -cpu max -bios QEMU_EFI.fd (TCG): kernel's first line after ${(qms / 1000).toFixed(1)} s (instructions: not counted by QEMU 7.2 without a TCG plugin)`,
  );
  if (first !== undefined && qms !== undefined)
    console.log(`ratio: armature / qemu = ${(first.ms / qms).toFixed(1)}x wall time`);
  console.log(`load average ${load()} (after)`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
