import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { requireTool } from "../test/tools.js";
import { parseElf } from "./elf.js";
import { UserProcess } from "./process.js";

const BUILD = join(new URL(".", import.meta.url).pathname, "../../harness/build.sh");
const PROGRAMS = ["hello", "integer", "atomics", "setjmp", "int128", "files"];

describe("armature user vs qemu-aarch64 on static C programs", () => {
  let dir: string;
  beforeAll(() => {
    requireTool("qemu-aarch64");
    requireTool("aarch64-linux-gnu-gcc");
    dir = mkdtempSync(join(tmpdir(), "armature-user-"));
    execFileSync("bash", [BUILD, dir], { stdio: "pipe" });
  }, 120_000);
  afterAll(() => {
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });

  for (const name of PROGRAMS) {
    it(`${name}: byte-identical stdout and the same exit status`, () => {
      const exe = join(dir, name);
      const args = name === "files" ? [exe, join(dir, "ours.txt")] : [exe, "arg one", "two"];
      const qargs = name === "files" ? [exe, join(dir, "qemu.txt")] : args;
      const q = spawnSync("qemu-aarch64", ["-cpu", "max,sve=off,sme=off", "-seed", "1", ...qargs], {
        env: {},
      });
      const chunks: Uint8Array[] = [];
      const p = new UserProcess(exe, { argv: args, env: {}, stdout: (b) => chunks.push(b.slice()) });
      const status = p.run();
      expect(Buffer.concat(chunks).toString("latin1")).toBe(q.stdout.toString("latin1"));
      expect(status).toBe(q.status);
    }, 60_000);
  }

  it("refuses non-ELF input with a typed error", () => {
    expect(() => parseElf(new Uint8Array(64))).toThrow(/not an ELF/);
  });
});
