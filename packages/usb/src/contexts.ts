/**
 * xHCI data structures software and controller share: the Slot Context (xHCI 1.2 §6.2.2), the
 * Endpoint Context (§6.2.3) and the Input Control Context (§6.2.5.1). Only the first 32 bytes
 * carry fields; 64-byte contexts (HCCPARAMS1.CSZ) pad with reserved space.
 */

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

const dw = (b: Uint8Array, i: number) =>
  (b[i * 4]! | (b[i * 4 + 1]! << 8) | (b[i * 4 + 2]! << 16) | (b[i * 4 + 3]! << 24)) >>> 0;
function setDw(b: Uint8Array, i: number, v: number): void {
  for (let k = 0; k < 4; k++) b[i * 4 + k] = (v >>> (8 * k)) & 0xff;
}

export function decodeSlotContext(b: Uint8Array): SlotContext {
  const d0 = dw(b, 0);
  const d1 = dw(b, 1);
  const d2 = dw(b, 2);
  const d3 = dw(b, 3);
  return {
    routeString: d0 & 0xfffff,
    speed: (d0 >>> 20) & 0xf,
    mtt: ((d0 >>> 25) & 1) === 1,
    hub: ((d0 >>> 26) & 1) === 1,
    contextEntries: d0 >>> 27,
    maxExitLatency: d1 & 0xffff,
    rootHubPort: (d1 >>> 16) & 0xff,
    numberOfPorts: d1 >>> 24,
    ttHubSlot: d2 & 0xff,
    ttPort: (d2 >>> 8) & 0xff,
    ttThinkTime: (d2 >>> 16) & 3,
    interrupterTarget: d2 >>> 22,
    deviceAddress: d3 & 0xff,
    slotState: d3 >>> 27,
  };
}

export function encodeSlotContext(s: SlotContext, b = new Uint8Array(32)): Uint8Array {
  setDw(
    b,
    0,
    (s.routeString & 0xfffff) |
      ((s.speed & 0xf) << 20) |
      (s.mtt ? 1 << 25 : 0) |
      (s.hub ? 1 << 26 : 0) |
      ((s.contextEntries & 0x1f) << 27),
  );
  setDw(
    b,
    1,
    (s.maxExitLatency & 0xffff) | ((s.rootHubPort & 0xff) << 16) | ((s.numberOfPorts & 0xff) << 24),
  );
  setDw(
    b,
    2,
    (s.ttHubSlot & 0xff) |
      ((s.ttPort & 0xff) << 8) |
      ((s.ttThinkTime & 3) << 16) |
      ((s.interrupterTarget & 0x3ff) << 22),
  );
  setDw(b, 3, (s.deviceAddress & 0xff) | ((s.slotState & 0x1f) << 27));
  for (let i = 4; i < 8; i++) setDw(b, i, 0);
  return b;
}

export function decodeEndpointContext(b: Uint8Array): EndpointContext {
  const d0 = dw(b, 0);
  const d1 = dw(b, 1);
  const d2 = dw(b, 2);
  const d3 = dw(b, 3);
  const d4 = dw(b, 4);
  return {
    epState: d0 & 7,
    mult: (d0 >>> 8) & 3,
    maxPStreams: (d0 >>> 10) & 0x1f,
    lsa: ((d0 >>> 15) & 1) === 1,
    interval: (d0 >>> 16) & 0xff,
    maxEsitPayloadHi: d0 >>> 24,
    cErr: (d1 >>> 1) & 3,
    epType: (d1 >>> 3) & 7,
    hid: ((d1 >>> 7) & 1) === 1,
    maxBurst: (d1 >>> 8) & 0xff,
    maxPacketSize: d1 >>> 16,
    dcs: d2 & 1,
    dequeue: d3 * 2 ** 32 + ((d2 & ~0xf) >>> 0),
    averageTrbLength: d4 & 0xffff,
    maxEsitPayloadLo: d4 >>> 16,
  };
}

export function encodeEndpointContext(e: EndpointContext, b = new Uint8Array(32)): Uint8Array {
  setDw(
    b,
    0,
    (e.epState & 7) |
      ((e.mult & 3) << 8) |
      ((e.maxPStreams & 0x1f) << 10) |
      (e.lsa ? 1 << 15 : 0) |
      ((e.interval & 0xff) << 16) |
      ((e.maxEsitPayloadHi & 0xff) << 24),
  );
  setDw(
    b,
    1,
    ((e.cErr & 3) << 1) |
      ((e.epType & 7) << 3) |
      (e.hid ? 1 << 7 : 0) |
      ((e.maxBurst & 0xff) << 8) |
      ((e.maxPacketSize & 0xffff) << 16),
  );
  setDw(b, 2, ((e.dequeue % 2 ** 32) & ~0xf) | (e.dcs & 1));
  setDw(b, 3, Math.floor(e.dequeue / 2 ** 32));
  setDw(b, 4, (e.averageTrbLength & 0xffff) | ((e.maxEsitPayloadLo & 0xffff) << 16));
  for (let i = 5; i < 8; i++) setDw(b, i, 0);
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
  const d7 = dw(b, 7);
  return {
    drop: dw(b, 0),
    add: dw(b, 1),
    configurationValue: d7 & 0xff,
    interfaceNumber: (d7 >>> 8) & 0xff,
    alternateSetting: (d7 >>> 16) & 0xff,
  };
}

export function encodeInputControlContext(c: InputControlContext, b = new Uint8Array(32)): Uint8Array {
  setDw(b, 0, c.drop);
  for (let i = 2; i < 7; i++) setDw(b, i, 0);
  setDw(b, 1, c.add);
  setDw(
    b,
    7,
    (c.configurationValue & 0xff) | ((c.interfaceNumber & 0xff) << 8) | ((c.alternateSetting & 0xff) << 16),
  );
  return b;
}
