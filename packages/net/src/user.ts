/**
 * User-mode networking (the idea of QEMU's slirp, written anew): a virtual router on the guest's
 * link that answers ARP, ICMP echo, DHCP and DNS itself, and terminates the guest's TCP and UDP
 * flows into the host's own sockets, so a guest reaches the host and the host's network with no
 * privileges. Connections to the gateway address go to the host's loopback.
 */
import { createSocket, type Socket as UdpSocket } from "node:dgram";
import { createServer, type Server, Socket } from "node:net";
import { ConfigError, type NetBackend, RateLimitedLog } from "@armature/core";
import { DhcpServer, parseDhcp } from "./dhcp.js";
import { answerDnsQuery, type DnsResolver, hostResolver } from "./dns.js";
import {
  BROADCAST_MAC,
  ETH_HLEN,
  ETHERTYPE_ARP,
  finishTransportChecksum,
  formatIp4,
  IPPROTO_ICMP,
  IPPROTO_TCP,
  IPPROTO_UDP,
  type Ip4,
  type Ip4Header,
  inetChecksum,
  ip4Frame,
  parseIp4,
  parseIp4Header,
  parseMacAddress,
  pseudoHeaderSum,
  rd16,
  rd32,
  wr16,
  wr32,
} from "./packet.js";
import {
  hostTimers,
  parseTcpSegment,
  TcpConnection,
  type TcpSegment,
  type TimerApi,
  tcpHeaderLength,
  writeTcpSegment,
} from "./tcp.js";

/** A forwarded host port: connections to host:hostPort go to guest:guestPort. */
export interface HostForward {
  protocol: "tcp" | "udp";
  hostAddress: string;
  hostPort: number;
  /** Default: the first DHCP address. */
  guestAddress?: string;
  guestPort: number;
}

export interface UserNetworkOptions {
  /** The virtual network, CIDR (default 10.0.2.0/24). */
  network?: string;
  /** The gateway / host address in it (default .2). */
  host?: string;
  /** The DNS server address (default .3). */
  dns?: string;
  /** The first address DHCP hands out (default .15). */
  dhcpStart?: string;
  /** Host name given to the guest by DHCP. */
  hostname?: string;
  /** The router's MAC address (default 52:55:0a:00:02:02 style: 52:55 + the gateway address). */
  mac?: string;
  hostForwards?: HostForward[];
  /** Guest flows may only reach the gateway (host loopback) and the DNS server. */
  restrict?: boolean;
  /** Most concurrent TCP connections + UDP flows (default 512). */
  maxFlows?: number;
  /** Bytes buffered per TCP connection toward the guest before the host socket is paused (1 MiB). */
  maxBufferedBytes?: number;
  /** Bytes held for IPv4 fragment reassembly, in all (default 1 MiB). */
  maxReassemblyBytes?: number;
  /** Idle timeout of a UDP flow, ms (default 60 s). */
  udpIdleMs?: number;
  resolver?: DnsResolver;
  timers?: TimerApi;
}

interface TcpFlow {
  key: string;
  guestIp: Ip4;
  guestPort: number;
  remoteIp: Ip4; // as the guest sees it
  remotePort: number;
  conn: TcpConnection;
  socket: Socket | undefined;
}

interface UdpFlow {
  key: string;
  guestIp: Ip4;
  guestPort: number;
  socket: UdpSocket;
  idle: unknown;
  /** For a host forward: the fixed guest-side peer, the host client it answers. */
  fwd?: { srcIp: Ip4; srcPort: number; clientAddress: string; clientPort: number; server: UdpSocket };
}

interface Fragments {
  parts: Array<{ off: number; data: Uint8Array }>;
  bytes: number;
  total: number; // -1 until the last fragment is seen
  timer: unknown;
  header: Ip4Header;
}

const LOOPBACK = 0x7f000001;
const MTU = 1500;

function cidr(s: string): { base: Ip4; mask: Ip4 } {
  const [a, b] = s.split("/");
  const base = a === undefined ? undefined : parseIp4(a);
  const bits = b === undefined ? 24 : Number(b);
  if (base === undefined || !Number.isInteger(bits) || bits < 8 || bits > 30) {
    throw new ConfigError(`network "${s}" must be an IPv4 CIDR such as 10.0.2.0/24 (prefix 8..30)`);
  }
  const mask = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
  return { base: (base & mask) >>> 0, mask };
}

