import { describe, expect, it } from "vitest";
import { kernelFacts, uefiKernelFacts } from "./kernel.js";

describe("uefiKernelFacts (a kernel the built-in UEFI starts)", () => {
  it("a PE/COFF file (starting with the MS-DOS stub's MZ) that is no arm64 Image is an EFI application, without a warning", () => {
    const pe = new Uint8Array(4096);
    pe.set([0x4d, 0x5a]);
    const f = uefiKernelFacts(kernelFacts("app.efi", pe, 0x4000_0000), "app.efi", pe);
    expect(f.warning).toBeUndefined();
    expect(f.summary).toBe("EFI application, 4096 bytes");
  });

  it("a file without the PE/COFF header gets the warning the UEFI's loader would earn", () => {
    const raw = new Uint8Array(4096).fill(0x14);
    const f = uefiKernelFacts(kernelFacts("k.bin", raw, 0x4000_0000), "k.bin", raw);
    expect(f.warning).toBe(
      'kernel "k.bin" has no PE/COFF header (no EFI stub): the built-in UEFI cannot start it',
    );
  });
});
