import { ConfigError } from "@armature/core";
import {
  type DebugTarget,
  GdbServer,
  MonitorConsole,
  MonitorServer,
  parseTcpEndpoint,
  type TcpEndpoint,
} from "@armature/debug";
import type { OptionSpecs } from "../args.js";
import { type CliIo, CliUsageError } from "../command.js";

/** `--gdb`, `--wait-gdb`, `--monitor`: the same on every board's `run`. */
export const DEBUG_OPTIONS = {
  "--gdb": { value: true },
  "--wait-gdb": {},
  "--monitor": { value: true },
} as const satisfies OptionSpecs;

export const DEBUG_HELP = `  --gdb tcp:HOST:PORT     GDB remote stub (loopback unless HOST says otherwise), e.g.
                          gdb-multiarch -ex 'target remote :1234'; threads are the vCPUs
  --wait-gdb              do not start the vCPUs until GDB attaches and continues
  --monitor tcp:HOST:PORT the line monitor on TCP (help lists its commands; the console's
                          Ctrl-A c opens the same monitor)
`;

export interface DebugCliOptions {
  gdb?: TcpEndpoint;
  waitGdb: boolean;
  monitor?: TcpEndpoint;
}

/** Read the debug options from parsed arguments (usage errors for malformed endpoints). */
export function parseDebugOptions(a: {
  "--gdb"?: string;
  "--wait-gdb"?: true;
  "--monitor"?: string;
}): DebugCliOptions {
  const ep = (v: string, what: string) => {
    try {
      return parseTcpEndpoint(v, what);
    } catch (e) {
      throw e instanceof ConfigError ? new CliUsageError(e.message) : e;
    }
  };
  const o: DebugCliOptions = { waitGdb: a["--wait-gdb"] === true };
  if (a["--gdb"] !== undefined) o.gdb = ep(a["--gdb"], "--gdb");
  if (a["--monitor"] !== undefined) o.monitor = ep(a["--monitor"], "--monitor");
  if (o.waitGdb && o.gdb === undefined) throw new CliUsageError("--wait-gdb needs --gdb tcp:HOST:PORT");
  return o;
}

/** What the console loop gets: the Ctrl-A c monitor, and what to do when the run ends. */
export interface ConsoleDebug {
  monitor: MonitorConsole;
  finish(exitCode: number): Promise<void>;
}

/** Start the GDB stub and the TCP monitor a run asked for (the machine waits for GDB with --wait-gdb). */
export async function startDebug(
  target: DebugTarget,
  o: DebugCliOptions,
  io: CliIo,
  board: {
    screendump?(path: string): void;
    powerdown?(): void;
    savevm?(path: string): string;
    /** The board's GIC: the monitor's `info irq`. */
    gic?: { irqInfo(): string };
  } = {},
): Promise<ConsoleDebug> {
  const gic = board.gic;
  const extra = {
    ...(gic === undefined ? {} : { info: { irq: () => gic.irqInfo() } }),
    ...(board.screendump === undefined ? {} : { screendump: board.screendump }),
    ...(board.powerdown === undefined ? {} : { powerdown: board.powerdown }),
    ...(board.savevm === undefined ? {} : { savevm: board.savevm }),
  };
  let gdb: GdbServer | undefined;
  let mon: MonitorServer | undefined;
  try {
    if (o.gdb !== undefined) {
      gdb = new GdbServer({ target, host: o.gdb.host, port: o.gdb.port, ...extra });
      const at = await gdb.listen();
      io.err(`armature run: GDB stub on ${at.host}:${at.port}${o.waitGdb ? " (waiting for GDB)" : ""}\n`);
      if (o.waitGdb) target.pause();
    }
    if (o.monitor !== undefined) {
      mon = new MonitorServer({ target, host: o.monitor.host, port: o.monitor.port, ...extra });
      const at = await mon.listen();
      io.err(`armature run: monitor on ${at.host}:${at.port}\n`);
    }
  } catch (e) {
    await gdb?.close();
    await mon?.close();
    throw e;
  }
  return {
    monitor: new MonitorConsole({ target, ...extra }),
    async finish(code: number) {
      await gdb?.machineStopped(code);
      await mon?.close();
    },
  };
}
