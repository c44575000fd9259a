/**
 * Linux behind the board's SMMUv3 (opt-in: ARMATURE_E2E_IOMMU=1; ARMATURE_E2E_IOMMU_LAYOUT=vz,qemu
 * picks the layouts, default vz). Debian's cloud kernel boots with `iommu: "smmuv3"`: arm-smmu-v3
 * probes from the DT node, every virtio function sits in an IOMMU group, and the virtio disk
 * and network still work with their DMA and MSIs translated. ARMATURE_E2E_IOMMU_MODES=
 * default,passthrough,strict boots once per mode: the default DMA domain (lazy invalidation),
 * `iommu.passthrough=1` (identity domains), `iommu.strict=1` (invalidation on every unmap) and
 * lazy (`iommu.strict=0`: a flush queue).
 */
import { smmuGuestChecks } from "@armature/smmu/test";
import { describe, expect, it } from "vitest";
import { bootLinux, diskRoundTrip, VIRTIO_PCI_FUNCTIONS } from "./test/linux.js";

const enabled = process.env.ARMATURE_E2E_IOMMU === "1";
const layouts = (process.env.ARMATURE_E2E_IOMMU_LAYOUT ?? "vz").split(",") as Array<"vz" | "qemu">;
const MODES: Record<string, string> = {
  default: "",
  passthrough: "iommu.passthrough=1",
  strict: "iommu.strict=1",
  lazy: "iommu.strict=0",
};
const modes = (process.env.ARMATURE_E2E_IOMMU_MODES ?? "default").split(",");

describe.skipIf(!enabled)("Debian Linux behind the virt board's SMMUv3 (ARMATURE_E2E_IOMMU=1)", () => {
  for (const layout of layouts)
    for (const mode of modes) {
      it(
        `${layout} ${mode}: arm-smmu-v3 probes, the virtio functions are in IOMMU groups, disk and ping work`,
        async () => {
          if (!(mode in MODES))
            throw new Error(
              `ARMATURE_E2E_IOMMU_MODES: unknown mode "${mode}" (${Object.keys(MODES).join(", ")})`,
            );
          const s = await bootLinux({
            layout,
            iommu: "smmuv3",
            append: MODES[mode]!,
            ...(process.env.ARMATURE_E2E_ECHO ? { echo: (t: string) => process.stderr.write(t) } : {}),
          });
          process.stderr.write(
            `[iommu ${layout} ${mode}] shell after ${(s.bootMs / 1000).toFixed(1)} s, ${(s.bootInstructions / 1e6).toFixed(0)} M instructions\n`,
          );
          const r = await smmuGuestChecks((c) => s.sh(c));
          process.stderr.write(
            `[iommu ${layout} ${mode}] ${r.probeLine}\n[iommu ${layout} ${mode}] groups: ${r.groupedDevices.join(" ")}\n`,
          );
          expect(r.problems).toEqual([]);
          expect(r.probeLine).toMatch(/arm-smmu-v3 [0-9a-f]+\.smmuv3: ias 48-bit, oas 48-bit/);
          // The five virtio functions (blk, net, console, balloon, rng) are each in a group.
          expect(r.groupedDevices).toEqual(expect.arrayContaining(VIRTIO_PCI_FUNCTIONS));
          // The disk through translated DMA: 256 KiB written, read back, compared in the guest and on the host.
          const disk = await diskRoundTrip(s);
          expect(disk.written).toMatch(/^[0-9a-f]{64}$/);
          expect(disk.read).toBe(disk.written);
          expect(disk.host).toBe(disk.written);
          // The network (translated MSIs and buffers): the built-in peer answers ping.
          await s.sh("ip addr add 10.0.2.15/24 dev eth0; ip link set eth0 up");
          expect(await s.sh("ping -c 2 10.0.2.2", 60_000)).toMatch(
            /2 packets transmitted, 2 packets received/,
          );
          // The default domain type each mode asks for (Debian's 6.1 defaults to strict "DMA";
          // lazy invalidation through a flush queue is "DMA-FQ").
          const types = new Set((await s.sh("cat /sys/kernel/iommu_groups/*/type")).trim().split(/\s+/));
          process.stderr.write(`[iommu ${layout} ${mode}] domain types: ${[...types].join(" ")}\n`);
          expect([...types]).toEqual([
            { default: "DMA", passthrough: "identity", strict: "DMA", lazy: "DMA-FQ" }[mode],
          ]);
          expect(s.machine.smmu).toBeDefined();
          const bad = (await s.sh("dmesg | grep -E 'Oops|BUG:|WARNING:|arm-smmu-v3.*event' | wc -l")).trim();
          expect(bad).toBe("0");
          s.machine.input(new TextEncoder().encode("poweroff -f\n"));
          expect(await s.stopped).toBe("poweroff");
        },
        30 * 60_000,
      );
    }
});
