// Issue #25 on the virt board booted through the built-in UEFI (qemu layout, ACPI, as CI's Linux
// e2e): once the kernel has called ExitBootServices the firmware's runtime state is a section of
// the snapshot; before that a save is refused. Deterministic Debian cloud kernel, no Linux shell.
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SnapshotError } from "@armature/core";
import { afterAll, describe, expect, it } from "vitest";
import { VirtMachine } from "./machine.js";

const guest = join(import.meta.dirname, "..", "..", "..", ".cache", "guest");
const dir = mkdtempSync(join(tmpdir(), "armature-uefi-snap-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe.skipIf(!existsSync(join(guest, "Image")))("virt + built-in UEFI snapshots", () => {
  it("refused before ExitBootServices; after it, restore at N + run M = one run of N + M", async () => {
    const kernel = new Uint8Array(readFileSync(join(guest, "Image")));
    const initrd = new Uint8Array(readFileSync(join(guest, "initramfs.cpio.gz")));
    let out = "";
    const build = () =>
      new VirtMachine({
        layout: "qemu",
        uefi: { acpi: true },
        kernel,
        initrd,
        memoryMiB: 256,
        deterministic: true,
        net: "none",
        console: { write: (b) => (out += Buffer.from(b).toString("latin1")) },
      });
    const a = build();
    expect(await a.run({ maxInstructions: 1000 })).toBe("budget");
    expect(() => a.saveSnapshot(join(dir, "early.snap"))).toThrow(SnapshotError);
    expect(existsSync(join(dir, "early.snap"))).toBe(false);
    const N = 60_000_000;
    const M = 2_000_000;
    expect(await a.run({ maxInstructions: N - 1000 })).toBe("budget");
    expect(a.snapshotSections().map((s) => s.name)).toContain("uefi");
    const file = join(dir, "ebs.snap");
    a.saveSnapshot(file);
    const mark = out.length;
    expect(await a.run({ maxInstructions: M })).toBe("budget");
    const want = { hash: a.stateHash(), retired: a.retired(), clock: a.clock.nowNs(), out: out.slice(mark) };
    a.close?.();
    out = "";
    const b = build();
    b.restoreSnapshot(file);
    expect(b.retired()).toBe(N);
    expect(await b.run({ maxInstructions: M })).toBe("budget");
    expect({ hash: b.stateHash(), retired: b.retired(), clock: b.clock.nowNs(), out }).toEqual(want);
    // Built with the device tree instead of ACPI: another configuration.
    const dt = new VirtMachine({
      layout: "qemu",
      uefi: true,
      kernel,
      initrd,
      memoryMiB: 256,
      deterministic: true,
      net: "none",
    });
    expect(() => dt.restoreSnapshot(file)).toThrow(/configuration|machine/);
  }, 180_000);
});
