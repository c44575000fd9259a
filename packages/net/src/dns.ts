/** A DNS proxy: answers queries (RFC 1035) by asking the host's resolver. */
import { lookup } from "node:dns/promises";
import { rd16, wr16 } from "./packet.js";

export const DnsType = { A: 1, PTR: 12, AAAA: 28 } as const;
export const DnsRcode = { NOERROR: 0, FORMERR: 1, SERVFAIL: 2, NXDOMAIN: 3, NOTIMP: 4 } as const;

export interface DnsQuestion {
  id: number;
  flags: number;
  name: string;
  type: number;
  qclass: number;
  /** Byte length of the header + question section (echoed in the answer). */
  questionEnd: number;
}

/** Parses a query with exactly one question (no compression in questions, as resolvers send). */
export function parseDnsQuery(p: Uint8Array): DnsQuestion | undefined {
  if (p.length < 12) return undefined;
  const flags = rd16(p, 2);
  if (flags & 0x8000 || ((flags >> 11) & 0xf) !== 0) return undefined; // a response, or not QUERY
  if (rd16(p, 4) !== 1) return undefined;
  const labels: string[] = [];
  let i = 12;
  for (let guard = 0; ; guard++) {
    const l = p[i];
    if (l === undefined || guard > 127) return undefined;
    if (l === 0) {
      i++;
      break;
    }
    if (l > 63 || i + 1 + l > p.length) return undefined;
    labels.push(new TextDecoder().decode(p.subarray(i + 1, i + 1 + l)));
    i += 1 + l;
  }
  if (i + 4 > p.length) return undefined;
  return {
    id: rd16(p, 0),
    flags,
    name: labels.join("."),
    type: rd16(p, i),
    qclass: rd16(p, i + 2),
    questionEnd: i + 4,
  };
}

/** Builds the answer to `q` (whose bytes are `query`) with A/AAAA records (4- or 16-byte addresses). */
export function buildDnsAnswer(
  query: Uint8Array,
  q: DnsQuestion,
  rcode: number,
  addrs: Uint8Array[],
  ttl = 60,
): Uint8Array {
  const out = new Uint8Array(q.questionEnd + addrs.reduce((n, a) => n + 12 + a.length, 0));
  out.set(query.subarray(0, q.questionEnd));
  // QR=1, opcode 0, AA=0, TC=0, RD copied, RA=1.
  wr16(out, 2, 0x8000 | (q.flags & 0x0100) | 0x0080 | (rcode & 0xf));
  wr16(out, 6, addrs.length);
  wr16(out, 8, 0);
  wr16(out, 10, 0);
  let o = q.questionEnd;
  for (const a of addrs) {
    wr16(out, o, 0xc00c); // pointer to the question's name
    wr16(out, o + 2, a.length === 4 ? DnsType.A : DnsType.AAAA);
    wr16(out, o + 4, 1);
    wr16(out, o + 6, ttl >>> 16);
    wr16(out, o + 8, ttl & 0xffff);
    wr16(out, o + 10, a.length);
    out.set(a, o + 12);
    o += 12 + a.length;
  }
  return out;
}

/** How names are resolved; replaceable for tests or for a fixed hosts table. */
export type DnsResolver = (name: string, family: 4 | 6) => Promise<string[]>;

export const hostResolver: DnsResolver = async (name, family) => {
  const r = await lookup(name, { family, all: true });
  return r.map((x) => x.address);
};

function addrBytes(a: string, family: 4 | 6): Uint8Array | undefined {
  if (family === 4) {
    const p = a.split(".").map(Number);
    return p.length === 4 && p.every((x) => x >= 0 && x <= 255) ? new Uint8Array(p) : undefined;
  }
  // IPv6: expand "::" and parse the groups.
  const [h, t] = a.includes("::") ? a.split("::") : [a, undefined];
  const hs = h ? h.split(":") : [];
  const ts = t !== undefined && t !== "" ? t.split(":") : [];
  const groups = t === undefined ? hs : [...hs, ...Array(8 - hs.length - ts.length).fill("0"), ...ts];
  if (groups.length !== 8 || groups.some((g) => !/^[0-9a-fA-F]{1,4}$/.test(g))) return undefined;
  const out = new Uint8Array(16);
  for (let i = 0; i < 8; i++) wr16(out, i * 2, Number.parseInt(groups[i]!, 16));
  return out;
}

/** Answers one query: A and AAAA through the resolver; PTR NXDOMAIN; other types NOTIMP. */
export async function answerDnsQuery(
  query: Uint8Array,
  resolver: DnsResolver,
): Promise<Uint8Array | undefined> {
  const q = parseDnsQuery(query);
  if (q === undefined) {
    if (query.length < 12) return undefined;
    const r = new Uint8Array(12);
    r.set(query.subarray(0, 4));
    wr16(r, 2, 0x8000 | DnsRcode.FORMERR);
    return r;
  }
  if (q.qclass !== 1 || (q.type !== DnsType.A && q.type !== DnsType.AAAA)) {
    return buildDnsAnswer(query, q, q.type === DnsType.PTR ? DnsRcode.NXDOMAIN : DnsRcode.NOTIMP, []);
  }
  const family = q.type === DnsType.A ? 4 : 6;
  try {
    const list = await resolver(q.name, family);
    const addrs = list.map((a) => addrBytes(a, family)).filter((a): a is Uint8Array => a !== undefined);
    return buildDnsAnswer(query, q, DnsRcode.NOERROR, addrs.slice(0, 16));
  } catch (e) {
    const code = (e as { code?: string }).code;
    // ENOTFOUND: no such name. ENODATA: the name exists but has no address of that family.
    if (code === "ENODATA") return buildDnsAnswer(query, q, DnsRcode.NOERROR, []);
    return buildDnsAnswer(query, q, code === "ENOTFOUND" ? DnsRcode.NXDOMAIN : DnsRcode.SERVFAIL, []);
  }
}
