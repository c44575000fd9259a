import { execFileSync, spawn } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { guestFiles } from "./linux.js";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..", "..");
/** Debian's qemu-efi-aarch64: AAVMF_CODE.fd/AAVMF_VARS.fd (pflash) and QEMU_EFI.fd (-bios). */
export const AAVMF_DIR = "/usr/share/AAVMF";
export const QEMU_EFI = "/usr/share/qemu-efi-aarch64/QEMU_EFI.fd";
/** The kernel's first line under EDK2 + GRUB: its EFI stub (or, without it, the first printk). */
export const KERNEL_FIRST_LINE = /EFI stub: Booting Linux Kernel|Booting Linux on physical CPU/;

/** qemu_fw_cfg and efivarfs from the guest's kernel package, as a gzip'd cpio to append. */
function moduleOverlay(dir: string, cache: string): Buffer {
  const debs = readdirSync(join(cache, "debs")).filter((f) => /^linux-image-.*\.deb$/.test(f));
  if (debs.length === 0) throw new Error(`no kernel .deb in ${cache}/debs: run scripts/fetch-guest.sh`);
  const x = join(dir, "x");
  mkdirSync(x);
  execFileSync("dpkg-deb", ["-x", join(cache, "debs", debs[0]!), x]);
  const root = join(dir, "overlay");
  mkdirSync(join(root, "lib", "modules"), { recursive: true });
  for (const m of ["qemu_fw_cfg", "efivarfs"]) {
    const ko = execFileSync("find", [x, "-name", `${m}.ko*`], { encoding: "utf8" })
      .trim()
      .split("\n")[0]!;
    if (ko === "") throw new Error(`module ${m} is not in ${debs[0]}`);
    const dst = join(root, "lib", "modules", `${m}.ko`);
    if (ko.endsWith(".xz")) execFileSync("sh", ["-c", `xz -dc '${ko}' > '${dst}'`]);
    else execFileSync("cp", [ko, dst]);
  }
  execFileSync("sh", [
    "-c",
    `cd '${root}' && find . | cpio --quiet -o -H newc -R 0:0 | gzip -9n > '${dir}/overlay.cpio.gz'`,
  ]);
  return readFileSync(join(dir, "overlay.cpio.gz"));
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
}

/**
 * Boots `disk` on `qemu-system-aarch64 -M virt -cpu max -bios QEMU_EFI.fd` (virtio-blk, no
 * network, the disk read-only through a snapshot) until every pattern in `until` has appeared
 * in order, or `timeoutMs` passes; then kills it.
 */
export function qemuEfiBoot(disk: string, until: readonly RegExp[], timeoutMs: number): Promise<QemuRun> {
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
        p.kill("SIGKILL");
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
      resolve({ output, at, end: end || `exit ${code ?? signal}` });
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

/** Whether the EDK2 e2e can run here (the firmware package and QEMU). */
export function edk2Missing(): string | undefined {
  if (!existsSync(join(AAVMF_DIR, "AAVMF_CODE.fd")) || !existsSync(QEMU_EFI))
    return "apt-get install qemu-efi-aarch64";
  return undefined;
}
