/*
 * A device read that raises an interrupt (a read-to-acknowledge register, a FIFO that signals when
 * drained) must be seen right after the load, under the translator as under the interpreter: the
 * IRQ is taken at the same instruction count with the same return address. Before the fix a
 * translated load's slow path did not re-check, so the interrupt came one block later.
 */
import { Bus } from "@armature/core";
import { describe, expect, it } from "vitest";
import { Cpu, type CpuEngine } from "../interp/cpu.js";
import { SR } from "../interp/sysregs.js";
import { M1_MODEL } from "../model.js";
import { asm } from "../test/asm.js";

const CODE = 0x1000;
const VBAR = 0x8000;
const MMIO = 0x10_0000;
/** The device raises the IRQ on this access (counted from 1; a write raises it too, for the store case). */
const RAISE_AT = 7;

/** The loop around each load form: X1 counts, X2 holds the device address, X4 an index of 0. */
const body = (load: string): string =>
  ["add x1, x1, #1", load, "add x1, x1, #1", "add x1, x1, #1", "add x6, x6, #3", "b #-20"].join("\n");

function run(engine: CpuEngine, load: string): string {
  const bus = new Bus();
  const ram = bus.addRam("ram", 0, 1 << 20);
  let cpu: Cpu | undefined;
  let reads = 0;
  bus.addMmio("ack", MMIO, 0x1000, {
    read: (offset) => {
      reads++;
      if (reads === RAISE_AT) cpu!.irqInput.set(true);
      return 0x1234 + offset;
    },
    write: () => {
      reads++;
      if (reads === RAISE_AT) cpu!.irqInput.set(true);
    },
  });
  cpu = new Cpu({ bus, model: M1_MODEL, engine, jit: { threshold: 2 } });
  const put = (pa: number, words: number[]): void => {
    for (const [i, w] of words.entries()) ram.view.setUint32(pa + 4 * i, w, true);
    cpu!.invalidateCode(pa, 4 * words.length);
  };
  put(CODE, asm(body(load)));
  // IRQ, current EL with SP_ELx: VBAR + 0x280
  put(VBAR + 0x280, asm("hvc #7"));
  cpu.sys.write(SR.VBAR_EL1, BigInt(VBAR));
  cpu.setX(31, 0x4000);
  cpu.setX(2, BigInt(MMIO));
  cpu.setX(4, 0n);
  cpu.setPC(CODE);
  cpu.daif = 0;
  const exit = cpu.run(10_000);
  expect(exit.reason).toBe("hvc");
  const translated = cpu.jit?.stats.insnsRun ?? 0;
  if (engine === "jit") expect(translated).toBeGreaterThan(0);
  return `reads=${reads} retired=${cpu.retired} elr=${(cpu.sys.elrLo >>> 0).toString(16)} x1=${cpu.getX(1)} x3=${cpu.getX(3).toString(16)} x6=${cpu.getX(6)}`;
}

describe("translator: a device read that raises an IRQ", () => {
  it.each([
    "ldr w3, [x2]",
    "ldr x3, [x2, #8]",
    "ldrb w3, [x2, #1]",
    "ldrh w3, [x2, #2]",
    "ldrsw x3, [x2, #4]",
    "ldr w3, [x2, x4]",
    "ldp x3, x5, [x2]",
    "str w1, [x2, #16]",
  ])("%s: the IRQ is taken at the same instruction as in the interpreter", (load) => {
    const a = run("interp", load);
    // the interpreter takes it right after the load (the load is the loop's second instruction)
    expect(a).toContain(`elr=${(CODE + 8).toString(16)}`);
    expect(run("jit", load)).toBe(a);
  });
});
