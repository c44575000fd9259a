/**
 * Issue #18's Linux proof for AHCI (opt-in: ARMATURE_E2E_AHCI=1; the lead groups CI boots):
 * Debian's generic arm64 kernel (ahci, libahci, sd_mod, sr_mod, cdrom as modules, loaded by the
 * generic initramfs) on the virt board with an AHCI controller on PCI: a SATA disk image file on
 * port 0 and an ISO built here in the ATAPI DVD-ROM on port 1. The guest-side checks are
 * @armature/ahci/test's `linuxAhciChecks`. isofs.ko and a CDROMEJECT helper are appended to the
 * initramfs as a second cpio archive.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { AhciPciFunction, AtapiDvd, SataDisk } from "@armature/ahci";
import { buildIso9660, linuxAhciChecks } from "@armature/ahci/test";
import { BusDmaSpace, FileBlockBackend, MemoryBlockBackend } from "@armature/core";
import { describe, expect, it } from "vitest";
import { VirtMachine } from "./machine.js";
import { ScriptedConsole } from "./test/console.js";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");
const GENERIC = join(ROOT, ".cache", "guest-generic");
const enabled = process.env.ARMATURE_E2E_AHCI === "1";

/** isofs.ko from the generic kernel package and a static CDROMEJECT program, as a gzip'd cpio. */
function overlay(dir: string): Uint8Array {
  const debs = readdirSync(join(GENERIC, "debs")).filter((f) => /^linux-image-.*\.deb$/.test(f));
  if (debs.length === 0)
    throw new Error(`no kernel .deb in ${GENERIC}/debs: run scripts/fetch-guest.sh --flavour generic`);
  const x = join(dir, "x");
  mkdirSync(x);
  execFileSync("dpkg-deb", ["-x", join(GENERIC, "debs", debs[0]!), x]);
  const ko = execFileSync("find", [x, "-name", "isofs.ko*"], { encoding: "utf8" }).trim().split("\n")[0]!;
  const root = join(dir, "root");
  mkdirSync(join(root, "lib", "modules"), { recursive: true });
  mkdirSync(join(root, "bin"), { recursive: true });
  if (ko.endsWith(".xz")) execFileSync("sh", ["-c", `xz -dc '${ko}' > '${root}/lib/modules/isofs.ko'`]);
  else execFileSync("cp", [ko, join(root, "lib", "modules", "isofs.ko")]);
  writeFileSync(
    join(dir, "ej.c"),
    [
      "#include <fcntl.h>",
      "#include <stdio.h>",
      "#include <sys/ioctl.h>",
      "int main(int argc, char **argv) {",
      '  int fd = open(argc > 1 ? argv[1] : "/dev/sr0", O_RDONLY | O_NONBLOCK);',
      '  if (fd < 0) { perror("open"); return 1; }',
      '  if (ioctl(fd, 0x5309 /* CDROMEJECT */, 0) < 0) { perror("CDROMEJECT"); return 1; }',
      "  return 0;",
      "}",
    ].join("\n"),
  );
  execFileSync("aarch64-linux-gnu-gcc", [
    "-static",
    "-Os",
    "-o",
    join(root, "bin", "cdeject"),
    join(dir, "ej.c"),
  ]);
  execFileSync("sh", [
    "-c",
    `cd '${root}' && find . | cpio --quiet -o -H newc -R 0:0 | gzip -9n > '${dir}/overlay.cpio.gz'`,
  ]);
  return new Uint8Array(readFileSync(join(dir, "overlay.cpio.gz")));
}

