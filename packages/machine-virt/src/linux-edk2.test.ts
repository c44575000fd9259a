/**
 * Real firmware (EDK2 + GRUB) booting Linux, in CI by default (ARMATURE_E2E_EDK2=0 skips it; about 3.5 min on a 2-core
 * host: two boots of 1.5 min each, then the same image on QEMU; skipped with the reason when a
 * tool is missing that scripts/install-system-tools.sh installs): Debian's EDK2 (AAVMF_CODE.fd, package qemu-efi-aarch64) on
 * the qemu layout boots GRUB (grub-efi-arm64-bin via grub-mkstandalone) from a GPT disk made here
 * (scripts/guest/make-efi-disk.sh), GRUB boots the cloud kernel and the test initramfs from the
 * ESP, and the guest shows EDK2's EFI, our ACPI tables through fw_cfg's table loader, our
 * SMBIOS, the fw_cfg files in sysfs; a UEFI variable written in the first boot is there in the
 * second from the same --efi-vars file. The first boot has fw_cfg's bootorder naming the disk;
 * the second runs without ACPI (QEMU's acpi=off: no ACPI files in fw_cfg, so EDK2 gives Linux
 * the DT from the start of RAM). `poweroff -f` stops the machine (EFI ResetSystem → PSCI
 * SYSTEM_OFF over HVC). The same image boots on qemu-system-aarch64 -M virt -bios QEMU_EFI.fd.
 * Every wait is bounded: a boot's shell within 8 min, each test within 10.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { GuestShell, ScriptedConsole } from "@armature/board/test";
import { VIRT_FLASH_BANK_SIZE } from "@armature/cfi-flash";
import { FileBlockBackend, type Logger, setLogger } from "@armature/core";
import { acpiLoaderFiles, smbiosFiles } from "@armature/fw-cfg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { VirtBootDevice } from "./config.js";
import { describeVirtAcpi, describeVirtSmbios } from "./describe.js";
import { efiVarStoreProblem } from "./efi-vars.js";
import { FlashFile } from "./index.js";
import { VirtMachine } from "./machine.js";
import {
  AAVMF_DIR,
  edk2Missing,
  KERNEL_FIRST_LINE,
  makeEfiDisk,
  qemuEfiBoot,
  smbiosSystem,
} from "./test/edk2.js";

const enabled = process.env.ARMATURE_E2E_EDK2 !== "0";
const missing = enabled ? edk2Missing() : undefined;
if (missing !== undefined) console.warn(`EDK2 e2e (linux-edk2.test.ts) skipped: ${missing}`);
const MARKER = "ARMATURE-SHELL-READY";
/** A GUID of our own for the test variable. */
const VAR_NAME = "ArmatureTest-5d6b3e8c-6a43-4c55-9d6e-3a1f0b7c2e11";
const VARFS = "/sys/firmware/efi/efivars";
const MOUNT_EFIVARFS = `insmod /lib/modules/efivarfs.ko; mount -t efivarfs none ${VARFS}`;

/** `p`, or a rejection after `ms` (the machine is stopped first, so nothing keeps running). */
function within<T>(p: Promise<T>, ms: number, what: string, m?: VirtMachine): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      m?.stop();
      reject(new Error(`${what}: not after ${ms / 1000} s`));
    }, ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

interface Boot {
  m: VirtMachine;
  con: ScriptedConsole;
  shell: GuestShell;
  stopped: Promise<string>;
  vars: FlashFile;
  kernelMs: number;
  kernelInstructions: number;
  markerMs: number;
}

