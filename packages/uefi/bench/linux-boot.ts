// Bench: host time from run() to the kernel's first console line when Debian's arm64 kernel boots
// through its EFI stub on this firmware (the virt board's parts; see src/testing/linux-virt.ts).
//   pnpm --filter @armature/uefi bench [acpi]
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { bootLinuxEfi, checkEfiBootLog } from "../src/testing/linux-virt.js";

const acpi = process.argv.includes("acpi");
const verbose = process.argv.includes("-v");
const image = join(import.meta.dirname, "../../../.cache/guest/Image");
if (!existsSync(image)) {
  console.error(`no kernel at ${image}: run scripts/fetch-guest.sh`);
  process.exit(2);
}
const kernel = new Uint8Array(readFileSync(image));
const t = performance.now();
const r = await bootLinuxEfi({
  kernel,
  acpi,
  until: acpi ? /DMI: .*\n|Kernel panic/ : /Remapping and enabling EFI services|Kernel panic/,
  maxInstructions: 200_000_000,
});
if (verbose) console.log(r.log);
const fails = checkEfiBootLog(r.log, { acpi });
console.log(
  JSON.stringify({
    mode: acpi ? "acpi" : "dt",
    end: r.end,
    msSetup: Math.round(r.msSetup),
    msToFirstLine: r.msToFirstLine === undefined ? null : Math.round(r.msToFirstLine),
    guestInstructionsBeforeExitBootServices: r.instructionsInFirmware ?? null,
    retired: r.retired,
    totalMs: Math.round(performance.now() - t),
    failedChecks: fails,
  }),
);
if (verbose) console.log([...r.fw.calls.entries()].map(([k, v]) => `${k}:${v}`).join(" "));
process.exit(fails.length === 0 ? 0 : 1);
