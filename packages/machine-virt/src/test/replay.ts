// The snapshot proof for the virt board's snapshot tests (not exported: it asserts with vitest).
import { expect } from "vitest";
import { VirtMachine, type VirtMachineOptions } from "../machine.js";

/** A machine and everything its console has printed (as latin1 text). */
export interface RecordedMachine {
  readonly m: VirtMachine;
  out(): string;
}

/** Build a VirtMachine whose console output is kept. */
export function recordedMachine(o: VirtMachineOptions): RecordedMachine {
  let out = "";
  const m = new VirtMachine({ console: { write: (b) => (out += Buffer.from(b).toString("latin1")) }, ...o });
  return { m, out: () => out };
}

/** What must be the same in the original run and the restored one. */
function observe(r: RecordedMachine, from: number) {
  return {
    hash: r.m.stateHash(),
    retired: r.m.retired(),
    perCpu: r.m.cpus.map((c) => c.retired),
    clockNs: r.m.clock.nowNs(),
    out: r.out().slice(from),
  };
}

/**
 * From `a`, paused at instruction N: save it to `file`, run `m` more instructions and observe it.
 * A fresh machine from `build` restores the file (the state hash and count of `a` at N), lets
 * `restored` look at it, runs `m` more: the same state hash, retired counts, clock and console
 * output since N as `a`. Returns the restored machine and `a`'s console length at N.
 */
export async function expectReplay(
  a: RecordedMachine,
  build: () => RecordedMachine,
  file: string,
  m: number,
  restored?: (b: RecordedMachine) => void,
): Promise<{ b: RecordedMachine; mark: number }> {
  const atN = { hash: a.m.stateHash(), retired: a.m.retired() };
  a.m.saveSnapshot(file);
  const mark = a.out().length;
  expect(await a.m.run({ maxInstructions: m })).toBe("budget");
  const want = observe(a, mark);
  const b = build();
  b.m.restoreSnapshot(file);
  expect({ hash: b.m.stateHash(), retired: b.m.retired() }).toEqual(atN);
  restored?.(b);
  expect(await b.m.run({ maxInstructions: m })).toBe("budget");
  expect(observe(b, 0)).toEqual(want);
  return { b, mark };
}
