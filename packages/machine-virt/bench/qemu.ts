// What the benches share: the host line they print and qemu-system-aarch64 (TCG, virt, Cortex-A72,
// 1 GiB) booting the same kernel and initramfs as the board, for the figures beside ours.
import { spawn } from "node:child_process";
import { cpus, loadavg } from "node:os";
import type { Writable } from "node:stream";

/** `host: <n> cores, load average <1> <5> <15>` (what else ran beside the figures). */
export function hostLine(): string {
  return `host: ${cpus().length} cores, load average ${loadavg()
    .map((x) => x.toFixed(1))
    .join(" ")}`;
}

/**
 * Boot `image` + `initrd` under qemu-system-aarch64 -M virt with `extra` arguments and hand each
 * piece of console output to `onOutput` (with QEMU's stdin) until it returns a number, which is
 * the result; null when QEMU is missing or 300 s pass first.
 */
export function qemuLinux(
  image: string,
  initrd: string,
  extra: string[],
  onOutput: (text: string, stdin: Writable | null) => number | undefined,
): Promise<number | null> {
  return new Promise((resolve) => {
    const args = ["-M", "virt", "-cpu", "cortex-a72", "-m", "1024", "-nographic"];
    args.push("-kernel", image, "-initrd", initrd, "-append", "console=ttyAMA0", ...extra);
    let p: ReturnType<typeof spawn>;
    try {
      p = spawn("qemu-system-aarch64", args, { stdio: ["pipe", "pipe", "pipe"] });
    } catch {
      resolve(null);
      return;
    }
    const done = (v: number | null) => {
      clearTimeout(timer);
      p.kill("SIGKILL");
      resolve(v);
    };
    const timer = setTimeout(() => done(null), 300_000);
    p.on("error", () => done(null));
    p.stdout?.on("data", (d: Buffer) => {
      const v = onOutput(d.toString("latin1"), p.stdin);
      if (v !== undefined) done(v);
    });
  });
}
