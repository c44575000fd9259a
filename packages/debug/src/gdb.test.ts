import { afterEach, describe, expect, it } from "vitest";
import { GdbSession } from "./gdb.js";
import { framePacket, PacketDecoder } from "./packets.js";
import { TARGET_XML } from "./regs.js";
import { DATA, loopMachine, RAM } from "./test/target.js";

/** A GDB client talking to a session through an in-memory transport. */
class Client {
  readonly replies: string[] = [];
  acks = 0;
  closed = false;
  private readonly dec = new PacketDecoder(1 << 20);
  readonly session: GdbSession;
  constructor(readonly m: ReturnType<typeof loopMachine>) {
    this.session = new GdbSession({
      target: m.rt,
      transport: {
        write: (b) =>
          this.dec.push(b, (e) => {
            if (e.kind === "packet") this.replies.push(Buffer.from(e.data).toString("latin1"));
            else if (e.kind === "ack") this.acks++;
          }),
        close: () => {
          this.closed = true;
        },
      },
    });
  }
  raw(bytes: Uint8Array | string): void {
    this.session.receive(typeof bytes === "string" ? new Uint8Array(Buffer.from(bytes, "latin1")) : bytes);
  }
  send(p: string): void {
    this.raw(framePacket(p));
  }
  /** The next reply (waits for the run loop when the machine runs). */
  async next(timeoutMs = 5000): Promise<string> {
    const end = Date.now() + timeoutMs;
    while (this.replies.length === 0) {
      if (Date.now() > end) throw new Error("no reply");
      await new Promise((r) => setTimeout(r, 1));
    }
    return this.replies.shift()!;
  }
  async ask(p: string): Promise<string> {
    this.send(p);
    return this.next();
  }
}

function le64(v: bigint): string {
  return Buffer.from(BigInt.asUintN(64, v).toString(16).padStart(16, "0"), "hex").reverse().toString("hex");
}

let running: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const f of running) await f();
  running = [];
});

/** A machine with a client attached before it runs a single instruction. */
function start() {
  const m = loopMachine();
  const c = new Client(m);
  const done = m.rt.run();
  running.push(async () => {
    m.rt.stop();
    await done;
  });
  return { m, c, done };
}

