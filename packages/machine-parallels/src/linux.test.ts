/**
 * The Parallels-like board's Linux proof, in one boot: Debian's generic arm64 kernel (fetched by scripts/fetch-guest.sh
 * --flavour generic) boots on the Parallels-like board with no `kernel` option: the built-in UEFI's
 * boot manager follows Boot0001 to \EFI\debian\vmlinuz on the disk's FAT32 EFI System Partition
 * (made by mkfs.fat + mcopy), whose EFI stub loads \EFI\debian\initrd.img through
 * SIMPLE_FILE_SYSTEM (`initrd=` in the boot option's data). Then,
 * from inside the guest, sees what seed 000's Parallels VM showed: the CPU features, UEFI + ACPI +
 * SMBIOS and no device tree, no PCI, the SMMUv3 with every DMA master in an IOMMU group, virtio0/1/2
 * = gpu/balloon/net on virtio-mmio, a 128 GiB GPT disk as sda and the DVD-ROM as sr0 on AHCI, and
 * USB buses 1-3 with the mouse, keyboard and camera. Linux is the judge throughout.
 */
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { buildIso9660, linuxAhciChecks } from "@armature/ahci/test";
import { GuestShell, ScriptedConsole } from "@armature/board/test";
import { FileBlockBackend, MemoryBlockBackend } from "@armature/core";
import { smmuGuestChecks } from "@armature/smmu/test";
import { addBootOption, VariableStore } from "@armature/uefi";
import { formatFat, haveDiskTools } from "@armature/uefi/test";
import { initrdWithUsbTools, linuxUsbChecks } from "@armature/usb/test";
import { afterAll, describe, expect, it } from "vitest";
import { ParallelsMachine } from "./machine.js";
import { GPT_TYPE, writeGpt } from "./test/gpt.js";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");
const GUEST = process.env.ARMATURE_GUEST_GENERIC_CACHE ?? join(ROOT, ".cache", "guest-generic");
const SEED_FEATURES =
  "fp asimd evtstrm aes pmull sha1 sha2 crc32 atomics fphp asimdhp cpuid asimdrdm jscvt fcma lrcpc dcpop sha3 asimddp sha512 asimdfhm dit uscat ilrcpc flagm ssbs sb paca pacg dcpodp flagm2 frint";
const GiB = 1024 ** 3;
const sha256 = (b: Uint8Array) => createHash("sha256").update(b).digest("hex");

function ensureGenericGuest(): void {
  if (["Image", "initramfs.cpio.gz"].every((f) => existsSync(join(GUEST, f)))) return;
  const r = spawnSync("bash", [join(ROOT, "scripts/fetch-guest.sh"), "--flavour", "generic"], {
    stdio: "inherit",
    timeout: 15 * 60_000,
  });
  if (r.status !== 0)
    throw new Error("cannot fetch the generic guest: run `bash scripts/fetch-guest.sh --flavour generic`");
}

const enabled = process.env.ARMATURE_E2E_PARALLELS !== "0";
const ESP = {
  number: 1,
  guid: "0e4b1c2d-3a5f-4b6e-8c7d-9f0a1b2c3d4e",
  firstLba: 2048,
  lastLba: 2048 + 1048576 - 1,
};
const BOOT_DATA = "initrd=\\EFI\\debian\\initrd.img console=ttyAMA0";

