import { gicDtInterrupt } from "@armature/gic";

/**
 * The architectural PPIs every Arm board wires the same way (Arm BSA / SBSA recommended INTIDs),
 * as INTIDs. Each is defined here once; DT cells and ACPI GSIVs are derived from it.
 */
export const ARCH_PPI = {
  /** CNTPS (secure EL1 physical timer). */
  timerSecurePhys: 29,
  /** CNTP (non-secure EL1 physical timer). */
  timerPhys: 30,
  /** CNTV (EL1 virtual timer). */
  timerVirt: 27,
  /** CNTHP (EL2 physical timer). */
  timerHyp: 26,
  /** PMU overflow. */
  pmu: 23,
  /** Virtual GIC maintenance. */
  vgicMaintenance: 25,
} as const;

/** The INTID of SPI `n` (INTID = 32 + n). */
export function spi(n: number): number {
  return 32 + n;
}

/** A part's interrupt: its INTID and trigger. The DT specifier and the ACPI GSIV come from it. */
export interface PartInterrupt {
  intid: number;
  trigger: "edge" | "level";
}

/** The GICv3 binding's 3 cells for one or more interrupts, concatenated. */
export function dtInterrupts(...irqs: readonly PartInterrupt[]): number[] {
  return irqs.flatMap((i) => gicDtInterrupt(i.intid, i.trigger));
}

/** A level-triggered interrupt (the common case for device lines and timers). */
export function level(intid: number): PartInterrupt {
  return { intid, trigger: "level" };
}
