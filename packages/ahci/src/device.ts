import { ConfigError, RateLimitedLog, type StateReader, type StateWriter } from "@armature/core";
import type { TaskFile } from "./fis.js";
import { AtaError } from "./regs.js";

/**
 * How the device moves data for a command, which decides the FISes the HBA posts:
 * PIO data-in ends with a PIO Setup FIS whose E_Status is the final status (Linux reads it
 * there, libahci `ahci_qc_fill_rtf`); the others end with a D2H Register FIS; NCQ ends with a
 * Set Device Bits FIS.
 */
export type AtaProtocol = "non-data" | "pio-in" | "pio-out" | "dma" | "packet" | "ncq";

/** One command as a device sees it. The HBA owns the object and reuses it (no allocation per command). */
export interface AtaCommand {
  /** The H2D Register FIS fields. */
  readonly tf: TaskFile;
  /** ATAPI command packet (ACMD, 16 bytes); meaningful when the header's A bit is set. */
  readonly packet: Uint8Array;
  /** Total bytes the PRDT describes. */
  readonly prdBytes: number;
  /** Copy `src` into the PRD regions at byte `offset` of the transfer; false on a DMA error or PRDT overflow. */
  dataIn(offset: number, src: Uint8Array): boolean;
  /** Fill `dst` from the PRD regions at byte `offset` of the transfer; false on a DMA error or PRDT underrun. */
  dataOut(offset: number, dst: Uint8Array): boolean;
  /** Output: how the data moved (set by the device). */
  protocol: AtaProtocol;
  /** Output: final ATA Status and Error registers. */
  status: number;
  error: number;
  /** Output: the task file registers in the final FIS (LBA, count, device; for signatures). */
  outLba: number;
  outCount: number;
  outDevice: number;
  /** Output: bytes transferred (PRDBC). */
  transferred: number;
  /** Output: a data transfer failed in the HBA (DMA error / PRDT too short): the HBA reports it. */
  hostError: "none" | "dma" | "overflow";
}

/** A device behind an AHCI port: an ATA disk or an ATAPI drive. */
export interface AhciDevice {
  readonly kind: "ata" | "atapi";
  /** PxSIG value after a reset (§3.3.9). */
  readonly signature: number;
  /** Status register value the reset signature FIS carries. */
  readonly resetStatus: number;
  /** COMRESET, software reset or DEVICE RESET. */
  reset(): void;
  /** Execute one command; fill in the command's outputs. Never throws for guest input. */
  execute(cmd: AtaCommand): void;
  /** The device's own snapshot state (its saved layout version is the HBA's). */
  saveState?(w: StateWriter): void;
  /** Parse what `saveState` wrote; apply nothing until the returned commit runs. */
  loadState?(r: StateReader): () => void;
}

/**
 * What the SATA disk and the ATAPI drive share: option checks, the IDENTIFY words, a data buffer
 * reused across commands, the command count and result prologue, sending device-built data, and the
 * signature in the output registers.
 */
export abstract class AtaDeviceBase implements AhciDevice {
  abstract readonly kind: "ata" | "atapi";
  abstract readonly signature: number;
  abstract readonly resetStatus: number;
  /** Commands executed (for tests and stats). */
  commands = 0;
  protected readonly id = new Uint16Array(256);
  protected readonly log: RateLimitedLog;
  private buf = new Uint8Array(64 * 1024);

  /** `what` names the device in configuration errors; `logName` its rate-limited warnings. */
  constructor(
    private readonly what: string,
    logName: string,
  ) {
    this.log = new RateLimitedLog(logName);
  }

  abstract reset(): void;

  /** Execute one command: count it, echo the task file into the outputs, then `run` it. */
  execute(cmd: AtaCommand): void {
    this.commands++;
    cmd.outLba = cmd.tf.lba;
    cmd.outCount = cmd.tf.count;
    cmd.outDevice = cmd.tf.device;
    this.run(cmd);
  }

  /** The device's command set: fill in the command's outputs. Never throws for guest input. */
  protected abstract run(cmd: AtaCommand): void;

