// Helpers the CLI's tests share: run the command in this process, a temporary folder that is
// always removed, and small AArch64 programs assembled by GNU binutils (the judge, not our code).
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { runCli } from "../cli.js";

export interface CliRun {
  code: number;
  out: string;
  err: string;
}

/** `armature ...args` in this process: its exit code and what it wrote to stdout and stderr. */
export async function run(args: string[]): Promise<CliRun> {
  let out = "";
  let err = "";
  const code = await runCli(args, { out: (s) => (out += s), err: (s) => (err += s) });
  return { code, out, err };
}

/** A new folder `<tmpdir>/<prefix>XXXXXX` for `fn`, removed afterwards whatever happens (core's). */
export { withTempDir } from "@armature/core/test";

/** PSCI SYSTEM_OFF through HVC: the smallest kernel that powers the machine off. */
export const SYSTEM_OFF_SRC = "movz w0, #8\nmovk w0, #0x8400, lsl #16\nhvc #0\n";

/** Assembles `src` with GNU as into the raw binary `<dir>/<name>.bin` (objcopy -O binary); returns its path. */
export function assembleRaw(dir: string, src: string, name = "k"): string {
  const obj = join(dir, `${name}.o`);
  const bin = join(dir, `${name}.bin`);
  execFileSync("aarch64-linux-gnu-as", ["-o", obj, "-"], { input: src });
  execFileSync("aarch64-linux-gnu-objcopy", ["-O", "binary", obj, bin]);
  return bin;
}

/** `src` assembled as by `assembleRaw`, as little-endian instruction words (e.g. for `buildTestPe`). */
export function assembleWords(dir: string, src: string, name = "k"): number[] {
  const bin = readFileSync(assembleRaw(dir, src, name));
  return Array.from({ length: bin.length / 4 }, (_, i) => bin.readUInt32LE(4 * i));
}

/** `armature run --machine virt --kernel <kernel> --memory 128 ...more`: a small virt machine. */
export function runVirt128([kernel, ...more]: [string, ...string[]]): Promise<CliRun> {
  return run(["run", "--machine", "virt", "--kernel", kernel, "--memory", "128", ...more]);
}

/**
 * Poll (every 5 ms) until `re` matches `text()`; after `ms` throw, naming the pattern and the
 * last 300 characters of the text.
 */
export async function waitForText(text: () => string, re: RegExp, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (!re.test(text())) {
    if (Date.now() > end) throw new Error(`no ${re} in ${JSON.stringify(text().slice(-300))}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}
