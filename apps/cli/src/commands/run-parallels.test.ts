import { execFileSync } from "node:child_process";
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { buildGptImage, buildTestPe, haveDiskTools } from "@armature/uefi/test";
import { describe, expect, it } from "vitest";
import { assembleWords, run, SYSTEM_OFF_SRC, withTempDir } from "../test/cli.js";
import { parseParallelsRunOptions } from "./run-parallels.js";

describe("armature run --machine parallels", () => {
  it("checks its options before anything starts", async () => {
    const r = await run(["run", "--machine", "parallels"]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/give --kernel FILE, or --disk FILE .*EFI System Partition/);
    for (const args of [
      ["--net", "slirp"],
      ["--iommu", "vt-d"],
      ["--layout", "qemu"],
      ["--disk", "a.img,rw"],
      ["--smp", "two"],
    ])
      expect(
        (await run(["run", "--machine", "parallels", "--kernel", "k", ...args])).code,
        args.join(" "),
      ).toBe(2);
    for (const [args, msg] of [
      [["--smp", "9"], /cpus must be an integer in 1..8/],
      [["--mac", "01:00:00:00:00:01"], /multicast/],
      [[], /kernel "k" does not exist/],
    ] as const) {
      const r2 = await run(["run", "--machine", "parallels", "--kernel", "k", ...args]);
      expect(r2.code, args.join(" ")).toBe(1);
      expect(r2.err).toMatch(msg);
    }
    expect(
      parseParallelsRunOptions([
        "--machine",
        "parallels",
        "--kernel",
        "package.json",
        "--cdrom",
        "package.json",
      ]),
    ).toMatchObject({ net: "user", iommu: "smmuv3", display: { kind: "none" }, cdrom: "package.json" });
  });

  it("an EFI application that faults at once: the exception loop is one line and exit status 4", async () => {
    await withTempDir("armature-parallels-stuck-", async (dir) => {
      writeFileSync(join(dir, "udf.efi"), buildTestPe({ code: [0, 0, 0, 0] })); // udf #0
      const r = await run([
        "run",
        "--machine",
        "parallels",
        "--kernel",
        join(dir, "udf.efi"),
        "--net",
        "none",
      ]);
      expect(r.code, r.err).toBe(4);
      expect(r.err.trim().split("\n")).toHaveLength(1);
      expect(r.err).toMatch(
        /^\narmature run: cpu0 is stuck in an exception loop: \d+ synchronous exceptions/,
      );
    });
  });

  const guest = join(import.meta.dirname, "..", "..", "..", "..", ".cache", "guest-generic");
  it.skipIf(!existsSync(join(guest, "Image")))(
    "--snapshot-on-exit saves once the OS exited boot services; before that it is one refusal line",
    async () => {
      await withTempDir("armature-parallels-snap-", async (dir) => {
        const boot = (n: number, file: string, ...more: string[]) =>
          run([
            "run",
            "--machine",
            "parallels",
            "--kernel",
            join(guest, "Image"),
            "--initrd",
            join(guest, "initramfs.cpio.gz"),
            "--memory",
            "256",
            "--deterministic",
            "--net",
            "none",
            "--quiet",
            "--max-instructions",
            String(n),
            "--snapshot-on-exit",
            join(dir, file),
            ...more,
          ]);
        const savedAt = (r: { err: string }) =>
          /snapshot .*: \d+ bytes at (\d+) instructions, state sha256 ([0-9a-f]{64})/.exec(r.err)?.slice(1);
        const early = await boot(1000, "early.snap");
        expect(early.code).toBe(1);
        // The budget stop, then the refusal in one line.
        expect(early.err.trim().split("\n")).toEqual([
          "armature run: stopped after 1000 instructions",
          expect.stringMatching(/^armature run: .*still running boot services \(before ExitBootServices\)/),
        ]);
        expect(existsSync(join(dir, "early.snap"))).toBe(false);
        const r = await boot(60_000_000, "ebs.snap");
        expect(r.err).toMatch(
          /snapshot .*ebs\.snap: \d+ bytes at 60000000 instructions, state sha256 [0-9a-f]{64}/,
        );
        expect(existsSync(join(dir, "ebs.snap"))).toBe(true);
        // --restore on the machine the same options build, run 2 M more: the same state as one
        // straight run of 62 M instructions.
        const straight = await boot(62_000_000, "straight.snap");
        const restored = await boot(2_000_000, "restored.snap", "--restore", join(dir, "ebs.snap"));
        expect(restored.code, restored.err).toBe(3);
        expect(savedAt(straight)?.[0]).toBe("62000000");
        expect(savedAt(restored), restored.err).toEqual(savedAt(straight));
        // Built otherwise (RAM), the machine refuses the snapshot in one line, exit status 1.
        const other = await run([
          "run",
          "--machine",
          "parallels",
          "--kernel",
          join(guest, "Image"),
          "--memory",
          "512",
          "--net",
          "none",
          "--restore",
          join(dir, "ebs.snap"),
        ]);
        expect(other.code).toBe(1);
        expect(other.err.trim().split("\n"), other.err).toHaveLength(1);
        expect(
          (await run(["run", "--machine", "parallels", "--kernel", "k", "--force-restore"])).err,
        ).toMatch(/--force-restore goes with --restore FILE/);
      });
    },
    240_000,
  );

  it("has no device tree; `acpi --machine parallels` writes what its UEFI publishes", async () => {
    const d = await run(["dtb", "--machine", "parallels"]);
    expect(d.code).toBe(2);
    expect(d.err).toMatch(/no device tree .*armature acpi --machine parallels/);
    await withTempDir("armature-acpi-parallels-", async (dir) => {
      const r = await run(["acpi", "--machine", "parallels", "--smp", "2", "--out", dir]);
      expect(r.code, r.err).toBe(0);
      for (const f of ["FACP", "DSDT", "APIC", "GTDT", "SPCR", "PPTT", "IORT", "DBG2"])
        expect(existsSync(join(dir, `${f}.dat`)), f).toBe(true);
      expect(existsSync(join(dir, "MCFG.dat"))).toBe(false);
      const dmi = execFileSync("dmidecode", ["--from-dump", join(dir, "smbios.bin"), "-t", "1"]).toString();
      expect(dmi).toMatch(/Manufacturer: Parallels International GmbH\./);
      const none = await run(["acpi", "--machine", "parallels", "--iommu", "none", "--out", join(dir, "n")]);
      expect(none.code).toBe(0);
      expect(existsSync(join(dir, "n", "IORT.dat"))).toBe(false);
    });
  });

  it("starts an EFI application through the built-in UEFI; its PSCI SYSTEM_OFF exits 0", async () => {
    await withTempDir("armature-run-parallels-", async (dir) => {
      // x0 = PSCI SYSTEM_OFF; hvc #0 — assembled by GNU as, wrapped as a PE32+ EFI application.
      const code = assembleWords(dir, SYSTEM_OFF_SRC);
      writeFileSync(join(dir, "app.efi"), buildTestPe({ code }));
      const r = await run([
        "run",
        "--machine",
        "parallels",
        "--kernel",
        join(dir, "app.efi"),
        "--memory",
        "256",
        "--net",
        "none",
      ]);
      expect(r.code, r.err).toBe(0);
    });
  });

  it.skipIf(!haveDiskTools())(
    "without --kernel, the firmware boots \\EFI\\BOOT\\BOOTAA64.EFI from the disk's EFI System Partition",
    async () => {
      await withTempDir("armature-run-parallels-esp-", async (dir) => {
        const code = assembleWords(dir, SYSTEM_OFF_SRC);
        const { image } = buildGptImage({
          sizeMiB: 20,
          partitions: [
            {
              sizeMiB: 16,
              code: "EF00",
              name: "EFI",
              fat: { fat: 16, files: [{ path: "EFI/BOOT/BOOTAA64.EFI", data: buildTestPe({ code }) }] },
            },
          ],
        });
        writeFileSync(join(dir, "disk.img"), image);
        const args = ["run", "--machine", "parallels", "--memory", "256", "--net", "none", "--disk"];
        const r = await run([...args, join(dir, "disk.img")]);
        expect(r.code, r.err).toBe(0);
        expect((await run([...args, join(dir, "disk.img"), "--initrd", "x"])).code).toBe(2);
      });
    },
  );
});
