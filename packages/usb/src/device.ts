import { RateLimitedLog, type StateReader, type StateWriter } from "@armature/core";
import {
  bosDescriptor,
  DescType,
  type DeviceDescriptorFields,
  deviceQualifier,
  langIdDescriptor,
  stringDescriptor,
  type UsbSpeed,
} from "./descriptors.js";

/** The 8-byte SETUP packet of a control transfer (USB 3.2 §9.3). */
export interface SetupPacket {
  bmRequestType: number;
  bRequest: number;
  wValue: number;
  wIndex: number;
  wLength: number;
}

/** A device refused the request (handshake STALL): the host sees a Stall Error. */
export const USB_STALL = -1;
/** The device has nothing (IN) or cannot take data (OUT) yet: the host retries after `wake`. */
export const USB_NAK = -2;

/** Standard requests (USB 3.2 Table 9-4). */
export const StdRequest = {
  GET_STATUS: 0,
  CLEAR_FEATURE: 1,
  SET_FEATURE: 3,
  SET_ADDRESS: 5,
  GET_DESCRIPTOR: 6,
  SET_DESCRIPTOR: 7,
  GET_CONFIGURATION: 8,
  SET_CONFIGURATION: 9,
  GET_INTERFACE: 10,
  SET_INTERFACE: 11,
  SYNCH_FRAME: 12,
  SET_SEL: 48,
  SET_ISOCH_DELAY: 49,
} as const;

/** What a host controller gives a device it attaches. */
export interface UsbDeviceHost {
  /** The device has data for IN `endpoint` (or room on an OUT one) after answering NAK. */
  wake(endpoint: number): void;
}

/**
 * The contract every USB device implements, whatever host controller it sits behind. Control
 * transfers arrive whole (SETUP + data stage); other endpoints one transfer (TD) at a time.
 * A device never throws for what the host sends: it answers USB_STALL.
 */
export interface UsbDevice {
  /** A short name for logs. */
  readonly name: string;
  /** The fastest speed the device can run at ("super" devices run at "high" on USB 2 ports). */
  readonly maxSpeed: UsbSpeed;
  /** Plugged into a port that runs at `speed`. */
  attach(speed: UsbSpeed, host: UsbDeviceHost): void;
  detach(): void;
  /** Bus (port) reset: address 0, unconfigured, endpoints not halted. */
  reset(): void;
  /**
   * A control transfer on endpoint 0. IN (bmRequestType bit 7): fill `data` (wLength bytes) and
   * return how many bytes were written. OUT: `data` holds the host's wLength bytes; return 0.
   * USB_STALL refuses the request.
   */
  control(setup: SetupPacket, data: Uint8Array): number;
  /**
   * A transfer on endpoint `endpoint` (address; bit 7 = IN). IN: fill `data`, return the length
   * (less than data.length ends the transfer short). OUT: consume `data`, return its length.
   * USB_NAK defers (the device calls `host.wake(endpoint)` later); USB_STALL halts the endpoint.
   */
  transfer(endpoint: number, data: Uint8Array): number;
  /** The device's own snapshot state (saved inside its host controller's section). */
  saveState?(w: StateWriter): void;
  /** Parse what `saveState` wrote; apply nothing until the returned commit runs. */
  loadState?(r: StateReader): () => void;
}

/** Identity strings and ids shared by this package's devices. */
export interface UsbDeviceIdentity {
  idVendor?: number;
  idProduct?: number;
  bcdDevice?: number;
  manufacturer?: string;
  product?: string;
  serial?: string;
}

/** The descriptors one device answers at one speed. */
export interface SpeedDescriptors {
  device: number[];
  configuration: number[];
}

/**
 * Standard-request handling (USB 3.2 §9.4) for devices with one configuration: descriptors,
 * addresses, configuration and interface selection, endpoint halt. Subclasses supply their
 * descriptors per speed and handle class requests and data endpoints.
 */
export abstract class UsbDeviceBase implements UsbDevice {
  readonly maxSpeed: UsbSpeed = "super";
  speed: UsbSpeed = "super";
  address = 0;
  configuration = 0;
  protected host: UsbDeviceHost | undefined;
  protected readonly halted = new Set<number>();
  protected readonly altSettings = new Map<number, number>();
  protected readonly log: RateLimitedLog;
  /** String descriptor texts: index 1, 2, 3… */
  protected abstract readonly strings: readonly string[];

  /** `name`: the device's name (logs, snapshots: a restored port must hold a device of that name). */
  constructor(readonly name: string) {
    this.log = new RateLimitedLog(name);
  }