describe.skipIf(!enabled)("Debian Linux with AHCI on PCI (ARMATURE_E2E_AHCI=1)", () => {
  it(
    "probes the HBA, the SATA disk and the Virtual DVD-ROM; disk I/O, ISO mount and eject check out",
    async () => {
      expect(existsSync(join(GENERIC, "Image")), "run scripts/fetch-guest.sh --flavour generic").toBe(true);
      const dir = mkdtempSync(join(tmpdir(), "ahci-e2e-"));
      const diskBytes = 64 << 20;
      const diskPath = join(dir, "disk.img");
      writeFileSync(diskPath, new Uint8Array(diskBytes));
      const files = [
        { name: "HELLO.TXT", data: new TextEncoder().encode("hello from the Virtual DVD-ROM\n") },
        { name: "RANDOM.BIN", data: new Uint8Array(300_000).map(() => Math.floor(Math.random() * 256)) },
      ];
      const iso = new MemoryBlockBackend(buildIso9660(files), { readOnly: true, blockSize: 2048 });
      const disk = new FileBlockBackend(diskPath);
      const model = "ARMATURE HARDDISK";
      const dvd = new AtapiDvd({ medium: iso });
      const initrd = Buffer.concat([readFileSync(join(GENERIC, "initramfs.cpio.gz")), overlay(dir)]);
      const con = new ScriptedConsole(
        process.env.ARMATURE_E2E_ECHO ? (s) => process.stderr.write(s) : undefined,
      );
      const machine = new VirtMachine({
        layout: "vz",
        kernel: new Uint8Array(readFileSync(join(GENERIC, "Image"))),
        initrd: new Uint8Array(initrd),
        cmdline: "console=ttyAMA0",
        disk: new MemoryBlockBackend(1 << 20),
        console: con,
      });
      const ahci = new AhciPciFunction({
        dma: new BusDmaSpace(machine.bus),
        devices: [new SataDisk(disk, { model }), dvd],
      });
      machine.pci.attach(ahci, { device: 16 });
      const t0 = Date.now();
      const stopped = machine.run();
      let stop: string | undefined;
      void stopped.then((r) => {
        stop = r;
      });
      const wait = async (re: RegExp, from: number, ms: number, what: string) => {
        const timer = new Promise<never>((_, rej) =>
          setTimeout(
            () => rej(new Error(`${what}: timeout; stop=${stop}; last output:\n${con.output.slice(-3000)}`)),
            ms,
          ),
        );
        return Promise.race([con.waitFor(re, from), timer]);
      };
      await wait(/ARMATURE-SHELL-READY/, 0, 20 * 60_000, "boot");
      process.stderr.write(`[ahci] shell after ${((Date.now() - t0) / 1000).toFixed(0)} s\n`);
      await wait(/\/ # /, con.output.indexOf("ARMATURE-SHELL-READY"), 120_000, "prompt");
      const sh = async (command: string, timeoutMs = 120_000): Promise<string> => {
        const start = con.mark;
        machine.input(new TextEncoder().encode(`echo @@"B"EGIN; ${command}; echo @@"E"ND\n`));
        await wait(/@@END[\s\S]*?\/ # /, start, timeoutMs, command);
        const text = con.output.slice(start).replace(/\r/g, "");
        const b = text.indexOf("@@BEGIN\n");
        const e = text.lastIndexOf("@@END");
        return b >= 0 && e > b ? text.slice(b + "@@BEGIN\n".length, e) : text;
      };
      const result = await linuxAhciChecks({
        sh,
        readDisk: (off, len) => {
          const b = new Uint8Array(len);
          disk.read(off, b);
          return b;
        },
        diskBytes,
        diskModel: model,
        isoFiles: files,
        isofsModule: "/lib/modules/isofs.ko",
        ejectProgram: "/bin/cdeject",
        mediumPresent: () => dvd.medium !== undefined,
        mode: "PCI",
      });
      for (const c of result.checks)
        process.stderr.write(`[ahci] ${c.ok ? "ok  " : "FAIL"} ${c.name}: ${c.detail}\n`);
      const ahciLines = result.dmesg.split("\n").filter((l) => /ahci|ata\d|scsi|sd 0|sr 1|sr0|sda/.test(l));
      process.stderr.write(`${ahciLines.join("\n")}\n`);
      machine.input(new TextEncoder().encode("poweroff -f\n"));
      await Promise.race([stopped, new Promise((r) => setTimeout(r, 30_000))]);
      expect(result.checks.filter((c) => !c.ok)).toEqual([]);
    },
    40 * 60_000,
  );
});
