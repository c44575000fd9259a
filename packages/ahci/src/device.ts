import type { StateReader, StateWriter } from "@armature/core";
import type { TaskFile } from "./fis.js";

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

/** Fill in a successful command with no data. */
export function ok(cmd: AtaCommand, protocol: AtaProtocol = "non-data"): void {
  cmd.protocol = protocol;
  cmd.status = 0x50;
  cmd.error = 0;
}

/** Start a command's result: the output task file echoes its LBA, count and device until set. */
export function echoTaskFile(cmd: AtaCommand): void {
  cmd.outLba = cmd.tf.lba;
  cmd.outCount = cmd.tf.count;
  cmd.outDevice = cmd.tf.device;
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

/** Only printable ASCII is allowed in identification strings. */
export function asciiField(s: string, max: number, what: string, fail: (m: string) => never): string {
  if (s.length > max || !/^[\x20-\x7e]*$/.test(s))
    fail(`${what} "${s}": use at most ${max} printable ASCII characters`);
  return s;
}
