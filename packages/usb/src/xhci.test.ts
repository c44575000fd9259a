import { describe, expect, it } from "vitest";
import { DescType, parseDescriptors, u16, u32 } from "./descriptors.js";
import { UsbKeyboard, UsbMouse, UsbTablet } from "./hid.js";
import { XhciTestDriver } from "./test/driver.js";
import { TrbType, trb } from "./trb.js";
import { testPattern, UvcCamera, UvcHeader } from "./uvc.js";
import { EpState, SlotState, XHCI_CAPLENGTH, XHCI_EXT_CAPS, XhciEpType } from "./xhci.js";

const GET_DESCRIPTOR = (type: number, index: number, length: number, wIndex = 0) => ({
  bmRequestType: 0x80,
  bRequest: 6,
  wValue: (type << 8) | index,
  wIndex,
  wLength: length,
});

function utf16(b: Uint8Array): string {
  let s = "";
  for (let i = 2; i + 1 < b[0]!; i += 2) s += String.fromCharCode(u16(b, i));
  return s;
}

interface Enumerated {
  slot: number;
  device: Uint8Array;
  config: Uint8Array;
  product: string;
  manufacturer: string;
  bos: Uint8Array;
}

/** What usb_new_device does for a SuperSpeed device behind xHCI (hub_port_init, usb_enumerate_device). */
function enumerateSuperSpeed(drv: XhciTestDriver, portId: number): Enumerated {
  const sc = drv.resetPort(portId);
  expect(sc & 1, "CCS").toBe(1);
  expect(sc & 2, "PED after reset").toBe(2);
  expect((sc >>> 10) & 0xf, "port speed = SuperSpeed").toBe(4);
  expect((sc >>> 5) & 0xf, "PLS = U0").toBe(0);
  const slot = drv.enableSlot();
  expect(drv.addressDevice(slot, portId, 4, false, 512)).toBe(1);
  const out = drv.outputCtx(slot);
  expect(drv.u32(out + 12) >>> 27, "slot state Addressed").toBe(SlotState.ADDRESSED);
  expect(drv.u32(out + 12) & 0xff, "USB device address").toBe(slot);
  expect(drv.u32(out + drv.ctxSize) & 7, "EP0 running").toBe(EpState.RUNNING);
  const d8 = drv.control(slot, GET_DESCRIPTOR(DescType.DEVICE, 0, 8));
  expect(d8.code).toBe(1);
  expect(d8.data[7], "bMaxPacketSize0 = 2^9").toBe(9);
  const dev = drv.control(slot, GET_DESCRIPTOR(DescType.DEVICE, 0, 18)).data;
  expect(dev.length).toBe(18);
  expect(u16(dev, 2), "bcdUSB").toBe(0x0300);
  const bosHead = drv.control(slot, GET_DESCRIPTOR(DescType.BOS, 0, 5)).data;
  expect(bosHead[1]).toBe(DescType.BOS);
  const bos = drv.control(slot, GET_DESCRIPTOR(DescType.BOS, 0, u16(bosHead, 2))).data;
  const c9 = drv.control(slot, GET_DESCRIPTOR(DescType.CONFIGURATION, 0, 9)).data;
  const config = drv.control(slot, GET_DESCRIPTOR(DescType.CONFIGURATION, 0, u16(c9, 2))).data;
  expect(config.length).toBe(u16(c9, 2));
  const lang = drv.control(slot, GET_DESCRIPTOR(DescType.STRING, 0, 255)).data;
  expect(u16(lang, 2), "LANGID en-US").toBe(0x0409);
  const product = utf16(drv.control(slot, GET_DESCRIPTOR(DescType.STRING, dev[15]!, 255, 0x0409)).data);
  const manufacturer = utf16(drv.control(slot, GET_DESCRIPTOR(DescType.STRING, dev[14]!, 255, 0x0409)).data);
  return { slot, device: dev, config, product, manufacturer, bos };
}

