import { putU32LE } from "@armature/core";
/**
 * Transfer Request Blocks (xHCI 1.2 §6.4): 16 bytes = 64-bit parameter, 32-bit status, 32-bit
 * control. Control holds the cycle bit (0) and the TRB type (15:10); the rest depends on the type.
 */

/** TRB types (xHCI 1.2 Table 6-91). */
export const TrbType = {
  NORMAL: 1,
  SETUP_STAGE: 2,
  DATA_STAGE: 3,
  STATUS_STAGE: 4,
  ISOCH: 5,
  LINK: 6,
  EVENT_DATA: 7,
  NO_OP: 8,
  ENABLE_SLOT: 9,
  DISABLE_SLOT: 10,
  ADDRESS_DEVICE: 11,
  CONFIGURE_ENDPOINT: 12,
  EVALUATE_CONTEXT: 13,
  RESET_ENDPOINT: 14,
  STOP_ENDPOINT: 15,
  SET_TR_DEQUEUE: 16,
  RESET_DEVICE: 17,
  FORCE_EVENT: 18,
  NEGOTIATE_BANDWIDTH: 19,
  SET_LATENCY_TOLERANCE: 20,
  GET_PORT_BANDWIDTH: 21,
  FORCE_HEADER: 22,
  NO_OP_COMMAND: 23,
  GET_EXTENDED_PROPERTY: 24,
  SET_EXTENDED_PROPERTY: 25,
  TRANSFER_EVENT: 32,
  COMMAND_COMPLETION: 33,
  PORT_STATUS_CHANGE: 34,
  BANDWIDTH_REQUEST: 35,
  DOORBELL: 36,
  HOST_CONTROLLER: 37,
  DEVICE_NOTIFICATION: 38,
  MFINDEX_WRAP: 39,
} as const;

/** Completion codes (xHCI 1.2 Table 6-90). */
export const CompletionCode = {
  INVALID: 0,
  SUCCESS: 1,
  DATA_BUFFER: 2,
  BABBLE: 3,
  USB_TRANSACTION: 4,
  TRB: 5,
  STALL: 6,
  RESOURCE: 7,
  BANDWIDTH: 8,
  NO_SLOTS: 9,
  INVALID_STREAM_TYPE: 10,
  SLOT_NOT_ENABLED: 11,
  EP_NOT_ENABLED: 12,
  SHORT_PACKET: 13,
  RING_UNDERRUN: 14,
  RING_OVERRUN: 15,
  VF_EVENT_RING_FULL: 16,
  PARAMETER: 17,
  BANDWIDTH_OVERRUN: 18,
  CONTEXT_STATE: 19,
  NO_PING_RESPONSE: 20,
  EVENT_RING_FULL: 21,
  INCOMPATIBLE_DEVICE: 22,
  MISSED_SERVICE: 23,
  COMMAND_RING_STOPPED: 24,
  COMMAND_ABORTED: 25,
  STOPPED: 26,
  STOPPED_LENGTH_INVALID: 27,
  STOPPED_SHORT_PACKET: 28,
  MAX_EXIT_LATENCY_TOO_LARGE: 29,
  ISOCH_BUFFER_OVERRUN: 31,
  EVENT_LOST: 32,
  UNDEFINED: 33,
  INVALID_STREAM_ID: 34,
  SECONDARY_BANDWIDTH: 35,
  SPLIT_TRANSACTION: 36,
} as const;

/** Control-word flag bits shared by transfer TRBs (xHCI 1.2 §6.4.1). */
export const TrbFlag = {
  CYCLE: 1 << 0,
  /** Link TRB: Toggle Cycle. */
  TC: 1 << 1,
  /** Evaluate Next TRB (transfer) — also Link TRB's bit 1 is TC. */
  ENT: 1 << 1,
  ISP: 1 << 2,
  NS: 1 << 3,
  CH: 1 << 4,
  IOC: 1 << 5,
  IDT: 1 << 6,
  BEI: 1 << 9,
  /** Data/Status Stage: direction IN. */
  DIR_IN: 1 << 16,
  /** Event TRBs: the parameter is an Event Data TRB's data. */
  ED: 1 << 2,
} as const;

/** One TRB as four 32-bit fields (the 64-bit parameter as its low and high words). */
export interface Trb {
  parameterLo: number;
  parameterHi: number;
  status: number;
  control: number;
}

/** The parameter as a JS number: exact below 2^53, which every usable address is. */
export function trbParameter(t: Trb): number {
  return t.parameterHi * 2 ** 32 + t.parameterLo;
}

/** A TRB from a 64-bit parameter held as a number (< 2^53). */
export function trb(parameter: number, status: number, control: number): Trb {
  return {
    parameterLo: (parameter % 2 ** 32) >>> 0,
    parameterHi: Math.floor(parameter / 2 ** 32) >>> 0,
    status: status >>> 0,
    control: control >>> 0,
  };
}

export function trbType(control: number): number {
  return (control >>> 10) & 0x3f;
}

/** Reads a TRB from 16 bytes at `off` of `b` into `out` (no allocation). */
export function decodeTrb(b: Uint8Array, off: number, out: Trb): Trb {
  const lo = (b[off]! | (b[off + 1]! << 8) | (b[off + 2]! << 16) | (b[off + 3]! << 24)) >>> 0;
  const hi = (b[off + 4]! | (b[off + 5]! << 8) | (b[off + 6]! << 16) | (b[off + 7]! << 24)) >>> 0;
  out.parameterLo = lo;
  out.parameterHi = hi;
  out.status = (b[off + 8]! | (b[off + 9]! << 8) | (b[off + 10]! << 16) | (b[off + 11]! << 24)) >>> 0;
  out.control = (b[off + 12]! | (b[off + 13]! << 8) | (b[off + 14]! << 16) | (b[off + 15]! << 24)) >>> 0;
  return out;
}

/** Writes `t` as 16 little-endian bytes at `off` of `b`. */
export function encodeTrb(t: Trb, b: Uint8Array, off = 0): Uint8Array {
  putU32LE(b, off, t.parameterLo);
  putU32LE(b, off + 4, t.parameterHi);
  putU32LE(b, off + 8, t.status);
  putU32LE(b, off + 12, t.control);
  return b;
}

/** Transfer Event (§6.4.2.1): TRB pointer (or Event Data), residual length, code, slot, endpoint. */
export function transferEvent(
  trbPointer: number,
  residual: number,
  code: number,
  slot: number,
  dci: number,
  eventData: boolean,
): Trb {
  return trb(
    trbPointer,
    (code << 24) | (residual & 0xffffff),
    (slot << 24) | (dci << 16) | (TrbType.TRANSFER_EVENT << 10) | (eventData ? TrbFlag.ED : 0),
  );
}

/** Command Completion Event (§6.4.2.2). */
export function commandCompletionEvent(commandPointer: number, code: number, slot: number, param = 0): Trb {
  return trb(
    commandPointer,
    (code << 24) | (param & 0xffffff),
    (slot << 24) | (TrbType.COMMAND_COMPLETION << 10),
  );
}

/** Port Status Change Event (§6.4.2.3): Port ID in parameter bits 31:24. */
export function portStatusChangeEvent(port: number): Trb {
  return trb((port & 0xff) * 2 ** 24, CompletionCode.SUCCESS << 24, TrbType.PORT_STATUS_CHANGE << 10);
}

/** Host Controller Event (§6.4.2.6). */
export function hostControllerEvent(code: number): Trb {
  return trb(0, code << 24, TrbType.HOST_CONTROLLER << 10);
}
