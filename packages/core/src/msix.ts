import { putU32LE } from "./bytes.js";
import type { MsiSink } from "./msi.js";
import type { StateReader, StateWriter } from "./snapshot.js";

/** `size` bytes at byte `off` of an MSI-X table held as 32-bit words (the caller checks bounds). */
export function msixTableRead(table: Uint32Array, off: number, size: 1 | 2 | 4): number {
  const w = table[off >>> 2]!;
  return size === 4 ? w >>> 0 : (w >>> ((off & 3) * 8)) & (size === 2 ? 0xffff : 0xff);
}

/**
 * Write `size` bytes at byte `off` of an MSI-X table held as 32-bit words (the caller checks
 * bounds). Returns whether the write touched an entry's Vector Control word, after which pending
 * vectors may be delivered (§6.8.2.9).
 */
export function msixTableWrite(table: Uint32Array, off: number, size: 1 | 2 | 4, value: number): boolean {
  const i = off >>> 2;
  if (size === 4) table[i] = value >>> 0;
  else {
    const sh = (off & 3) * 8;
    const m = (size === 2 ? 0xffff : 0xff) << sh;
    table[i] = ((table[i]! & ~m) | ((value << sh) & m)) >>> 0;
  }
  return (i & 3) === 3;
}

/** `size` bytes at byte `off` of the Pending Bit Array, one byte of `pending` a vector. */
export function msixPbaRead(pending: Uint8Array, off: number, size: 1 | 2 | 4): number {
  let v = 0;
  for (let b = size - 1; b >= 0; b--) {
    let byte = 0;
    for (let k = 0; k < 8; k++) if (pending[(off + b) * 8 + k]) byte |= 1 << k;
    v = v * 256 + byte;
  }
  return v >>> 0;
}

/**
 * An MSI-X table and PBA (PCI Local Bus 3.0 §6.8.2) for a PCI function model: the table's
 * entries, the pending bits, Message Control's enable and function mask, and delivery through an
 * MsiSink. Device packages (virtio-pci, the xHCI) place it behind their own BARs; @armature/pci's
 * MsixCapability adds the configuration-space capability around the same behaviour.
 */
export class MsixTable {
  /** Message Control bit 15 (MSI-X Enable) and bit 14 (Function Mask). */
  enabled = false;
  functionMask = false;
  private readonly table: Uint32Array;
  private readonly pending: Uint8Array;

  constructor(readonly vectors: number) {
    this.table = new Uint32Array(vectors * 4);
    this.pending = new Uint8Array(vectors);
    this.reset();
  }

  reset(): void {
    this.table.fill(0);
    // §6.8.2.9: every vector starts masked.
    for (let v = 0; v < this.vectors; v++) this.table[v * 4 + 3] = 1;
    this.pending.fill(0);
    this.enabled = false;
    this.functionMask = false;
  }

  /** Snapshot: enable, function mask, the table and the pending bits. */
  saveState(w: StateWriter): void {
    w.bool(this.enabled);
    w.bool(this.functionMask);
    w.u32s(this.table);
    w.bytes(this.pending);
  }
  loadState(r: StateReader): () => void {
    const enabled = r.bool();
    const mask = r.bool();
    const table = r.u32s(this.table.length, "MSI-X table");
    const pending = r.bytes(this.vectors);
    if (pending.length !== this.vectors) r.fail("MSI-X pending bits length");
    const p = pending.slice();
    return () => {
      this.enabled = enabled;
      this.functionMask = mask;
      this.table.set(table);
      this.pending.set(p);
    };
  }

  /** Message Control as software reads it. */
  control(): number {
    return (this.vectors - 1) | (this.functionMask ? 0x4000 : 0) | (this.enabled ? 0x8000 : 0);
  }

  /**
   * Write the MSI-X capability structure (PCI 3.0 §6.8.2: ID 11h, `next`, Message Control as
   * `control()` gives it, Table Offset/BIR, PBA Offset/BIR) at `cap` of a configuration-space
   * image; `table` and `pba` are each an 8-byte-aligned offset ORed with the BAR index (BIR).
   */
  putCapability(cfg: Uint8Array, cap: number, next: number, table: number, pba: number): void {
    const ctl = this.control();
    cfg[cap] = 0x11;
    cfg[cap + 1] = next;
    cfg[cap + 2] = ctl & 0xff;
    cfg[cap + 3] = ctl >>> 8;
    putU32LE(cfg, cap + 4, table);
    putU32LE(cfg, cap + 8, pba);
  }

  writeControl(v: number, sink: MsiSink | undefined, requesterId: number): void {
    this.enabled = (v & 0x8000) !== 0;
    this.functionMask = (v & 0x4000) !== 0;
    this.flush(sink, requesterId);
  }

  /**
   * A configuration-space write of `size` bytes at `offset` for a function whose MSI-X capability
   * starts at `cap`: if it overlaps Message Control (the capability's only writable bits, 15
   * enable and 14 function mask), applies it and returns true; otherwise returns false.
   */
  writeCapabilityControl(
    cap: number,
    offset: number,
    size: 1 | 2 | 4,
    value: number,
    sink: MsiSink | undefined,
    requesterId: number,
  ): boolean {
    if (offset > cap + 3 || offset + size <= cap + 2) return false;
    let ctl = this.control();
    if (size === 4) ctl = value >>> 16;
    else if (size === 2) ctl = value & 0xffff;
    else if (offset === cap + 3) ctl = (ctl & 0xff) | ((value & 0xff) << 8);
    this.writeControl(ctl, sink, requesterId);
    return true;
  }

  readTable(off: number, size: 1 | 2 | 4): number {
    if (off + size > this.vectors * 16) return 0;
    return msixTableRead(this.table, off, size);
  }

  writeTable(
    off: number,
    size: 1 | 2 | 4,
    value: number,
    sink: MsiSink | undefined,
    requesterId: number,
  ): void {
    if (off + size > this.vectors * 16) return;
    if (msixTableWrite(this.table, off, size, value)) this.flush(sink, requesterId);
  }

  readPba(off: number, size: 1 | 2 | 4): number {
    return msixPbaRead(this.pending, off, size);
  }

  /** Is `vector` masked (Function Mask, or its entry's Vector Control mask bit)? */
  isMasked(vector: number): boolean {
    return this.functionMask || (this.table[vector * 4 + 3]! & 1) === 1;
  }

  /** Is `vector`'s pending bit set? */
  isPending(vector: number): boolean {
    return this.pending[vector] === 1;
  }

  /**
   * Signal `vector`; masked vectors become pending (§6.8.2.9). Returns whether `sink` took a
   * message.
   */
  signal(vector: number, sink: MsiSink | undefined, requesterId: number): boolean {
    if (!this.enabled || vector < 0 || vector >= this.vectors) return false;
    if (this.isMasked(vector)) {
      this.pending[vector] = 1;
      return false;
    }
    return (
      sink?.sendMsi(
        this.table[vector * 4]! + this.table[vector * 4 + 1]! * 2 ** 32,
        this.table[vector * 4 + 2]!,
        requesterId,
      ) ?? false
    );
  }

  private flush(sink: MsiSink | undefined, requesterId: number): void {
    if (!this.enabled || this.functionMask) return;
    for (let v = 0; v < this.vectors; v++) {
      if (this.pending[v] && !(this.table[v * 4 + 3]! & 1)) {
        this.pending[v] = 0;
        this.signal(v, sink, requesterId);
      }
    }
  }
}
