// A small EFI application cross-compiled with Debian's aarch64-linux-gnu-gcc and converted to PE
// by GNU objcopy (--target=pei-aarch64-little): an image made by an independent toolchain, run on
// the real interpreter against the firmware. Skipped when the cross toolchain is absent.

import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it, onTestFinished } from "vitest";
import { parsePe } from "./pe.js";
import { runOnCpu } from "./test/run-on-cpu.js";

const APP = String.raw`
typedef unsigned long long u64; typedef unsigned short u16; typedef unsigned int u32; typedef unsigned char u8;
typedef u64 (*fn)();
struct st { u64 sig; u32 rev, size, crc, res; u16 *vendor; u32 fwrev; void *cih; void **conin; void *coh;
  void **conout; void *seh; void *stderr; void **rt; void **bs; u64 n; void *ct; };
static u16 hello[] = u"Hello from an EFI app\r\n";
static u16 poolok[] = u"pool ok\r\n";
static u16 varok[] = u"var ok\r\n";
static u16 varbad[] = u"var BAD\r\n";
static u16 name[] = u"ArmatureTest";
static const u8 guid[16] = {1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16};
static const char value[5] = {'h','e','l','l','o'};
#define BS(i) ((fn)st->bs[3 + (i)])
#define RT(i) ((fn)st->rt[3 + (i)])
u64 efi_main(void *image, struct st *st) {
  fn out = (fn)st->conout[1];
  out(st->conout, hello);
  u8 *p = 0;
  if (BS(5)(2, 64, &p) == 0 && p) { for (int i = 0; i < 64; i++) p[i] = i; if (p[63] == 63) out(st->conout, poolok); }
  BS(6)(p);
  if (RT(8)(name, guid, 7, 5, value) != 0) return 0x8000000000000007ull;
  char back[8]; u64 size = sizeof back; u32 attrs = 0;
  u64 s = RT(6)(name, guid, &attrs, &size, back);
  out(st->conout, (s == 0 && size == 5 && attrs == 7 && back[0] == 'h' && back[4] == 'o') ? varok : varbad);
  BS(24)(image, 0x1234, 0, 0);  /* Exit */
  return 0xdead;
}
`;

function haveCrossGcc(): boolean {
  try {
    execFileSync("aarch64-linux-gnu-gcc", ["--version"], { stdio: "ignore" });
    execFileSync("aarch64-linux-gnu-objcopy", ["--version"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

describe.skipIf(!haveCrossGcc())("an EFI application built by gcc + objcopy", () => {
  it("prints through ConOut, allocates pool, sets and reads a variable, and Exit()s with its status", () => {
    const dir = mkdtempSync(join(tmpdir(), "uefi-app-"));
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
    writeFileSync(join(dir, "app.c"), APP);
    execFileSync("aarch64-linux-gnu-gcc", [
      "-O2",
      "-ffreestanding",
      "-fno-stack-protector",
      "-fno-pic",
      "-fno-pie",
      "-nostdlib",
      "-static",
      "-Wl,-e,efi_main",
      "-Wl,--no-dynamic-linker",
      "-Wl,-Ttext-segment=0x10000",
      "-Wl,-z,max-page-size=0x1000",
      "-o",
      join(dir, "app.elf"),
      join(dir, "app.c"),
    ]);
    execFileSync("aarch64-linux-gnu-objcopy", [
      "--target=pei-aarch64-little",
      "--subsystem=10",
      "-R",
      ".comment",
      join(dir, "app.elf"),
      join(dir, "app.efi"),
    ]);
    const image = new Uint8Array(readFileSync(join(dir, "app.efi")));
    // The header fields as objdump -p (GNU's reader) reports them.
    const dump = execFileSync("aarch64-linux-gnu-objdump", ["-p", join(dir, "app.efi")], {
      encoding: "utf8",
    });
    const pe = parsePe(image);
    const field = (n: string) => BigInt(`0x${new RegExp(`${n}\\s+([0-9a-f]+)`).exec(dump)![1]}`);
    expect(BigInt(pe.entryRva)).toBe(field("AddressOfEntryPoint"));
    expect(BigInt(pe.sizeOfImage)).toBe(field("SizeOfImage"));
    expect(pe.imageBase).toBe(field("ImageBase"));
    expect(BigInt(pe.sectionAlignment)).toBe(field("SectionAlignment"));
    expect(pe.subsystem).toBe(10);

    const r = runOnCpu({ image, imageAlign: 0x1000 });
    expect(r.end).toBe("exit");
    expect(r.output).toBe("Hello from an EFI app\r\npool ok\r\nvar ok\r\n");
    expect(r.fw.exitStatus).toBe(0x1234n);
    expect(r.fw.variables.get("04030201-0605-0807-090a-0b0c0d0e0f10", "ArmatureTest")?.attributes).toBe(7);
  });
});
