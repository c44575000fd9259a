import { hex } from "@armature/core";
import type { Cpu } from "@armature/cpu-aarch64";
import { GDB_REGISTERS } from "./regs.js";
import { type DebugTarget, readGuest, targetBus } from "./target.js";

export interface MonitorOptions {
  target: DebugTarget;
  /** Write the display as PNG (the `screendump FILE` command; absent: no display). */
  screendump?(path: string): void;
  /**
   * Press the machine's power button (`system_powerdown` asks the guest to shut down, as in QEMU).
   * Absent: `system_powerdown` stops the machine as if the guest had powered off.
   */
  powerdown?(): void;
  /**
   * Save a snapshot of the machine to `path` (the `savevm FILE` command; absent: the board cannot
   * snapshot). Returns what to report (e.g. the size); a thrown error is reported as `error: ...`.
   */
  savevm?(path: string): string;
  /** Extra `info` topics (e.g. a board's `irq`): name -> text. */
  info?: Record<string, () => string>;
}

/** What a monitor command answered, and whether it asked to leave the monitor. */
export interface MonitorReply {
  text: string;
  /** `quit`, `system_powerdown`, `system_reset` stopped the machine. */
  stopped: boolean;
}

const HELP = [
  "info registers      the selected vCPU's registers",
  "info cpus           every vCPU: pc, exception level, on/off",
  "info mtree          the physical memory map (RAM and MMIO regions)",
  "info irq            the interrupt controller: each interrupt in use (boards with a GIC)",
  "cpu N               select vCPU N for info registers and x",
  "x/Nf ADDR           N units at virtual ADDR (0x... or decimal; f: x hex; unit b h w g, default w)",
  "xp/Nf ADDR          the same at physical ADDR",
  "stop | cont         pause / resume the vCPUs",
  "savevm FILE         save a snapshot of the machine to FILE (armature run --restore FILE)",
  "screendump FILE     write the screen as PNG (with a display)",
  "system_powerdown    press the power button (no button: stop the machine as powered off)",
  "system_reset        stop the machine as reset",
  "quit                stop the machine",
].join("\n");

/**
 * A small line monitor in the spirit of QEMU's: one command per line, text back. Shared by the
 * console's Ctrl-A c, `--monitor tcp:...` and GDB's `monitor` (qRcmd).
 */
export class Monitor {
  private cpuIndex = 0;
  constructor(private readonly o: MonitorOptions) {}

  /** Run one command line. Never throws on bad input: the reply says what is wrong. */
  execute(line: string): MonitorReply {
    try {
      return this.run(line.trim());
    } catch (e) {
      return { text: `error: ${e instanceof Error ? e.message : String(e)}`, stopped: false };
    }
  }

  private get cpu(): Cpu {
    return this.o.target.cpus[this.cpuIndex]!;
  }

  private run(line: string): MonitorReply {
    const t = this.o.target;
    const ok = (text: string): MonitorReply => ({ text, stopped: false });
    const [cmd = "", ...args] = line.split(/\s+/);
    switch (cmd) {
      case "":
        return ok("");
      case "help":
      case "?":
        return ok(HELP);
      case "info":
        return ok(this.info(args[0] ?? ""));
      case "cpu": {
        const n = Number(args[0]);
        if (!Number.isInteger(n) || n < 0 || n >= t.cpus.length)
          return ok(`cpu: give a vCPU number 0..${t.cpus.length - 1}`);
        this.cpuIndex = n;
        return ok("");
      }
      case "stop":
        t.pause();
        return ok("");
      case "cont":
      case "c":
        t.resume();
        return ok("");
      case "savevm":
        if (this.o.savevm === undefined) return ok("savevm: this machine cannot be snapshotted");
        if (args[0] === undefined) return ok("savevm: give a file name");
        return ok(this.o.savevm(args[0]));
      case "screendump":
        if (this.o.screendump === undefined) return ok("screendump: this machine has no display");
        if (args[0] === undefined) return ok("screendump: give a file name");
        this.o.screendump(args[0]);
        return ok("");
      case "system_powerdown":
        if (this.o.powerdown !== undefined) {
          this.o.powerdown();
          return ok("");
        }
        t.stop("poweroff");
        return { text: "", stopped: true };
      case "system_reset":
        t.stop("reset");
        return { text: "", stopped: true };
      case "quit":
      case "q":
        t.stop("halted");
        return { text: "", stopped: true };
      default:
        if (cmd.startsWith("x/") || cmd === "x" || cmd.startsWith("xp/") || cmd === "xp")
          return ok(this.examine(cmd, args[0]));
        return ok(`unknown command "${cmd}" (help lists them)`);
    }
  }

