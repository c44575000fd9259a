// Checks the initramfs scripts/fetch-guest.sh builds, with cpio (an independent reader).
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { gunzipSync } from "node:zlib";
import { beforeAll, describe, expect, it } from "vitest";
import { ensureGuest, GUEST } from "./test/guest.js";

const MODULES = [
  "virtio_ring",
  "virtio",
  "virtio_pci_legacy_dev",
  "virtio_pci_modern_dev",
  "virtio_pci",
  "virtio_blk",
  "failover",
  "net_failover",
  "virtio_net",
  "virtio_console",
  "virtio_balloon",
  "virtio-rng",
];

describe("the guest initramfs (scripts/fetch-guest.sh)", () => {
  let cpio: Buffer;
  const extract = (path: string): Buffer => {
    const r = spawnSync("cpio", ["-i", "--quiet", "--to-stdout", path], { input: cpio, maxBuffer: 64 << 20 });
    if (r.error) throw new Error("cpio is missing: run `bash scripts/install-system-tools.sh`");
    return r.stdout;
  };
  beforeAll(() => {
    ensureGuest();
    cpio = gunzipSync(readFileSync(resolve(GUEST, "initramfs.cpio.gz")));
  }, 20 * 60_000);

  it("holds /init, busybox and the twelve virtio modules", () => {
    const r = spawnSync("cpio", ["-t", "--quiet"], { input: cpio });
    if (r.error) throw new Error("cpio is missing: run `bash scripts/install-system-tools.sh`");
    const names = new Set(r.stdout.toString().split("\n"));
    for (const f of ["init", "bin/busybox", "bin/sh", ...MODULES.map((m) => `lib/modules/${m}.ko`)])
      expect(names, f).toContain(f);
    // An aarch64 ELF busybox and uncompressed modules (busybox insmod cannot read .ko.xz).
    const bb = extract("bin/busybox");
    expect(bb.subarray(0, 4).toString("latin1")).toBe("\x7fELF");
    expect(bb.readUInt16LE(18)).toBe(183); // EM_AARCH64
    for (const m of MODULES)
      expect(extract(`lib/modules/${m}.ko`).subarray(0, 4).toString("latin1")).toBe("\x7fELF");
  });

  it("/init mounts, loads each module after its dependencies, prints the marker, starts a shell", () => {
    const init = extract("init").toString();
    expect(init.startsWith("#!/bin/sh\n")).toBe(true);
    for (const fs of ["proc", "sysfs", "devtmpfs"]) expect(init).toMatch(new RegExp(`mount -t ${fs} `));
    const order = /for m in ([^;]+);/.exec(init)?.[1]?.trim().split(/\s+/);
    expect(order).toEqual(MODULES);
    for (const [i, m] of MODULES.entries()) {
      const info = extract(`lib/modules/${m}.ko`).toString("latin1");
      const deps = /\0depends=([^\0]*)\0/.exec(info)?.[1] ?? "";
      for (const d of deps.split(",").filter(Boolean))
        expect(
          MODULES.slice(0, i).map((x) => x.replace(/-/g, "_")),
          `${m} depends on ${d}`,
        ).toContain(d.replace(/-/g, "_"));
    }
    expect(init.indexOf("echo ARMATURE-SHELL-READY")).toBeGreaterThan(init.indexOf("insmod"));
    expect(init).toMatch(/setsid cttyhack sh/);
  });

  it("records what was fetched in manifest.json", () => {
    const m = JSON.parse(readFileSync(resolve(GUEST, "manifest.json"), "utf8")) as {
      kernel: { package: string; version: string };
      busybox: { package: string };
      files: { Image: { size: number } };
    };
    expect(m.kernel.package).toMatch(/^linux-image-\d[\d.]*-\d+-cloud-arm64-unsigned$/);
    expect(m.busybox.package).toBe("busybox-static");
    expect(m.files.Image.size).toBe(readFileSync(resolve(GUEST, "Image")).length);
  });
});
