/*
 * Property: a guest that executes UNDEFINED or unallocated encodings (random words the decoder
 * leaves unallocated, MRS/MSR of system registers this CPU does not implement) at EL0 or EL1
 * always reaches the synchronous vector with the ARM ARM's syndrome (D1.10, D19.2.40): ESR_EL1 =
 * EC 0x00, IL 1, ISS 0 = 0x02000000; ELR_EL1 = the instruction; SPSR_EL1 = PSTATE before;
 * VBAR_EL1 + 0x200 from EL1 (SP_EL1), + 0x400 from EL0. Never a hang, never a host exception.
 */
import { Bus, sysRegKey } from "@armature/core";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { M1_MODEL } from "../model.js";
import { asm } from "../test/asm.js";
import { Cpu } from "./cpu.js";
import { decodeIndex, UNDEF_INDEX } from "./dispatch.js";
import { SR } from "./sysregs.js";

const CODE = 0x1000;
const VBAR = 0x8000;
const [HVC_EL1, HVC_EL0] = asm("hvc #0x200\nhvc #0x400");
const [SVC_END] = asm("svc #0x77");

/** Scratch CPU to ask which system registers exist. */
const probe = new Cpu({ bus: new Bus(), model: M1_MODEL });

const unallocatedWord = fc
  .integer({ min: 0, max: 0xffffffff })
  .filter((w) => decodeIndex(w | 0, M1_MODEL) === UNDEF_INDEX);

/** MRS/MSR (op0 2 or 3) of a register the CPU does not implement. */
const missingSysregWord = fc
  .record({
    op0: fc.constantFrom(2, 3),
    op1: fc.integer({ min: 0, max: 7 }),
    crn: fc.integer({ min: 0, max: 15 }),
    crm: fc.integer({ min: 0, max: 15 }),
    op2: fc.integer({ min: 0, max: 7 }),
    rt: fc.integer({ min: 0, max: 30 }),
    read: fc.boolean(),
  })
  // The ID space (op0 3, op1 0, CRn 0) is left out: EL0 reads there trap with EC 0x18 (FEAT_IDST).
  .filter((r) => !(r.op0 === 3 && r.op1 === 0 && r.crn === 0))
  .filter((r) => !probe.sys.has(sysRegKey(r.op0, r.op1, r.crn, r.crm, r.op2)))
  .map(
    (r) =>
      (0xd5000000 |
        ((r.read ? 1 : 0) << 21) |
        (r.op0 << 19) |
        (r.op1 << 16) |
        (r.crn << 12) |
        (r.crm << 8) |
        (r.op2 << 5) |
        r.rt) >>>
      0,
  );

function runSequence(words: number[], el: 0 | 1, nzcv: number): void {
  const bus = new Bus();
  const ram = bus.addRam("ram", 0, 1 << 16);
  const cpu = new Cpu({ bus, model: M1_MODEL });
  const all = [...words, SVC_END!];
  for (const [i, w] of all.entries()) ram.view.setUint32(CODE + 4 * i, w, true);
  ram.view.setUint32(VBAR + 0x200, HVC_EL1!, true);
  ram.view.setUint32(VBAR + 0x400, HVC_EL0!, true);
  cpu.sys.write(SR.VBAR_EL1, BigInt(VBAR));
  const pstate = (nzcv << 28) | (el === 1 ? 0x3c5 : 0);
  cpu.applyEntryState({ pc: CODE, pstate });
  for (let i = 0; i < all.length; i++) {
    const exit = cpu.run(100);
    expect(exit.reason, `word ${i} (0x${(all[i]! >>> 0).toString(16)}) at EL${el}: never a hang`).toBe("hvc");
    expect(exit.imm).toBe(el === 1 ? 0x200 : 0x400);
    const esr = Number(cpu.sys.read(SR.ESR_EL1));
    expect(Number(cpu.sys.read(SR.ELR_EL1))).toBe(CODE + 4 * i + (i === words.length ? 4 : 0));
    expect(Number(cpu.sys.read(SR.SPSR_EL1)) >>> 0).toBe(pstate >>> 0);
    if (i === words.length) {
      expect(esr >>> 0).toBe(0x56000077); // the closing SVC #0x77
      return;
    }
    expect(esr >>> 0, `ESR for 0x${(all[i]! >>> 0).toString(16)} at EL${el}`).toBe(0x02000000);
    cpu.applyEntryState({ pc: CODE + 4 * (i + 1), pstate });
  }
}

describe("UNDEFINED and unallocated encodings always take the architected exception", () => {
  it("random sequences at EL0 and EL1", () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(unallocatedWord, missingSysregWord), { minLength: 1, maxLength: 8 }),
        fc.constantFrom(0 as const, 1 as const),
        fc.integer({ min: 0, max: 15 }),
        (words, el, nzcv) => runSequence(words, el, nzcv),
      ),
      { numRuns: 200 },
    );
  });
});
