import {
  ConfigError,
  getUintLE,
  type MmioDevice,
  RateLimitedLog,
  type Snapshottable,
  type StateReader,
  type StateWriter,
} from "@armature/core";
import { type FdtNode, setReg } from "@armature/fdt";
import * as R from "./regs.js";

export interface CfiFlashOptions {
  /** The bank's contents; its length is the bank size. Erase and program change it in place. */
  data: Uint8Array;
  /** Erase block size as the bus sees it (all devices of the bank together), a power of two. */
  blockSize: number;
  /** Bytes the bank answers per access: devices side by side (default 4). */
  bankWidth?: 1 | 2 | 4;
  /** Bytes per device (default 2: x16 devices; a 4-byte bank is then two of them interleaved). */
  deviceWidth?: 1 | 2;
  /** Program and erase fail with a locked-block status (a firmware code bank). Default false. */
  readOnly?: boolean;
  /** Called after every completed program or erase with the range that changed. */
  onChange?: (offset: number, length: number) => void;
  /** Largest buffered program per device in bytes (default 64), a power of two. */
  writeBufferBytes?: number;
}

enum Mode {
  Array = 0,
  Status = 1,
  Id = 2,
  Query = 3,
  Program = 4,
  EraseSetup = 5,
  BufferCount = 6,
  BufferData = 7,
  BufferConfirm = 8,
  LockSetup = 9,
}

/** The mode each first-cycle command enters (Intel/Sharp command set, CFI primary vendor 0001). */
const NEXT_MODE: ReadonlyMap<number, Mode> = new Map([
  [R.CMD_READ_ARRAY, Mode.Array],
  [R.CMD_READ_ID, Mode.Id],
  [R.CMD_CFI_QUERY, Mode.Query],
  [R.CMD_READ_STATUS, Mode.Status],
  [R.CMD_CLEAR_STATUS, Mode.Array],
  [R.CMD_WORD_PROGRAM, Mode.Program],
  [R.CMD_WORD_PROGRAM_ALT, Mode.Program],
  [R.CMD_BLOCK_ERASE, Mode.EraseSetup],
  [R.CMD_BUFFERED_PROGRAM, Mode.BufferCount],
  [R.CMD_LOCK_SETUP, Mode.LockSetup],
]);

/**
 * A CFI parallel NOR flash bank with the Intel/Sharp command set: read array, read identifier
 * (with per-block lock status), CFI query, read/clear status, word program, buffered program,
 * block erase, block lock/unlock. Operations complete at once, so status always reads ready.
 * Programming only clears bits (as NOR does); erase sets a block to 0xFF. Command sequence
 * mistakes set the status error bits; nothing throws.
 */
export class CfiFlash implements MmioDevice, Snapshottable {
  readonly data: Uint8Array;
  readonly blockSize: number;
  private readonly bankWidth: number;
  private readonly deviceWidth: number;
  private readonly devices: number;
  private readonly readOnly: boolean;
  private readonly onChange: ((offset: number, length: number) => void) | undefined;
  private readonly bufferWords: number;
  private readonly locked: Uint8Array;
  private readonly query: Uint8Array;
  private mode = Mode.Array;
  private status = 0;
  private pendingBlock = 0;
  private bufferLeft = 0;
  private bufferStart = 0;
  private readonly buffer: { offset: number; size: number; value: number }[] = [];
  private readonly log = new RateLimitedLog("cfi-flash");