describe.skipIf(!enabled)("Debian's generic kernel on the Parallels-like board (one boot)", () => {
  const tmp = mkdtempSync(join(tmpdir(), "armature-parallels-"));
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  it(
    "sees the Parallels VM of seed 000 from inside",
    async () => {
      ensureGenericGuest();
      // A sparse 128 GiB disk with a 512 MiB EFI System Partition and a root partition.
      const diskPath = join(tmp, "disk.img");
      writeFileSync(diskPath, "");
      truncateSync(diskPath, 128 * GiB);
      const disk = new FileBlockBackend(diskPath);
      const lastLba = disk.size / 512 - 1;
      writeGpt(disk, "5f1e9a3c-2b7d-4e8f-a1c6-0d9b8e7f6a51", [
        {
          type: GPT_TYPE.efiSystem,
          guid: ESP.guid,
          name: "EFI",
          first: ESP.firstLba,
          last: ESP.lastLba,
        },
        {
          type: GPT_TYPE.linuxFilesystem,
          guid: "7a6b5c4d-3e2f-4a1b-9c8d-7e6f5a4b3c2d",
          name: "root",
          first: 2048 + 1048576,
          last: lastLba - 34,
        },
      ]);
      const isoFiles = [
        { name: "HELLO.TXT", data: new TextEncoder().encode("hello from the host\n") },
        { name: "RANDOM.BIN", data: new Uint8Array(200_000).map((_, i) => (i * 2654435761) >>> 24) },
      ];
      const iso = buildIso9660(isoFiles);

      const con = new ScriptedConsole();
      const initrd = initrdWithUsbTools(
        new Uint8Array(readFileSync(join(GUEST, "initramfs.cpio.gz"))),
        join(GUEST, "debs"),
      );
      // The kernel and the initramfs are files on the ESP's FAT32; Boot0001 names the kernel and
      // carries the command line the EFI stub reads (initrd= is loaded through SIMPLE_FILE_SYSTEM).
      if (!haveDiskTools())
        throw new Error("mkfs.fat/mtools/sgdisk missing: bash scripts/install-system-tools.sh");
      formatFat(diskPath, ESP.firstLba * 512, {
        fat: 32,
        sectorsPerCluster: 8, // mkfs.fat sizes clusters by the whole 128 GiB file otherwise
        sizeKiB: ((ESP.lastLba - ESP.firstLba + 1) * 512) / 1024,
        label: "EFI",
        files: [
          { path: "EFI/debian/vmlinuz", data: new Uint8Array(readFileSync(join(GUEST, "Image"))) },
          { path: "EFI/debian/initrd.img", data: initrd },
        ],
      });
      const efiVariables = new VariableStore();
      addBootOption(efiVariables, 1, {
        description: "Debian",
        partition: ESP,
        path: "\\EFI\\debian\\vmlinuz",
        optionalData: BOOT_DATA,
      });
      const t0 = Date.now();
      const m = new ParallelsMachine({
        efiVariables,
        disk,
        cdrom: new MemoryBlockBackend(iso, { readOnly: true, blockSize: 2048 }),
        console: con,
      });
      const stopped = m.run();
      const shell = new GuestShell(con, (b) => m.input(b), stopped);
      await shell.ready(20 * 60_000);
      const bootSeconds = (Date.now() - t0) / 1000;
      const bootInsns = m.retired();
      const sh = (command: string, timeoutMs = 300_000): Promise<string> => shell.sh(command, timeoutMs);
      const log = con.output;

      // The disk boot: no firmware complaint, the stub's initrd came from the ESP's FAT.
      expect.soft(log).not.toMatch(/UEFI: /);
      expect.soft(log).toMatch(/EFI stub: Loaded initrd from command line option/);
      expect.soft(m.firmware.calls.get("File.Read") ?? 0).toBeGreaterThan(0);
      expect.soft((await sh("cat /proc/cmdline")).trim()).toBe(BOOT_DATA);

      // Soft expectations: one boot reports every failed check.
      // CPU, firmware, ACPI, SMBIOS.
      expect
        .soft((await sh("grep -m1 Features /proc/cpuinfo")).replace(/^Features\s*:\s*/, "").trim())
        .toBe(SEED_FEATURES);
      expect.soft(log).toMatch(/Booting Linux on physical CPU 0x0000000000 \[0x410f0000\]/);
      expect.soft(log).toMatch(/hw-breakpoint: found 6 breakpoint and 4 watchpoint registers/);
      expect.soft(log).toMatch(/kvm \[1\]: HYP mode not available/);
      expect.soft(log).toMatch(/efi: EFI v2\.70 by EDK II/);
      expect.soft(log).toMatch(/ACPI: Using GIC for interrupt routing/);
      expect.soft(log).toMatch(/DMI: Parallels International GmbH\. Parallels ARM Virtual Machine/);
      expect.soft(log).toMatch(/ARMH0011:00: ttyAMA0 at MMIO 0x2110000 .*is a SBSA/);
      expect
        .soft(
          await sh(
            "cat /sys/class/dmi/id/sys_vendor /sys/class/dmi/id/product_name /sys/class/dmi/id/product_family",
          ),
        )
        .toBe("Parallels International GmbH.\nParallels ARM Virtual Machine\nParallels VM\n");
      expect
        .soft(
          await sh(
            "ls /sys/bus/pci/devices 2>/dev/null | wc -l; [ -e /proc/device-tree ] && echo DT || echo no-DT",
          ),
        )
        .toBe("0\nno-DT\n");

      // The SMMU: probed through IORT, every platform DMA master in an IOMMU group, no errors.
      const smmu = await smmuGuestChecks((c) => sh(c));
      expect.soft(smmu.problems.filter((p) => p !== "no virtio PCI devices found")).toEqual([]);
      const groups = (await sh("ls /sys/kernel/iommu_groups/*/devices | grep -v -e ':$' -e '^/' | sort"))
        .split("\n")
        .filter(Boolean);
      expect
        .soft(groups)
        .toEqual(["LNRO0005:00", "LNRO0005:01", "PNP0D10:00", "PNP0D20:00", "PRL4006:00", "PRL4010:00"]);

      // virtio0/1/2 = gpu, balloon, net on virtio-mmio; the NIC in Parallels' MAC range reaches the host side.
      expect
        .soft(
          await sh(
            'for d in /sys/bus/virtio/devices/virtio*; do echo "$(cat $d/device) $(basename $(readlink $d/driver))"; done',
          ),
        )
        .toBe("0x0010 virtio_gpu\n0x0005 virtio_balloon\n0x0001 virtio_net\n");
      expect.soft((await sh("cat /sys/class/net/eth0/address")).trim()).toMatch(/^00:1c:42:/);
      const ping = await sh(
        "ifconfig eth0 10.211.55.3 netmask 255.255.255.0 up; ping -c 1 -W 3 10.211.55.2 2>&1 | grep -o '[0-9]* packets received'",
      );
      expect.soft(ping.trim()).toBe("1 packets received");

      // AHCI: the 128 GiB GPT disk (sda, sda1, sda2) and the DVD-ROM (sr0 on scsi host 1).
      expect
        .soft(
          await sh(
            "cat /sys/block/sda/size /sys/block/sda/sda1/size; ls /sys/block/sda | grep -c '^sda[0-9]'",
          ),
        )
        .toBe(`${(128 * GiB) / 512}\n1048576\n2\n`);
      expect
        .soft(
          await sh(
            "cat /sys/class/scsi_host/host1/proc_name /sys/block/sr0/device/model /sys/block/sr0/device/rev",
          ),
        )
        .toMatch(/^ahci\nVirtual DVD-ROM *\nR103\n$/);
      const ahci = await linuxAhciChecks({
        sh,
        disk,
        diskBytes: 128 * GiB,
        diskModel: "ARMATURE HARDDISK",
        // In the root partition: the ESP holds the boot files.
        writeOffset: (ESP.lastLba + 1) * 512 + Math.floor(Math.random() * 1_000_000) * 4096,
        isoFiles,
        mode: "platform",
      });
      expect.soft(ahci.checks.filter((c) => !c.ok)).toEqual([]);
      expect.soft(isoFiles.map((f) => sha256(f.data)).length).toBe(2);

      // USB: EHCI is bus 1 (480), the xHCI's buses 2 (480) and 3 (5000) with the three devices.
      const usb = await linuxUsbChecks({ sh, keyboard: m.keyboard, pointer: "mouse", frames: 2 });
      expect.soft(usb.checks.filter((c) => !c.ok)).toEqual([]);

      // The power button: the GED's interrupt → _EVT → Notify(PWRB) → Linux's button driver, which
      // reports KEY_POWER (116) pressed and released on its "Power Button" input device.
      const pwr = (
        await sh(
          'for e in /sys/class/input/event*; do grep -qx "Power Button" $e/device/name 2>/dev/null && echo /dev/input/$(basename $e); done',
        )
      ).trim();
      expect(pwr, "a Power Button input device").toMatch(/^\/dev\/input\/event\d+$/);
      await sh(`rm -f /tmp/pwr.out; (/usb-tests/evkeys ${pwr} 2 > /tmp/pwr.out 2>&1 &); sleep 1`);
      m.powerButton();
      let pressed = "";
      for (let i = 0; i < 30 && (pressed.match(/^KEY /gm) ?? []).length < 2; i++)
        pressed = await sh("sleep 1; cat /tmp/pwr.out");
      expect
        .soft([...pressed.matchAll(/^KEY (\d+) (-?\d+)/gm)].map((x) => [Number(x[1]), Number(x[2])]))
        .toEqual([
          [116, 1],
          [116, 0],
        ]);

      expect.soft((await sh("dmesg | grep -c -E 'Oops|BUG:|WARNING:|HC died'")).trim()).toBe("0");
      m.input(new TextEncoder().encode("poweroff -f\n"));
      expect(await stopped).toBe("poweroff");
      process.stderr.write(
        `[parallels] shell after ${bootSeconds.toFixed(1)} s (${(bootInsns / 1e6).toFixed(0)} M instructions); all checks after ${((Date.now() - t0) / 1000).toFixed(1)} s\n`,
      );
    },
    40 * 60_000,
  );
});