function endpoints(config: Uint8Array) {
  const ds = parseDescriptors(config)!;
  return ds
    .filter((d) => d.type === DescType.ENDPOINT)
    .map((d) => ({ addr: d.bytes[2]!, attr: d.bytes[3]!, mps: u16(d.bytes, 4) }));
}

function setConfiguration(
  drv: XhciTestDriver,
  slot: number,
  config: Uint8Array,
  epType: (attr: number, dirIn: boolean) => number,
) {
  const eps = endpoints(config).map((e) => ({
    dci: (e.addr & 0xf) * 2 + (e.addr & 0x80 ? 1 : 0),
    type: epType(e.attr & 3, (e.addr & 0x80) !== 0),
    maxPacket: e.mps,
    interval: 3,
  }));
  expect(drv.configureEndpoints(slot, eps)).toBe(1);
  expect(
    drv.control(slot, { bmRequestType: 0, bRequest: 9, wValue: config[5]!, wIndex: 0, wLength: 0 }).code,
  ).toBe(1);
  expect(drv.u32(drv.outputCtx(slot) + 12) >>> 27, "slot state Configured").toBe(SlotState.CONFIGURED);
}

const xhciType = (t: number, dirIn: boolean) =>
  t === 3
    ? dirIn
      ? XhciEpType.INTERRUPT_IN
      : XhciEpType.INTERRUPT_OUT
    : t === 2
      ? dirIn
        ? XhciEpType.BULK_IN
        : XhciEpType.BULK_OUT
      : dirIn
        ? XhciEpType.ISOCH_IN
        : XhciEpType.ISOCH_OUT;

