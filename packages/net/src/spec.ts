/**
 * The `--net` option's syntax, shared by the CLI and library users:
 *   user[,net=10.0.2.0/24][,host=10.0.2.2][,dns=10.0.2.3][,dhcpstart=10.0.2.15][,hostname=NAME]
 *       [,restrict=on][,hostfwd=tcp:[HOSTADDR]:HOSTPORT-[GUESTADDR]:GUESTPORT]...
 *   socket,local=HOST:PORT,remote=HOST:PORT
 *   none
 */
import { ConfigError } from "@armature/core";
import type { SocketNetOptions } from "./socket.js";
import type { HostForward, UserNetworkOptions } from "./user.js";

export type NetSpec =
  | { kind: "user"; options: UserNetworkOptions }
  | { kind: "socket"; options: SocketNetOptions }
  | { kind: "none" };

/** hostfwd=tcp:127.0.0.1:8080-:80 (host address defaults to 127.0.0.1: loopback only). */
export function parseHostForward(s: string): HostForward {
  const m = /^(tcp|udp):([^:]*):(\d+)-([^:]*):(\d+)$/.exec(s);
  if (m === null) {
    throw new ConfigError(`hostfwd "${s}" must look like tcp:[HOSTADDR]:HOSTPORT-[GUESTADDR]:GUESTPORT`);
  }
  return {
    protocol: m[1] as "tcp" | "udp",
    hostAddress: m[2] === "" ? "127.0.0.1" : m[2]!,
    hostPort: Number(m[3]),
    guestAddress: m[4] === "" ? undefined : m[4],
    guestPort: Number(m[5]),
  };
}

export function parseNetSpec(spec: string): NetSpec {
  const [kind, ...rest] = spec.split(",");
  const kv = rest.map((p) => {
    const i = p.indexOf("=");
    if (i <= 0) throw new ConfigError(`--net ${kind}: "${p}" must be KEY=VALUE`);
    return [p.slice(0, i), p.slice(i + 1)] as const;
  });
  if (kind === "none") {
    if (kv.length > 0) throw new ConfigError("--net none takes no options");
    return { kind: "none" };
  }
  if (kind === "socket") {
    const o: Partial<SocketNetOptions> = {};
    for (const [k, v] of kv) {
      if (k === "local") o.local = v;
      else if (k === "remote") o.remote = v;
      else throw new ConfigError(`--net socket: unknown option "${k}" (known: local, remote)`);
    }
    if (o.local === undefined || o.remote === undefined) {
      throw new ConfigError("--net socket needs local=HOST:PORT and remote=HOST:PORT");
    }
    return { kind: "socket", options: { local: o.local, remote: o.remote } };
  }
  if (kind === "user" || kind === "builtin") {
    const o: UserNetworkOptions = {};
    const fwd: HostForward[] = [];
    for (const [k, v] of kv) {
      if (k === "net") o.network = v;
      else if (k === "host") o.host = v;
      else if (k === "dns") o.dns = v;
      else if (k === "dhcpstart") o.dhcpStart = v;
      else if (k === "hostname") o.hostname = v;
      else if (k === "mac") o.mac = v;
      else if (k === "restrict") o.restrict = v === "on" || v === "yes" || v === "true";
      else if (k === "hostfwd") fwd.push(parseHostForward(v));
      else {
        throw new ConfigError(
          `--net user: unknown option "${k}" (known: net, host, dns, dhcpstart, hostname, mac, restrict, hostfwd)`,
        );
      }
    }
    if (fwd.length > 0) o.hostForwards = fwd;
    return { kind: "user", options: o };
  }
  throw new ConfigError(`--net "${kind}" is not a network backend (known: user, socket, none)`);
}
