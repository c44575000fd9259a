import { StateReader, VirtualClock } from "@armature/core";
import { expectTruncatedRefused, restoreStateInto, savedState } from "@armature/core/test";
import { describe, expect, it } from "vitest";
import { EhciController } from "./ehci.js";
import { UsbKeyboard, UsbMouse } from "./hid.js";
import { DriverRing, RAM_BASE, RAM_SIZE, XhciTestDriver } from "./test/driver.js";
import { UvcCamera } from "./uvc.js";
import { XHCI_OP, XHCI_PORTS, XHCI_RUNTIME, XhciEpType } from "./xhci.js";

/** The Parallels xHCI: mouse, keyboard and camera on USB 3 ports 1..3 (xHCI ports 5..7). */
function machine() {
  const drv = new XhciTestDriver();
  const mouse = new UsbMouse();
  const kbd = new UsbKeyboard();
  const cam = new UvcCamera();
  drv.xhci.attach(mouse, { port: 1, usb3: true });
  drv.xhci.attach(kbd, { port: 2, usb3: true });
  drv.xhci.attach(cam, { port: 3, usb3: true });
  drv.start();
  return { drv, mouse, kbd, cam };
}

/** Enumerate and configure the keyboard (port 6), set an LED, hold Shift, leave an interrupt TD waiting. */
function driven() {
  const m = machine();
  const { drv } = m;
  expect(drv.resetPort(6) & 3).toBe(3);
  const slot = drv.enableSlot();
  expect(drv.addressDevice(slot, 6, 4, false, 512)).toBe(1);
  expect(
    drv.configureEndpoints(slot, [{ dci: 3, type: XhciEpType.INTERRUPT_IN, maxPacket: 8, interval: 3 }]),
  ).toBe(1);
  expect(drv.control(slot, { bmRequestType: 0, bRequest: 9, wValue: 1, wIndex: 0, wLength: 0 }).code).toBe(1);
  const leds = drv.alloc(1);
  drv.dma.write(leds, new Uint8Array([2]));
  const buf = drv.alloc(8);
  drv.queueNormal(slot, 3, buf, 8, { isp: true });
  m.kbd.keyDown("ShiftLeft");
  expect(drv.transferEvents(slot, 3)).toHaveLength(1);
  drv.queueNormal(slot, 3, buf, 8, { isp: true }); // waits (NAK) for the next report
  expect(drv.transferEvents(slot, 3)).toEqual([]);
  return { ...m, slot, buf };
}

/** Operational, port and interrupter 0 registers. */
function registers(drv: XhciTestDriver): number[] {
  const r: number[] = [];
  for (let o = 0; o < 0x40; o += 4) r.push(drv.r32(XHCI_OP + o));
  for (let p = 0; p < 8; p++) for (let o = 0; o < 16; o += 4) r.push(drv.r32(XHCI_PORTS + 0x10 * p + o));
  for (let o = 0x20; o < 0x40; o += 4) r.push(drv.r32(XHCI_RUNTIME + o));
  return r;
}

/** Give driver `to` the guest's memory and driver-side ring state of `from` (the guest's RAM). */
function moveGuest(from: XhciTestDriver, to: XhciTestDriver): void {
  const ram = new Uint8Array(RAM_SIZE);
  from.dma.read(RAM_BASE, ram);
  to.dma.write(RAM_BASE, ram);
  const ring = (r: DriverRing) =>
    Object.assign(new DriverRing(to, r.base, r.trbs), { enqueue: r.enqueue, cycle: r.cycle });
  to.cmd = ring(from.cmd);
  for (const [k, r] of from.rings) to.rings.set(k, ring(r));
  Object.assign(to, {
    dcbaa: from.dcbaa,
    evBase: from.evBase,
    evDeq: from.evDeq,
    evCycle: from.evCycle,
    next: (from as unknown as { next: number }).next,
  });
}