async function bootOurs(
  disk: string,
  varsPath: string,
  o: { acpi?: boolean; bootOrder?: VirtBootDevice[] } = {},
): Promise<Boot> {
  const vars = FlashFile.open(varsPath, {
    size: VIRT_FLASH_BANK_SIZE,
    template: new Uint8Array(readFileSync(join(AAVMF_DIR, "AAVMF_VARS.fd"))),
    validate: efiVarStoreProblem,
  });
  const con = new ScriptedConsole(process.env.ARMATURE_E2E_ECHO ? (s) => process.stderr.write(s) : undefined);
  const m = new VirtMachine({
    layout: "qemu",
    net: "none",
    firmware: {
      code: new Uint8Array(readFileSync(join(AAVMF_DIR, "AAVMF_CODE.fd"))),
      vars: vars.data,
      onVarsChange: () => vars.changed(),
      ...o,
    },
    disk: new FileBlockBackend(disk),
    console: con,
  });
  const t0 = Date.now();
  const stopped = m.run();
  const shell = new GuestShell(con, (b) => m.input(b), stopped);
  try {
    await shell.wait("UEFI firmware", 0, 120_000, "EDK2's banner");
    await shell.wait(KERNEL_FIRST_LINE, 0, 240_000, "the kernel's first line");
    const kernelMs = Date.now() - t0;
    const kernelInstructions = m.retired();
    await shell.ready(480_000 - kernelMs);
    return { m, con, shell, stopped, vars, kernelMs, kernelInstructions, markerMs: Date.now() - t0 };
  } catch (e) {
    m.stop();
    vars.close();
    throw e;
  }
}

/** `poweroff -f`, and the machine stops as powered off within a minute; the store is saved. */
async function powerOff(b: Boot): Promise<void> {
  try {
    b.m.input(new TextEncoder().encode("poweroff -f\n"));
    expect(await within(b.stopped, 60_000, "poweroff -f", b.m)).toBe("poweroff");
  } finally {
    b.vars.close();
  }
}

