import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { parseIp4 } from "./packet.js";
import { PcapTap } from "./pcap.js";
import { SocketNetBackend } from "./socket.js";
import { parseNetSpec } from "./spec.js";
import { TestGuest } from "./test/index.js";
import { UserNetwork } from "./user.js";

const dir = mkdtempSync(join(tmpdir(), "armature-net-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("PcapTap", () => {
  it("writes a capture that tcpdump reads: the ARP exchange and the ping, both directions", () => {
    const path = join(dir, "cap.pcap");
    const n = new UserNetwork({ resolver: async () => [] });
    const tap = new PcapTap(n, path);
    const g = new TestGuest(tap, parseIp4("10.0.2.15")!);
    g.arpRequest(parseIp4("10.0.2.2")!);
    g.ping(parseIp4("10.0.2.2")!, 77, 1);
    tap.close();
    expect(tap.frames).toBe(4);
    // tcpdump is the independent judge of the file format (installed by scripts/install-system-tools.sh).
    const text = execFileSync("tcpdump", ["-nn", "-r", path], {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "ignore"],
    });
    const lines = text.trim().split("\n");
    expect(lines.length).toBe(4);
    expect(lines[0]).toMatch(/ARP, Request who-has 10\.0\.2\.2 tell 10\.0\.2\.15/);
    expect(lines[1]).toMatch(/ARP, Reply 10\.0\.2\.2 is-at 52:55:0a:00:02:02/);
    expect(lines[2]).toMatch(/10\.0\.2\.15 > 10\.0\.2\.2: ICMP echo request, id 77, seq 1/);
    expect(lines[3]).toMatch(/10\.0\.2\.2 > 10\.0\.2\.15: ICMP echo reply, id 77, seq 1/);
  });

  it("refuses an unwritable path with a typed error", () => {
    expect(() => new PcapTap(new UserNetwork(), join(dir, "missing", "x.pcap"))).toThrow(
      /cannot write the packet capture/,
    );
  });
});

describe("SocketNetBackend", () => {
  it("joins two instances: frames sent on one arrive at the other", async () => {
    // Two ports derived from the pid (the test runs one file per process).
    const p1 = 20000 + (process.pid % 20000);
    const p2 = p1 + 1;
    const x = new SocketNetBackend({ local: `127.0.0.1:${p1}`, remote: `127.0.0.1:${p2}` });
    const y = new SocketNetBackend({ local: `127.0.0.1:${p2}`, remote: `127.0.0.1:${p1}` });
    await Promise.all([x.ready(), y.ready()]);
    const got = new Promise<Uint8Array>((res) => y.attach(res));
    x.attach(() => {});
    const frame = new Uint8Array(60).map((_, i) => i);
    x.send(frame);
    expect(Array.from(await got)).toEqual(Array.from(frame));
    expect(() => new SocketNetBackend({ local: "127.0.0.1", remote: "x:1" })).toThrow(/HOST:PORT/);
    x.close();
    y.close();
  });
});

describe("parseNetSpec", () => {
  it("parses the --net forms and refuses unknown keys", () => {
    expect(parseNetSpec("none")).toEqual({ kind: "none" });
    const u = parseNetSpec(
      "user,net=10.0.3.0/24,hostfwd=tcp::2222-:22,hostfwd=udp:127.0.0.1:5353-10.0.3.15:53",
    );
    expect(u).toEqual({
      kind: "user",
      options: {
        network: "10.0.3.0/24",
        hostForwards: [
          {
            protocol: "tcp",
            hostAddress: "127.0.0.1",
            hostPort: 2222,
            guestAddress: undefined,
            guestPort: 22,
          },
          {
            protocol: "udp",
            hostAddress: "127.0.0.1",
            hostPort: 5353,
            guestAddress: "10.0.3.15",
            guestPort: 53,
          },
        ],
      },
    });
    expect(parseNetSpec("socket,local=127.0.0.1:1,remote=127.0.0.1:2").kind).toBe("socket");
    expect(() => parseNetSpec("user,bogus=1")).toThrow(/unknown option "bogus"/);
    expect(() => parseNetSpec("tap")).toThrow(/not a network backend/);
    expect(() => parseNetSpec("user,hostfwd=tcp:22")).toThrow(/hostfwd/);
  });
});
