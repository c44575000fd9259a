// Bench: host time from `run` to the kernel's first console line ("Booting Linux on
// physical CPU", printed by earlycon) for Debian's cloud kernel on the virt board (qemu layout):
//   - through the built-in UEFI (--firmware uefi, DT and --acpi) and booted directly, both in
//     this process (from `new VirtMachine`) and as an `armature run` process (node start included);
//   - `armature --help` and `node -e 0` to their exit (what the CLI's start-up costs before a board);
//   - QEMU + EDK2 (qemu-system-aarch64 -M virt -cpu max -nic none -bios QEMU_EFI.fd -kernel ...,
//     the kernel through fw_cfg) as a process.
// The `armature run` figures use a code cache of their own (ARMATURE_CODE_CACHE, a temporary
// directory per build: a build that writes its cache removes the other caches of the command)
// that one run to 20 M instructions fills first; "no code cache" runs with it off.
// `--before PATH` also measures another build's dist/main.js (e.g. a worktree of an older commit)
// in the same run. The armature run rows and QEMU run interleaved (the load of other jobs drifts).
// The interleaved rows also print each process's CPU time (user + system, all threads, from
// /proc/PID/stat at its first line; Linux): steadier than wall time on a shared host.
// Prints figures (the median of `--runs N`, default 3); never fails on timing.
//   pnpm --filter @armature/machine-virt bench:uefi [--runs N] [--before PATH/apps/cli/dist/main.js]
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { VirtMachine } from "../src/index.js";
import { guestFiles } from "../src/test/index.js";

const FIRST_LINE = /Booting Linux on physical CPU/;
const CMDLINE = "console=ttyAMA0 earlycon";
const EDK2 = "/usr/share/qemu-efi-aarch64/QEMU_EFI.fd";
const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");
// The bin (main.cjs; a build before it has only main.js).
const cliDist = join(root, "apps", "cli", "dist");
const cli = existsSync(join(cliDist, "main.cjs")) ? join(cliDist, "main.cjs") : join(cliDist, "main.js");
const runsArg = process.argv.indexOf("--runs");
const RUNS = runsArg >= 0 ? Number(process.argv[runsArg + 1]) : 3;
const beforeArg = process.argv.indexOf("--before");
const BEFORE = beforeArg >= 0 ? process.argv[beforeArg + 1] : undefined;
const codeCache = mkdtempSync(join(tmpdir(), "armature-bench-cc-"));
const codeCacheBefore = mkdtempSync(join(tmpdir(), "armature-bench-cc-before-"));

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

/**
 * CPU ms (user + system, all threads) a running process used so far, from /proc/PID/stat (Linux;
 * null elsewhere). Steadier than wall time on a host shared with other jobs; 10 ms ticks.
 */
function cpuMsOf(pid: number | undefined): number | null {
  if (pid === undefined) return null;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "latin1");
    const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    // after the command: state is field 3, utime 14 and stime 15 (proc(5)), in USER_HZ (100) ticks
    return (Number(f[11]) + Number(f[12])) * 10;
  } catch {
    return null;
  }
}

/** CPU ms at the first line of the processes `processMs` ran since it was emptied (see cpuMsOf). */
const cpuAtFirstLine: (number | null)[] = [];

/** A process: ms from spawn to the first line on its stdout (killed then; its CPU ms to then in cpuAtFirstLine). */
function processMs(cmd: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<number | null> {
  return new Promise((resolve) => {
    const t0 = performance.now();
    let out = "";
    const p = spawn(cmd, args, { stdio: ["pipe", "pipe", "ignore"], env: { ...process.env, ...env } });
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
        cpuAtFirstLine.push(cpuMsOf(p.pid));
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
const uefiArgs = ["--firmware", "uefi", "--acpi", "on"];
if (existsSync(cli)) {
  const cc = { ARMATURE_CODE_CACHE: codeCache };
  const ccBefore = { ARMATURE_CODE_CACHE: codeCacheBefore };
  // Fill the code caches (killed at the first line, a run would never write one).
  const fills: [string, NodeJS.ProcessEnv][] = [[cli, cc]];
  if (BEFORE !== undefined) fills.push([BEFORE, ccBefore]);
  for (const [main, env] of fills)
    for (const extra of [uefiArgs, []])
      spawnSync("node", [main, ...cliArgs.slice(1), ...extra, ...cliOpts, "--max-instructions", "20000000"], {
        stdio: "ignore",
        env: { ...process.env, ...env },
      });
  // Interleaved (run i of each, then run i + 1 of each): the load of other jobs drifts.
  const rows: [string, () => Promise<number | null>][] = [
    [
      "armature run --firmware uefi --acpi on",
      () => processMs("node", [...cliArgs, ...uefiArgs, ...cliOpts], cc),
    ],
    [
      "the same, no code cache",
      () => processMs("node", [...cliArgs, ...uefiArgs, ...cliOpts], { ARMATURE_CODE_CACHE: "off" }),
    ],
  ];
  if (BEFORE !== undefined && existsSync(BEFORE))
    rows.push([
      `the same, ${BEFORE}`,
      () => processMs("node", [BEFORE, ...cliArgs.slice(1), ...uefiArgs, ...cliOpts], ccBefore),
    ]);
  if (existsSync(EDK2))
    rows.push([
      "qemu-system-aarch64 -cpu max -nic none -bios QEMU_EFI.fd",
      () =>
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
    ]);
  const xs = rows.map((): (number | null)[] => []);
  const cpu = rows.map((): (number | null)[] => []);
  for (let i = 0; i < RUNS; i++)
    for (const [k, [, f]] of rows.entries()) {
      cpuAtFirstLine.length = 0;
      xs[k]!.push(await f());
      cpu[k]!.push(cpuAtFirstLine[0] ?? null);
    }
  for (const [k, [name]] of rows.entries()) {
    results[name] = median(xs[k]!);
    console.log(`${name.padEnd(44)} ${xs[k]!.map((x) => (x === null ? "-" : Math.round(x))).join(" ")} ms`);
  }
  // CPU (user + system of the process, all its threads) from spawn to the first line.
  for (const [k, [name]] of rows.entries()) {
    const c = median(cpu[k]!);
    if (c === null) continue;
    results[`${name} (CPU)`] = c;
    console.log(`${`${name} (CPU)`.padEnd(44)} ${cpu[k]!.map((x) => (x === null ? "-" : x)).join(" ")} ms`);
  }
  await measure("armature run (direct boot)", () => processMs("node", [...cliArgs, ...cliOpts], cc));
  await measure("armature --help (to its exit)", () => exitMs("node", [cli, "--help"]));
  await measure("node -e 0 (the runtime's own start)", () => exitMs("node", ["-e", "0"]));
} else console.log(`no ${cli}: run pnpm build for the armature run figures`);
if (!existsSync(EDK2)) console.log(`no ${EDK2}: apt-get install qemu-efi-aarch64 for the QEMU + EDK2 figure`);
rmSync(codeCache, { recursive: true, force: true });
rmSync(codeCacheBefore, { recursive: true, force: true });
console.log(`load average ${load()} (end)`);
console.log(JSON.stringify(results));
