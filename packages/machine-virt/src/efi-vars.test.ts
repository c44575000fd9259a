import { existsSync, readFileSync } from "node:fs";
import { VIRT_FLASH_BANK_SIZE } from "@armature/cfi-flash";
import { ConfigError } from "@armature/core";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { virtConfig } from "./config.js";
import { efiVarStoreProblem } from "./efi-vars.js";

// A variable store EDK2's build formatted (Debian's qemu-efi-aarch64: the Microsoft-keys store
// is a formatted volume; AAVMF_VARS.fd itself ships blank, all zeros).
const FORMATTED = "/usr/share/AAVMF/AAVMF_VARS.ms.fd";
const code = new Uint8Array(4096);

describe("EFI variable store check", () => {
  it("accepts blank banks (all 0x00 as Debian ships AAVMF_VARS.fd, all 0xFF erased)", () => {
    expect(efiVarStoreProblem(new Uint8Array(1 << 20))).toBeUndefined();
    expect(efiVarStoreProblem(new Uint8Array(1 << 20).fill(0xff))).toBeUndefined();
    const almost = new Uint8Array(1 << 20);
    almost[(1 << 20) - 1] = 1;
    expect(efiVarStoreProblem(almost)).toMatch(/not blank/);
  });

  it.skipIf(!existsSync(FORMATTED))("accepts EDK2's formatted store and refuses it corrupted", () => {
    const good = new Uint8Array(readFileSync(FORMATTED));
    expect(efiVarStoreProblem(good)).toBeUndefined();
    const flip = (at: number, v: number) => {
      const b = good.slice(0, 0x100000);
      b[at] = v;
      return efiVarStoreProblem(b);
    };
    expect(efiVarStoreProblem(good.slice(0, 0x100000))).toBeUndefined();
    expect(flip(0x28, 0)).toMatch(/_FVH/); // signature
    expect(flip(0x2c, good[0x2c]! ^ 1)).toMatch(/checksum/); // attributes, under the checksum
    expect(flip(0x48, good[0x48]! ^ 1)).toMatch(/signature .* unknown/); // the store's GUID
    expect(flip(0x5c, 0xff)).toMatch(/formatted and healthy/);
    expect(flip(0x5d, 0x7e)).toMatch(/formatted and healthy/);
    // Any change to the header's bytes is caught (the checksum covers all of them).
    fc.assert(
      fc.property(fc.integer({ min: 0x10, max: 0x47 }), fc.integer({ min: 1, max: 255 }), (at, x) => {
        expect(flip(at, good[at]! ^ x)).toBeDefined();
      }),
    );
  });

  it("the board refuses a corrupt store with a ConfigError that says what to do", () => {
    const vars = new Uint8Array(VIRT_FLASH_BANK_SIZE);
    vars.set([0x5f, 0x46, 0x56, 0x48], 0x28); // a signature, nothing else
    expect(() => virtConfig({ layout: "qemu", firmware: { code, vars } })).toThrow(ConfigError);
    expect(() => virtConfig({ layout: "qemu", firmware: { code, vars } })).toThrow(/corrupt .* template/);
    vars.fill(0xff);
    expect(() => virtConfig({ layout: "qemu", firmware: { code, vars } })).not.toThrow();
  });
});
