import { createHash } from "node:crypto";
import { createSocket } from "node:dgram";
import { type AddressInfo, connect, createServer } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { DhcpMessageType, parseDhcp } from "./dhcp.js";
import { parseDnsQuery } from "./dns.js";
import { parseIp4 } from "./packet.js";
import { dhcpMessage, TestGuest } from "./test/index.js";
import { UserNetwork } from "./user.js";

const ip = (s: string) => parseIp4(s)!;
const GW = ip("10.0.2.2");
const DNS = ip("10.0.2.3");
const GUEST = ip("10.0.2.15");
const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

function net(opts: ConstructorParameters<typeof UserNetwork>[0] = {}) {
  const n = new UserNetwork({
    resolver: async (name, family) => {
      if (name === "localhost") return family === 4 ? ["127.0.0.1"] : ["::1"];
      if (name === "v4only.test") {
        if (family === 4) return ["192.0.2.7"];
        throw Object.assign(new Error("no AAAA"), { code: "ENODATA" });
      }
      throw Object.assign(new Error("not found"), { code: "ENOTFOUND" });
    },
    ...opts,
  });
  cleanups.push(() => n.close());
  return n;
}

function sha(b: Uint8Array): string {
  return createHash("sha256").update(b).digest("hex");
}

describe("UserNetwork: the router's own services", () => {
  it("answers ARP for the gateway and the DNS address only", async () => {
    const n = net();
    const g = new TestGuest(n, GUEST);
    g.arpRequest(GW);
    g.arpRequest(DNS);
    g.arpRequest(ip("10.0.2.99"));
    expect(g.frames.length).toBe(2);
    const r = g.frames[0]!;
    expect(Array.from(r.subarray(0, 6))).toEqual(Array.from(g.mac));
    expect(r[21]).toBe(2); // ARP reply
    expect(Array.from(r.subarray(22, 28))).toEqual([0x52, 0x55, 10, 0, 2, 2]);
    expect(Array.from(r.subarray(28, 32))).toEqual([10, 0, 2, 2]);
  });

  it("answers ICMP echo to the gateway with the same id, sequence and data", () => {
    const n = net();
    const g = new TestGuest(n, GUEST);
    g.ping(GW, 0x1234, 7, new Uint8Array([1, 2, 3, 4, 5]));
    expect(g.frames.length).toBe(1);
    const f = g.frames[0]!;
    expect(f[34]).toBe(0);
    expect((f[38]! << 8) | f[39]!).toBe(0x1234);
    expect((f[40]! << 8) | f[41]!).toBe(7);
    expect(Array.from(f.subarray(42))).toEqual([1, 2, 3, 4, 5]);
    expect(n.stats.echoReplies).toBe(1);
  });

  it("leases 10.0.2.15 by DHCP: DISCOVER/OFFER, REQUEST/ACK with router, DNS and mask", () => {
    const n = net({ hostname: "armature" });
    const g = new TestGuest(n, 0);
    g.sendUdp(0xffffffff, 68, 67, dhcpMessage(g.mac, 0xabcd, DhcpMessageType.DISCOVER), 0);
    expect(g.udp.length).toBe(1);
    const offer = g.udp[0]!;
    expect(offer.srcPort).toBe(67);
    expect(offer.dstPort).toBe(68);
    // The offer is a BOOTREPLY; parse it as a request would be to read its options.
    const o = offer.data;
    expect(o[0]).toBe(2);
    expect(Array.from(o.subarray(16, 20))).toEqual([10, 0, 2, 15]);
    const opts = new Map<number, number[]>();
    for (let i = 240; o[i] !== 255; i += 2 + o[i + 1]!)
      opts.set(o[i]!, Array.from(o.subarray(i + 2, i + 2 + o[i + 1]!)));
    expect(opts.get(53)).toEqual([DhcpMessageType.OFFER]);
    expect(opts.get(3)).toEqual([10, 0, 2, 2]);
    expect(opts.get(6)).toEqual([10, 0, 2, 3]);
    expect(opts.get(1)).toEqual([255, 255, 255, 0]);
    expect(opts.get(54)).toEqual([10, 0, 2, 2]);
    expect(new TextDecoder().decode(new Uint8Array(opts.get(12)!))).toBe("armature");
    g.sendUdp(0xffffffff, 68, 67, dhcpMessage(g.mac, 0xabce, DhcpMessageType.REQUEST, GUEST, GW), 0);
    const ack = g.udp[1]!.data;
    expect(parseDhcp(ack)).toBeUndefined(); // a reply is not a request
    expect(ack[0]).toBe(2);
    const t = ack.indexOf(53, 240);
    expect(ack[t + 2]).toBe(DhcpMessageType.ACK);
    // Asking for another address gets a NAK.
    g.sendUdp(
      0xffffffff,
      68,
      67,
      dhcpMessage(g.mac, 0xabcf, DhcpMessageType.REQUEST, ip("10.0.2.50"), GW),
      0,
    );
    const nak = g.udp[2]!.data;
    expect(nak[nak.indexOf(53, 240) + 2]).toBe(DhcpMessageType.NAK);
  });

  it("resolves names through the host resolver; unknown names get NXDOMAIN", async () => {
    const n = net();
    const g = new TestGuest(n, GUEST);
    const q = (id: number, name: string, type: number) => {
      const labels = name.split(".").flatMap((l) => [l.length, ...new TextEncoder().encode(l)]);
      return new Uint8Array([id >> 8, id & 255, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, ...labels, 0, 0, type, 0, 1]);
    };
    g.sendUdp(DNS, 5353, 53, q(1, "localhost", 1));
    g.sendUdp(DNS, 5353, 53, q(2, "nowhere.invalid", 1));
    g.sendUdp(DNS, 5353, 53, q(3, "v4only.test", 28));
    await g.until(() => g.udp.length === 3);
    const byId = new Map(g.udp.map((u) => [(u.data[0]! << 8) | u.data[1]!, u.data]));
    const a = byId.get(1)!;
    expect(a[3]! & 0xf).toBe(0);
    expect((a[6]! << 8) | a[7]!).toBe(1);
    expect(Array.from(a.subarray(a.length - 4))).toEqual([127, 0, 0, 1]);
    expect(parseDnsQuery(a)).toBeUndefined(); // it is a response
    expect(byId.get(2)![3]! & 0xf).toBe(3); // NXDOMAIN
    const v6 = byId.get(3)!;
    expect(v6[3]! & 0xf).toBe(0);
    expect((v6[6]! << 8) | v6[7]!).toBe(0);
  });
});

