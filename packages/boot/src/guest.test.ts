// Checks the initramfs scripts/fetch-guest.sh builds, with cpio (an independent reader).
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { gunzipSync } from "node:zlib";
import { beforeAll, describe, expect, it } from "vitest";
import { ensureGuest, GUEST, REPO } from "./test/guest.js";

// The drivers the boards need (module names as modinfo spells them). scripts/fetch-guest.sh adds
// their dependencies itself, in modinfo `depends=` order, so the full list is read from /init and
// each dependency is checked against it rather than written out here.
const NEEDED = [
  "virtio_pci",
  "virtio_mmio",
  "virtio_blk",
  "virtio_net",
  "virtio_console",
  "virtio_balloon",
  "virtio_rng",
];
const norm = (m: string): string => m.replace(/-/g, "_");

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

  const loadOrder = (): string[] => {
    const init = extract("init").toString();
    return /for m in ([^;]+);/.exec(init)?.[1]?.trim().split(/\s+/) ?? [];
  };

  it("holds /init, busybox and every virtio driver module as an uncompressed aarch64 ELF", () => {
    const r = spawnSync("cpio", ["-t", "--quiet"], { input: cpio });
    if (r.error) throw new Error("cpio is missing: run `bash scripts/install-system-tools.sh`");
    const names = new Set(r.stdout.toString().split("\n"));
    const modules = [...names].filter((n) => n.startsWith("lib/modules/") && n.endsWith(".ko"));
    for (const m of NEEDED) expect(modules, m).toContain(`lib/modules/${m}.ko`);
    for (const f of ["init", "bin/busybox", "bin/sh"]) expect(names, f).toContain(f);
    // An aarch64 ELF busybox and uncompressed modules (busybox insmod cannot read .ko.xz).
    const bb = extract("bin/busybox");
    expect(bb.subarray(0, 4).toString("latin1")).toBe("\x7fELF");
    expect(bb.readUInt16LE(18)).toBe(183); // EM_AARCH64
    for (const m of modules) {
      const ko = extract(m);
      expect(ko.subarray(0, 4).toString("latin1"), m).toBe("\x7fELF");
      expect(ko.readUInt16LE(18), m).toBe(183);
    }
  });

  it("/init mounts, loads each module after its dependencies, prints the marker, starts a shell", () => {
    const init = extract("init").toString();
    expect(init.startsWith("#!/bin/sh\n")).toBe(true);
    for (const fs of ["proc", "sysfs", "devtmpfs"]) expect(init).toMatch(new RegExp(`mount -t ${fs} `));
    const order = loadOrder();
    for (const m of NEEDED) expect(order, `/init loads ${m}`).toContain(m);
    expect(new Set(order).size, "each module loaded once").toBe(order.length);
    for (const [i, m] of order.entries()) {
      const info = extract(`lib/modules/${m}.ko`).toString("latin1");
      expect(/\0name=([^\0]*)\0/.exec(info)?.[1], `${m}.ko's modinfo name`).toBe(m);
      const deps = /\0depends=([^\0]*)\0/.exec(info)?.[1] ?? "";
      for (const d of deps.split(",").filter(Boolean))
        expect(order.slice(0, i).map(norm), `${m} depends on ${d}`).toContain(norm(d));
    }
    expect(init.indexOf("echo ARMATURE-SHELL-READY")).toBeGreaterThan(init.indexOf("insmod"));
    expect(init).toMatch(/setsid cttyhack sh/);
  });

  it("/init brings eth0 up with udhcpc in the background, bounded, with a lease script that sets address, route and DNS", () => {
    const init = extract("init").toString();
    const line = init.split("\n").find((l) => /^\s*udhcpc /.test(l));
    expect(line, "/init runs udhcpc").toBeDefined();
    const args = line!.trim().split(/\s+/);
    const arg = (flag: string): string | undefined => args[args.indexOf(flag) + 1];
    expect(arg("-i")).toBe("eth0");
    // Gives up (-n) after a few short tries, so a machine without a network boots as fast.
    expect(args).toContain("-n");
    expect(Number(arg("-t")) * Number(arg("-T"))).toBeLessThanOrEqual(5);
    expect(line!.trim().endsWith("&"), "udhcpc runs in the background").toBe(true);
    expect(init.indexOf(line!)).toBeLessThan(init.indexOf("echo ARMATURE-SHELL-READY"));
    expect(init).toMatch(/ifconfig eth0 up/);
    const scriptPath = arg("-s") ?? "/usr/share/udhcpc/default.script";
    const script = extract(scriptPath.replace(/^\//, "")).toString();
    expect(script.startsWith("#!/bin/sh\n")).toBe(true);
    const r = spawnSync("cpio", ["-tv", "--quiet", scriptPath.replace(/^\//, "")], { input: cpio });
    expect(r.stdout.toString(), "the lease script is executable").toMatch(/^-rwxr-xr-x/);
    // bound/renew: the address with its netmask, the router as default route, the DNS servers.
    expect(script).toMatch(/bound \| renew\)/);
    expect(script).toMatch(/ifconfig "\$interface" "\$ip" netmask/);
    expect(script).toMatch(/route add default gw "\$r" dev "\$interface"/);
    expect(script).toMatch(/echo "nameserver \$d" >>\/etc\/resolv.conf/);
    // The script parses as sh (busybox's ash follows POSIX sh).
    const syntax = spawnSync("sh", ["-n"], { input: script });
    expect(syntax.status, syntax.stderr.toString()).toBe(0);
  });

  it("records what was fetched in manifest.json", () => {
    const m = JSON.parse(readFileSync(resolve(GUEST, "manifest.json"), "utf8")) as {
      kernel: { package: string; version: string };
      busybox: { package: string };
      files: { Image: { size: number } };
      modules: string[];
      initramfsVersion: number;
    };
    expect(m.modules).toEqual(loadOrder());
    expect(m.initramfsVersion, "the manifest names the /init version the script builds").toBe(
      Number(
        /^INITRAMFS_VERSION=(\d+)$/m.exec(readFileSync(resolve(REPO, "scripts/fetch-guest.sh"), "utf8"))?.[1],
      ),
    );
    expect(m.kernel.package).toMatch(/^linux-image-\d[\d.]*-\d+-cloud-arm64-unsigned$/);
    expect(m.busybox.package).toBe("busybox-static");
    expect(m.files.Image.size).toBe(readFileSync(resolve(GUEST, "Image")).length);
  });
});