  constructor(o: CfiFlashOptions) {
    this.bankWidth = o.bankWidth ?? 4;
    this.deviceWidth = o.deviceWidth ?? 2;
    if (
      ![1, 2, 4].includes(this.bankWidth) ||
      ![1, 2].includes(this.deviceWidth) ||
      this.deviceWidth > this.bankWidth
    )
      throw new ConfigError(
        "cfi-flash: bankWidth must be 1, 2 or 4 and deviceWidth 1 or 2, at most bankWidth",
      );
    this.devices = this.bankWidth / this.deviceWidth;
    const size = o.data.length;
    const pow2 = (n: number) => Number.isInteger(n) && n > 0 && (n & (n - 1)) === 0;
    if (!pow2(o.blockSize) || o.blockSize < 256 * this.devices || size % o.blockSize !== 0 || size === 0)
      throw new ConfigError(
        `cfi-flash: ${size} bytes must be a non-zero multiple of the block size ${o.blockSize}, a power of two of at least ${256 * this.devices}`,
      );
    if (!pow2(size / this.devices))
      throw new ConfigError(
        `cfi-flash: the bank size ${size} must be a power of two per device (CFI device size)`,
      );
    const wb = o.writeBufferBytes ?? 64;
    if (!pow2(wb) || wb < this.deviceWidth)
      throw new ConfigError(`cfi-flash: writeBufferBytes ${wb} must be a power of two`);
    this.data = o.data;
    this.blockSize = o.blockSize;
    this.readOnly = o.readOnly ?? false;
    this.onChange = o.onChange;
    this.bufferWords = wb / this.deviceWidth;
    this.locked = new Uint8Array(size / o.blockSize);
    this.query = this.buildQuery(wb);
  }

  /** Snapshot state version (Snapshottable, @armature/core). */
  readonly stateVersion = 1;

  /**
   * Save the command state (mode, status, the block an erase or lock waits on, the write buffer),
   * each block's lock bit and the contents: the size (checked), then each block that is not all
   * 0xFF (erased) as its index and bytes.
   */
  saveState(w: StateWriter): void {
    w.u8(this.mode);
    w.u32(this.status);
    for (const v of [this.pendingBlock, this.bufferLeft, this.bufferStart]) w.f64(v);
    w.u32(this.buffer.length);
    for (const b of this.buffer) {
      w.f64(b.offset);
      w.u8(b.size);
      w.f64(b.value);
    }
    w.bytes(this.locked);
    w.u32(this.data.length);
    const used: number[] = [];
    for (let i = 0; i * this.blockSize < this.data.length; i++)
      if (this.data.subarray(i * this.blockSize, (i + 1) * this.blockSize).some((x) => x !== 0xff))
        used.push(i);
    w.u32(used.length);
    for (const i of used) {
      w.u32(i);
      w.raw(this.data.subarray(i * this.blockSize, (i + 1) * this.blockSize));
    }
  }

  /** Restoring tells `onChange` about the whole bank (a file behind it follows the machine). */
  loadState(r: StateReader): () => void {
    const mode = r.u8();
    if (mode > Mode.LockSetup) r.fail(`cfi-flash mode ${mode}`);
    const status = r.u32();
    const [pending, left, start] = [r.f64(), r.f64(), r.f64()];
    const buffer: { offset: number; size: number; value: number }[] = [];
    for (let n = r.count(this.bufferWords, "write buffer entries"); n > 0; n--)
      buffer.push({ offset: r.f64(), size: r.u8(), value: r.f64() });
    const locked = r.bytes(this.locked.length);
    if (locked.length !== this.locked.length) r.fail("cfi-flash lock bits");
    r.expect(this.data.length, "cfi-flash size");
    const blocks = this.data.length / this.blockSize;
    const used: [number, Uint8Array][] = [];
    for (let n = r.count(blocks, "flash blocks"); n > 0; n--) {
      const i = r.u32();
      if (i >= blocks) r.fail(`flash block ${i}`);
      used.push([i, r.raw(this.blockSize).slice()]);
    }
    const lock = locked.slice();
    return () => {
      this.mode = mode as Mode;
      this.status = status;
      this.pendingBlock = pending;
      this.bufferLeft = left;
      this.bufferStart = start;
      this.buffer.splice(0, this.buffer.length, ...buffer);
      this.locked.set(lock);
      this.data.fill(0xff);
      for (const [i, b] of used) this.data.set(b, i * this.blockSize);
      this.onChange?.(0, this.data.length);
    };
  }

