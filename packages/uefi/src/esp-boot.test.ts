// The boot manager end to end on the real interpreter: a gcc-built EFI application is copied by
// mtools onto the FAT EFI System Partition of a GPT disk made by sgdisk; the firmware boots it
// without a boot image (Boot#### from the variable store, or \EFI\BOOT\BOOTAA64.EFI), and the
// application reads a file through LOADED_IMAGE.DeviceHandle -> SIMPLE_FILE_SYSTEM and prints it,
// as the Linux EFI stub's initrd= loader does. Skipped without the cross compiler or the tools.

import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { MemoryBlockBackend } from "@armature/core";
import { describe, expect, it } from "vitest";
import { addBootOption } from "./bootopt.js";
import { readGpt } from "./gpt.js";
import { EFI_NOT_FOUND } from "./status.js";
import { buildGptImage, type GptImagePartition, haveDiskTools } from "./test/disk-images.js";
import { runOnCpu } from "./test/run-on-cpu.js";
import { VariableStore } from "./vars.js";

// Protocol GUIDs as the UEFI spec prints them; function tables by index.
const APP = String.raw`
typedef unsigned long long u64; typedef unsigned short u16; typedef unsigned int u32; typedef unsigned char u8;
typedef u64 (*fn)();
struct st { u64 sig; u32 rev, size, crc, res; u16 *vendor; u32 fwrev; void *cih; void **conin; void *coh;
  void **conout; void *seh; void *stderr; void **rt; void **bs; u64 n; void *ct; };
struct guid { u32 a; u16 b, c; u8 d[8]; };
static const struct guid LI = {0x5b1b31a1, 0x9562, 0x11d2, {0x8e,0x3f,0x00,0xa0,0xc9,0x69,0x72,0x3b}};
static const struct guid SFS = {0x964e5b22, 0x6459, 0x11d2, {0x8e,0x39,0x00,0xa0,0xc9,0x69,0x72,0x3b}};
static const struct guid FI = {0x09576e92, 0x6d3f, 0x11d2, {0x8e,0x39,0x00,0xa0,0xc9,0x69,0x72,0x3b}};
static u16 path[] = u"\\efi\\Test\\Hello World.txt";
static u16 opts[] = u"options: ";
static u16 nl[] = u"\r\n";
static u16 dir[] = u"dir:";
static u16 sp[] = u" ";
static u8 info[512];
static u8 data[4096];
static u16 text[4200];
#define BS(i) ((fn)st->bs[3 + (i)])
u64 efi_main(void *image, struct st *st) {
  fn out = (fn)st->conout[1];
  void **li = 0, **sfs = 0, **root = 0, **f = 0;
  if (BS(16)(image, &LI, &li)) return 0x8000000000000001ull;
  u32 optsize = *(u32 *)((u8 *)li + 48);
  if (optsize) { out(st->conout, opts); out(st->conout, *(u16 **)((u8 *)li + 56)); out(st->conout, nl); }
  void *dev = li[3];
  if (BS(16)(dev, &SFS, &sfs)) return 0x8000000000000002ull;
  if (((fn)sfs[1])(sfs, &root)) return 0x8000000000000003ull;
  if (((fn)root[1])(root, &f, path, 1ull, 0ull)) return 0x8000000000000004ull;
  u64 isz = sizeof info;
  if (((fn)f[8])(f, &FI, &isz, info)) return 0x8000000000000005ull;
  u64 fsize = *(u64 *)(info + 8);
  u64 n = sizeof data;
  if (((fn)f[4])(f, &n, data) || n != fsize) return 0x8000000000000006ull;
  for (u64 i = 0; i < n; i++) text[i] = data[i];
  text[n] = 0;
  out(st->conout, text);
  ((fn)f[2])(f);
  /* List \EFI by directory reads. */
  void **d = 0;
  static u16 efi[] = u"EFI";
  if (((fn)root[1])(root, &d, efi, 1ull, 0ull)) return 0x8000000000000007ull;
  out(st->conout, dir);
  for (;;) { u64 m = sizeof info; if (((fn)d[4])(d, &m, info) || m == 0) break; out(st->conout, sp); out(st->conout, (u16 *)(info + 80)); }
  out(st->conout, nl);
  return 0x2a;
}
`;

