/*
 * The GDB remote serial protocol, all-stop mode, threads = vCPUs (thread id = vCPU index + 1).
 * Packet meanings from the GDB manual ("Remote Protocol", "Packets", "Stop Reply Packets",
 * "General Query Packets", "Target Description Format").
 *
 * Breakpoints and watchpoints never touch guest memory or the guest's debug registers: they are
 * `HostDebugHooks` the CPU consults before each instruction / on each data access, installed
 * only while at least one is set (without them the vCPUs run at full speed, untouched).
 */
import { RateLimitedLog } from "@armature/core";
import type { Cpu, HostDebugHooks } from "@armature/cpu-aarch64";
import { Monitor, type MonitorOptions } from "./monitor.js";
import {
  framePacket,
  fromHex,
  leHex,
  PacketDecoder,
  type PacketEvent,
  parseHexBig,
  parseLeHex,
  toHex,
  unescapeBinary,
} from "./packets.js";
import { G_PACKET_REGISTERS, GDB_REGISTERS, TARGET_XML } from "./regs.js";
import { type DebugStopListener, type DebugTarget, readGuest, targetBus, writeGuest } from "./target.js";

/** The largest packet we accept and announce (qSupported PacketSize). */
export const GDB_PACKET_SIZE = 0x4000;
const MAX_BREAKPOINTS = 64;
const MAX_WATCHPOINTS = 16;

type WatchKind = 2 | 3 | 4;
interface Watchpoint {
  lo: number;
  hi: number;
  len: number;
  kind: WatchKind;
}

/** Why the vCPUs last stopped (the `?` reply is built from it). */
interface StopInfo {
  cpu: number;
  signal: number;
  /** Extra stop-reply fields, e.g. "swbreak:;" or "watch:ADDR;". */
  extra: string;
}

/**
 * The debugger's breakpoints and watchpoints, as the hooks the CPUs call. Allocation-free on
 * the per-instruction path.
 */
class HostBreaks implements HostDebugHooks {
  readonly bpLo: number[] = [];
  readonly bpHi: number[] = [];
  readonly bpHw: boolean[] = [];
  readonly wps: Watchpoint[] = [];
  watching = false;
  /** Per vCPU: a stop at (lo, hi) is ignored while `retired` still equals graceRetired (resume over it). */
  private readonly graceLo: Float64Array;
  private readonly graceHi: Int32Array;
  private readonly graceRetired: Float64Array;
  /** What the last hook that fired saw. */
  hitHw = false;
  hitWatch: Watchpoint | undefined;
  hitAddrLo = 0;
  hitAddrHi = 0;

  constructor(cpus: number) {
    this.graceLo = new Float64Array(cpus).fill(-1);
    this.graceHi = new Int32Array(cpus);
    this.graceRetired = new Float64Array(cpus).fill(-1);
  }

  get empty(): boolean {
    return this.bpLo.length === 0 && this.wps.length === 0;
  }

  /** Resume vCPU `cpu` over a breakpoint/watchpoint at its current PC. */
  grace(cpu: Cpu): void {
    this.graceLo[cpu.index] = cpu.pc >>> 0;
    this.graceHi[cpu.index] = cpu.pcHi | 0;
    this.graceRetired[cpu.index] = cpu.retired;
  }

  private inGrace(cpu: Cpu): boolean {
    const i = cpu.index;
    return (
      this.graceRetired[i] === cpu.retired &&
      this.graceLo[i] === cpu.pc >>> 0 &&
      this.graceHi[i] === (cpu.pcHi | 0)
    );
  }

  breakBefore(cpu: Cpu): boolean {
    const n = this.bpLo.length;
    if (n === 0) return false;
    const lo = cpu.pc >>> 0;
    const hi = cpu.pcHi | 0;
    for (let k = 0; k < n; k++) {
      if (this.bpLo[k] === lo && this.bpHi[k] === hi) {
        if (this.inGrace(cpu)) return false;
        this.hitWatch = undefined;
        this.hitHw = this.bpHw[k]!;
        return true;
      }
    }
    return false;
  }

  access(cpu: Cpu, lo: number, hi: number, size: number, write: boolean): boolean {
    const a = lo >>> 0;
    for (let k = 0; k < this.wps.length; k++) {
      const w = this.wps[k]!;
      if (w.hi !== (hi | 0)) continue;
      if (w.kind === 2 ? !write : w.kind === 3 ? write : false) continue;
      if (a < w.lo + w.len && w.lo < a + size) {
        if (this.inGrace(cpu)) return false;
        this.hitWatch = w;
        this.hitAddrLo = Math.max(a, w.lo);
        this.hitAddrHi = hi;
        return true;
      }
    }
    return false;
  }
}

