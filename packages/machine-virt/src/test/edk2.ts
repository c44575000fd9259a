import { execFileSync, spawn } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { guestFiles } from "./linux.js";
import { copyKernelModules, cpioGzip } from "./overlay.js";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..", "..");
/** Debian's qemu-efi-aarch64: AAVMF_CODE.fd/AAVMF_VARS.fd (pflash) and QEMU_EFI.fd (-bios). */
export const AAVMF_DIR = "/usr/share/AAVMF";
export const QEMU_EFI = "/usr/share/qemu-efi-aarch64/QEMU_EFI.fd";
/** The kernel's first line under EDK2 + GRUB: its EFI stub (or, without it, the first printk). */
export const KERNEL_FIRST_LINE = /EFI stub: Booting Linux Kernel|Booting Linux on physical CPU/;

/** qemu_fw_cfg and efivarfs from the guest's kernel package, as a gzip'd cpio to append. */
function moduleOverlay(dir: string, cache: string): Uint8Array {
  const root = join(dir, "overlay");
  copyKernelModules(dir, cache, ["qemu_fw_cfg", "efivarfs"], root);
  return cpioGzip(dir, root);
}

/**
 * A GPT disk in `dir` whose ESP boots the cloud kernel and the test initramfs (plus qemu_fw_cfg
 * and efivarfs as modules in /lib/modules) through GRUB (scripts/guest/make-efi-disk.sh).
 */
export function makeEfiDisk(dir: string): string {
  const { image, initrd } = guestFiles();
  const combined = join(dir, "initrd");
  writeFileSync(combined, Buffer.concat([readFileSync(initrd), moduleOverlay(dir, dirname(image))]));
  const disk = join(dir, "disk.img");
  execFileSync(
    "bash",
    [join(ROOT, "scripts", "guest", "make-efi-disk.sh"), disk, image, combined, "console=ttyAMA0"],
    { stdio: ["ignore", "ignore", "inherit"] },
  );
  return disk;
}

/** What QEMU printed and when the waited-for texts appeared (ms after start; undefined = never). */
export interface QemuRun {
  output: string;
  at: Array<number | undefined>;
  /** The process's exit ("timeout" when it was killed for taking longer than the limit). */
  end: string;
  /** Guest instructions executed, when run with an instruction-counting plugin. */
  instructions?: number;
}

/**
 * Boots `disk` on `qemu-system-aarch64 -M virt -cpu max -bios QEMU_EFI.fd` (virtio-blk, no
 * network, the disk read-only through a snapshot) until every pattern in `until` has appeared
 * in order, or `timeoutMs` passes; then kills it. `plugin`: a TCG plugin (bench/qemu-insn-count.c)
 * that prints `armature-insn-count: N` when QEMU exits; QEMU then gets SIGTERM instead of
 * SIGKILL, so N counts up to the last pattern (plus what runs while the signal is on its way).
 */
export function qemuEfiBoot(
  disk: string,
  until: readonly RegExp[],
  timeoutMs: number,
  plugin?: string,
): Promise<QemuRun> {
  return new Promise((resolve, reject) => {
    const args = [
      ...["-M", "virt", "-cpu", "max", "-m", "1024", "-nographic", "-no-reboot", "-nic", "none"],
      ...["-bios", QEMU_EFI],
      ...[
        "-drive",
        `if=none,id=d0,format=raw,snapshot=on,file=${disk}`,
        "-device",
        "virtio-blk-pci,drive=d0",
      ],
      ...(plugin === undefined ? [] : ["-plugin", plugin]),
    ];
    const t0 = Date.now();
    const p = spawn("qemu-system-aarch64", args, { stdio: ["pipe", "pipe", "pipe"] });
    let output = "";
    const at: Array<number | undefined> = until.map(() => undefined);
    let next = 0;
    let end = "";
    const timer = setTimeout(() => {
      end = "timeout";
      p.kill("SIGKILL");
    }, timeoutMs);
    const onData = (d: Buffer) => {
      output += d.toString("latin1");
      while (next < until.length && until[next]!.test(output)) at[next++] = Date.now() - t0;
      if (next === until.length && end === "") {
        end = "done";
        p.kill(plugin === undefined ? "SIGKILL" : "SIGTERM");
      }
    };
    p.stdout.on("data", onData);
    p.stderr.on("data", onData);
    p.on("error", (e) => {
      clearTimeout(timer);
      reject(new Error(`qemu-system-aarch64 did not start (apt-get install qemu-system-arm): ${e.message}`));
    });
    p.on("close", (code, signal) => {
      clearTimeout(timer);
      const n = /armature-insn-count: (\d+)/.exec(output);
      resolve({
        output,
        at,
        end: end || `exit ${code ?? signal}`,
        ...(n === null ? {} : { instructions: Number(n[1]) }),
      });
    });
  });
}

