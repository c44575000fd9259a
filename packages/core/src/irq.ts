/**
 * A wire from a device to an interrupt controller. Level-triggered devices call `set(true)` /
 * `set(false)`; edge-triggered devices call `pulse()`. A device never knows what is behind it.
 */
export interface IrqLine {
  set(level: boolean): void;
  pulse(): void;
}

/** The controller side: something that owns numbered interrupt inputs (a GIC, a test recorder). */
export interface IrqController {
  /** Drive input `n` to `level` (level-sensitive semantics). */
  setIrqLevel(n: number, level: boolean): void;
  /** An edge on input `n`. */
  pulseIrq(n: number): void;
}

/** A line wired to input `n` of `controller`. */
export function irqLine(controller: IrqController, n: number): IrqLine {
  return {
    set(level: boolean) {
      controller.setIrqLevel(n, level);
    },
    pulse() {
      controller.pulseIrq(n);
    },
  };
}

/**
 * A level-sensitive interrupt output that keeps its level and drives `line` only when the level
 * changes (e.g. a PrimeCell's (RIS & IMSC) != 0). Snapshots save `level`; restoring sets it
 * without driving the line.
 */
export class IrqOutput {
  level = false;

  constructor(readonly line: IrqLine) {}

  /** Drive the output to `level`; the line sees only the changes. */
  set(level: boolean): void {
    if (level !== this.level) {
      this.level = level;
      this.line.set(level);
    }
  }
}

/** A line connected to nothing (a device placed without an interrupt). */
export const unconnectedIrqLine: IrqLine = Object.freeze({
  set(_level: boolean) {},
  pulse() {},
});
