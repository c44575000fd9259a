import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { VirtualClock } from "./clock.js";

describe("VirtualClock", () => {
  it("fires timers in deadline order, ties in arming order, whatever the arm/cancel sequence", () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            at: fc.integer({ min: 0, max: 50 }),
            cancel: fc.boolean(),
            rearmTo: fc.option(fc.integer({ min: 0, max: 50 }), { nil: undefined }),
          }),
          { maxLength: 40 },
        ),
        fc.array(fc.integer({ min: 0, max: 20 }), { maxLength: 10 }),
        (specs, steps) => {
          const clock = new VirtualClock();
          const fired: number[] = [];
          const expected: Array<{ id: number; at: number; seq: number }> = [];
          let seq = 0;
          const timers = specs.map((s, id) => {
            const t = clock.createTimer(() => fired.push(id));
            t.arm(s.at);
            return t;
          });
          specs.forEach((s, id) => {
            if (s.cancel) timers[id]!.cancel();
          });
          specs.forEach((s, id) => {
            if (s.rearmTo !== undefined) timers[id]!.arm(s.rearmTo);
          });
          // Reference: arming order = initial arms (ids), then re-arms (ids) in order.
          const armOrder = new Map<number, { at: number; seq: number }>();
          specs.forEach((s, id) => {
            if (!s.cancel) armOrder.set(id, { at: s.at, seq: seq++ });
            else seq++;
          });
          specs.forEach((s, id) => {
            if (s.rearmTo !== undefined) armOrder.set(id, { at: s.rearmTo, seq: seq++ });
          });
          for (const [id, v] of armOrder) expected.push({ id, ...v });
          expected.sort((a, b) => a.at - b.at || a.seq - b.seq);
          for (const n of steps) {
            clock.advanceInstructions(n);
            clock.runDue();
          }
          clock.advanceTo(1000);
          clock.runDue();
          expect(fired).toEqual(expected.map((e) => e.id));
        },
      ),
    );
  });

  it("deterministic time is instructions × ns per instruction plus idle skips", () => {
    const c = new VirtualClock({ nsPerInstruction: 2 });
    c.advanceInstructions(10);
    expect(c.nowNs()).toBe(20);
    c.advanceTo(100);
    expect(c.nowNs()).toBe(100);
    c.advanceTo(50); // never backwards
    expect(c.nowNs()).toBe(100);
    c.advanceInstructions(1);
    expect(c.nowNs()).toBe(102);
  });

  it("real-time mode follows the host source", () => {
    let host = 5000;
    const c = new VirtualClock({ mode: "realtime", hostNowNs: () => host });
    expect(c.nowNs()).toBe(0);
    host += 1234;
    expect(c.nowNs()).toBe(1234);
    const seen: number[] = [];
    c.createTimer((now) => seen.push(now)).armIn(1000);
    host += 1000;
    expect(c.runDue()).toBe(1);
    expect(seen).toEqual([2234]);
  });

  it("a timer callback may re-arm itself", () => {
    const c = new VirtualClock();
    let n = 0;
    const t = c.createTimer(() => {
      n++;
      if (n < 3) t.armIn(10);
    });
    t.arm(10);
    c.advanceTo(100);
    while (c.runDue() > 0) c.advanceTo(c.nowNs());
    c.advanceTo(200);
    c.runDue();
    expect(n).toBeGreaterThanOrEqual(2);
  });
});
