// `armature run` on a terminal: the built binary under util-linux `script`, which gives it a
// pseudo-terminal (stdin, stdout and stderr), prints the boot banner before the guest runs, and
// nothing with --quiet. The 10 s silence status is timed in host-log.test.ts.
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { UserNetwork } from "@armature/net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { netSummary } from "./banner.js";
import { EXIT } from "./exit.js";

const MAIN = join(dirname(fileURLToPath(import.meta.url)), "..", "dist", "main.js");
const haveScript = (() => {
  try {
    execFileSync("script", ["--version"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
})();

const quote = (s: string) => `'${s.replaceAll("'", "'\\''")}'`;

describe("the boot banner", () => {
  let dir = "";
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "armature-tty-"));
    writeFileSync(join(dir, "loop.bin"), Buffer.from([0x00, 0x00, 0x00, 0x14])); // b .
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** The CLI on a pseudo-terminal: its exit status and what the terminal showed. */
  function onPty(args: string[]): { code: number | null; screen: string } {
    const cmd = [process.execPath, MAIN, ...args].map(quote).join(" ");
    const r = spawnSync("script", ["-qfec", cmd, "/dev/null"], {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "pipe"],
      timeout: 60_000,
    });
    return { code: r.status, screen: r.stdout };
  }

  it.runIf(haveScript && existsSync(MAIN))(
    "on a terminal: one line before the guest runs, none with --quiet",
    () => {
      const args = ["run", "--machine", "virt", "--memory", "128", "--net", "none"];
      const run = [...args, "--kernel", join(dir, "loop.bin"), "--max-instructions", "100000"];
      const loud = onPty(run);
      expect(loud.code).toBe(EXIT.budget);
      const lines = loud.screen.split("\r\n");
      const banner = lines.findIndex((l) => l.startsWith("armature: virt board"));
      expect(lines[banner]).toBe(
        "armature: virt board (vz layout), 1 CPU, 128 MiB; kernel: raw binary, 4 bytes; disks: none; net: none; Ctrl-A h for help, Ctrl-A x to quit",
      );
      expect(lines.findIndex((l) => l.includes("stopped after 100000 instructions"))).toBeGreaterThan(banner);
      const quiet = onPty([...run, "--quiet"]);
      expect(quiet.code).toBe(EXIT.budget);
      expect(quiet.screen).not.toContain("armature: virt board");
      expect(quiet.screen).toContain("stopped after 100000 instructions");
    },
    120_000,
  );

  it("names the network the board built", () => {
    const virt = new UserNetwork();
    const parallels = new UserNetwork({ network: "10.211.55.0/24", dhcpStart: "10.211.55.3" });
    const small = new UserNetwork({ network: "192.168.76.0/28" });
    try {
      expect(netSummary(virt, "user")).toBe("user 10.0.2.0/24 (guest 10.0.2.15 by DHCP)");
      expect(netSummary(parallels, "user")).toBe("user 10.211.55.0/24 (guest 10.211.55.3 by DHCP)");
      expect(netSummary(small, "user")).toBe("user 192.168.76.0/28 (guest 192.168.76.15 by DHCP)");
      expect(netSummary(undefined, "none")).toBe("none");
    } finally {
      for (const n of [virt, parallels, small]) n.close();
    }
  });
});
