import {
  type IrqLine,
  IrqOutput,
  type MmioDevice,
  primecellIdRead,
  RateLimitedLog,
  type StateReader,
  type StateWriter,
  unconnectedIrqLine,
} from "@armature/core";
import { addPrimecellNode, type FdtNode, type PrimecellPlacement } from "@armature/fdt";
import * as R from "./regs.js";

/** Where the UART's bytes go and come from. The board connects it to a terminal or a stream. */
export interface SerialBackend {
  /** Called for every byte the guest transmits. */
  write(byte: number): void;
}

export interface Pl011Options {
  backend?: SerialBackend;
  irq?: IrqLine;
}

const FIFO_DEPTH = 32;

/**
 * The registers that read back one field (3.3). Those with a `mask` are written as value & mask;
 * the others are read-only or written with side effects by write()'s own cases.
 */
const REGISTERS: ReadonlyMap<
  number,
  {
    field: "rsr" | "ilpr" | "ibrd" | "fbrd" | "lcrh" | "cr" | "ifls" | "imsc" | "ris" | "dmacr";
    mask?: number;
  }
> = new Map([
  [R.UARTRSR_ECR, { field: "rsr" }],
  [R.UARTILPR, { field: "ilpr", mask: 0xff }],
  [R.UARTIBRD, { field: "ibrd", mask: 0xffff }],
  [R.UARTFBRD, { field: "fbrd", mask: 0x3f }],
  [R.UARTLCR_H, { field: "lcrh" }],
  [R.UARTCR, { field: "cr", mask: 0xff87 }],
  [R.UARTIFLS, { field: "ifls" }],
  [R.UARTIMSC, { field: "imsc" }],
  [R.UARTRIS, { field: "ris" }],
  [R.UARTDMACR, { field: "dmacr", mask: 7 }],
]);

/**
 * PL011 UART. Transmission is instantaneous (the TX FIFO never fills); received bytes wait in a
 * 32-entry FIFO (1 entry when UARTLCR_H.FEN = 0). The interrupt output is level: (RIS & IMSC) != 0.
 */
export class Pl011 implements MmioDevice {
  readonly irq: IrqLine;
  backend: SerialBackend | undefined;
  private readonly rx = new Uint16Array(FIFO_DEPTH);
  private rxHead = 0;
  private rxCount = 0;
  /** Bytes offered by the host while the FIFO was full (flow control: kept, not dropped). */
  private readonly pending: number[] = [];
  private ris = 0;
  private imsc = 0;
  private cr = R.CR_TXE | R.CR_RXE; // reset value 0x300 (3.3.8)
  private lcrh = 0;
  private ibrd = 0;
  private fbrd = 0;
  private ifls = 0x12;
  private ilpr = 0;
  private dmacr = 0;
  private rsr = 0;
  private readonly out: IrqOutput;
  private readonly log = new RateLimitedLog("pl011");

  constructor(options: Pl011Options = {}) {
    this.backend = options.backend;
    this.irq = options.irq ?? unconnectedIrqLine;
    this.out = new IrqOutput(this.irq);
  }

  /** Snapshot state version (Snapshottable, @armature/core). */
  readonly stateVersion = 1;

  /** Save the registers, the receive FIFO and the host bytes still waiting for it. */
  saveState(w: StateWriter): void {
    w.u32s(Array.from(this.rx));
    for (const k of PL011_STATE) w.f64(this[k]);
    w.bool(this.out.level);
    w.bytes(Uint8Array.from(this.pending));
  }

  /** Parse a saved state; the commit applies it without driving the interrupt line. */
  loadState(r: StateReader): () => void {
    const rx = r.u32s(FIFO_DEPTH, "RX FIFO");
    const n = PL011_STATE.map(() => r.f64());
    if (n[0]! >= FIFO_DEPTH || n[1]! > FIFO_DEPTH) r.fail("FIFO pointers out of range");
    const level = r.bool();
    const pending = Array.from(r.bytes(1 << 30));
    return () => {
      this.rx.set(rx);
      PL011_STATE.forEach((k, i) => {
        this[k] = n[i]!;
      });
      this.out.level = level;
      this.pending.splice(0, this.pending.length, ...pending);
    };
  }

  /** Offer received bytes (from the host terminal) to the guest. */
  receive(bytes: Uint8Array | readonly number[]): void {
    for (const b of bytes) this.pending.push(b & 0xff);
    this.refill();
  }

  /** How many host bytes are waiting for FIFO space. */
  get backlog(): number {
    return this.pending.length;
  }

  private capacity(): number {
    return this.lcrh & R.LCRH_FEN ? FIFO_DEPTH : 1;
  }