/**
 * SMBIOS type 1 (System Information) strings from a structure table: manufacturer and product
 * name (string numbers at offsets 4 and 5; strings follow the formatted area, NUL-separated).
 */
export function smbiosSystem(table: Uint8Array): { manufacturer: string; product: string } | undefined {
  let at = 0;
  while (at + 4 <= table.length) {
    const type = table[at]!;
    const len = table[at + 1]!;
    let end = at + len;
    const strings: string[] = [];
    while (end < table.length) {
      const z = table.indexOf(0, end);
      if (z < 0) return undefined;
      if (z === end) {
        end += strings.length === 0 ? 2 : 1;
        break;
      }
      strings.push(Buffer.from(table.subarray(end, z)).toString("latin1"));
      end = z + 1;
    }
    if (type === 1) {
      const s = (i: number) => strings[table[at + i]! - 1] ?? "";
      return { manufacturer: s(4), product: s(5) };
    }
    if (type === 127) return undefined;
    at = end;
  }
  return undefined;
}

/** `cmd`'s path on PATH (plus /usr/sbin and /sbin, as make-efi-disk.sh adds), or undefined. */
function onPath(cmd: string): string | undefined {
  for (const d of [...(process.env.PATH ?? "").split(":"), "/usr/sbin", "/sbin"])
    if (d !== "" && existsSync(join(d, cmd))) return join(d, cmd);
  return undefined;
}

/** Where GRUB's arm64 EFI modules come from: installed, cached, or downloadable (apt-get download). */
function grubArm64Missing(): string | undefined {
  const cache = process.env.ARMATURE_GRUB_CACHE ?? join(ROOT, ".cache", "grub");
  if (existsSync("/usr/lib/grub/arm64-efi/linux.mod")) return undefined;
  if (existsSync(join(cache, "x", "usr", "lib", "grub", "arm64-efi", "linux.mod"))) return undefined;
  let arches = "";
  try {
    arches = execFileSync("sh", ["-c", "dpkg --print-architecture; dpkg --print-foreign-architectures"], {
      encoding: "utf8",
    });
  } catch {
    return "GRUB's arm64 EFI modules (grub-efi-arm64-bin) are not installed and dpkg is missing";
  }
  if (!/^arm64$/m.test(arches))
    return "GRUB's arm64 EFI modules need apt's arm64 lists: run scripts/install-system-tools.sh as root (dpkg --add-architecture arm64; apt-get update)";
  return undefined;
}

/**
 * Why the EDK2 e2e cannot run here (a missing firmware file, QEMU, or a tool the disk image
 * needs, with what to install), or undefined when it can.
 */
export function edk2Missing(): string | undefined {
  if (!existsSync(join(AAVMF_DIR, "AAVMF_CODE.fd")) || !existsSync(join(AAVMF_DIR, "AAVMF_VARS.fd")))
    return `${AAVMF_DIR}/AAVMF_CODE.fd is missing: apt-get install qemu-efi-aarch64`;
  if (!existsSync(QEMU_EFI)) return `${QEMU_EFI} is missing: apt-get install qemu-efi-aarch64`;
  const tools: Record<string, string> = {
    "qemu-system-aarch64": "qemu-system-arm",
    "grub-mkstandalone": "grub-common",
    "mkfs.vfat": "dosfstools",
    mcopy: "mtools",
    mmd: "mtools",
    sgdisk: "gdisk",
    cpio: "cpio",
    xz: "xz-utils",
    gzip: "gzip",
    "dpkg-deb": "dpkg",
    "apt-get": "apt",
  };
  const absent = Object.keys(tools).filter((t) => onPath(t) === undefined);
  if (absent.length > 0)
    return `${absent.join(", ")} missing: apt-get install ${[...new Set(absent.map((t) => tools[t]))].join(" ")} (scripts/install-system-tools.sh)`;
  return grubArm64Missing();
}
