import { ConfigError } from "@armature/core";

/** A `--display` choice: nothing, or a VNC server. */
export type DisplaySpec = { kind: "none" } | { kind: "vnc"; host: string; port: number; password?: string };

/**
 * Parse a display option as `armature run --display` takes it: "none", or
 * "vnc=HOST:PORT[,password=PW]" (HOST may be empty for 127.0.0.1, or an IPv6 address in brackets;
 * PORT alone is accepted too). Mistakes are ConfigErrors that say what to write.
 */
export function parseDisplaySpec(text: string): DisplaySpec {
  if (text === "none") return { kind: "none" };
  if (!text.startsWith("vnc="))
    throw new ConfigError(`--display "${text}": use none or vnc=HOST:PORT[,password=PW]`);
  const [addr = "", ...opts] = text.slice(4).split(",");
  let host = "127.0.0.1";
  let portText = addr;
  const v6 = /^\[([0-9a-fA-F:.]+)\]:(\d+)$/.exec(addr);
  if (v6 !== null) {
    host = v6[1]!;
    portText = v6[2]!;
  } else if (addr.includes(":")) {
    const i = addr.lastIndexOf(":");
    host = addr.slice(0, i) || "127.0.0.1";
    portText = addr.slice(i + 1);
  }
  const port = Number(portText);
  if (!/^\d+$/.test(portText) || port > 65535)
    throw new ConfigError(`--display "${text}": the port must be 0..65535 (vnc=127.0.0.1:5900)`);
  const spec: DisplaySpec = { kind: "vnc", host, port };
  for (const o of opts) {
    if (o.startsWith("password=") && o.length > 9) spec.password = o.slice(9);
    else throw new ConfigError(`--display "${text}": unknown option "${o}" (known: password=PW)`);
  }
  return spec;
}
