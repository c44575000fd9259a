/**
 * The Linux proof for AHCI (opt-in: ARMATURE_E2E_AHCI=1, ARMATURE_E2E_AHCI_MODE=PCI or
 * platform for one of the two; the lead groups CI boots). A SATA disk image file on port 0 and an
 * ISO built here in the ATAPI DVD-ROM on port 1, on the virt board:
 * - PCI: the board's AHCI function (`sata` option) with Debian's generic kernel (ahci, libahci,
 *   sd_mod, sr_mod, cdrom loaded by its initramfs);
 * - platform: a `generic-ahci` DT node and MMIO window (the Parallels VM's shape) with the cloud
 *   kernel's ahci_platform, the libata modules appended and loaded from the shell.
 * The guest-side checks are @armature/ahci/test's `linuxAhciChecks`. Modules (isofs, ...) and a
 * CDROMEJECT helper are appended to the initramfs as a second cpio archive.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { AHCI_MMIO_SIZE, AhciHba, AtapiDvd, describeAhciDt, SataDisk } from "@armature/ahci";
import { buildIso9660, linuxAhciChecks } from "@armature/ahci/test";
import { GuestShell, ScriptedConsole } from "@armature/board/test";
import { BusDmaSpace, FileBlockBackend, irqLine, MemoryBlockBackend } from "@armature/core";
import { serializeDtb } from "@armature/fdt";
import { describe, expect, it } from "vitest";
import { VirtMachine } from "./machine.js";
import { copyKernelModules, cpioGzip } from "./test/overlay.js";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");
const GENERIC = join(ROOT, ".cache", "guest-generic");
const CLOUD = join(ROOT, ".cache", "guest");
/** Platform AHCI placement on the vz layout (a free window and SPI). */
const PLATFORM_BASE = 0x2014_0000;
const PLATFORM_SPI = 20;
const enabled = process.env.ARMATURE_E2E_AHCI === "1";

/**
 * Kernel modules from the guest's kernel package (decompressed for busybox insmod) and a static
 * CDROMEJECT program, as a gzip'd cpio to append to the initramfs.
 */
function overlay(dir: string, guest: string, modules: readonly string[]): Uint8Array {
  const root = join(dir, "root");
  copyKernelModules(dir, guest, modules, root);
  mkdirSync(join(root, "bin"), { recursive: true });
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
  return cpioGzip(dir, root);
}

/** Load order of the libata stack for the cloud kernel's ahci_platform (from modinfo depends=). */
const PLATFORM_MODULES = [
  "scsi_common",
  "scsi_mod",
  "libata",
  "libahci",
  "libahci_platform",
  "ahci_platform",
  "sd_mod",
  "cdrom",
  "sr_mod",
  "isofs",
];

