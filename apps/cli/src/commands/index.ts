import type { Command } from "../command.js";
import { acpiCommand } from "./acpi.js";
import { disasmCommand } from "./disasm.js";
import { dtbCommand } from "./dtb.js";
import { runCommand } from "./run.js";
import { userCommand } from "./user.js";

// Each subcommand lives in its own module in this folder; add one import and one array entry.
export const commands: Command[] = [acpiCommand, disasmCommand, dtbCommand, runCommand, userCommand];
