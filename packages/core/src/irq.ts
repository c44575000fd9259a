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

/** A line connected to nothing (a device placed without an interrupt). */
export const unconnectedIrqLine: IrqLine = Object.freeze({
  set(_level: boolean) {},
  pulse() {},
});
