import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { GuestShell, ScriptedConsole } from "@armature/board/test";
import { MemoryBlockBackend } from "@armature/core";
import type { VirtAttachments } from "../config.js";
import { VirtMachine, type VirtMachineOptions } from "../machine.js";

/** The features line of the Parallels M1 VM (seed 000): what `/proc/cpuinfo` must show for `m1`. */
export const M1_CPUINFO_FEATURES =
  "fp asimd evtstrm aes pmull sha1 sha2 crc32 atomics fphp asimdhp cpuid asimdrdm jscvt fcma lrcpc dcpop sha3 asimddp sha512 asimdfhm dit uscat ilrcpc flagm ssbs sb paca pacg dcpodp flagm2 frint";

/**
 * Where scripts/fetch-guest.sh keeps the Debian guest. The script runs: it returns at once when
 * the cache is complete and current, and rebuilds an initramfs older than its /init. With
 * `ifMissing` (benches, which time the kernel and never the initramfs's freshness) it runs only
 * when a file is absent.
 */
export function guestFiles(o: { ifMissing?: boolean } = {}): { image: string; initrd: string } {
  const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..", "..");
  const cache = join(root, ".cache", "guest");
  const image = join(cache, "Image");
  const initrd = join(cache, "initramfs.cpio.gz");
  if (o.ifMissing && existsSync(image) && existsSync(initrd)) return { image, initrd };
  try {
    execFileSync("bash", [join(root, "scripts", "fetch-guest.sh")], {
      stdio: ["ignore", "ignore", "inherit"],
    });
  } catch {
    if (!existsSync(image) || !existsSync(initrd))
      throw new Error(
        "the Debian guest is missing and could not be fetched: run `bash scripts/fetch-guest.sh` (as root)",
      );
    throw new Error(
      "the Debian guest is out of date and could not be rebuilt: run `bash scripts/fetch-guest.sh`",
    );
  }
  return { image, initrd };
}

export interface LinuxSession {
  machine: VirtMachine;
  console: ScriptedConsole;
  disk: MemoryBlockBackend;
  /** Offset of the shell marker in the console output (what precedes it is the kernel's log). */
  markerOffset: number;
  /** Wall time and instructions from start to the shell marker. */
  bootMs: number;
  bootInstructions: number;
  /** Type a command and resolve with what it printed (up to the next prompt). */
  sh(command: string, timeoutMs?: number): Promise<string>;
  /** Resolves with how the machine stopped. */
  stopped: Promise<string>;
}

/**
 * Boots the Debian guest on the virt board with a 16 MiB in-memory virtio disk and the board's
 * user network (or `net`), and waits for the initramfs's shell. Commands are typed one at a time, each after
 * the shell's prompt (typeahead before the prompt can be discarded by the tty, as on hardware).
 */
export async function bootLinux(opts: {
  layout: "vz" | "qemu";
  /** Put an SMMUv3 in front of the PCI functions (default "none"). */
  iommu?: "none" | "smmuv3";
  echo?: (s: string) => void;
  bootTimeoutMs?: number;
  /** Appended to the kernel command line (after `console=ttyAMA0`). */
  append?: string;
  net?: VirtAttachments["net"];
  /** Capture the network to this pcap file (closed when the machine stops). */
  netDump?: string;
  /** Boot through the built-in UEFI (the kernel's EFI stub), with the DT or `{ acpi: true }`. */
  uefi?: VirtMachineOptions["uefi"];
  /** The built-in UEFI's variables. */
  efiVariables?: VirtMachineOptions["efiVariables"];
}): Promise<LinuxSession> {
  const { image, initrd } = guestFiles();
  const con = new ScriptedConsole(opts.echo);
  const disk = new MemoryBlockBackend(16 << 20);
  const machine = new VirtMachine({
    layout: opts.layout,
    iommu: opts.iommu ?? "none",
    kernel: new Uint8Array(readFileSync(image)),
    initrd: new Uint8Array(readFileSync(initrd)),
    cmdline: opts.append ? `console=ttyAMA0 ${opts.append}` : "console=ttyAMA0",
    disk,
    console: con,
    ...(opts.net === undefined ? {} : { net: opts.net }),
    ...(opts.netDump === undefined ? {} : { netDump: opts.netDump }),
    ...(opts.uefi === undefined ? {} : { uefi: opts.uefi }),
    ...(opts.efiVariables === undefined ? {} : { efiVariables: opts.efiVariables }),
  });
  const t0 = Date.now();
  const stopped = machine.run();
  const shell = new GuestShell(con, (b) => machine.input(b), stopped);
  const markerOffset = await shell.ready(opts.bootTimeoutMs ?? 15 * 60_000);
  const bootMs = Date.now() - t0;
  const bootInstructions = machine.retired();
  const sh = (command: string, timeoutMs = 120_000): Promise<string> => shell.sh(command, timeoutMs);
  return {
    machine,
    console: con,
    disk,
    markerOffset,
    bootMs,
    bootInstructions,
    sh,
    stopped: stopped.then((r) => r),
  };
}

/** sha256 of the first `len` bytes of an in-memory disk, as hex. */
export function diskSha256(disk: MemoryBlockBackend, len: number): string {
  return createHash("sha256").update(disk.data.subarray(0, len)).digest("hex");
}

/** The sha256sum digests in a command's output, skipping any kernel console line printed in between. */
/** The virt board's five virtio-pci functions (blk, net, console, balloon, rng) as Linux names them. */
export const VIRTIO_PCI_FUNCTIONS = [
  "0000:00:01.0",
  "0000:00:02.0",
  "0000:00:03.0",
  "0000:00:04.0",
  "0000:00:05.0",
];

export const digests = (text: string): string[] => text.match(/\b[0-9a-f]{64}\b/g) ?? [text.trim()];

/**
 * The virtio disk (/dev/vda) through the guest: 256 KiB of random data written, the page cache
 * dropped, read back. The sha256 of what was written, of what the guest read back, and of the
 * host's copy of those bytes (the in-memory disk).
 */
export async function diskRoundTrip(
  s: LinuxSession,
): Promise<{ written: string; read: string; host: string }> {
  await s.sh("dd if=/dev/urandom of=/tmp/a bs=4096 count=64 2>/dev/null");
  await s.sh("dd if=/tmp/a of=/dev/vda bs=4096 count=64 conv=fsync 2>/dev/null");
  await s.sh("echo 3 > /proc/sys/vm/drop_caches");
  await s.sh("dd if=/dev/vda of=/tmp/b bs=4096 count=64 2>/dev/null");
  const [written = "", read = ""] = digests(await s.sh("sha256sum /tmp/a /tmp/b"));
  return { written, read, host: diskSha256(s.disk, 256 * 1024) };
}