describe("UserNetwork: flows to the host", () => {
  it("carries UDP to a host socket via the gateway address and back", async () => {
    const n = net();
    const g = new TestGuest(n, GUEST);
    g.arpRequest(GW);
    const echo = createSocket("udp4");
    cleanups.push(() => echo.close());
    echo.on("message", (m, r) => echo.send(Buffer.concat([Buffer.from("re:"), m]), r.port, r.address));
    await new Promise<void>((res) => echo.bind(0, "127.0.0.1", () => res()));
    const port = (echo.address() as AddressInfo).port;
    g.sendUdp(GW, 4000, port, new TextEncoder().encode("hello"));
    await g.until(() => g.udp.length === 1);
    expect(new TextDecoder().decode(g.udp[0]!.data)).toBe("re:hello");
    expect(g.udp[0]!.src).toBe(GW);
    expect(g.udp[0]!.srcPort).toBe(port);
    expect(g.udp[0]!.dstPort).toBe(4000);
    // A datagram larger than the MTU arrives in fragments.
    const big = new Uint8Array(4000).map((_, i) => i);
    g.sendUdp(GW, 4000, port, big);
    await g.until(() => g.frames.filter((f) => ((f[20]! << 8) | f[21]!) & 0x3fff).length >= 3);
  });

  it("bridges a guest TCP connection to a host server: 1 MiB each way, sha256 equal", async () => {
    const n = net();
    const g = new TestGuest(n, GUEST);
    g.arpRequest(GW);
    const up = new Uint8Array(1 << 20).map((_, i) => (i * 2654435761) >>> 24);
    const down = new Uint8Array(1 << 20).map((_, i) => (i * 40503) >>> 8);
    const received: Buffer[] = [];
    const server = createServer((s) => {
      s.on("data", (b) => received.push(b));
      s.on("end", () => s.end());
      s.write(down);
    });
    cleanups.push(() => server.close());
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
    const port = (server.address() as AddressInfo).port;
    const got: Uint8Array[] = [];
    let ended = false;
    const c = g.connect(GW, port, 40000, {
      onConnect: () => {
        c.write(up);
        c.end();
      },
      onData: (b) => got.push(b),
      onEnd: () => {
        ended = true;
      },
    });
    await g.until(() => ended, 20_000);
    const all = Buffer.concat(got);
    expect(sha(all)).toBe(sha(down));
    await new Promise((r) => setTimeout(r, 50));
    expect(sha(Buffer.concat(received))).toBe(sha(up));
  });

  it("answers a SYN to a closed host port with RST", async () => {
    const n = net();
    const g = new TestGuest(n, GUEST);
    g.arpRequest(GW);
    const server = createServer();
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
    const port = (server.address() as AddressInfo).port;
    await new Promise<void>((r) => server.close(() => r()));
    let reset: boolean | undefined;
    g.connect(GW, port, 40001, { onClose: (r) => (reset = r) });
    await g.until(() => reset !== undefined, 5000);
    expect(reset).toBe(true);
    expect(n.stats.tcpRefused).toBe(1);
  });

  it("forwards a host port into the guest (hostfwd tcp) and carries 256 KiB", async () => {
    const probe = createServer();
    await new Promise<void>((r) => probe.listen(0, "127.0.0.1", () => r()));
    const hostPort = (probe.address() as AddressInfo).port;
    await new Promise<void>((r) => probe.close(() => r()));
    const n = net({ hostForwards: [{ protocol: "tcp", hostAddress: "127.0.0.1", hostPort, guestPort: 22 }] });
    const g = new TestGuest(n, GUEST);
    g.arpRequest(GW);
    const got: Uint8Array[] = [];
    let ended = false;
    g.listen(22, {
      onAccept: (c) => {
        c.write(new TextEncoder().encode("SSH-2.0-guest\r\n"));
      },
      onData: (b) => got.push(b),
      onEnd: () => {
        ended = true;
      },
    });
    const payload = new Uint8Array(256 * 1024).map((_, i) => i ^ (i >> 8));
    const banner = await new Promise<string>((res, rej) => {
      const s = connect(hostPort, "127.0.0.1");
      s.on("error", rej);
      s.once("data", (b) => {
        s.end(payload);
        res(b.toString());
      });
    });
    expect(banner).toBe("SSH-2.0-guest\r\n");
    await g.until(() => ended, 20_000);
    expect(sha(Buffer.concat(got))).toBe(sha(payload));
  });

  it("forwards host UDP into the guest and the guest's reply back", async () => {
    const probe = createSocket("udp4");
    await new Promise<void>((r) => probe.bind(0, "127.0.0.1", () => r()));
    const hostPort = (probe.address() as AddressInfo).port;
    probe.close();
    const n = net({ hostForwards: [{ protocol: "udp", hostAddress: "127.0.0.1", hostPort, guestPort: 7 }] });
    const g = new TestGuest(n, GUEST);
    g.arpRequest(GW);
    const client = createSocket("udp4");
    cleanups.push(() => client.close());
    const reply = new Promise<string>((res) => client.on("message", (m) => res(m.toString())));
    await new Promise((r) => setTimeout(r, 20));
    client.send("ping!", hostPort, "127.0.0.1");
    await g.until(() => g.udp.some((u) => u.dstPort === 7));
    const q = g.udp.find((u) => u.dstPort === 7)!;
    g.sendUdp(q.src, 7, q.srcPort, new TextEncoder().encode(`pong:${new TextDecoder().decode(q.data)}`));
    expect(await reply).toBe("pong:ping!");
  });

  it("refuses flows beyond the limit and counts them", async () => {
    const n = net({ maxFlows: 2 });
    const g = new TestGuest(n, GUEST);
    g.arpRequest(GW);
    for (let p = 0; p < 4; p++) g.sendUdp(GW, 5000 + p, 9, new Uint8Array([p]));
    expect(n.flows.udp).toBe(2);
    expect(n.stats.flowsRefusedByLimit).toBe(2);
  });

  it("refuses a bad configuration with a typed error", () => {
    expect(() => new UserNetwork({ network: "10.0.2.0/33" })).toThrow(/CIDR/);
    expect(() => new UserNetwork({ host: "192.168.1.1" })).toThrow(/outside the network/);
    expect(() => new UserNetwork({ mac: "zz" })).toThrow(/MAC/);
  });
});