/** Where the session's bytes go (a socket, or a test). */
export interface GdbTransport {
  write(bytes: Uint8Array): void;
  /** End the connection (after `k`, `D`, or when the machine stopped). */
  close(): void;
}

export interface GdbSessionOptions extends Omit<MonitorOptions, "target"> {
  target: DebugTarget;
  transport: GdbTransport;
}

/**
 * One GDB connection. Feed it the client's bytes with `receive`; call `detach()` when the
 * connection drops and `machineStopped()` when the machine's run loop ended. Pauses the machine
 * when created (GDB expects a stopped target on connect). Never throws on client input.
 */
export class GdbSession implements DebugStopListener {
  private readonly t: DebugTarget;
  private readonly io: GdbTransport;
  private readonly decoder = new PacketDecoder(GDB_PACKET_SIZE + 64);
  private readonly breaks: HostBreaks;
  private readonly monitor: Monitor;
  private readonly log = new RateLimitedLog("gdb");
  private noAck = false;
  private physical = false;
  private running = false;
  private gThread = 0;
  private cThread = -1;
  private stop: StopInfo = { cpu: 0, signal: 5, extra: "" };
  private exited: number | undefined;
  private lastSent: Uint8Array | undefined;
  private resends = 0;
  private swbreak = false;
  private hwbreak = false;
  private closed = false;

  constructor(o: GdbSessionOptions) {
    this.t = o.target;
    this.io = o.transport;
    this.breaks = new HostBreaks(o.target.cpus.length);
    const { transport: _io, ...mo } = o;
    this.monitor = new Monitor(mo);
    this.t.attachDebugger(this);
    this.t.pause();
  }

  /** Bytes from the client. */
  receive(bytes: Uint8Array): void {
    if (this.closed) return;
    this.decoder.push(bytes, (e) => this.onEvent(e));
  }

  /** The connection dropped (or `D`): remove every breakpoint and let the machine run on. */
  detach(): void {
    if (this.closed) return;
    this.closed = true;
    this.decoder.reset();
    this.breaks.bpLo.length = this.breaks.bpHi.length = this.breaks.bpHw.length = 0;
    this.breaks.wps.length = 0;
    this.installHooks();
    this.t.attachDebugger(undefined);
    if (this.exited === undefined) this.t.resume();
  }

  /** The machine stopped for good (power-off, reset, quit): tell GDB it exited with `code`. */
  machineStopped(code: number): void {
    if (this.exited !== undefined) return;
    this.exited = code & 0xff;
    if (this.running && !this.closed) {
      this.running = false;
      this.send(`W${hex2(this.exited)}`);
    }
  }

  /** A host breakpoint or watchpoint stopped vCPU `cpu` (the target paused already). */
  debugStop(cpu: number): void {
    this.reportStop(this.hitStop(cpu));
  }

  // ------------------------------------------------------------------ framing

  private onEvent(e: PacketEvent): void {
    switch (e.kind) {
      case "interrupt":
        if (this.running) {
          this.t.pause();
          this.reportStop({ cpu: this.firstOnCpu(), signal: 2, extra: "" });
        }
        return;
      case "ack":
        this.lastSent = undefined;
        return;
      case "nack":
        if (this.lastSent !== undefined && this.resends++ < 3) this.io.write(this.lastSent);
        return;
      case "bad-checksum":
      case "overflow":
        if (!this.noAck) this.io.write(NACK);
        return;
      case "packet": {
        if (!this.noAck) this.io.write(ACK);
        let reply: string | undefined;
        try {
          reply = this.handle(Buffer.from(e.data).toString("latin1"), e.data);
        } catch (err) {
          this.log.warn("handler", `gdb: packet failed: ${err instanceof Error ? err.message : String(err)}`);
          reply = "E01";
        }
        if (reply !== undefined) this.send(reply);
      }
    }
  }

  private send(data: string): void {
    if (this.closed) return;
    const framed = framePacket(data);
    this.lastSent = this.noAck ? undefined : framed;
    this.resends = 0;
    this.io.write(framed);
  }

  // ------------------------------------------------------------------ packets