  private info(what: string): string {
    const t = this.o.target;
    switch (what) {
      case "registers":
      case "r": {
        const c = this.cpu;
        const lines: string[] = [];
        for (let n = 0; n < 34; n += 2) {
          const a = GDB_REGISTERS[n]!;
          const b = GDB_REGISTERS[n + 1];
          let s = `${a.name.padStart(4)}=${hex64(a.read(c))}`;
          if (b !== undefined && n + 1 < 34) s += `  ${b.name.padStart(4)}=${hex64(b.read(c))}`;
          lines.push(s);
        }
        lines.push(`  EL=${c.el} SPSel=${c.spsel} DAIF=${(c.daif >>> 6).toString(2).padStart(4, "0")}`);
        for (const r of GDB_REGISTERS.slice(70, 80)) lines.push(`${r.name.padStart(14)}=${hex64(r.read(c))}`);
        return lines.join("\n");
      }
      case "cpus":
        return t.cpus
          .map(
            (c, i) =>
              `${i === this.cpuIndex ? "*" : " "} CPU #${i}: pc=${hex64(c.getPC())} EL${c.el} ${t.isCpuOn(i) ? "on" : "off"}${t.isPaused ? " (paused)" : ""}`,
          )
          .join("\n");
      case "mtree":
        return targetBus(t)
          .list()
          .map(
            (r) =>
              `${hex(r.base).padStart(14)}-${hex(r.base + r.size - 1).padStart(14)} ${r.kind.padEnd(4)} ${r.name}`,
          )
          .join("\n");
      default: {
        const extra = this.o.info?.[what];
        if (extra !== undefined) return extra();
        return `info: registers, cpus, mtree${Object.keys(this.o.info ?? {})
          .map((k) => `, ${k}`)
          .join("")}`;
      }
    }
  }

  /** `x/Nf ADDR`, `xp/Nf ADDR`: N units (b 1, h 2, w 4, g 8 bytes) in hex, 4 or 2 per line. */
  private examine(cmd: string, addrArg: string | undefined): string {
    const physical = cmd.startsWith("xp");
    const fmt = cmd.includes("/") ? cmd.slice(cmd.indexOf("/") + 1) : "";
    const m = /^(\d*)([xdu]?)([bhwg]?)([xdu]?)$/.exec(fmt);
    if (m === null) return `${physical ? "xp" : "x"}: format /N[x][b|h|w|g]`;
    const count = Math.min(m[1] === "" ? 1 : Number(m[1]), 1024);
    const unit = { b: 1, h: 2, w: 4, g: 8, "": 4 }[m[3] as "b" | "h" | "w" | "g" | ""];
    if (addrArg === undefined) return "x: give an address";
    // QEMU's convention: 0x for hex, decimal otherwise.
    if (!/^(0x[0-9a-fA-F]{1,16}|\d{1,20})$/.test(addrArg))
      return `x: bad address "${addrArg}" (0x... or decimal)`;
    const addr = BigInt(addrArg);
    const bytes = readGuest(targetBus(this.o.target), this.cpu, addr, count * unit, physical);
    const perLine = unit === 8 ? 2 : 4;
    const lines: string[] = [];
    for (let i = 0; i < count; i++) {
      const off = i * unit;
      if (off + unit > bytes.length) {
        lines.push(`${hex64(addr + BigInt(off))}: cannot access memory`);
        break;
      }
      let v = 0n;
      for (let k = unit - 1; k >= 0; k--) v = (v << 8n) | BigInt(bytes[off + k]!);
      const cell = `0x${v.toString(16).padStart(unit * 2, "0")}`;
      if (i % perLine === 0) lines.push(`${hex64(addr + BigInt(off))}: ${cell}`);
      else lines[lines.length - 1] += ` ${cell}`;
    }
    return lines.join("\n");
  }
}

function hex64(v: bigint): string {
  return `0x${BigInt.asUintN(64, v).toString(16).padStart(16, "0")}`;
}
