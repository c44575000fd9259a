import { execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { connect } from "node:net";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { runCli } from "../cli.js";
import { waitForText, withTempDir } from "../test/cli.js";
import { HAVE_GDB, has, runAnnouncing, startGdb } from "../test/gdb.js";
import { parseRunOptions } from "./run.js";
import { parseParallelsRunOptions } from "./run-parallels.js";

// The judge is Debian's gdb-multiarch, attached over TCP to `armature run --gdb ... --wait-gdb`
// running a bare-metal C program built with symbols (gdb-fixture/). Every value the test checks
// is either computed by the program or by GDB from the ELF's symbols.
const here = dirname(fileURLToPath(import.meta.url));

/** `armature run` of `bin` on virt, deterministic, waiting for GDB on a free port; `extra` options. */
function runWaitingForGdb(
  bin: string,
  extra: readonly string[],
  announce: Parameters<typeof runAnnouncing>[1],
): ReturnType<typeof runAnnouncing> {
  const gdb = ["--deterministic", "--gdb", "tcp:127.0.0.1:0", "--wait-gdb"];
  return runAnnouncing(["run", "--machine", "virt", "--kernel", bin, ...extra, ...gdb], announce);
}

if (!HAVE_GDB && process.env.CI === undefined) {
  console.warn(
    "gdb.test.ts: gdb-multiarch is missing: skipped (run `bash scripts/install-system-tools.sh`; CI runs it)",
  );
}

/** Build the fixture at the board's raw-binary load address (vz layout: RAM 0x7000_0000 + 0x80000). */
function build(dir: string): { elf: string; bin: string } {
  if (!has("aarch64-linux-gnu-gcc"))
    throw new Error("aarch64-linux-gnu-gcc is missing: run `bash scripts/install-system-tools.sh` (as root)");
  const elf = join(dir, "prog.elf");
  const bin = join(dir, "prog.bin");
  execFileSync("aarch64-linux-gnu-gcc", [
    ...["-g", "-O1", "-ffreestanding", "-nostdlib", "-static", "-fno-pie", "-no-pie"],
    ...[
      "-Wl,--build-id=none",
      "-Wl,-N",
      "-Wl,--no-warn-rwx-segments",
      "-Wl,-Ttext=0x70080000",
      "-Wl,-e,_start",
    ],
    ...["-o", elf, join(here, "gdb-fixture", "start.S"), join(here, "gdb-fixture", "prog.c")],
  ]);
  execFileSync("aarch64-linux-gnu-objcopy", ["-O", "binary", elf, bin]);
  return { elf, bin };
}

describe.skipIf(!HAVE_GDB && process.env.CI === undefined)(
  "armature run --gdb, judged by gdb-multiarch",
  () => {
    it("breaks at a function, steps 10 instructions, reads X/V registers and memory, watches a store, runs to power-off", async () => {
      await withTempDir("armature-gdb-", async (dir) => {
        const { elf, bin } = build(dir);
        const run = runWaitingForGdb(bin, ["--smp", "2"], "GDB stub");
        const gdbLines = [
          `file ${elf}`,
          `target remote 127.0.0.1:${await run.port}`,
          "info threads",
          "break count_up",
          "continue",
          'printf "BP pc=%lx x0=%lu\\n", $pc, $x0',
          'printf "COUNT_UP=%lx\\n", &count_up',
          "set $pc0 = $pc",
          "stepi 10",
          'printf "STEP dpc=%lu x0=%lu\\n", $pc - $pc0, $x0',
          'printf "V16 %lx %lx\\n", $v16.d.u[0], $v16.d.u[1]',
          'printf "D17 %f\\n", $v17.d.f[0]',
          'printf "TABLE %x %x %x %x\\n", table[0], table[1], table[2], table[3]',
          "x/2xw &table[2]",
          "monitor info cpus",
          "watch result",
          "continue",
          'printf "RESULT %lu\\n", result',
          "continue",
        ];
        const out = await startGdb(dir, gdbLines, 60_000).closed;
        const code = await run.code;
        // Threads are the vCPUs (the second one has not been started).
        expect(out).toMatch(/\* 1 +Thread 1 \(CPU#0 EL1\)/);
        expect(out).toMatch(/ 2 +Thread 2 \(CPU#1 EL1 \(off\)\)/);
        // The breakpoint stops at count_up's first instruction with its argument in x0.
        const bp = /BP pc=([0-9a-f]+) x0=(\d+)/.exec(out);
        expect(bp?.[1]).toBe(/COUNT_UP=([0-9a-f]+)/.exec(out)?.[1]);
        expect(bp?.[2]).toBe("100");
        // Ten single steps: ten `add x0, x0, #1`, 40 bytes on.
        expect(out).toContain("STEP dpc=40 x0=110");
        // set_vectors: movi v16.16b, #0x2a; fmov d17, #1.5.
        expect(out).toContain("V16 2a2a2a2a2a2a2a2a 2a2a2a2a2a2a2a2a");
        expect(out).toContain("D17 1.500000");
        expect(out).toContain("TABLE deadbeef 12345678 cafef00d badc0de");
        expect(out).toMatch(/<table\+8>:\s+0xcafef00d\s+0x0badc0de/);
        expect(out).toMatch(/\* CPU #0: pc=0x[0-9a-f]+ EL1 on \(paused\)/);
        // The store to `result` stops with GDB's view of the old and new values: fib(20) + 112.
        expect(out).toMatch(/Hardware watchpoint 2: result\s+Old value = 0\s+New value = 6877/);
        expect(out).toContain("RESULT 6877");
        expect(out).toMatch(/exited normally/);
        expect(code).toBe(0);
      });
    });
  },
);

describe("armature run --monitor, --gdb options", () => {
  it("checks the endpoints on both boards; --wait-gdb needs --gdb", async () => {
    await withTempDir("armature-gdb-", async (dir) => {
      const k = join(dir, "k");
      writeFileSync(k, "x");
      const virt = parseRunOptions(["--machine", "virt", "--kernel", k, "--gdb", "tcp::1234", "--wait-gdb"]);
      expect(virt !== "help" && virt.debug).toEqual({
        gdb: { host: "127.0.0.1", port: 1234 },
        waitGdb: true,
      });
      const par = parseParallelsRunOptions([
        "--machine",
        "parallels",
        "--kernel",
        k,
        "--monitor",
        "tcp:0.0.0.0:4444",
      ]);
      expect(par !== "help" && par.debug).toEqual({
        monitor: { host: "0.0.0.0", port: 4444 },
        waitGdb: false,
      });
      for (const args of [["--wait-gdb"], ["--gdb", "1234"], ["--monitor", "unix:/tmp/m"]]) {
        for (const machine of ["virt", "parallels"]) {
          let err = "";
          const code = await runCli(["run", "--machine", machine, "--kernel", k, ...args], {
            out: () => {},
            err: (s) => (err += s),
          });
          expect(code, `${machine} ${args.join(" ")}`).toBe(2);
          expect(err).toMatch(/--wait-gdb needs --gdb|expected tcp:HOST:PORT/);
        }
      }
    });
  });

  it("serves the monitor on TCP while the machine waits for GDB; cont runs it to power-off", async () => {
    await withTempDir("armature-gdb-", async (dir) => {
      const { bin } = build(dir);
      const run = runWaitingForGdb(bin, ["--monitor", "tcp:127.0.0.1:0"], "monitor");
      const s = connect(await run.port, "127.0.0.1");
      let text = "";
      s.on("data", (d: Buffer) => (text += d.toString("latin1")));
      s.on("error", () => {});
      const until = (re: RegExp) => waitForText(() => text, re, 10_000);
      await until(/\(armature\) $/);
      s.write("info cpus\ninfo registers\ninfo mtree\nx/2xw 0x70080000\n");
      await until(/0xd2a00600 0xd5181040\n\(armature\) $/);
      expect(text).toMatch(/\* CPU #0: pc=0x0000000070080000 EL1 on \(paused\)/);
      expect(text).toMatch(/ pc=0x0000000070080000/);
      expect(text).toMatch(/0x20010000- +0x20010fff mmio pl011/);
      expect(text).toMatch(/0x70000000- +0x[0-9a-f]+ ram /);
      s.write("cont\n");
      expect(await run.code).toBe(0); // the program powered off
      s.destroy();
    });
  });
});