  /** One packet; returns the reply, or undefined when the reply comes later (resume). */
  private handle(p: string, raw: Uint8Array): string | undefined {
    const c0 = p[0];
    if (this.exited !== undefined && c0 !== "q" && c0 !== "D" && c0 !== "k" && c0 !== "Q" && c0 !== "?")
      return "E01";
    switch (c0) {
      case "?":
        return this.exited !== undefined ? `W${hex2(this.exited)}` : this.stopReply(this.stop);
      case "q":
        return this.query(p);
      case "Q":
        if (p === "QStartNoAckMode") {
          this.send("OK");
          this.noAck = true;
          return undefined;
        }
        return "";
      case "H": {
        const tid = parseThread(p.slice(2));
        if (tid === undefined || (tid > 0 && tid > this.t.cpus.length)) return "E01";
        if (p[1] === "g") this.gThread = tid <= 0 ? 0 : tid - 1;
        else if (p[1] === "c") this.cThread = tid <= 0 ? -1 : tid - 1;
        else return "E01";
        return "OK";
      }
      case "T": {
        const tid = parseThread(p.slice(1));
        return tid !== undefined && tid >= 1 && tid <= this.t.cpus.length ? "OK" : "E01";
      }
      case "g":
        return GDB_REGISTERS.slice(0, G_PACKET_REGISTERS)
          .map((r) => leHex(r.read(this.gCpu), r.bits / 8))
          .join("");
      case "G":
        return this.writeAllRegs(p.slice(1));
      case "p": {
        const n = parseHexBig(p.slice(1));
        const r = n === undefined ? undefined : GDB_REGISTERS[Number(n)];
        return r === undefined ? "E01" : leHex(r.read(this.gCpu), r.bits / 8);
      }
      case "P": {
        const [ns, vs = ""] = p.slice(1).split("=");
        const n = parseHexBig(ns);
        const r = n === undefined ? undefined : GDB_REGISTERS[Number(n)];
        const v = r === undefined ? undefined : parseLeHex(vs, r.bits / 8);
        if (r === undefined || v === undefined) return "E01";
        return r.write(this.gCpu, v) ? "OK" : "E01";
      }
      case "m":
        return this.readMem(p.slice(1));
      case "M":
        return this.writeMem(p.slice(1), undefined);
      case "X":
        return this.writeMem(p.slice(1), raw);
      case "Z":
      case "z":
        return this.breakpoint(p[0] === "Z", p.slice(1));
      case "c":
      case "C":
        return this.resumeAll(p[0] === "c" ? p.slice(1) : (p.split(";")[1] ?? ""));
      case "s":
      case "S": {
        const addr = p[0] === "s" ? p.slice(1) : (p.split(";")[1] ?? "");
        return this.stepThread(this.cThread >= 0 ? this.cThread : this.gThread, addr);
      }
      case "v":
        return this.vPacket(p);
      case "D":
        this.send("OK");
        this.detach();
        this.io.close();
        return undefined;
      case "k":
        this.closed = true;
        this.t.attachDebugger(undefined);
        this.t.stop("halted");
        this.io.close();
        return undefined;
      default:
        return "";
    }
  }

  private query(p: string): string {
    if (p.startsWith("qSupported")) {
      const feats = p.slice("qSupported:".length).split(";");
      this.swbreak = feats.includes("swbreak+");
      this.hwbreak = feats.includes("hwbreak+");
      return `PacketSize=${GDB_PACKET_SIZE.toString(16)};qXfer:features:read+;QStartNoAckMode+;swbreak+;hwbreak+;vContSupported+`;
    }
    if (p.startsWith("qXfer:features:read:")) {
      const [annex, range = ""] = p.slice("qXfer:features:read:".length).split(":");
      if (annex !== "target.xml") return "E00";
      const [os, ls] = range.split(",");
      const off = parseHexBig(os);
      const len = parseHexBig(ls);
      if (off === undefined || len === undefined) return "E01";
      const o = Number(off > 1_000_000n ? 1_000_000n : off);
      const n = Math.min(Number(len > 0x10000n ? 0x10000n : len), GDB_PACKET_SIZE - 16);
      const chunk = TARGET_XML.slice(o, o + n);
      return (o + n >= TARGET_XML.length ? "l" : "m") + chunk;
    }
    if (p === "qfThreadInfo") return `m${this.t.cpus.map((_, i) => (i + 1).toString(16)).join(",")}`;
    if (p === "qsThreadInfo") return "l";
    if (p === "qC") return `QC${(this.gThread + 1).toString(16)}`;
    if (p === "qAttached") return "1";
    if (p === "qSymbol::") return "OK";
    if (p.startsWith("qThreadExtraInfo,")) {
      const tid = parseThread(p.slice("qThreadExtraInfo,".length));
      if (tid === undefined || tid < 1 || tid > this.t.cpus.length) return "E01";
      const c = this.t.cpus[tid - 1]!;
      const text = `CPU#${tid - 1} EL${c.el}${this.t.isCpuOn(tid - 1) ? "" : " (off)"}`;
      return toHex(new Uint8Array(Buffer.from(text, "latin1")));
    }
    if (p.startsWith("qRcmd,")) {
      const cmd = fromHex(p.slice("qRcmd,".length));
      if (cmd === undefined) return "E01";
      const text = this.monitorCommand(Buffer.from(cmd).toString("latin1"));
      return text === "" ? "OK" : toHex(new Uint8Array(Buffer.from(`${text}\n`, "latin1")));
    }
    return "";
  }

