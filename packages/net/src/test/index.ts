/**
 * Guest-side helpers for testing network backends: build the frames a guest would send (ARP,
 * DHCP, UDP, TCP) and run TCP connections from the guest side over any NetBackend.
 */
import type { NetBackend } from "@armature/core";
import {
  ETH_HLEN,
  finishTransportChecksum,
  IPPROTO_TCP,
  IPPROTO_UDP,
  type Ip4,
  inetChecksum,
  ip4Frame,
  parseIp4Header,
  rd16,
  rd32,
  wr16,
  wr32,
} from "../packet.js";
import { parseTcpSegment, TcpConnection, type TimerApi, tcpHeaderLength, writeTcpSegment } from "../tcp.js";

export interface ReceivedUdp {
  src: Ip4;
  srcPort: number;
  dst: Ip4;
  dstPort: number;
  data: Uint8Array;
}

/** A scripted guest on a backend's link. */
export class TestGuest {
  readonly frames: Uint8Array[] = [];
  readonly udp: ReceivedUdp[] = [];
  routerMac = new Uint8Array([0xff, 0xff, 0xff, 0xff, 0xff, 0xff]);
  private readonly conns = new Map<string, TcpConnection>();
  private readonly waiters = new Set<() => void>();

  constructor(
    readonly backend: NetBackend,
    public ip: Ip4,
    readonly mac = new Uint8Array([0x52, 0x54, 0x00, 0x12, 0x34, 0x56]),
    readonly timers?: TimerApi,
  ) {
    backend.attach((f) => this.onFrame(f));
  }

  private onFrame(f: Uint8Array): void {
    this.frames.push(f);
    const h = parseIp4Header(f);
    if (h !== undefined && !h.mf && h.fragOffset === 0) {
      const p = f.subarray(ETH_HLEN + h.ihl, ETH_HLEN + h.total);
      if (h.proto === IPPROTO_UDP && p.length >= 8) {
        this.udp.push({
          src: h.src,
          srcPort: rd16(p, 0),
          dst: h.dst,
          dstPort: rd16(p, 2),
          data: p.slice(8, rd16(p, 4)),
        });
      } else if (h.proto === IPPROTO_TCP) {
        const seg = parseTcpSegment(p, 0, p.length);
        const key = `${rd16(p, 2)}:${h.src}:${rd16(p, 0)}`;
        // Deferred, as a real NIC's receive path is: no recursion between the two stacks.
        const c = this.conns.get(key);
        if (seg !== undefined && c !== undefined) queueMicrotask(() => c.input(seg));
      }
    }
    for (const fn of [...this.waiters]) fn();
  }

  /** Resolves when `pred` holds (checked after every frame and every 5 ms), or rejects after `ms`. */
  until(pred: () => boolean, ms = 5000): Promise<void> {
    return new Promise((res, rej) => {
      if (pred()) return res();
      const start = Date.now();
      const poll = setInterval(() => check(), 5);
      const check = () => {
        if (pred()) {
          clearInterval(poll);
          this.waiters.delete(check);
          res();
        } else if (Date.now() - start > ms) {
          clearInterval(poll);
          this.waiters.delete(check);
          rej(new Error("TestGuest.until: timed out"));
        }
      };
      this.waiters.add(check);
    });
  }

  arpRequest(target: Ip4): void {
    const f = new Uint8Array(42);
    f.fill(0xff, 0, 6);
    f.set(this.mac, 6);
    wr16(f, 12, 0x0806);
    f.set([0, 1, 8, 0, 6, 4, 0, 1], 14);
    f.set(this.mac, 22);
    wr32(f, 28, this.ip);
    wr32(f, 38, target);
    this.backend.send(f);
  }

  sendUdp(dst: Ip4, srcPort: number, dstPort: number, data: Uint8Array, src = this.ip): void {
    const f = ip4Frame(this.routerMac, this.mac, src, dst, IPPROTO_UDP, 8 + data.length);
    wr16(f, 34, srcPort);
    wr16(f, 36, dstPort);
    wr16(f, 38, 8 + data.length);
    f.set(data, 42);
    finishTransportChecksum(f);
    this.backend.send(f);
  }

