import { accessSync, constants, readFileSync, writeFileSync } from "node:fs";
import { ConfigError, FileBlockBackend } from "@armature/core";
import { VirtMachine, type VirtMachineOptions } from "@armature/machine-virt";
import { type CliIo, CliUsageError, type Command } from "../command.js";

const HELP = `Usage: armature run --machine virt --kernel FILE [options]

  --machine virt          the board (only "virt" so far)
  --layout vz|qemu        memory map: Virtualization.framework's (default) or QEMU virt's
  --kernel FILE           arm64 Image (plain or gzip) or a raw binary (loaded at RAM + 0x80000)
  --initrd FILE           initramfs
  --append STRING         kernel command line (default: console=ttyAMA0)
  --dtb FILE              use this device tree instead of the generated one
  --disk FILE[,ro]        virtio-blk disk backed by FILE (read-only with ,ro)
  --net builtin|none      virtio-net: built-in peer at 10.0.2.2 answering ARP and ping (default)
  --smp N                 vCPUs, 1..8 (default 1)
  --memory MiB            guest RAM (default 1024)
  --deterministic         instruction-driven time: a run replays exactly
  --no-uart, --no-rtc     leave out the PL011 UART / PL031 RTC
  --dump-dtb FILE         write the DTB the kernel gets, then run
  --max-instructions N    stop after N instructions (exit status 3)

The console is the terminal (raw mode; Ctrl-A x quits) or stdin/stdout when not a TTY.
Exit status: 0 when the guest powers off (PSCI SYSTEM_OFF), 1 on error, 2 for usage errors.
`;

export interface RunOptions {
  machine: "virt";
  layout: "vz" | "qemu";
  kernel: string;
  initrd?: string;
  append?: string;
  dtb?: string;
  disk?: { path: string; readOnly: boolean };
  net: "builtin" | "none";
  smp: number;
  memoryMiB: number;
  deterministic: boolean;
  uart: boolean;
  rtc: boolean;
  dumpDtb?: string;
  maxInstructions?: number;
}

function readable(path: string, what: string): string {
  try {
    accessSync(path, constants.R_OK);
  } catch {
    throw new ConfigError(`${what} "${path}" does not exist or is not readable`);
  }
  return path;
}

function int(v: string, opt: string, min: number, max: number): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < min || n > max)
    throw new CliUsageError(`${opt} must be an integer in ${min}..${max}, not "${v}"`);
  return n;
}

/** Parse and check `armature run` options; every problem is reported before anything starts. */
export function parseRunOptions(args: readonly string[]): RunOptions | "help" {
  const o: Partial<RunOptions> = {
    layout: "vz",
    net: "builtin",
    smp: 1,
    memoryMiB: 1024,
    deterministic: false,
    uart: true,
    rtc: true,
  };
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    const val = (): string => {
      const v = args[++i];
      if (v === undefined || v.startsWith("--")) throw new CliUsageError(`${a} needs a value`);
      return v;
    };
    switch (a) {
      case "-h":
      case "--help":
        return "help";
      case "--machine": {
        const v = val();
        if (v !== "virt") throw new CliUsageError(`unknown --machine "${v}" (known: virt)`);
        o.machine = v;
        break;
      }
      case "--layout": {
        const v = val();
        if (v !== "vz" && v !== "qemu") throw new CliUsageError(`unknown --layout "${v}" (known: vz, qemu)`);
        o.layout = v;
        break;
      }
      case "--kernel":
        o.kernel = val();
        break;
      case "--initrd":
        o.initrd = val();
        break;
      case "--append":
        o.append = val();
        break;
      case "--dtb":
        o.dtb = val();
        break;
      case "--disk": {
        const v = val();
        const [path, ...flags] = v.split(",");
        for (const f of flags)
          if (f !== "ro") throw new CliUsageError(`unknown --disk flag "${f}" (known: ro)`);
        o.disk = { path: path ?? "", readOnly: flags.includes("ro") };
        break;
      }
      case "--net": {
        const v = val();
        if (v.startsWith("tap:"))
          throw new ConfigError("--net tap:NAME is not available in this build; use builtin or none");
        if (v !== "builtin" && v !== "none")
          throw new CliUsageError(`unknown --net "${v}" (known: builtin, none)`);
        o.net = v;
        break;
      }
      case "--smp":
        o.smp = int(val(), a, 1, 8);
        break;
      case "--memory":
        o.memoryMiB = int(val(), a, 64, 8192);
        break;
      case "--deterministic":
        o.deterministic = true;
        break;
      case "--no-uart":
        o.uart = false;
        break;
      case "--no-rtc":
        o.rtc = false;
        break;
      case "--dump-dtb":
        o.dumpDtb = val();
        break;
      case "--max-instructions":
        o.maxInstructions = int(val(), a, 1, Number.MAX_SAFE_INTEGER);
        break;
      default:
        throw new CliUsageError(`unknown option "${a}"`);
    }
  }
  if (o.machine === undefined) throw new CliUsageError("--machine is required (virt)");
  if (o.kernel === undefined) throw new CliUsageError("--kernel FILE is required");
  readable(o.kernel, "kernel");
  if (o.initrd !== undefined) readable(o.initrd, "initrd");
  if (o.dtb !== undefined) readable(o.dtb, "dtb");
  if (o.disk !== undefined) readable(o.disk.path, "disk");
  return o as RunOptions;
}

