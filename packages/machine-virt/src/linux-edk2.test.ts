/**
 * Issue #23's proof (opt-in: ARMATURE_E2E_EDK2=1; one boot of a few minutes on the interpreter):
 * Debian's EDK2 (AAVMF_CODE.fd, package qemu-efi-aarch64) on the qemu layout boots GRUB
 * (grub-efi-arm64-bin via grub-mkstandalone) from a GPT disk made here
 * (scripts/guest/make-efi-disk.sh), GRUB boots the cloud kernel and the test initramfs from the
 * ESP, and the guest shows EDK2's EFI, our ACPI tables through fw_cfg's table loader, our
 * SMBIOS, the fw_cfg files in sysfs, and writes a UEFI variable that lands in the --efi-vars file.
 * ARMATURE_E2E_QEMU=1 also boots the same image on QEMU (-M virt -bios) as a cross-check.
 */
import { execFileSync, spawnSync } from "node:child_process";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { GuestShell, ScriptedConsole } from "@armature/board/test";
import { VIRT_FLASH_BANK_SIZE } from "@armature/cfi-flash";
import { FileBlockBackend } from "@armature/core";
import { describe, expect, it } from "vitest";
import { FlashFile } from "./index.js";
import { VirtMachine } from "./machine.js";
import { guestFiles } from "./test/linux.js";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");
const AAVMF = "/usr/share/AAVMF";
const enabled = process.env.ARMATURE_E2E_EDK2 === "1";
const MARKER = "ARMATURE-SHELL-READY";
/** A GUID of our own for the test variable. */
const VAR_NAME = "ArmatureTest-5d6b3e8c-6a43-4c55-9d6e-3a1f0b7c2e11";

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

function makeDisk(dir: string): string {
  const { image, initrd } = guestFiles();
  const cache = dirname(image);
  const combined = join(dir, "initrd");
  writeFileSync(combined, Buffer.concat([readFileSync(initrd), moduleOverlay(dir, cache)]));
  const disk = join(dir, "disk.img");
  execFileSync(
    "bash",
    [join(ROOT, "scripts", "guest", "make-efi-disk.sh"), disk, image, combined, "console=ttyAMA0"],
    {
      stdio: ["ignore", "ignore", "inherit"],
    },
  );
  return disk;
}

describe.skipIf(!enabled)("EDK2 (AAVMF) + GRUB + Linux on the qemu layout (issue #23)", () => {
  it("boots GRUB from a GPT disk and Linux through it, with ACPI, SMBIOS, fw_cfg and UEFI variables", async () => {
    expect(existsSync(join(AAVMF, "AAVMF_CODE.fd")), "apt-get install qemu-efi-aarch64").toBe(true);
    const dir = mkdtempSync(join(tmpdir(), "armature-edk2-e2e-"));
    try {
      const diskPath = makeDisk(dir);
      const varsPath = join(dir, "vars.fd");
      const vars = FlashFile.open(varsPath, {
        size: VIRT_FLASH_BANK_SIZE,
        template: new Uint8Array(readFileSync(join(AAVMF, "AAVMF_VARS.fd"))),
      });
      const con = new ScriptedConsole(
        process.env.ARMATURE_E2E_ECHO ? (s) => process.stderr.write(s) : undefined,
      );
      const m = new VirtMachine({
        layout: "qemu",
        net: "none",
        firmware: {
          code: new Uint8Array(readFileSync(join(AAVMF, "AAVMF_CODE.fd"))),
          vars: vars.data,
          onVarsChange: () => vars.changed(),
        },
        disk: new FileBlockBackend(diskPath),
        console: con,
      });
      const t0 = Date.now();
      const stopped = m.run();
      const shell = new GuestShell(con, (b) => m.input(b), stopped);
      await shell.wait("UEFI firmware", 0, 60_000, "EDK2's banner");
      await shell.wait("GRUB: booting", 0, 300_000, "GRUB");
      await shell.wait(
        /EFI stub: Booting Linux Kernel|Booting Linux on physical CPU/,
        0,
        120_000,
        "the kernel",
      );
      const kernelMs = Date.now() - t0;
      const kernelInstr = m.retired();
      await shell.ready(600_000);
      const markerMs = Date.now() - t0;
      // Each command's own output, up to its prompt (GuestShell brackets it with markers).
      const sh = (cmd: string): Promise<string> => shell.sh(cmd, 120_000);
      const dmesg = await sh("dmesg | grep -E 'efi: EFI v|ACPI: RSDP|ACPI: (IORT|MCFG|FACP)|DMI:'");
      expect(dmesg).toMatch(/efi: EFI v2\.7\d* by EDK II/);
      expect(dmesg).toMatch(/ACPI: RSDP 0x[0-9A-F]+ 000024 \(v02 /);
      expect(dmesg).toMatch(/ACPI: MCFG/);
      expect(dmesg).toMatch(/DMI: Armature Armature virt/);
      const fwcfg = await sh(
        "insmod /lib/modules/qemu_fw_cfg.ko; ls /sys/firmware/qemu_fw_cfg/by_name/etc/acpi/",
      );
      expect(fwcfg).toMatch(/tables/);
      expect(fwcfg).toMatch(/rsdp/);
      const efivar = await sh(
        `insmod /lib/modules/efivarfs.ko; mount -t efivarfs none /sys/firmware/efi/efivars; printf '\\007\\000\\000\\000armature' > /sys/firmware/efi/efivars/${VAR_NAME}; cat /sys/firmware/efi/efivars/${VAR_NAME} | tail -c 8`,
      );
      expect(efivar).toMatch(/armature/);
      m.input(new TextEncoder().encode("poweroff -f\n"));
      expect(await stopped).toBe("poweroff");
      vars.close();
      // The variable is in the store file (UTF-16 name), so the next boot from it sees it.
      const saved = readFileSync(varsPath);
      expect(saved.includes(Buffer.from("ArmatureTest", "utf16le"))).toBe(true);
      console.log(
        `edk2 e2e: kernel's first line after ${(kernelMs / 1000).toFixed(1)} s / ${(kernelInstr / 1e6).toFixed(0)} M instructions; shell marker after ${(markerMs / 1000).toFixed(1)} s / ${(m.retired() / 1e6).toFixed(0)} M`,
      );

      if (process.env.ARMATURE_E2E_QEMU === "1") {
        // The same image on QEMU, so it is not tuned to us.
        const qvars = join(dir, "qvars.fd");
        writeFileSync(qvars, readFileSync(join(AAVMF, "AAVMF_VARS.fd")));
        const q = spawnSync(
          "sh",
          [
            "-c",
            `(sleep 60; echo) | timeout 120 qemu-system-aarch64 -M virt -cpu cortex-a72 -m 1024 -nographic -no-reboot ` +
              `-drive if=pflash,format=raw,readonly=on,file=${AAVMF}/AAVMF_CODE.fd -drive if=pflash,format=raw,file=${qvars} ` +
              `-drive if=none,id=d0,format=raw,file=${diskPath} -device virtio-blk-pci,drive=d0 2>&1 | head -c 400000`,
          ],
          { encoding: "latin1", maxBuffer: 1 << 20 },
        );
        expect(q.stdout).toMatch(/GRUB: booting/);
        expect(q.stdout).toMatch(MARKER);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 1_500_000);
});
