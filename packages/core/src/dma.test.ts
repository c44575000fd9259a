import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Bus } from "./bus.js";
import { BusDmaSpace, DmaStatus, type DmaTranslation, dma, TranslatingDmaSpace } from "./dma.js";
import { ScratchMmio } from "./test/index.js";

describe("DMA spaces", () => {
  it("BusDmaSpace reaches RAM, reports MMIO and holes, and never writes partially", () => {
    const bus = new Bus();
    bus.addRam("ram", 0x1000, 0x100);
    bus.addMmio("dev", 0x1100, 0x10, new ScratchMmio(0x10));
    const d = new BusDmaSpace(bus);
    expect(dma.writeU32(d, 0x1010, 0xcafef00d)).toBe(DmaStatus.Ok);
    expect(dma.readU32(d, 0x1010)).toBe(0xcafef00d);
    expect(dma.writeU64(d, 0x1020, 2 ** 40 + 5)).toBe(DmaStatus.Ok);
    expect(dma.readU64(d, 0x1020)).toBe(2 ** 40 + 5);
    expect(d.read(0x10fc, new Uint8Array(8))).toBe(DmaStatus.Unmapped);
    expect(d.write(0x10fc, new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]))).toBe(DmaStatus.Unmapped);
    expect(dma.readU32(d, 0x10fc)).toBe(0);
    expect(dma.readU32(d, 0x0)).toBe(-1);
    // Device-supplied addresses past 2^53 (or negative) are unmapped, never an exception.
    expect(d.read(2 ** 64, new Uint8Array(4))).toBe(DmaStatus.Unmapped);
    expect(d.write(2 ** 53 - 2, new Uint8Array(4))).toBe(DmaStatus.Unmapped);
    expect(d.write(-4, new Uint8Array(4))).toBe(DmaStatus.Unmapped);
  });

  it("TranslatingDmaSpace maps page by page through a translator", () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 7 }), { minLength: 8, maxLength: 8 }), (perm) => {
        const bus = new Bus();
        bus.addRam("ram", 0, 8 * 16);
        const pages = [...new Set(perm)];
        const t = {
          translate(_sid: number, addr: number, _w: boolean, out: DmaTranslation) {
            const vp = Math.floor(addr / 16);
            const pp = pages[vp];
            if (pp === undefined) {
              out.status = DmaStatus.Fault;
              return;
            }
            out.status = DmaStatus.Ok;
            out.pa = pp * 16 + (addr % 16);
            out.limit = 16 - (addr % 16);
          },
        };
        const space = new TranslatingDmaSpace(new BusDmaSpace(bus), t, 7);
        const data = new Uint8Array(pages.length * 16).map((_, i) => i & 0xff);
        expect(space.write(3, data.subarray(0, pages.length * 16 - 3))).toBe(DmaStatus.Ok);
        const back = new Uint8Array(pages.length * 16 - 3);
        expect(space.read(3, back)).toBe(DmaStatus.Ok);
        expect([...back]).toEqual([...data.subarray(0, pages.length * 16 - 3)]);
        expect(space.read(pages.length * 16 - 1, new Uint8Array(2))).toBe(DmaStatus.Fault);
      }),
    );
  });
});
