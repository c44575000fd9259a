import { rmSync } from "node:fs";
import { connect, type Socket } from "node:net";
import { join } from "node:path";
import { MonitorServer } from "@armature/debug";
import { type FdtNode, getReg, parentOf, walkNodes } from "@armature/fdt";
import { expect } from "vitest";
import { readVirtSnapshotInfo } from "./snapshot.js";
import type { LinuxSession } from "./test/linux.js";

/** A line client of the monitor: `cmd` resolves with the reply up to the next prompt. */
async function monitorClient(port: number): Promise<{ cmd(line: string): Promise<string>; socket: Socket }> {
  const socket = connect(port, "127.0.0.1");
  let text = "";
  socket.on("data", (d: Buffer) => (text += d.toString("latin1")));
  const prompt = async (): Promise<string> => {
    const end = Date.now() + 30_000;
    while (!text.endsWith("(armature) ")) {
      if (Date.now() > end) throw new Error(`no monitor prompt in ${JSON.stringify(text)}`);
      await new Promise((r) => setTimeout(r, 2));
    }
    const got = text.slice(0, -"(armature) ".length).replace(/\n$/, "");
    text = "";
    return got;
  };
  await prompt();
  return {
    socket,
    cmd: (line) => {
      socket.write(`${line}\n`);
      return prompt();
    },
  };
}

/** The `reg` entries of the DT nodes compatible with `compatible` (none: a failed expectation). */
function dtRegs(root: FdtNode, compatible: string): { address: number; size: number }[] {
  const out: { address: number; size: number }[] = [];
  for (const { node } of walkNodes(root)) {
    if (!(node.getStrings("compatible") ?? []).includes(compatible)) continue;
    const parent = parentOf(root, node);
    if (parent === undefined) continue;
    for (const r of getReg(node, parent) ?? [])
      out.push({ address: Number(r.address), size: Number(r.size) });
  }
  expect(out.length, `DT nodes compatible with ${compatible}`).toBeGreaterThan(0);
  return out;
}

/** The 32-bit words of an `x/Nxw` / `xp/Nxw` reply, in order. */
const words = (reply: string): number[] =>
  reply.split("\n").flatMap((l) =>
    (l.split(": ")[1] ?? "")
      .split(" ")
      .filter((w) => w !== "")
      .map((w) => Number.parseInt(w, 16)),
  );

/**
 * `info irq` on the booted guest against facts from elsewhere: every GIC interrupt in Linux's
 * /proc/interrupts is listed enabled with the trigger Linux gave it (a PPI on every vCPU), among
 * them the UART's SPI from the board's DT (`interrupts` = <SPI number flags>: INTID 32 + number,
 * level-high flags 4) and the EL1 virtual timer, PPI 27 (the architecture's CNTV interrupt, the
 * DT's third timer interrupt: PPI 11 = INTID 16 + 11).
 */
