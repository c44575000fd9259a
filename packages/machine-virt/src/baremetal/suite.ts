import { describe, expect, it } from "vitest";
import { QEMU_LAYOUT, type VirtLayout, VZ_LAYOUT } from "../layout.js";
import { assemble, runBare, runQemu } from "./harness.js";

/** The two layouts every bare-metal program runs in, as `describe.each` rows. */
export const LAYOUTS = [
  ["vz", VZ_LAYOUT],
  ["qemu", QEMU_LAYOUT],
] as const;

export interface BareProgram {
  /** `baremetal/<program>.S`. */
  program: string;
  /** What the program checks on our board (the board test's title). */
  checks: string;
  /** The console output the program prints on our board. */
  expected: string;
  /** Extra --defsym symbols for a layout. */
  symbols?: (layout: VirtLayout) => Record<string, number>;
  /** How many CPUs both machines have (default 1). */
  cpus?: number;
  /** Other options for `runBare` (input, instruction budget ...). */
  board?: Parameters<typeof runBare>[2];
  /**
   * The same image under qemu-system-aarch64 (qemu layout only), the independent oracle: the test's
   * title, `runQemu` options, other --defsym symbols where QEMU needs them, and what QEMU prints where
   * it knowingly deviates (default: `expected`). `true`: all defaults.
   */
  qemu?:
    | true
    | {
        title?: string;
        options?: Parameters<typeof runQemu>[1];
        symbols?: (layout: VirtLayout) => Record<string, number>;
        expected?: string;
      };
}

/**
 * One bare-metal program in both layouts: on our board it prints `expected` and powers off; on the
 * qemu layout QEMU prints the same (less its documented deviations).
 */
export function describeBareMetal(title: string, p: BareProgram): void {
  describe.each(LAYOUTS)(`${title}, %s layout`, (name, layout) => {
    it(p.checks, async () => {
      const r = await runBare(assemble(p.program, layout, p.symbols?.(layout)), name, {
        cpus: p.cpus,
        ...p.board,
      });
      expect(r.out).toBe(p.expected);
      expect(r.stop).toBe("poweroff");
    });
    const q = p.qemu === true ? {} : p.qemu;
    if (name === "qemu" && q !== undefined) {
      const smp = p.cpus ?? 1;
      const title = `prints the same under qemu-system-aarch64 -M virt,gic-version=3${smp > 1 ? ` -smp ${smp}` : ""}`;
      it(q.title ?? title, () => {
        const bin = assemble(p.program, layout, (q.symbols ?? p.symbols)?.(layout));
        expect(runQemu(bin, { smp, ...q.options })).toBe(q.expected ?? p.expected);
      });
    }
  });
}
