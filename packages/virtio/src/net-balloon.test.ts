import { describe, expect, it } from "vitest";
import { VirtioBalloon } from "./balloon.js";
import { createNetLink, UserNetPeer, VIRTIO_NET_HDR_SIZE, VirtioNet } from "./net.js";
import { DriverSplitQueue, harness, initializeDevice, startRxTx, TRANSPORT_KINDS } from "./test/index.js";

const ALL = (1n << 64n) - 1n;
const GUEST_MAC = [0x52, 0x54, 0, 0x12, 0x34, 0x56];
const GUEST_IP = [10, 0, 2, 15];
const PEER_IP = [10, 0, 2, 2];

/** RFC 1071 checksum, written naively over 16-bit big-endian words (independent of the device's). */
function csum(b: Uint8Array): number {
  let s = 0;
  const v = new DataView(b.buffer, b.byteOffset, b.length);
  for (let i = 0; i + 1 < b.length; i += 2) s += v.getUint16(i);
  if (b.length % 2) s += b[b.length - 1]! << 8;
  while (s >> 16) s = (s & 0xffff) + (s >> 16);
  return ~s & 0xffff;
}

function arpRequest(): Uint8Array {
  return new Uint8Array([
    ...[0xff, 0xff, 0xff, 0xff, 0xff, 0xff],
    ...GUEST_MAC,
    0x08,
    0x06,
    0,
    1,
    0x08,
    0,
    6,
    4,
    0,
    1,
    ...GUEST_MAC,
    ...GUEST_IP,
    0,
    0,
    0,
    0,
    0,
    0,
    ...PEER_IP,
  ]);
}

function echoRequest(dstMac: number[], seq: number, payload: Uint8Array): Uint8Array {
  const icmp = new Uint8Array(8 + payload.length);
  icmp.set([8, 0, 0, 0, 0x12, 0x34, seq >> 8, seq & 0xff]);
  icmp.set(payload, 8);
  const c = csum(icmp);
  icmp[2] = c >> 8;
  icmp[3] = c & 0xff;
  const ip = new Uint8Array(20);
  const total = 20 + icmp.length;
  ip.set([0x45, 0, total >> 8, total & 0xff, 0, 1, 0x40, 0, 64, 1, 0, 0, ...GUEST_IP, ...PEER_IP]);
  const hc = csum(ip);
  ip[10] = hc >> 8;
  ip[11] = hc & 0xff;
  return new Uint8Array([...dstMac, ...GUEST_MAC, 0x08, 0x00, ...ip, ...icmp]);
}

function withHdr(frame: Uint8Array): Uint8Array {
  const b = new Uint8Array(VIRTIO_NET_HDR_SIZE + frame.length);
  b.set(frame, VIRTIO_NET_HDR_SIZE);
  return b;
}

