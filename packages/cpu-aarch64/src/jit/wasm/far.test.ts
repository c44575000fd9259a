import { Arena, Bus, VirtualClock } from "@armature/core";
import { describe, expect, it } from "vitest";
import { Cpu } from "../../interp/cpu.js";
import { M1_MODEL } from "../../model.js";

// llvm-mc 14 (-triple=aarch64), page A at 0x4000_0000:
//   movz x1, #0; movz x3, #0; movz x6, #1; msr cntv_ctl_el0, x6
//   loop: add x1, x1, #1; bl fb; cmp x1, #3000; b.ne loop; hvc #0
// page B at 0x4000_1000 (fb):
//   mrs x4, cntvct_el0; add x3, x3, x4; tst x1, #63; b.ne 1f; add x5, x4, #2;
//   msr cntv_cval_el0, x5; 1: ret
// Every pass crosses to page B and back (BL: a fixed target on another page; RET: a computed one),
// sums the virtual counter (which reads the clock the run loop advances at each slice end) and
// every 64th pass arms the virtual timer two ticks ahead from inside the block.
const PAGE_A = [
  0xd2800001, 0xd2800003, 0xd2800026, 0xd51be326, 0x91000421, 0x940003fb, 0xf12ee03f, 0x54ffffa1, 0xd4000002,
];
const PAGE_B = [0xd53be044, 0x8b040063, 0xf240143f, 0x54000061, 0x91000885, 0xd51be345, 0xd65f03c0];
// The same page B; page A rewrites B's `add x3, x3, x4` as `sub x3, x3, x4` and back every 256
// passes (llvm-mc 14):
//   movz x1, #0; movz x3, #0; movz x8, #0x1004; movk x8, #0x4000, lsl #16; ldr w7, [x8]
//   loop: add x1, x1, #1; bl fb; tst x1, #255; b.ne skip; eor w7, w7, #0x40000000; str w7, [x8]
//   skip: cmp x1, #3000; b.ne loop; hvc #0
// With an IRQ line up all along (llvm-mc 14): page A
//   movz x1, #0; movz x3, #0; movz x10, #0; adr x9, vectors; msr vbar_el1, x9
//   loop: add x1, x1, #1; bl fb; tst x1, #127; b.ne 1f; msr daifclr, #2
//   1: cmp x1, #3000; b.ne loop; hvc #0
// page B: mrs x4, cntvct_el0; add x3, x3, x4; ret
// vectors at 0x4000_2000, IRQ from the current EL with SP_EL1 (+0x280):
//   add x10, x10, #1; mrs x12, spsr_el1; orr x12, x12, #0x80; msr spsr_el1, x12; eret
// The line is masked (PSTATE.I from reset) except right after each 128th pass's DAIFClr.
const IRQ_IMAGE: [number, number[]][] = [
  [
    0,
    [
      0xd2800001, 0xd2800003, 0xd280000a, 0x1000ffa9, 0xd518c009, 0x91000421, 0x940003fa, 0xf240183f,
      0x54000041, 0xd50342ff, 0xf12ee03f, 0x54ffff41, 0xd4000002,
    ],
  ],
  [0x1000, [0xd53be044, 0x8b040063, 0xd65f03c0]],
  [0x2280, [0x9100054a, 0xd538400c, 0xb279018c, 0xd518400c, 0xd69f03e0]],
];
const PAGE_A_WRITES_B = [
  0xd2800001, 0xd2800003, 0xd2820088, 0xf2a80008, 0xb9400107, 0x91000421, 0x940003fa, 0xf2401c3f, 0x54000061,
  0x520200e7, 0xb9000107, 0xf12ee03f, 0x54ffff21, 0xd4000002,
];

interface Run {
  x: bigint[];
  retired: number;
  /** Per rising edge of the virtual timer's line: pass count, counter sum, clock. */
  fired: [bigint, bigint, number][];
  cpu: Cpu;
}

/** The program to its HVC #0, in run() calls of `chunk` instructions, on a deterministic clock. */
function run(
  engine: "interp" | "jit",
  chunk: number,
  image: [number, number[]][] = [
    [0, PAGE_A],
    [0x1000, PAGE_B],
  ],
  irq = false,
): Run {
  const bus = new Bus({ arena: new Arena({ maxBytes: 8 << 20 }) });
  const ram = bus.addRam("ram", 0x4000_0000, 1 << 20);
  for (const [off, words] of image) ram.u8.set(new Uint8Array(new Uint32Array(words).buffer), off);
  const clock = new VirtualClock();
  const fired: [bigint, bigint, number][] = [];
  let level = false;
  let cpu: Cpu | undefined;
  const virt = {
    set(l: boolean) {
      if (l && !level) fired.push([cpu!.getX(1), cpu!.getX(3), clock.nowNs()]);
      level = l;
    },
    pulse() {},
  };
  const jit = { threshold: 10, backend: "wasm" } as const;
  cpu = new Cpu({ bus, model: M1_MODEL, engine, jit, clock, timerLines: { virt } });
  cpu.setPC(0x4000_0000);
  if (irq) cpu.irqInput.set(true);
  for (let i = 0; i < 1000 && cpu.exit.reason !== "hvc"; i++) {
    cpu.run(chunk);
    clock.runDue();
  }
  expect(cpu.exit.reason).toBe("hvc");
  return { x: [1, 3, 4, 5, 10].map((r) => cpu!.getX(r)), retired: cpu.retired, fired, cpu };
}

describe("jump cache links (far.ts)", () => {
  it("blocks go on across pages inside WebAssembly, with the interpreter's slices: same counter reads and timer edges", () => {
    for (const chunk of [100_000, 1_000, 97]) {
      const a = run("interp", chunk);
      const b = run("jit", chunk);
      expect(b.x, `chunk ${chunk}`).toEqual(a.x);
      expect(b.retired).toBe(a.retired);
      expect(b.fired.length).toBeGreaterThan(40);
      expect(b.fired, `chunk ${chunk}`).toEqual(a.fired);
      const st = b.cpu.jit!.stats;
      if (chunk === 100_000) {
        // the BL and RET crossings are taken in WebAssembly: few returns to JS for ~3,000 passes
        expect(st.pageChains).toBeGreaterThan(4000);
        expect(st.insnsRun / st.blockRuns).toBeGreaterThan(30);
      }
    }
  });

  it("a block reached through the jump cache is dropped with its page's translations (code written)", () => {
    const image: [number, number[]][] = [
      [0, PAGE_A_WRITES_B],
      [0x1000, PAGE_B],
    ];
    const a = run("interp", 100_000, image);
    const b = run("jit", 100_000, image);
    expect(b.x).toEqual(a.x);
    expect(b.retired).toBe(a.retired);
    expect(b.cpu.jit!.stats.pageChains).toBeGreaterThan(4000);
  });

  it("an interrupt line up but masked does not stop them; the IRQ is taken where the interpreter takes it", () => {
    for (const chunk of [100_000, 333]) {
      const a = run("interp", chunk, IRQ_IMAGE, true);
      const b = run("jit", chunk, IRQ_IMAGE, true);
      expect(a.x[4]).toBe(23n); // IRQs taken: one per 128 passes
      expect(b.x, `chunk ${chunk}`).toEqual(a.x);
      expect(b.retired).toBe(a.retired);
      if (chunk === 100_000)
        expect(b.cpu.jit!.stats.insnsRun / b.cpu.jit!.stats.blockRuns).toBeGreaterThan(30);
    }
  });
});
