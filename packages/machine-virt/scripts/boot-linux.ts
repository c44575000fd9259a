// Boots the Debian guest (scripts/fetch-guest.sh) on the virt board and runs the
// end-to-end checks in the guest shell, printing how far it got. Usage:
//   npx tsx --conditions=source packages/machine-virt/scripts/boot-linux.ts [vz|qemu] [--echo] [--append "..."]
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { VirtMachine } from "../src/index.js";
import { ScriptedConsole } from "../src/test/index.js";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");
const args = process.argv.slice(2);
const layout = args.includes("qemu") ? "qemu" : "vz";
const echo = args.includes("--echo");
const ai = args.indexOf("--append");
const append = ai >= 0 ? args[ai + 1] : undefined;
const si = args.indexOf("--smp");
const smp = si >= 0 ? Number(args[si + 1]) : 1;
const cache = join(root, ".cache", "guest");
execFileSync("bash", [join(root, "scripts", "fetch-guest.sh")], { stdio: "inherit" });

const con = new ScriptedConsole(echo ? (s) => process.stdout.write(s) : undefined);
const m = new VirtMachine({
  layout,
  cpus: smp,
  kernel: new Uint8Array(readFileSync(join(cache, "Image"))),
  initrd: new Uint8Array(readFileSync(join(cache, "initramfs.cpio.gz"))),
  cmdline: append ?? "console=ttyAMA0",
  console: con,
});
const t0 = Date.now();
const running = m.run();
const step = async (what: string, p: Promise<unknown>, ms: number) => {
  const timeout = new Promise((_, rej) => setTimeout(() => rej(new Error(`timeout: ${what}`)), ms));
  await Promise.race([p, timeout, running.then((r) => Promise.reject(new Error(`machine stopped (${r})`)))]);
  console.error(
    `[${((Date.now() - t0) / 1000).toFixed(1)} s, ${(m.retired() / 1e6).toFixed(0)} M insns] ${what}`,
  );
};
try {
  await step("shell marker", con.waitFor("ARMATURE-SHELL-READY"), 20 * 60_000);
  const mips = m.retired() / 1e6 / ((Date.now() - t0) / 1000);
  console.error(`boot to marker: ${((Date.now() - t0) / 1000).toFixed(1)} s, ${mips.toFixed(1)} MIPS`);
  const sh = async (cmd: string, expect: RegExp) => {
    const from = con.mark;
    m.input(new TextEncoder().encode(`${cmd}\n`));
    await step(cmd, con.waitFor(expect, from), 120_000);
    await new Promise((r) => setTimeout(r, 1500)); // let the shell print its prompt before typing on
  };
  await sh("uname -m", /aarch64/);
  await sh("grep Features /proc/cpuinfo | head -1", /Features\s*:[^\n]*\n/);
  await sh("ls /sys/bus/pci/devices", /0000:00:0/);
  await sh("grep -c ^processor /proc/cpuinfo", /\n\d+\s*\n/);
  await sh("grep -E 'IPI|CPU' /proc/interrupts | head -4", /IPI0/);
  await sh("poweroff -f", /$^/);
} catch (e) {
  console.error(String(e));
  console.error("---- last console output ----");
  console.error(con.output.slice(-3000));
  m.stop();
  process.exitCode = 1;
}
const r = await running;
console.error(`stop: ${r}; ${m.retired()} instructions; pc=${m.cpus[0]!.getPC().toString(16)}`);
