import { readFileSync, writeFileSync } from "node:fs";
import { ConfigError } from "@armature/core";
import { parseDtb, printDts } from "@armature/fdt";
import { VirtMachine } from "@armature/machine-virt";
import { type CliIo, CliUsageError, type Command } from "../command.js";

const HELP = `Usage: armature dtb --check FILE [--structure-only]
       armature dtb --machine virt [--layout vz|qemu] [--smp N] [--memory MiB] [-o FILE] [--dts]

Parses a device-tree blob and prints it as DTS source, or says exactly what is malformed
(exit status 1) — the same checks dtc applies, plus overlapping or misaligned blocks.
  --check FILE       the DTB to read
  --structure-only   check the blob's structure only (skip name, duplicate and phandle checks)
  --machine virt     generate the board's device tree (as the kernel would get it, /chosen filled
                     for a kernel without initrd); written as DTB to -o FILE, or printed as DTS
  --dts              print DTS even when -o is given
`;

export const dtbCommand: Command = {
  name: "dtb",
  summary: "check a device-tree blob, or generate a board's, and print it as DTS",
  async run(args: string[], io: CliIo): Promise<number> {
    let file: string | undefined;
    let machine: string | undefined;
    let layout: "vz" | "qemu" = "vz";
    let out: string | undefined;
    let dts = false;
    let smp = 1;
    let memoryMiB = 1024;
    let strict = true;
    for (let i = 0; i < args.length; i++) {
      const a = args[i]!;
      const val = (): string => {
        const v = args[++i];
        if (v === undefined) throw new CliUsageError(`${a} needs a value`);
        return v;
      };
      if (a === "--help" || a === "-h") {
        io.out(HELP);
        return 0;
      } else if (a === "--check") file = val();
      else if (a === "--structure-only") strict = false;
      else if (a === "--machine") machine = val();
      else if (a === "--layout") {
        const v = val();
        if (v !== "vz" && v !== "qemu") throw new CliUsageError(`unknown --layout "${v}" (known: vz, qemu)`);
        layout = v;
      } else if (a === "-o" || a === "--output") out = val();
      else if (a === "--dts") dts = true;
      else if (a === "--smp") smp = Number(val());
      else if (a === "--memory") memoryMiB = Number(val());
      else throw new CliUsageError(`unknown option ${a}`);
    }
    if (machine !== undefined) {
      if (machine !== "virt") throw new CliUsageError(`unknown --machine "${machine}" (known: virt)`);
      const m = new VirtMachine({
        layout,
        cpus: smp,
        memoryMiB,
        kernel: new Uint8Array(64),
        deterministic: true,
      });
      if (out !== undefined) writeFileSync(out, m.dtb);
      if (out === undefined || dts) io.out(printDts(parseDtb(m.dtb).root));
      return 0;
    }
    if (file === undefined) throw new CliUsageError("--check FILE or --machine NAME is required");
    let bytes: Uint8Array;
    try {
      bytes = new Uint8Array(readFileSync(file));
    } catch (e) {
      throw new ConfigError(
        `cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
      );
    }
    const doc = parseDtb(bytes, { strict });
    io.out(printDts(doc.root, { reservations: doc.reservations, bootCpuidPhys: doc.bootCpuidPhys }));
    return 0;
  },
};
