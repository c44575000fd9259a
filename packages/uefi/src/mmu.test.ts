import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { buildIdentityMap, walkStage1 } from "./mmu.js";

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
          }
        },
      ),
      { numRuns: 100 },
    );
  });

  it("MMU off: VA = PA; upper-half addresses need TTBR1", () => {
    expect(walkStage1({ ...REGS, sctlr: 0n }, 0x4000_1234n, () => undefined)).toBe(0x4000_1234);
    expect(walkStage1(REGS, 0xffff_0000_0000_0000n, () => 0n)).toBeUndefined();
  });
});
