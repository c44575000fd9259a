// The built-in UEFI on the vz layout with the DT (CI boots the qemu layout through the built-in UEFI with
// ACPI: linux-qemu.test.ts). Opt-in, one more Linux boot: ARMATURE_E2E_UEFI=1.
import { VariableStore } from "@armature/uefi";
import { describe, expect, it } from "vitest";
import { bootLinux } from "./test/linux.js";

const GUID = "6c1e6f0b-5f0e-4b5c-9a3e-2b7d8a1c9e42";

describe.skipIf(process.env.ARMATURE_E2E_UEFI !== "1")(
  "Debian Linux through the built-in UEFI on the vz layout, DT in the EFI configuration table",
  () => {
    it("the stub takes the DT and the RNG protocol; efivarfs, rtc-efi; a guest variable reaches the host; reboot is ResetSystem", async () => {
      const vars = new VariableStore();
      vars.set(GUID, "ArmatureHost", 7, new TextEncoder().encode("hi"));
      const s = await bootLinux({ layout: "vz", uefi: true, efiVariables: vars });
      const log = s.console.output.slice(0, s.markerOffset);
      expect(log).toMatch(/efi: EFI v2\.70 by EDK II/);
      expect(log).toMatch(/EFI stub: Using DTB from configuration table/);
      expect(log).toMatch(/efi: .*RNG=0x[0-9a-f]+/);
      expect(log).not.toMatch(/ACPI: RSDP/);
      expect((await s.sh("cat /proc/device-tree/model")).replace(/\0/g, "")).toMatch(/armature,virt-vz/);
      const ls = await s.sh(
        "mount -t efivarfs efivarfs /sys/firmware/efi/efivars && ls /sys/firmware/efi/efivars",
      );
      expect(ls).toContain(`ArmatureHost-${GUID}`);
      expect(await s.sh("dmesg | grep rtc-efi")).toMatch(/rtc-efi rtc-efi\.0: registered as rtc\d/);
      await s.sh(`printf '\\007\\000\\000\\000guest' > /sys/firmware/efi/efivars/ArmatureGuest-${GUID}`);
      expect(new TextDecoder().decode(vars.get(GUID, "ArmatureGuest")?.data)).toBe("guest");
      s.machine.input(new TextEncoder().encode("reboot -f\n"));
      expect(await s.stopped).toBe("reset");
      expect(s.machine.uefi?.calls.get("RT.ResetSystem")).toBe(1);
    }, 1_800_000);
  },
);