  /** Device and configuration descriptors for `speed`. */
  protected abstract descriptorsFor(speed: UsbSpeed): SpeedDescriptors;

  /** Class/vendor requests and standard requests to interfaces this base does not know. */
  protected classControl(_setup: SetupPacket, _data: Uint8Array): number {
    return USB_STALL;
  }

  /** Non-control endpoints. */
  abstract transfer(endpoint: number, data: Uint8Array): number;

  /** Called on SET_CONFIGURATION (0 = unconfigured) and on reset. */
  protected configured(_value: number): void {}

  /** Called on CLEAR_FEATURE(ENDPOINT_HALT): the endpoint's data toggle / sequence restarts. */
  protected haltCleared(_endpoint: number): void {}

  /** Called on SET_INTERFACE; return false to STALL an unknown alternate setting. */
  protected setInterface(iface: number, alt: number): boolean {
    return alt === 0 && iface >= 0;
  }

  /**
   * Snapshot (inside the host controller's section): the speed, address, configuration, halted
   * endpoints and alternate settings, then the subclass's own state (`saveOwnState`).
   */
  saveState(w: StateWriter): void {
    w.str(this.speed);
    w.u32(this.address);
    w.u32(this.configuration);
    w.u32(this.halted.size);
    for (const e of this.halted) w.u32(e);
    w.u32(this.altSettings.size);
    for (const [i, a] of this.altSettings) {
      w.u32(i);
      w.u32(a);
    }
    this.saveOwnState(w);
  }

  loadState(r: StateReader): () => void {
    const speed = r.str(16) as UsbSpeed;
    if (!["low", "full", "high", "super"].includes(speed)) r.fail(`${this.name}: speed "${speed}"`);
    const address = r.u32();
    const configuration = r.u32();
    if (address > 127 || configuration > 255)
      r.fail(`${this.name}: address ${address}, configuration ${configuration}`);
    const halted: number[] = [];
    for (let n = r.count(32, "halted endpoints"); n > 0; n--) halted.push(r.u32());
    const alts: Array<[number, number]> = [];
    for (let n = r.count(256, "alternate settings"); n > 0; n--) alts.push([r.u32(), r.u32()]);
    const own = this.loadOwnState(r);
    return () => {
      this.speed = speed;
      this.address = address;
      this.configuration = configuration;
      this.halted.clear();
      for (const e of halted) this.halted.add(e);
      this.altSettings.clear();
      for (const [i, a] of alts) this.altSettings.set(i, a);
      own();
    };
  }

  /** A subclass's own snapshot state (after the base's). */
  protected saveOwnState(_w: StateWriter): void {}

  /** Parse what `saveOwnState` wrote; the returned commit applies it. */
  protected loadOwnState(_r: StateReader): () => void {
    return () => {};
  }

  attach(speed: UsbSpeed, host: UsbDeviceHost): void {
    this.speed = speed;
    this.host = host;
    this.reset();
  }

  detach(): void {
    this.host = undefined;
  }

  reset(): void {
    this.address = 0;
    this.configuration = 0;
    this.halted.clear();
    this.altSettings.clear();
    this.configured(0);
  }

  /** The device descriptor fields for a speed: bcdUSB and bMaxPacketSize0 follow the speed. */
  protected deviceFields(
    speed: UsbSpeed,
    id: Required<UsbDeviceIdentity>,
    cls = [0, 0, 0],
  ): DeviceDescriptorFields {
    const ss = speed === "super";
    return {
      bcdUSB: ss ? 0x0300 : speed === "high" ? 0x0200 : 0x0110,
      bDeviceClass: cls[0]!,
      bDeviceSubClass: cls[1]!,
      bDeviceProtocol: cls[2]!,
      // USB 3.2 §9.6.1: SuperSpeed bMaxPacketSize0 is an exponent, 9 = 512 bytes.
      bMaxPacketSize0: ss ? 9 : 64,
      idVendor: id.idVendor,
      idProduct: id.idProduct,
      bcdDevice: id.bcdDevice,
      iManufacturer: 1,
      iProduct: 2,
      iSerialNumber: id.serial === "" ? 0 : 3,
      bNumConfigurations: 1,
    };
  }

