// Debian's arm64 cloud kernel boots through its EFI stub on this firmware (virt board parts):
// with the board's DT in the EFI configuration table, and with ACPI + SMBIOS instead.
// Slow (tens of seconds each): run with ARMATURE_E2E_UEFI=1.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { bootLinuxEfi, checkEfiBootLog } from "./testing/linux-virt.js";
import { VariableStore } from "./vars.js";

const kernelPath = join(import.meta.dirname, "../../../.cache/guest/Image");
const enabled = process.env.ARMATURE_E2E_UEFI === "1" && existsSync(kernelPath);

describe.skipIf(!enabled)("Linux EFI boot on the host-implemented firmware", () => {
  it("DT from the EFI config table, RNG protocol: the stub runs and the kernel reports EFI v2.70 by EDK II", async () => {
    const kernel = new Uint8Array(readFileSync(kernelPath));
    const r = await bootLinuxEfi({ kernel, entropy: true, until: /Remapping and enabling EFI services/ });
    expect(r.end).toBe("matched");
    expect(checkEfiBootLog(r.log, { acpi: false })).toEqual([]);
    expect(r.log).toMatch(/EFI stub: Using DTB from configuration table/);
    // The stub found EFI_RNG_PROTOCOL: it seeded the kernel (LINUX_EFI_RANDOM_SEED table) and placed it randomly.
    expect(r.log).toMatch(/efi: .*RNG=0x[0-9a-f]+/);
    expect(r.fw.calls.get("Rng.GetRNG")).toBeGreaterThan(0);
  }, 600_000);

  it("ACPI + SMBIOS: RSDP, DMI and the GIC from ACPI", async () => {
    const kernel = new Uint8Array(readFileSync(kernelPath));
    const r = await bootLinuxEfi({ kernel, acpi: true, until: /ACPI: Using GIC for interrupt routing/ });
    expect(r.end).toBe("matched");
    expect(checkEfiBootLog(r.log, { acpi: true })).toEqual([]);
    expect(r.log).toMatch(/EFI stub: Generating empty DTB/);
    expect(r.log).toMatch(/DMI: Armature/);
  }, 600_000);
});

const generic = join(import.meta.dirname, "../../../.cache/guest-generic");
describe.skipIf(!(process.env.ARMATURE_E2E_UEFI === "1" && existsSync(join(generic, "Image"))))(
  "Linux to a shell on the host-implemented firmware (generic kernel, initrd through LoadFile2)",
  () => {
    it("efivarfs lists a variable set by the host, rtc-efi registers, the guest's EFI variables persist", async () => {
      const vars = new VariableStore();
      vars.set("8be4df61-93ca-11d2-aa0d-00e098032b8c", "ArmatureHost", 7, new TextEncoder().encode("hi"));
      const r = await bootLinuxEfi({
        kernel: new Uint8Array(readFileSync(join(generic, "Image"))),
        initrd: new Uint8Array(readFileSync(join(generic, "initramfs.cpio.gz"))),
        cmdline: "console=ttyAMA0",
        until: /ARMATURE-SHELL-READY[\s\S]*# /,
        maxInstructions: 3_000_000_000,
        variables: vars,
        shell: [
          "mount -t efivarfs efivarfs /sys/firmware/efi/efivars",
          "ls /sys/firmware/efi/efivars",
          "dmesg | grep -i -E 'rtc|efi'",
          "printf '\\007\\000\\000\\000guest' > /sys/firmware/efi/efivars/ArmatureGuest-8be4df61-93ca-11d2-aa0d-00e098032b8c",
          "reboot -f", // arm64 restarts through EFI ResetSystem when runtime services work
        ],
      });
      expect(r.end).toBe("reset (cold)");
      expect(r.fw.calls.get("RT.ResetSystem")).toBe(1);
      // The initrd came through LoadFile2 (size query, then the copy); the stub records it in a table.
      expect(r.fw.calls.get("LoadFile2.LoadFile")).toBe(2);
      expect(r.log).toMatch(/efi: .*INITRD=0x[0-9a-f]+/);
      expect(r.shell[1]).toMatch(/ArmatureHost-8be4df61-93ca-11d2-aa0d-00e098032b8c/);
      expect(r.shell[2]).toMatch(/rtc-efi rtc-efi\.0: registered as rtc\d/);
      expect(
        new TextDecoder().decode(vars.get("8be4df61-93ca-11d2-aa0d-00e098032b8c", "ArmatureGuest")?.data),
      ).toBe("guest");
    }, 1_800_000);
  },
);
