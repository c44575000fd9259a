import { connect } from "node:net";
import { describe, expect, it } from "vitest";
import { Monitor } from "./monitor.js";
import { MonitorConsole, MonitorServer, parseTcpEndpoint } from "./server.js";
import { loopMachine, RAM } from "./test/target.js";

describe("the line monitor", () => {
  it("info registers / cpus / mtree, cpu N, x and xp, stop and cont, power commands", async () => {
    const m = loopMachine();
    await m.rt.run({ maxInstructions: 5 }); // mov, add, str, b, add: x0 = 2, pc at the str
    const shots: string[] = [];
    const mon = new Monitor({
      target: m.rt,
      screendump: (f) => shots.push(f),
      info: { irq: () => "no GIC here" },
    });
    const x = (cmd: string) => mon.execute(cmd).text;
    const regs = x("info registers");
    expect(regs).toMatch(/ x0=0x0000000000000002 +x1=0x0000000040001000/);
    expect(regs).toMatch(/ pc=0x0000000040000008/);
    expect(regs).toMatch(/EL=1 SPSel=1 DAIF=1111/);
    expect(regs).toMatch(/sctlr_el1=0x0000000030d00800/);
    expect(x("info cpus")).toBe(
      "* CPU #0: pc=0x0000000040000008 EL1 on\n  CPU #1: pc=0x0000000000000000 EL1 off",
    );
    expect(x("cpu 1")).toBe("");
    expect(x("info cpus")).toMatch(/^ {2}CPU #0.*\n\* CPU #1/);
    expect(x("cpu 7")).toMatch(/0\.\.1/);
    expect(x("info mtree")).toBe("    0x40000000-    0x400fffff ram  ram");
    expect(x("info irq")).toBe("no GIC here");
    expect(x("info frob")).toMatch(/registers, cpus, mtree, irq/);
    expect(x(`x/4xw 0x${RAM.toString(16)}`)).toBe(
      "0x0000000040000000: 0xd2800000 0x91000400 0xf9000020 0x17fffffe",
    );
    expect(x(`xp/2xg 0x${RAM.toString(16)}`)).toBe(
      "0x0000000040000000: 0x91000400d2800000 0x17fffffef9000020",
    );
    expect(x(`x/2xb 0x${(RAM + 0x10_0000 - 1).toString(16)}`)).toBe(
      "0x00000000400fffff: 0x00\n0x0000000040100000: cannot access memory",
    );
    expect(x("x/3q 0")).toMatch(/format/);
    expect(x("x/2x zz")).toMatch(/bad address/);
    expect(x("x/2x 40000000")).toMatch(/cannot access/); // decimal unless 0x, as in QEMU
    expect(x("screendump a.png")).toBe("");
    expect(shots).toEqual(["a.png"]);
    expect(x("stop")).toBe("");
    expect(m.rt.isPaused).toBe(true);
    expect(x("cont")).toBe("");
    expect(m.rt.isPaused).toBe(false);
    expect(x("bogus")).toMatch(/unknown command "bogus"/);
    expect(mon.execute("system_powerdown")).toEqual({ text: "", stopped: true });
    expect(await m.rt.run()).toBe("poweroff");
    expect(new Monitor({ target: loopMachine().rt }).execute("screendump a.png").text).toMatch(/no display/);
    // savevm hands the file to the board; without a board hook it says so, a failure is one line.
    const saved: string[] = [];
    const savevm = (f: string) => {
      saved.push(f);
      return `saved ${f}`;
    };
    const snap = new Monitor({ target: loopMachine().rt, savevm });
    expect(snap.execute("savevm s.snap").text).toBe("saved s.snap");
    expect(saved).toEqual(["s.snap"]);
    expect(snap.execute("savevm").text).toMatch(/give a file name/);
    expect(new Monitor({ target: loopMachine().rt }).execute("savevm s").text).toMatch(
      /cannot be snapshotted/,
    );
    const failing = new Monitor({
      target: loopMachine().rt,
      savevm: () => {
        throw new Error("snapshots do not support USB yet");
      },
    });
    expect(failing.execute("savevm s").text).toBe("error: snapshots do not support USB yet");
    // With a power button, system_powerdown presses it and the machine runs on.
    let pressed = 0;
    const other = loopMachine();
    const withButton = new Monitor({ target: other.rt, powerdown: () => pressed++ });
    expect(withButton.execute("system_powerdown")).toEqual({ text: "", stopped: false });
    expect(pressed).toBe(1);
    expect(other.rt.stopped).toBeUndefined();
  });

  it("serves the same commands over TCP, one line each, with a prompt", async () => {
    const m = loopMachine();
    const srv = new MonitorServer({ target: m.rt, port: 0 });
    const at = await srv.listen();
    expect(at.host).toBe("127.0.0.1");
    const run = m.rt.run();
    const s = connect(at.port, at.host);
    let text = "";
    s.on("data", (d: Buffer) => (text += d.toString("latin1")));
    const until = async (re: RegExp) => {
      const end = Date.now() + 5000;
      while (!re.test(text)) {
        if (Date.now() > end) throw new Error(`no ${re} in ${JSON.stringify(text)}`);
        await new Promise((r) => setTimeout(r, 2));
      }
    };
    await until(/\(armature\) $/);
    s.write("stop\ninfo cpus\r\n");
    await until(/CPU #1.*\n\(armature\) $/);
    expect(text).toMatch(/\* CPU #0: pc=0x00000000400000[0-9a-f]{2} EL1 on \(paused\)/);
    s.write("xp/1xw 0x40000000\nquit\n");
    await until(/0xd2800000\n\(armature\) \(armature\) $/);
    expect(await run).toBe("halted");
    s.destroy();
    await srv.close();
  });

  it("on a console: echo, backspace, Ctrl-A c leaves", () => {
    const m = loopMachine();
    const con = new MonitorConsole({ target: m.rt });
    expect(con.enter()).toMatch(/Armature monitor.*\r?\n\(armature\) $/s);
    const b = (s: string) => new Uint8Array(Buffer.from(s, "latin1"));
    expect(con.feed(b("info cpx\x7fus"))).toEqual({ output: "info cpx\b \bus", leave: false });
    const r = con.feed(b("\r"));
    expect(r.output).toMatch(/^\r\n\* CPU #0: .*\r\n {2}CPU #1: .*\r\n\(armature\) $/);
    expect(con.feed(b("\x01c"))).toEqual({ output: "\r\n", leave: true });
    expect(con.feed(b("quit\r")).leave).toBe(true);
  });

  it("parses tcp:HOST:PORT endpoints, loopback by default", () => {
    expect(parseTcpEndpoint("tcp:127.0.0.1:1234", "--gdb")).toEqual({ host: "127.0.0.1", port: 1234 });
    expect(parseTcpEndpoint("tcp::1234", "--gdb")).toEqual({ host: "127.0.0.1", port: 1234 });
    expect(parseTcpEndpoint("tcp:1234", "--gdb")).toEqual({ host: "127.0.0.1", port: 1234 });
    expect(parseTcpEndpoint("tcp:[::1]:9", "--gdb")).toEqual({ host: "::1", port: 9 });
    for (const bad of ["1234", "tcp:", "udp::1", "tcp:h:99999", "tcp:h:p"])
      expect(() => parseTcpEndpoint(bad, "--gdb")).toThrow(/--gdb ".*": expected tcp:HOST:PORT/);
  });
});
