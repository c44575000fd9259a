import { Bus } from "@armature/core";
import { describe, expect, it } from "vitest";
import { M1_MODEL } from "../model.js";
import { Cpu } from "./cpu.js";

// The machine-virt bare-metal test (src/baremetal/mmu.S) checks the VA with the MMU on against
// qemu-system-aarch64; this pins the exit fields themselves.
describe('"unclaimed" exits', () => {
  it("carry the physical address and the virtual address the instruction used", () => {
    const bus = new Bus();
    const ram = bus.addRam("ram", 0, 1 << 16);
    const cpu = new Cpu({ bus, model: M1_MODEL });
    // ldr x0, [x1] (0xf9400020) with x1 = 0x1_2345_6780: nothing decodes there.
    ram.view.setUint32(0x1000, 0xf9400020, true);
    cpu.invalidateCode(0x1000, 4);
    cpu.setPC(0x1000);
    cpu.setX(1, 0x1_2345_6780n);
    const exit = cpu.run(10);
    expect(exit.reason).toBe("unclaimed");
    expect(exit.address).toBe(0x1_2345_6780);
    expect(exit.vaLo >>> 0).toBe(0x2345_6780);
    expect(exit.vaHi).toBe(1);
    expect(cpu.getPC()).toBe(0x1000n);
  });
});