  ping(dst: Ip4, id: number, seq: number, data = new Uint8Array(8)): void {
    const f = ip4Frame(this.routerMac, this.mac, this.ip, dst, 1, 8 + data.length);
    f[34] = 8;
    wr16(f, 38, id);
    wr16(f, 40, seq);
    f.set(data, 42);
    wr16(f, 36, inetChecksum(f, 34, f.length));
    this.backend.send(f);
  }

  /** Opens a TCP connection from the guest; data arrives through `onData`. */
  connect(
    dst: Ip4,
    dstPort: number,
    srcPort: number,
    cb: {
      onConnect?(): void;
      onData?(b: Uint8Array): void;
      onEnd?(): void;
      onClose?(reset: boolean): void;
    } = {},
  ): TcpConnection {
    return this.endpoint(dst, dstPort, srcPort, cb, true);
  }

  /** Accepts TCP connections to `port` (host forwards). */
  listen(
    port: number,
    cb: { onAccept(c: TcpConnection): void; onData?(b: Uint8Array): void; onEnd?(): void },
  ): void {
    const inner = this.onFrame.bind(this);
    this.backend.attach((f) => {
      const h = parseIp4Header(f);
      if (h !== undefined && h.proto === IPPROTO_TCP) {
        const p = f.subarray(ETH_HLEN + h.ihl, ETH_HLEN + h.total);
        const seg = parseTcpSegment(p, 0, p.length);
        const key = `${rd16(p, 2)}:${h.src}:${rd16(p, 0)}`;
        if (seg !== undefined && rd16(p, 2) === port && seg.flags === 0x02 && !this.conns.has(key)) {
          this.routerMac = f.slice(6, 12);
          const c = this.endpoint(h.src, rd16(p, 0), port, { onData: cb.onData, onEnd: cb.onEnd }, false);
          c.listenFrom(seg);
          c.accept();
          cb.onAccept(c);
          this.frames.push(f);
          return;
        }
      }
      inner(f);
    });
  }

  private endpoint(
    remote: Ip4,
    remotePort: number,
    localPort: number,
    cb: { onConnect?(): void; onData?(b: Uint8Array): void; onEnd?(): void; onClose?(reset: boolean): void },
    active: boolean,
  ): TcpConnection {
    const key = `${localPort}:${remote}:${remotePort}`;
    const c = new TcpConnection({
      timers: this.timers,
      rtoMs: 200,
      emit: (seg) => {
        const f = ip4Frame(
          this.routerMac,
          this.mac,
          this.ip,
          remote,
          IPPROTO_TCP,
          tcpHeaderLength(seg) + seg.payload.length,
        );
        writeTcpSegment(f, 34, localPort, remotePort, seg);
        finishTransportChecksum(f);
        this.backend.send(f);
      },
      ...cb,
      onClose: (reset) => {
        this.conns.delete(key);
        cb.onClose?.(reset);
      },
    });
    this.conns.set(key, c);
    if (active) c.connect();
    return c;
  }
}

/** Reads a big-endian IPv4 address out of a byte array. */
export function ip4At(b: Uint8Array, o: number): Ip4 {
  return rd32(b, o);
}

/** A DHCP client message (DISCOVER or REQUEST) as udhcpc sends it. */
export function dhcpMessage(
  mac: Uint8Array,
  xid: number,
  type: number,
  requested?: Ip4,
  server?: Ip4,
): Uint8Array {
  const opts = [53, 1, type];
  if (requested !== undefined)
    opts.push(50, 4, requested >>> 24, (requested >>> 16) & 255, (requested >>> 8) & 255, requested & 255);
  if (server !== undefined)
    opts.push(54, 4, server >>> 24, (server >>> 16) & 255, (server >>> 8) & 255, server & 255);
  opts.push(55, 4, 1, 3, 6, 12, 255);
  const p = new Uint8Array(240 + opts.length);
  p[0] = 1;
  p[1] = 1;
  p[2] = 6;
  wr32(p, 4, xid);
  wr16(p, 10, 0x8000);
  p.set(mac, 28);
  wr32(p, 236, 0x63825363);
  p.set(opts, 240);
  return p;
}
export { SimClock } from "./sim.js";
