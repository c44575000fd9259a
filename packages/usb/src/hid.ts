import { ConfigError, type StateReader, type StateWriter } from "@armature/core";
import {
  configurationDescriptor,
  DescType,
  deviceDescriptor,
  EpType,
  endpointDescriptor,
  interfaceDescriptor,
  le16,
  ssEndpointCompanion,
  type UsbSpeed,
} from "./descriptors.js";
import {
  copyOut,
  type SetupPacket,
  type SpeedDescriptors,
  USB_NAK,
  USB_STALL,
  UsbDeviceBase,
  type UsbDeviceIdentity,
} from "./device.js";
import { keyUsage } from "./keys.js";

/** HID class requests (HID 1.11 §7.2). */
export const HidRequest = {
  GET_REPORT: 0x01,
  GET_IDLE: 0x02,
  GET_PROTOCOL: 0x03,
  SET_REPORT: 0x09,
  SET_IDLE: 0x0a,
  SET_PROTOCOL: 0x0b,
} as const;

/** Boot-compatible keyboard report descriptor (HID 1.11 Appendix B.1 layout, 0..255 key array). */
export const KEYBOARD_REPORT_DESCRIPTOR: readonly number[] = [
  0x05, 0x01, 0x09, 0x06, 0xa1, 0x01, 0x05, 0x07, 0x19, 0xe0, 0x29, 0xe7, 0x15, 0x00, 0x25, 0x01, 0x75, 0x01,
  0x95, 0x08, 0x81, 0x02, 0x95, 0x01, 0x75, 0x08, 0x81, 0x01, 0x95, 0x05, 0x75, 0x01, 0x05, 0x08, 0x19, 0x01,
  0x29, 0x05, 0x91, 0x02, 0x95, 0x01, 0x75, 0x03, 0x91, 0x01, 0x95, 0x06, 0x75, 0x08, 0x15, 0x00, 0x26, 0xff,
  0x00, 0x05, 0x07, 0x19, 0x00, 0x2a, 0xff, 0x00, 0x81, 0x00, 0xc0,
];

/** Boot-compatible relative mouse (HID 1.11 Appendix B.2) plus a wheel byte in report protocol. */
export const MOUSE_REPORT_DESCRIPTOR: readonly number[] = [
  0x05, 0x01, 0x09, 0x02, 0xa1, 0x01, 0x09, 0x01, 0xa1, 0x00, 0x05, 0x09, 0x19, 0x01, 0x29, 0x03, 0x15, 0x00,
  0x25, 0x01, 0x95, 0x03, 0x75, 0x01, 0x81, 0x02, 0x95, 0x01, 0x75, 0x05, 0x81, 0x01, 0x05, 0x01, 0x09, 0x30,
  0x09, 0x31, 0x09, 0x38, 0x15, 0x81, 0x25, 0x7f, 0x75, 0x08, 0x95, 0x03, 0x81, 0x06, 0xc0, 0xc0,
];

/** Absolute pointer: 3 buttons, X/Y 0..32767, relative wheel. */
export const TABLET_REPORT_DESCRIPTOR: readonly number[] = [
  0x05, 0x01, 0x09, 0x02, 0xa1, 0x01, 0x09, 0x01, 0xa1, 0x00, 0x05, 0x09, 0x19, 0x01, 0x29, 0x03, 0x15, 0x00,
  0x25, 0x01, 0x95, 0x03, 0x75, 0x01, 0x81, 0x02, 0x95, 0x01, 0x75, 0x05, 0x81, 0x01, 0x05, 0x01, 0x09, 0x30,
  0x09, 0x31, 0x15, 0x00, 0x26, 0xff, 0x7f, 0x35, 0x00, 0x46, 0xff, 0x7f, 0x75, 0x10, 0x95, 0x02, 0x81, 0x02,
  0x09, 0x38, 0x15, 0x81, 0x25, 0x7f, 0x35, 0x00, 0x45, 0x00, 0x75, 0x08, 0x95, 0x01, 0x81, 0x06, 0xc0, 0xc0,
];

/** Reports kept for a guest that does not poll (a bounded queue: the oldest are dropped). */
const MAX_QUEUED_REPORTS = 128;

