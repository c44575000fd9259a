import {
  Bus,
  BusError,
  type IrqLine,
  type MmioDevice,
  type SysRegBlock,
  sysRegKey,
  VirtualClock,
} from "@armature/core";
import { describe, expect, it } from "vitest";
import { CORTEX_A72_MODEL, M1_MODEL } from "../model.js";
import { asm } from "../test/asm.js";
import { Cpu, type CpuExit } from "./cpu.js";
import { hwcapsFromIdRegs, idRegsFor } from "./idregs.js";

function machine(
  opts: {
    clock?: VirtualClock;
    lines?: { phys?: IrqLine; virt?: IrqLine };
    index?: number;
    sysRegBlock?: SysRegBlock;
  } = {},
) {
  const bus = new Bus();
  const ram = bus.addRam("ram", 0, 1 << 20);
  const cpu = new Cpu({
    bus,
    model: M1_MODEL,
    clock: opts.clock,
    timerLines: opts.lines,
    index: opts.index,
    sysRegBlock: opts.sysRegBlock,
  });
  /** Assembles `src` (GNU as) and stores it at `addr`. */
  const load = (addr: number, src: string): void => {
    const words = asm(src);
    words.forEach((w, i) => {
      ram.view.setUint32(addr + 4 * i, w, true);
    });
    cpu.invalidateCode(addr, 4 * words.length);
  };
  /** Runs from 0x1000 for at most `budget` instructions. */
  const run = (budget: number): CpuExit => {
    cpu.setPC(0x1000);
    return cpu.run(budget);
  };
  return { bus, ram, cpu, load, run };
}

/** ESR_ELx fields the tests read (ARM ARM D17.2.37: EC, ISS; ISS of a data abort: ISV SAS SSE SRT SF WnR). */
function syndrome(esr: number | bigint) {
  const e = Number(esr);
  return {
    ec: e >>> 26,
    imm16: e & 0xffff,
    isv: (e >>> 24) & 1,
    sas: (e >>> 22) & 3,
    sse: (e >>> 21) & 1,
    srt: (e >>> 16) & 31,
    sf: (e >>> 15) & 1,
    wnr: (e >>> 6) & 1,
    fsc: e & 0x3f,
  };
}

describe("run loop exits (hypervisor-style)", () => {
  it.each([
    [
      "HVC exits with the immediate and an EC 0x16 syndrome, PC already past the HVC",
      "mov x0, #5\nhvc #0x1234\nmov x1, #1",
      { reason: "hvc", imm: 0x1234 },
      { ec: 0x16, imm16: 0x1234 },
      0x1008n,
    ],
    [
      "SMC exits with the PC still at the SMC (the board adds 4)",
      "smc #7\nnop",
      { reason: "smc", imm: 7 },
      { ec: 0x17 },
      0x1000n,
    ],
    [
      "an access to an address nothing claims exits with the address and a data-abort syndrome",
      "mov x1, #0x40000000\nstr w2, [x1, #8]",
      { reason: "unclaimed", address: 0x40000008 },
      { ec: 0x24, wnr: 1, sas: 2 /* word */, isv: 1, srt: 2 /* w2 */ },
      0x1004n,
    ],
  ] as const)("%s", (_name, src, want, esr, pc) => {
    const { cpu, load, run } = machine();
    load(0x1000, src);
    const exit = run(100);
    expect(exit).toMatchObject(want);
    expect(syndrome(exit.esr)).toMatchObject(esr);
    expect(cpu.getPC()).toBe(pc);
  });

  it("WFI exits; a spent budget exits with reason budget", () => {
    const { cpu, load, run } = machine();
    load(0x1000, "wfi\nb #0");
    expect(run(10).reason).toBe("wfi");
    expect(cpu.getPC()).toBe(0x1004n);
    expect(cpu.run(50).reason).toBe("budget");
  });

  it("an unclaimed load can be completed by the board from the syndrome (ISV, SSE, SRT, SF)", () => {
    const { cpu, load, run } = machine();
    load(0x1000, "mov x1, #0x40000000\nldrsh x7, [x1, #2]\nmov x8, #1\nhvc #0");
    const exit = run(10);
    expect(exit).toMatchObject({ reason: "unclaimed", address: 0x40000002 });
    expect(syndrome(exit.esr)).toMatchObject({ sse: 1, sf: 1 });
    cpu.completeUnclaimed(0x8001n);
    expect(cpu.run(10).reason).toBe("hvc");
    expect(cpu.getX(7)).toBe(0xffffffffffff8001n);
    expect(cpu.getX(8)).toBe(1n);
  });
});

