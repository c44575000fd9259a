import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { AcpiError, layoutAcpi, sampleSmbios, sampleTableSet } from "@armature/acpi";
import { describeParallelsAcpi, describeParallelsSmbios } from "@armature/machine-parallels";
import { describeVirtAcpi } from "@armature/machine-virt";
import { addressArg, optionCommand } from "../args.js";
import { CliUsageError, type Command } from "../command.js";
import { outputDirectory } from "../files.js";
import { BOARD_OPTIONS, boardOptions } from "./run.js";
import { SUMMARY } from "./summaries.js";

const ACPI_OPTIONS = { ...BOARD_OPTIONS, "--out": { value: true }, "--base": { value: true } } as const;

const HELP = `Usage: armature acpi --out DIR [--base ADDR] [--machine virt [--layout vz|qemu] [--smp N] [--memory MiB]
                                                             [--iommu none|smmuv3]]
       armature acpi --out DIR [--base ADDR] --machine parallels [--smp N] [--memory MiB] [--iommu smmuv3|none]

Writes a board's firmware tables (--machine virt: the virt board's FADT, DSDT, MADT, GTDT, SPCR,
MCFG, IORT, DBG2, from its options alone; --machine parallels: the Parallels-like board's FADT,
DSDT, MADT, GTDT, SPCR, PPTT, IORT, DBG2 and its SMBIOS, what its UEFI publishes), or without --machine the acpi package's sample machine
(2 CPUs, GICv3 + ITS, PL011, PCIe ECAM, SMMUv3):
  <SIG>.dat       each ACPI table (FACP, DSDT, APIC, GTDT, SPCR, DBG2, MCFG, IORT, PPTT, SRAT, SSDT1)
  RSDP.dat, XSDT.dat, acpi-image.bin   the RSDP/XSDT and the whole image as placed at ADDR
  smbios.bin      SMBIOS 3.0 in dmidecode's dump layout (dmidecode --from-dump smbios.bin)
  --base ADDR     guest-physical address of the ACPI image (default 0x7c000000, 16-byte aligned)
Inspect with \`iasl -d *.dat\`.
`;

export const acpiCommand: Command = optionCommand({
  name: "acpi",
  summary: SUMMARY.acpi,
  options: ACPI_OPTIONS,
  help: HELP,
  async run(a, io) {
    const out = a["--out"];
    const base = a["--base"] === undefined ? 0x7c00_0000n : addressArg(a["--base"], "--base", "0x7c000000");
    if (out === undefined) throw new CliUsageError("--out DIR is required");
    outputDirectory(out, "--out");
    try {
      // The board's tables are a pure description: no CPU is built and no kernel is loaded.
      const board = boardOptions(a);
      const parallels = {
        cpus: board.cpus ?? 1,
        memoryMiB: board.memoryMiB ?? 1024,
        iommu: (a["--iommu"] ?? "smmuv3") as "smmuv3" | "none",
      };
      if (a["--machine"] === "parallels" && a["--layout"] !== undefined)
        throw new CliUsageError("--layout is a virt board option; the parallels board has one memory map");
      const set =
        a["--machine"] === undefined
          ? sampleTableSet()
          : a["--machine"] === "parallels"
            ? describeParallelsAcpi(parallels)
            : describeVirtAcpi(board);
      const image = layoutAcpi(set, base);
      if (!existsSync(out)) mkdirSync(out); // its parent exists (checked above)
      let ssdt = 0;
      const written: string[] = [];
      const put = (name: string, bytes: Uint8Array) => {
        writeFileSync(join(out, name), bytes);
        written.push(`${name.padEnd(16)} ${bytes.length} bytes`);
      };
      for (const t of [set.fadt, set.dsdt, ...set.tables])
        put(`${t.signature === "SSDT" ? `SSDT${++ssdt}` : t.signature}.dat`, t.bytes);
      const off = (a: bigint) => Number(a - image.base);
      put("RSDP.dat", image.bytes.subarray(0, 36));
      const xsdt = image.placed.find((p) => p.signature === "XSDT")!;
      put("XSDT.dat", image.bytes.subarray(off(xsdt.address), off(xsdt.address) + xsdt.length));
      put("acpi-image.bin", image.bytes);
      put(
        "smbios.bin",
        (a["--machine"] === "parallels" ? describeParallelsSmbios(parallels) : sampleSmbios()).buildDump(),
      );
      io.out(`${written.join("\n")}\nRSDP at 0x${image.rsdpAddress.toString(16)}\n`);
      return 0;
    } catch (e) {
      if (e instanceof AcpiError) {
        io.err(`armature acpi: ${e.message}\n`);
        return 1;
      }
      throw e;
    }
  },
});
