import { describe, expect, it } from "vitest";
import { bootLinux, diskSha256, M1_CPUINFO_FEATURES } from "./test/linux.js";

/**
 * Issue #10's end-to-end check: Debian's arm64 cloud kernel and a busybox initramfs (fetched from
 * Debian by scripts/fetch-guest.sh) boot on the board to a shell, and the guest itself confirms the
 * CPU features, the PCI devices, the virtio disk and network, and a clean kernel log.
 */
export function linuxEndToEnd(layout: "vz" | "qemu"): void {
  describe(`Debian Linux on the virt board (${layout} layout)`, () => {
    it(
      "boots to a busybox shell, passes the guest-side checks and powers off with status 0",
      async () => {
        const s = await bootLinux({ layout });
        const mips = s.bootInstructions / 1e6 / (s.bootMs / 1000);
        process.stderr.write(
          `[${layout}] shell marker after ${(s.bootMs / 1000).toFixed(1)} s, ${(s.bootInstructions / 1e6).toFixed(0)} M instructions (${mips.toFixed(1)} MIPS)\n`,
        );
        expect((await s.sh("uname -m")).trim()).toBe("aarch64");
        const features = (await s.sh("grep -m1 Features /proc/cpuinfo")).trim();
        expect(features.replace(/^Features\s*:\s*/, "")).toBe(M1_CPUINFO_FEATURES);
        // blk, net, console, balloon and rng behind the ECAM bridge.
        const pci = (await s.sh("ls /sys/bus/pci/devices")).trim().split(/\s+/);
        expect(pci).toEqual(["0000:00:01.0", "0000:00:02.0", "0000:00:03.0", "0000:00:04.0", "0000:00:05.0"]);
        // Every virtio device is bound to its (modular) Linux driver.
        const drivers = (
          await s.sh("for d in /sys/bus/virtio/devices/*; do basename $(readlink $d/driver); done | sort")
        )
          .trim()
          .split(/\s+/);
        expect(drivers).toEqual([
          "virtio_balloon",
          "virtio_blk",
          "virtio_console",
          "virtio_net",
          "virtio_rng",
        ]);
        // Write 256 KiB of random data to the virtio disk, read it back, compare in the guest and on the host.
        await s.sh("dd if=/dev/urandom of=/tmp/a bs=4096 count=64 2>/dev/null");
        await s.sh("dd if=/tmp/a of=/dev/vda bs=4096 count=64 conv=fsync 2>/dev/null");
        await s.sh("echo 3 > /proc/sys/vm/drop_caches");
        await s.sh("dd if=/dev/vda of=/tmp/b bs=4096 count=64 2>/dev/null");
        const sums = (await s.sh("sha256sum /tmp/a /tmp/b")).trim().split("\n");
        const a = sums[0]!.split(/\s+/)[0]!;
        const b = sums[1]!.split(/\s+/)[0]!;
        expect(a).toMatch(/^[0-9a-f]{64}$/);
        expect(b).toBe(a);
        expect(diskSha256(s.disk, 256 * 1024)).toBe(a);
        // The network: the built-in peer at 10.0.2.2 answers ARP and ICMP echo.
        await s.sh("ip addr add 10.0.2.15/24 dev eth0 || ifconfig eth0 10.0.2.15 netmask 255.255.255.0");
        await s.sh("ip link set eth0 up || ifconfig eth0 up");
        const ping = await s.sh("ping -c 3 10.0.2.2", 60_000);
        expect(ping).toMatch(/3 packets transmitted, 3 packets received/);
        // No crypto self-test failure, oops, BUG or WARNING in the kernel log.
        const bad = (
          await s.sh("dmesg | grep -E 'alg: .*fail|self-test.*fail|Oops|BUG:|WARNING:' | wc -l")
        ).trim();
        expect(bad).toBe("0");
        // The kernel's own console output up to the shell (not the commands typed since).
        const kernelLog = s.console.output.slice(0, s.markerOffset);
        const badLines = kernelLog
          .split("\n")
          .filter((l) => /Kernel panic|Oops|BUG:|WARNING:|alg: .*fail/.test(l));
        expect(badLines).toEqual([]);
        expect(kernelLog).toMatch(/alg: self-tests for .* passed|Run \/init as init process/);
        s.machine.input(new TextEncoder().encode("poweroff -f\n"));
        expect(await s.stopped).toBe("poweroff");
      },
      30 * 60_000,
    );
  });
}