async function bootAndCheck(mode: "PCI" | "platform"): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "armature-ahci-e2e-"));
  try {
    await bootAndCheckIn(mode, dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function bootAndCheckIn(mode: "PCI" | "platform", dir: string): Promise<void> {
  const guest = mode === "PCI" ? GENERIC : CLOUD;
  expect(
    existsSync(join(guest, "Image")),
    `run scripts/fetch-guest.sh${mode === "PCI" ? " --flavour generic" : ""}`,
  ).toBe(true);
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
  let dvd: AtapiDvd;
  const modules = mode === "PCI" ? ["isofs"] : PLATFORM_MODULES;
  const initrd = Buffer.concat([
    readFileSync(join(guest, "initramfs.cpio.gz")),
    overlay(dir, guest, modules),
  ]);
  const con = new ScriptedConsole(process.env.ARMATURE_E2E_ECHO ? (s) => process.stderr.write(s) : undefined);
  const base = {
    layout: "vz" as const,
    kernel: new Uint8Array(readFileSync(join(guest, "Image"))),
    initrd: new Uint8Array(initrd),
    cmdline: "console=ttyAMA0",
    // The same image on virtio-blk (read-only), for the sequential-read comparison.
    disk: new FileBlockBackend(diskPath, { readOnly: true }),
    console: con,
  };
  let machine: VirtMachine;
  if (mode === "PCI") {
    // The board's own AHCI function (its `sata` option), as `armature run --sata --cdrom` builds it.
    machine = new VirtMachine({
      ...base,
      sata: [
        { kind: "disk", backend: disk, model },
        { kind: "cdrom", backend: iso },
      ],
    });
    dvd = machine.ahci!.hba.ports[1]!.device as AtapiDvd;
  } else {
    dvd = new AtapiDvd({ medium: iso });
    const devices = [new SataDisk(disk, { model }), dvd];
    // Platform AHCI (the Parallels VM's shape): a generic-ahci DT node and an MMIO window.
    const first = new VirtMachine(base);
    describeAhciDt(first.fdt, { base: PLATFORM_BASE, interrupts: [0, PLATFORM_SPI, 4] });
    machine = new VirtMachine({ ...base, dtb: serializeDtb(first.fdt) });
    const irq = irqLine(machine.gic, 32 + PLATFORM_SPI);
    machine.bus.addMmio(
      "ahci",
      PLATFORM_BASE,
      AHCI_MMIO_SIZE,
      new AhciHba({ dma: new BusDmaSpace(machine.bus), irq, devices }),
    );
  }
  const t0 = Date.now();
  const stopped = machine.run();
  const shell = new GuestShell(con, (b) => machine.input(b), stopped);
  await shell.ready(20 * 60_000);
  process.stderr.write(`[ahci] shell after ${((Date.now() - t0) / 1000).toFixed(0)} s\n`);
  const sh = (command: string, timeoutMs = 120_000): Promise<string> => shell.sh(command, timeoutMs);
  if (mode === "platform") {
    await sh(`for m in ${PLATFORM_MODULES.join(" ")}; do insmod /lib/modules/$m.ko; done`, 600_000);
  }
  await sh(
    "for i in $(seq 1 120); do dmesg | grep -q 'Attached scsi CD-ROM sr0' && break; sleep 1; done",
    300_000,
  );
  const result = await linuxAhciChecks({
    sh,
    disk,
    diskBytes,
    diskModel: model,
    isoFiles: files,
    ...(mode === "PCI" ? { isofsModule: "/lib/modules/isofs.ko" } : {}),
    ejectProgram: "/bin/cdeject",
    mediumPresent: () => dvd.medium !== undefined,
    mode,
  });
  for (const c of result.checks)
    process.stderr.write(`[ahci] ${c.ok ? "ok  " : "FAIL"} ${c.name}: ${c.detail}\n`);
  // Bench (prints, never fails on timing): sequential read of the same image, 32 MiB in 1 MiB
  // requests from a cold page cache, through AHCI (sda) and through virtio-blk (vda).
  const rates: string[] = [];
  for (const dev of ["sda", "vda", "sda", "vda"]) {
    await sh("sync; echo 3 > /proc/sys/vm/drop_caches");
    const t = Date.now();
    const out = await sh(`dd if=/dev/${dev} of=/dev/null bs=1048576 count=32 2>&1 | tail -1`, 600_000);
    const mbs = 32 / ((Date.now() - t) / 1000);
    rates.push(`${dev} ${mbs.toFixed(1)} MB/s`);
    expect.soft(out).toMatch(/32\+0 records out/);
  }
  process.stderr.write(`[ahci ${mode}] sequential read, 32 MiB, host wall clock: ${rates.join(", ")}\n`);
  const ahciLines = result.dmesg.split("\n").filter((l) => /ahci|ata\d|scsi|sd 0|sr 1|sr0|sda/.test(l));
  process.stderr.write(`${ahciLines.join("\n")}\n`);
  machine.input(new TextEncoder().encode("poweroff -f\n"));
  await Promise.race([stopped, new Promise((r) => setTimeout(r, 30_000))]);
  expect(result.checks.filter((c) => !c.ok)).toEqual([]);
}

describe.skipIf(!enabled)("Debian Linux with AHCI (ARMATURE_E2E_AHCI=1)", () => {
  it.skipIf(process.env.ARMATURE_E2E_AHCI_MODE === "platform")(
    "on PCI (generic kernel, ahci.ko): HBA, SATA disk and Virtual DVD-ROM probe; disk I/O, ISO mount, eject",
    () => bootAndCheck("PCI"),
    40 * 60_000,
  );
  it.skipIf(process.env.ARMATURE_E2E_AHCI_MODE === "PCI")(
    "as platform generic-ahci (cloud kernel, ahci_platform): the same checks",
    () => bootAndCheck("platform"),
    40 * 60_000,
  );
});
