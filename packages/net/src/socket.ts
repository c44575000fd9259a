/**
 * A backend that carries frames as UDP datagrams between two processes (like QEMU's
 * `-netdev dgram,local=…,remote=…`): two `armature` instances, each with the other as its
 * remote, share one Ethernet segment.
 */
import { createSocket, type Socket as UdpSocket } from "node:dgram";
import { ConfigError, type NetBackend } from "@armature/core";

export interface SocketNetOptions {
  /** Where this instance listens, "host:port". */
  local: string;
  /** Where frames are sent, "host:port". */
  remote: string;
}

function hostPort(s: string, what: string): { host: string; port: number } {
  const i = s.lastIndexOf(":");
  const host = i > 0 ? s.slice(0, i) : "";
  const port = Number(s.slice(i + 1));
  if (i <= 0 || !Number.isInteger(port) || port < 1 || port > 65535) {
    throw new ConfigError(`${what} "${s}" must be HOST:PORT, e.g. 127.0.0.1:10000`);
  }
  return { host, port };
}

export class SocketNetBackend implements NetBackend {
  private readonly sock: UdpSocket;
  private readonly remote: { host: string; port: number };
  private receive: ((f: Uint8Array) => void) | undefined;
  framesSent = 0;
  framesReceived = 0;

  constructor(opts: SocketNetOptions) {
    const local = hostPort(opts.local, "local address");
    this.remote = hostPort(opts.remote, "remote address");
    this.sock = createSocket("udp4");
    this.sock.on("message", (m, rinfo) => {
      // Only the configured peer may inject frames.
      if (rinfo.port !== this.remote.port) return;
      if (m.length < 14 || m.length > 65550) return;
      this.framesReceived++;
      this.receive?.(new Uint8Array(m));
    });
    this.sock.on("error", () => {});
    this.sock.bind(local.port, local.host);
    this.sock.unref();
  }

  /** Resolves once the socket is bound (for tests that must not lose the first frame). */
  ready(): Promise<void> {
    return new Promise((res) => {
      try {
        this.sock.address();
        res();
      } catch {
        this.sock.once("listening", () => res());
      }
    });
  }

  send(frame: Uint8Array): void {
    this.framesSent++;
    this.sock.send(frame, this.remote.port, this.remote.host, () => {});
  }

  attach(receive: (frame: Uint8Array) => void): void {
    this.receive = receive;
  }

  close(): void {
    try {
      this.sock.close();
    } catch {
      // already closed
    }
  }
}