describe.skipIf(!enabled || missing !== undefined)(
  `EDK2 (AAVMF) + GRUB + Linux on the qemu layout (${missing === undefined ? "" : `; skipped: ${missing}`})`,
  () => {
    let dir = "";
    let disk = "";
    let varsPath = "";
    // The devices' warnings (still printed): none of the BAR-overlap kind that Linux's one-by-one
    // reassignment used to raise.
    const warnings: string[] = [];
    let previousLogger: Logger | undefined;
    beforeAll(() => {
      previousLogger = setLogger({
        warn: (m) => {
          warnings.push(m);
          process.stderr.write(`armature: ${m}\n`);
        },
      });
      dir = mkdtempSync(join(tmpdir(), "armature-edk2-e2e-"));
      disk = makeEfiDisk(dir);
      varsPath = join(dir, "vars.fd");
    }, 300_000);
    afterAll(() => {
      if (previousLogger !== undefined) setLogger(previousLogger);
      if (dir !== "") rmSync(dir, { recursive: true, force: true });
    });

    it("boots GRUB from a GPT disk and Linux through it, with ACPI, SMBIOS, fw_cfg, a UEFI variable write and poweroff", async () => {
      const b = await bootOurs(disk, varsPath, { bootOrder: [{ kind: "disk" }] });
      try {
        const c = b.m.config;
        const log = b.con.output.slice(0, b.con.output.indexOf(MARKER));
        // No guest fault on the way (the virtio probes used to take external aborts on BARs the
        // kernel had moved) and the disk was found.
        expect(log).not.toMatch(/Internal error|unclaimed address/);
        expect(log).toMatch(/ vda: vda1/);
        expect(warnings.filter((w) => /overlaps/.test(w))).toEqual([]);
        expect(log).toMatch(/efi: EFI v2\.7\d* by EDK II/);
        expect(log).toMatch(/ACPI: RSDP 0x[0-9A-F]+ 000024 \(v02 /);
        // Every table of the layout's ACPI description, as the kernel lists them.
        const acpi = describeVirtAcpi(c);
        for (const t of [acpi.fadt, acpi.dsdt, ...acpi.tables])
          expect(log, t.signature).toMatch(new RegExp(`ACPI: ${t.signature} 0x`));
        expect(acpi.tables.map((t) => t.signature)).toEqual(expect.arrayContaining(["MCFG", "IORT"]));
        // DMI: the system manufacturer and product name of our SMBIOS type 1.
        const sys = smbiosSystem(smbiosFiles(describeVirtSmbios(c)).tables);
        expect(sys).toBeDefined();
        expect(log).toContain(`DMI: ${sys!.manufacturer} ${sys!.product}, BIOS `);
        // psci through the FADT's conduit.
        expect(log).toMatch(/psci: probing for conduit method from ACPI/);

        const fwcfg = await b.shell.sh(
          "insmod /lib/modules/qemu_fw_cfg.ko; ls /sys/firmware/qemu_fw_cfg/by_name/etc/acpi/; cat /sys/firmware/qemu_fw_cfg/by_name/etc/acpi/tables/size",
        );
        expect(fwcfg).toMatch(/\brsdp\b/);
        expect(fwcfg).toMatch(/\btables\b/);
        expect(fwcfg).toContain(String(acpiLoaderFiles(acpi).tables.length));
        // The boot order EDK2 read (and still booted the disk with): the disk's path, NUL-ended.
        const order = await b.shell.sh(
          "od -An -c /sys/firmware/qemu_fw_cfg/by_name/bootorder/raw | tr -d ' \\n'",
        );
        expect(order).toMatch(/\/pci@ffffffffffffffff\/scsi@[0-9a-f]+\/disk@0,0\\0/);

        // attributes NON_VOLATILE | BOOTSERVICE_ACCESS | RUNTIME_ACCESS, then the data.
        const efivar = await b.shell.sh(
          `${MOUNT_EFIVARFS}; printf '\\007\\000\\000\\000armature' > ${VARFS}/${VAR_NAME}; cat ${VARFS}/${VAR_NAME} | tail -c 8`,
        );
        expect(efivar).toMatch(/armature/);
      } catch (e) {
        b.m.stop();
        b.vars.close();
        throw e;
      }
      await powerOff(b);
      expect(efiVarStoreProblem(new Uint8Array(readFileSync(varsPath)))).toBeUndefined();
      console.log(
        `edk2 e2e boot 1: kernel's first line after ${(b.kernelMs / 1000).toFixed(1)} s / ${(b.kernelInstructions / 1e6).toFixed(0)} M instructions; shell after ${(b.markerMs / 1000).toFixed(1)} s / ${(b.m.retired() / 1e6).toFixed(0)} M`,
      );
    }, 600_000);

    it("the variable is there in the next boot from the same --efi-vars file; with acpi off the OS gets the DT", async () => {
      expect(varsPath).not.toBe("");
      const b = await bootOurs(disk, varsPath, { acpi: false });
      try {
        const out = await b.shell.sh(`${MOUNT_EFIVARFS}; cat ${VARFS}/${VAR_NAME} | tail -c 8`);
        expect(out).toMatch(/armature/);
        // The DT that EDK2 found at the start of RAM, not ACPI: the model line, the DT's PSCI
        // node, /proc/device-tree; fw_cfg (found through the DT) lists no ACPI files.
        const log = b.con.output.slice(0, b.con.output.indexOf(MARKER));
        expect(log).toMatch(/efi: EFI v2\.7\d* by EDK II/);
        expect(log).toContain(`Machine model: ${b.m.fdt.getString("model")}`);
        expect(log).toMatch(/psci: probing for conduit method from DT/);
        expect(log).not.toMatch(/ACPI: RSDP/);
        expect(warnings.filter((w) => /overlaps/.test(w))).toEqual([]);
        const dt = await b.shell.sh(
          "cat /proc/device-tree/compatible; echo; insmod /lib/modules/qemu_fw_cfg.ko; ls /sys/firmware/qemu_fw_cfg/by_name/etc/",
        );
        expect(dt).toContain("linux,dummy-virt");
        expect(dt).toMatch(/\bsmbios\b/);
        expect(dt).not.toMatch(/\bacpi\b|table-loader/);
      } catch (e) {
        b.m.stop();
        b.vars.close();
        throw e;
      }
      await powerOff(b);
      console.log(
        `edk2 e2e boot 2: kernel's first line after ${(b.kernelMs / 1000).toFixed(1)} s; shell after ${(b.markerMs / 1000).toFixed(1)} s`,
      );
    }, 600_000);

    it("the same image boots on qemu-system-aarch64 -M virt -cpu max -bios QEMU_EFI.fd", async () => {
      const q = await qemuEfiBoot(disk, [/GRUB: booting/, KERNEL_FIRST_LINE, new RegExp(MARKER)], 300_000);
      expect(q.end, q.output.slice(-3000)).toBe("done");
      expect(q.output).toMatch(/efi: EFI v2\.7\d* by EDK II/);
      expect(q.output).toMatch(/ACPI: RSDP 0x[0-9A-F]+ 000024 \(v02 /);
      console.log(
        `edk2 e2e on QEMU: kernel's first line after ${((q.at[1] ?? 0) / 1000).toFixed(1)} s; shell after ${((q.at[2] ?? 0) / 1000).toFixed(1)} s`,
      );
    }, 360_000);
  },
);