  private monitorCommand(line: string): string {
    const m = /^\s*phys(?:\s+(on|off))?\s*$/.exec(line);
    if (m !== null) {
      if (m[1] !== undefined) this.physical = m[1] === "on";
      return `memory accesses use ${this.physical ? "physical" : "virtual"} addresses`;
    }
    if (/^\s*help\s*$/.test(line)) {
      return `${this.monitor.execute("help").text}\nphys on|off         GDB memory accesses by physical / virtual address`;
    }
    const r = this.monitor.execute(line);
    if (r.stopped) this.exited ??= 0;
    return r.text;
  }

  private vPacket(p: string): string | undefined {
    if (p === "vCont?") return "vCont;c;C;s;S;t";
    if (p === "vMustReplyEmpty") return "";
    if (p.startsWith("vKill")) {
      // vKill wants an answer before the connection ends ('k' has none).
      this.send("OK");
      this.handle("k", new Uint8Array());
      return undefined;
    }
    if (!p.startsWith("vCont;")) return "";
    const actions = p.slice("vCont;".length).split(";");
    for (const a of actions) {
      const [act = "", tidS] = a.split(":");
      if (act[0] === "s" || act[0] === "S") {
        const tid = tidS === undefined ? this.gThread + 1 : parseThread(tidS);
        if (tid === undefined || tid > this.t.cpus.length) return "E01";
        return this.stepThread(tid <= 0 ? this.gThread : tid - 1, "");
      }
    }
    if (actions.some((a) => a[0] === "c" || a[0] === "C")) return this.resumeAll("");
    return "OK";
  }

  // ------------------------------------------------------------------ execution

  private resumeAll(addr: string): string | undefined {
    if (addr !== "") {
      const a = parseHexBig(addr);
      if (a === undefined) return "E01";
      this.cCpu.setPC(a);
    }
    for (const c of this.t.cpus) this.breaks.grace(c);
    this.running = true;
    this.t.resume();
    return undefined;
  }

  private stepThread(i: number, addr: string): string | undefined {
    const cpu = this.t.cpus[i];
    if (cpu === undefined) return "E01";
    if (addr !== "") {
      const a = parseHexBig(addr);
      if (a === undefined) return "E01";
      cpu.setPC(a);
    }
    this.breaks.grace(cpu);
    const hit = this.t.stepCpu(i);
    this.stop = hit ? this.hitStop(i) : { cpu: i, signal: 5, extra: "" };
    this.gThread = i;
    return this.stopReply(this.stop);
  }

  private hitStop(cpu: number): StopInfo {
    const b = this.breaks;
    const w = b.hitWatch;
    if (w !== undefined) {
      const addr = (BigInt(b.hitAddrHi >>> 0) << 32n) | BigInt(b.hitAddrLo >>> 0);
      const kind = w.kind === 2 ? "watch" : w.kind === 3 ? "rwatch" : "awatch";
      return { cpu, signal: 5, extra: `${kind}:${addr.toString(16)};` };
    }
    const extra = b.hitHw ? (this.hwbreak ? "hwbreak:;" : "") : this.swbreak ? "swbreak:;" : "";
    return { cpu, signal: 5, extra };
  }

  private reportStop(s: StopInfo): void {
    this.stop = s;
    this.gThread = s.cpu;
    if (!this.running) return;
    this.running = false;
    this.send(this.stopReply(s));
  }

  private stopReply(s: StopInfo): string {
    return `T${hex2(s.signal)}${s.extra}thread:${(s.cpu + 1).toString(16)};`;
  }

  private firstOnCpu(): number {
    for (let i = 0; i < this.t.cpus.length; i++) if (this.t.isCpuOn(i)) return i;
    return 0;
  }

  // ------------------------------------------------------------------ breakpoints

