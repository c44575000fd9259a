// Boot benchmark: the same Debian generic kernel and initramfs booted to the shell marker on the
// virt board (Image + DT) and on the Parallels-like board (built-in UEFI, EFI stub, ACPI), one
// after the other in one process. Prints wall time, guest instructions and MIPS; never fails on
// timing. `pnpm --filter @armature/machine-parallels bench` (after fetch-guest.sh --flavour generic).
import { readFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { GuestShell, ScriptedConsole } from "@armature/board/test";
import { MemoryBlockBackend } from "@armature/core";
import { VirtMachine } from "@armature/machine-virt";
import { ParallelsMachine } from "../src/index.js";

const guest = new URL("../../../.cache/guest-generic/", import.meta.url);
const kernel = new Uint8Array(readFileSync(new URL("Image", guest)));
const initrd = new Uint8Array(readFileSync(new URL("initramfs.cpio.gz", guest)));
const load = () =>
  loadavg()
    .map((x) => x.toFixed(1))
    .join(" ");

interface Board {
  input(b: Uint8Array): void;
  run(): Promise<string>;
  retired(): number;
  stop(): void;
}

async function boot(name: string, make: (con: ScriptedConsole) => Board): Promise<string> {
  const con = new ScriptedConsole();
  const t0 = Date.now();
  const m = make(con);
  const shell = new GuestShell(con, (b) => m.input(b), m.run());
  await shell.ready(30 * 60_000);
  const s = (Date.now() - t0) / 1000;
  const insns = m.retired();
  m.stop();
  return `${name.padEnd(10)} ${s.toFixed(1).padStart(7)} s ${(insns / 1e6).toFixed(0).padStart(7)} M insns ${(insns / 1e6 / s).toFixed(1).padStart(6)} MIPS`;
}

console.log(`host: ${cpus().length} cores, load average ${load()}`);
const rows = [
  await boot(
    "virt (vz)",
    (con) =>
      new VirtMachine({
        layout: "vz",
        kernel,
        initrd,
        cmdline: "console=ttyAMA0",
        disk: new MemoryBlockBackend(16 << 20),
        console: con,
      }),
  ),
  await boot(
    "parallels",
    (con) =>
      new ParallelsMachine({
        kernel,
        initrd,
        cmdline: "console=ttyAMA0",
        disk: new MemoryBlockBackend(64 << 20),
        console: con,
      }),
  ),
];
console.log(`boot to the shell marker, generic kernel, wall clock (load average after: ${load()}):`);
for (const r of rows) console.log(`  ${r}`);
process.exit(0);