function haveCrossGcc(): boolean {
  try {
    execFileSync("aarch64-linux-gnu-gcc", ["--version"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

function buildApp(): Uint8Array {
  const dir = mkdtempSync(join(tmpdir(), "uefi-esp-app-"));
  try {
    writeFileSync(join(dir, "app.c"), APP);
    execFileSync("aarch64-linux-gnu-gcc", [
      ...["-O2", "-ffreestanding", "-fno-stack-protector", "-fno-pic", "-fno-pie", "-nostdlib", "-static"],
      ...[
        "-Wl,-e,efi_main",
        "-Wl,--no-dynamic-linker",
        "-Wl,-Ttext-segment=0x10000",
        "-Wl,-z,max-page-size=0x1000",
      ],
      ...["-o", join(dir, "app.elf"), join(dir, "app.c")],
    ]);
    execFileSync("aarch64-linux-gnu-objcopy", [
      ...["--target=pei-aarch64-little", "--subsystem=10", "-R", ".comment"],
      ...[join(dir, "app.elf"), join(dir, "app.efi")],
    ]);
    return new Uint8Array(readFileSync(join(dir, "app.efi")));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const HELLO = "Hello from a FAT file\r\n";

describe.skipIf(!haveCrossGcc() || !haveDiskTools())("booting an EFI System Partition", () => {
  const app = haveCrossGcc() ? buildApp() : new Uint8Array(0);
  const esp = (files: { path: string; data: Uint8Array }[], fat: 12 | 16 | 32 = 16): GptImagePartition => ({
    sizeMiB: fat === 32 ? 40 : 16,
    code: "EF00",
    name: "EFI System",
    guid: "0e4b1c2d-3a5f-4b6e-8c7d-9f0a1b2c3d4e",
    fat: { fat, ...(fat === 32 ? { sectorsPerCluster: 1 } : {}), files },
  });
  const hello = { path: "EFI/test/Hello World.txt", data: new TextEncoder().encode(HELLO) };

  for (const fat of [12, 16, 32] as const)
    it(`FAT${fat}: \\EFI\\BOOT\\BOOTAA64.EFI (removable-media path) reads a file through SIMPLE_FILE_SYSTEM`, () => {
      const part = { ...esp([{ path: "EFI/BOOT/BOOTAA64.EFI", data: app }, hello], fat) };
      if (fat === 12) part.sizeMiB = 2;
      const { image } = buildGptImage({ sizeMiB: part.sizeMiB + 2, partitions: [part] });
      const r = runOnCpu({ imageAlign: 0x1000, platform: { disks: [new MemoryBlockBackend(image)] } });
      expect(r.end).toBe("exit");
      expect(r.output).toBe(
        `${HELLO}dir: BOOT test\r\nUEFI: disk 0 partition 1 returned 0x2a\r\nUEFI: no boot option left to try\r\n`,
      );
      expect(r.fw.exitStatus).toBe(0x2an);
    });

  it("Boot#### from BootOrder: its device path picks the file, its optional data is LoadOptions", () => {
    const { image } = buildGptImage({
      sizeMiB: 20,
      partitions: [
        { sizeMiB: 1, code: "8300", name: "other" },
        esp([{ path: "EFI/armature/app.efi", data: app }, hello]),
      ],
    });
    const disk = new MemoryBlockBackend(image);
    const p = readGpt(disk).partitions[1]!;
    const vars = new VariableStore();
    addBootOption(vars, 7, {
      description: "test app",
      partition: p,
      path: "\\EFI\\armature\\app.efi",
      optionalData: "initrd=\\EFI\\x console=ttyAMA0",
    });
    const r = runOnCpu({ imageAlign: 0x1000, variables: vars, platform: { disks: [disk] } });
    expect(r.output).toBe(
      `options: initrd=\\EFI\\x console=ttyAMA0\r\n${HELLO}dir: armature test\r\nUEFI: Boot0007 "test app" returned 0x2a\r\n` +
        "UEFI: no boot option left to try\r\n",
    );
    expect(r.fw.variables.get("8be4df61-93ca-11d2-aa0d-00e098032b8c", "BootCurrent")?.data).toEqual(
      new Uint8Array([7, 0]),
    );
  });

  it("a corrupt GPT, a corrupt FAT, an empty disk: clear console lines, then the firmware exits", () => {
    const { image, starts } = buildGptImage({ sizeMiB: 18, partitions: [esp([hello])] });
    const cases: [Uint8Array, RegExp][] = [];
    const noGpt = image.slice();
    noGpt.fill(0, 512, 1024); // primary header
    noGpt.fill(0, noGpt.length - 512); // backup header
    cases.push([noGpt, /UEFI: disk 0: no valid GPT: primary GPT header: no "EFI PART" signature; .*\r\n/]);
    const badFat = image.slice();
    badFat.fill(0, starts[0]!, starts[0]! + 512);
    cases.push([
      badFat,
      /UEFI: disk 0 partition 1 \(EFI System Partition\): boot sector: no jump instruction/,
    ]);
    cases.push([image, /UEFI: disk 0 partition 1: \\EFI\\BOOT\\BOOTAA64.EFI not found\r\n/]);
    for (const [img, want] of cases) {
      const r = runOnCpu({ platform: { disks: [new MemoryBlockBackend(img)] } });
      expect(r.end).toBe("exit");
      expect(r.output).toMatch(want);
      expect(r.output).toMatch(/UEFI: nothing to boot: .*\r\n$/);
      expect(r.fw.exitStatus).toBe(EFI_NOT_FOUND);
      expect(r.fw.internalErrors).toBe(0);
    }
    const none = runOnCpu({});
    expect(none.end).toBe("exit");
    expect(none.output).toMatch(/^UEFI: nothing to boot/);
  });
});
