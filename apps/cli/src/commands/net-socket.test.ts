import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

/**
 * Two `armature run` processes joined by the socket backend (`--net socket,local=…,remote=…`: the
 * frames of each guest's virtio-net go to the other process over loopback UDP) boot Debian and
 * ping each other. Opt-in (two Linux boots side by side): ARMATURE_E2E_SOCKET=1, after `pnpm build`
 * and `bash scripts/fetch-guest.sh`.
 */
const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, "..", "..", "..", "..");
const main = join(here, "..", "..", "dist", "main.js");
const guest = join(root, ".cache", "guest");
const enabled = process.env.ARMATURE_E2E_SOCKET === "1";

class Guest {
  out = "";
  readonly p: ChildProcessWithoutNullStreams;
  readonly exited: Promise<number | null>;
  constructor(args: string[]) {
    this.p = spawn(process.execPath, [main, "run", ...args], { stdio: ["pipe", "pipe", "pipe"] });
    this.p.stdout.on("data", (d: Buffer) => {
      this.out += d.toString("latin1");
    });
    this.p.stderr.on("data", (d: Buffer) => {
      this.out += d.toString("latin1");
    });
    this.exited = new Promise((r) => this.p.on("exit", (code) => r(code)));
  }
  async wait(re: RegExp, from: number, ms: number, what: string): Promise<void> {
    const t0 = Date.now();
    while (!re.test(this.out.slice(from))) {
      if (Date.now() - t0 > ms)
        throw new Error(`${what}: not seen in ${ms / 1000} s; output:\n${this.out.slice(-2000)}`);
      if (this.p.exitCode !== null)
        throw new Error(`${what}: the process exited; output:\n${this.out.slice(-2000)}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  type(line: string): void {
    this.p.stdin.write(`${line}\n`);
  }
}

describe.skipIf(!enabled)("two armature processes on one socket network (ARMATURE_E2E_SOCKET=1)", () => {
  it(
    "boot side by side and ping each other",
    async () => {
      for (const f of [main, join(guest, "Image")]) if (!existsSync(f)) throw new Error(`${f} is missing`);
      const [pa, pb] = [
        40_000 + Math.floor(Math.random() * 10_000),
        50_000 + Math.floor(Math.random() * 10_000),
      ];
      const common = [
        "--machine",
        "virt",
        "--kernel",
        join(guest, "Image"),
        "--initrd",
        join(guest, "initramfs.cpio.gz"),
      ];
      const guestOn = (local: number, remote: number, mac: string) =>
        new Guest([
          ...common,
          "--net",
          `socket,local=127.0.0.1:${local},remote=127.0.0.1:${remote}`,
          "--mac",
          mac,
        ]);
      const a = guestOn(pa, pb, "52:54:00:12:34:61");
      const b = guestOn(pb, pa, "52:54:00:12:34:62");
      try {
        await Promise.all([
          a.wait(/ARMATURE-SHELL-READY[\s\S]*\/ # /, 0, 20 * 60_000, "guest A's shell"),
          b.wait(/ARMATURE-SHELL-READY[\s\S]*\/ # /, 0, 20 * 60_000, "guest B's shell"),
        ]);
        a.type("ip addr add 10.9.0.1/24 dev eth0; ip link set eth0 up; echo A-UP");
        b.type("ip addr add 10.9.0.2/24 dev eth0; ip link set eth0 up; echo B-UP");
        await a.wait(/\nA-UP/, 0, 60_000, "guest A's address");
        await b.wait(/\nB-UP/, 0, 60_000, "guest B's address");
        const from = a.out.length;
        a.type("ping -c 3 10.9.0.2");
        await a.wait(/3 packets transmitted, 3 packets received/, from, 120_000, "A pings B");
        const fromB = b.out.length;
        b.type("ping -c 2 10.9.0.1; cat /sys/class/net/eth0/address");
        await b.wait(
          /2 packets transmitted, 2 packets received[\s\S]*52:54:00:12:34:62/,
          fromB,
          120_000,
          "B pings A",
        );
        a.type("poweroff -f");
        b.type("poweroff -f");
        expect(await a.exited).toBe(0);
        expect(await b.exited).toBe(0);
      } finally {
        a.p.kill();
        b.p.kill();
      }
    },
    30 * 60_000,
  );
});