describe("GDB remote protocol", () => {
  it("handshake: qSupported, no-ack mode, the target description, threads = vCPUs", async () => {
    const { m, c } = start();
    expect(m.rt.isPaused).toBe(true); // a client attaching stops the machine
    const sup = await c.ask("qSupported:multiprocess+;swbreak+;hwbreak+;xmlRegisters=i386");
    expect(sup).toMatch(/PacketSize=4000/);
    expect(sup).toMatch(/qXfer:features:read\+/);
    expect(sup).toMatch(/QStartNoAckMode\+/);
    expect(c.acks).toBe(1);
    expect(await c.ask("QStartNoAckMode")).toBe("OK");
    expect(await c.ask("?")).toBe("T05thread:1;");
    expect(c.acks).toBe(2); // no more '+' after no-ack mode
    let xml = "";
    for (;;) {
      const r = await c.ask(`qXfer:features:read:target.xml:${xml.length.toString(16)},200`);
      xml += r.slice(1);
      if (r[0] === "l") break;
      expect(r[0]).toBe("m");
    }
    expect(xml).toBe(TARGET_XML);
    for (const f of ["aarch64.core", "aarch64.fpu", "aarch64.pauth", "armature.aarch64.sysregs"])
      expect(xml).toContain(`"org.${f.startsWith("armature") ? "" : "gnu.gdb."}${f}"`);
    expect(await c.ask("qXfer:features:read:other.xml:0,100")).toBe("E00");
    expect(await c.ask("qfThreadInfo")).toBe("m1,2");
    expect(await c.ask("qsThreadInfo")).toBe("l");
    expect(await c.ask("qC")).toBe("QC1");
    expect(await c.ask("T2")).toBe("OK");
    expect(await c.ask("T3")).toBe("E01");
    expect(await c.ask("Hg2")).toBe("OK");
    expect(await c.ask("p20")).toBe(le64(0n)); // vCPU 1 has not started
    expect(await c.ask("Hg1")).toBe("OK");
    expect(await c.ask("p20")).toBe(le64(BigInt(RAM)));
    expect(await c.ask("vCont?")).toMatch(/^vCont;c;C;s;S/);
    expect(await c.ask("qFrobnicate")).toBe("");
  });

  it("registers: g, G, p, P (X, SP, PC, CPSR, V, FPSR/FPCR, system registers)", async () => {
    const { m, c } = start();
    const cpu = m.cpus[0]!;
    cpu.setX(5, 0x1122334455667788n);
    cpu.v[4 * 3] = 0xaabbccdd;
    const g = await c.ask("g");
    expect(g.length).toBe(2 * (34 * 8 - 4 + 32 * 16 + 8));
    expect(g.slice(5 * 16, 6 * 16)).toBe(le64(0x1122334455667788n));
    expect(g.slice(34 * 16 - 8 + 3 * 32, 34 * 16 - 8 + 3 * 32 + 8)).toBe("ddccbbaa");
    expect(await c.ask(`P7=${le64(0xfeedn)}`)).toBe("OK");
    expect(cpu.getX(7)).toBe(0xfeedn);
    expect(await c.ask(`P1f=${le64(0x4000_8000n)}`)).toBe("OK"); // sp
    expect(cpu.getX(31)).toBe(0x4000_8000n);
    expect(await c.ask("p21")).toBe("c5030000"); // cpsr: EL1h, DAIF masked
    expect(await c.ask(`P22=${"11".repeat(16)}`)).toBe("OK"); // v0
    expect(cpu.v[0]).toBe(0x11111111);
    expect(await c.ask("P42=00000008")).toBe("OK"); // fpsr
    expect(cpu.fpsr).toBe(0x08000000);
    // The system-register feature: sctlr_el1 is register 70, vbar_el1 75.
    expect(await c.ask(`P4b=${le64(0x4000_0800n)}`)).toBe("OK");
    expect(await c.ask("p4b")).toBe(le64(0x4000_0800n));
    expect(await c.ask("p46")).toBe(le64(0x30d00800n));
    expect(await c.ask("p7fff")).toBe("E01");
    expect(await c.ask("Pzz=00")).toBe("E01");
    // G writes what it is given; 'x' means leave alone.
    const g2 = `${le64(42n)}${"x".repeat(g.length - 16)}`;
    expect(await c.ask(`G${g2}`)).toBe("OK");
    expect(cpu.getX(0)).toBe(42n);
    expect(cpu.getX(5)).toBe(0x1122334455667788n);
  });

  it("memory: m/M/X through the translation regime, physical with `monitor phys on`, RAM untouched by breakpoints", async () => {
    const { m, c } = start();
    expect(await c.ask(`m${RAM.toString(16)},10`)).toBe("000080d200040091200000f9feffff17");
    expect(await c.ask(`M${(DATA + 16).toString(16)},4:deadbeef`)).toBe("OK");
    expect(await c.ask(`m${(DATA + 16).toString(16)},4`)).toBe("deadbeef");
    // X: binary, with '}' escapes (framePacket sends '#' 0x23 as 0x7d 0x03).
    c.raw(framePacket(new Uint8Array([...Buffer.from(`X${(DATA + 32).toString(16)},2:`), 0x23, 0x41])));
    expect(await c.next()).toBe("OK");
    expect(await c.ask(`m${(DATA + 32).toString(16)},2`)).toBe("2341");
    expect(await c.ask("m10,4")).toBe("E14"); // nothing there
    expect(await c.ask(`m${(RAM + 0x10_0000 - 2).toString(16)},8`)).toBe("0000"); // up to the end of RAM
    expect(await c.ask(`M${RAM.toString(16)},4:00`)).toBe("E01"); // length mismatch
    expect(await c.ask(`m${RAM.toString(16)},ffffffffffffffff`)).toHaveLength(0x4000); // clamped
    const hex = Buffer.from(`phys on`).toString("hex");
    expect(Buffer.from(await c.ask(`qRcmd,${hex}`), "hex").toString()).toMatch(/physical/);
    expect(await c.ask(`m${RAM.toString(16)},4`)).toBe("000080d2");
    // A software breakpoint is not written into guest memory.
    expect(await c.ask(`Z0,${(RAM + 8).toString(16)},4`)).toBe("OK");
    expect(m.bus.findRam(RAM + 8)!.view.getUint32(8, true)).toBe(0xf9000020);
    expect(await c.ask(`m${(RAM + 8).toString(16)},4`)).toBe("200000f9");
  });

  it("breakpoints, single step, continue over a breakpoint, watchpoints, Ctrl-C, detach", async () => {
    const { m, c } = start();
    const cpu = m.cpus[0]!;
    await c.ask("qSupported:swbreak+;hwbreak+");
    expect(cpu.hostDebug).toBeUndefined();
    expect(await c.ask(`Z0,${(RAM + 8).toString(16)},4`)).toBe("OK");
    expect(cpu.hostDebug).toBeDefined();
    c.send("c");
    expect(await c.next()).toBe("T05swbreak:;thread:1;");
    expect(cpu.getPC()).toBe(BigInt(RAM + 8));
    expect(cpu.getX(0)).toBe(1n);
    c.send("vCont;c");
    expect(await c.next()).toBe("T05swbreak:;thread:1;");
    expect(cpu.getX(0)).toBe(2n);
    expect(m.bus.findRam(DATA)!.view.getUint32(0x1000, true)).toBe(1); // the second store has not run
    // Single step: one instruction (the store), the stop reply names the thread.
    expect(await c.ask("vCont;s:1")).toBe("T05thread:1;");
    expect(cpu.getPC()).toBe(BigInt(RAM + 12));
    expect(m.bus.findRam(DATA)!.view.getUint32(0x1000, true)).toBe(2);
    expect(await c.ask("s")).toBe("T05thread:1;");
    expect(cpu.getPC()).toBe(BigInt(RAM + 4));
    expect(await c.ask(`z0,${(RAM + 8).toString(16)},4`)).toBe("OK");
    expect(cpu.hostDebug).toBeUndefined();
    // Hardware breakpoint.
    expect(await c.ask(`Z1,${(RAM + 4).toString(16)},4`)).toBe("OK");
    expect(await c.ask("c")).toBe("T05hwbreak:;thread:1;");
    expect(await c.ask(`z1,${(RAM + 4).toString(16)},4`)).toBe("OK");
    // A write watchpoint stops before the store (PC at it, memory unchanged).
    expect(await c.ask(`Z2,${(DATA + 4).toString(16)},4`)).toBe("OK");
    expect(cpu.watchActive).toBe(true);
    const before = cpu.getX(0);
    expect(await c.ask("c")).toBe(`T05watch:${(DATA + 4).toString(16)};thread:1;`);
    expect(cpu.getPC()).toBe(BigInt(RAM + 8));
    expect(m.bus.findRam(DATA)!.view.getUint32(0x1000, true)).toBe(Number(before));
    // Continuing from the watchpoint runs the store, then stops at the next one.
    expect(await c.ask("c")).toBe(`T05watch:${(DATA + 4).toString(16)};thread:1;`);
    expect(m.bus.findRam(DATA)!.view.getUint32(0x1000, true)).toBe(Number(before) + 1);
    // A read watchpoint on the same word never fires (the program only writes it).
    expect(await c.ask(`z2,${(DATA + 4).toString(16)},4`)).toBe("OK");
    expect(await c.ask(`Z3,${DATA.toString(16)},8`)).toBe("OK");
    c.send("c");
    await new Promise((r) => setTimeout(r, 50));
    expect(c.replies).toEqual([]);
    c.raw(Uint8Array.of(3)); // Ctrl-C
    expect(await c.next()).toBe("T02thread:1;");
    expect(m.rt.isPaused).toBe(true);
    // Detach: breakpoints gone, hooks gone (full speed), the machine runs on.
    const x0 = cpu.getX(0);
    expect(await c.ask("D")).toBe("OK");
    expect(c.closed).toBe(true);
    expect(cpu.hostDebug).toBeUndefined();
    expect(cpu.watchActive).toBe(false);
    expect(cpu.stepMode).toBe(false);
    expect(m.rt.isPaused).toBe(false);
    await new Promise((r) => setTimeout(r, 30));
    expect(cpu.getX(0)).toBeGreaterThan(x0);
  });

  it("k and vKill stop the machine; power-off while running sends W00", async () => {
    const a = start();
    const c = a.c;
    c.send("k");
    expect(await a.done).toBe("halted");
    expect(c.closed).toBe(true);

    const v = start();
    expect(await v.c.ask("vKill;1")).toBe("OK");
    expect(await v.done).toBe("halted");
    expect(v.c.closed).toBe(true);

    const b = start();
    const d = b.c;
    d.send("c");
    await new Promise((r) => setTimeout(r, 10));
    b.m.rt.stop("poweroff");
    expect(await b.done).toBe("poweroff");
    d.session.machineStopped(0);
    expect(await d.next()).toBe("W00");
  });

  it("monitor commands over qRcmd", async () => {
    const { c } = start();
    const mon = async (cmd: string) =>
      Buffer.from(await c.ask(`qRcmd,${Buffer.from(cmd).toString("hex")}`), "hex").toString();
    expect(await mon("info cpus")).toMatch(
      /\* CPU #0: pc=0x0000000040000000 EL1 on \(paused\)\n {2}CPU #1: .* off/,
    );
    expect(await mon("info mtree")).toMatch(/0x40000000- *0x400fffff ram {2}ram/);
    expect(await mon(`x/2xw 0x${RAM.toString(16)}`)).toBe("0x0000000040000000: 0xd2800000 0x91000400\n");
    expect(await mon("help")).toMatch(/phys on\|off/);
    expect(await mon("frob")).toMatch(/unknown command "frob"/);
  });
});

