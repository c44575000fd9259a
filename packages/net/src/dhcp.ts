/** A DHCP server for one virtual network (RFC 2131 messages, RFC 2132 options). */
import { type Ip4, rd16, rd32, wr16, wr32 } from "./packet.js";

export const DhcpMessageType = {
  DISCOVER: 1,
  OFFER: 2,
  REQUEST: 3,
  DECLINE: 4,
  ACK: 5,
  NAK: 6,
  RELEASE: 7,
  INFORM: 8,
} as const;

/** Option codes (RFC 2132). */
export const DhcpOption = {
  PAD: 0,
  SUBNET_MASK: 1,
  ROUTER: 3,
  DNS: 6,
  HOSTNAME: 12,
  BROADCAST: 28,
  REQUESTED_IP: 50,
  LEASE_TIME: 51,
  MESSAGE_TYPE: 53,
  SERVER_ID: 54,
  END: 255,
} as const;

const MAGIC = 0x63825363;
const FIXED = 236;

/** What the server hands out. */
export interface DhcpConfig {
  server: Ip4;
  router: Ip4;
  dns: Ip4;
  netmask: Ip4;
  /** First address leased; each new client MAC gets the next one. */
  start: Ip4;
  /** How many addresses can be leased. */
  count: number;
  leaseSeconds: number;
  hostname?: string;
}

/** A parsed BOOTP/DHCP request. */
export interface DhcpRequest {
  op: number;
  xid: number;
  flags: number;
  ciaddr: Ip4;
  chaddr: Uint8Array;
  type: number;
  requestedIp: Ip4 | undefined;
  serverId: Ip4 | undefined;
}

/** Parses a DHCP message (the UDP payload); undefined when it is not a well-formed request. */
export function parseDhcp(p: Uint8Array): DhcpRequest | undefined {
  if (p.length < FIXED + 4 || p[0] !== 1 || p[1] !== 1 || p[2] !== 6) return undefined;
  if (rd32(p, FIXED) !== MAGIC) return undefined;
  const r: DhcpRequest = {
    op: p[0]!,
    xid: rd32(p, 4),
    flags: rd16(p, 10),
    ciaddr: rd32(p, 12),
    chaddr: p.slice(28, 34),
    type: 0,
    requestedIp: undefined,
    serverId: undefined,
  };
  for (let i = FIXED + 4; i < p.length; ) {
    const code = p[i]!;
    if (code === DhcpOption.END) break;
    if (code === DhcpOption.PAD) {
      i++;
      continue;
    }
    const len = p[i + 1];
    if (len === undefined || i + 2 + len > p.length) return undefined;
    const v = p.subarray(i + 2, i + 2 + len);
    if (code === DhcpOption.MESSAGE_TYPE && len === 1) r.type = v[0]!;
    else if (code === DhcpOption.REQUESTED_IP && len === 4) r.requestedIp = rd32(v, 0);
    else if (code === DhcpOption.SERVER_ID && len === 4) r.serverId = rd32(v, 0);
    i += 2 + len;
  }
  return r.type === 0 ? undefined : r;
}

export class DhcpServer {
  private readonly leases = new Map<string, Ip4>();
  readonly stats = { offers: 0, acks: 0, naks: 0, ignored: 0 };
  constructor(readonly config: DhcpConfig) {}

  /** The address leased to a MAC (allocating one), or undefined when the pool is exhausted. */
  leaseFor(mac: Uint8Array): Ip4 | undefined {
    const key = Array.from(mac).join(":");
    const have = this.leases.get(key);
    if (have !== undefined) return have;
    if (this.leases.size >= this.config.count) return undefined;
    const ip = (this.config.start + this.leases.size) >>> 0;
    this.leases.set(key, ip);
    return ip;
  }

  /** The guest address of a lease, if this MAC has one. */
  leased(mac: Uint8Array): Ip4 | undefined {
    return this.leases.get(Array.from(mac).join(":"));
  }

  /** The reply (a DHCP payload) to a request, or undefined for no reply. */
  handle(req: DhcpRequest): { payload: Uint8Array; yiaddr: Ip4 } | undefined {
    const c = this.config;
    if (req.type === DhcpMessageType.DISCOVER) {
      const ip = this.leaseFor(req.chaddr);
      if (ip === undefined) return this.ignore();
      this.stats.offers++;
      return { payload: this.reply(req, DhcpMessageType.OFFER, ip), yiaddr: ip };
    }
    if (req.type === DhcpMessageType.REQUEST) {
      // A REQUEST for another server (SELECTING with a foreign server id) is not ours.
      if (req.serverId !== undefined && req.serverId !== c.server) return this.ignore();
      const ip = this.leaseFor(req.chaddr);
      const wanted = req.requestedIp ?? req.ciaddr;
      if (ip === undefined || (wanted !== 0 && wanted !== ip)) {
        this.stats.naks++;
        return { payload: this.reply(req, DhcpMessageType.NAK, 0), yiaddr: 0 };
      }
      this.stats.acks++;
      return { payload: this.reply(req, DhcpMessageType.ACK, ip), yiaddr: ip };
    }
    if (req.type === DhcpMessageType.INFORM) {
      this.stats.acks++;
      return { payload: this.reply(req, DhcpMessageType.ACK, 0), yiaddr: req.ciaddr };
    }
    return this.ignore(); // DECLINE, RELEASE: leases are fixed per MAC
  }

  private ignore(): undefined {
    this.stats.ignored++;
    return undefined;
  }

  private reply(req: DhcpRequest, type: number, yiaddr: Ip4): Uint8Array {
    const c = this.config;
    const opts: number[] = [DhcpOption.MESSAGE_TYPE, 1, type];
    // A four-byte option (an address, the lease time), big-endian.
    const u32 = (code: number, v: number) =>
      opts.push(code, 4, v >>> 24, (v >>> 16) & 255, (v >>> 8) & 255, v & 255);
    u32(DhcpOption.SERVER_ID, c.server);
    if (type !== DhcpMessageType.NAK) {
      if (type !== DhcpMessageType.ACK || yiaddr !== req.ciaddr || req.type !== DhcpMessageType.INFORM) {
        u32(DhcpOption.LEASE_TIME, c.leaseSeconds);
      }
      u32(DhcpOption.SUBNET_MASK, c.netmask);
      u32(DhcpOption.ROUTER, c.router);
      u32(DhcpOption.DNS, c.dns);
      u32(DhcpOption.BROADCAST, ((c.router & c.netmask) | (~c.netmask >>> 0)) >>> 0);
      if (c.hostname !== undefined && c.hostname.length > 0) {
        const h = new TextEncoder().encode(c.hostname.slice(0, 255));
        opts.push(DhcpOption.HOSTNAME, h.length, ...h);
      }
    }
    opts.push(DhcpOption.END);
    const p = new Uint8Array(FIXED + 4 + opts.length);
    p[0] = 2; // BOOTREPLY
    p[1] = 1;
    p[2] = 6;
    wr32(p, 4, req.xid);
    wr16(p, 10, req.flags);
    if (type !== DhcpMessageType.NAK) {
      wr32(p, 16, req.type === DhcpMessageType.INFORM ? 0 : yiaddr);
      wr32(p, 20, c.server);
    }
    p.set(req.chaddr, 28);
    wr32(p, FIXED, MAGIC);
    p.set(opts, FIXED + 4);
    return p;
  }
}