describe("exceptions at EL1 (ARM ARM D1.10)", () => {
  it("SVC from EL0 enters VBAR+0x400 with ESR/ELR/SPSR, ERET returns", () => {
    const { cpu, load, run } = machine();
    // vector table at 0x8000: lower-EL sync handler at +0x400: read ESR into x5, eret
    load(0x8400, "mrs x5, esr_el1\nmrs x6, elr_el1\nmrs x7, spsr_el1\neret");
    // EL1 setup at 0x1000: VBAR, SPSR=EL0t with Z set, ELR=0x2000, SP_EL0, eret
    load(
      0x1000,
      "mov x1, #0x8000\nmsr vbar_el1, x1\nmov x1, #0x40000000\nmsr spsr_el1, x1\nmov x1, #0x2000\nmsr elr_el1, x1\nmov x1, #0x3000\nmsr sp_el0, x1\nmov x1, #0x9000\nmov sp, x1\neret",
    );
    load(0x2000, "mov x0, #1\nsvc #0x42\nmov x0, #2\nb #0");
    const exit = run(1000);
    expect(cpu.getX(5)).toBe(BigInt(0x15 << 26) | (1n << 25n) | 0x42n);
    expect(cpu.getX(6)).toBe(0x2008n);
    expect(cpu.getX(7)).toBe(0x40000000n);
    expect(cpu.getX(0)).toBe(2n);
    expect(exit.reason).toBe("budget");
    expect(cpu.el).toBe(0);
  });

  it("an UNDEFINED instruction at EL1h enters VBAR+0x200 with EC 0", () => {
    const { cpu, load, run } = machine();
    load(0x1000, "mov x1, #0x8000\nmsr vbar_el1, x1\nudf #1");
    load(0x8200, "mrs x5, esr_el1\nhvc #1");
    expect(run(100).reason).toBe("hvc");
    expect(cpu.getX(5)).toBe(1n << 25n);
    expect(cpu.sys.elrLo).toBe(0x1008);
  });

  it("a BusError from a device becomes a synchronous external abort (DFSC 0x10)", () => {
    const { bus, cpu, load, run } = machine();
    const dev: MmioDevice = {
      read(off) {
        if (off === 0) return 0x1234;
        throw new BusError("size", 0x100000 + off, 4, false);
      },
      write() {},
    };
    bus.addMmio("dev", 0x100000, 0x1000, dev);
    load(0x1000, "mov x1, #0x8000\nmsr vbar_el1, x1\nmov x2, #0x100000\nldr w3, [x2]\nldr w4, [x2, #4]");
    load(0x8200, "mrs x5, esr_el1\nmrs x6, far_el1\nhvc #2");
    expect(run(100).reason).toBe("hvc");
    expect(cpu.getX(3)).toBe(0x1234n);
    expect(syndrome(cpu.getX(5))).toMatchObject({ ec: 0x25, fsc: 0x10 });
    expect(cpu.getX(6)).toBe(0x100004n);
  });

  it("an IRQ unmasked at EL1h is taken at VBAR+0x280", () => {
    const { cpu, load, run } = machine();
    load(0x1000, "mov x1, #0x8000\nmsr vbar_el1, x1\nmsr daifclr, #2\nb #0");
    load(0x8280, "mov x9, #77\nhvc #3");
    run(20);
    cpu.irqInput.set(true);
    expect(cpu.run(20).reason).toBe("hvc");
    expect(cpu.getX(9)).toBe(77n);
    expect((cpu.sys.spsrEl1 >>> 7) & 1).toBe(0); // I was clear when taken
    expect(cpu.daif).toBe(0x3c0);
  });
});

