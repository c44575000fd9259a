import { readFileSync } from "node:fs";
import { ConfigError } from "@armature/core";
import { parseDtb, printDts } from "@armature/fdt";
import { type CliIo, CliUsageError, type Command } from "../command.js";

const HELP = `Usage: armature dtb --check FILE [--structure-only]

Parses a device-tree blob and prints it as DTS source, or says exactly what is malformed
(exit status 1) — the same checks dtc applies, plus overlapping or misaligned blocks.
  --check FILE       the DTB to read
  --structure-only   check the blob's structure only (skip name, duplicate and phandle checks)
(--machine NAME, which prints a board's generated tree, arrives with the first board.)
`;

export const dtbCommand: Command = {
  name: "dtb",
  summary: "check a device-tree blob and print it as DTS",
  async run(args: string[], io: CliIo): Promise<number> {
    let file: string | undefined;
    let strict = true;
    for (let i = 0; i < args.length; i++) {
      const a = args[i]!;
      if (a === "--help" || a === "-h") {
        io.out(HELP);
        return 0;
      } else if (a === "--check") {
        file = args[++i];
        if (file === undefined) throw new CliUsageError("--check needs a FILE");
      } else if (a === "--structure-only") strict = false;
      else if (a === "--machine")
        throw new CliUsageError("--machine needs a board, and none is built in yet; use --check FILE");
      else throw new CliUsageError(`unknown option ${a}`);
    }
    if (file === undefined) throw new CliUsageError("--check FILE is required");
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
