import fc from "fast-check";
import { describe, expect, it } from "vitest";
import * as P from "./psci.js";

function platform(n: number) {
  const started: Array<[number, number, number]> = [];
  const events: string[] = [];
  const p: P.PsciPlatform = {
    mpidrs: Array.from({ length: n }, (_, i) => 0x8000_0000 + i),
    startCpu: (i, e, c) => started.push([i, e, c]),
    stopCpu: (i) => events.push(`stop${i}`),
    isValidEntry: (a) => a >= 0x4000_0000 && a < 0x8000_0000,
    systemOff: () => events.push("off"),
    systemReset: () => events.push("reset"),
  };
  return { p, started, events, psci: new P.Psci(p) };
}

describe("PSCI 1.1", () => {
  it("reports version 1.1 and the features Linux probes", () => {
    const { psci } = platform(2);
    expect(psci.call(0, P.PSCI_VERSION, 0, 0, 0)).toBe(0x10001);
    expect(psci.call(0, P.PSCI_FEATURES, P.CPU_ON_64, 0, 0)).toBe(0);
    expect(psci.call(0, P.PSCI_FEATURES, P.SMCCC_VERSION, 0, 0)).toBe(0);
    expect(psci.call(0, P.PSCI_FEATURES, 0x8400_0012, 0, 0)).toBe(P.PsciReturn.NOT_SUPPORTED);
    expect(psci.call(0, P.MIGRATE_INFO_TYPE, 0, 0, 0)).toBe(2);
    expect(psci.call(0, 0xc400_0099, 0, 0, 0)).toBe(P.PsciReturn.NOT_SUPPORTED);
  });

  it("turns a CPU on once, whatever the interleaving of racing CPU_ON calls", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 2, max: 8 }),
        fc.array(fc.record({ caller: fc.nat(7), target: fc.nat(7), run: fc.boolean() }), { maxLength: 30 }),
        (n, calls) => {
          const { psci, started } = platform(n);
          const successes = new Map<number, number>();
          for (const c of calls) {
            const target = c.target % n;
            const before = psci.state[target];
            const r = psci.call(c.caller % n, P.CPU_ON_64, 0x8000_0000 + target, 0x4008_0000, 7);
            if (before === "off") expect(r).toBe(P.PsciReturn.SUCCESS);
            else if (before === "on-pending") expect(r).toBe(P.PsciReturn.ON_PENDING);
            else expect(r).toBe(P.PsciReturn.ALREADY_ON);
            if (r === 0) successes.set(target, (successes.get(target) ?? 0) + 1);
            if (c.run) psci.cpuRunning(target);
          }
          for (const [t, k] of successes) {
            expect(t).not.toBe(0);
            expect(k).toBe(1);
          }
          expect(started.length).toBe(successes.size);
        },
      ),
    );
  });

  it("reports affinity states and rejects bad targets, levels and entry points", () => {
    const { psci, events } = platform(2);
    expect(psci.call(0, P.AFFINITY_INFO_64, 0x8000_0001, 0, 0)).toBe(P.AffinityState.OFF);
    expect(psci.call(0, P.CPU_ON_64, 0x8000_0001, 0x10, 0)).toBe(P.PsciReturn.INVALID_ADDRESS);
    expect(psci.call(0, P.CPU_ON_64, 0x8000_0005, 0x4000_0000, 0)).toBe(P.PsciReturn.INVALID_PARAMETERS);
    expect(psci.call(0, P.CPU_ON_64, 0x8000_0001, 0x4000_0000, 0)).toBe(0);
    expect(psci.call(0, P.AFFINITY_INFO_64, 0x8000_0001, 0, 0)).toBe(P.AffinityState.ON_PENDING);
    psci.cpuRunning(1);
    expect(psci.call(0, P.AFFINITY_INFO_64, 0x8000_0001, 0, 0)).toBe(P.AffinityState.ON);
    expect(psci.call(0, P.AFFINITY_INFO_64, 0x8000_0001, 1, 0)).toBe(P.PsciReturn.INVALID_PARAMETERS);
    psci.call(1, P.CPU_OFF, 0, 0, 0);
    expect(events).toEqual(["stop1"]);
    expect(psci.call(0, P.AFFINITY_INFO_64, 0x8000_0001, 0, 0)).toBe(P.AffinityState.OFF);
    psci.call(0, P.SYSTEM_OFF, 0, 0, 0);
    expect(events).toEqual(["stop1", "off"]);
  });

  it("ignores the upper halves of SMC32 arguments", () => {
    const { psci, started } = platform(2);
    expect(psci.call(0, P.CPU_ON_32, 0x1f_0000_0000 + 0x8000_0001, 0x1_4000_0000, 3)).toBe(0);
    expect(started).toEqual([[1, 0x4000_0000, 3]]);
  });
});
