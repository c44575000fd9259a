import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { guestFiles } from "@armature/machine-virt/test";
import { describe, expect, it, vi } from "vitest";
import { HAVE_GDB, runAnnouncing, startGdb } from "../test/gdb.js";

// gdb-multiarch against Debian's arm64 kernel: `armature run --smp 2 --gdb ... --wait-gdb`, a
// breakpoint in the kernel's entry code (its physical address from the Image header), continue,
// Ctrl-C once both vCPUs are up, `info threads`. Bounded: it stops the guest once the second CPU
// is online (a few seconds of boot), not at the shell.

describe.skipIf(!HAVE_GDB && process.env.CI === undefined)("armature run --gdb with Linux", () => {
  it("--wait-gdb, a breakpoint at the kernel's entry, continue, Ctrl-C, info threads lists the vCPUs", {
    timeout: 300_000,
  }, async () => {
    const { image, initrd } = guestFiles();
    // booting.rst: the Image is loaded text_offset bytes above a 2 MiB-aligned base; the board
    // takes the first one in RAM (0x7000_0000 in the vz layout).
    const img = readFileSync(image);
    const entry = 0x7000_0000n + img.readBigUInt64LE(8);
    // code1 (offset 4) is `b primary_entry`: the breakpoint goes on its target.
    const b = img.readUInt32LE(4);
    expect(b >>> 26).toBe(0b000101);
    const primaryEntry = entry + 4n + BigInt(((b << 6) >> 6) * 4);
    const dir = mkdtempSync(join(tmpdir(), "armature-gdb-linux-"));
    let console = "";
    const spy = vi.spyOn(process.stdout, "write").mockImplementation((chunk: string | Uint8Array) => {
      console += typeof chunk === "string" ? chunk : Buffer.from(chunk).toString("latin1");
      return true;
    });
    try {
      const run = runAnnouncing(
        [
          "run",
          "--machine",
          "virt",
          "--kernel",
          image,
          "--initrd",
          initrd,
          "--smp",
          "2",
          "--memory",
          "512",
        ].concat(["--gdb", "tcp:127.0.0.1:0", "--wait-gdb"]),
        "GDB stub",
      );
      const gdb = startGdb(
        dir,
        [
          "set architecture aarch64",
          `target remote 127.0.0.1:${await run.port}`,
          'printf "ATTACH pc=%lx\\n", $pc',
          `break *0x${primaryEntry.toString(16)}`,
          "continue",
          'printf "BP pc=%lx\\n", $pc',
          "delete",
          'printf "CONTINUING\\n"',
          "continue",
          "info threads",
          'printf "DONE\\n"',
          "kill",
          'printf "KILLED\\n"',
        ],
        240_000,
      );
      // Ctrl-C once the kernel reports both CPUs online.
      const poll = setInterval(() => {
        if (/smp: Brought up 1 node, 2 CPUs/.test(console) && gdb.output().includes("CONTINUING")) {
          clearInterval(poll);
          gdb.proc.kill("SIGINT");
        }
      }, 50);
      const out = await gdb.closed;
      clearInterval(poll);
      expect(out).toContain(`ATTACH pc=${entry.toString(16)}`);
      expect(out).toContain(`BP pc=${primaryEntry.toString(16)}`);
      expect(out).toMatch(/received signal SIGINT/);
      // Both vCPUs are threads, and both are on now.
      expect(out).toMatch(/^\*? +1 +Thread 1 \(CPU#0 EL1\)/m);
      expect(out).toMatch(/^\*? +2 +Thread 2 \(CPU#1 EL1\)/m);
      expect(out).toContain("DONE");
      expect(out).toContain("KILLED"); // vKill answered, the machine stopped
      expect(await run.code).toBe(1);
      expect(console).toMatch(/smp: Brought up 1 node, 2 CPUs/);
    } finally {
      spy.mockRestore();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
