import { createServer, type Server, type Socket } from "node:net";
import { ConfigError } from "@armature/core";
import { GdbSession } from "./gdb.js";
import { Monitor, type MonitorOptions } from "./monitor.js";
import type { DebugTarget } from "./target.js";

/** A TCP address to listen on. */
export interface TcpEndpoint {
  host: string;
  port: number;
}

/**
 * `tcp:HOST:PORT`, `tcp::PORT` or `tcp:PORT` (the host defaults to 127.0.0.1: loopback unless
 * asked otherwise). Throws a ConfigError naming `what` on anything else.
 */
export function parseTcpEndpoint(spec: string, what: string): TcpEndpoint {
  const m = /^tcp:(?:(\[[0-9a-fA-F:]+\]|[^:]*):)?(\d{1,5})$/.exec(spec);
  const port = m === null ? Number.NaN : Number(m[2]);
  if (m === null || port > 65535) {
    throw new ConfigError(`${what} "${spec}": expected tcp:HOST:PORT (e.g. tcp:127.0.0.1:1234)`);
  }
  const host = m[1] === undefined || m[1] === "" ? "127.0.0.1" : m[1].replace(/^\[|\]$/g, "");
  return { host, port };
}

function listenOn(server: Server, at: TcpEndpoint): Promise<TcpEndpoint> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(at.port, at.host, () => {
      server.off("error", reject);
      const a = server.address();
      resolve(typeof a === "object" && a !== null ? { host: a.address, port: a.port } : at);
    });
  });
}

export interface GdbServerOptions extends Omit<MonitorOptions, "target"> {
  target: DebugTarget;
  /** Where to listen (default 127.0.0.1, port 1234). Port 0 picks a free one. */
  host?: string;
  port?: number;
}

/**
 * A GDB remote stub on TCP: one client at a time (another is refused while one is attached).
 * A client connecting pauses the machine; disconnecting removes its breakpoints and lets the
 * machine run on.
 */
export class GdbServer {
  private readonly server: Server;
  private session: GdbSession | undefined;
  private socket: Socket | undefined;
  private readonly waiters: Array<() => void> = [];
  private stopped: number | undefined;

  constructor(private readonly o: GdbServerOptions) {
    this.server = createServer((s) => this.accept(s));
  }

  /** Start listening; resolves with the bound address. */
  listen(): Promise<TcpEndpoint> {
    return listenOn(this.server, { host: this.o.host ?? "127.0.0.1", port: this.o.port ?? 1234 });
  }

  /** Resolves when a client is attached (at once if one is). */
  waitForClient(): Promise<void> {
    if (this.session !== undefined) return Promise.resolve();
    return new Promise((r) => this.waiters.push(r));
  }

  /** Whether a client is attached. */
  get attached(): boolean {
    return this.session !== undefined;
  }

  /** The machine's run loop ended with exit `code`: tell the client (W packet) and stop serving. */
  async machineStopped(code: number): Promise<void> {
    this.stopped = code;
    this.session?.machineStopped(code);
    await this.close();
  }

  /** Stop listening and end the connection (after what was sent is flushed). */
  async close(): Promise<void> {
    const s = this.socket;
    if (s !== undefined && !s.destroyed) {
      await new Promise<void>((resolve) => {
        const t = setTimeout(() => {
          s.destroy();
          resolve();
        }, 2000);
        s.once("close", () => {
          clearTimeout(t);
          resolve();
        });
        s.end();
      });
    }
    await new Promise<void>((r) => this.server.close(() => r()));
  }

  private accept(s: Socket): void {
    if (this.session !== undefined || this.stopped !== undefined) {
      s.destroy();
      return;
    }
    s.setNoDelay(true);
    this.socket = s;
    const session = new GdbSession({
      ...this.o,
      transport: {
        write: (b) => {
          if (!s.destroyed) s.write(b);
        },
        close: () => s.end(),
      },
    });
    this.session = session;
    s.on("data", (d: Buffer) => session.receive(new Uint8Array(d.buffer, d.byteOffset, d.byteLength)));
    const gone = () => {
      session.detach();
      if (this.session === session) {
        this.session = undefined;
        this.socket = undefined;
      }
    };
    s.on("close", gone);
    s.on("error", gone);
    for (const w of this.waiters.splice(0)) w();
  }
}

export interface MonitorServerOptions extends MonitorOptions {
  host?: string;
  port: number;
}

/** The monitor on TCP: one command per line, each answer followed by a `(armature) ` prompt. */
export class MonitorServer {
  private readonly server: Server;
  private readonly monitor: Monitor;
  private readonly sockets = new Set<Socket>();

  constructor(private readonly o: MonitorServerOptions) {
    this.monitor = new Monitor(o);
    this.server = createServer((s) => this.accept(s));
  }

  listen(): Promise<TcpEndpoint> {
    return listenOn(this.server, { host: this.o.host ?? "127.0.0.1", port: this.o.port });
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((r) => this.server.close(() => r()));
  }

  private accept(s: Socket): void {
    this.sockets.add(s);
    let line = "";
    s.write(MONITOR_BANNER);
    s.on("data", (d: Buffer) => {
      line += d.toString("latin1");
      if (line.length > 4096) line = line.slice(-4096);
      let nl = line.indexOf("\n");
      while (nl >= 0) {
        const cmd = line.slice(0, nl).replace(/\r$/, "");
        line = line.slice(nl + 1);
        const r = this.monitor.execute(cmd);
        if (!s.destroyed) s.write(`${r.text}${r.text === "" ? "" : "\n"}${PROMPT}`);
        nl = line.indexOf("\n");
      }
    });
    s.on("close", () => this.sockets.delete(s));
    s.on("error", () => this.sockets.delete(s));
  }
}

const PROMPT = "(armature) ";
const MONITOR_BANNER = `Armature monitor: help lists the commands\n${PROMPT}`;

/**
 * The monitor on a terminal console: feed it the bytes typed after Ctrl-A c; it echoes, edits
 * (backspace) and runs each line. `feed` returns what to print and whether to leave the monitor
 * (Ctrl-A c again, or a command that stopped the machine).
 */
export class MonitorConsole {
  private readonly monitor: Monitor;
  private line = "";
  private ctrlA = false;

  constructor(o: MonitorOptions) {
    this.monitor = new Monitor(o);
  }

  /** The text shown on entering. */
  enter(): string {
    this.line = "";
    return `\r\n${MONITOR_BANNER}`;
  }

  feed(bytes: Uint8Array): { output: string; leave: boolean } {
    let out = "";
    for (const b of bytes) {
      if (this.ctrlA) {
        this.ctrlA = false;
        if (b === 0x63) return { output: `${out}\r\n`, leave: true };
        continue;
      }
      if (b === 0x01) this.ctrlA = true;
      else if (b === 0x0d || b === 0x0a) {
        const r = this.monitor.execute(this.line);
        this.line = "";
        out += `\r\n${r.text.replace(/\n/g, "\r\n")}${r.text === "" ? "" : "\r\n"}`;
        if (r.stopped) return { output: out, leave: true };
        out += PROMPT;
      } else if (b === 0x7f || b === 0x08) {
        if (this.line.length > 0) {
          this.line = this.line.slice(0, -1);
          out += "\b \b";
        }
      } else if (b >= 0x20 && b < 0x7f && this.line.length < 1024) {
        this.line += String.fromCharCode(b);
        out += String.fromCharCode(b);
      }
    }
    return { output: out, leave: false };
  }
}
