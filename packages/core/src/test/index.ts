import type { MmioDevice } from "../bus.js";
import type { IrqController, IrqLine } from "../irq.js";
import type { MsiSink } from "../msi.js";

/** An IrqLine that records its level and every edge, for device tests. */
export class RecordingIrqLine implements IrqLine {
  level = false;
  pulses = 0;
  /** Every change as [level] or "pulse", in order. */
  readonly history: Array<boolean | "pulse"> = [];
  set(level: boolean): void {
    if (level !== this.level) this.history.push(level);
    this.level = level;
  }
  pulse(): void {
    this.pulses++;
    this.history.push("pulse");
  }
}

/** An IrqController that records levels and pulses per input. */
export class RecordingIrqController implements IrqController {
  readonly levels = new Map<number, boolean>();
  readonly pulses = new Map<number, number>();
  setIrqLevel(n: number, level: boolean): void {
    this.levels.set(n, level);
  }
  pulseIrq(n: number): void {
    this.pulses.set(n, (this.pulses.get(n) ?? 0) + 1);
  }
}

/** An MsiSink that keeps every message. */
export class RecordingMsiSink implements MsiSink {
  readonly messages: Array<{ address: number; data: number; deviceId: number }> = [];
  accept = true;
  sendMsi(address: number, data: number, deviceId: number): boolean {
    this.messages.push({ address, data, deviceId });
    return this.accept;
  }
}

/** A plain little-endian register file as an MMIO device, logging every access. */
export class ScratchMmio implements MmioDevice {
  readonly bytes: Uint8Array;
  readonly log: Array<{ op: "r" | "w"; offset: number; size: number; value: number }> = [];
  constructor(size: number) {
    this.bytes = new Uint8Array(size);
  }
  read(offset: number, size: 1 | 2 | 4): number {
    let v = 0;
    for (let i = size - 1; i >= 0; i--) v = v * 256 + (this.bytes[offset + i] ?? 0);
    this.log.push({ op: "r", offset, size, value: v });
    return v;
  }
  write(offset: number, size: 1 | 2 | 4, value: number): void {
    for (let i = 0; i < size; i++) {
      if (offset + i < this.bytes.length) this.bytes[offset + i] = (value >>> (8 * i)) & 0xff;
    }
    this.log.push({ op: "w", offset, size, value });
  }
}
