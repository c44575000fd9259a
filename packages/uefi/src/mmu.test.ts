import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { buildIdentityMap, walkStage1, walkStage1Span } from "./mmu.js";

const REGS = { sctlr: 1n, tcr: 16n | (1n << 23n), ttbr0: 0n, ttbr1: 0n };

describe("identity map + stage 1 walk", () => {
  it("maps exactly the given ranges 1:1 (property); the CPU's own walker is exercised by efi-app.test.ts", () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            page: fc.integer({ min: 1, max: (1 << 28) - 2049 }), // below 1 TiB (the map's PA limit)
            pages: fc.integer({ min: 1, max: 2048 }),
            normal: fc.boolean(),
          }),
          { minLength: 1, maxLength: 4 },
        ),
        fc.array(fc.integer({ min: 0, max: 2 ** 40 - 1 }), { minLength: 20, maxLength: 20 }),
        (ranges, probes) => {
          const rs = ranges.map((r) => ({
            base: r.page * 4096,
            size: r.pages * 4096,
            kind: r.normal ? ("normal" as const) : ("device" as const),
          }));
          const mem = new Map<number, Uint8Array>();
          let next = 0x1_0000_0000_00;
          const { ttbr0, pages } = buildIdentityMap(rs, (n) => {
            const a = next;
            next += n * 4096;
            return a;
          });
          for (const p of pages) mem.set(p.address, p.bytes);
          const read64 = (pa: number) => {
            const page = mem.get(pa - (pa % 4096));
            return page === undefined ? undefined : new DataView(page.buffer).getBigUint64(pa % 4096, true);
          };
          const regs = { ...REGS, ttbr0: BigInt(ttbr0) };
          const inside = (a: number) => rs.some((r) => a >= r.base && a < r.base + r.size);
          for (const r of rs) {
            for (const a of [r.base, r.base + r.size - 1])
              expect(walkStage1(regs, BigInt(a), read64)).toBe(a);
          }
          for (const a of probes) {
            const pa = walkStage1(regs, BigInt(a), read64);
            if (inside(a)) expect(pa).toBe(a);
            else expect(pa).toBeUndefined();
            // The span ends on a page (or block) boundary, and its last byte is mapped alike.
            const w = walkStage1Span(regs, BigInt(a), read64);
            if (!inside(a)) expect(w).toBeUndefined();
            else {
              expect(w!.pa).toBe(a);
              expect(w!.span).toBeGreaterThan(0);
              expect((a + w!.span) % 4096).toBe(0);
              expect(walkStage1(regs, BigInt(a + w!.span - 1), read64)).toBe(a + w!.span - 1);
            }
          }
        },
      ),
      { numRuns: 100 },
    );
  });

  it("a 2 MiB-aligned range is mapped by blocks: one walk spans the block", () => {
    const mem = new Map<number, Uint8Array>();
    const { ttbr0, pages } = buildIdentityMap(
      [{ base: 0x4000_0000, size: 0x40_0000, kind: "normal" }],
      (n) => {
        const at = 0x1000_0000 + mem.size * 4096;
        for (let i = 0; i < n; i++) mem.set(at + i * 4096, new Uint8Array(4096));
        return at;
      },
    );
    for (const p of pages)
      for (let i = 0; i < p.bytes.length; i += 4096)
        mem.get(p.address + i)!.set(p.bytes.subarray(i, i + 4096));
    const read64 = (pa: number) => {
      const page = mem.get(pa - (pa % 4096));
      return page === undefined ? undefined : new DataView(page.buffer).getBigUint64(pa % 4096, true);
    };
    const regs = { ...REGS, ttbr0: BigInt(ttbr0) };
    expect(walkStage1Span(regs, 0x4000_0000n, read64)).toEqual({ pa: 0x4000_0000, span: 0x20_0000 });
    expect(walkStage1Span(regs, 0x4030_0010n, read64)).toEqual({ pa: 0x4030_0010, span: 0x10_0000 - 0x10 });
    expect(walkStage1Span({ ...REGS, sctlr: 0n }, 0x10n, read64)).toEqual({ pa: 0x10, span: 2 ** 52 - 0x10 });
  });

  it("MMU off: VA = PA; upper-half addresses need TTBR1", () => {
    expect(walkStage1({ ...REGS, sctlr: 0n }, 0x4000_1234n, () => undefined)).toBe(0x4000_1234);
    expect(walkStage1(REGS, 0xffff_0000_0000_0000n, () => 0n)).toBeUndefined();
  });
});
