// Bench (issue #21): host time from `run` to the kernel's first console line ("Booting Linux on
// physical CPU", printed by earlycon) for Debian's cloud kernel on the virt board (qemu layout):
//   - through the built-in UEFI (--firmware uefi, DT and --acpi) and booted directly, both in
//     this process (from `new VirtMachine`) and as an `armature run` process (node start included);
//   - `armature --help` and `node -e 0` to their exit (what the CLI's start-up costs before a board);
//   - QEMU + EDK2 (qemu-system-aarch64 -M virt -cpu max -nic none -bios QEMU_EFI.fd -kernel ...,
//     the kernel through fw_cfg) as a process.
// Prints figures (the median of `--runs N`, default 3); never fails on timing.
//   pnpm --filter @armature/machine-virt bench:uefi [--runs N]
import { spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { VirtMachine } from "../src/index.js";
import { guestFiles } from "../src/test/index.js";

const FIRST_LINE = /Booting Linux on physical CPU/;
const CMDLINE = "console=ttyAMA0 earlycon";
const EDK2 = "/usr/share/qemu-efi-aarch64/QEMU_EFI.fd";
const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");
const cli = join(root, "apps", "cli", "dist", "main.js");
const runsArg = process.argv.indexOf("--runs");
const RUNS = runsArg >= 0 ? Number(process.argv[runsArg + 1]) : 3;

/** In this process: ms from `new VirtMachine` to the first line. */
async function inProcess(kernel: Uint8Array, mode: "direct" | "uefi" | "uefi-acpi"): Promise<number | null> {
  const t0 = performance.now();
  let log = "";
  let ms: number | null = null;
  const m = new VirtMachine({
    layout: "qemu",
    kernel,
    cmdline: CMDLINE,
    net: "none",
    deterministic: true,
    ...(mode === "direct" ? {} : { uefi: { acpi: mode === "uefi-acpi" } }),
    console: {
      write: (b) => {
        log += new TextDecoder().decode(b);
        if (ms === null && FIRST_LINE.test(log)) {
          ms = performance.now() - t0;
          m.stop("halted");
        }
      },
    },
  });
  await m.run({ maxInstructions: 300_000_000 });
  m.close();
  return ms;
}

/** A process: ms from spawn to the first line on its stdout (killed then). */
function processMs(cmd: string, args: string[]): Promise<number | null> {
  return new Promise((resolve) => {
    const t0 = performance.now();
    let out = "";
    const p = spawn(cmd, args, { stdio: ["pipe", "pipe", "ignore"] });
    const timer = setTimeout(() => {
      p.kill("SIGKILL");
      resolve(null);
    }, 600_000);
    p.on("error", () => {
      clearTimeout(timer);
      resolve(null);
    });
    p.stdout.on("data", (d: Buffer) => {
      out += d.toString("latin1");
      if (FIRST_LINE.test(out)) {
        clearTimeout(timer);
        p.kill("SIGKILL");
        resolve(performance.now() - t0);
      }
    });
    p.on("exit", () => {
      clearTimeout(timer);
      resolve(null);
    });
  });
}

/** A process that exits by itself: ms from spawn to its exit. */
function exitMs(cmd: string, args: string[]): Promise<number | null> {
  return new Promise((resolve) => {
    const t0 = performance.now();
    const p = spawn(cmd, args, { stdio: "ignore" });
    p.on("error", () => resolve(null));
    p.on("exit", (code) => resolve(code === 0 ? performance.now() - t0 : null));
  });
}

const median = (xs: (number | null)[]): number | null => {
  const v = xs.filter((x): x is number => x !== null).sort((a, b) => a - b);
  return v.length === 0 ? null : Math.round(v[Math.floor(v.length / 2)]!);
};

const { image } = guestFiles({ ifMissing: true });
const kernel = new Uint8Array(readFileSync(image));
const load = () =>
  loadavg()
    .map((x) => x.toFixed(1))
    .join(" ");
console.log(`host: ${cpus().length} cores, load average ${load()} (start); ${RUNS} runs each, median ms`);
const results: Record<string, number | null> = {};
const measure = async (name: string, f: () => Promise<number | null>) => {
  const xs: (number | null)[] = [];
  for (let i = 0; i < RUNS; i++) xs.push(await f());
  results[name] = median(xs);
  console.log(`${name.padEnd(44)} ${xs.map((x) => (x === null ? "-" : Math.round(x))).join(" ")} ms`);
};
await measure("in process: built-in UEFI, DT", () => inProcess(kernel, "uefi"));
await measure("in process: built-in UEFI, ACPI", () => inProcess(kernel, "uefi-acpi"));
await measure("in process: direct boot", () => inProcess(kernel, "direct"));
const cliArgs = [cli, "run", "--machine", "virt", "--layout", "qemu", "--kernel", image, "--append", CMDLINE];
const cliOpts = ["--net", "none", "--deterministic", "--quiet"];
if (existsSync(cli)) {
  await measure("armature run --firmware uefi --acpi on", () =>
    processMs("node", [...cliArgs, "--firmware", "uefi", "--acpi", "on", ...cliOpts]),
  );
  await measure("armature run (direct boot)", () => processMs("node", [...cliArgs, ...cliOpts]));
  await measure("armature --help (to its exit)", () => exitMs("node", [cli, "--help"]));
  await measure("node -e 0 (the runtime's own start)", () => exitMs("node", ["-e", "0"]));
} else console.log(`no ${cli}: run pnpm build for the armature run figures`);
if (existsSync(EDK2))
  await measure("qemu-system-aarch64 -cpu max -nic none -bios QEMU_EFI.fd", () =>
    processMs("qemu-system-aarch64", [
      "-M",
      "virt",
      "-cpu",
      "max",
      "-m",
      "1024",
      "-nographic",
      "-nic",
      "none",
      "-bios",
      EDK2,
      "-kernel",
      image,
      "-append",
      CMDLINE,
    ]),
  );
else console.log(`no ${EDK2}: apt-get install qemu-efi-aarch64 for the QEMU + EDK2 figure`);
console.log(`load average ${load()} (end)`);
console.log(JSON.stringify(results));
