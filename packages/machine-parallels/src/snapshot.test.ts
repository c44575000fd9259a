/**
 * Snapshots on the Parallels-like board: Debian's generic kernel booted deterministically through
 * the built-in UEFI (EFI stub, ExitBootServices), saved at instruction N once Linux has probed the
 * SMMUv3, AHCI, USB and virtio-mmio devices, restored into a new machine and run M more gives the
 * state hash and console output of one run of N + M. Refusals change nothing.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { SnapshotError } from "@armature/core";
import { thrownBy } from "@armature/core/test";
import { afterAll, describe, expect, it } from "vitest";
import { ParallelsMachine, type ParallelsMachineOptions } from "./machine.js";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");
const GUEST = process.env.ARMATURE_GUEST_GENERIC_CACHE ?? join(ROOT, ".cache", "guest-generic");
const have = ["Image", "initramfs.cpio.gz"].every((f) => existsSync(join(GUEST, f)));
const enabled = process.env.ARMATURE_E2E_PARALLELS !== "0" && have;
/**
 * Saved once Linux has probed the SMMU, virtio-mmio (~1.05 G), virtio-gpu's DRM (~1.3 G), AHCI's
 * DVD (~1.4 G) and the xHCI root hubs (~1.6 G); the restored run enumerates the USB camera
 * (~1.8 G) through the restored xHCI.
 */
const N = Number(process.env.PARALLELS_SNAPSHOT_N ?? 1_700_000_000);
const M = Number(process.env.PARALLELS_SNAPSHOT_M ?? 200_000_000);

function machine(out: string[], o: Partial<ParallelsMachineOptions> = {}): ParallelsMachine {
  return new ParallelsMachine({
    kernel: new Uint8Array(readFileSync(join(GUEST, "Image"))),
    initrd: new Uint8Array(readFileSync(join(GUEST, "initramfs.cpio.gz"))),
    cmdline: "console=ttyAMA0",
    deterministic: true,
    net: "none",
    memoryMiB: 512,
    console: { write: (b) => out.push(Buffer.from(b).toString("latin1")) },
    ...o,
  });
}

describe.skipIf(!enabled)("snapshot replay on the Parallels-like board (Debian's generic kernel)", () => {
  const tmp = mkdtempSync(join(tmpdir(), "armature-parallels-snap-"));
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  it(`saved at N = ${N}, restored and run M = ${M} more: the state hash and console of one run of N + M`, async () => {
    const outA: string[] = [];
    const a = machine(outA);
    // Before ExitBootServices the firmware's boot services run on the host: refused, typed.
    expect(() => a.stateHash()).toThrow(/before ExitBootServices/);
    expect(await a.run({ maxInstructions: N })).toBe("budget");
    expect(a.retired()).toBe(N);
    expect(a.firmware.bootServicesExited).toBe(true);
    const atN = outA.join("");
    // The devices are probed and hold driver state; the camera is enumerated after N.
    for (const probed of ["virtio-mmio", "virtio_gpu", "Virtual DVD-ROM", "hub 3-0:1.0"])
      expect(atN).toContain(probed);
    expect(atN).not.toContain("Found UVC");
    const file = join(tmp, "n.snap");
    const bytes = a.saveSnapshot(file);
    expect(statSync(file).size).toBe(bytes);
    const hashAtN = a.stateHash();
    expect(await a.run({ maxInstructions: M })).toBe("budget");
    const hashA = a.stateHash();
    const tailA = outA.join("").slice(atN.length);
    expect(hashA).not.toBe(hashAtN);

    const outB: string[] = [];
    const b = machine(outB);
    b.restoreSnapshot(file);
    expect(b.stateHash()).toBe(hashAtN);
    expect(b.retired()).toBe(N);
    expect(await b.run({ maxInstructions: M })).toBe("budget");
    expect(b.retired()).toBe(N + M);
    expect(outB.join("")).toBe(tailA);
    expect(tailA).toContain("Found UVC"); // USB enumeration ran through the restored xHCI
    expect(b.stateHash()).toBe(hashA);

    // Refusals: another board configuration, a truncated and a corrupt file; nothing changes.
    const hashB = b.stateHash();
    const other = machine([], { memoryMiB: 256 });
    const reason = (f: () => void) => thrownBy(f, SnapshotError).reason;
    expect(reason(() => other.restoreSnapshot(file))).toBe("board");
    const whole = readFileSync(file);
    writeFileSync(join(tmp, "cut.snap"), whole.subarray(0, whole.length >> 1));
    expect(reason(() => b.restoreSnapshot(join(tmp, "cut.snap")))).toBe("truncated");
    const bad = Buffer.from(whole);
    bad[bad.length >> 1]! ^= 0x40;
    writeFileSync(join(tmp, "bad.snap"), bad);
    expect(reason(() => b.restoreSnapshot(join(tmp, "bad.snap")))).toBe("corrupt");
    expect(b.stateHash()).toBe(hashB);
  }, 600_000);
});
