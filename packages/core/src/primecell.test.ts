import { describe, expect, it } from "vitest";
import { type IrqLine, IrqOutput } from "./irq.js";
import { primecellIdRead } from "./primecell.js";

describe("primecellIdRead", () => {
  // PL011 TRM 3.3.14-3.3.15: UARTPeriphID0-3 at 0xFE0-0xFEC, UARTPCellID0-3 = 0x0D, 0xF0, 0x05, 0xB1.
  const periph = [0x11, 0x10, 0x14, 0x00];

  it("reads PeriphID0-3 then PCellID0-3 (0xB105F00D byte by byte)", () => {
    const words = [];
    for (let off = 0xfe0; off < 0x1000; off += 4) words.push(primecellIdRead(off, periph));
    expect(words).toEqual([0x11, 0x10, 0x14, 0x00, 0x0d, 0xf0, 0x05, 0xb1]);
  });

  it("is undefined outside 0xFE0-0xFFF and at unaligned offsets", () => {
    for (const off of [0, 0xfdc, 0xfe1, 0xfe2, 0xff3, 0x1000, 0x1fe0]) {
      expect(primecellIdRead(off, periph)).toBeUndefined();
    }
  });
});

describe("IrqOutput", () => {
  it("drives its line only when the level changes", () => {
    const seen: boolean[] = [];
    const line: IrqLine = { set: (l) => seen.push(l), pulse: () => {} };
    const out = new IrqOutput(line);
    for (const l of [false, true, true, false, false, true]) out.set(l);
    expect(seen).toEqual([true, false, true]);
    expect(out.level).toBe(true);
  });
});
