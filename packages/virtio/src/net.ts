import {
  ConfigError,
  createNetLink,
  getUintLE,
  type NetBackend,
  type StateReader,
  type StateWriter,
} from "@armature/core";
import { featureBit, VirtioDeviceId } from "./constants.js";
import { type VirtioDevice, VirtioDeviceBase, type VirtioDeviceContext } from "./device.js";

export type { NetBackend };
export { createNetLink };

/** Parse "52:54:00:12:34:56". */
export function parseMac(mac: string): Uint8Array {
  const parts = mac.split(":").map((p) => Number.parseInt(p, 16));
  if (parts.length !== 6 || parts.some((p) => !(p >= 0 && p <= 255))) {
    throw new ConfigError(`MAC address "${mac}" must be six hex bytes separated by ':'`);
  }
  return new Uint8Array(parts);
}

function ipBytes(ip: string): Uint8Array {
  const p = ip.split(".").map(Number);
  if (p.length !== 4 || p.some((x) => !(x >= 0 && x <= 255)))
    throw new ConfigError(`IPv4 address "${ip}" is malformed`);
  return new Uint8Array(p);
}

function eq(a: Uint8Array, ao: number, b: Uint8Array): boolean {
  for (let i = 0; i < b.length; i++) if (a[ao + i] !== b[i]) return false;
  return true;
}

/** Internet checksum (RFC 1071) of `b[from, to)`. */
export function inetChecksum(b: Uint8Array, from: number, to: number): number {
  let sum = 0;
  for (let i = from; i < to; i += 2) sum += (b[i]! << 8) | (i + 1 < to ? b[i + 1]! : 0);
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}

/**
 * A built-in network peer, the gateway of QEMU's user-networking convention: it owns 10.0.2.2
 * (by default) and answers ARP requests (RFC 826) for that address and ICMP echo requests
 * (RFC 792) sent to it, so a guest at 10.0.2.15/24 can `ping 10.0.2.2` with no host privileges.
 * Everything else is counted and dropped.
 */
export class UserNetPeer implements NetBackend {
  readonly mac: Uint8Array;
  readonly ip: Uint8Array;
  private receive: ((frame: Uint8Array) => void) | undefined;
  arpReplies = 0;
  echoReplies = 0;
  dropped = 0;

  constructor(opts: { ip?: string; mac?: string } = {}) {
    this.ip = ipBytes(opts.ip ?? "10.0.2.2");
    this.mac = parseMac(opts.mac ?? "52:55:0a:00:02:02");
  }

  attach(receive: (frame: Uint8Array) => void): void {
    this.receive = receive;
  }

  send(f: Uint8Array): void {
    if (f.length >= 42 && f[12] === 0x08 && f[13] === 0x06) this.arp(f);
    else if (f.length >= 42 && f[12] === 0x08 && f[13] === 0x00) this.ipv4(f);
    else this.dropped++;
  }

  private arp(f: Uint8Array): void {
    // htype 1, ptype 0x0800, hlen 6, plen 4, op 1 (request), target IP = ours.
    const ok = f[14] === 0 && f[15] === 1 && f[16] === 8 && f[17] === 0 && f[18] === 6 && f[19] === 4;
    if (!ok || f[20] !== 0 || f[21] !== 1 || !eq(f, 38, this.ip)) {
      this.dropped++;
      return;
    }
    const r = new Uint8Array(42);
    r.set(f.subarray(22, 28), 0); // to the requester
    r.set(this.mac, 6);
    r.set([0x08, 0x06, 0, 1, 0x08, 0, 6, 4, 0, 2], 12);
    r.set(this.mac, 22);
    r.set(this.ip, 28);
    r.set(f.subarray(22, 32), 32); // target = sender hw + ip
    this.arpReplies++;
    this.receive?.(r);
  }

  private ipv4(f: Uint8Array): void {
    const ihl = (f[14]! & 0x0f) * 4;
    const total = (f[16]! << 8) | f[17]!;
    if (
      f[14]! >> 4 !== 4 ||
      ihl < 20 ||
      total < ihl + 8 ||
      14 + total > f.length ||
      f[23] !== 1 ||
      !eq(f, 30, this.ip)
    ) {
      this.dropped++;
      return;
    }
    if (inetChecksum(f, 14, 14 + ihl) !== 0) {
      this.dropped++;
      return;
    }
    const icmp = 14 + ihl;
    if (f[icmp] !== 8 || inetChecksum(f, icmp, 14 + total) !== 0) {
      this.dropped++;
      return;
    }
    const r = f.slice(0, 14 + total);
    r.set(f.subarray(6, 12), 0);
    r.set(this.mac, 6);
    r.set(f.subarray(30, 34), 26); // src = our ip (the request's dst)
    r.set(f.subarray(26, 30), 30); // dst = requester
    r[22] = 64; // TTL
    r[24] = 0;
    r[25] = 0;
    const hc = inetChecksum(r, 14, 14 + ihl);
    r[24] = hc >> 8;
    r[25] = hc & 0xff;
    r[icmp] = 0; // echo reply
    r[icmp + 2] = 0;
    r[icmp + 3] = 0;
    const c = inetChecksum(r, icmp, 14 + total);
    r[icmp + 2] = c >> 8;
    r[icmp + 3] = c & 0xff;
    this.echoReplies++;
    this.receive?.(r);
  }
}

/** virtio-net feature bits (§5.1.3). */
export const VirtioNetFeature = {
  CSUM: 0,
  GUEST_CSUM: 1,
  MTU: 3,
  MAC: 5,
  MRG_RXBUF: 15,
  STATUS: 16,
  CTRL_VQ: 17,
} as const;