function addrIn(s: string | undefined, what: string, dflt: Ip4, net: { base: Ip4; mask: Ip4 }): Ip4 {
  if (s === undefined) return dflt;
  const v = parseIp4(s);
  if (v === undefined) throw new ConfigError(`${what} "${s}" is not an IPv4 address`);
  if ((v & net.mask) >>> 0 !== net.base) {
    throw new ConfigError(
      `${what} ${s} is outside the network ${formatIp4(net.base)}/${Math.clz32(~net.mask >>> 0)}`,
    );
  }
  return v;
}

export class UserNetwork implements NetBackend {
  readonly network: Ip4;
  readonly netmask: Ip4;
  readonly gateway: Ip4;
  readonly dnsAddress: Ip4;
  readonly mac: Uint8Array;
  readonly dhcp: DhcpServer;
  private receive: ((f: Uint8Array) => void) | undefined;
  private guestMac: Uint8Array | undefined;
  private readonly tcp = new Map<string, TcpFlow>();
  private readonly udp = new Map<string, UdpFlow>();
  private readonly frags = new Map<string, Fragments>();
  private fragBytes = 0;
  private readonly servers: Array<Server | UdpSocket> = [];
  private readonly timers: TimerApi;
  private readonly resolver: DnsResolver;
  private readonly log = new RateLimitedLog("net-user");
  private nextPort = 49152;
  private ipId = 1;
  private closed = false;
  readonly stats = {
    framesIn: 0,
    framesOut: 0,
    dropped: 0,
    arpReplies: 0,
    echoReplies: 0,
    dnsQueries: 0,
    tcpConnections: 0,
    tcpRefused: 0,
    udpFlows: 0,
    flowsRefusedByLimit: 0,
    reassembled: 0,
    fragmentsDropped: 0,
  };

  constructor(readonly options: UserNetworkOptions = {}) {
    const net = cidr(options.network ?? "10.0.2.0/24");
    this.network = net.base;
    this.netmask = net.mask;
    this.gateway = addrIn(options.host, "host address", (net.base + 2) >>> 0, net);
    this.dnsAddress = addrIn(options.dns, "DNS address", (net.base + 3) >>> 0, net);
    const start = addrIn(options.dhcpStart, "DHCP start", (net.base + 15) >>> 0, net);
    const mac = options.mac === undefined ? undefined : parseMacAddress(options.mac);
    if (options.mac !== undefined && mac === undefined)
      throw new ConfigError(`MAC "${options.mac}" is malformed`);
    this.mac =
      mac ??
      new Uint8Array([
        0x52,
        0x55,
        this.gateway >>> 24,
        (this.gateway >>> 16) & 255,
        (this.gateway >>> 8) & 255,
        this.gateway & 255,
      ]);
    const broadcast = (net.base | (~net.mask >>> 0)) >>> 0;
    this.dhcp = new DhcpServer({
      server: this.gateway,
      router: this.gateway,
      dns: this.dnsAddress,
      netmask: net.mask,
      start,
      count: Math.max(1, Math.min(16, broadcast - start)),
      leaseSeconds: 86400,
      hostname: options.hostname,
    });
    this.timers = options.timers ?? hostTimers;
    this.resolver = options.resolver ?? hostResolver;
    for (const f of options.hostForwards ?? []) this.listen(f);
  }

  attach(receive: (frame: Uint8Array) => void): void {
    this.receive = receive;
  }

  /** Stop listening and close every flow. */
  close(): void {
    this.closed = true;
    for (const s of this.servers) s.close();
    for (const f of this.tcp.values()) {
      f.conn.abort();
      f.socket?.destroy();
    }
    for (const f of this.udp.values()) this.dropUdp(f);
    for (const fr of this.frags.values()) this.timers.clear(fr.timer);
    this.tcp.clear();
    this.frags.clear();
  }

  /** Open flows right now (TCP, UDP). */
  get flows(): { tcp: number; udp: number } {
    return { tcp: this.tcp.size, udp: this.udp.size };
  }

  private out(f: Uint8Array): void {
    if (this.closed) return;
    this.stats.framesOut++;
    this.receive?.(f);
  }

