import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { buildUserPrograms } from "../test/difftest.js";
import { buildDir } from "../test/tools.js";
import { parseElf } from "./elf.js";
import { UserProcess } from "./process.js";

const PROGRAMS = ["hello", "integer", "atomics", "setjmp", "int128", "files", "memops"];

describe("armature user vs qemu-aarch64 on static C programs", () => {
  const dir = buildDir("armature-user-", ["qemu-aarch64", "aarch64-linux-gnu-gcc"], buildUserPrograms);

  for (const name of PROGRAMS) {
    it(`${name}: byte-identical stdout and the same exit status`, () => {
      const exe = join(dir(), name);
      const args =
        name === "files"
          ? [exe, join(dir(), "ours.txt")]
          : name === "memops"
            ? [exe, "4"] // rounds: ~27 M instructions of glibc memcpy/memset
            : [exe, "arg one", "two"];
      const qargs = name === "files" ? [exe, join(dir(), "qemu.txt")] : args;
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