describe("xHCI snapshot", () => {
  it("a restored controller and keyboard carry on: same registers, the waiting TD gets the next report at the same event ring slot", () => {
    const a = driven();
    const b = machine();
    moveGuest(a.drv, b.drv);
    restoreStateInto(a.drv.xhci, b.drv.xhci);
    expect(registers(b.drv)).toEqual(registers(a.drv));
    expect(savedState(b.drv.xhci)).toEqual(savedState(a.drv.xhci));
    for (const m of [a, b]) m.kbd.keyDown("KeyA");
    const evA = a.drv.transferEvents(a.slot, 3);
    const evB = b.drv.transferEvents(a.slot, 3);
    expect(evB).toHaveLength(1);
    expect(evB).toEqual(evA);
    expect([...b.drv.bytes(a.buf, 8)]).toEqual([2, 0, 4, 0, 0, 0, 0, 0]); // Shift still held, then A
    expect(b.drv.evDeq).toBe(a.drv.evDeq);
    expect(registers(b.drv)).toEqual(registers(a.drv));
  });

  it("the camera carries on mid-frame: the next payload bytes are the original's", () => {
    const mk = () => {
      const clock = new VirtualClock();
      const cam = new UvcCamera({ clock });
      cam.attach("super", { wake: () => {} });
      expect(
        cam.control({ bmRequestType: 0, bRequest: 9, wValue: 1, wIndex: 0, wLength: 0 }, new Uint8Array(0)),
      ).toBe(0);
      return { clock, cam };
    };
    const a = mk();
    const buf = new Uint8Array(1024);
    for (let i = 0; i < 300; i++) expect(a.cam.transfer(0x81, buf)).toBeGreaterThan(0); // mid-frame
    a.clock.advanceInstructions(123_456);
    const b = mk();
    b.clock.loadState(new StateReader(savedState(a.clock)))();
    const part = (c: UvcCamera) => ({
      stateVersion: 1,
      saveState: c.saveState.bind(c),
      loadState: c.loadState.bind(c),
    });
    restoreStateInto(part(a.cam), part(b.cam));
    const bufB = new Uint8Array(1024);
    for (let i = 0; i < 700; i++) {
      const n = a.cam.transfer(0x81, buf);
      expect(b.cam.transfer(0x81, bufB)).toBe(n);
      expect(bufB).toEqual(buf);
    }
    expect(b.cam.framesSent).toBe(1); // the frame ended and the next one is not due yet (NAK)
    expect(b.cam.framesSent).toBe(a.cam.framesSent);
  });

  it("refuses another device on a port, a truncated or over-long section, and changes nothing", () => {
    const a = driven();
    const bytes = savedState(a.drv.xhci);
    const other = new XhciTestDriver();
    other.xhci.attach(new UsbKeyboard(), { port: 1, usb3: true });
    other.xhci.attach(new UsbMouse(), { port: 2, usb3: true });
    other.xhci.attach(new UvcCamera(), { port: 3, usb3: true });
    expect(() => restoreStateInto(a.drv.xhci, other.xhci)).toThrow(/usb-mouse, this one has usb-kbd/);
    const b = machine();
    const before = registers(b.drv);
    expect(expectTruncatedRefused(b.drv.xhci, bytes)).toBeGreaterThan(bytes.length);
    expect(registers(b.drv)).toEqual(before);
  });
});

describe("EHCI snapshot", () => {
  it("restores the operational registers and each PORTSC; refuses a truncated section", () => {
    const clock = new VirtualClock();
    const a = new EhciController({ clock });
    a.write(0x20 + 0x14, 4, 0x4010_0000); // PERIODICLISTBASE
    a.write(0x20 + 0x18, 4, 0x4020_0040); // ASYNCLISTADDR
    a.write(0x20 + 0x08, 4, 0x3f); // USBINTR
    a.write(0x20 + 0x40, 4, 1); // CONFIGFLAG
    a.write(0x20 + 0x44 + 4, 4, 1 << 13); // port 2: OWNER
    a.write(0x20, 4, 0x00080031); // RS | PSE | ASE
    clock.advanceInstructions(10_000);
    const b = new EhciController({ clock });
    restoreStateInto(a, b);
    const regs = (c: EhciController) => Array.from({ length: 0x30 }, (_, i) => c.read(4 * i, 4));
    expect(regs(b)).toEqual(regs(a));
    expect(b.read(0x20 + 0x04, 4) & 0xc000).toBe(0xc000); // PSS | ASS
    expect(b.read(0x20 + 0x0c, 4)).toBe(a.read(0x20 + 0x0c, 4)); // FRINDEX runs on from the same base
    const fresh = new EhciController({ clock });
    expect(expectTruncatedRefused(fresh, savedState(a))).toBe(savedState(a).length + 1);
    expect(fresh.read(0x20 + 0x04, 4)).toBe(0x1000); // still halted
  });
});
