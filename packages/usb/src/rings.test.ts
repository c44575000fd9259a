import { VirtualClock } from "@armature/core";
import { describe, expect, it } from "vitest";
import type { UsbSpeed } from "./descriptors.js";
import { type SetupPacket, USB_NAK, USB_STALL, type UsbDevice, type UsbDeviceHost } from "./device.js";
import { UsbKeyboard } from "./hid.js";
import { XhciTestDriver } from "./test/driver.js";
import { CompletionCode, TrbFlag, TrbType, trb } from "./trb.js";
import { XHCI_OP, XHCI_RUNTIME, XhciEpType } from "./xhci.js";

/** A device written against the public contract only: an isochronous IN and a bulk OUT endpoint. */
class LoopbackDevice implements UsbDevice {
  readonly name = "loopback";
  readonly maxSpeed: UsbSpeed = "super";
  received: Uint8Array[] = [];
  isoFill = 0x5a;
  host: UsbDeviceHost | undefined;
  attach(_speed: UsbSpeed, host: UsbDeviceHost): void {
    this.host = host;
  }
  detach(): void {}
  reset(): void {}
  control(setup: SetupPacket, _data: Uint8Array): number {
    return setup.bRequest === 5 || setup.bRequest === 9 ? 0 : USB_STALL;
  }
  transfer(endpoint: number, data: Uint8Array): number {
    if (endpoint === 0x81) {
      data.fill(this.isoFill, 0, Math.min(data.length, 100));
      return Math.min(data.length, 100);
    }
    if (endpoint === 0x02) {
      this.received.push(data.slice());
      return data.length;
    }
    return USB_NAK;
  }
}

function addressed(drv: XhciTestDriver, port: number): number {
  drv.resetPort(port);
  const slot = drv.enableSlot();
  expect(drv.addressDevice(slot, port, 4, false, 512)).toBe(1);
  return slot;
}

describe("transfer rings", () => {
  it("a device written against the contract: Isoch TRBs on an isochronous IN ring, IDT and chained Normal TRBs on bulk OUT", () => {
    const drv = new XhciTestDriver();
    const dev = new LoopbackDevice();
    drv.xhci.attach(dev, { port: 1, usb3: true });
    drv.start();
    const slot = addressed(drv, 5);
    expect(
      drv.configureEndpoints(slot, [
        { dci: 3, type: XhciEpType.ISOCH_IN, maxPacket: 1024, interval: 3 },
        { dci: 4, type: XhciEpType.BULK_OUT, maxPacket: 1024 },
      ]),
    ).toBe(1);
    const ring = drv.rings.get(`${slot}:3`)!;
    const buf = drv.alloc(256);
    const at = ring.push(trb(buf, 256, (TrbType.ISOCH << 10) | TrbFlag.IOC | TrbFlag.ISP | (1 << 31)));
    drv.w32(0x3000 + 4 * slot, 3);
    const ev = drv.transferEvents(slot, 3);
    expect(ev.map((e) => [e.code, e.pointer, e.length])).toEqual([[CompletionCode.SHORT_PACKET, at, 156]]);
    expect(drv.bytes(buf, 101)[99]).toBe(0x5a);
    expect(drv.bytes(buf, 101)[100]).toBe(0);
    // Bulk OUT: 8 immediate bytes chained to a Normal TRB from memory, then an Event Data TRB.
    const out = drv.rings.get(`${slot}:4`)!;
    const mem = drv.alloc(16);
    drv.dma.write(mem, Uint8Array.from([9, 10, 11]));
    out.push({
      parameterLo: 0x04030201,
      parameterHi: 0x08070605,
      status: 8,
      control: (TrbType.NORMAL << 10) | TrbFlag.IDT | TrbFlag.CH,
    });
    out.push(trb(mem, 3, (TrbType.NORMAL << 10) | TrbFlag.CH));
    out.push(trb(0xfeed_beef_0000, 0, (TrbType.EVENT_DATA << 10) | TrbFlag.IOC));
    drv.w32(0x3000 + 4 * slot, 4);
    expect(dev.received.map((r) => [...r])).toEqual([[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]]);
    const ed = drv.transferEvents(slot, 4);
    // Event Data: ED = 1, the parameter is the TRB's data, the length is EDTLA (§4.11.5.2).
    expect(ed.map((e) => [e.code, e.ed, e.pointer, e.length])).toEqual([[1, true, 0xfeed_beef_0000, 11]]);
  });

  it("TRBs that do not belong (a Setup Stage on a bulk ring, IDT on IN) end in TRB Error and a halted endpoint", () => {
    const drv = new XhciTestDriver();
    drv.xhci.attach(new LoopbackDevice(), { port: 1, usb3: true });
    drv.start();
    const slot = addressed(drv, 5);
    drv.configureEndpoints(slot, [{ dci: 4, type: XhciEpType.BULK_OUT, maxPacket: 1024 }]);
    const at = drv.rings.get(`${slot}:4`)!.push(trb(0, 8, (TrbType.SETUP_STAGE << 10) | TrbFlag.IDT));
    drv.w32(0x3000 + 4 * slot, 4);
    expect(drv.transferEvents(slot, 4).map((e) => [e.code, e.pointer])).toEqual([[CompletionCode.TRB, at]]);
    expect(drv.u32(drv.outputCtx(slot) + drv.ctxSize * 4) & 7).toBe(2);
    // A Configure Endpoint with an endpoint type that does not fit its DCI is a Parameter Error.
    expect(drv.configureEndpoints(slot, [{ dci: 6, type: XhciEpType.BULK_IN, maxPacket: 512 }])).toBe(
      CompletionCode.PARAMETER,
    );
  });

  it("a transfer ring pointing at unmapped memory is a Host System Error, not an exception", () => {
    const drv = new XhciTestDriver();
    drv.xhci.attach(new UsbKeyboard(), { port: 1, usb3: true });
    drv.start();
    const slot = addressed(drv, 5);
    // Point EP0's dequeue into nowhere with Set TR Dequeue after stopping it.
    expect(drv.command(trb(0, 0, (TrbType.STOP_ENDPOINT << 10) | (slot << 24) | (1 << 16))).code).toBe(1);
    expect(
      drv.command(trb(0x7_0000_0000 + 1, 0, (TrbType.SET_TR_DEQUEUE << 10) | (slot << 24) | (1 << 16))).code,
    ).toBe(1);
    drv.w32(0x3000 + 4 * slot, 1);
    expect(drv.r32(XHCI_OP + 4) & 0x5).toBe(0x5); // HSE | HCHalted
    expect(drv.xhci.stats.hostSystemErrors).toBe(1);
  });
});

