import { ArmatureError } from "@armature/core";
import { type CliIo, CliUsageError, type Command } from "./command.js";
import { commands } from "./commands/index.js";
import { VERSION } from "./version.js";

const byName = new Map<string, Command>(commands.map((c) => [c.name, c]));

function usage(): string {
  const lines = [
    `armature ${VERSION} — composable AArch64 machines`,
    "",
    "Usage: armature <command> [options]",
    "       armature --help | --version",
    "",
    "Commands:",
  ];
  const names = [...byName.keys()].sort();
  if (names.length === 0) lines.push("  (none yet in this build)");
  for (const n of names) lines.push(`  ${n.padEnd(10)} ${byName.get(n)!.summary}`);
  lines.push("", "Run `armature <command> --help` for a command's options.", "");
  return lines.join("\n");
}

/** Entry point shared by the binary and tests. Returns the process exit status. */
export async function runCli(argv: string[], io: CliIo): Promise<number> {
  const [first, ...rest] = argv;
  if (first === undefined || first === "--help" || first === "-h" || first === "help") {
    io.out(usage());
    return first === undefined ? 2 : 0;
  }
  if (first === "--version" || first === "-V") {
    io.out(`${VERSION}\n`);
    return 0;
  }
  const cmd = byName.get(first);
  if (cmd === undefined) {
    io.err(`armature: unknown command "${first}"\n\n${usage()}`);
    return 2;
  }
  try {
    return await cmd.run(rest, io);
  } catch (e) {
    if (e instanceof CliUsageError) {
      io.err(`armature ${first}: ${e.message}\nRun \`armature ${first} --help\` for the options.\n`);
      return 2;
    }
    if (e instanceof ArmatureError) {
      io.err(`armature ${first}: ${e.message}\n`);
      return 1;
    }
    throw e;
  }
}

export type { CliIo, Command };
export { CliUsageError };
