import { execFileSync } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { connect, createServer as createTcpServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { VariableStore } from "@armature/uefi";
import { describe, expect, it, onTestFinished } from "vitest";
import { monitorChecks } from "./linux-monitor.e2e.js";
import { VIRT_USER_NETWORK } from "./net.js";
import {
  bootLinux,
  digests,
  diskRoundTrip,
  type LinuxSession,
  M1_CPUINFO_FEATURES,
  VIRTIO_PCI_FUNCTIONS,
} from "./test/linux.js";
import { VIRT_UEFI_BIOS } from "./uefi.js";

/** The variable the host puts in the built-in UEFI's store before the boot. */
const HOST_VAR = { guid: "6c1e6f0b-5f0e-4b5c-9a3e-2b7d8a1c9e42", name: "ArmatureHost" };

/**
 * The checks of a boot through the built-in UEFI: the kernel's EFI, ACPI and DMI lines,
 * no DT with ACPI, the host's variable in efivarfs, rtc-efi from the runtime GetTime.
 */
async function uefiChecks(s: LinuxSession, acpi: boolean): Promise<void> {
  const log = s.console.output.slice(0, s.markerOffset);
  expect(log).toMatch(/EFI stub: /);
  expect(log).toMatch(/efi: EFI v2\.70 by EDK II/);
  if (acpi) {
    expect(log).toMatch(/ACPI: RSDP 0x[0-9A-F]+ \d+ \(v02 /);
    // DMI: <system manufacturer> <product>, BIOS <version> <date>, from our SMBIOS.
    expect(log).toContain(
      `DMI: Armature Armature virt, BIOS ${VIRT_UEFI_BIOS.version} ${VIRT_UEFI_BIOS.releaseDate}`,
    );
    expect(log).toMatch(/ACPI: Using GIC for interrupt routing/);
    expect((await s.sh("[ -e /proc/device-tree ] && echo present || echo absent")).trim()).toBe("absent");
  } else {
    expect(log).toMatch(/EFI stub: Using DTB from configuration table/);
    expect((await s.sh("cat /proc/device-tree/model")).replace(/\0/g, "")).toMatch(/armature,virt-/);
  }
  const vars = await s.sh(
    "mount -t efivarfs efivarfs /sys/firmware/efi/efivars && ls /sys/firmware/efi/efivars",
  );
  expect(vars).toContain(`${HOST_VAR.name}-${HOST_VAR.guid}`);
  expect(await s.sh("dmesg | grep rtc-efi")).toMatch(/rtc-efi rtc-efi\.0: registered as rtc\d/);
}

const MiB = 1 << 20;
const sha256 = (b: Uint8Array): string => createHash("sha256").update(b).digest("hex");

/** A host HTTP server on 127.0.0.1 (a random port) serving `blob` at /blob. */
async function blobServer(blob: Uint8Array): Promise<{ server: Server; port: number }> {
  const server = createServer((req, res) => {
    if (req.url !== "/blob") {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { "content-type": "application/octet-stream", "content-length": blob.length });
    res.end(blob);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const a = server.address();
  return { server, port: typeof a === "object" && a !== null ? a.port : 0 };
}

/** A TCP port on 127.0.0.1 that nothing listens on right now. */
async function freePort(): Promise<number> {
  const s = createTcpServer();
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", r));
  const a = s.address();
  await new Promise((r) => s.close(r));
  return typeof a === "object" && a !== null ? a.port : 0;
}

/**
 * The end-to-end check: Debian's arm64 cloud kernel and a busybox initramfs (fetched from
 * Debian by scripts/fetch-guest.sh) boot on the board to a shell, and the guest itself confirms the
 * CPU features, the PCI devices, the virtio disk, a clean kernel log and the user
 * network: a DHCP lease, ping, an HTTP download from the host, DNS and a host forward.
 */
export function linuxEndToEnd(
  layout: "vz" | "qemu",
  o: { uefi?: { acpi: boolean }; monitor?: boolean } = {},
): void {
  const uefi = o.uefi;
  const how = uefi === undefined ? "" : `, built-in UEFI${uefi.acpi ? " + ACPI" : ""}`;
  describe(`Debian Linux on the virt board (${layout} layout${how})`, () => {
    it(
      "boots to a busybox shell, passes the guest-side checks and powers off with status 0",
      async () => {
        // The user network, with a host forward from a free host port to the guest's port 5555.
        const fwdPort = await freePort();
        const dumpDir = mkdtempSync(join(tmpdir(), "armature-e2e-"));
        onTestFinished(() => rmSync(dumpDir, { recursive: true, force: true }));
        const pcap = join(dumpDir, "net.pcap");
        // With the built-in UEFI: a variable the host sets, which the guest must list.
        const efiVariables = new VariableStore();
        efiVariables.set(HOST_VAR.guid, HOST_VAR.name, 7, new TextEncoder().encode("from the host"));
        const s = await bootLinux({
          layout,
          ...(uefi === undefined ? {} : { uefi, efiVariables }),
          netDump: pcap,
          net: {
            kind: "user",
            options: {
              ...VIRT_USER_NETWORK,
              hostForwards: [
                { protocol: "tcp", hostAddress: "127.0.0.1", hostPort: fwdPort, guestPort: 5555 },
              ],
            },
          },
        });
        const mips = s.bootInstructions / 1e6 / (s.bootMs / 1000);
        process.stderr.write(
          `[${layout}] shell marker after ${(s.bootMs / 1000).toFixed(1)} s, ${(s.bootInstructions / 1e6).toFixed(0)} M instructions (${mips.toFixed(1)} MIPS)\n`,
        );
        // Kernel messages (e.g. IPv6 ADDRCONF when eth0 comes up) printed to the console while a
        // command runs would land in its output: keep them in the ring buffer (dmesg) only.
        await s.sh("dmesg -n 1");
        expect((await s.sh("uname -m")).trim()).toBe("aarch64");
        if (uefi !== undefined) await uefiChecks(s, uefi.acpi);
        const features = (await s.sh("grep -m1 Features /proc/cpuinfo")).trim();
        expect(features.replace(/^Features\s*:\s*/, "")).toBe(M1_CPUINFO_FEATURES);
        // blk, net, console, balloon and rng behind the ECAM bridge.
        const pci = (await s.sh("ls /sys/bus/pci/devices")).trim().split(/\s+/);
        expect(pci).toEqual(VIRTIO_PCI_FUNCTIONS);
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
        const disk = await diskRoundTrip(s);
        expect(disk.written).toMatch(/^[0-9a-f]{64}$/);
        expect(disk.read).toBe(disk.written);
        expect(disk.host).toBe(disk.written);
        // The network: /init's udhcpc (in the background) leased 10.0.2.15 from the user network,
        // with the gateway as default route and its DNS address in resolv.conf.
        const t0 = Date.now();
        const lease = await s.sh(
          "for i in $(seq 100); do route -n | grep -q '^0\\.0\\.0\\.0' && break; sleep 0.1; done; ifconfig eth0 | grep 'inet addr'; route -n | grep '^0\\.0\\.0\\.0'; cat /etc/resolv.conf",
        );
        expect(lease).toMatch(/inet addr:10\.0\.2\.15 +Bcast:10\.0\.2\.255 +Mask:255\.255\.255\.0/);
        expect(lease).toMatch(/^0\.0\.0\.0 +10\.0\.2\.2 +0\.0\.0\.0 +UG .*eth0$/m);
        expect(lease).toMatch(/^nameserver 10\.0\.2\.3$/m);
        process.stderr.write(`[${layout}] DHCP lease seen ${Date.now() - t0} ms after the prompt\n`);
        const ping = await s.sh("ping -c 2 10.0.2.2", 60_000);
        expect(ping).toMatch(/2 packets transmitted, 2 packets received/);
        // TCP through the NAT: the gateway is the host's 127.0.0.1, where a test server sends
        // 16 MiB of random bytes; the guest's sha256 of what wget got must be the host's.
        let httpPort = 0;
        const blob = new Uint8Array(randomBytes(16 * MiB));
        const http = await blobServer(blob);
        httpPort = http.port;
        try {
          const t1 = Date.now();
          const got = await s.sh(`wget -q -O - http://10.0.2.2:${http.port}/blob | sha256sum`, 600_000);
          const ms = Date.now() - t1;
          expect(digests(got)[0]).toBe(sha256(blob));
          process.stderr.write(
            `[${layout}] wget of 16 MiB from the host: ${ms} ms (${(16000 / ms).toFixed(2)} MiB/s, guest sha256 and shell round trip included)\n`,
          );
        } finally {
          http.server.close();
        }
        // DNS through the host's resolver.
        const ns = await s.sh("nslookup localhost 10.0.2.3", 60_000);
        expect(ns).toMatch(/Address:?\s+127\.0\.0\.1/);
        // A host forward: 4 MiB from a host client to 127.0.0.1:fwdPort reaches `nc -l` in the guest.
        await s.sh("(nc -l -p 5555 </dev/null | sha256sum > /tmp/fwd.sum) & sleep 0.2");
        const sent = new Uint8Array(randomBytes(4 * MiB));
        await new Promise<void>((resolve, reject) => {
          const c = connect(fwdPort, "127.0.0.1", () => c.end(sent));
          const timer = setTimeout(() => {
            c.destroy();
            reject(new Error("the host forward did not carry 4 MiB in 300 s"));
          }, 300_000);
          c.on("error", reject);
          c.on("close", () => {
            clearTimeout(timer);
            resolve();
          });
          c.resume();
        });
        const fwd = await s.sh(
          "for i in $(seq 1200); do [ -s /tmp/fwd.sum ] && break; sleep 0.1; done; cat /tmp/fwd.sum",
          300_000,
        );
        expect(digests(fwd)[0]).toBe(sha256(sent));
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
        // The PMU (PMCR_EL0.N = 4 event counters + the cycle counter) and self-hosted debug (six
        // breakpoints, four watchpoints) as Linux's drivers see them.
        expect(kernelLog).toMatch(
          /hw perfevents: enabled with armv8_pmuv3\S* PMU driver, 5 counters available/,
        );
        expect(kernelLog).toMatch(/hw-breakpoint: found 6 breakpoint and 4 watchpoint registers/);
        expect(await s.sh("ls -d /sys/bus/event_source/devices/armv8_pmuv3*")).toMatch(/armv8_pmuv3/);
        // The monitor over TCP on the running guest (the guest runs on afterwards).
        if (o.monitor === true) await monitorChecks(s, dumpDir);
        s.machine.input(new TextEncoder().encode("poweroff -f\n"));
        expect(await s.stopped).toBe("poweroff");
        // The capture, closed with the machine, is read by tcpdump (an independent reader): the
        // DHCP exchange, the DNS query and the HTTP connection are in it.
        const dump = execFileSync("tcpdump", ["-n", "-r", pcap], {
          maxBuffer: 256 << 20,
          stdio: ["ignore", "pipe", "ignore"],
        }).toString();
        expect(dump).toMatch(/10\.0\.2\.2\.67 > [\d.]+\.68: BOOTP\/DHCP, Reply/);
        expect(dump).toMatch(/10\.0\.2\.15\.\d+ > 10\.0\.2\.3\.53: \d+\+ A\? localhost\./);
        expect(dump).toMatch(
          new RegExp(`10\\.0\\.2\\.15\\.\\d+ > 10\\.0\\.2\\.2\\.${httpPort}: Flags \\[S\\]`),
        );
        expect(dump).toMatch(/10\.0\.2\.2\.\d+ > 10\.0\.2\.15\.5555: Flags \[S\]/);
      },
      30 * 60_000,
    );
  });
}
