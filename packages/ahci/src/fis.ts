import { getU32LE, putU32LE } from "@armature/core";
import { FisType } from "./regs.js";

/**
 * The ATA task-file fields a Register FIS carries (SATA 3.x §10.5.5/§10.5.6). LBA is 48 bits,
 * count and features 16 bits; 28-bit commands use the low parts.
 */
export interface TaskFile {
  command: number;
  features: number;
  lba: number;
  device: number;
  count: number;
  control: number;
  /** Register FIS H2D: C bit (1 = command register update, 0 = device control update). */
  c: boolean;
  /** Port multiplier port (bits 3:0 of byte 1). */
  pmPort: number;
  /** Status / error for device-to-host FISes. */
  status: number;
  error: number;
}

export function emptyTaskFile(): TaskFile {
  return {
    command: 0,
    features: 0,
    lba: 0,
    device: 0,
    count: 0,
    control: 0,
    c: false,
    pmPort: 0,
    status: 0,
    error: 0,
  };
}

function lba48(b: Uint8Array, o: number): number {
  return (
    b[o + 4]! +
    b[o + 5]! * 0x100 +
    b[o + 6]! * 0x10000 +
    b[o + 8]! * 0x1000000 +
    b[o + 9]! * 0x100000000 +
    b[o + 10]! * 0x10000000000
  );
}

function putLba48(b: Uint8Array, o: number, lba: number): void {
  b[o + 4] = lba & 0xff;
  b[o + 5] = (lba >>> 8) & 0xff;
  b[o + 6] = (lba >>> 16) & 0xff;
  const hi = Math.floor(lba / 0x1000000);
  b[o + 8] = hi & 0xff;
  b[o + 9] = (hi >>> 8) & 0xff;
  b[o + 10] = (hi >>> 16) & 0xff;
}

/** Decode a Register FIS - Host to Device (type 0x27) into `out`. Returns false for another type. */
export function decodeH2D(b: Uint8Array, out: TaskFile, o = 0): boolean {
  if (b[o] !== FisType.REG_H2D) return false;
  const f1 = b[o + 1]!;
  out.c = (f1 & 0x80) !== 0;
  out.pmPort = f1 & 0x0f;
  out.command = b[o + 2]!;
  out.features = b[o + 3]! | (b[o + 11]! << 8);
  out.lba = lba48(b, o);
  out.device = b[o + 7]!;
  out.count = b[o + 12]! | (b[o + 13]! << 8);
  out.control = b[o + 15]!;
  out.status = 0;
  out.error = 0;
  return true;
}

/** Encode a Register FIS - Host to Device (20 bytes) from `tf` (used by tests and driver helpers). */
export function encodeH2D(tf: TaskFile, b: Uint8Array, o = 0): void {
  b.fill(0, o, o + 20);
  b[o] = FisType.REG_H2D;
  b[o + 1] = (tf.c ? 0x80 : 0) | (tf.pmPort & 0x0f);
  b[o + 2] = tf.command & 0xff;
  b[o + 3] = tf.features & 0xff;
  putLba48(b, o, tf.lba);
  b[o + 7] = tf.device & 0xff;
  b[o + 11] = (tf.features >>> 8) & 0xff;
  b[o + 12] = tf.count & 0xff;
  b[o + 13] = (tf.count >>> 8) & 0xff;
  b[o + 15] = tf.control & 0xff;
}

/** Status, error, LBA, device and count as the device-to-host FISes (register, PIO setup) carry them. */
function putStatusTaskFile(b: Uint8Array, o: number, tf: TaskFile): void {
  b[o + 2] = tf.status & 0xff;
  b[o + 3] = tf.error & 0xff;
  putLba48(b, o, tf.lba);
  b[o + 7] = tf.device & 0xff;
  b[o + 12] = tf.count & 0xff;
  b[o + 13] = (tf.count >>> 8) & 0xff;
}

/** Encode a Register FIS - Device to Host (type 0x34, 20 bytes) with the I bit as given. */
export function encodeD2H(tf: TaskFile, interrupt: boolean, b: Uint8Array, o = 0): void {
  b.fill(0, o, o + 20);
  b[o] = FisType.REG_D2H;
  b[o + 1] = interrupt ? 0x40 : 0;
  putStatusTaskFile(b, o, tf);
}

/** Decode a Register FIS - Device to Host. Returns false for another type. */
export function decodeD2H(b: Uint8Array, out: TaskFile, o = 0): boolean {
  if (b[o] !== FisType.REG_D2H) return false;
  out.c = false;
  out.pmPort = b[o + 1]! & 0x0f;
  out.command = 0;
  out.features = 0;
  out.status = b[o + 2]!;
  out.error = b[o + 3]!;
  out.lba = lba48(b, o);
  out.device = b[o + 7]!;
  out.count = b[o + 12]! | (b[o + 13]! << 8);
  out.control = 0;
  return true;
}

/**
 * Encode a PIO Setup FIS (type 0x5f, 20 bytes, SATA 3.x §10.5.11): D = device-to-host direction,
 * `eStatus` the status after the data transfer, `transferCount` the bytes of the DATA FIS.
 */