describe.each(TRANSPORT_KINDS)("virtio-net over %s", (kind) => {
  it("resolves and pings the built-in peer at 10.0.2.2", () => {
    const peer = new UserNetPeer();
    const h = harness(new VirtioNet(peer), kind);
    const { rx, tx } = startRxTx(h);
    expect([0, 1, 2, 3, 4, 5].map((i) => h.t.readConfig(i, 1))).toEqual(GUEST_MAC);
    expect(h.t.readConfig(6, 2) & 1).toBe(1); // link up
    for (let i = 0; i < 4; i++) rx.add([{ writable: 1526 }]);
    h.t.notify(0);
    tx.add([{ readable: withHdr(arpRequest()) }]);
    h.t.notify(1);
    let got = rx.takeUsed();
    expect(got).toHaveLength(1);
    const arp = rx.readWritten(got[0]!).subarray(VIRTIO_NET_HDR_SIZE);
    expect(Array.from(arp.subarray(0, 6))).toEqual(GUEST_MAC);
    expect(arp[21]).toBe(2); // ARP reply
    const peerMac = Array.from(arp.subarray(22, 28));
    expect(Array.from(arp.subarray(28, 32))).toEqual(PEER_IP);
    const payload = new Uint8Array(56).map((_, i) => i);
    tx.add([
      { readable: new Uint8Array(VIRTIO_NET_HDR_SIZE) },
      { readable: echoRequest(peerMac, 7, payload) },
    ]);
    h.t.notify(1);
    got = rx.takeUsed();
    expect(got).toHaveLength(1);
    const full = rx.readWritten(got[0]!);
    expect(full[10]).toBe(1); // num_buffers
    const r = full.subarray(VIRTIO_NET_HDR_SIZE);
    expect(Array.from(r.subarray(26, 30))).toEqual(PEER_IP);
    expect(Array.from(r.subarray(30, 34))).toEqual(GUEST_IP);
    expect(csum(r.subarray(14, 34))).toBe(0);
    expect(r[34]).toBe(0); // echo reply
    expect(csum(r.subarray(34))).toBe(0);
    expect(r.subarray(42)).toEqual(payload);
    expect((r[40]! << 8) | r[41]!).toBe(7);
    expect(tx.takeUsed()).toHaveLength(2);
    expect(peer.echoReplies).toBe(1);
  });

  it("links two machines in process", () => {
    const [a, b] = createNetLink();
    const ha = harness(new VirtioNet(a, { mac: "52:54:00:00:00:0a" }), kind);
    const hb = harness(new VirtioNet(b, { mac: "52:54:00:00:00:0b" }), kind === "mmio" ? "pci-msix" : "mmio");
    const atx = startRxTx(ha, 8).tx;
    const brx = startRxTx(hb, 8).rx;
    const frame = new Uint8Array(60).map((_, i) => (i * 7) & 0xff);
    atx.add([{ readable: withHdr(frame) }]);
    ha.t.notify(1); // no receive buffer yet on b: kept pending
    brx.add([{ writable: 100 }]);
    hb.t.notify(0);
    const [u] = brx.takeUsed();
    expect(u!.len).toBe(VIRTIO_NET_HDR_SIZE + 60);
    expect(brx.readWritten(u!).subarray(VIRTIO_NET_HDR_SIZE)).toEqual(frame);
  });
});

describe.each(TRANSPORT_KINDS)("virtio-balloon over %s", (kind) => {
  it("inflates, deflates, reports stats and free pages", () => {
    const seen: string[] = [];
    const dev = new VirtioBalloon({
      inflated: (p) => seen.push(`+${p.join(",")}`),
      deflated: (p) => seen.push(`-${p.join(",")}`),
      reported: (r) => seen.push(`r${r.map((x) => `${x.addr.toString(16)}:${x.len}`).join(",")}`),
    });
    const h = harness(dev, kind);
    const qs = [0, 1, 2, 3].map(() => new DriverSplitQueue(h.mem, 8));
    initializeDevice(h.t, ALL, qs);
    h.t.takeInterrupts();
    dev.setTarget(3);
    expect(h.t.readConfig(0, 4)).toBe(3);
    expect(h.t.takeInterrupts()).toContain(-1);
    const pfns = new Uint8Array(12);
    new DataView(pfns.buffer).setUint32(0, 0x40000, true);
    new DataView(pfns.buffer).setUint32(4, 0x40001, true);
    new DataView(pfns.buffer).setUint32(8, 0x40002, true);
    qs[0]!.add([{ readable: pfns }]);
    h.t.notify(0);
    h.t.writeConfig(4, 4, 3);
    expect(dev.actual).toBe(3);
    expect(dev.inflatedPages.size).toBe(3);
    qs[1]!.add([{ readable: pfns.subarray(0, 4) }]);
    h.t.notify(1);
    expect(dev.inflatedPages.size).toBe(2);
    // Stats: the driver primes the queue; the device holds the buffer until it asks again.
    const st = new Uint8Array(20);
    const v = new DataView(st.buffer);
    v.setUint16(0, 4, true);
    v.setUint32(2, 123456, true);
    v.setUint16(10, 5, true);
    v.setUint32(12, 0, true);
    v.setUint32(16, 1, true);
    qs[2]!.add([{ readable: st }]);
    h.t.notify(2);
    expect(dev.lastStats.get(4)).toBe(123456);
    expect(dev.lastStats.get(5)).toBe(2 ** 32);
    expect(qs[2]!.takeUsed()).toHaveLength(0);
    expect(dev.requestStats()).toBe(true);
    expect(qs[2]!.takeUsed()).toHaveLength(1);
    qs[3]!.add([{ writable: 4096 }, { writable: 8192 }]);
    h.t.notify(3);
    expect(qs[3]!.takeUsed()).toHaveLength(1);
    expect(seen[0]).toBe("+262144,262145,262146");
    expect(seen[1]).toBe("-262144");
    expect(seen[2]).toMatch(/^r[0-9a-f]+:4096,[0-9a-f]+:8192$/);
  });
});