/** A small seeded PRNG (mulberry32), so a failing fuzz run can be replayed from its seed. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe("a broken or malicious client", () => {
  const seed = Number(process.env.GDB_FUZZ_SEED ?? (Date.now() ^ (process.pid << 8)) >>> 0);
  it(`garbage, bad checksums, huge lengths and cut packets never throw nor disturb the guest (seed ${seed})`, async () => {
    console.log(`gdb fuzz seed ${seed} (replay: GDB_FUZZ_SEED=${seed})`);
    const r = rng(seed);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
    // Read-only packet shapes with random arguments: none may change the guest.
    const shapes = [
      () => `m${hexn()},${hexn()}`,
      () => `p${hexn()}`,
      () => `qXfer:features:read:target.xml:${hexn()},${hexn()}`,
      () => `qXfer:features:read:${junk(8)}:${hexn()},${hexn()}`,
      () => `H${pick(["g", "c", "x"])}${pick(["-1", "0", hexn(), junk(3)])}`,
      () => `T${hexn()}`,
      () => `qThreadExtraInfo,${hexn()}`,
      () =>
        `qRcmd,${Buffer.from(pick(["info cpus", "info mtree", "x/8xg 0", "xp/3 40000000", junk(12)])).toString("hex")}`,
      () => `qRcmd,${junk(9)}`,
      () => `z${pick(["0", "1", "2", "3", "4", "9"])},${hexn()},${hexn()}`,
      () => `~${junk(Math.floor(r() * 40))}`, // any bytes, but not a command that resumes or writes
      () => `g`,
      () => `?`,
    ];
    function hexn(): string {
      const len = 1 + Math.floor(r() * 20);
      let s = "";
      for (let i = 0; i < len; i++) s += "0123456789abcdefxz,:;"[Math.floor(r() * (r() < 0.9 ? 16 : 21))];
      return s;
    }
    function junk(n: number): string {
      let s = "";
      for (let i = 0; i < n; i++) s += String.fromCharCode(Math.floor(r() * 256));
      return s;
    }
    const { m, c: first } = start();
    first.session.detach();
    const cpu = m.cpus[0]!;
    for (let round = 0; round < 20; round++) {
      const c = new Client(m);
      for (let i = 0; i < 200; i++) {
        const kind = r();
        if (kind < 0.4) c.raw(framePacket(pick(shapes)()));
        else if (kind < 0.55) {
          const f = framePacket(pick(shapes)());
          f[f.length - 1] = f[f.length - 1]! ^ (1 + Math.floor(r() * 7)); // bad checksum
          c.raw(f);
        } else if (kind < 0.7) c.raw(junk(Math.floor(r() * 64)));
        else if (kind < 0.75)
          c.raw(`$m${"4".repeat(0x5000)}`); // longer than PacketSize
        else if (kind < 0.8)
          c.raw(`$m0,${"f".repeat(16)}#`); // cut in the checksum
        else if (kind < 0.9) c.raw(Uint8Array.of(0x03));
        else c.raw(framePacket(`qSupported:${junk(20)}`));
      }
      // Still answers sensibly, then the connection drops mid-packet.
      c.send("qC");
      expect(c.replies.at(-1)).toMatch(/^QC[12]$/);
      c.raw(`$m${RAM.toString(16)},1`);
      c.session.detach();
      expect(cpu.hostDebug).toBeUndefined();
      expect(m.rt.isPaused).toBe(false);
      await new Promise((res) => setTimeout(res, 3)); // the guest runs between connections
    }
    // The guest ran as if nobody had talked to it: the same state as a machine left alone for
    // the same number of instructions.
    m.rt.stop();
    const n = m.rt.retired();
    expect(n).toBeGreaterThan(0);
    const alone = loopMachine();
    await alone.rt.run({ maxInstructions: n });
    expect(cpu.getX(0)).toBe(alone.cpus[0]!.getX(0));
    expect(cpu.getPC()).toBe(alone.cpus[0]!.getPC());
    expect(m.bus.findRam(DATA)!.view.getUint32(0x1000, true)).toBe(
      alone.bus.findRam(DATA)!.view.getUint32(0x1000, true),
    );
  });
});
