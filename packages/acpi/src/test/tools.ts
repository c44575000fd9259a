// Test-only helpers around the external oracles (iasl from acpica-tools, dmidecode).
import { spawnSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { withTempDir } from "@armature/core/test";

const INSTALL = "bash scripts/install-system-tools.sh";

const present = new Set<string>();

export function requireTool(name: string): void {
  if (present.has(name)) return;
  const r = spawnSync("bash", ["-c", `command -v ${name}`], { encoding: "utf8" });
  if (r.status !== 0)
    throw new Error(`${name} is not installed; run \`${INSTALL}\` (Debian: acpica-tools / dmidecode)`);
}

export interface ToolRun {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Run a command line under `timeout 20` and a 64 MB file-size limit, in `cwd`. */
export function runLimited(cmd: string, cwd: string): ToolRun {
  const r = spawnSync("bash", ["-c", `ulimit -f 131072; timeout 20 ${cmd}`], {
    cwd,
    encoding: "utf8",
    maxBuffer: 64 << 20,
  });
  return { status: r.status, stdout: r.stdout ?? "", stderr: r.stderr ?? "" };
}

export interface Disassembly {
  /** iasl's console output for the whole batch. */
  log: string;
  status: number | null;
  /** Decompiled text per input name. */
  dsl: Map<string, string>;
}

/** `iasl -d` every file in one batch (names must be unique, without extension). */
export function iaslDisassemble(files: ReadonlyMap<string, Uint8Array>): Disassembly {
  requireTool("iasl");
  return withTempDir("armature-acpi-", (dir) => {
    for (const [name, bytes] of files) writeFileSync(join(dir, `${name}.dat`), bytes);
    const names = [...files.keys()];
    const r = runLimited(`iasl -d ${names.map((n) => `${n}.dat`).join(" ")}`, dir);
    const dsl = new Map<string, string>();
    for (const n of names) {
      try {
        dsl.set(n, readFileSync(join(dir, `${n}.dsl`), "utf8"));
      } catch {
        // missing output is reported by the caller
      }
    }
    return { log: r.stdout + r.stderr, status: r.status, dsl };
  });
}

export interface Compilation {
  log: string;
  status: number | null;
  aml: Map<string, Uint8Array>;
}

/** Compile ASL sources with iasl (one batch); `flags` e.g. "-on". */
export function iaslCompile(sources: ReadonlyMap<string, string>, flags = ""): Compilation {
  requireTool("iasl");
  return withTempDir("armature-acpi-", (dir) => {
    for (const [name, text] of sources) writeFileSync(join(dir, `${name}.asl`), text);
    const aml = new Map<string, Uint8Array>();
    let log = "";
    let status: number | null = 0;
    // iasl compiles one file per invocation when several are given; run them sequentially.
    for (const name of sources.keys()) {
      const r = runLimited(`iasl ${flags} -p ${name} ${name}.asl`, dir);
      log += r.stdout + r.stderr;
      if (r.status !== 0) status = r.status;
      try {
        aml.set(name, new Uint8Array(readFileSync(join(dir, `${name}.aml`))));
      } catch {
        // reported by the caller
      }
    }
    return { log, status, aml };
  });
}

/** A "[off dec len] Name : value" line of a decoded data table. */
export interface DslField {
  offset: number;
  length: number;
  name: string;
  value: string;
}

export function parseDataTable(dsl: string): DslField[] {
  const out: DslField[] = [];
  const re = /^\[([0-9A-F]+)h (\d+) +(\d+)\] +(.*?) : (.*)$/;
  for (const line of dsl.split("\n")) {
    const m = re.exec(line.trim());
    if (m)
      out.push({
        offset: Number.parseInt(m[1]!, 16),
        length: Number(m[3]),
        name: m[4]!.trim(),
        value: m[5]!.trim(),
      });
  }
  return out;
}

/** Numeric value of a field (hex digits, optionally followed by " [decoded]"). */
export function fieldNumber(f: DslField): bigint {
  const m = /^([0-9A-F]+)\b/.exec(f.value);
  if (!m) throw new Error(`field ${f.name} = "${f.value}" is not a number`);
  return BigInt(`0x${m[1]}`);
}

/**
 * Check that `expected` (name, value) pairs occur in the decoded fields in this order.
 * Returns a list of mismatch descriptions (empty = all found).
 */
export function matchFields(
  fields: readonly DslField[],
  expected: ReadonlyArray<readonly [string, bigint | number | string]>,
): string[] {
  const errors: string[] = [];
  let i = 0;
  for (const [name, want] of expected) {
    let found = false;
    while (i < fields.length) {
      const f = fields[i++]!;
      if (f.name !== name) continue;
      const ok = typeof want === "string" ? f.value.includes(want) : fieldNumber(f) === BigInt(want);
      if (!ok)
        errors.push(
          `${name} @0x${f.offset.toString(16)}: got "${f.value}", want ${typeof want === "string" ? want : `0x${want.toString(16)}`}`,
        );
      found = true;
      break;
    }
    if (!found) {
      errors.push(`${name}: not found (in order)`);
      break;
    }
  }
  return errors;
}

/** Words that iasl prints when something is wrong with a table. */
export const IASL_PROBLEM = /warning|error|\*\*\*\*|invalid|incorrect|unknown|exceeds|remark/i;

export function dmidecodeDump(dump: Uint8Array, extraArgs = ""): ToolRun {
  requireTool("dmidecode");
  return withTempDir("armature-acpi-", (dir) => {
    writeFileSync(join(dir, "dmi.bin"), dump);
    return runLimited(`dmidecode --from-dump dmi.bin ${extraArgs}`, dir);
  });
}