  private drop(why: string): void {
    this.stats.dropped++;
    this.log.warn(why, `dropped a guest frame: ${why}`);
  }

  send(f: Uint8Array): void {
    this.stats.framesIn++;
    if (f.length < ETH_HLEN) {
      this.drop("runt");
      return;
    }
    const type = rd16(f, 12);
    if (type === ETHERTYPE_ARP) {
      this.arp(f);
      return;
    }
    if (type !== 0x0800) {
      this.stats.dropped++; // IPv6 and others: not routed (silently: Linux sends IPv6 RS/NS at boot)
      return;
    }
    const h = parseIp4Header(f);
    if (h === undefined) {
      this.drop("bad IPv4 header");
      return;
    }
    this.guestMac = f.slice(6, 12);
    if (h.mf || h.fragOffset > 0) {
      this.fragment(f, h);
      return;
    }
    this.ip(f.subarray(ETH_HLEN, ETH_HLEN + h.total), h);
  }

  private arp(f: Uint8Array): void {
    // htype 1, ptype IPv4, hlen 6, plen 4, op request (RFC 826).
    if (f.length < 42 || rd16(f, 14) !== 1 || rd16(f, 16) !== 0x0800 || f[18] !== 6 || f[19] !== 4) {
      this.drop("bad ARP");
      return;
    }
    this.guestMac = f.slice(22, 28);
    if (rd16(f, 20) !== 1) return; // replies, announcements
    const target = rd32(f, 38);
    if (target !== this.gateway && target !== this.dnsAddress) return;
    const r = new Uint8Array(42);
    r.set(f.subarray(22, 28), 0);
    r.set(this.mac, 6);
    wr16(r, 12, ETHERTYPE_ARP);
    r.set([0, 1, 8, 0, 6, 4, 0, 2], 14);
    r.set(this.mac, 22);
    wr32(r, 28, target);
    r.set(f.subarray(22, 32), 32);
    this.stats.arpReplies++;
    this.out(r);
  }

  /** IPv4 reassembly (RFC 791 §3.2, RFC 815), bounded in bytes and time. */
  private fragment(f: Uint8Array, h: Ip4Header): void {
    const key = `${h.src}:${h.dst}:${h.id}:${h.proto}`;
    const data = f.slice(ETH_HLEN + h.ihl, ETH_HLEN + h.total);
    const cap = this.options.maxReassemblyBytes ?? 1 << 20;
    if (h.fragOffset + data.length > 65535 || this.fragBytes + data.length > cap) {
      this.stats.fragmentsDropped++;
      return;
    }
    let fr = this.frags.get(key);
    if (fr === undefined) {
      fr = {
        parts: [],
        bytes: 0,
        total: -1,
        header: h,
        timer: this.timers.set(30_000, () => {
          const g = this.frags.get(key);
          if (g !== undefined) {
            this.fragBytes -= g.bytes;
            this.frags.delete(key);
            this.stats.fragmentsDropped += g.parts.length;
          }
        }),
      };
      this.frags.set(key, fr);
    }
    fr.parts.push({ off: h.fragOffset, data });
    fr.bytes += data.length;
    this.fragBytes += data.length;
    if (!h.mf) fr.total = h.fragOffset + data.length;
    if (h.fragOffset === 0) fr.header = h;
    if (fr.total < 0) return;
    // Complete when the parts cover [0, total).
    const parts = [...fr.parts].sort((a, b) => a.off - b.off);
    let covered = 0;
    for (const p of parts) {
      if (p.off > covered) return;
      covered = Math.max(covered, p.off + p.data.length);
    }
    if (covered < fr.total) return;
    this.timers.clear(fr.timer);
    this.frags.delete(key);
    this.fragBytes -= fr.bytes;
    const whole = new Uint8Array(20 + fr.total);
    whole.set(f.subarray(ETH_HLEN, ETH_HLEN + 20));
    for (const p of parts)
      whole.set(p.data.subarray(0, Math.max(0, Math.min(p.data.length, fr.total - p.off))), 20 + p.off);
    wr16(whole, 2, whole.length);
    this.stats.reassembled++;
    this.ip(whole, { ...fr.header, ihl: 20, total: whole.length, mf: false, fragOffset: 0 });
  }

