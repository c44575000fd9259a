// The one line `armature run` prints on a terminal before the guest's first output.
import type { NetBackend } from "@armature/core";
import { formatIp4, UserNetwork } from "@armature/net";

export interface BannerFacts {
  board: string;
  cpus: number;
  memoryMiB: number;
  /** What the kernel file is (kernelFacts().summary). */
  kernel: string;
  /** Each disk as "FILE (rw)" / "FILE (ro)" / "FILE (cdrom)". */
  disks: readonly string[];
  /** The network in a few words ("user 10.0.2.0/24", "none"). */
  net: string;
}

/** The console keys, shown by Ctrl-A h. */
export const CONSOLE_KEYS =
  "\r\n[armature] console keys: Ctrl-A h  this help | Ctrl-A x  quit | Ctrl-A c  monitor (with --monitor) | Ctrl-A Ctrl-A  send Ctrl-A\r\n";

/**
 * The board's network in a few words, from the backend it built: "user 10.0.2.0/24 (guest
 * 10.0.2.15 by DHCP)", or `other` ("socket") for another backend, "none" without one.
 */
export function netSummary(net: NetBackend | undefined, other: string): string {
  if (net === undefined) return "none";
  if (!(net instanceof UserNetwork)) return other;
  let bits = 0;
  for (let m = net.netmask >>> 0; m !== 0; m = (m << 1) >>> 0) bits++;
  const guest = formatIp4(net.dhcp.config.start);
  return `user ${formatIp4(net.network)}/${bits} (guest ${guest} by DHCP)`;
}

/** One line: board, CPUs, memory, kernel, disks, network, and the keys to know. */
export function bootBanner(f: BannerFacts): string {
  const parts = [
    `${f.board}, ${f.cpus} CPU${f.cpus === 1 ? "" : "s"}, ${f.memoryMiB} MiB`,
    `kernel: ${f.kernel}`,
    `disks: ${f.disks.length === 0 ? "none" : f.disks.join(", ")}`,
    `net: ${f.net}`,
    "Ctrl-A h for help, Ctrl-A x to quit",
  ];
  return `armature: ${parts.join("; ")}\n`;
}