interface HidLayout {
  subclass: number;
  protocol: number;
  reportDescriptor: readonly number[];
  reportSize: number;
  /** The default identity is a Parallels virtual device's: these two tell which one. */
  idProduct: number;
  product: string;
}

/** Parallels' USB vendor ID, the default identity of the HID devices. */
const PARALLELS = 0x203a;

/** Common part of the HID devices: one interface, one interrupt IN endpoint 0x81. */
abstract class HidDevice extends UsbDeviceBase {
  /** 1 = report protocol (the default after reset, HID 1.11 §7.2.6), 0 = boot protocol. */
  protocol = 1;
  idleRate = 0;
  protected readonly strings: readonly string[];
  private readonly id: Required<UsbDeviceIdentity>;
  protected readonly queue: Uint8Array[] = [];

  constructor(
    name: string,
    private readonly layout: HidLayout,
    id: UsbDeviceIdentity,
  ) {
    super(name);
    const defaults = {
      idVendor: PARALLELS,
      idProduct: layout.idProduct,
      bcdDevice: 0x0100,
      manufacturer: "Parallels",
      product: layout.product,
      serial: "",
    };
    this.id = { ...defaults, ...id };
    this.strings = [this.id.manufacturer, this.id.product, this.id.serial];
  }

  protected descriptorsFor(speed: UsbSpeed): SpeedDescriptors {
    const L = this.layout;
    const ss = speed === "super";
    const body = [
      ...interfaceDescriptor({
        bInterfaceNumber: 0,
        bAlternateSetting: 0,
        bNumEndpoints: 1,
        bInterfaceClass: 3,
        bInterfaceSubClass: L.subclass,
        bInterfaceProtocol: L.protocol,
        iInterface: 0,
      }),
      // HID descriptor (HID 1.11 §6.2.1): bcdHID 1.11, one report descriptor.
      9,
      DescType.HID,
      ...le16(0x0111),
      0,
      1,
      DescType.HID_REPORT,
      ...le16(L.reportDescriptor.length),
      // bInterval: 2^(4-1) microframes = 1 ms at high/super speed, 1 ms frames at full speed.
      ...endpointDescriptor({
        bEndpointAddress: 0x81,
        bmAttributes: EpType.INTERRUPT,
        wMaxPacketSize: 8,
        bInterval: ss || speed === "high" ? 4 : 1,
      }),
      ...(ss ? ssEndpointCompanion(0, 0, 8) : []),
    ];
    return {
      device: deviceDescriptor(this.deviceFields(speed, this.id)),
      configuration: configurationDescriptor(
        {
          bNumInterfaces: 1,
          bConfigurationValue: 1,
          iConfiguration: 0,
          bmAttributes: 0xa0,
          bMaxPower: ss ? 12 : 50,
        },
        body,
      ),
    };
  }

  override reset(): void {
    super.reset();
    this.protocol = 1;
    this.idleRate = 0;
  }

  /** The current report in the active protocol, into `out`; returns its length. */
  protected abstract currentReport(out: Uint8Array): number;

  protected override classControl(setup: SetupPacket, data: Uint8Array): number {
    const type = (setup.bmRequestType >>> 5) & 3;
    const recipient = setup.bmRequestType & 0x1f;
    if (recipient !== 1 || (setup.wIndex & 0xff) !== 0) return USB_STALL;
    if (type === 0) {
      // GET_DESCRIPTOR to the interface: HID (0x21) or report (0x22) descriptor (HID 1.11 §7.1.1).
      if (setup.bRequest !== 6) return USB_STALL;
      const t = setup.wValue >>> 8;
      if (t === DescType.HID_REPORT) return copyOut(data, this.layout.reportDescriptor);
      if (t === DescType.HID) {
        const conf = this.descriptorsFor(this.speed).configuration;
        return copyOut(data, conf.slice(18, 27));
      }
      return USB_STALL;
    }
    if (type !== 1) return USB_STALL;
    switch (setup.bRequest) {
      case HidRequest.GET_REPORT: {
        if (setup.wValue >>> 8 !== 1) return USB_STALL;
        const buf = new Uint8Array(16);
        return copyOut(data, buf.subarray(0, this.currentReport(buf)));
      }
      case HidRequest.SET_REPORT:
        return this.setReport(setup.wValue >>> 8, data);
      case HidRequest.GET_IDLE:
        return copyOut(data, [this.idleRate]);
      case HidRequest.SET_IDLE:
        this.idleRate = setup.wValue >>> 8;
        return 0;
      case HidRequest.GET_PROTOCOL:
        return copyOut(data, [this.protocol]);
      case HidRequest.SET_PROTOCOL:
        if (setup.wValue > 1 || this.layout.subclass !== 1) return USB_STALL;
        this.protocol = setup.wValue;
        return 0;
      default:
        return USB_STALL;
    }
  }

