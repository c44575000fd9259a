// Disk images built by independent tools for the GPT/FAT readers' tests: dosfstools' mkfs.fat,
// mtools' mmd/mcopy and gdisk's sgdisk (Debian packages dosfstools, mtools, gdisk).

import { execFileSync } from "node:child_process";
import { readFileSync, truncateSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { withTempDir } from "@armature/core/test";

const MiB = 1024 * 1024;

export function haveDiskTools(): boolean {
  try {
    for (const t of ["mkfs.fat", "mcopy", "mmd", "sgdisk"])
      execFileSync("sh", ["-c", `command -v ${t}`], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

export interface ImageFile {
  /** "EFI/BOOT/BOOTAA64.EFI" (directories are created). */
  path: string;
  data: Uint8Array;
}

export interface FatImageOptions {
  fat: 12 | 16 | 32;
  sizeKiB: number;
  label?: string;
  /** Sectors per cluster (mkfs.fat -s). */
  sectorsPerCluster?: number;
  files: readonly ImageFile[];
  /** Extra (empty) directories. */
  dirs?: readonly string[];
}

/** Format `img` at byte `offset` (a multiple of 512) and copy the files in with mtools. */
export function formatFat(img: string, offset: number, o: FatImageOptions): void {
  const args = ["-F", String(o.fat), "-n", o.label ?? "ARMATURE", "-i", "12345678"];
  if (o.sectorsPerCluster !== undefined) args.push("-s", String(o.sectorsPerCluster));
  if (offset > 0) args.push("--offset", String(offset / 512));
  execFileSync("mkfs.fat", [...args, img, String(o.sizeKiB)], { stdio: "pipe" });
  const target = offset > 0 ? `${img}@@${offset}` : img;
  const env = { ...process.env, MTOOLS_SKIP_CHECK: "1", MTOOLS_NO_VFAT: undefined };
  const dirs = new Set<string>(o.dirs ?? []);
  for (const f of o.files) {
    let d = dirname(f.path);
    while (d !== "." && d !== "/" && d !== "") {
      dirs.add(d);
      d = dirname(d);
    }
  }
  const sorted = [...dirs].sort((a, b) => a.split("/").length - b.split("/").length || a.localeCompare(b));
  if (sorted.length > 0)
    execFileSync("mmd", ["-i", target, ...sorted.map((d) => `::/${d}`)], { env, stdio: "pipe" });
  withTempDir("armature-uefi-disk-", (tmp) => {
    o.files.forEach((f, i) => {
      const src = join(tmp, `f${i}`);
      writeFileSync(src, f.data);
      execFileSync("mcopy", ["-i", target, src, `::/${f.path}`], { env, stdio: "pipe" });
    });
  });
}

/** A FAT volume image (no partition table). */
export function buildFatImage(o: FatImageOptions): Uint8Array {
  return withTempDir("armature-uefi-disk-", (dir) => {
    const img = join(dir, "fat.img");
    writeFileSync(img, "");
    truncateSync(img, o.sizeKiB * 1024);
    formatFat(img, 0, o);
    return new Uint8Array(readFileSync(img));
  });
}

export interface GptImagePartition {
  sizeMiB: number;
  /** sgdisk type code: "EF00" (EFI System), "8300" (Linux). */
  code: string;
  name: string;
  guid?: string;
  fat?: Omit<FatImageOptions, "sizeKiB">;
}

/** A GPT disk image written by sgdisk, partitions from LBA 2048, FAT volumes by mkfs.fat/mtools. */
export function buildGptImage(o: {
  sizeMiB: number;
  diskGuid?: string;
  partitions: readonly GptImagePartition[];
}): { image: Uint8Array; starts: number[] } {
  return withTempDir("armature-uefi-disk-", (dir) => {
    const img = join(dir, "disk.img");
    writeFileSync(img, "");
    truncateSync(img, o.sizeMiB * MiB);
    const args = ["-o"];
    if (o.diskGuid !== undefined) args.push("-U", o.diskGuid);
    const starts: number[] = [];
    let lba = 2048;
    o.partitions.forEach((p, i) => {
      const n = i + 1;
      args.push(
        "-n",
        `${n}:${lba}:${lba + (p.sizeMiB * MiB) / 512 - 1}`,
        "-t",
        `${n}:${p.code}`,
        "-c",
        `${n}:${p.name}`,
      );
      if (p.guid !== undefined) args.push("-u", `${n}:${p.guid}`);
      starts.push(lba * 512);
      lba += (p.sizeMiB * MiB) / 512;
    });
    execFileSync("sgdisk", [...args, img], { stdio: "pipe" });
    o.partitions.forEach((p, i) => {
      if (p.fat !== undefined) formatFat(img, starts[i]!, { ...p.fat, sizeKiB: p.sizeMiB * 1024 });
    });
    return { image: new Uint8Array(readFileSync(img)), starts };
  });
}
