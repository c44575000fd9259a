// Test-side helpers the `--gdb` tests share (not part of the CLI): the tool check, `armature run`
// with its announced debug endpoint, and gdb-multiarch in batch mode.
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { runCli } from "../cli.js";

export function has(cmd: string): boolean {
  try {
    execFileSync("sh", ["-c", `command -v ${cmd}`], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

export const HAVE_GDB = has("gdb-multiarch");

/**
 * `armature <args>`; `port` resolves to the port the CLI announces on stderr for `endpoint`
 * ("GDB stub on 127.0.0.1:<port>" or "monitor on 127.0.0.1:<port>"), `code` to its exit code.
 */
export function runAnnouncing(
  args: string[],
  endpoint: "GDB stub" | "monitor",
): { code: Promise<number>; port: Promise<number> } {
  let err = "";
  let announce: (port: number) => void = () => {};
  const port = new Promise<number>((r) => (announce = r));
  const re = new RegExp(`${endpoint} on 127\\.0\\.0\\.1:(\\d+)`);
  const code = runCli(args, {
    out: () => {},
    err: (s) => {
      err += s;
      const m = re.exec(err);
      if (m !== null) announce(Number(m[1]));
    },
  });
  return { code, port };
}

export interface GdbRun {
  proc: ChildProcess;
  /** Everything GDB printed so far (stdout and stderr). */
  output(): string;
  /** GDB's whole output once it exits (killed after `timeoutMs`). */
  closed: Promise<string>;
}

/** gdb-multiarch -batch on `lines` (after `set pagination off`, `set confirm off`), written to `dir`. */
export function startGdb(dir: string, lines: string[], timeoutMs: number): GdbRun {
  const script = join(dir, "s.gdb");
  writeFileSync(script, ["set pagination off", "set confirm off", ...lines].join("\n"));
  const proc = spawn("gdb-multiarch", ["-batch", "-nx", "-x", script], { stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  proc.stdout!.on("data", (d: Buffer) => (out += d.toString()));
  proc.stderr!.on("data", (d: Buffer) => (out += d.toString()));
  const closed = new Promise<string>((resolve, reject) => {
    const t = setTimeout(() => proc.kill("SIGKILL"), timeoutMs);
    proc.on("error", reject);
    proc.on("close", () => {
      clearTimeout(t);
      resolve(out);
    });
  });
  return { proc, output: () => out, closed };
}
