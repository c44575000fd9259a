import { ArmatureError } from "@armature/core";
import { type CliIo, CliUsageError, type Command } from "./command.js";
import { commands } from "./commands/index.js";
import { EXIT_HELP } from "./exit.js";
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
  lines.push("", "Run `armature <command> --help` for a command's options.", "", EXIT_HELP);
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
    const known = userError(e, first);
    if (known === undefined) throw e;
    io.err(`armature ${first}: ${known.message}\n`);
    return known.code;
  }
}

/** What the host reports for a file, in words (the code stays in parentheses). */
const ERRNO: Readonly<Record<string, string>> = {
  ENOENT: "no such file or directory",
  EACCES: "permission denied",
  EPERM: "operation not permitted",
  EISDIR: "is a directory",
  ENOTDIR: "a part of the path is not a directory",
  EROFS: "read-only file system",
  ENOSPC: "no space left on the device",
  EEXIST: "already exists",
  EMFILE: "too many open files",
  EBUSY: "busy",
  EADDRINUSE: "address already in use",
  EADDRNOTAVAIL: "address not available on this host",
};

/**
 * A user's mistake as one line and its exit status: usage errors (2), Armature's typed errors
 * and the host's file and socket errors (1). Anything else is a bug: undefined.
 */
export function userError(e: unknown, command: string): { message: string; code: number } | undefined {
  if (e instanceof CliUsageError)
    return { message: `${e.message} (armature ${command} --help lists the options)`, code: 2 };
  if (e instanceof ArmatureError) return { message: e.message, code: 1 };
  const x = e as NodeJS.ErrnoException;
  if (e instanceof Error && typeof x.code === "string" && typeof x.syscall === "string") {
    const what = ERRNO[x.code] ?? x.code;
    const target = x.path === undefined ? "" : ` "${x.path}"`;
    const hint =
      x.code === "EACCES" || x.code === "EROFS" ? " (a disk image: add ,ro to open it read-only)" : "";
    return { message: `cannot ${x.syscall}${target}: ${what} (${x.code})${hint}`, code: 1 };
  }
  return undefined;
}

export type { CliIo, Command };
export { CliUsageError };