  /** One whole IPv4 datagram (`d` starts at the IP header). */
  private ip(d: Uint8Array, h: Ip4Header): void {
    const payload = d.subarray(h.ihl, h.total);
    if (h.proto === IPPROTO_ICMP) {
      this.icmp(d, h, payload);
      return;
    }
    if (h.proto === IPPROTO_UDP) {
      this.udpIn(d, h, payload);
      return;
    }
    if (h.proto === IPPROTO_TCP) {
      this.tcpIn(d, h, payload);
      return;
    }
    this.stats.dropped++;
  }

  private transportChecksumOk(d: Uint8Array, h: Ip4Header, payload: Uint8Array): boolean {
    const ps = pseudoHeaderSum(d, 0, h.proto, payload.length);
    return inetChecksum(payload, 0, payload.length, ps) === 0;
  }

  private icmp(_d: Uint8Array, h: Ip4Header, p: Uint8Array): void {
    if (p.length < 8 || inetChecksum(p, 0, p.length) !== 0) {
      this.drop("bad ICMP checksum");
      return;
    }
    if (p[0] !== 8) return; // only echo requests are answered
    if (h.dst !== this.gateway && h.dst !== this.dnsAddress) {
      this.stats.dropped++; // no raw sockets without privileges: other hosts do not answer
      return;
    }
    const r = this.frame(h.dst, h.src, IPPROTO_ICMP, p.length);
    if (r === undefined) return;
    r.set(p, 34);
    r[34] = 0;
    r[36] = 0;
    r[37] = 0;
    wr16(r, 36, inetChecksum(r, 34, 34 + p.length));
    this.stats.echoReplies++;
    this.out(r);
  }

  private frame(src: Ip4, dst: Ip4, proto: number, len: number): Uint8Array | undefined {
    const mac = dst === 0xffffffff ? BROADCAST_MAC : this.guestMac;
    if (mac === undefined) return undefined;
    return ip4Frame(mac, this.mac, src, dst, proto, len, this.ipId++ & 0xffff);
  }

  /** Sends a UDP datagram to the guest, fragmenting it when it exceeds the MTU. */
  private sendUdp(src: Ip4, srcPort: number, dst: Ip4, dstPort: number, data: Uint8Array): void {
    const len = 8 + data.length;
    const f = this.frame(src, dst, IPPROTO_UDP, len);
    if (f === undefined) return;
    wr16(f, 34, srcPort);
    wr16(f, 36, dstPort);
    wr16(f, 38, len);
    f.set(data, 42);
    finishTransportChecksum(f);
    if (20 + len <= MTU) {
      this.out(f);
      return;
    }
    // Fragments of at most MTU - 20 bytes, a multiple of 8 (RFC 791 §2.3).
    const step = (MTU - 20) & ~7;
    const body = f.subarray(34);
    for (let off = 0; off < body.length; off += step) {
      const n = Math.min(step, body.length - off);
      const g = new Uint8Array(34 + n);
      g.set(f.subarray(0, 34));
      g.set(body.subarray(off, off + n), 34);
      wr16(g, 16, 20 + n);
      wr16(g, 20, (off + n < body.length ? 0x2000 : 0) | (off >> 3));
      g[24] = 0;
      g[25] = 0;
      wr16(g, 24, inetChecksum(g, 14, 34));
      this.out(g);
    }
  }