  /** The CFI query structure one device answers (byte per chip word address). */
  private buildQuery(writeBufferBytes: number): Uint8Array {
    const q = new Uint8Array(0x40);
    const perDevice = this.data.length / this.devices;
    const blockPerDevice = this.blockSize / this.devices;
    const blocks = this.data.length / this.blockSize;
    const put = (at: number, ...bytes: number[]) => q.set(bytes, at);
    put(R.CFI_QRY, 0x51, 0x52, 0x59); // "QRY"
    put(0x13, R.CFI_CMDSET_INTEL & 0xff, R.CFI_CMDSET_INTEL >> 8, R.CFI_PRI, 0); // primary set + its table
    put(0x17, 0, 0, 0, 0); // no alternate set
    put(0x1b, 0x17, 0x20, 0x85, 0x95); // Vcc 1.7-2.0 V, Vpp 8.5-9.5 V
    put(0x1f, 0x08, 0x09, 0x0a, 0x00); // typical timeouts: word 2^8 us, buffer 2^9 us, block 2^10 ms, no chip erase
    put(0x23, 0x01, 0x01, 0x02, 0x00); // maximum timeouts (x2^n of typical)
    put(0x27, Math.log2(perDevice)); // device size 2^n bytes
    put(0x28, this.deviceWidth === 2 ? R.CFI_INTERFACE_X16 : 0, 0); // interface code (0: x8)
    put(0x2a, Math.log2(writeBufferBytes), 0); // buffered program size 2^n bytes
    put(0x2c, 1); // one erase block region
    put(0x2d, (blocks - 1) & 0xff, (blocks - 1) >> 8, (blockPerDevice >> 8) & 0xff, blockPerDevice >> 16);
    put(R.CFI_PRI, 0x50, 0x52, 0x49, 0x31, 0x30); // "PRI" version 1.0
    put(0x36, 0x08, 0, 0, 0); // optional features: instant individual block locking
    put(0x3a, 0); // functions supported after suspend
    put(0x3b, 0x01, 0x00); // block status register: lock bit
    put(0x3d, 0x18, 0x00); // Vcc / Vpp optimum
    return q;
  }

  /** Whether a block is locked (by guest command). */
  isLocked(offset: number): boolean {
    return this.locked[Math.floor(offset / this.blockSize)] === 1;
  }

  /** A device's answer `v` replicated on every lane; the `size` bytes at `offset` of that bank word. */
  private lanes(v: number, offset: number, size: number): number {
    let out = 0;
    for (let i = 0; i < size; i++) {
      const inWord = (offset + i) % this.bankWidth;
      const inDevice = inWord % this.deviceWidth;
      out += ((v >>> (8 * inDevice)) & 0xff) * 2 ** (8 * i);
    }
    return out;
  }

  read(offset: number, size: 1 | 2 | 4): number {
    switch (this.mode) {
      case Mode.Array: {
        return offset + size > this.data.length ? 0 : getUintLE(this.data, offset, size);
      }
      case Mode.Id: {
        const chip = Math.floor(offset / this.bankWidth) % (this.blockSize / this.bankWidth);
        const v =
          chip === R.ID_MANUFACTURER
            ? R.MANUFACTURER_INTEL
            : chip === R.ID_DEVICE
              ? 0x0018
              : chip === R.ID_BLOCK_LOCK
                ? this.locked[Math.floor(offset / this.blockSize)]!
                : 0;
        return this.lanes(v, offset, size);
      }
      case Mode.Query: {
        const chip = Math.floor(offset / this.bankWidth);
        return this.lanes(chip < this.query.length ? this.query[chip]! : 0, offset, size);
      }
      default:
        // Status and every unfinished sequence read the status register.
        return this.lanes(this.status | R.SR_READY, offset, size);
    }
  }

