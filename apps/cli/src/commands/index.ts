import type { Command } from "../command.js";
import { SUMMARY } from "./summaries.js";

/** A command whose module, and the packages it needs, load when it runs (not for `--help`). */
function lazy(name: keyof typeof SUMMARY, load: () => Promise<Command>): Command {
  return { name, summary: SUMMARY[name], run: async (args, io) => (await load()).run(args, io) };
}

// Each subcommand lives in its own module in this folder; add one entry here and its summary in
// summaries.ts.
export const commands: Command[] = [
  lazy("acpi", async () => (await import("./acpi.js")).acpiCommand),
  lazy("disasm", async () => (await import("./disasm.js")).disasmCommand),
  lazy("dtb", async () => (await import("./dtb.js")).dtbCommand),
  lazy("run", async () => (await import("./run.js")).runCommand),
  lazy("user", async () => (await import("./user.js")).userCommand),
];