  private udpIn(d: Uint8Array, h: Ip4Header, p: Uint8Array): void {
    if (p.length < 8) {
      this.drop("short UDP");
      return;
    }
    const ulen = rd16(p, 4);
    if (ulen < 8 || ulen > p.length) {
      this.drop("bad UDP length");
      return;
    }
    const u = p.subarray(0, ulen);
    if (rd16(u, 6) !== 0 && !this.transportChecksumOk(d, h, u)) {
      this.drop("bad UDP checksum");
      return;
    }
    const sport = rd16(u, 0);
    const dport = rd16(u, 2);
    const data = u.subarray(8);
    // Port 0 is reserved (IANA): no host socket can send to it, so the datagram goes nowhere.
    if (dport === 0) {
      this.drop("UDP to port 0");
      return;
    }
    if (dport === 67 && (h.dst === 0xffffffff || h.dst === this.gateway)) {
      this.dhcpIn(data);
      return;
    }
    if (h.dst === this.dnsAddress) {
      if (dport === 53) this.dnsIn(h.src, sport, data);
      return;
    }
    // A reply from the guest to a forwarded UDP client.
    const fwdKey = `f:${h.src}:${sport}:${h.dst}:${dport}`;
    const fwd = this.udp.get(fwdKey);
    if (fwd?.fwd !== undefined) {
      this.touchUdp(fwd);
      fwd.fwd.server.send(data, fwd.fwd.clientPort, fwd.fwd.clientAddress);
      return;
    }
    const target = this.hostAddressFor(h.dst);
    if (target === undefined) return;
    const key = `${h.src}:${sport}`;
    let flow = this.udp.get(key);
    if (flow === undefined) {
      if (!this.roomForFlow()) return;
      const socket = createSocket("udp4");
      const created: UdpFlow = { key, guestIp: h.src, guestPort: sport, socket, idle: undefined };
      flow = created;
      socket.on("message", (msg, rinfo) => {
        this.touchUdp(created);
        const from = parseIp4(rinfo.address);
        if (from === undefined) return;
        this.sendUdp(
          from === LOOPBACK ? this.gateway : from,
          rinfo.port,
          created.guestIp,
          created.guestPort,
          msg,
        );
      });
      socket.on("error", (e) => {
        this.log.warn("udp-error", `UDP flow from guest port ${sport}: ${e.message}`);
      });
      socket.bind(0);
      this.udp.set(key, flow);
      this.stats.udpFlows++;
    }
    this.touchUdp(flow);
    try {
      flow.socket.send(data, dport, target, () => {});
    } catch (e) {
      this.log.warn("udp-error", `UDP from guest port ${sport} to ${dport}: ${(e as Error).message}`);
    }
  }

  private touchUdp(f: UdpFlow): void {
    if (f.idle !== undefined) this.timers.clear(f.idle);
    f.idle = this.timers.set(this.options.udpIdleMs ?? 60_000, () => this.dropUdp(f));
  }

  private dropUdp(f: UdpFlow): void {
    if (f.idle !== undefined) this.timers.clear(f.idle);
    this.udp.delete(f.key);
    if (f.fwd === undefined) {
      try {
        f.socket.close();
      } catch {
        // already closed
      }
    }
  }

  private roomForFlow(): boolean {
    if (this.tcp.size + this.udp.size < (this.options.maxFlows ?? 512)) return true;
    this.stats.flowsRefusedByLimit++;
    this.log.warn("flows", "too many open flows; a new one was refused");
    return false;
  }

  /** The host address a guest destination maps to, or undefined when it is not reachable. */
  private hostAddressFor(dst: Ip4): string | undefined {
    if (dst === this.gateway) return "127.0.0.1";
    if ((dst & this.netmask) >>> 0 === this.network) return undefined; // nobody else on the link
    if (this.options.restrict) return undefined;
    if (dst >>> 24 === 127 || dst === 0 || dst >>> 28 === 0xe || dst === 0xffffffff) return undefined;
    return formatIp4(dst);
  }

  private dhcpIn(data: Uint8Array): void {
    const req = parseDhcp(data);
    if (req === undefined) {
      this.drop("bad DHCP message");
      return;
    }
    const r = this.dhcp.handle(req);
    if (r === undefined) return;
    this.guestMac = req.chaddr.slice(0, 6);
    this.sendUdp(this.gateway, 67, 0xffffffff, 68, r.payload);
  }

  private dnsIn(src: Ip4, sport: number, data: Uint8Array): void {
    this.stats.dnsQueries++;
    const query = data.slice();
    void answerDnsQuery(query, this.resolver).then(
      (ans) => {
        if (ans !== undefined) this.sendUdp(this.dnsAddress, 53, src, sport, ans);
      },
      () => {},
    );
  }

  // TCP ---------------------------------------------------------------------------------------

  private emitTcp(flow: TcpFlow, seg: TcpSegment): void {
    const hl = tcpHeaderLength(seg);
    const f = this.frame(flow.remoteIp, flow.guestIp, IPPROTO_TCP, hl + seg.payload.length);
    if (f === undefined) return;
    writeTcpSegment(f, 34, flow.remotePort, flow.guestPort, seg);
    finishTransportChecksum(f);
    this.out(f);
  }

