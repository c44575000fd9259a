/**
 * The target of message-signalled interrupts: a 32-bit write of `data` to `address`, tagged with
 * the requester's device id (PCI requester id, or the stream/device id an ITS or SMMU uses).
 * Returns false when nothing accepted the write (the device may record an error).
 */
export interface MsiSink {
  sendMsi(address: number, data: number, deviceId: number): boolean;
}

/** An MsiSink that drops everything and says so. */
export const nullMsiSink: MsiSink = Object.freeze({
  sendMsi(_address: number, _data: number, _deviceId: number) {
    return false;
  },
});
