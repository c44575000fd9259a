import { setReg } from "./cells.js";
import type { FdtNode } from "./tree.js";

/** Where a board puts an AMBA PrimeCell peripheral (PL011, PL031, ...), as its DT node says it. */
export interface PrimecellPlacement {
  base: number;
  /** Default: the device's register window size. */
  size?: number;
  /**
   * Its interrupt as the interrupt parent's specifier, from the board (which knows the
   * controller): on a GICv3, `gicDtInterrupt(intid, "level")` of @armature/gic.
   */
  interrupts: readonly number[];
  /** Phandle of the APB clock node the board provides. */
  clockPhandle: number;
}

/**
 * Adds `<part>@<base>` under `parent` as the arm,primecell binding describes it: compatible
 * `arm,<part>` then `arm,primecell`, one `reg` range (2 address cells, 2 size cells; `size` when
 * the placement gives none), its interrupts, and `clockNames` (ending with `apb_pclk`), all fed
 * by the board's one clock.
 */
export function addPrimecellNode(
  parent: FdtNode,
  part: string,
  p: PrimecellPlacement,
  size: number,
  clockNames: readonly string[],
): FdtNode {
  const n = parent
    .addChild(`${part}@${p.base.toString(16)}`)
    .setStrings("compatible", [`arm,${part}`, "arm,primecell"]);
  return setReg(n, { addressCells: 2, sizeCells: 2 }, [{ address: p.base, size: p.size ?? size }])
    .setCells("interrupts", p.interrupts)
    .setCells(
      "clocks",
      clockNames.map(() => p.clockPhandle),
    )
    .setStrings("clock-names", clockNames);
}