  protected setReport(_type: number, _data: Uint8Array): number {
    return USB_STALL;
  }

  transfer(endpoint: number, data: Uint8Array): number {
    if (endpoint !== 0x81 || this.configuration === 0) return USB_STALL;
    if (this.halted.has(0x81)) return USB_STALL;
    const r = this.nextReport();
    if (r === undefined) return USB_NAK;
    return copyOut(data, r);
  }

  protected nextReport(): Uint8Array | undefined {
    return this.queue.shift();
  }

  /** Queue a report and tell the host controller the endpoint has data. */
  protected push(report: Uint8Array): void {
    if (this.configuration === 0) return;
    if (this.queue.length >= MAX_QUEUED_REPORTS) this.queue.shift();
    this.queue.push(report);
    this.host?.wake(0x81);
  }

  override configured(value: number): void {
    if (value === 0) this.queue.length = 0;
  }

  /** The protocol, idle rate and reports not yet read; then the device's input state. */
  protected override saveOwnState(w: StateWriter): void {
    w.u8(this.protocol);
    w.u32(this.idleRate);
    w.byteList(this.queue);
    this.saveInputState(w);
  }

  protected override loadOwnState(r: StateReader): () => void {
    const protocol = r.u8();
    if (protocol > 1) r.fail(`${this.name}: protocol ${protocol}`);
    const idle = r.u32();
    const queue = r.byteList(MAX_QUEUED_REPORTS, 64, "queued reports");
    const input = this.loadInputState(r);
    return () => {
      this.protocol = protocol;
      this.idleRate = idle;
      this.queue.length = 0;
      this.queue.push(...queue);
      input();
    };
  }

  protected abstract saveInputState(w: StateWriter): void;
  protected abstract loadInputState(r: StateReader): () => void;
}

/**
 * A USB HID keyboard (boot subclass, report protocol by default): 8-byte reports (modifiers,
 * reserved, 6 usages), ErrorRollOver past 6 keys, a 5-LED output report through SET_REPORT.
 */
export class UsbKeyboard extends HidDevice {
  /** LED bits the guest last set: 0 NumLock, 1 CapsLock, 2 ScrollLock, 3 Compose, 4 Kana. */
  leds = 0;
  /** Called when the guest changes the LEDs. */
  onLeds: ((leds: number) => void) | undefined;
  private modifiers = 0;
  private readonly keys: number[] = [];

  constructor(id: UsbDeviceIdentity = {}) {
    super(
      "usb-kbd",
      {
        subclass: 1,
        protocol: 1,
        reportDescriptor: KEYBOARD_REPORT_DESCRIPTOR,
        reportSize: 8,
        idProduct: 0xfffb,
        product: "Virtual Keyboard",
      },
      id,
    );
  }

  /** Press a key: a HID usage (Keyboard/Keypad page 0x07) or a name from `KEY_USAGES`. */
  keyDown(key: number | string): void {
    this.key(key, true);
  }

  keyUp(key: number | string): void {
    this.key(key, false);
  }

  /** Press and release each key in turn. */
  tap(...keys: Array<number | string>): void {
    for (const k of keys) {
      this.keyDown(k);
      this.keyUp(k);
    }
  }

