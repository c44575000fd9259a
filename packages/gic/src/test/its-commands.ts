/**
 * Encoders of ITS commands (Arm IHI 0069, 5.3) as 32-byte little-endian blocks, for tests that
 * play the driver. RDbase fields carry processor numbers (GITS_TYPER.PTA == 0).
 */
function block(op: number): { b: Uint8Array; v: DataView } {
  const b = new Uint8Array(32);
  const v = new DataView(b.buffer);
  b[0] = op;
  return { b, v };
}

/** A command naming an event: DeviceID (bytes 4-7), EventID (8-11) and, when given, the ICID (16-17). */
function eventBlock(
  op: number,
  deviceId: number,
  eventId: number,
  icid?: number,
): { b: Uint8Array; v: DataView } {
  const { b, v } = block(op);
  v.setUint32(4, deviceId, true);
  v.setUint32(8, eventId, true);
  if (icid !== undefined) v.setUint32(16, icid & 0xffff, true);
  return { b, v };
}

function setU64(v: DataView, off: number, x: number): void {
  v.setUint32(off, x >>> 0, true);
  v.setUint32(off + 4, Math.floor(x / 2 ** 32) >>> 0, true);
}

export const itsCmd = {
  mapd(deviceId: number, ittAddr: number, eventIdBits: number, valid = true): Uint8Array {
    const { b, v } = block(0x08);
    v.setUint32(4, deviceId, true);
    v.setUint32(8, (eventIdBits - 1) & 0x1f, true);
    setU64(v, 16, ittAddr - (ittAddr % 256));
    if (valid) v.setUint32(20, v.getUint32(20, true) | 0x80000000, true);
    return b;
  },
  mapc(icid: number, processor: number, valid = true): Uint8Array {
    const { b, v } = block(0x09);
    v.setUint32(16, ((processor & 0xffff) << 16) | (icid & 0xffff), true);
    v.setUint32(20, valid ? 0x80000000 : 0, true);
    return b;
  },
  mapti(deviceId: number, eventId: number, pintid: number, icid: number): Uint8Array {
    const { b, v } = eventBlock(0x0a, deviceId, eventId, icid);
    v.setUint32(12, pintid, true);
    return b;
  },
  mapi(deviceId: number, eventId: number, icid: number): Uint8Array {
    return eventBlock(0x0b, deviceId, eventId, icid).b;
  },
  movi(deviceId: number, eventId: number, icid: number): Uint8Array {
    return eventBlock(0x01, deviceId, eventId, icid).b;
  },
  /** INT (0x03), CLEAR (0x04), INV (0x0C), DISCARD (0x0F): DeviceID + EventID. */
  devEvent(op: 0x03 | 0x04 | 0x0c | 0x0f, deviceId: number, eventId: number): Uint8Array {
    return eventBlock(op, deviceId, eventId).b;
  },
  invall(icid: number): Uint8Array {
    const { b, v } = block(0x0d);
    v.setUint32(16, icid & 0xffff, true);
    return b;
  },
  sync(processor: number): Uint8Array {
    const { b, v } = block(0x05);
    v.setUint32(16, (processor & 0xffff) << 16, true);
    return b;
  },
  movall(fromProcessor: number, toProcessor: number): Uint8Array {
    const { b, v } = block(0x0e);
    v.setUint32(16, (fromProcessor & 0xffff) << 16, true);
    v.setUint32(24, (toProcessor & 0xffff) << 16, true);
    return b;
  },
};