/** struct virtio_net_hdr with num_buffers (always present with VERSION_1, §5.1.6). */
export const VIRTIO_NET_HDR_SIZE = 12;
const RX = 0;
const TX = 1;
/** Frames kept while the guest has posted no receive buffers. */
const MAX_PENDING_FRAMES = 256;
const MAX_FRAME = 65550;

/** virtio-net (virtio 1.2 §5.1): one receive/transmit queue pair, MAC and link status. */
export class VirtioNet extends VirtioDeviceBase implements VirtioDevice {
  readonly deviceId = VirtioDeviceId.NET;
  readonly name = "net";
  readonly deviceFeatures =
    featureBit(VirtioNetFeature.MAC) | featureBit(VirtioNetFeature.STATUS) | featureBit(VirtioNetFeature.MTU);
  readonly queueMaxSizes: readonly number[] = [256, 256];
  readonly configSize = 12;
  readonly mac: Uint8Array;
  private linkUp = true;
  private pending: Uint8Array[] = [];
  private readonly hdr = new Uint8Array(VIRTIO_NET_HDR_SIZE);
  txFrames = 0;
  rxFrames = 0;
  rxDropped = 0;

  constructor(
    readonly backend: NetBackend,
    opts: { mac?: string } = {},
  ) {
    super();
    this.mac = parseMac(opts.mac ?? "52:54:00:12:34:56");
    backend.attach((frame) => this.receive(frame));
    this.hdr[10] = 1; // num_buffers
  }

  /** Change the link state (STATUS feature) and notify the driver. */
  setLink(up: boolean): void {
    this.linkUp = up;
    this.ctx?.configChanged();
  }

  readConfig(offset: number, size: 1 | 2 | 4): number {
    const b = new Uint8Array(12);
    b.set(this.mac, 0);
    b[6] = this.linkUp ? 1 : 0; // VIRTIO_NET_S_LINK_UP
    b[8] = 1; // max_virtqueue_pairs
    b[10] = 1500 & 0xff;
    b[11] = 1500 >> 8;
    return getUintLE(b, offset, size);
  }

  writeConfig(): void {
    this.ctx?.log.warn("cfg-ro", "write to read-only virtio-net config ignored");
  }

  readonly stateVersion = 1;
  /** Link state, received frames not yet delivered and the counters (the backend is the host's). */
  saveState(w: StateWriter): void {
    w.bool(this.linkUp);
    w.byteList(this.pending);
    for (const k of NET_COUNTERS) w.f64(this[k]);
  }
  loadState(r: StateReader): (ctx: VirtioDeviceContext | undefined) => void {
    const link = r.bool();
    const pending = r.byteList(1 << 20, 1 << 20, "pending frames");
    const c = NET_COUNTERS.map(() => r.f64());
    return (ctx) => {
      this.ctx = ctx;
      this.linkUp = link;
      this.pending = pending;
      NET_COUNTERS.forEach((k, i) => {
        this[k] = c[i]!;
      });
    };
  }
  override reset(): void {
    super.reset();
    this.pending = [];
  }

  queueNotify(i: number): void {
    if (i === TX) this.transmit();
    else if (i === RX) this.deliver();
  }

  private transmit(): void {
    const ctx = this.ctx;
    if (ctx === undefined) return;
    const q = ctx.queue(TX);
    for (let c = q.pop(); c !== null; c = q.pop()) {
      const len = c.readableBytes - VIRTIO_NET_HDR_SIZE;
      if (len < 14 || len > MAX_FRAME) {
        ctx.log.warn("tx-len", `transmit chain of ${c.readableBytes} bytes is not a frame; dropped`);
      } else {
        const frame = new Uint8Array(len);
        if (c.read(VIRTIO_NET_HDR_SIZE, frame) === len) {
          this.txFrames++;
          q.push(c, 0);
          this.backend.send(frame);
          continue;
        }
        ctx.log.warn("tx-dma", "transmit buffer is not in memory; dropped");
      }
      q.push(c, 0);
    }
    ctx.notifyUsed(TX);
  }

  /** A frame for the guest (from the backend). */
  receive(frame: Uint8Array): void {
    if (this.pending.length >= MAX_PENDING_FRAMES) {
      this.rxDropped++;
      return;
    }
    this.pending.push(frame.slice());
    this.ctx?.run(() => this.deliver());
  }

  private deliver(): void {
    const ctx = this.ctx;
    if (ctx === undefined) return;
    const q = ctx.queue(RX);
    let any = false;
    while (this.pending.length > 0) {
      const c = q.pop();
      if (c === null) break;
      const f = this.pending.shift()!;
      any = true;
      if (c.writableBytes < VIRTIO_NET_HDR_SIZE + f.length) {
        // Without VIRTIO_NET_F_MRG_RXBUF a frame must fit one buffer (§5.1.6.3.1).
        ctx.log.warn(
          "rx-small",
          `receive buffer of ${c.writableBytes} bytes is too small for a ${f.length}-byte frame`,
        );
        this.rxDropped++;
        q.push(c, 0);
        continue;
      }
      if (c.write(0, this.hdr) !== VIRTIO_NET_HDR_SIZE || c.write(VIRTIO_NET_HDR_SIZE, f) !== f.length) {
        ctx.log.warn("rx-dma", "receive buffer is not in memory");
        this.rxDropped++;
        q.push(c, 0);
        continue;
      }
      this.rxFrames++;
      q.push(c, VIRTIO_NET_HDR_SIZE + f.length);
    }
    if (any) ctx.notifyUsed(RX);
  }
}

/** The counters in a snapshot, in order (a new one goes last, with a version bump). */
const NET_COUNTERS = ["txFrames", "rxFrames", "rxDropped"] as const;
