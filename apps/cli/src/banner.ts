// The one line `armature run` prints on a terminal before the guest's first output.

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