  private breakpoint(insert: boolean, args: string): string {
    const [type, as, ks] = args.split(/[,;]/);
    const addr = parseHexBig(as);
    const kind = parseHexBig(ks);
    if (addr === undefined || kind === undefined) return "E01";
    const lo = Number(addr & 0xffffffffn);
    const hi = Number(addr >> 32n) | 0;
    const b = this.breaks;
    if (type === "0" || type === "1") {
      let k = 0;
      while (k < b.bpLo.length && !(b.bpLo[k] === lo && b.bpHi[k] === hi)) k++;
      if (insert) {
        if (k === b.bpLo.length) {
          if (k >= MAX_BREAKPOINTS) return "E0e";
          b.bpLo.push(lo);
          b.bpHi.push(hi);
          b.bpHw.push(type === "1");
        }
      } else if (k < b.bpLo.length) {
        b.bpLo.splice(k, 1);
        b.bpHi.splice(k, 1);
        b.bpHw.splice(k, 1);
      }
    } else if (type === "2" || type === "3" || type === "4") {
      const wk = Number(type) as WatchKind;
      const len = Number(kind);
      if (len < 1 || len > 0x1000 || lo + len > 2 ** 32) return "E01";
      const k = b.wps.findIndex((w) => w.lo === lo && w.hi === hi && w.len === len && w.kind === wk);
      if (insert) {
        if (k < 0) {
          if (b.wps.length >= MAX_WATCHPOINTS) return "E0e";
          b.wps.push({ lo, hi, len, kind: wk });
        }
      } else if (k >= 0) b.wps.splice(k, 1);
    } else {
      return "";
    }
    this.installHooks();
    return "OK";
  }

  /** Hooks on every vCPU while something is set; none (full speed) otherwise. */
  private installHooks(): void {
    const b = this.breaks;
    b.watching = b.wps.length > 0;
    for (const c of this.t.cpus) c.setHostDebug(b.empty ? undefined : b);
  }

  // ------------------------------------------------------------------ memory and registers

  private get gCpu(): Cpu {
    return this.t.cpus[this.gThread] ?? this.t.cpus[0]!;
  }
  private get cCpu(): Cpu {
    return this.t.cpus[this.cThread >= 0 ? this.cThread : this.gThread] ?? this.t.cpus[0]!;
  }

  private readMem(args: string): string {
    const [as, ls] = args.split(",");
    const addr = parseHexBig(as);
    const len = parseHexBig(ls);
    if (addr === undefined || len === undefined) return "E01";
    const n = Number(len > BigInt(GDB_PACKET_SIZE / 2) ? BigInt(GDB_PACKET_SIZE / 2) : len);
    const bytes = readGuest(targetBus(this.t), this.gCpu, addr, n, this.physical);
    return bytes.length === 0 && n > 0 ? "E14" : toHex(bytes);
  }

  private writeMem(args: string, raw: Uint8Array | undefined): string {
    const colon = args.indexOf(":");
    if (colon < 0) return "E01";
    const [as, ls] = args.slice(0, colon).split(",");
    const addr = parseHexBig(as);
    const len = parseHexBig(ls);
    if (addr === undefined || len === undefined || len > BigInt(GDB_PACKET_SIZE)) return "E01";
    let data: Uint8Array | undefined;
    if (raw === undefined) data = fromHex(args.slice(colon + 1));
    else data = unescapeBinary(raw.subarray(raw.indexOf(0x3a) + 1));
    if (data === undefined || data.length !== Number(len)) return "E01";
    if (data.length === 0) return "OK";
    const n = writeGuest(targetBus(this.t), this.t.cpus, this.gCpu, addr, data, this.physical);
    return n === data.length ? "OK" : "E14";
  }

  private writeAllRegs(hexs: string): string {
    let off = 0;
    for (let n = 0; n < G_PACKET_REGISTERS && off < hexs.length; n++) {
      const r = GDB_REGISTERS[n]!;
      const w = r.bits / 4;
      const part = hexs.slice(off, off + w);
      off += w;
      if (/^x+$/i.test(part)) continue;
      const v = parseLeHex(part, r.bits / 8);
      if (v === undefined) return "E01";
      r.write(this.gCpu, v);
    }
    return "OK";
  }
}

const ACK = Uint8Array.of(0x2b);
const NACK = Uint8Array.of(0x2d);

function hex2(n: number): string {
  return n.toString(16).padStart(2, "0");
}

/** A thread id: -1 (all), 0 (any) or a positive hex id; undefined when malformed. */
function parseThread(s: string): number | undefined {
  if (s === "-1") return -1;
  const v = parseHexBig(s);
  if (v === undefined || v > 0xffffn) return undefined;
  return Number(v);
}
