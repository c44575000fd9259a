import { describe, expect, it } from "vitest";
import { MsixTable } from "./msix.js";
import { RecordingMsiSink } from "./test/index.js";

// PCI Local Bus 3.0 §6.8.2: Message Control is bytes 2-3 of the capability (bit 15 MSI-X Enable,
// bit 14 Function Mask); a table entry is Message Address (low, high), Message Data, Vector
// Control (bit 0 Mask); the PBA holds one bit a vector.
const CAP = 0x40;

describe("MsixTable", () => {
  it("takes Message Control from a dword, word or high-byte configuration write; other bytes are not its", () => {
    const t = new MsixTable(4);
    expect(t.writeCapabilityControl(CAP, CAP, 4, 0x8000_0011, undefined, 0)).toBe(true);
    expect(t.enabled).toBe(true);
    expect(t.control()).toBe(0x8003);
    expect(t.writeCapabilityControl(CAP, CAP + 2, 2, 0x4000, undefined, 0)).toBe(true);
    expect([t.enabled, t.functionMask]).toEqual([false, true]);
    expect(t.writeCapabilityControl(CAP, CAP + 3, 1, 0x80, undefined, 0)).toBe(true);
    expect([t.enabled, t.functionMask]).toEqual([true, false]);
    expect(t.writeCapabilityControl(CAP, CAP + 2, 1, 0xff, undefined, 0)).toBe(true);
    expect(t.control()).toBe(0x8003);
    expect(t.writeCapabilityControl(CAP, CAP + 4, 4, 0, undefined, 0)).toBe(false);
    expect(t.writeCapabilityControl(CAP, CAP + 1, 1, 0, undefined, 0)).toBe(false);
    expect(t.enabled).toBe(true);
  });

  it("holds a masked vector pending (PBA) and sends it when its entry is unmasked by a byte write", () => {
    const t = new MsixTable(9);
    const sink = new RecordingMsiSink();
    t.writeControl(0x8000, sink, 7);
    t.writeTable(8 * 16, 4, 0xfee0_1000, sink, 7);
    t.writeTable(8 * 16 + 4, 4, 0x1, sink, 7);
    t.writeTable(8 * 16 + 8, 2, 0x4321, sink, 7);
    expect(t.readTable(8 * 16 + 8, 4)).toBe(0x4321);
    expect(t.readTable(8 * 16 + 9, 1)).toBe(0x43);
    t.signal(8, sink, 7);
    expect(sink.messages).toEqual([]);
    expect(t.readPba(0, 4)).toBe(0x100);
    expect(t.readPba(1, 1)).toBe(1);
    t.writeTable(8 * 16 + 12, 1, 0, sink, 7);
    expect(sink.messages).toEqual([{ address: 0x1_fee0_1000, data: 0x4321, deviceId: 7 }]);
    expect(t.readPba(0, 4)).toBe(0);
  });
});