  private key(key: number | string, down: boolean): void {
    const u = typeof key === "number" ? key : keyUsage(key);
    if (!Number.isInteger(u) || u < 1 || u > 0xe7)
      throw new ConfigError(`HID key usage ${String(key)} is not 1..0xe7`);
    if (u >= 0xe0) {
      const bit = 1 << (u - 0xe0);
      const before = this.modifiers;
      this.modifiers = down ? this.modifiers | bit : this.modifiers & ~bit;
      if (before === this.modifiers) return;
    } else {
      const i = this.keys.indexOf(u);
      if (down === i >= 0) return;
      if (down) this.keys.push(u);
      else this.keys.splice(i, 1);
    }
    const r = new Uint8Array(8);
    this.currentReport(r);
    this.push(r);
  }

  protected currentReport(out: Uint8Array): number {
    out.fill(0, 0, 8);
    out[0] = this.modifiers;
    // HID 1.11 Appendix C: more than 6 keys reports ErrorRollOver (usage 1) in every slot.
    for (let i = 0; i < 6; i++) out[2 + i] = this.keys.length > 6 ? 1 : (this.keys[i] ?? 0);
    return 8;
  }

  protected override setReport(type: number, data: Uint8Array): number {
    if (type !== 2 || data.length < 1) return USB_STALL;
    this.leds = data[0]! & 0x1f;
    this.onLeds?.(this.leds);
    return 0;
  }
  /** The LEDs, the modifiers and the keys held, in the order they went down. */
  protected saveInputState(w: StateWriter): void {
    w.u8(this.leds);
    w.u8(this.modifiers);
    w.u32(this.keys.length);
    for (const k of this.keys) w.u8(k);
  }

  protected loadInputState(r: StateReader): () => void {
    const leds = r.u8();
    const modifiers = r.u8();
    const keys: number[] = [];
    for (let n = r.count(0xe0, "keys held"); n > 0; n--) {
      const k = r.u8();
      if (k < 1 || k >= 0xe0 || keys.includes(k)) r.fail(`key usage ${k}`);
      keys.push(k);
    }
    return () => {
      this.leds = leds & 0x1f;
      this.modifiers = modifiers;
      this.keys.length = 0;
      this.keys.push(...keys);
    };
  }
}

/** Pending pointer motion: coalesced until the buttons change. */
interface Motion {
  buttons: number;
  dx: number;
  dy: number;
  wheel: number;
}

const clamp8 = (v: number) => Math.max(-127, Math.min(127, v));

/** A relative USB mouse (boot subclass): buttons, X, Y and (report protocol) a wheel. */
export class UsbMouse extends HidDevice {
  private buttons = 0;
  private readonly pending: Motion[] = [];

  constructor(id: UsbDeviceIdentity = {}) {
    super(
      "usb-mouse",
      {
        subclass: 1,
        protocol: 2,
        reportDescriptor: MOUSE_REPORT_DESCRIPTOR,
        reportSize: 4,
        idProduct: 0xfffc,
        product: "Virtual Mouse",
      },
      id,
    );
  }

  /** Relative motion in counts (split into ±127 reports). */
  move(dx: number, dy: number): void {
    this.add(Math.trunc(dx), Math.trunc(dy), 0);
  }

  /** Wheel detents (positive = away from the user). */
  wheel(detents: number): void {
    this.add(0, 0, Math.trunc(detents));
  }

  /** Button bits: 1 left, 2 right, 4 middle. */
  setButtons(mask: number): void {
    this.buttons = mask & 7;
    this.pending.push({ buttons: this.buttons, dx: 0, dy: 0, wheel: 0 });
    this.kick();
  }

  private add(dx: number, dy: number, wheel: number): void {
    const last = this.pending[this.pending.length - 1];
    if (last !== undefined && last.buttons === this.buttons) {
      last.dx += dx;
      last.dy += dy;
      last.wheel += wheel;
    } else this.pending.push({ buttons: this.buttons, dx, dy, wheel });
    this.kick();
  }

  private kick(): void {
    if (this.configuration === 0) {
      this.pending.length = 0;
      return;
    }
    if (this.pending.length > MAX_QUEUED_REPORTS) this.pending.shift();
    this.host?.wake(0x81);
  }

