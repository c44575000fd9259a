/**
 * xHCI data structures software and controller share: the Slot Context (xHCI 1.2 §6.2.2), the
 * Endpoint Context (§6.2.3) and the Input Control Context (§6.2.5.1). Only the first 32 bytes
 * carry fields; 64-byte contexts (HCCPARAMS1.CSZ) pad with reserved space.
 */
import { getU32LE, putU32LE } from "@armature/core";

export interface SlotContext {
  routeString: number;
  speed: number;
  mtt: boolean;
  hub: boolean;
  contextEntries: number;
  maxExitLatency: number;
  rootHubPort: number;
  numberOfPorts: number;
  ttHubSlot: number;
  ttPort: number;
  ttThinkTime: number;
  interrupterTarget: number;
  deviceAddress: number;
  slotState: number;
}

export interface EndpointContext {
  epState: number;
  mult: number;
  maxPStreams: number;
  lsa: boolean;
  interval: number;
  maxEsitPayloadHi: number;
  cErr: number;
  epType: number;
  hid: boolean;
  maxBurst: number;
  maxPacketSize: number;
  dcs: number;
  /** TR Dequeue Pointer (16-byte aligned, < 2^53 here). */
  dequeue: number;
  averageTrbLength: number;
  maxEsitPayloadLo: number;
}

/**
 * A context's fields, one row per dword as the spec's figure draws it: [field, width] from bit 0
 * up, "flag" for a one-bit boolean, null for reserved bits. Encoding and decoding both walk it.
 */
type Layout<T> = readonly (readonly (readonly [keyof T, number | "flag"] | readonly [null, number])[])[];

/** Figure 6-2 (Slot Context). */
// biome-ignore format: one row per dword, as the figure draws it
const SLOT_LAYOUT: Layout<SlotContext> = [
  [["routeString", 20], ["speed", 4], [null, 1], ["mtt", "flag"], ["hub", "flag"], ["contextEntries", 5]],
  [["maxExitLatency", 16], ["rootHubPort", 8], ["numberOfPorts", 8]],
  [["ttHubSlot", 8], ["ttPort", 8], ["ttThinkTime", 2], [null, 4], ["interrupterTarget", 10]],
  [["deviceAddress", 8], [null, 19], ["slotState", 5]],
];

/** Figure 6-3 (Endpoint Context), but for the TR Dequeue Pointer in dwords 2 (bits 31:4) and 3. */
// biome-ignore format: one row per dword, as the figure draws it
const ENDPOINT_LAYOUT: Layout<EndpointContext> = [
  [["epState", 3], [null, 5], ["mult", 2], ["maxPStreams", 5], ["lsa", "flag"], ["interval", 8],
    ["maxEsitPayloadHi", 8]],
  [[null, 1], ["cErr", 2], ["epType", 3], [null, 1], ["hid", "flag"], ["maxBurst", 8], ["maxPacketSize", 16]],
  [["dcs", 1], [null, 31]],
  [[null, 32]],
  [["averageTrbLength", 16], ["maxEsitPayloadLo", 16]],
];

/** Figure 6-6 (Input Control Context): the Drop and Add flags as whole dwords. */
// biome-ignore format: one row per dword, as the figure draws it
const INPUT_CONTROL_LAYOUT: Layout<InputControlContext> = [
  [["drop", 32]],
  [["add", 32]],
  [[null, 32]], [[null, 32]], [[null, 32]], [[null, 32]], [[null, 32]],
  [["configurationValue", 8], ["interfaceNumber", 8], ["alternateSetting", 8], [null, 8]],
];

function decodeLayout<T>(b: Uint8Array, layout: Layout<T>): T {
  const out: Record<string, number | boolean> = {};
  layout.forEach((row, d) => {
    let v = getU32LE(b, 4 * d);
    for (const [name, w] of row) {
      const bits = w === "flag" ? 1 : w;
      const field = bits === 32 ? v : v % 2 ** bits;
      if (name !== null) out[name as string] = w === "flag" ? field === 1 : field;
      v = Math.floor(v / 2 ** bits);
    }
  });
  return out as T;
}

/** The 32-byte context (reserved bits and dwords past the layout zero). */
function encodeLayout<T>(c: T, layout: Layout<T>, b: Uint8Array): Uint8Array {
  b.fill(0, 0, 32);
  layout.forEach((row, d) => {
    let v = 0;
    let at = 0;
    for (const [name, w] of row) {
      const bits = w === "flag" ? 1 : w;
      const x = name === null ? 0 : (c[name] as number | boolean);
      v += (typeof x === "boolean" ? Number(x) : x % 2 ** bits) * 2 ** at;
      at += bits;
    }
    putU32LE(b, 4 * d, v);
  });
  return b;
}

export function decodeSlotContext(b: Uint8Array): SlotContext {
  return decodeLayout(b, SLOT_LAYOUT);
}

export function encodeSlotContext(s: SlotContext, b = new Uint8Array(32)): Uint8Array {
  return encodeLayout(s, SLOT_LAYOUT, b);
}

export function decodeEndpointContext(b: Uint8Array): EndpointContext {
  const e = decodeLayout(b, ENDPOINT_LAYOUT);
  e.dequeue = getU32LE(b, 12) * 2 ** 32 + ((getU32LE(b, 8) & ~0xf) >>> 0);
  return e;
}

export function encodeEndpointContext(e: EndpointContext, b = new Uint8Array(32)): Uint8Array {
  encodeLayout(e, ENDPOINT_LAYOUT, b);
  putU32LE(b, 8, (((e.dequeue % 2 ** 32) & ~0xf) | (e.dcs & 1)) >>> 0);
  putU32LE(b, 12, Math.floor(e.dequeue / 2 ** 32));
  return b;
}

/** Input Control Context: Drop (D2..D31) and Add (A0..A31) flags, configuration selectors. */
export interface InputControlContext {
  drop: number;
  add: number;
  configurationValue: number;
  interfaceNumber: number;
  alternateSetting: number;
}

export function decodeInputControlContext(b: Uint8Array): InputControlContext {
  return decodeLayout(b, INPUT_CONTROL_LAYOUT);
}

export function encodeInputControlContext(c: InputControlContext, b = new Uint8Array(32)): Uint8Array {
  return encodeLayout(c, INPUT_CONTROL_LAYOUT, b);
}
