import { readFileSync } from "node:fs";
import {
  CORTEX_A72_MODEL,
  type CpuModel,
  decode,
  formatEntry,
  M1_MODEL,
  pcRelTarget,
} from "@armature/cpu-aarch64";
import { addressArg, optionCommand } from "../args.js";
import { CliUsageError, type Command } from "../command.js";
import { SUMMARY } from "./summaries.js";

const MODELS: Record<string, CpuModel> = { m1: M1_MODEL, "cortex-a72": CORTEX_A72_MODEL };
const DISASM_OPTIONS = {
  "--words": { value: true },
  "--binary": { value: true },
  "--base": { value: true },
  "--model": { value: true, choices: Object.keys(MODELS) },
} as const;

const HELP = `Usage: armature disasm --words FILE [--model m1|cortex-a72]
       armature disasm --binary FILE [--base ADDR] [--model m1|cortex-a72]

  --words FILE    one 32-bit hex word per line (# starts a comment); prints WORD<TAB>TEXT
  --binary FILE   raw little-endian A64 code; prints ADDR<TAB>WORD<TAB>TEXT with branch targets
  --base ADDR     address of the first byte of --binary (default 0)
  --model NAME    CPU model whose features decide what is allocated (default m1)
Words the model does not accept print as <unallocated>. Text follows LLVM 14's llvm-mc.
`;

function hex8(w: number): string {
  return (w >>> 0).toString(16).padStart(8, "0");
}

export const disasmCommand: Command = optionCommand({
  name: "disasm",
  summary: SUMMARY.disasm,
  options: DISASM_OPTIONS,
  help: HELP,
  async run(a, io) {
    const words = a["--words"];
    const binary = a["--binary"];
    const base = a["--base"] === undefined ? 0n : addressArg(a["--base"], "--base", "0x40080000");
    const model = MODELS[a["--model"] ?? "m1"]!;
    if ((words === undefined) === (binary === undefined)) {
      throw new CliUsageError("give exactly one of --words FILE or --binary FILE");
    }
    const read = (f: string): Buffer => {
      try {
        return readFileSync(f);
      } catch (e) {
        throw new CliUsageError(`cannot read ${f}: ${(e as Error).message}`);
      }
    };
    const lines: string[] = [];
    if (words !== undefined) {
      const text = read(words).toString("utf8").split(/\r?\n/);
      text.forEach((raw, n) => {
        const line = raw.replace(/#.*/, "").trim();
        if (line === "") return;
        if (!/^(0x)?[0-9a-fA-F]{1,8}$/.test(line)) {
          throw new CliUsageError(`${words}:${n + 1}: "${line}" is not a 32-bit hex word`);
        }
        const w = Number.parseInt(line.replace(/^0x/, ""), 16);
        const i = decode(w, model);
        lines.push(`${hex8(w)}\t${i < 0 ? "<unallocated>" : formatEntry(i, w, 0, model)}`);
      });
    } else {
      const buf = read(binary!);
      if (buf.length % 4 !== 0)
        io.err(`armature disasm: ${binary}: ${buf.length % 4} trailing bytes ignored\n`);
      for (let off = 0; off + 4 <= buf.length; off += 4) {
        const w = buf.readUInt32LE(off);
        const pc = base + BigInt(off);
        const i = decode(w, model);
        let text = i < 0 ? "<unallocated>" : formatEntry(i, w, 0, model);
        if (i >= 0) {
          const t = pcRelTarget(i, w, pc);
          if (t !== null) text += ` <0x${BigInt.asUintN(64, t).toString(16)}>`;
        }
        lines.push(`${pc.toString(16).padStart(16, "0")}\t${hex8(w)}\t${text}`);
      }
    }
    io.out(lines.length ? `${lines.join("\n")}\n` : "");
    return 0;
  },
});
