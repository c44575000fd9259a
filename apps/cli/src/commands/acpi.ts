import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { AcpiError, layoutAcpi, sampleSmbios, sampleTableSet } from "@armature/acpi";
import { type CliIo, CliUsageError, type Command } from "../command.js";

const HELP = `Usage: armature acpi --out DIR [--base ADDR]

Writes the sample machine's firmware tables (2 CPUs, GICv3 + ITS, PL011, PCIe ECAM, SMMUv3):
  <SIG>.dat       each ACPI table (FACP, DSDT, APIC, GTDT, SPCR, DBG2, MCFG, IORT, PPTT, SRAT, SSDT1)
  RSDP.dat, XSDT.dat, acpi-image.bin   the RSDP/XSDT and the whole image as placed at ADDR
  smbios.bin      SMBIOS 3.0 in dmidecode's dump layout (dmidecode --from-dump smbios.bin)
  --base ADDR     guest-physical address of the ACPI image (default 0x7c000000, 16-byte aligned)
Inspect with \`iasl -d *.dat\`.
`;

export const acpiCommand: Command = {
  name: "acpi",
  summary: "write a sample machine's ACPI tables and SMBIOS for inspection",
  async run(args: string[], io: CliIo): Promise<number> {
    let out: string | undefined;
    let base = 0x7c00_0000n;
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
      } else if (a === "--out") out = val();
      else if (a === "--base") {
        const v = val();
        try {
          base = BigInt(v);
        } catch {
          throw new CliUsageError(`--base ${v}: not a number (use e.g. 0x7c000000)`);
        }
      } else throw new CliUsageError(`unknown option ${a}`);
    }
    if (out === undefined) throw new CliUsageError("--out DIR is required");
    try {
      const set = sampleTableSet();
      const image = layoutAcpi(set, base);
      mkdirSync(out, { recursive: true });
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
      put("smbios.bin", sampleSmbios().buildDump());
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
};