  /** A configuration error naming the device. */
  protected fail(message: string): never {
    throw new ConfigError(`${this.what}: ${message}`);
  }

  /** An identification string option: only printable ASCII, at most `max` characters. */
  protected idString(s: string, max: number, field: string): string {
    if (s.length > max || !/^[\x20-\x7e]*$/.test(s))
      this.fail(`${field} "${s}": use at most ${max} printable ASCII characters`);
    return s;
  }

  /** The 256 IDENTIFY (PACKET) DEVICE words as currently reported. */
  identifyWords(): Uint16Array {
    return this.id;
  }

  /** `n` bytes of the reused buffer, contents left over from earlier commands. */
  protected scratch(n: number): Uint8Array {
    if (this.buf.length < n) this.buf = new Uint8Array(Math.max(n, this.buf.length * 2));
    return this.buf.subarray(0, n);
  }

  /** `n` zeroed bytes of the reused buffer. */
  protected zeroed(n: number): Uint8Array {
    return this.scratch(n).fill(0);
  }

  /** Data-in of a buffer the device built (IDENTIFY, logs); ABRT when the transfer fails. */
  protected sendIn(cmd: AtaCommand, data: Uint8Array, protocol: "pio-in" | "dma"): void {
    if (!cmd.dataIn(0, data)) {
      abort(cmd, AtaError.ABRT, protocol);
      return;
    }
    cmd.transferred = data.length;
    ok(cmd, protocol);
  }

  /** IDENTIFY (PACKET) DEVICE: the 512 bytes of the IDENTIFY words, PIO data-in. */
  protected sendIdentify(cmd: AtaCommand): void {
    const out = this.scratch(512);
    identifyBytes(this.id, out);
    this.sendIn(cmd, out, "pio-in");
  }

  /**
   * The device's signature in the output count and LBA registers (ATA: count 01h, LBA 000001h;
   * ATAPI: count 01h, LBA EB1401h), as after a reset or an aborted command of the other device type.
   */
  protected signatureRegs(cmd: AtaCommand): void {
    cmd.outCount = this.signature & 0xff;
    cmd.outLba = (this.signature >>> 8) & 0xffffff;
    cmd.outDevice = 0;
  }
}

/** Fill in a successful command with no data. */
export function ok(cmd: AtaCommand, protocol: AtaProtocol = "non-data"): void {
  cmd.protocol = protocol;
  cmd.status = 0x50;
  cmd.error = 0;
}

/** Fail a command with ERR and the given Error register (ABRT by default). */
export function abort(cmd: AtaCommand, error = 0x04, protocol: AtaProtocol = "non-data"): void {
  cmd.protocol = protocol;
  cmd.status = 0x51;
  cmd.error = error;
}

/** Put an ASCII string into IDENTIFY words, two characters per word, first character in the high byte. */
export function putIdString(words: Uint16Array, first: number, count: number, s: string): void {
  const padded = s.padEnd(count * 2, " ").slice(0, count * 2);
  for (let i = 0; i < count; i++) {
    words[first + i] = (padded.charCodeAt(2 * i) << 8) | padded.charCodeAt(2 * i + 1);
  }
}

/** Set word 255 (integrity word: signature 0xA5 and a checksum making the 512 bytes sum to 0). */
export function sealIdentify(words: Uint16Array): void {
  words[255] = 0x00a5;
  let sum = 0;
  for (let i = 0; i < 255; i++) sum += (words[i]! & 0xff) + (words[i]! >> 8);
  sum += 0xa5;
  words[255] = 0x00a5 | (((256 - (sum & 0xff)) & 0xff) << 8);
}

/** IDENTIFY data as the 512 little-endian bytes the host receives. */
export function identifyBytes(words: Uint16Array, out: Uint8Array): void {
  for (let i = 0; i < 256; i++) {
    out[2 * i] = words[i]! & 0xff;
    out[2 * i + 1] = words[i]! >> 8;
  }
}
