// Snapshots with firmware boot (`firmware`, armature run --bios): Debian's EDK2 (AAVMF) on the qemu
// layout, deterministic; the flash banks and fw_cfg are sections of the snapshot. EDK2 runs for N
// instructions (it reads fw_cfg and its variable store on the way), is saved, and restored into a
// fresh machine: M more instructions give the state of one run of N + M.
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { AAVMF_DIR } from "./test/edk2.js";
import { expectReplay, recordedMachine } from "./test/replay.js";

const code = join(AAVMF_DIR, "AAVMF_CODE.fd");
const dir = mkdtempSync(join(tmpdir(), "armature-fw-snap-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe.skipIf(!existsSync(code))("virt + EDK2 (firmware) snapshots", () => {
  it("restore at N + run M = one run of N + M; the flash banks and fw_cfg are saved", async () => {
    const firmware = new Uint8Array(readFileSync(code));
    const build = (acpi = true) =>
      recordedMachine({
        layout: "qemu",
        firmware: { code: firmware, acpi },
        memoryMiB: 256,
        deterministic: true,
        net: "none",
      });
    const N = 40_000_000;
    const M = 10_000_000;
    const a = build();
    expect(await a.m.run({ maxInstructions: N })).toBe("budget");
    const names = a.m.snapshotSections().map((s) => s.name);
    expect(names).toEqual(expect.arrayContaining(["flash0", "flash1", "fw-cfg"]));
    const file = join(dir, "edk2.snap");
    const { b } = await expectReplay(a, build, file, M);
    a.m.close();
    b.m.close();
    // Firmware told to give the OS a device tree instead: another configuration.
    const dt = build(false).m;
    expect(() => dt.restoreSnapshot(file)).toThrow(/configuration/);
    dt.close();
  }, 180_000);
});
