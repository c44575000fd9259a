/** Packet capture in the classic libpcap format (what `tcpdump -r` and Wireshark read). */
import { closeSync, openSync, writeSync } from "node:fs";
import { ConfigError, type NetBackend } from "@armature/core";

const LINKTYPE_ETHERNET = 1;

/** The 24-byte global header: magic a1b2c3d4 (microseconds), version 2.4, snaplen, link type. */
export function pcapGlobalHeader(snaplen = 65535): Uint8Array {
  const h = new Uint8Array(24);
  const v = new DataView(h.buffer);
  v.setUint32(0, 0xa1b2c3d4, true);
  v.setUint16(4, 2, true);
  v.setUint16(6, 4, true);
  v.setUint32(16, snaplen, true);
  v.setUint32(20, LINKTYPE_ETHERNET, true);
  return h;
}

/** One record header + the frame. */
export function pcapRecord(frame: Uint8Array, timeMs: number, snaplen = 65535): Uint8Array {
  const n = Math.min(frame.length, snaplen);
  const r = new Uint8Array(16 + n);
  const v = new DataView(r.buffer);
  const us = Math.round(timeMs * 1000);
  v.setUint32(0, Math.floor(us / 1e6), true);
  v.setUint32(4, us % 1e6, true);
  v.setUint32(8, n, true);
  v.setUint32(12, frame.length, true);
  r.set(frame.subarray(0, n), 16);
  return r;
}

/**
 * A backend wrapper that writes every frame, both directions, to a pcap file and otherwise passes
 * them through unchanged.
 */
export class PcapTap implements NetBackend {
  private fd: number | undefined;
  frames = 0;
  constructor(
    private readonly inner: NetBackend,
    readonly path: string,
    private readonly now: () => number = () => Date.now(),
  ) {
    try {
      this.fd = openSync(path, "w");
    } catch (e) {
      throw new ConfigError(`cannot write the packet capture "${path}": ${(e as Error).message}`);
    }
    writeSync(this.fd, pcapGlobalHeader());
  }
  private record(f: Uint8Array): void {
    if (this.fd === undefined) return;
    writeSync(this.fd, pcapRecord(f, this.now()));
    this.frames++;
  }
  send(frame: Uint8Array): void {
    this.record(frame);
    this.inner.send(frame);
  }
  attach(receive: (frame: Uint8Array) => void): void {
    this.inner.attach((f) => {
      this.record(f);
      receive(f);
    });
  }
  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
    this.inner.close?.();
  }
}
