import { describe, expect, it } from "vitest";
import { EncodingError, parsePattern } from "./spec.js";

describe("parsePattern", () => {
  it("ADD (immediate): fields, named fixed fields and the fixed bits (ARM ARM C6.2.4: sf op S 100010 sh imm12 Rn Rd)", () => {
    const at = new Map<string, { lsb: number; width: number }>();
    const p = parsePattern("sf:1 op=0 S=0 100010 sh:1 imm12:12 Rn:5 Rd:5", at);
    // `add w0, w0, #0` is 0x11000000: bits 30..23 fixed.
    expect(p.mask >>> 0).toBe(0x7f800000);
    expect(p.bits >>> 0).toBe(0x11000000);
    expect(p.fields).toEqual([
      { name: "sf", lsb: 31, width: 1 },
      { name: "sh", lsb: 22, width: 1 },
      { name: "imm12", lsb: 10, width: 12 },
      { name: "Rn", lsb: 5, width: 5 },
      { name: "Rd", lsb: 0, width: 5 },
    ]);
    expect(p.fixed).toEqual({ op: 0, S: 0 });
    expect([...at]).toEqual([
      ["op", { lsb: 30, width: 1 }],
      ["S", { lsb: 29, width: 1 }],
    ]);
    // A multi-bit named field: its value, and all 32 bits fixed.
    const q = parsePattern("  opc=10\t111000000000000000000000 1101 00 ");
    expect(q.fixed).toEqual({ opc: 2 });
    expect(q.mask).toBe(-1);
    expect(q.bits >>> 0).toBe(0xb8000034);
  });

  it("rejects malformed tokens and patterns that do not cover 32 bits", () => {
    const bad = [
      `sf: 0 ${"0".repeat(31)}`,
      `sf=${" 0".repeat(32)}`,
      `0a${"0".repeat(30)}`,
      `Rd ${"0".repeat(32)}`,
    ];
    for (const pat of bad) expect(() => parsePattern(pat), pat).toThrow(EncodingError);
    expect(() => parsePattern("0".repeat(31))).toThrow(/covers 31 bits, not 32/);
    expect(() => parsePattern(`Rd:5 ${"1".repeat(28)}`)).toThrow(/covers 33 bits/);
  });
});