  control(setup: SetupPacket, data: Uint8Array): number {
    const type = (setup.bmRequestType >>> 5) & 3;
    if (type !== 0) return this.classControl(setup, data);
    const recipient = setup.bmRequestType & 0x1f;
    const dirIn = (setup.bmRequestType & 0x80) !== 0;
    const R = StdRequest;
    switch (setup.bRequest) {
      case R.GET_DESCRIPTOR:
        if (!dirIn) return USB_STALL;
        if (recipient !== 0) return this.classControl(setup, data);
        return this.getDescriptor(setup.wValue >>> 8, setup.wValue & 0xff, data);
      case R.SET_ADDRESS:
        if (dirIn || recipient !== 0 || setup.wValue > 127) return USB_STALL;
        this.address = setup.wValue;
        return 0;
      case R.GET_CONFIGURATION:
        if (!dirIn) return USB_STALL;
        return copyOut(data, [this.configuration]);
      case R.SET_CONFIGURATION: {
        if (dirIn || recipient !== 0) return USB_STALL;
        const v = setup.wValue & 0xff;
        if (v > 1) return USB_STALL;
        this.configuration = v;
        this.halted.clear();
        this.altSettings.clear();
        this.configured(v);
        return 0;
      }
      case R.GET_STATUS: {
        if (!dirIn) return USB_STALL;
        const halted = recipient === 2 && this.halted.has(setup.wIndex & 0xff) ? 1 : 0;
        return copyOut(data, [halted, 0]);
      }
      case R.CLEAR_FEATURE:
        // Feature 0 on an endpoint is ENDPOINT_HALT (USB 3.2 Table 9-7).
        if (recipient === 2 && setup.wValue === 0) {
          this.halted.delete(setup.wIndex & 0xff);
          this.haltCleared(setup.wIndex & 0xff);
        }
        return 0;
      case R.SET_FEATURE:
        if (recipient === 2 && setup.wValue === 0) this.halted.add(setup.wIndex & 0xff);
        return 0;
      case R.GET_INTERFACE:
        if (!dirIn || this.configuration === 0) return USB_STALL;
        return copyOut(data, [this.altSettings.get(setup.wIndex & 0xff) ?? 0]);
      case R.SET_INTERFACE:
        if (this.configuration === 0 || !this.setInterface(setup.wIndex & 0xff, setup.wValue & 0xff))
          return USB_STALL;
        this.altSettings.set(setup.wIndex & 0xff, setup.wValue & 0xff);
        return 0;
      case R.SET_SEL:
      case R.SET_ISOCH_DELAY:
        return 0;
      default:
        this.log.warn(
          `req${setup.bRequest}`,
          `${this.name}: standard request ${setup.bRequest} not supported: STALL`,
        );
        return USB_STALL;
    }
  }

  private getDescriptor(type: number, index: number, data: Uint8Array): number {
    const d = this.descriptorsFor(this.speed);
    switch (type) {
      case DescType.DEVICE:
        return copyOut(data, d.device);
      case DescType.CONFIGURATION:
        return index === 0 ? copyOut(data, d.configuration) : USB_STALL;
      case DescType.STRING: {
        if (index === 0) return copyOut(data, langIdDescriptor());
        const s = this.strings[index - 1];
        return s === undefined || s === "" ? USB_STALL : copyOut(data, stringDescriptor(s));
      }
      case DescType.BOS:
        // A BOS exists for bcdUSB >= 0x0201; ours is 0x0300 on SuperSpeed ports only.
        return this.speed === "super" ? copyOut(data, bosDescriptor()) : USB_STALL;
      case DescType.DEVICE_QUALIFIER: {
        if (this.speed !== "high") return USB_STALL;
        const dev = Uint8Array.from(d.device);
        return copyOut(data, deviceQualifier(fieldsFrom(dev)));
      }
      default:
        return USB_STALL;
    }
  }
}

function fieldsFrom(b: Uint8Array): DeviceDescriptorFields {
  const w = (o: number) => b[o]! | (b[o + 1]! << 8);
  return {
    bcdUSB: w(2),
    bDeviceClass: b[4]!,
    bDeviceSubClass: b[5]!,
    bDeviceProtocol: b[6]!,
    bMaxPacketSize0: b[7]!,
    idVendor: w(8),
    idProduct: w(10),
    bcdDevice: w(12),
    iManufacturer: b[14]!,
    iProduct: b[15]!,
    iSerialNumber: b[16]!,
    bNumConfigurations: b[17]!,
  };
}

/** Copies as much of `src` as fits into `dst` (a host asking for fewer bytes gets a prefix). */
export function copyOut(dst: Uint8Array, src: ArrayLike<number>): number {
  const n = Math.min(dst.length, src.length);
  for (let i = 0; i < n; i++) dst[i] = src[i]!;
  return n;
}