export const runCommand: Command = {
  name: "run",
  summary: "boot a machine (virt: Linux from an arm64 Image, DT in x0)",
  async run(args: string[], io: CliIo): Promise<number> {
    const opts = parseRunOptions(args);
    if (opts === "help") {
      io.out(HELP);
      return 0;
    }
    const mo: VirtMachineOptions = {
      layout: opts.layout,
      cpus: opts.smp,
      memoryMiB: opts.memoryMiB,
      kernel: new Uint8Array(readFileSync(opts.kernel)),
      net: opts.net,
      uart: opts.uart,
      rtc: opts.rtc,
      deterministic: opts.deterministic,
      console: { write: (b) => process.stdout.write(b) },
    };
    if (opts.initrd !== undefined) mo.initrd = new Uint8Array(readFileSync(opts.initrd));
    if (opts.append !== undefined) mo.cmdline = opts.append;
    if (opts.dtb !== undefined) mo.dtb = new Uint8Array(readFileSync(opts.dtb));
    if (opts.disk !== undefined)
      mo.disk = new FileBlockBackend(opts.disk.path, { readOnly: opts.disk.readOnly });
    const m = new VirtMachine(mo);
    if (opts.dumpDtb !== undefined) writeFileSync(opts.dumpDtb, m.dtb);

    const stdin = process.stdin;
    const tty = stdin.isTTY === true;
    let ctrlA = false;
    let userQuit = false;
    const onData = (d: Buffer) => {
      if (tty) {
        // Ctrl-A x quits, Ctrl-A Ctrl-A sends a literal Ctrl-A (QEMU's convention).
        const out: number[] = [];
        for (const b of d) {
          if (ctrlA) {
            ctrlA = false;
            if (b === 0x78) {
              userQuit = true;
              m.stop("halted");
              return;
            }
            if (b === 0x01) out.push(1);
            continue;
          }
          if (b === 0x01) ctrlA = true;
          else out.push(b);
        }
        if (out.length > 0) m.input(new Uint8Array(out));
      } else m.input(new Uint8Array(d));
    };
    if (tty) stdin.setRawMode(true);
    stdin.on("data", onData);
    stdin.resume();
    try {
      const stop = await m.run(
        opts.maxInstructions === undefined ? {} : { maxInstructions: opts.maxInstructions },
      );
      if (stop === "poweroff") return 0;
      if (stop === "budget") {
        io.err(`\narmature run: stopped after ${m.retired()} instructions\n`);
        return 3;
      }
      if (stop === "reset") {
        io.err("\narmature run: the guest asked for a reset; stopping\n");
        return 0;
      }
      io.err("\narmature run: stopped\n");
      return userQuit ? 0 : 1;
    } finally {
      stdin.off("data", onData);
      if (tty) stdin.setRawMode(false);
      stdin.pause();
    }
  },
};