describe("event rings and interrupters", () => {
  it("a two-segment event ring wraps with the cycle bit toggled; a full ring gets an Event Ring Full event", () => {
    const drv = new XhciTestDriver();
    drv.start();
    // Replace the event ring with two 16-TRB segments.
    const s0 = drv.alloc(16 * 16);
    const s1 = drv.alloc(16 * 16);
    const erst = drv.alloc(32);
    drv.setU32(erst, s0);
    drv.setU32(erst + 8, 16);
    drv.setU32(erst + 16, s1);
    drv.setU32(erst + 24, 16);
    const ir0 = XHCI_RUNTIME + 0x20;
    drv.w32(ir0 + 8, 2);
    drv.w64(ir0 + 0x18, s0);
    drv.w64(ir0 + 0x10, erst);
    // 40 No-Ops for a 32-slot ring nobody consumes: 31 completions, then the slot whose successor
    // is the dequeue pointer takes an Event Ring Full event, and the rest are lost.
    for (let i = 0; i < 40; i++) {
      drv.cmd.push(trb(0, 0, TrbType.NO_OP_COMMAND << 10));
      drv.w32(0x3000, 0);
    }
    const read = (a: number) => drv.readTrb(a);
    expect(read(s0).control & 1).toBe(1);
    expect((read(s1 + 14 * 16).control >>> 10) & 0x3f).toBe(TrbType.COMMAND_COMPLETION);
    const last = read(s1 + 15 * 16);
    expect([last.control & 1, (last.control >>> 10) & 0x3f, last.status >>> 24]).toEqual([
      1,
      TrbType.HOST_CONTROLLER,
      CompletionCode.EVENT_RING_FULL,
    ]);
    expect(drv.xhci.stats.eventsLost).toBe(40 - 31);
    // Software consumes all 32: the next event wraps to segment 0 with the cycle bit toggled to 0.
    drv.w64(ir0 + 0x18, s0 | 8);
    drv.cmd.push(trb(0, 0, TrbType.NO_OP_COMMAND << 10));
    drv.w32(0x3000, 0);
    expect(read(s0).control & 1).toBe(0);
    expect((read(s0).control >>> 10) & 0x3f).toBe(TrbType.COMMAND_COMPLETION);
    expect(read(s0 + 16).control & 1, "not yet written").toBe(1);
  });

  it("IMOD holds a second interrupt for IMODI × 250 ns; EHB blocks until software writes ERDP", () => {
    const clock = new VirtualClock();
    const drv = new XhciTestDriver({ clock });
    drv.start();
    const ir0 = XHCI_RUNTIME + 0x20;
    drv.w32(ir0 + 4, 4000); // 1 ms
    const noop = () => {
      drv.cmd.push(trb(0, 0, TrbType.NO_OP_COMMAND << 10));
      drv.w32(0x3000, 0);
    };
    noop();
    expect(drv.irqLevel).toBe(true);
    expect(drv.r32(ir0 + 0x18) & 8, "EHB").toBe(8);
    drv.w32(ir0, 3); // clear IP
    expect(drv.irqLevel).toBe(false);
    noop();
    expect(drv.irqLevel, "EHB still set: no interrupt").toBe(false);
    drv.poll(); // consume and write ERDP | EHB
    expect(drv.irqLevel, "inside the moderation interval").toBe(false);
    noop();
    clock.advanceTo(999_000);
    clock.runDue();
    expect(drv.irqLevel).toBe(false);
    clock.advanceTo(1_000_000);
    clock.runDue();
    expect(drv.irqLevel, "moderation expired with events pending").toBe(true);
  });

  it("Command Abort stops the command ring: CRR clears and a Command Ring Stopped event names the next command", () => {
    const drv = new XhciTestDriver();
    drv.start();
    drv.command(trb(0, 0, TrbType.NO_OP_COMMAND << 10));
    expect(drv.r32(XHCI_OP + 0x18) & 8, "CRR").toBe(8);
    const next = drv.cmd.base + drv.cmd.enqueue * 16;
    drv.w32(XHCI_OP + 0x18, 4); // CA
    expect(drv.r32(XHCI_OP + 0x18) & 8).toBe(0);
    const e = drv.take(
      (x) => x.type === TrbType.COMMAND_COMPLETION && x.code === CompletionCode.COMMAND_RING_STOPPED,
    );
    expect(e?.pointer).toBe(next);
    // The ring restarts from where it stopped on the next doorbell.
    expect(drv.command(trb(0, 0, TrbType.NO_OP_COMMAND << 10)).code).toBe(1);
  });
});