  write(offset: number, size: 1 | 2 | 4, value: number): void {
    if (offset + size > this.data.length) return;
    const cmd = value & 0xff;
    switch (this.mode) {
      case Mode.Program:
        this.program(offset, size, value);
        this.mode = Mode.Status;
        return;
      case Mode.EraseSetup:
        if (cmd === R.CMD_CONFIRM) this.erase(this.pendingBlock);
        else this.status |= R.SR_ERASE_ERROR | R.SR_PROGRAM_ERROR; // improper command sequence
        this.mode = Mode.Status;
        return;
      case Mode.LockSetup: {
        const b = Math.floor(offset / this.blockSize);
        if (cmd === R.CMD_LOCK_BLOCK || cmd === R.CMD_LOCK_DOWN) this.locked[b] = 1;
        else if (cmd === R.CMD_UNLOCK_BLOCK) this.locked[b] = 0;
        else this.status |= R.SR_ERASE_ERROR | R.SR_PROGRAM_ERROR;
        this.mode = Mode.Status;
        return;
      }
      case Mode.BufferCount: {
        const words = (value & (this.deviceWidth === 2 ? 0xffff : 0xff)) + 1;
        if (words > this.bufferWords) {
          this.status |= R.SR_ERASE_ERROR | R.SR_PROGRAM_ERROR;
          this.mode = Mode.Status;
          return;
        }
        this.bufferLeft = words;
        this.buffer.length = 0;
        this.mode = Mode.BufferData;
        return;
      }
      case Mode.BufferData:
        if (Math.floor(offset / this.blockSize) !== Math.floor(this.bufferStart / this.blockSize)) {
          this.status |= R.SR_PROGRAM_ERROR;
          this.buffer.length = 0;
          this.mode = Mode.Status;
          return;
        }
        this.buffer.push({ offset, size, value });
        if (--this.bufferLeft === 0) this.mode = Mode.BufferConfirm;
        return;
      case Mode.BufferConfirm:
        if (cmd === R.CMD_CONFIRM) for (const w of this.buffer) this.program(w.offset, w.size, w.value);
        else this.status |= R.SR_ERASE_ERROR | R.SR_PROGRAM_ERROR;
        this.buffer.length = 0;
        this.mode = Mode.Status;
        return;
      default:
        this.command(offset, cmd);
    }
  }

  private command(offset: number, cmd: number): void {
    const next = NEXT_MODE.get(cmd);
    if (next === undefined) {
      this.log.warn(`c${cmd}`, `unknown command 0x${cmd.toString(16)} at 0x${offset.toString(16)}: ignored`);
      return;
    }
    if (cmd === R.CMD_CLEAR_STATUS) this.status = 0;
    else if (cmd === R.CMD_BLOCK_ERASE) this.pendingBlock = Math.floor(offset / this.blockSize);
    else if (cmd === R.CMD_BUFFERED_PROGRAM) this.bufferStart = offset;
    this.mode = next;
  }

  private writable(block: number, errorBit: number): boolean {
    if (this.readOnly || this.locked[block] === 1) {
      this.status |= errorBit | R.SR_BLOCK_LOCKED;
      return false;
    }
    return true;
  }

  private program(offset: number, size: number, value: number): void {
    if (!this.writable(Math.floor(offset / this.blockSize), R.SR_PROGRAM_ERROR)) return;
    // NOR programming only clears bits: new = old AND value.
    for (let i = 0; i < size; i++) this.data[offset + i]! &= (value >>> (8 * i)) & 0xff;
    this.onChange?.(offset, size);
  }

  private erase(block: number): void {
    if (!this.writable(block, R.SR_ERASE_ERROR)) return;
    this.data.fill(0xff, block * this.blockSize, (block + 1) * this.blockSize);
    this.onChange?.(block * this.blockSize, this.blockSize);
  }
}

/** One bank of a `cfi-flash` node. */
export interface CfiFlashBank {
  base: number;
  size: number;
}

/** Adds QEMU virt's `flash@<base>` node: `cfi-flash`, one `reg` entry per bank, `bank-width`. */
export function describeCfiFlash(parent: FdtNode, banks: readonly CfiFlashBank[], bankWidth = 4): FdtNode {
  if (banks.length === 0) throw new ConfigError("describeCfiFlash: give at least one bank");
  const n = parent.addChild(`flash@${banks[0]!.base.toString(16)}`);
  return setReg(
    n,
    { addressCells: 2, sizeCells: 2 },
    banks.map((b) => ({ address: b.base, size: b.size })),
  )
    .setU32("bank-width", bankWidth)
    .setString("compatible", "cfi-flash");
}
