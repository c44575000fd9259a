// Snapshots on the virt board booted through the built-in UEFI (qemu layout, ACPI, as CI's Linux
// e2e): once the kernel has called ExitBootServices the firmware's runtime state is a section of
// the snapshot; before that a save is refused. Deterministic Debian cloud kernel, no Linux shell.
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SnapshotError } from "@armature/core";
import { afterAll, describe, expect, it } from "vitest";
import { expectReplay, recordedMachine } from "./test/replay.js";

const guest = join(import.meta.dirname, "..", "..", "..", ".cache", "guest");
const dir = mkdtempSync(join(tmpdir(), "armature-uefi-snap-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe.skipIf(!existsSync(join(guest, "Image")))("virt + built-in UEFI snapshots", () => {
  it("refused before ExitBootServices; after it, restore at N + run M = one run of N + M", async () => {
    const kernel = new Uint8Array(readFileSync(join(guest, "Image")));
    const initrd = new Uint8Array(readFileSync(join(guest, "initramfs.cpio.gz")));
    const build = (acpi = true) =>
      recordedMachine({
        layout: "qemu",
        uefi: { acpi },
        kernel,
        initrd,
        memoryMiB: 256,
        deterministic: true,
        net: "none",
      });
    const a = build();
    expect(await a.m.run({ maxInstructions: 1000 })).toBe("budget");
    expect(() => a.m.saveSnapshot(join(dir, "early.snap"))).toThrow(SnapshotError);
    expect(existsSync(join(dir, "early.snap"))).toBe(false);
    const N = 60_000_000;
    const M = 2_000_000;
    expect(await a.m.run({ maxInstructions: N - 1000 })).toBe("budget");
    expect(a.m.snapshotSections().map((s) => s.name)).toContain("uefi");
    const file = join(dir, "ebs.snap");
    const { b } = await expectReplay(a, build, file, M);
    a.m.close();
    b.m.close();
    // Built with the device tree instead of ACPI: another configuration.
    const dt = build(false).m;
    expect(() => dt.restoreSnapshot(file)).toThrow(/configuration|machine/);
  }, 180_000);
});
