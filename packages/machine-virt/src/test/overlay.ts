import { execFileSync } from "node:child_process";
import { mkdirSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

/**
 * Copies the kernel modules `modules` (by name, without `.ko`) from the guest's kernel package
 * (`<guest>/debs/linux-image-*.deb`, unpacked into `<dir>/x`) to `<root>/lib/modules/<name>.ko`,
 * decompressed for busybox insmod.
 */
export function copyKernelModules(
  dir: string,
  guest: string,
  modules: readonly string[],
  root: string,
): void {
  const debs = readdirSync(join(guest, "debs")).filter((f) => /^linux-image-.*\.deb$/.test(f));
  if (debs.length === 0) throw new Error(`no kernel .deb in ${guest}/debs: run scripts/fetch-guest.sh`);
  const x = join(dir, "x");
  mkdirSync(x);
  execFileSync("dpkg-deb", ["-x", join(guest, "debs", debs[0]!), x]);
  mkdirSync(join(root, "lib", "modules"), { recursive: true });
  for (const m of modules) {
    const ko = execFileSync("find", [x, "-name", `${m}.ko*`], { encoding: "utf8" })
      .trim()
      .split("\n")[0]!;
    if (ko === "") throw new Error(`module ${m} is not in ${debs[0]}`);
    const dst = join(root, "lib", "modules", `${m}.ko`);
    if (ko.endsWith(".xz")) execFileSync("sh", ["-c", `xz -dc '${ko}' > '${dst}'`]);
    else execFileSync("cp", [ko, dst]);
  }
}

/** The tree `root` as a gzip'd newc cpio archive (owned by root), to append to an initramfs. */
export function cpioGzip(dir: string, root: string): Uint8Array {
  const out = join(dir, "overlay.cpio.gz");
  execFileSync("sh", ["-c", `cd '${root}' && find . | cpio --quiet -o -H newc -R 0:0 | gzip -9n > '${out}'`]);
  return new Uint8Array(readFileSync(out));
}