describe("xHCI: Linux-style enumeration of the Parallels devices", () => {
  function machine(contextSize: 32 | 64 = 32) {
    const drv = new XhciTestDriver({ contextSize });
    const mouse = new UsbMouse();
    const kbd = new UsbKeyboard();
    const cam = new UvcCamera();
    // Bus 3 ports 1..3 as in the seed: mouse, keyboard, camera.
    expect(drv.xhci.attach(mouse, { port: 1, usb3: true })).toBe(5);
    drv.xhci.attach(kbd, { port: 2, usb3: true });
    drv.xhci.attach(cam, { port: 3, usb3: true });
    drv.start();
    return { drv, mouse, kbd, cam };
  }

  it("capability registers and the Supported Protocol capabilities describe 4 USB 2 + 4 USB 3 ports", () => {
    const { drv } = machine();
    expect(drv.r32(0) & 0xff).toBe(XHCI_CAPLENGTH);
    expect(drv.r32(0) >>> 16, "HCIVERSION").toBe(0x0120);
    expect(drv.r32(4) >>> 24, "MaxPorts").toBe(8);
    const xecp = (drv.r32(0x10) >>> 16) * 4;
    expect(xecp).toBe(XHCI_EXT_CAPS);
    const caps: Array<{ major: number; first: number; count: number; name: number }> = [];
    for (let at = xecp; ; ) {
      const d0 = drv.r32(at);
      expect(d0 & 0xff, "capability ID: Supported Protocol").toBe(2);
      caps.push({
        major: d0 >>> 24,
        name: drv.r32(at + 4),
        first: drv.r32(at + 8) & 0xff,
        count: (drv.r32(at + 8) >>> 8) & 0xff,
      });
      const next = (d0 >>> 8) & 0xff;
      if (next === 0) break;
      at += next * 4;
    }
    expect(caps).toEqual([
      { major: 2, name: 0x20425355, first: 1, count: 4 },
      { major: 3, name: 0x20425355, first: 5, count: 4 },
    ]);
    // Connected USB 3 ports report a connect change after reset; empty ones are in RxDetect.
    expect(drv.portsc(5) & ((1 << 17) | 1)).toBe((1 << 17) | 1);
    expect((drv.portsc(8) >>> 5) & 0xf).toBe(5);
    expect(drv.portsc(1) & 1).toBe(0);
  });

  it("64-bit register accesses reach the same registers as two 32-bit ones", () => {
    const { drv } = machine();
    const dcbaap =
      drv.bus.read(0x1000_0000 + 0x40 + 0x30, 4) + drv.bus.read(0x1000_0000 + 0x40 + 0x34, 4) * 2 ** 32;
    expect(drv.xhci.read64(0x40 + 0x30)).toBe(BigInt(dcbaap));
    drv.xhci.write64(0x40 + 0x30, 0x1_2345_6780n);
    expect(drv.r32(0x40 + 0x30)).toBe(0x2345_6780 & ~0x3f);
    expect(drv.r32(0x40 + 0x34)).toBe(1);
  });

  for (const cs of [32, 64] as const) {
    it(`enumerates mouse, keyboard and camera with ${cs}-byte contexts (ids, strings, BOS, companions)`, () => {
      const { drv } = machine(cs);
      const want = [
        { port: 5, id: 0xfffc, product: "Virtual Mouse" },
        { port: 6, id: 0xfffb, product: "Virtual Keyboard" },
        { port: 7, id: 0xfff9, product: "FaceTime HD Camera" },
      ];
      for (const w of want) {
        const e = enumerateSuperSpeed(drv, w.port);
        expect(u16(e.device, 8)).toBe(0x203a);
        expect(u16(e.device, 10)).toBe(w.id);
        expect(e.product).toBe(w.product);
        expect(e.manufacturer).toBe("Parallels");
        // BOS: USB 2.0 extension and SuperSpeed USB device capability (USB 3.2 §9.6.2).
        const caps = parseDescriptors(e.bos.subarray(5))!.map((d) => d.subtype);
        expect(caps).toEqual([0x02, 0x03]);
        // Every endpoint descriptor is followed by its SuperSpeed companion (USB 3.2 §9.6.7).
        const ds = parseDescriptors(e.config)!;
        ds.forEach((d, i) => {
          if (d.type === DescType.ENDPOINT) expect(ds[i + 1]?.type).toBe(DescType.SS_ENDPOINT_COMPANION);
        });
        setConfiguration(drv, e.slot, e.config, xhciType);
      }
    });
  }

  it("HID keyboard: report descriptor, SET_IDLE, key presses arrive as boot-format reports; LEDs via SET_REPORT", () => {
    const { drv, kbd } = machine();
    const e = enumerateSuperSpeed(drv, 6);
    const ds = parseDescriptors(e.config)!;
    const intf = ds.find((d) => d.type === DescType.INTERFACE)!;
    expect([intf.bytes[5], intf.bytes[6], intf.bytes[7]], "class HID, boot, keyboard").toEqual([3, 1, 1]);
    const hid = ds.find((d) => d.type === DescType.HID)!;
    setConfiguration(drv, e.slot, e.config, xhciType);
    expect(
      drv.control(e.slot, { bmRequestType: 0x21, bRequest: 0x0a, wValue: 0, wIndex: 0, wLength: 0 }).code,
    ).toBe(1);
    // usbhid asks the interface (bmRequestType 0x81) for its report descriptor (HID 1.11 §7.1.1).
    const rd = drv.control(e.slot, {
      ...GET_DESCRIPTOR(DescType.HID_REPORT, 0, u16(hid.bytes, 7)),
      bmRequestType: 0x81,
    });
    expect(rd.code).toBe(1);
    expect(rd.data.length).toBe(u16(hid.bytes, 7));
    // Usage Page (Generic Desktop), Usage (Keyboard), Collection (Application).
    expect([...rd.data.subarray(0, 6)]).toEqual([0x05, 0x01, 0x09, 0x06, 0xa1, 0x01]);
    const buf = drv.alloc(8);
    // Nothing pressed: the interrupt TD waits (NAK).
    drv.queueNormal(e.slot, 3, buf, 8, { isp: true });
    expect(drv.transferEvents(e.slot, 3)).toEqual([]);
    const reports: number[][] = [];
    const collect = () => {
      for (const ev of drv.transferEvents(e.slot, 3)) {
        expect([1, 13]).toContain(ev.code);
        reports.push([...drv.bytes(buf, 8 - (ev.code === 13 ? ev.length : 0))]);
        drv.queueNormal(e.slot, 3, buf, 8, { isp: true });
      }
    };
    kbd.keyDown("ShiftLeft");
    collect();
    kbd.keyDown("KeyA");
    collect();
    kbd.keyUp("KeyA");
    collect();
    kbd.keyUp("ShiftLeft");
    collect();
    kbd.tap("Enter");
    collect();
    collect();
    // HID Usage Tables: A = 0x04, Enter = 0x28; LeftShift is modifier bit 1.
    expect(reports).toEqual([
      [2, 0, 0, 0, 0, 0, 0, 0],
      [2, 0, 4, 0, 0, 0, 0, 0],
      [2, 0, 0, 0, 0, 0, 0, 0],
      [0, 0, 0, 0, 0, 0, 0, 0],
      [0, 0, 0x28, 0, 0, 0, 0, 0],
      [0, 0, 0, 0, 0, 0, 0, 0],
    ]);
    // CapsLock LED (bit 1) through SET_REPORT(Output).
    const leds: number[] = [];
    kbd.onLeds = (l) => leds.push(l);
    expect(
      drv.control(
        e.slot,
        { bmRequestType: 0x21, bRequest: 0x09, wValue: 0x0200, wIndex: 0, wLength: 1 },
        Uint8Array.of(2),
      ).code,
    ).toBe(1);
    expect(leds).toEqual([2]);
    // Boot protocol: GET_PROTOCOL reads it back.
    expect(
      drv.control(e.slot, { bmRequestType: 0x21, bRequest: 0x0b, wValue: 0, wIndex: 0, wLength: 0 }).code,
    ).toBe(1);
    expect([
      ...drv.control(e.slot, { bmRequestType: 0xa1, bRequest: 0x03, wValue: 0, wIndex: 0, wLength: 1 }).data,
    ]).toEqual([0]);
  });

  it("HID mouse and tablet: motion, buttons and wheel reports", () => {
    const drv = new XhciTestDriver();
    const mouse = new UsbMouse();
    const tablet = new UsbTablet();
    drv.xhci.attach(mouse, { port: 1, usb3: true });
    drv.xhci.attach(tablet, { port: 2, usb3: true });
    drv.start();
    const m = enumerateSuperSpeed(drv, 5);
    setConfiguration(drv, m.slot, m.config, xhciType);
    const t = enumerateSuperSpeed(drv, 6);
    setConfiguration(drv, t.slot, t.config, xhciType);
    const read = (slot: number, len: number) => {
      const buf = drv.alloc(len);
      drv.queueNormal(slot, 3, buf, len, { isp: true });
      const ev = drv.transferEvents(slot, 3);
      if (ev.length === 0) return undefined;
      return [...drv.bytes(buf, len - (ev[0]!.code === 13 ? ev[0]!.length : 0))];
    };
    mouse.move(200, -5);
    mouse.setButtons(1);
    mouse.wheel(-1);
    // 200 counts split into 127 + 73 (report protocol: buttons, x, y, wheel).
    expect(read(m.slot, 8)).toEqual([0, 127, 0xfb, 0]);
    expect(read(m.slot, 8)).toEqual([0, 73, 0, 0]);
    expect(read(m.slot, 8)).toEqual([1, 0, 0, 0xff]);
    expect(read(m.slot, 8)).toBeUndefined();
    tablet.moveTo(0x4000, 0x100);
    tablet.setButtons(2);
    expect(read(t.slot, 8)).toEqual([0, 0x00, 0x40, 0x00, 0x01, 0]);
    expect(read(t.slot, 8)).toEqual([2, 0x00, 0x40, 0x00, 0x01, 0]);
  });

  it("UVC: descriptors, probe/commit, and bulk payloads that reassemble into the test pattern", () => {
    const { drv, cam } = machine();
    const e = enumerateSuperSpeed(drv, 7);
    const ds = parseDescriptors(e.config)!;
    // IAD 0E/03 over interfaces 0..1, then VC header 1.1, camera terminal → output terminal.
    const iad = ds.find((d) => d.type === DescType.INTERFACE_ASSOCIATION)!;
    expect([...iad.bytes.subarray(2, 6)]).toEqual([0, 2, 0x0e, 0x03]);
    const cs = ds.filter((d) => d.type === DescType.CS_INTERFACE);
    const header = cs.find((d) => d.subtype === 0x01)!;
    expect(u16(header.bytes, 3)).toBe(0x0110);
    const it = cs.find((d) => d.subtype === 0x02 && d.bytes.length === 18)!;
    expect(u16(it.bytes, 4)).toBe(0x0201);
    const ot = cs.find((d) => d.subtype === 0x03 && d.bytes.length === 9)!;
    expect([u16(ot.bytes, 4), ot.bytes[7]]).toEqual([0x0101, it.bytes[3]]);
    // VC header wTotalLength covers header + terminals.
    expect(u16(header.bytes, 5)).toBe(header.bytes.length + it.bytes.length + ot.bytes.length);
    const frames = cs.filter((d) => d.subtype === 0x05).map((d) => [u16(d.bytes, 5), u16(d.bytes, 7)]);
    expect(frames).toEqual([
      [640, 480],
      [1280, 720],
    ]);
    const fmt = cs.find((d) => d.subtype === 0x04)!;
    expect(String.fromCharCode(...fmt.bytes.subarray(5, 9))).toBe("YUY2");
    setConfiguration(drv, e.slot, e.config, xhciType);
    // uvc_video_init: SET_INTERFACE(1, 0), GET_DEF probe, SET_CUR probe, GET_CUR probe.
    expect(
      drv.control(e.slot, { bmRequestType: 0x01, bRequest: 11, wValue: 0, wIndex: 1, wLength: 0 }).code,
    ).toBe(1);
    const req = (bRequest: number, cs: number, data?: Uint8Array) =>
      drv.control(
        e.slot,
        { bmRequestType: data ? 0x21 : 0xa1, bRequest, wValue: cs << 8, wIndex: 1, wLength: 34 },
        data,
      );
    const def = req(0x87, 1);
    expect(def.code).toBe(1);
    expect(def.data.length).toBe(34);
    expect(req(0x01, 1, def.data).code).toBe(1);
    const probe = new Uint8Array(34);
    probe[2] = 1;
    probe[3] = 1;
    new DataView(probe.buffer).setUint32(4, 333333, true);
    expect(req(0x01, 1, probe).code).toBe(1);
    const cur = req(0x81, 1).data;
    expect([cur[2], cur[3], u32(cur, 4), u32(cur, 18)]).toEqual([1, 1, 333333, 640 * 480 * 2]);
    const maxPayload = u32(cur, 22);
    expect(u32(req(0x83, 1).data, 18), "GET_MAX: the largest frame").toBe(1280 * 720 * 2);
    expect(req(0x01, 2, cur).code).toBe(1);
    // Linux clears the bulk endpoint halt before streaming.
    expect(
      drv.control(e.slot, { bmRequestType: 0x02, bRequest: 1, wValue: 0, wIndex: 0x81, wLength: 0 }).code,
    ).toBe(1);
    // Stream: URBs of dwMaxPayloadTransferSize, each as two chained Normal TRBs.
    const frameSize = 640 * 480 * 2;
    const urb = drv.alloc(maxPayload, 4096);
    const got: Uint8Array[] = [[], []].map(() => new Uint8Array(frameSize));
    const fids: number[] = [];
    let frame = 0;
    let off = 0;
    let pts = -1;
    for (let n = 0; n < 200 && frame < 2; n++) {
      const [t0, t1] = drv.queueNormal(e.slot, 3, urb, maxPayload, { split: maxPayload / 2, isp: true });
      const evs = drv.transferEvents(e.slot, 3);
      expect(evs.length).toBe(1);
      const ev = evs[0]!;
      // A short payload gives one event, on the TRB that fell short, with that TRB's residual.
      expect([t0, t1]).toContain(ev.pointer);
      const half = maxPayload / 2;
      const len = ev.code === 1 ? maxPayload : (ev.pointer === t0 ? 0 : half) + half - ev.length;
      const p = drv.bytes(urb, len);
      expect(p[0], "bHeaderLength").toBe(12);
      const info = p[1]!;
      expect(info & UvcHeader.EOH).toBe(UvcHeader.EOH);
      expect(info & UvcHeader.PTS).toBe(UvcHeader.PTS);
      if (fids.length === 0 || off === 0) {
        fids.push(info & UvcHeader.FID);
        pts = u32(p, 2);
      } else expect(u32(p, 2), "PTS is constant within a frame").toBe(pts);
      got[frame]!.set(p.subarray(12), off);
      off += len - 12;
      if (info & UvcHeader.EOF) {
        expect(off).toBe(frameSize);
        frame++;
        off = 0;
      }
    }
    expect(frame).toBe(2);
    expect(fids[1]).toBe(fids[0]! ^ 1);
    const want = new Uint8Array(frameSize);
    for (let i = 0; i < 2; i++) {
      testPattern.fill(640, 480, i, want);
      expect(Buffer.compare(got[i]!, want), `frame ${i}`).toBe(0);
    }
    expect(cam.framesSent).toBe(2);
  });

  it("port reset, warm reset and link-state writes set their change bits and post events", () => {
    const { drv } = machine();
    drv.poll();
    drv.pending.length = 0;
    const sc = drv.resetPort(6, true);
    expect(sc & ((1 << 19) | (1 << 21))).toBe((1 << 19) | (1 << 21));
    expect(drv.portsc(6) & ((1 << 19) | (1 << 21))).toBe(0);
    const psc = drv.take((e) => e.type === TrbType.PORT_STATUS_CHANGE);
    expect(psc?.pointer).toBe(6 * 2 ** 24);
    // U3 then U0 with LWS: PLC on resume.
    drv.w32(0x440 + 0x10 * 5, (1 << 9) | (1 << 16) | (3 << 5));
    expect((drv.portsc(6) >>> 5) & 0xf).toBe(3);
    drv.w32(0x440 + 0x10 * 5, (1 << 9) | (1 << 16) | (0 << 5));
    expect(drv.portsc(6) & (1 << 22)).toBe(1 << 22);
    // Detach: CCS drops, CSC set.
    drv.xhci.detach(6);
    expect(drv.portsc(6) & ((1 << 17) | 1)).toBe(1 << 17);
  });

  it("command errors: unknown slot, wrong state, No-Op, Stop/Reset Endpoint, Set TR Dequeue, Reset Device, Disable Slot", () => {
    const { drv } = machine();
    expect(drv.command(trb(0, 0, TrbType.NO_OP_COMMAND << 10)).code).toBe(1);
    expect(drv.command(trb(0, 0, (TrbType.DISABLE_SLOT << 10) | (7 << 24))).code).toBe(11);
    expect(drv.command(trb(0, 0, TrbType.FORCE_HEADER << 10)).code).toBe(5);
    const e = enumerateSuperSpeed(drv, 6);
    setConfiguration(drv, e.slot, e.config, xhciType);
    const s = e.slot << 24;
    // Reset Endpoint on a running endpoint: Context State Error.
    expect(drv.command(trb(0, 0, (TrbType.RESET_ENDPOINT << 10) | s | (3 << 16))).code).toBe(19);
    // Interrupt TD pending, then Stop Endpoint: the TD is reported stopped.
    const buf = drv.alloc(8);
    const [at] = drv.queueNormal(e.slot, 3, buf, 8);
    expect(drv.command(trb(0, 0, (TrbType.STOP_ENDPOINT << 10) | s | (3 << 16))).code).toBe(1);
    const stopped = drv.transferEvents(e.slot, 3);
    expect(stopped.map((x) => [x.code, x.pointer])).toEqual([[27, at]]);
    const epCtx = drv.outputCtx(e.slot) + drv.ctxSize * 3;
    expect(drv.u32(epCtx) & 7).toBe(EpState.STOPPED);
    expect(drv.u32(epCtx + 8) & ~0xf).toBe(at);
    expect(drv.command(trb(0, 0, (TrbType.STOP_ENDPOINT << 10) | s | (3 << 16))).code).toBe(19);
    // Set TR Dequeue past the TD, then the doorbell restarts it.
    expect(drv.command(trb(at! + 16 + 1, 0, (TrbType.SET_TR_DEQUEUE << 10) | s | (3 << 16))).code).toBe(1);
    expect(drv.u32(epCtx + 8)).toBe((at! + 16) | 1);
    // Endpoint that is not enabled.
    expect(drv.command(trb(0, 0, (TrbType.STOP_ENDPOINT << 10) | s | (9 << 16))).code).toBe(12);
    expect(drv.command(trb(0, 0, (TrbType.RESET_DEVICE << 10) | s)).code).toBe(1);
    expect(drv.u32(drv.outputCtx(e.slot) + 12) >>> 27).toBe(SlotState.DEFAULT);
    expect(drv.command(trb(0, 0, (TrbType.DISABLE_SLOT << 10) | s)).code).toBe(1);
    expect(drv.command(trb(0, 0, (TrbType.STOP_ENDPOINT << 10) | s | (1 << 16))).code).toBe(11);
  });

  it("a STALLed control request halts EP0; Reset Endpoint + Set TR Dequeue recover it", () => {
    const { drv } = machine();
    const e = enumerateSuperSpeed(drv, 6);
    const r = drv.control(e.slot, GET_DESCRIPTOR(0x77, 0, 16));
    expect(r.code).toBe(6);
    const ep0 = drv.outputCtx(e.slot) + drv.ctxSize;
    expect(drv.u32(ep0) & 7).toBe(EpState.HALTED);
    const s = e.slot << 24;
    expect(drv.command(trb(0, 0, (TrbType.RESET_ENDPOINT << 10) | s | (1 << 16))).code).toBe(1);
    const ring = drv.rings.get(`${e.slot}:1`)!;
    expect(
      drv.command(
        trb(ring.base + ring.enqueue * 16 + ring.cycle, 0, (TrbType.SET_TR_DEQUEUE << 10) | s | (1 << 16)),
      ).code,
    ).toBe(1);
    expect(drv.control(e.slot, GET_DESCRIPTOR(DescType.DEVICE, 0, 18)).data.length).toBe(18);
  });

  it("a USB 2 port: high-speed enumeration with BSR=1 first, then Evaluate Context (EP0 64 bytes)", () => {
    const drv = new XhciTestDriver();
    drv.xhci.attach(new UsbKeyboard(), { port: 1, usb3: false });
    drv.start();
    const before = drv.portsc(1);
    expect([before & 3, (before >>> 5) & 0xf]).toEqual([1, 7]); // connected, not enabled, Polling
    const sc = drv.resetPort(1);
    expect([sc & 3, (sc >>> 10) & 0xf]).toEqual([3, 3]); // enabled, high speed
    const slot = drv.enableSlot();
    expect(drv.addressDevice(slot, 1, 3, true, 64)).toBe(1);
    expect(drv.u32(drv.outputCtx(slot) + 12) >>> 27).toBe(SlotState.DEFAULT);
    const d = drv.control(slot, GET_DESCRIPTOR(DescType.DEVICE, 0, 64)).data;
    expect([u16(d, 2), d[7]]).toEqual([0x0200, 64]);
    // BOS is for bcdUSB >= 0x0201: a high-speed keyboard STALLs it.
    expect(drv.control(slot, GET_DESCRIPTOR(DescType.BOS, 0, 5)).code).toBe(6);
    // Address Device BSR=1 twice is a Context State Error; BSR=0 moves on to Addressed.
    expect(drv.addressDevice(slot, 1, 3, true, 64)).toBe(19);
  });

  it("Address Device on an empty port fails with a USB Transaction Error; Enable Slot runs out of slots", () => {
    const drv = new XhciTestDriver({ maxSlots: 2 });
    drv.start(2);
    const a = drv.enableSlot();
    expect(drv.addressDevice(a, 3, 3, false, 64)).toBe(4);
    drv.enableSlot();
    expect(drv.command(trb(0, 0, TrbType.ENABLE_SLOT << 10)).code).toBe(9);
  });
});
