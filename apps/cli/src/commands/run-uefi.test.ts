import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { guidBytes, VariableStore } from "@armature/uefi";
import { buildTestPe } from "@armature/uefi/test";
import { describe, expect, it } from "vitest";
import { assembleWords, run, withTempDir } from "../test/cli.js";
import { parseRunOptions } from "./run.js";

const GUID = "6c1e6f0b-5f0e-4b5c-9a3e-2b7d8a1c9e42";

/**
 * An EFI application assembled by GNU as: SetVariable(L"ArmatureCli", GUID, NV|BS|RT, "ok"),
 * then ResetSystem(EfiResetShutdown). EFI_SYSTEM_TABLE.RuntimeServices is at +88; in
 * EFI_RUNTIME_SERVICES SetVariable is at +88 and ResetSystem at +104 (UEFI 2.10 §4.3, §4.5).
 */
function setVariableApp(dir: string): Uint8Array {
  const name = [..."ArmatureCli"].map((c) => c.charCodeAt(0)).concat(0);
  const src = `
    mov x19, x1
    adr x0, name
    adr x1, guid
    mov x2, #7
    mov x3, #2
    adr x4, data
    ldr x9, [x19, #88]
    ldr x9, [x9, #88]
    blr x9
    ldr x9, [x19, #88]
    ldr x9, [x9, #104]
    mov x0, #2
    mov x1, #0
    mov x2, #0
    mov x3, #0
    blr x9
1:  b 1b
    .balign 8
name: .short ${name.join(",")}
    .balign 8
guid: .byte ${[...guidBytes(GUID)].join(",")}
data: .ascii "ok"
    .balign 4
`;
  return buildTestPe({ code: assembleWords(dir, src, "app") });
}

describe("armature run --firmware uefi (the virt board's built-in UEFI)", () => {
  it("checks its options before anything starts", async () => {
    await withTempDir("armature-run-uefi-", async (dir) => {
      const k = join(dir, "k");
      writeFileSync(k, "x");
      const v = ["--machine", "virt"];
      expect(parseRunOptions([...v, "--firmware", "uefi", "--acpi", "--kernel", k])).toMatchObject({
        uefi: { acpi: true },
        kernel: k,
      });
      expect(
        parseRunOptions([...v, "--firmware", "uefi", "--kernel", k, "--efi-vars", join(dir, "v")]),
      ).toMatchObject({ uefi: { acpi: false }, efiVars: join(dir, "v") });
      expect(parseRunOptions([...v, "--firmware", "uefi", "--acpi", "on", "--kernel", k])).toMatchObject({
        uefi: { acpi: true },
      });
      expect(parseRunOptions([...v, "--firmware", "uefi", "--acpi", "off", "--kernel", k])).toMatchObject({
        uefi: { acpi: false },
      });
      expect((await run(["run", ...v, "--acpi", "--kernel", k])).err).toMatch(
        /--acpi goes with --firmware uefi or --bios/,
      );
      expect((await run(["run", ...v, "--firmware", "uefi"])).err).toMatch(/--kernel FILE is required/);
      expect((await run(["run", ...v, "--firmware", "bios", "--kernel", k])).code).toBe(2);
      expect(
        (await run(["run", ...v, "--layout", "qemu", "--firmware", "uefi", "--bios", k, "--kernel", k])).err,
      ).toMatch(/give one/);
      expect(
        (await run(["run", ...v, "--firmware", "uefi", "--acpi", "--dtb", k, "--kernel", k])).err,
      ).toMatch(/no device tree/);
    });
  });

  for (const [layout, acpi] of [
    ["vz", false],
    ["qemu", true],
  ] as const) {
    it(`${layout} layout${acpi ? " with --acpi" : ""}: an EFI application sets a variable kept in --efi-vars and powers off (exit 0)`, async () => {
      await withTempDir("armature-run-uefi-", async (dir) => {
        writeFileSync(join(dir, "app.efi"), setVariableApp(dir));
        const vars = join(dir, "vars.json");
        const r = await run([
          "run",
          "--machine",
          "virt",
          "--layout",
          layout,
          "--firmware",
          "uefi",
          ...(acpi ? ["--acpi"] : []),
          "--efi-vars",
          vars,
          "--kernel",
          join(dir, "app.efi"),
          "--memory",
          "128",
          "--net",
          "none",
          "--max-instructions",
          "10000000",
        ]);
        expect(r.err).not.toMatch(/warning/);
        expect(r.code).toBe(0);
        const got = new VariableStore(vars).get(GUID, "ArmatureCli");
        expect(got?.attributes).toBe(7);
        expect(new TextDecoder().decode(got?.data)).toBe("ok");
      });
    });
  }
});
