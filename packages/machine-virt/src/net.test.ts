import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ConfigError, type NetBackend } from "@armature/core";
import { PcapTap, UserNetwork } from "@armature/net";
import { describe, expect, it } from "vitest";
import { VirtMachine } from "./machine.js";
import { VIRT_USER_NETWORK, virtNetBackend } from "./net.js";

// movz w0, #8; movk w0, #0x8400, lsl #16 (PSCI SYSTEM_OFF); hvc #0; b .
const SYSTEM_OFF = new Uint8Array(new Uint32Array([0x52800100, 0x72b08000, 0xd4000002, 0x14000000]).buffer);

/** A backend that counts what the machine does with it. */
function countingBackend(): NetBackend & { closes: number; attached: boolean } {
  const b = {
    closes: 0,
    attached: false,
    send(): void {},
    attach(): void {
      b.attached = true;
    },
    close(): void {
      b.closes++;
    },
  };
  return b;
}

describe("the virt board's network", () => {
  it('is a user network on QEMU\'s addresses by default (and for the old name "builtin")', () => {
    for (const net of [undefined, "user", "builtin"] as const) {
      const m = new VirtMachine({ kernel: SYSTEM_OFF, memoryMiB: 64, ...(net === undefined ? {} : { net }) });
      const n = m.network;
      expect(n, String(net)).toBeInstanceOf(UserNetwork);
      const u = n as UserNetwork;
      expect([u.network, u.gateway, u.dnsAddress, u.dhcp.config.start]).toEqual([
        0x0a000200, 0x0a000202, 0x0a000203, 0x0a00020f,
      ]);
      m.close();
    }
    expect(VIRT_USER_NETWORK).toEqual({
      network: "10.0.2.0/24",
      host: "10.0.2.2",
      dns: "10.0.2.3",
      dhcpStart: "10.0.2.15",
    });
  });

  it("takes a NetSpec: other addresses, none; a backend is used as is", () => {
    const other = virtNetBackend({ kind: "user", options: { network: "192.168.7.0/24" } }) as UserNetwork;
    expect(other.gateway).toBe(0xc0a80702);
    other.close();
    const dns = virtNetBackend({ kind: "user", options: { dns: "10.0.2.4" } }) as UserNetwork;
    expect([dns.network, dns.dnsAddress]).toEqual([0x0a000200, 0x0a000204]);
    dns.close();
    expect(virtNetBackend({ kind: "none" })).toBeUndefined();
    expect(virtNetBackend("none")).toBeUndefined();
    const b = countingBackend();
    expect(virtNetBackend(b)).toBe(b);
    expect(() => virtNetBackend({ kind: "user", options: { host: "10.0.3.2" } })).toThrow(ConfigError);
  });

  it('leaves the card out with "none"', () => {
    const m = new VirtMachine({ kernel: SYSTEM_OFF, memoryMiB: 64, net: "none" });
    expect(m.network).toBeUndefined();
    expect(m.devices.map((d) => d.device.name)).not.toContain("net");
  });

  it("closes the backend once when the machine stops, not when it only spends its budget", async () => {
    const b = countingBackend();
    const m = new VirtMachine({ kernel: SYSTEM_OFF, memoryMiB: 64, net: b });
    expect(b.attached).toBe(true);
    expect(await m.run({ maxInstructions: 1 })).toBe("budget");
    expect(b.closes).toBe(0);
    expect(await m.run()).toBe("poweroff");
    expect(b.closes).toBe(1);
    m.close();
    expect(b.closes).toBe(1);
  });

  it("closes the backend when the kernel cannot be loaded", () => {
    const b = countingBackend();
    expect(() => new VirtMachine({ kernel: new Uint8Array(0), memoryMiB: 64, net: b })).toThrow();
    expect(b.closes).toBe(1);
  });

  it("writes a pcap capture with netDump", async () => {
    const dir = mkdtempSync(join(tmpdir(), "armature-net-"));
    try {
      const path = join(dir, "n.pcap");
      const m = new VirtMachine({ kernel: SYSTEM_OFF, memoryMiB: 64, netDump: path });
      expect(m.network).toBeInstanceOf(PcapTap);
      expect(await m.run()).toBe("poweroff");
      expect(existsSync(path)).toBe(true);
      expect(readFileSync(path).readUInt32LE(0)).toBe(0xa1b2c3d4);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
