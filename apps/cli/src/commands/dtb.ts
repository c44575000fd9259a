import { readFileSync, writeFileSync } from "node:fs";
import { type FdtNode, parseDtb, printDts, serializeDtb } from "@armature/fdt";
import { describeVirtDt } from "@armature/machine-virt";
import { optionCommand } from "../args.js";
import { CliUsageError, type Command } from "../command.js";
import { inputFile, outputFile } from "../files.js";
import { BOARD_OPTIONS, boardOptions } from "./run.js";
import { SUMMARY } from "./summaries.js";

const DTB_OPTIONS = {
  ...BOARD_OPTIONS,
  "--check": { value: true },
  "--structure-only": {},
  "--output": { value: true, alias: "-o" },
  "--dts": {},
} as const;

/** The board's tree as a DTB, /chosen holding the default console (the loader adds the rest). */
function withChosen(root: FdtNode, uart: string | undefined): Uint8Array {
  const chosen = root.child("chosen") ?? root.addChild("chosen");
  chosen.setString("bootargs", uart === undefined ? "console=hvc0" : "console=ttyAMA0");
  if (uart !== undefined) chosen.setString("stdout-path", uart);
  return serializeDtb(root);
}

const HELP = `Usage: armature dtb --check FILE [--structure-only]
       armature dtb --machine virt [--layout vz|qemu] [--smp N] [--memory MiB]
                                   [--iommu none|smmuv3] [-o FILE] [--dts]

Parses a device-tree blob and prints it as DTS source, or says exactly what is malformed
(exit status 1) — the same checks dtc applies, plus overlapping or misaligned blocks.
  --check FILE       the DTB to read
  --structure-only   check the blob's structure only (skip name, duplicate and phandle checks)
  --machine virt     generate the board's device tree from its options alone (no CPU, no kernel;
                     /chosen holds the default console); written as DTB to -o FILE, or as DTS
  --dts              print DTS even when -o is given
`;

export const dtbCommand: Command = optionCommand({
  name: "dtb",
  summary: SUMMARY.dtb,
  options: DTB_OPTIONS,
  help: HELP,
  async run(a, io) {
    const file = a["--check"];
    if (a["--machine"] === "parallels")
      throw new CliUsageError(
        "the parallels board has no device tree (UEFI gives the OS ACPI + SMBIOS): use `armature acpi --machine parallels --out DIR`",
      );
    if (a["--machine"] !== undefined) {
      if (a["--output"] !== undefined) outputFile(a["--output"], "-o");
      // A pure description of the board: no CPU is built and no kernel is loaded.
      const root = describeVirtDt(boardOptions(a));
      const uart = root.children.find((n) => n.name.startsWith("pl011@"));
      const dtb = withChosen(root, uart === undefined ? undefined : `/${uart.name}`);
      if (a["--output"] !== undefined) writeFileSync(a["--output"], dtb);
      if (a["--output"] === undefined || a["--dts"]) io.out(printDts(parseDtb(dtb).root));
      return 0;
    }
    if (file === undefined) throw new CliUsageError("--check FILE or --machine NAME is required");
    const bytes = new Uint8Array(readFileSync(inputFile(file, "--check")));
    const doc = parseDtb(bytes, { strict: a["--structure-only"] !== true });
    io.out(printDts(doc.root, { reservations: doc.reservations, bootCpuidPhys: doc.bootCpuidPhys }));
    return 0;
  },
});
