import { xorshift32 } from "@armature/core/test";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseDhcp } from "./dhcp.js";
import { parseDnsQuery } from "./dns.js";
import { finishTransportChecksum, inetChecksum, ip4Frame, parseIp4, wr16 } from "./packet.js";
import { parseTcpSegment } from "./tcp.js";
import { SimClock } from "./test/sim.js";
import { UserNetwork } from "./user.js";

const GW = parseIp4("10.0.2.2")!;
const GUEST = parseIp4("10.0.2.15")!;
const GMAC = new Uint8Array([0x52, 0x54, 0, 0x12, 0x34, 0x56]);
const RMAC = new Uint8Array([0x52, 0x55, 10, 0, 2, 2]);

/** Valid-looking frames of each protocol the router parses, to be mutated. */
function seeds(): Uint8Array[] {
  const out: Uint8Array[] = [];
  const udp = (dst: number, dport: number, data: Uint8Array) => {
    const f = ip4Frame(RMAC, GMAC, GUEST, dst, 17, 8 + data.length);
    wr16(f, 34, 1234);
    wr16(f, 36, dport);
    wr16(f, 38, 8 + data.length);
    f.set(data, 42);
    finishTransportChecksum(f);
    return f;
  };
  const dhcp = new Uint8Array(250);
  dhcp.set([1, 1, 6], 0);
  dhcp.set([0x63, 0x82, 0x53, 0x63, 53, 1, 1, 255], 236);
  out.push(udp(0xffffffff, 67, dhcp));
  out.push(
    udp(
      parseIp4("10.0.2.3")!,
      53,
      new Uint8Array([0, 1, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 1, 97, 0, 0, 1, 0, 1]),
    ),
  );
  out.push(udp(GW, 9, new Uint8Array([1, 2, 3])));
  const tcp = ip4Frame(RMAC, GMAC, GUEST, GW, 6, 24);
  wr16(tcp, 34, 40000);
  wr16(tcp, 36, 1);
  tcp[46] = 0x60;
  tcp[47] = 0x02;
  tcp.set([2, 4, 5, 0xb4], 54);
  finishTransportChecksum(tcp);
  out.push(tcp);
  const icmp = ip4Frame(RMAC, GMAC, GUEST, GW, 1, 16);
  icmp[34] = 8;
  wr16(icmp, 36, inetChecksum(icmp, 34, icmp.length));
  out.push(icmp);
  const arp = new Uint8Array(42);
  arp.fill(0xff, 0, 6);
  arp.set(GMAC, 6);
  arp.set([8, 6, 0, 1, 8, 0, 6, 4, 0, 1], 12);
  arp.set(GMAC, 22);
  arp.set([10, 0, 2, 15], 28);
  arp.set([10, 0, 2, 2], 38);
  out.push(arp);
  const frag = ip4Frame(RMAC, GMAC, GUEST, GW, 17, 64);
  wr16(frag, 20, 0x2000);
  wr16(frag, 24, 0);
  wr16(frag, 24, inetChecksum(frag, 14, 34));
  out.push(frag);
  return out;
}

describe("UserNetwork fuzz", () => {
  it("random and mutated guest frames never throw and keep memory bounded", () => {
    const n = Number(process.env.NET_FUZZ_FRAMES ?? 100_000);
    const seed = Number(process.env.FC_SEED ?? Math.floor(Math.random() * 0x7fffffff));
    process.stderr.write(`net fuzz: ${n} frames, seed ${seed} (replay with FC_SEED=${seed})\n`);
    const rnd = xorshift32(seed);
    const clock = new SimClock();
    // No real sockets: the fuzzed flows point at the DNS address (answered in-process) or are
    // restricted, and TCP to the gateway would open sockets, so the resolver is local and
    // `restrict` keeps flows inside.
    const net = new UserNetwork({
      timers: clock,
      restrict: true,
      maxFlows: 64,
      resolver: async () => ["127.0.0.1"],
    });
    let out = 0;
    net.attach(() => out++);
    const base = seeds();
    for (let i = 0; i < n; i++) {
      let f: Uint8Array;
      const k = rnd() % 4;
      if (k === 0) {
        f = new Uint8Array(rnd() % 200);
        for (let j = 0; j < f.length; j++) f[j] = rnd() & 255;
      } else {
        const b = base[rnd() % base.length]!;
        f = b.slice(0, k === 3 ? rnd() % (b.length + 1) : b.length);
        const flips = 1 + (rnd() % 4);
        for (let j = 0; j < flips && f.length > 0; j++) f[rnd() % f.length] = rnd() & 255;
        if (k === 2 && f.length > 34 && f[23] !== 1) {
          try {
            finishTransportChecksum(f);
          } catch {
            // lengths that do not fit: leave the bad checksum
          }
        }
      }
      net.send(f); // a throw fails the test; the seed above replays it
      if (i % 1000 === 0) clock.run(100);
    }
    clock.run();
    expect(net.flows.tcp + net.flows.udp).toBeLessThanOrEqual(64);
    expect(net.stats.framesIn).toBe(n);
    net.close();
  });

  it("parsers accept any bytes without throwing", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 600 }), (b) => {
        parseDhcp(b);
        parseDnsQuery(b);
        parseTcpSegment(b, 0, b.length);
      }),
      { numRuns: Number(process.env.FC_NUM_RUNS ?? 2000) },
    );
  });
});