export function encodePioSetup(
  tf: TaskFile,
  toHost: boolean,
  interrupt: boolean,
  eStatus: number,
  transferCount: number,
  b: Uint8Array,
  o = 0,
): void {
  b.fill(0, o, o + 20);
  b[o] = FisType.PIO_SETUP;
  b[o + 1] = (toHost ? 0x20 : 0) | (interrupt ? 0x40 : 0);
  putStatusTaskFile(b, o, tf);
  b[o + 15] = eStatus & 0xff;
  b[o + 16] = transferCount & 0xff;
  b[o + 17] = (transferCount >>> 8) & 0xff;
}

/**
 * Encode a Set Device Bits FIS (type 0xa1, 8 bytes, SATA 3.x §10.5.7): status bits 6:4 and 2:0,
 * error, and the SActive bits of the commands that completed.
 */
export function encodeSdb(
  status: number,
  error: number,
  sactive: number,
  interrupt: boolean,
  b: Uint8Array,
  o = 0,
): void {
  b[o] = FisType.SET_DEVICE_BITS;
  b[o + 1] = interrupt ? 0x40 : 0;
  b[o + 2] = status & 0x77;
  b[o + 3] = error & 0xff;
  b[o + 4] = sactive & 0xff;
  b[o + 5] = (sactive >>> 8) & 0xff;
  b[o + 6] = (sactive >>> 16) & 0xff;
  b[o + 7] = (sactive >>> 24) & 0xff;
}

/** A command header (§4.2.2), 32 bytes in the command list. */
export interface CommandHeader {
  /** Command FIS length in dwords (2..16 valid). */
  cfl: number;
  atapi: boolean;
  write: boolean;
  prefetch: boolean;
  reset: boolean;
  bist: boolean;
  clearBusy: boolean;
  pmp: number;
  prdtl: number;
  prdbc: number;
  /** Command table base (128-byte aligned), 64-bit. */
  ctba: number;
}

export function emptyCommandHeader(): CommandHeader {
  return {
    cfl: 0,
    atapi: false,
    write: false,
    prefetch: false,
    reset: false,
    bist: false,
    clearBusy: false,
    pmp: 0,
    prdtl: 0,
    prdbc: 0,
    ctba: 0,
  };
}

export function decodeCommandHeader(b: Uint8Array, out: CommandHeader, o = 0): void {
  const dw0 = getU32LE(b, o);
  out.cfl = dw0 & 0x1f;
  out.atapi = (dw0 & (1 << 5)) !== 0;
  out.write = (dw0 & (1 << 6)) !== 0;
  out.prefetch = (dw0 & (1 << 7)) !== 0;
  out.reset = (dw0 & (1 << 8)) !== 0;
  out.bist = (dw0 & (1 << 9)) !== 0;
  out.clearBusy = (dw0 & (1 << 10)) !== 0;
  out.pmp = (dw0 >>> 12) & 0xf;
  out.prdtl = dw0 >>> 16;
  out.prdbc = getU32LE(b, o + 4);
  // Bits 6:0 of CTBA are reserved (128-byte alignment).
  out.ctba = getU32LE(b, o + 12) * 2 ** 32 + ((getU32LE(b, o + 8) & 0xffffff80) >>> 0);
}

export function encodeCommandHeader(h: CommandHeader, b: Uint8Array, o = 0): void {
  const dw0 =
    (h.cfl & 0x1f) |
    (h.atapi ? 1 << 5 : 0) |
    (h.write ? 1 << 6 : 0) |
    (h.prefetch ? 1 << 7 : 0) |
    (h.reset ? 1 << 8 : 0) |
    (h.bist ? 1 << 9 : 0) |
    (h.clearBusy ? 1 << 10 : 0) |
    ((h.pmp & 0xf) << 12) |
    ((h.prdtl & 0xffff) << 16);
  putU32LE(b, o, dw0 >>> 0);
  putU32LE(b, o + 4, h.prdbc >>> 0);
  putU32LE(b, o + 8, (h.ctba % 2 ** 32) >>> 0);
  putU32LE(b, o + 12, Math.floor(h.ctba / 2 ** 32) >>> 0);
  b.fill(0, o + 16, o + 32);
}

/** A Physical Region Descriptor (§4.2.3.3): 16 bytes in the command table. */
export interface Prd {
  /** Data base address, 64-bit; bit 0 is reserved (word aligned). */
  dba: number;
  /** Byte count (1..4 MiB); the register holds count - 1 and its bit 0 must be 1 (even count). */
  bytes: number;
  interrupt: boolean;
}

export function decodePrd(b: Uint8Array, out: Prd, o = 0): void {
  out.dba = getU32LE(b, o + 4) * 2 ** 32 + ((getU32LE(b, o) & 0xfffffffe) >>> 0);
  const dw3 = getU32LE(b, o + 12);
  out.bytes = (dw3 & 0x3fffff) + 1;
  out.interrupt = (dw3 & 0x80000000) !== 0;
}

export function encodePrd(p: Prd, b: Uint8Array, o = 0): void {
  putU32LE(b, o, (p.dba % 2 ** 32) >>> 0);
  putU32LE(b, o + 4, Math.floor(p.dba / 2 ** 32) >>> 0);
  putU32LE(b, o + 8, 0);
  putU32LE(b, o + 12, (((p.bytes - 1) & 0x3fffff) | (p.interrupt ? 0x80000000 : 0)) >>> 0);
}

/** Command table layout (§4.2.3). */
export const CmdTable = { CFIS: 0x00, ACMD: 0x40, PRDT: 0x80, PRD_SIZE: 16 } as const;
