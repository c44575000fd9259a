import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runCli } from "../cli.js";
import { parseRunOptions } from "./run.js";

async function run(args: string[]) {
  let out = "";
  let err = "";
  const code = await runCli(args, { out: (s) => (out += s), err: (s) => (err += s) });
  return { code, out, err };
}

describe("armature run: options are checked before anything starts", () => {
  it("needs --machine and --kernel", async () => {
    expect((await run(["run"])).err).toMatch(/--machine is required/);
    expect((await run(["run", "--machine", "virt"])).err).toMatch(/--kernel FILE is required/);
    expect((await run(["run", "--machine", "virt"])).code).toBe(2);
  });

  it("rejects unknown options, machines, layouts and impossible values with exit 2", async () => {
    for (const args of [
      ["--frob"],
      ["--machine", "pc"],
      ["--machine", "virt", "--layout", "x86"],
      ["--machine", "virt", "--smp", "two"],
      ["--machine", "virt", "--net", "slirp"],
      ["--machine", "virt", "--iommu", "vt-d"],
      ["--machine", "virt", "--sata", "a.img,rw"],
      ["--machine", "virt", "--cdrom"],
      ["--machine", "virt", "--disk", "a.img,rw"],
      ["--machine", "virt", "--kernel"],
    ]) {
      const r = await run(["run", ...args]);
      expect(r.code, args.join(" ")).toBe(2);
    }
  });

  it("leaves range checks to the board's configuration error (exit 1), before reading any file", async () => {
    for (const [args, msg] of [
      [["--smp", "9"], /cpus must be an integer in 1\.\.8, not 9/],
      [["--memory", "12"], /memoryMiB must be an integer in 64\.\.8192, not 12/],
    ] as const) {
      const r = await run(["run", "--machine", "virt", "--kernel", "/nonexistent/Image", ...args]);
      expect(r.code, args.join(" ")).toBe(1);
      expect(r.err).toMatch(msg);
    }
  });

  it("names a missing file and exits 1", async () => {
    const r = await run(["run", "--machine", "virt", "--kernel", "/nonexistent/Image"]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/kernel "\/nonexistent\/Image" does not exist or is not readable/);
  });

  it("parses a full command line", () => {
    const dir = mkdtempSync(join(tmpdir(), "armature-run-"));
    try {
      for (const f of ["Image", "initrd", "disk.img"]) writeFileSync(join(dir, f), "x");
      const o = parseRunOptions([
        "--machine",
        "virt",
        "--layout",
        "qemu",
        "--kernel",
        join(dir, "Image"),
        "--initrd",
        join(dir, "initrd"),
        "--append",
        "console=hvc0",
        "--disk",
        `${join(dir, "disk.img")},ro`,
        "--net",
        "none",
        "--smp",
        "4",
        "--memory",
        "512",
        "--deterministic",
        "--no-rtc",
        "--iommu",
        "smmuv3",
      ]);
      expect(o).toMatchObject({
        machine: "virt",
        layout: "qemu",
        append: "console=hvc0",
        disk: { readOnly: true },
        net: "none",
        iommu: "smmuv3",
        smp: 4,
        memoryMiB: 512,
        deterministic: true,
        rtc: false,
        uart: true,
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("--iommu is a board option: dtb and acpi describe the SMMU too, and the default is none", async () => {
    const dir = mkdtempSync(join(tmpdir(), "armature-run-"));
    try {
      writeFileSync(join(dir, "Image"), "x");
      expect(parseRunOptions(["--machine", "virt", "--kernel", join(dir, "Image")])).toMatchObject({
        iommu: "none",
      });
      const dts = await run(["dtb", "--machine", "virt", "--iommu", "smmuv3"]);
      expect(dts.code).toBe(0);
      expect(dts.out).toMatch(/smmuv3@20080000 \{[^}]*compatible = "arm,smmu-v3"/);
      expect(dts.out).toMatch(/iommu-map = </);
      expect((await run(["dtb", "--machine", "virt"])).out).not.toMatch(/smmu/);
      const acpi = await run(["acpi", "--out", join(dir, "acpi"), "--machine", "virt", "--iommu", "smmuv3"]);
      expect(acpi.code).toBe(0);
      expect(
        readFileSync(join(dir, "acpi", "IORT.dat"))
          .subarray(0, 4)
          .toString(),
      ).toBe("IORT");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("--sata (repeatable, FILE[,ro]) and --cdrom (repeatable) fill the AHCI ports: disks, then drives", async () => {
    const dir = mkdtempSync(join(tmpdir(), "armature-run-"));
    try {
      for (const f of ["Image", "a.img", "b.img", "x.iso"]) writeFileSync(join(dir, f), "x");
      const k = ["--machine", "virt", "--kernel", join(dir, "Image")];
      const o = parseRunOptions([
        ...k,
        "--cdrom",
        join(dir, "x.iso"),
        "--sata",
        join(dir, "a.img"),
        "--sata",
        `${join(dir, "b.img")},ro`,
      ]);
      expect(o).toMatchObject({
        sata: [
          { path: join(dir, "a.img"), readOnly: false },
          { path: join(dir, "b.img"), readOnly: true },
        ],
        cdrom: [join(dir, "x.iso")],
      });
      expect(parseRunOptions(k)).toMatchObject({ sata: [], cdrom: [] });
      const missing = await run(["run", ...k, "--sata", join(dir, "none.img")]);
      expect(missing.code).toBe(1);
      expect(missing.err).toMatch(/SATA disk image ".*none\.img" does not exist/);
      // The image itself is checked before the machine is built: 2048 zero bytes are no ISO 9660/UDF.
      writeFileSync(join(dir, "zero.iso"), new Uint8Array(2048 * 20));
      const notIso = await run(["run", ...k, "--cdrom", join(dir, "zero.iso")]);
      expect(notIso.code).toBe(1);
      expect(notIso.err).toMatch(/zero\.iso is not an ISO 9660 or UDF image/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("boots a bare-metal binary to PSCI SYSTEM_OFF and exits 0, writing the DTB it generated", async () => {
    const dir = mkdtempSync(join(tmpdir(), "armature-run-"));
    try {
      // A two-instruction kernel assembled by GNU as: x0 = SYSTEM_OFF; hvc #0.
      const src = "movz w0, #8\nmovk w0, #0x8400, lsl #16\nhvc #0\n";
      execFileSync("aarch64-linux-gnu-as", ["-o", join(dir, "k.o"), "-"], { input: src });
      execFileSync("aarch64-linux-gnu-objcopy", ["-O", "binary", join(dir, "k.o"), join(dir, "k.bin")]);
      const r = await run([
        "run",
        "--machine",
        "virt",
        "--kernel",
        join(dir, "k.bin"),
        "--memory",
        "128",
        "--dump-dtb",
        join(dir, "out.dtb"),
      ]);
      expect(r.code).toBe(0);
      const dts = execFileSync("dtc", ["-I", "dtb", "-O", "dts", "-q", join(dir, "out.dtb")]).toString();
      expect(dts).toMatch(/arm,psci-1\.0/);
      expect(readFileSync(join(dir, "out.dtb")).readUInt32BE(0)).toBe(0xd00dfeed);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
