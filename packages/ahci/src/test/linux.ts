import { createHash } from "node:crypto";
import type { BlockBackend } from "@armature/core";

/** What the guest-side AHCI checks need from a booted Linux and the host. */
export interface LinuxAhciCheckInput {
  /** Run a shell command in the guest; resolves with its output. */
  sh(command: string, timeoutMs?: number): Promise<string>;
  /** The SATA disk's backend: the host's view of it, read after the guest wrote. */
  disk: Pick<BlockBackend, "read">;
  /** Disk size in bytes. */
  diskBytes: number;
  /** Disk model the dmesg line must show (IDENTIFY words 27-46). */
  diskModel: string;
  /** DVD product and revision (default "Virtual DVD-ROM", "R103"). */
  dvdProduct?: string;
  dvdRevision?: string;
  /** Files on the ISO in the drive (level-1 names as on the ISO, e.g. "HELLO.TXT"). */
  isoFiles: ReadonlyArray<{ name: string; data: Uint8Array }>;
  /** Module to insmod for `mount -t iso9660` if not built in (path in the guest). */
  isofsModule?: string;
  /** A guest program that ejects /dev/sr0 (CDROMEJECT); the eject check is skipped without it. */
  ejectProgram?: string;
  /** Host side: is a medium in the drive now? (for the eject check) */
  mediumPresent?: () => boolean;
  /** Byte offset for the 1 MiB write (default: random, 512-aligned, inside the disk). */
  writeOffset?: number;
  /** "PCI" (ahci.ko: "SATA mode") or "platform" (ahci_platform: "platform mode"). */
  mode: "PCI" | "platform";
}

export interface LinuxAhciCheckResult {
  /** Each check with what was seen; all must be ok. */
  checks: Array<{ name: string; ok: boolean; detail: string }>;
  dmesg: string;
}

const sha256 = (b: Uint8Array) => createHash("sha256").update(b).digest("hex");

/**
 * The guest-side proof that AHCI works under Linux, as a reusable sequence: the driver's banner
 * (AHCI 0001.0301, 32 slots, 6 Gbps), the ATA disk and ATAPI DVD identification lines, sr0
 * attached, /sys/block/sda/size equal to the image, a 1 MiB write at a random offset read back
 * with the same sha256 in the guest and in the host image, the ISO mounted and every file's
 * sha256 equal to the host's, and an eject from the guest seen by the host (then no medium).
 */
export async function linuxAhciChecks(o: LinuxAhciCheckInput): Promise<LinuxAhciCheckResult> {
  const checks: LinuxAhciCheckResult["checks"] = [];
  const check = (name: string, ok: boolean, detail: string) => checks.push({ name, ok, detail });
  const dmesg = await o.sh("dmesg");
  const product = o.dvdProduct ?? "Virtual DVD-ROM";
  const revision = o.dvdRevision ?? "R103";
  const modeWord = o.mode === "PCI" ? "SATA" : "platform";
  const banner = new RegExp(
    `ahci.*AHCI 0001\\.0301 32 slots (\\d+) ports 6 Gbps 0x[0-9a-f]+ impl ${modeWord} mode`,
  ).exec(dmesg);
  check(
    "ahci banner",
    banner !== null,
    banner?.[0] ?? "no `AHCI 0001.0301 32 slots ... 6 Gbps ... mode` line",
  );
  const ata = new RegExp(`ata1\\.00: ATA-\\d+: ${o.diskModel.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}`).exec(
    dmesg,
  );
  check("ata1 disk", ata !== null, ata?.[0] ?? "no `ata1.00: ATA-…` line with the model");
  const atapi = new RegExp(`ata2\\.00: ATAPI: ${product}, ${revision}`).exec(dmesg);
  check("ata2 atapi", atapi !== null, atapi?.[0] ?? `no \`ata2.00: ATAPI: ${product}, ${revision}\``);
  const sr0 = /Attached scsi CD-ROM sr0/.exec(dmesg);
  check("sr0", sr0 !== null, sr0?.[0] ?? "no `Attached scsi CD-ROM sr0`");
  const size = (await o.sh("cat /sys/block/sda/size")).trim();
  check(
    "sda size",
    size === String(o.diskBytes / 512),
    `/sys/block/sda/size = ${size}, image ${o.diskBytes / 512} sectors`,
  );

  // 1 MiB write at a random sector, read back through a dropped page cache.
  const mib = 1 << 20;
  const off = o.writeOffset ?? Math.floor(Math.random() * ((o.diskBytes - mib) / 512)) * 512;
  const sector = off / 512;
  const w = await o.sh(
    `dd if=/dev/urandom of=/tmp/p bs=65536 count=16 2>/dev/null; sha256sum /tmp/p; ` +
      `dd if=/tmp/p of=/dev/sda bs=512 seek=${sector} conv=fsync 2>/dev/null; sync; echo 3 > /proc/sys/vm/drop_caches; ` +
      `dd if=/dev/sda bs=512 skip=${sector} count=2048 2>/dev/null | sha256sum`,
    300_000,
  );
  const sums = [...w.matchAll(/\b([0-9a-f]{64})\b/g)].map((m) => m[1]!);
  const written = new Uint8Array(mib);
  o.disk.read(off, written);
  const host = sha256(written);
  check(
    "1 MiB write/read-back",
    sums.length === 2 && sums[0] === sums[1] && sums[0] === host,
    `offset ${off}: written ${sums[0]}, read back ${sums[1]}, host image ${host}`,
  );

  // Mount the ISO and compare every file.
  if (o.isofsModule) await o.sh(`insmod ${o.isofsModule} 2>&1`);
  const m = await o.sh(
    "mkdir -p /mnt/cd; mount -t iso9660 -o ro /dev/sr0 /mnt/cd 2>&1 && ls /mnt/cd && sha256sum /mnt/cd/*",
    300_000,
  );
  let allFiles = true;
  const details: string[] = [];
  for (const f of o.isoFiles) {
    const guestName = f.name.toLowerCase();
    const want = sha256(f.data);
    const got = new RegExp(`([0-9a-f]{64})\\s+/mnt/cd/${guestName.replace(/\./g, "\\.")}\\b`, "i").exec(
      m,
    )?.[1];
    if (got !== want) allFiles = false;
    details.push(`${guestName}: ${got ?? "missing"} (host ${want.slice(0, 12)}…)`);
  }
  check(
    "iso mount + sha256",
    allFiles && o.isoFiles.length > 0,
    `${details.join("; ")}${allFiles ? "" : `\n${m}`}`,
  );

  // Eject from the guest: the host sees the drive empty, and the guest then reads no medium.
  if (o.ejectProgram !== undefined) {
    const e = await o.sh(`umount /mnt/cd; ${o.ejectProgram} /dev/sr0 && echo EJECTED`);
    const hostEmpty = o.mediumPresent !== undefined ? !o.mediumPresent() : true;
    check(
      "guest eject",
      /EJECTED/.test(e) && hostEmpty,
      `guest: ${e.trim() || "(nothing)"}; host medium present: ${!hostEmpty}`,
    );
    const r = await o.sh("dd if=/dev/sr0 of=/dev/null bs=2048 count=1 2>&1; echo rc=$?");
    check("empty drive", /No medium found|rc=1/.test(r), r.trim());
  }
  return { checks, dmesg };
}
