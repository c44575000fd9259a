// Debian's arm64 cloud kernel boots through its EFI stub on this firmware (virt board parts):
// with the board's DT in the EFI configuration table, and with ACPI + SMBIOS instead.
// Slow (tens of seconds each): run with ARMATURE_E2E_UEFI=1.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { bootLinuxEfi, checkEfiBootLog } from "./testing/linux-virt.js";

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