  /**
   * A flow and its TCP endpoint. `forwarded` is the accepted host socket of a host forward (the
   * endpoint then opens toward the guest and is bridged once the guest accepts).
   */
  private newFlow(
    guestIp: Ip4,
    guestPort: number,
    remoteIp: Ip4,
    remotePort: number,
    forwarded?: Socket,
  ): TcpFlow {
    const key = `${guestIp}:${guestPort}:${remoteIp}:${remotePort}`;
    const maxBuf = this.options.maxBufferedBytes ?? 1 << 20;
    const flow: TcpFlow = {
      key,
      guestIp,
      guestPort,
      remoteIp,
      remotePort,
      socket: forwarded,
      conn: undefined as unknown as TcpConnection,
    };
    flow.conn = new TcpConnection({
      timers: this.timers,
      emit: (seg) => this.emitTcp(flow, seg),
      onConnect: () => {
        if (forwarded !== undefined) {
          this.bridge(flow, forwarded);
          forwarded.resume();
        }
      },
      onData: (b) => {
        const s = flow.socket;
        if (s === undefined || s.destroyed) return;
        s.write(b);
        flow.conn.setApplicationBacklog(s.writableLength);
      },
      onEnd: () => flow.socket?.end(),
      onDrain: () => {
        const s = flow.socket;
        if (s?.isPaused() && flow.conn.unacknowledged < maxBuf / 2) s.resume();
      },
      onClose: (reset) => {
        this.tcp.delete(key);
        const s = flow.socket;
        if (s !== undefined && !s.destroyed) {
          if (reset) s.resetAndDestroy();
          else s.end();
        }
      },
    });
    this.tcp.set(key, flow);
    this.stats.tcpConnections++;
    return flow;
  }

  /** Wires a connected host socket to a flow's TCP endpoint. */
  private bridge(flow: TcpFlow, s: Socket): void {
    const maxBuf = this.options.maxBufferedBytes ?? 1 << 20;
    flow.socket = s;
    s.setNoDelay(true);
    s.on("data", (b: Buffer) => {
      flow.conn.write(new Uint8Array(b.buffer, b.byteOffset, b.length));
      if (flow.conn.unacknowledged >= maxBuf) s.pause();
    });
    s.on("drain", () => flow.conn.setApplicationBacklog(s.writableLength));
    s.on("end", () => flow.conn.end());
    s.on("error", () => {});
    s.on("close", (hadError) => {
      if (hadError) flow.conn.abort();
      else flow.conn.end();
    });
  }

  private tcpIn(d: Uint8Array, h: Ip4Header, p: Uint8Array): void {
    if (!this.transportChecksumOk(d, h, p)) {
      this.drop("bad TCP checksum");
      return;
    }
    const seg = parseTcpSegment(p, 0, p.length);
    if (seg === undefined) {
      this.drop("bad TCP header");
      return;
    }
    const sport = rd16(p, 0);
    const dport = rd16(p, 2);
    const key = `${h.src}:${sport}:${h.dst}:${dport}`;
    const flow = this.tcp.get(key);
    if (flow !== undefined) {
      flow.conn.input(seg);
      return;
    }
    const SYN = 0x02;
    const ACK = 0x10;
    const RST = 0x04;
    if (seg.flags & RST) return;
    const refuse = () => {
      // RST for a segment of no connection (RFC 793 §3.4 "Reset Generation").
      this.stats.tcpRefused++;
      const fake: TcpFlow = {
        key: "",
        guestIp: h.src,
        guestPort: sport,
        remoteIp: h.dst,
        remotePort: dport,
        socket: undefined,
        conn: undefined as unknown as TcpConnection,
      };
      const len = seg.payload.length + (seg.flags & SYN ? 1 : 0) + (seg.flags & 1 ? 1 : 0);
      const rst: TcpSegment =
        seg.flags & ACK
          ? { seq: seg.ack, ack: 0, flags: RST, window: 0, mss: 0, wscale: -1, payload: new Uint8Array(0) }
          : {
              seq: 0,
              ack: (seg.seq + len) >>> 0,
              flags: RST | ACK,
              window: 0,
              mss: 0,
              wscale: -1,
              payload: new Uint8Array(0),
            };
      this.emitTcp(fake, rst);
    };
    if ((seg.flags & (SYN | ACK)) !== SYN) {
      refuse();
      return;
    }
    const target = this.hostAddressFor(h.dst);
    if (target === undefined || !this.roomForFlow()) {
      refuse();
      return;
    }
    const nf = this.newFlow(h.src, sport, h.dst, dport);
    nf.conn.listenFrom(seg);
    const s = new Socket();
    s.once("connect", () => {
      this.bridge(nf, s);
      nf.conn.accept();
    });
    s.once("error", () => {
      if (nf.socket === undefined) {
        this.stats.tcpRefused++;
        nf.conn.refuse();
      }
    });
    s.connect({ host: target, port: dport });
  }