  protected override nextReport(): Uint8Array | undefined {
    const m = this.pending[0];
    if (m === undefined) return undefined;
    const r = new Uint8Array(this.protocol === 0 ? 3 : 4);
    const dx = clamp8(m.dx);
    const dy = clamp8(m.dy);
    const w = clamp8(m.wheel);
    r[0] = m.buttons;
    r[1] = dx & 0xff;
    r[2] = dy & 0xff;
    if (r.length > 3) r[3] = w & 0xff;
    m.dx -= dx;
    m.dy -= dy;
    m.wheel -= this.protocol === 0 ? m.wheel : w;
    if (m.dx === 0 && m.dy === 0 && m.wheel === 0) this.pending.shift();
    return r;
  }

  protected currentReport(out: Uint8Array): number {
    out.fill(0, 0, 4);
    out[0] = this.buttons;
    return this.protocol === 0 ? 3 : 4;
  }

  /** The buttons and the motion not yet reported. */
  protected saveInputState(w: StateWriter): void {
    w.u8(this.buttons);
    w.u32(this.pending.length);
    for (const m of this.pending) for (const v of [m.buttons, m.dx, m.dy, m.wheel]) w.f64(v);
  }

  protected loadInputState(r: StateReader): () => void {
    const buttons = r.u8();
    const pending: Motion[] = [];
    for (let n = r.count(MAX_QUEUED_REPORTS + 1, "pending motions"); n > 0; n--) {
      const [b, dx, dy, wheel] = [r.f64(), r.f64(), r.f64(), r.f64()];
      if (![b, dx, dy, wheel].every(Number.isSafeInteger)) r.fail("pending motion");
      pending.push({ buttons: b, dx, dy, wheel });
    }
    return () => {
      this.buttons = buttons;
      this.pending.length = 0;
      this.pending.push(...pending);
    };
  }
}

/** An absolute pointer (screen coordinates 0..32767 on both axes), for display clients. */
export class UsbTablet extends HidDevice {
  private buttons = 0;
  private x = 0;
  private y = 0;

  constructor(id: UsbDeviceIdentity = {}) {
    super(
      "usb-tablet",
      {
        subclass: 0,
        protocol: 0,
        reportDescriptor: TABLET_REPORT_DESCRIPTOR,
        reportSize: 6,
        idProduct: 0xfffd,
        product: "Virtual Tablet",
      },
      id,
    );
  }

  /** Move to (x, y) in 0..32767 (use `moveToFraction` for 0..1). */
  moveTo(x: number, y: number): void {
    this.x = Math.max(0, Math.min(0x7fff, Math.round(x)));
    this.y = Math.max(0, Math.min(0x7fff, Math.round(y)));
    this.report(0);
  }

  moveToFraction(fx: number, fy: number): void {
    this.moveTo(fx * 0x7fff, fy * 0x7fff);
  }

  setButtons(mask: number): void {
    this.buttons = mask & 7;
    this.report(0);
  }

  wheel(detents: number): void {
    let d = Math.trunc(detents);
    while (d !== 0) {
      const step = clamp8(d);
      this.report(step);
      d -= step;
    }
  }

  private report(wheel: number): void {
    const r = new Uint8Array(6);
    this.currentReport(r);
    r[5] = wheel & 0xff;
    this.push(r);
  }

  protected currentReport(out: Uint8Array): number {
    out[0] = this.buttons;
    out[1] = this.x & 0xff;
    out[2] = this.x >>> 8;
    out[3] = this.y & 0xff;
    out[4] = this.y >>> 8;
    out[5] = 0;
    return 6;
  }
  /** The buttons and the position. */
  protected saveInputState(w: StateWriter): void {
    w.u8(this.buttons);
    w.u16(this.x);
    w.u16(this.y);
  }

  protected loadInputState(r: StateReader): () => void {
    const [buttons, x, y] = [r.u8(), r.u16(), r.u16()];
    if (x > 0x7fff || y > 0x7fff) r.fail(`tablet position ${x}, ${y}`);
    return () => {
      this.buttons = buttons;
      this.x = x;
      this.y = y;
    };
  }
}
