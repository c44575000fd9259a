import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Display, type DisplayRect } from "./display.js";
import { ConfigError } from "./errors.js";

describe("Display", () => {
  it("copyRect equals a copy through a temporary buffer, overlap included (property)", () => {
    const side = fc.integer({ min: 0, max: 40 });
    fc.assert(
      fc.property(side, side, side, side, side, side, (sx, sy, dx, dy, w, h) => {
        const d = new Display({ width: 32, height: 24 });
        for (let i = 0; i < d.data.length; i++) d.data[i] = (i * 7) & 0xff;
        const before = d.data.slice();
        // Reference: clip to where both rectangles fit, read all, then write all.
        const cw = Math.min(w, 32 - sx, 32 - dx);
        const ch = Math.min(h, 24 - sy, 24 - dy);
        const want = before.slice();
        for (let y = 0; y < ch; y++)
          for (let x = 0; x < cw; x++)
            for (let k = 0; k < 4; k++)
              want[((dy + y) * 32 + dx + x) * 4 + k] = before[((sy + y) * 32 + sx + x) * 4 + k]!;
        const seen: Array<[number, number, DisplayRect]> = [];
        d.addListener({ copy: (a, b, r) => seen.push([a, b, r]) });
        d.copyRect(sx, sy, dx, dy, w, h);
        expect(d.data).toEqual(want);
        if (cw > 0 && ch > 0) expect(seen).toEqual([[sx, sy, { x: dx, y: dy, width: cw, height: ch }]]);
        else expect(seen).toEqual([]);
      }),
    );
  });

  it("invalidate clips to the surface and drops empty rectangles", () => {
    const d = new Display({ width: 100, height: 50 });
    const seen: DisplayRect[] = [];
    d.addListener({ update: (r) => seen.push(r) });
    d.invalidate(-10, -10, 20, 20);
    d.invalidate(90, 40, 50, 50);
    d.invalidate(100, 0, 10, 10);
    d.invalidate(5, 5, 0, 3);
    expect(seen).toEqual([
      { x: 0, y: 0, width: 10, height: 10 },
      { x: 90, y: 40, width: 10, height: 10 },
    ]);
  });

  it("a throwing listener is counted, never thrown at the producer; others still run", () => {
    const d = new Display({ width: 10, height: 10 });
    let calls = 0;
    d.addListener({
      update: () => {
        throw new Error("front end bug");
      },
    });
    const off = d.addListener({ update: () => void calls++ });
    d.invalidate(0, 0, 5, 5);
    expect(calls).toBe(1);
    expect(d.listenerErrors).toBe(1);
    off();
    d.invalidate(0, 0, 5, 5);
    expect(calls).toBe(1);
  });

  it("resize gives a blank surface and tells listeners; bad sizes are ConfigErrors", () => {
    const d = new Display({ width: 10, height: 10 });
    d.data.fill(9);
    let resized = 0;
    d.addListener({ resize: () => void resized++ });
    d.resize(20, 5);
    expect([d.width, d.height, d.stride, d.data.length, resized]).toEqual([20, 5, 80, 400, 1]);
    expect(d.data.every((b) => b === 0)).toBe(true);
    expect(() => d.resize(0, 5)).toThrow(ConfigError);
    expect(() => new Display({ width: 1e6 })).toThrow(ConfigError);
  });

  it("input events reach every input listener", () => {
    const d = new Display();
    const got: unknown[] = [];
    d.addInputListener({ key: (e) => got.push(e), pointer: (e) => got.push(e) });
    d.sendKey({ down: true, usage: 4 });
    d.sendPointer({ kind: "relative", dx: 1, dy: -1, buttons: 1, wheel: 0, hwheel: 0 });
    expect(got).toEqual([
      { down: true, usage: 4 },
      { kind: "relative", dx: 1, dy: -1, buttons: 1, wheel: 0, hwheel: 0 },
    ]);
  });
});
