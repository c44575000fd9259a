import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ConfigError } from "@armature/core";
import { thrownBy } from "@armature/core/test";
import { afterAll, describe, expect, it } from "vitest";
import { openCdromImage, openSataImage } from "./host.js";
import { buildIso9660 } from "./test/iso.js";

describe("host image checks (--sata / --cdrom)", () => {
  const dir = mkdtempSync(join(tmpdir(), "ahci-host-"));
  const iso = join(dir, "ok.iso");
  writeFileSync(iso, buildIso9660([{ name: "A.TXT", data: new Uint8Array(1) }]));
  const disk = join(dir, "disk.img");
  writeFileSync(disk, new Uint8Array(1 << 20));
  mkdirSync(join(dir, "adir"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("opens a good ISO read-only with 2048-byte blocks and a good disk", () => {
    const b = openCdromImage(iso);
    expect(b.readOnly).toBe(true);
    expect(b.blockSize).toBe(2048);
    expect(openSataImage(disk).size).toBe(1 << 20);
    expect(openSataImage(disk, { readOnly: true }).readOnly).toBe(true);
  });

  it("refuses a missing path, a directory, and a non-ISO image, each with one line", () => {
    const msg = (f: () => unknown) => thrownBy(f, ConfigError).message;
    expect(msg(() => openCdromImage(join(dir, "nope.iso")))).toMatch(/no such file/);
    expect(msg(() => openSataImage(join(dir, "nope.img")))).toMatch(/no such file/);
    expect(msg(() => openCdromImage(join(dir, "adir")))).toMatch(/is a directory/);
    expect(msg(() => openSataImage(join(dir, "adir")))).toMatch(/is a directory/);
    expect(msg(() => openCdromImage(disk))).toMatch(/not an ISO 9660 or UDF image/);
    for (const m of [msg(() => openCdromImage(disk)), msg(() => openCdromImage(join(dir, "adir")))])
      expect(m.includes("\n")).toBe(false);
  });

  it("refuses an unreadable file (when not running as root)", () => {
    if (process.getuid?.() === 0) return;
    const p = join(dir, "locked.iso");
    writeFileSync(p, buildIso9660([]));
    chmodSync(p, 0o000);
    expect(() => openCdromImage(p)).toThrow(ConfigError);
  });
});