describe("self-hosted debug (ARM ARM D2)", () => {
  const toEl0 = (spsr: string): string =>
    `mov x1, #0x8000\nmsr vbar_el1, x1\nmsr oslar_el1, xzr\n${spsr}\nmsr spsr_el1, x1\nmov x1, #0x2000\nmsr elr_el1, x1\n`;

  it("MDSCR_EL1.SS + SPSR.SS: one EL0 instruction, then a Software Step exception (EC 0x32)", () => {
    const { cpu, load, run } = machine();
    load(0x1000, `${toEl0("mov x1, #0x200000")}mov x2, #1\nmsr mdscr_el1, x2\neret`);
    load(0x2000, "mov x0, #7\nmov x0, #8\nb #0");
    load(0x8400, "mrs x5, esr_el1\nmrs x6, elr_el1\nhvc #0");
    expect(run(100).reason).toBe("hvc");
    expect(cpu.getX(0)).toBe(7n); // exactly one instruction ran
    expect(syndrome(cpu.getX(5)).ec).toBe(0x32);
    expect(cpu.getX(6)).toBe(0x2004n);
  });

  it("a hardware breakpoint (DBGBCR0/DBGBVR0, MDSCR.MDE) stops EL0 before the instruction (EC 0x30)", () => {
    const { cpu, load, run } = machine();
    const setup =
      "mov x2, #0x2008\nmsr dbgbvr0_el1, x2\nmov x2, #0x1e7\nmsr dbgbcr0_el1, x2\nmov x2, #0x8000\nmsr mdscr_el1, x2\n";
    load(0x1000, `${toEl0("mov x1, #0")}${setup}eret`);
    load(0x2000, "mov x0, #1\nmov x0, #2\nmov x0, #3\nb #0");
    load(0x8400, "mrs x5, esr_el1\nmrs x6, elr_el1\nhvc #0");
    expect(run(100).reason).toBe("hvc");
    expect(cpu.getX(0)).toBe(2n);
    expect(syndrome(cpu.getX(5)).ec).toBe(0x30);
    expect(cpu.getX(6)).toBe(0x2008n);
  });
});

describe("external system registers (SysRegBlock)", () => {
  it("MRS/MSR of ICC_* go to the board's block with the CPU index; unknown registers are UNDEFINED", () => {
    const IAR1 = sysRegKey(3, 0, 12, 12, 0);
    const EOIR1 = sysRegKey(3, 0, 12, 12, 1);
    const writes: [number, number, bigint][] = [];
    const block: SysRegBlock = {
      has: (key) => key === IAR1 || key === EOIR1,
      read: (cpuIndex, key) => (key === IAR1 ? 27n + BigInt(cpuIndex) : 0n),
      write: (cpuIndex, key, value) => {
        writes.push([cpuIndex, key, value]);
      },
    };
    const { cpu, load, run } = machine({ index: 2, sysRegBlock: block });
    load(
      0x1000,
      "mov x1, #0x8000\nmsr vbar_el1, x1\nmrs x0, icc_iar1_el1\nmsr icc_eoir1_el1, x0\nmrs x3, s3_0_c12_c12_7\nhvc #1",
    );
    load(0x8200, "hvc #2");
    const exit = run(100);
    expect(cpu.getX(0)).toBe(29n);
    expect(writes).toEqual([[2, EOIR1, 29n]]);
    expect(exit.reason).toBe("hvc");
    expect(exit.imm).toBe(2); // the unknown register was UNDEFINED -> EL1 vector
  });
});

describe("watchpoints", () => {
  it("a store to a watched doubleword takes a Watchpoint exception (EC 0x34) with FAR and WnR", () => {
    const { cpu, load, run } = machine();
    // DBGWVR0 = 0x5000, DBGWCR0: E, PAC=EL0+EL1 (11), LSC=store (10), BAS=0xff
    const setup =
      "mov x1, #0x8000\nmsr vbar_el1, x1\nmsr oslar_el1, xzr\nmov x2, #0x5000\nmsr dbgwvr0_el1, x2\n" +
      "mov x2, #0x1ff7\nmsr dbgwcr0_el1, x2\nmov x2, #0x8000\nmsr mdscr_el1, x2\nmov x1, #0\nmsr spsr_el1, x1\n" +
      "mov x1, #0x2000\nmsr elr_el1, x1\neret";
    load(0x1000, setup);
    load(0x2000, "mov x3, #0x5000\nldr x4, [x3]\nstr x4, [x3, #0x10]\nstr x4, [x3, #4]\nb #0");
    load(0x8400, "mrs x5, esr_el1\nmrs x6, far_el1\nmrs x7, elr_el1\nhvc #0");
    expect(run(100).reason).toBe("hvc");
    expect(syndrome(cpu.getX(5))).toMatchObject({ ec: 0x34, wnr: 1 });
    expect(cpu.getX(6)).toBe(0x5004n);
    expect(cpu.getX(7)).toBe(0x200cn);
  });
});