async function irqChecks(
  text: string,
  procIrqs: { intid: number; trigger: string }[],
  root: FdtNode,
  cpus: number,
): Promise<void> {
  expect(text).toMatch(/^GICv3: GICD_CTLR 0x[0-9a-f]+ \(Group 0 (on|off), Group 1 on\)/);
  const rows = text
    .split("\n")
    .map((l) =>
      /^\s*(\d+) (SGI|PPI|SPI)\s+(level|edge)\s+([01]) ([01]) ([01])\s+0x([0-9a-f]{2})\s+([01])\s+(.*)$/.exec(
        l,
      ),
    )
    .filter((r) => r !== null)
    .map((r) => ({
      intid: Number(r[1]),
      trigger: r[3],
      enabled: r[4] === "1",
      prio: Number.parseInt(r[7]!, 16),
      target: r[9],
    }));
  const uartNode = [...walkNodes(root)].find(({ node }) =>
    (node.getStrings("compatible") ?? []).includes("arm,pl011"),
  );
  const timerNode = [...walkNodes(root)].find(({ node }) =>
    (node.getStrings("compatible") ?? []).includes("arm,armv8-timer"),
  );
  const uartCells = uartNode?.node.getCells("interrupts") ?? [];
  const timerCells = timerNode?.node.getCells("interrupts") ?? [];
  expect(uartCells[0], "the UART's interrupt is an SPI").toBe(0);
  expect(timerCells[6], "the virtual timer's interrupt is a PPI").toBe(1);
  const uart = { intid: 32 + (uartCells[1] ?? -1), trigger: (uartCells[2] ?? 0) & 4 ? "level" : "edge" };
  const vtimer = { intid: 16 + (timerCells[7] ?? -1), trigger: "level" };
  expect(vtimer.intid).toBe(27);
  expect(procIrqs).toContainEqual(uart);
  expect(procIrqs).toContainEqual(vtimer);
  for (const want of procIrqs) {
    const got = rows.filter((r) => r.intid === want.intid);
    // A PPI is a row per vCPU (Linux enables it on each), an SPI one row routed to a vCPU.
    expect(got, `INTID ${want.intid} in ${text}`).toHaveLength(want.intid < 32 ? cpus : 1);
    for (const r of got) {
      expect(r, `INTID ${want.intid}`).toMatchObject({ trigger: want.trigger, enabled: true });
      expect(r.prio, `INTID ${want.intid}'s priority`).toBeLessThan(0xf0); // under Linux's PMR
      expect(r.target).toMatch(/^CPU #\d+$/);
    }
  }
}

/**
 * The monitor over its TCP socket on the booted guest, each command's reply checked
 * against facts from elsewhere: the board's DT (vCPUs, RAM, GIC, UART, PCIe), the guest's own
 * /proc/iomem and /proc/kallsyms (where the kernel's code is), the architecture (PSTATE.M's EL
 * field) and the snapshot reader.
 * The machine is paused for the checks and runs on afterwards.
 */
export async function monitorChecks(s: LinuxSession, dir: string): Promise<void> {
  const m = s.machine;
  const root = m.fdt;
  const start = Date.now();
  // Linux's own view of its code: "Kernel code" in /proc/iomem starts at the physical _stext, a
  // little way into where the loader put the Image; /proc/kallsyms gives _stext's virtual address.
  const pa = m.boot?.kernel.address ?? -1;
  const iomem = await s.sh("grep 'Kernel code' /proc/iomem");
  const stextPa = Number.parseInt(/([0-9a-f]+)-[0-9a-f]+ : Kernel code/.exec(iomem)?.[1] ?? "", 16);
  expect(stextPa - pa, iomem).toBeGreaterThan(0);
  expect(stextPa - pa, iomem).toBeLessThan(2 ** 21);
  const syms = await s.sh("grep -m1 ' _stext$' /proc/kallsyms");
  const stextVa = BigInt(`0x${/([0-9a-f]{16}) [Tt] _stext\b/.exec(syms)?.[1] ?? "0"}`);
  expect(stextVa >> 48n).toBe(0xffffn);

  // The interrupts Linux requested from the GIC, in its own words: /proc/interrupts rows of the
  // "GICv3" chip give the hardware INTID and the trigger the driver configured.
  const procIrqs = [...(await s.sh("cat /proc/interrupts")).matchAll(/ GICv3\s+(\d+)\s+(Level|Edge)\s/g)].map(
    (r) => ({ intid: Number(r[1]), trigger: r[2]!.toLowerCase() }),
  );

  const server = new MonitorServer({
    target: m.runtime,
    port: 0,
    info: { irq: () => m.gic.irqInfo() },
    savevm: (path) => `${m.saveSnapshot(path)} bytes at ${m.retired()} instructions`,
  });
  const at = await server.listen();
  const mon = await monitorClient(at.port);
  try {
    const t0 = Date.now();
    expect(await mon.cmd("stop")).toBe("");
    // info cpus: one line per vCPU of the DT's /cpus, each on (Linux brought them all up).
    const dtCpus = [...walkNodes(root)].filter(
      ({ path, node }) => path.startsWith("/cpus/") && node.getString("device_type") === "cpu",
    );
    expect(dtCpus.length).toBe(m.config.cpus);
    const cpus = (await mon.cmd("info cpus")).split("\n");
    expect(cpus).toHaveLength(dtCpus.length);
    for (const [i, l] of cpus.entries())
      expect(l).toMatch(new RegExp(`^[* ] CPU #${i}: pc=0x[0-9a-f]{16} EL[01] on \\(paused\\)$`));
    // info registers: the idle kernel at EL1 (PSTATE.M[3:2] = 1), MMU on, PC in the kernel's half.
    const regs = await mon.cmd("info registers");
    const reg = (name: string) => BigInt(new RegExp(`\\b${name}=(0x[0-9a-f]{16})`).exec(regs)?.[1] ?? "-1");
    expect(regs).toMatch(/\bEL=1 SPSel=[01] DAIF=[01]{4}\b/);
    expect((reg("cpsr") >> 2n) & 3n).toBe(1n);
    expect(reg("pc") >> 48n).toBe(0xffffn);
    expect(reg("sctlr_el1") & 1n).toBe(1n);
    // info mtree: RAM at the layout's base with the configured size (the DT's /memory too), the
    // GIC, the UART and the PCIe ECAM at the addresses of the board's DT.
    const regions = (await mon.cmd("info mtree")).split("\n").map((l) => {
      const r = /^\s*0x([0-9a-f]+)-\s*0x([0-9a-f]+) (ram|mmio) +(\S.*)$/.exec(l);
      expect(r, l).not.toBeNull();
      const base = Number.parseInt(r?.[1] ?? "", 16);
      return { base, end: Number.parseInt(r?.[2] ?? "", 16), kind: r?.[3], name: r?.[4] };
    });
    const ramSize = m.config.memoryMiB * 2 ** 20;
    const memory = [...walkNodes(root)].find(({ node }) => node.getString("device_type") === "memory");
    expect(memory && getReg(memory.node, root)).toEqual([
      { address: BigInt(m.layout.ramBase), size: BigInt(ramSize) },
    ]);
    expect(regions).toContainEqual(
      expect.objectContaining({ base: m.layout.ramBase, end: m.layout.ramBase + ramSize - 1, kind: "ram" }),
    );
    const inMtree = (r: { address: number; size: number }) => {
      const hit = regions.find((x) => x.base === r.address && x.kind === "mmio");
      expect(hit, `an MMIO region at 0x${r.address.toString(16)}`).toBeDefined();
      expect(hit?.end).toBeLessThanOrEqual(r.address + r.size - 1);
    };
    for (const c of ["arm,gic-v3", "arm,pl011", "pci-host-ecam-generic"]) dtRegs(root, c).forEach(inMtree);
    const [uart] = dtRegs(root, "arm,pl011");
    expect(regions.find((x) => x.base === uart?.address)?.end).toBe(
      (uart?.address ?? 0) + (uart?.size ?? 0) - 1,
    );
    // xp at Linux's physical _stext and x at its virtual _stext (through the vCPU's translation
    // regime) read the same kernel code.
    const code = words(await mon.cmd(`xp/8xw 0x${stextPa.toString(16)}`));
    expect(code).toHaveLength(8);
    expect(code.some((w) => w !== 0)).toBe(true);
    expect(words(await mon.cmd(`x/8xw 0x${stextVa.toString(16)}`))).toEqual(code);
    // savevm: a file the snapshot reader takes as this board (vz, the DT's vCPUs, the RAM size).
    const file = join(dir, "monitor.snap");
    try {
      const saved = await mon.cmd(`savevm ${file}`);
      const count = Number(/ at (\d+) instructions$/.exec(saved)?.[1]);
      expect(count).toBeGreaterThan(s.bootInstructions);
      const info = readVirtSnapshotInfo(file);
      expect(info).toMatchObject({ layout: "vz", cpus: dtCpus.length, memoryMiB: m.config.memoryMiB });
      // Paused: the count the file was saved at is the machine's now.
      expect(count).toBe(m.retired());
    } finally {
      rmSync(file, { force: true });
    }
    await irqChecks(await mon.cmd("info irq"), procIrqs, root, m.config.cpus);
    expect(await mon.cmd("cont")).toBe("");
    expect(m.runtime.isPaused).toBe(false);
    process.stderr.write(
      `[vz] monitor checks: ${Date.now() - start} ms, ${Date.now() - t0} ms of it paused\n`,
    );
  } finally {
    mon.socket.destroy();
    await server.close();
  }
  // The guest runs on.
  expect((await s.sh("echo alive")).trim()).toBe("alive");
}