  // Host forwards -----------------------------------------------------------------------------

  private guestFor(f: HostForward): Ip4 {
    if (f.guestAddress === undefined || f.guestAddress === "") return this.dhcp.config.start;
    const v = parseIp4(f.guestAddress);
    if (v === undefined)
      throw new ConfigError(`hostfwd guest address "${f.guestAddress}" is not an IPv4 address`);
    return v;
  }

  private allocPort(): number {
    for (let i = 0; i < 16384; i++) {
      const p = this.nextPort;
      this.nextPort = p >= 65535 ? 49152 : p + 1;
      let used = false;
      for (const f of this.tcp.values()) if (f.remotePort === p) used = true;
      if (!used) return p;
    }
    return 49152;
  }

  private listen(f: HostForward): void {
    if (
      !Number.isInteger(f.hostPort) ||
      f.hostPort < 0 ||
      f.hostPort > 65535 ||
      !Number.isInteger(f.guestPort) ||
      f.guestPort < 1 ||
      f.guestPort > 65535
    ) {
      throw new ConfigError(
        `hostfwd ports must be 0..65535 (host) and 1..65535 (guest): ${f.hostPort} -> ${f.guestPort}`,
      );
    }
    const guestIp = this.guestFor(f);
    if (f.protocol === "tcp") {
      const server = createServer((s) => {
        if (this.closed || !this.roomForFlow()) {
          s.destroy();
          return;
        }
        s.pause();
        s.on("error", () => {});
        const flow = this.newFlow(guestIp, f.guestPort, this.gateway, this.allocPort(), s);
        flow.conn.connect();
      });
      server.on("error", (e) =>
        this.log.warn("hostfwd", `hostfwd tcp ${f.hostAddress}:${f.hostPort}: ${e.message}`),
      );
      // close() may come before the (asynchronous) listen completes: do not stay listening then.
      server.on("listening", () => {
        if (this.closed) server.close();
      });
      server.listen(f.hostPort, f.hostAddress);
      this.servers.push(server);
      return;
    }
    const server = createSocket("udp4");
    server.on("message", (msg, rinfo) => {
      const from = `${rinfo.address}:${rinfo.port}`;
      let flow = [...this.udp.values()].find(
        (u) =>
          u.fwd !== undefined &&
          `${u.fwd.clientAddress}:${u.fwd.clientPort}` === from &&
          u.fwd.server === server,
      );
      if (flow === undefined) {
        if (!this.roomForFlow()) return;
        const srcPort = this.allocPort();
        const key = `f:${guestIp}:${f.guestPort}:${this.gateway}:${srcPort}`;
        flow = {
          key,
          guestIp,
          guestPort: f.guestPort,
          socket: server,
          idle: undefined,
          fwd: { srcIp: this.gateway, srcPort, clientAddress: rinfo.address, clientPort: rinfo.port, server },
        };
        this.udp.set(key, flow);
        this.stats.udpFlows++;
      }
      this.touchUdp(flow);
      this.sendUdp(this.gateway, flow.fwd!.srcPort, guestIp, f.guestPort, msg);
    });
    server.on("error", (e) =>
      this.log.warn("hostfwd", `hostfwd udp ${f.hostAddress}:${f.hostPort}: ${e.message}`),
    );
    server.bind(f.hostPort, f.hostAddress);
    this.servers.push(server);
  }
}

/** One line describing the network (for the CLI's start-up banner and logs). */
export function describeUserNetwork(n: UserNetwork): string {
  return `user network ${formatIp4(n.network)}, gateway ${formatIp4(n.gateway)}, DNS ${formatIp4(n.dnsAddress)}, DHCP from ${formatIp4(n.dhcp.config.start)}`;
}