describe("generic timer and counters", () => {
  it("CNTV fires PPI 27's line when CNTVCT passes CVAL", () => {
    const clock = new VirtualClock({ nsPerInstruction: 1000 });
    const levels: boolean[] = [];
    const virt: IrqLine = { set: (l) => levels.push(l), pulse: () => {} };
    const { cpu, load, run } = machine({ clock, lines: { virt } });
    // CNTFRQ is 24 MHz: 1000 ns/insn = 24 ticks per instruction. TVAL = 240 ticks (~10 insns).
    load(0x1000, "mov x1, #240\nmsr cntv_tval_el0, x1\nmov x1, #1\nmsr cntv_ctl_el0, x1\nb #0");
    run(5);
    expect(levels.at(-1)).toBe(false);
    cpu.run(40);
    expect(levels.at(-1)).toBe(true);
  });
});

describe("caches and self-modifying code", () => {
  const body = (withIc: boolean): string =>
    [
      "mov x0, #0",
      "mov x2, #0",
      "mov x6, #65536",
      `adr x3, #${withIc ? 44 : 24}`, // -> the patched slot
      "and x4, x2, #0xfff",
      "lsl x4, x4, #10",
      "mov w5, #0x91000000",
      "orr w5, w5, w4",
      "str w5, [x3]",
      ...(withIc ? ["dc cvau, x3", "dsb ish", "ic ivau, x3", "dsb ish", "isb"] : []),
      "nop", // patched to add x0, x0, #(k & 0xfff)
      "add x2, x2, #1",
      "cmp x2, x6",
      `b.ne #-${withIc ? 52 : 32}`,
      "hvc #0",
    ].join("\n");
  for (const withIc of [true, false]) {
    it(`code that rewrites itself 65,536 times runs right (${withIc ? "with" : "without"} IC IVAU)`, () => {
      const { cpu, load, run } = machine();
      load(0x1000, body(withIc));
      const exit = run(10_000_000);
      expect(exit.reason).toBe("hvc");
      // sum over k < 65536 of (k mod 4096) = 16 * (4095 * 4096 / 2)
      expect(cpu.getX(0)).toBe(134184960n);
    });
  }

  it("DC ZVA zeroes the 64-byte block DCZID_EL0 advertises", () => {
    const { cpu, load, ram, run } = machine();
    ram.u8.fill(0xaa, 0x4000, 0x4100);
    load(0x1000, "mrs x1, dczid_el0\nmov x2, #0x4047\ndc zva, x2\nhvc #0");
    run(10);
    expect(cpu.getX(1)).toBe(4n);
    expect([...ram.u8.subarray(0x4040, 0x4080)].every((b) => b === 0)).toBe(true);
    expect(ram.u8[0x403f]).toBe(0xaa);
    expect(ram.u8[0x4080]).toBe(0xaa);
  });
});

describe("ID registers and hwcaps", () => {
  it("the m1 model advertises exactly the seed's hwcap list", () => {
    // Linux uapi bit positions of AT_HWCAP, in order from bit 0.
    const order = [
      "fp",
      "asimd",
      "evtstrm",
      "aes",
      "pmull",
      "sha1",
      "sha2",
      "crc32",
      "atomics",
      "fphp",
      "asimdhp",
      "cpuid",
      "asimdrdm",
      "jscvt",
      "fcma",
      "lrcpc",
      "dcpop",
      "sha3",
      "sm3",
      "sm4",
      "asimddp",
      "sha512",
      "sve",
      "asimdfhm",
      "dit",
      "uscat",
      "ilrcpc",
      "flagm",
      "ssbs",
      "sb",
      "paca",
      "pacg",
    ];
    // The M1 (seed) has every one of them but SM3/SM4 and SVE.
    const names = order.filter((n) => !["sm3", "sm4", "sve"].includes(n));
    const { hwcap, hwcap2 } = hwcapsFromIdRegs(idRegsFor(M1_MODEL));
    const got = order.filter((_, i) => Math.floor(hwcap / 2 ** i) % 2 === 1);
    expect(new Set(got)).toEqual(new Set(names));
    // HWCAP2: dcpodp (bit 0), flagm2 (bit 7), frint (bit 8)
    expect(hwcap2).toBe((1 << 0) | (1 << 7) | (1 << 8));
  });

  it("cortex-a72 advertises only the Armv8.0 crypto/CRC set", () => {
    const { hwcap, hwcap2 } = hwcapsFromIdRegs(idRegsFor(CORTEX_A72_MODEL));
    expect(hwcap).toBe(0xff | (1 << 11)); // fp asimd evtstrm aes pmull sha1 sha2 crc32, cpuid
    expect(hwcap2).toBe(0);
  });
});
