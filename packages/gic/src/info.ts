import type { GicState, PeState } from "./state.js";

/*
 * The monitor's `info irq` (issue 25): the GIC's state as text, in the spirit of QEMU's `info pic`.
 * One header line for the distributor, one per PE for its CPU interface and redistributor, then
 * one row per interrupt in use: each PE's SGIs and PPIs, then the SPIs, listing those that are
 * enabled, pending or active (an interrupt nobody configured is left out).
 */

const hex2 = (v: number) => `0x${v.toString(16).padStart(2, "0")}`;
const hex = (v: number) => `0x${(v >>> 0).toString(16)}`;
const bit = (word: number, b: number) => (word >>> b) & 1;

/** One row: INTID, kind, trigger, enabled/pending/active, priority, group, target. */
function row(
  intid: number,
  kind: string,
  edge: number,
  e: number,
  p: number,
  a: number,
  prio: number,
  group: number,
  target: string,
): string {
  return [
    String(intid).padStart(5),
    kind.padEnd(4),
    (edge ? "edge" : "level").padEnd(6),
    `${e} ${p} ${a}`,
    hex2(prio).padStart(5),
    String(group).padStart(5),
    target,
  ].join(" ");
}

function peLine(pe: PeState): string {
  return (
    `CPU #${pe.index} (affinity ${hex(pe.aff)}): ${pe.sleep ? "asleep" : "awake"}, ` +
    `PMR ${hex2(pe.pmr)}, IGRPEN0 ${pe.igrpen0 ? 1 : 0}, IGRPEN1 ${pe.igrpen1 ? 1 : 0}, ` +
    `running priority ${hex2(pe.runningPriority())}, highest pending ${pe.hppi}` +
    `${pe.lpis.size > 0 ? `, ${pe.lpis.size} LPIs pending` : ""}, ` +
    `IRQ ${pe.irqOut ? 1 : 0} FIQ ${pe.fiqOut ? 1 : 0}`
  );
}

/** The `info irq` text of a GIC's state; `ctlr` is GICD_CTLR as the guest reads it. */
export function formatGicIrqs(s: GicState, ctlr: number): string {
  const lines = [
    `GICv3: GICD_CTLR ${hex(ctlr)} (Group 0 ${ctlr & 1 ? "on" : "off"}, Group 1 ${ctlr & 2 ? "on" : "off"}), ` +
      `${s.nIrq - 32} SPIs, ${s.pes.length} CPUs`,
    ...s.pes.map(peLine),
    "INTID kind trigger E P A  prio group target",
  ];
  for (const pe of s.pes) {
    const pending = pe.pend | (pe.level & ~pe.edge);
    const used = pe.enable | pending | pe.active;
    for (let i = 0; i < 32; i++) {
      if (!bit(used, i)) continue;
      lines.push(
        row(
          i,
          i < 16 ? "SGI" : "PPI",
          bit(pe.edge, i),
          bit(pe.enable, i),
          bit(pending, i),
          bit(pe.active, i),
          pe.prio[i]!,
          bit(pe.group, i),
          `CPU #${pe.index}`,
        ),
      );
    }
  }
  for (let w = 1; w < s.spiEnable.length; w++) {
    const edge = s.spiEdge[w]!;
    const pending = s.spiPend[w]! | (s.spiLevel[w]! & ~edge);
    const used = s.spiEnable[w]! | pending | s.spiActive[w]!;
    for (let b = 0; b < 32; b++) {
      if (!bit(used, b)) continue;
      const intid = w * 32 + b;
      const t = s.spiTarget[intid]!;
      lines.push(
        row(
          intid,
          "SPI",
          bit(edge, b),
          bit(s.spiEnable[w]!, b),
          bit(pending, b),
          bit(s.spiActive[w]!, b),
          s.spiPrio[intid]!,
          bit(s.spiGroup[w]!, b),
          t >= 0 ? `CPU #${t}` : `affinity ${hex(s.spiRoute[intid]!)} (no CPU)`,
        ),
      );
    }
  }
  return lines.join("\n");
}