  private refill(): void {
    while (this.pending.length > 0 && this.rxCount < this.capacity()) {
      this.rx[(this.rxHead + this.rxCount) % FIFO_DEPTH] = this.pending.shift()!;
      this.rxCount++;
    }
    this.updateRxInterrupt();
  }

  private rxTriggerLevel(): number {
    // UARTIFLS.RXIFLSEL (3.3.9): 1/8, 1/4, 1/2, 3/4, 7/8 of the FIFO.
    const sel = (this.ifls >> 3) & 7;
    const eighths = [1, 2, 4, 6, 7][sel] ?? 4;
    return (FIFO_DEPTH * eighths) / 8;
  }

  private updateRxInterrupt(): void {
    if (this.rxCount === 0) this.ris &= ~(R.INT_RX | R.INT_RT);
    else {
      // The receive timeout interrupt covers a non-empty FIFO below the trigger level; we raise
      // it at once rather than after 32 bit periods, which only makes input more responsive.
      this.ris |= R.INT_RT;
      if (!(this.lcrh & R.LCRH_FEN) || this.rxCount >= this.rxTriggerLevel()) this.ris |= R.INT_RX;
    }
    this.updateIrq();
  }

  private updateIrq(): void {
    this.out.set((this.ris & this.imsc) !== 0);
  }

  read(offset: number, size: 1 | 2 | 4): number {
    const id = primecellIdRead(offset, R.PERIPH_ID);
    if (id !== undefined) return id;
    switch (offset) {
      case R.UARTDR: {
        if (this.rxCount === 0) return 0;
        const v = this.rx[this.rxHead]!;
        this.rxHead = (this.rxHead + 1) % FIFO_DEPTH;
        this.rxCount--;
        this.refill();
        return v;
      }
      case R.UARTFR: {
        let fr = R.FR_TXFE;
        if (this.rxCount === 0) fr |= R.FR_RXFE;
        if (this.rxCount >= this.capacity()) fr |= R.FR_RXFF;
        return fr;
      }
      case R.UARTMIS:
        return this.ris & this.imsc;
      default: {
        const r = REGISTERS.get(offset);
        if (r !== undefined) return this[r.field];
        this.log.warn(
          `r${offset}`,
          `read of unknown register offset 0x${offset.toString(16)} (size ${size}): RAZ`,
        );
        return 0;
      }
    }
  }

  write(offset: number, size: 1 | 2 | 4, value: number): void {
    switch (offset) {
      case R.UARTDR:
        // Loopback (UARTCR.LBE) feeds transmitted bytes back into the receive FIFO (3.3.8).
        if (this.cr & R.CR_LBE) this.receive([value & 0xff]);
        else this.backend?.write(value & 0xff);
        // The FIFO drains at once, so it is at/below any trigger level after every write.
        this.ris |= R.INT_TX;
        this.updateIrq();
        return;
      case R.UARTRSR_ECR:
        this.rsr = 0;
        return;
      case R.UARTLCR_H: {
        const fifoChanged = ((this.lcrh ^ value) & R.LCRH_FEN) !== 0;
        this.lcrh = value & 0xff;
        if (fifoChanged) this.refill();
        return;
      }
      case R.UARTIFLS:
        this.ifls = value & 0x3f;
        this.updateRxInterrupt();
        return;
      case R.UARTIMSC:
        this.imsc = value & R.INT_ALL;
        this.updateIrq();
        return;
      case R.UARTICR:
        this.ris &= ~value;
        // Clearing RX/RT while data remains does not hide it: the FIFO state re-raises them.
        this.updateRxInterrupt();
        return;
      default: {
        const r = REGISTERS.get(offset);
        if (r?.mask !== undefined) {
          this[r.field] = value & r.mask;
          return;
        }
        this.log.warn(
          `w${offset}`,
          `write of 0x${value.toString(16)} to read-only/unknown offset 0x${offset.toString(16)} (size ${size}): ignored`,
        );
      }
    }
  }
}

/** Where the board puts the UART (the arm,primecell placement; `size` defaults to PL011_SIZE). */
export type Pl011Placement = PrimecellPlacement;

/** Adds `pl011@<base>` under `parent` (2 address cells, 2 size cells). */
export function describePl011(parent: FdtNode, p: Pl011Placement): FdtNode {
  return addPrimecellNode(parent, "pl011", p, R.PL011_SIZE, ["uartclk", "apb_pclk"]);
}

/** The registers and FIFO pointers in a snapshot, in order (FIFO head and count first). */
const PL011_STATE = [
  "rxHead",
  "rxCount",
  "ris",
  "imsc",
  "cr",
  "lcrh",
  "ibrd",
  "fbrd",
  "ifls",
  "ilpr",
  "dmacr",
  "rsr",
] as const;
