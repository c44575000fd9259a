import {
  ConfigError,
  type StateReader,
  type StateWriter,
  type Timer,
  type VirtualClock,
} from "@armature/core";
import {
  configurationDescriptor,
  DescType,
  deviceDescriptor,
  EpType,
  endpointDescriptor,
  interfaceAssociation,
  interfaceDescriptor,
  le16,
  le32,
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

/** UVC class-specific request codes (UVC 1.1 Table A-8). */
export const UvcRequest = {
  SET_CUR: 0x01,
  GET_CUR: 0x81,
  GET_MIN: 0x82,
  GET_MAX: 0x83,
  GET_RES: 0x84,
  GET_LEN: 0x85,
  GET_INFO: 0x86,
  GET_DEF: 0x87,
} as const;

/** VideoStreaming interface control selectors (UVC 1.1 Table A-14). */
export const VS_PROBE_CONTROL = 0x01;
export const VS_COMMIT_CONTROL = 0x02;
/** Size of the probe/commit structure for bcdUVC 1.1 (UVC 1.1 §4.3.1.1, Table 4-47). */
export const UVC_PROBE_SIZE_1_1 = 34;

/** Payload header bmHeaderInfo bits (UVC 1.1 §2.4.3.3). */
export const UvcHeader = {
  FID: 0x01,
  EOF: 0x02,
  PTS: 0x04,
  SCR: 0x08,
  RES: 0x10,
  STI: 0x20,
  ERR: 0x40,
  EOH: 0x80,
} as const;
/** Our payload header: bHeaderLength, bmHeaderInfo, 4-byte PTS, 6-byte SCR. */
export const UVC_HEADER_LENGTH = 12;

/** The YUY2 GUID 32595559-0000-0010-8000-00AA00389B71 as stored in descriptors. */
const GUID_YUY2 = [
  0x59, 0x55, 0x59, 0x32, 0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xaa, 0x00, 0x38, 0x9b, 0x71,
];

/** dwClockFrequency and the PTS/SCR time base: 1 MHz. */
const CLOCK_HZ = 1_000_000;

export interface UvcFrameSize {
  width: number;
  height: number;
  /** Frame interval in 100 ns units (333333 = 30 fps). */
  interval: number;
}

/** The frame descriptors the camera offers (UVC frame index = position + 1). */
export const UVC_FRAME_SIZES: readonly UvcFrameSize[] = [
  { width: 640, height: 480, interval: 333333 },
  { width: 1280, height: 720, interval: 333333 },
];

/** Where frames come from: fill `out` (width × height × 2 bytes of YUY2) with frame `index`. */
export interface FrameSource {
  fill(width: number, height: number, index: number, out: Uint8Array): void;
}

/** 100% colour bars in BT.601 studio range Y'CbCr: white, yellow, cyan, green, magenta, red, blue, black. */
export const COLOUR_BARS_YUV: ReadonlyArray<readonly [number, number, number]> = [
  [235, 128, 128],
  [210, 16, 146],
  [170, 166, 16],
  [145, 54, 34],
  [106, 202, 222],
  [81, 90, 240],
  [41, 240, 110],
  [16, 128, 128],
];

/**
 * The built-in test pattern: eight vertical colour bars, and the frame counter as 32 binary
 * blocks (most significant first; white = 1, black = 0) along the bottom 16 rows.
 */
export const testPattern: FrameSource = {
  fill(width: number, height: number, index: number, out: Uint8Array): void {
    const stride = width * 2;
    const counterTop = Math.max(0, height - 16);
    const block = Math.max(2, Math.floor(width / 32) & ~1);
    for (let y = 0; y < height; y++) {
      const row = y * stride;
      for (let x = 0; x < width; x += 2) {
        let c = COLOUR_BARS_YUV[Math.min(7, Math.floor((x * 8) / width))]!;
        if (y >= counterTop) {
          const bit = Math.floor(x / block);
          c = bit < 32 && ((index >>> (31 - bit)) & 1) === 1 ? COLOUR_BARS_YUV[0]! : COLOUR_BARS_YUV[7]!;
        }
        const o = row + x * 2;
        out[o] = c[0];
        out[o + 1] = c[1];
        out[o + 2] = c[0];
        out[o + 3] = c[2];
      }
    }
  },
};

/** Raw YUY2 frames of one size, played in a loop (e.g. a file read by the host). */
export class Yuy2Frames implements FrameSource {
  readonly count: number;
  constructor(
    private readonly bytes: Uint8Array,
    readonly width: number,
    readonly height: number,
  ) {
    const size = width * height * 2;
    if (!UVC_FRAME_SIZES.some((f) => f.width === width && f.height === height))
      throw new ConfigError(
        `YUY2 frames ${width}x${height}: the camera offers ${UVC_FRAME_SIZES.map((f) => `${f.width}x${f.height}`).join(", ")}`,
      );
    if (bytes.length < size || bytes.length % size !== 0)
      throw new ConfigError(
        `YUY2 frame data is ${bytes.length} bytes: not a whole number of ${width}x${height} frames (${size} bytes each)`,
      );
    this.count = bytes.length / size;
  }
  fill(width: number, height: number, index: number, out: Uint8Array): void {
    if (width !== this.width || height !== this.height) {
      testPattern.fill(width, height, index, out);
      return;
    }
    const size = width * height * 2;
    const start = (index % this.count) * size;
    out.set(this.bytes.subarray(start, start + size));
  }
}

export interface UvcCameraOptions extends UsbDeviceIdentity {
  /** Frames (default: the test pattern). */
  frames?: FrameSource;
  /** Pace frames at the negotiated interval on this clock; without one, frames are always ready. */
  clock?: VirtualClock;
}

/**
 * A UVC 1.1 camera: an interface association over a VideoControl interface (camera terminal →
 * output terminal) and a VideoStreaming interface with uncompressed YUY2 at 640×480 and
 * 1280×720, probe/commit negotiation, and bulk streaming of payloads with FID/EOF/PTS/SCR headers.
 */
export class UvcCamera extends UsbDeviceBase {
  protected readonly strings: readonly string[];
  private readonly id: Required<UsbDeviceIdentity>;
  private readonly source: FrameSource;
  private readonly clock: VirtualClock | undefined;
  private readonly timer: Timer | undefined;
  private readonly probe = new Uint8Array(UVC_PROBE_SIZE_1_1);
  private readonly commit = new Uint8Array(UVC_PROBE_SIZE_1_1);
  /** Frames completed since the stream (re)started; also the pattern's counter. */
  framesSent = 0;
  private frame = new Uint8Array(0);
  private frameReady = false;
  private frameOffset = 0;
  private fid = 0;
  private payloadLeft = 0;
  private headerLeft = 0;
  private payloadEof = false;
  private readonly header = new Uint8Array(UVC_HEADER_LENGTH);
  private nextFrameNs = 0;
  private ptsUs = 0;

  constructor(opts: UvcCameraOptions = {}) {
    super("uvc-camera");
    this.id = {
      idVendor: opts.idVendor ?? 0x203a,
      idProduct: opts.idProduct ?? 0xfff9,
      bcdDevice: opts.bcdDevice ?? 0x0100,
      manufacturer: opts.manufacturer ?? "Parallels",
      product: opts.product ?? "FaceTime HD Camera",
      serial: opts.serial ?? "",
    };
    this.strings = [this.id.manufacturer, this.id.product, this.id.serial];
    this.source = opts.frames ?? testPattern;
    this.clock = opts.clock;
    this.timer = this.clock?.createTimer(() => this.host?.wake(0x81));
    this.fillDefault(this.probe);
    this.fillDefault(this.commit);
  }

  /** Max bytes per payload (dwMaxPayloadTransferSize): 32 max-size packets. */
  get maxPayload(): number {
    return this.speed === "super" ? 32 * 1024 : 32 * 512;
  }

  /** The committed frame size. */
  get committed(): UvcFrameSize {
    return UVC_FRAME_SIZES[(this.commit[3] ?? 1) - 1] ?? UVC_FRAME_SIZES[0]!;
  }

  protected descriptorsFor(speed: UsbSpeed): SpeedDescriptors {
    const ss = speed === "super";
    const vc = [
      ...[13, DescType.CS_INTERFACE, 0x01, ...le16(0x0110), ...le16(40), ...le32(CLOCK_HZ), 1, 1],
      // Camera input terminal (UVC 1.1 Table 3-6), ITT_CAMERA 0x0201, no controls.
      ...[18, DescType.CS_INTERFACE, 0x02, 1, ...le16(0x0201), 0, 0, 0, 0, 0, 0, 0, 0, 3, 0, 0, 0],
      // Output terminal TT_STREAMING 0x0101 fed by terminal 1 (UVC 1.1 Table 3-5).
      ...[9, DescType.CS_INTERFACE, 0x03, 2, ...le16(0x0101), 0, 1, 0],
    ];
    const frames: number[] = [];
    UVC_FRAME_SIZES.forEach((f, i) => {
      const size = f.width * f.height * 2;
      const bitrate = size * 8 * Math.round(1e7 / f.interval);
      frames.push(
        ...[30, DescType.CS_INTERFACE, 0x05, i + 1, 0, ...le16(f.width), ...le16(f.height)],
        ...le32(bitrate),
        ...le32(bitrate),
        ...le32(size),
        ...le32(f.interval),
        1,
        ...le32(f.interval),
      );
    });
    const vsBody = [
      ...[27, DescType.CS_INTERFACE, 0x04, 1, UVC_FRAME_SIZES.length, ...GUID_YUY2, 16, 1, 0, 0, 0, 0],
      ...frames,
      // Colour matching: BT.709 primaries, BT.709 transfer, SMPTE 170M matrix (UVC 1.1 Table 3-18).
      ...[6, DescType.CS_INTERFACE, 0x0d, 1, 1, 4],
    ];
    const vsHeader = [
      14,
      DescType.CS_INTERFACE,
      0x01,
      1,
      ...le16(14 + vsBody.length),
      0x81,
      0,
      2,
      0,
      0,
      0,
      1,
      0,
    ];
    const body = [
      ...interfaceAssociation({
        bFirstInterface: 0,
        bInterfaceCount: 2,
        bFunctionClass: 0x0e,
        bFunctionSubClass: 0x03,
        bFunctionProtocol: 0,
        iFunction: 2,
      }),
      ...interfaceDescriptor({
        bInterfaceNumber: 0,
        bAlternateSetting: 0,
        bNumEndpoints: 0,
        bInterfaceClass: 0x0e,
        bInterfaceSubClass: 0x01,
        bInterfaceProtocol: 0,
        iInterface: 2,
      }),
      ...vc,
      ...interfaceDescriptor({
        bInterfaceNumber: 1,
        bAlternateSetting: 0,
        bNumEndpoints: 1,
        bInterfaceClass: 0x0e,
        bInterfaceSubClass: 0x02,
        bInterfaceProtocol: 0,
        iInterface: 0,
      }),
      ...vsHeader,
      ...vsBody,
      ...endpointDescriptor({
        bEndpointAddress: 0x81,
        bmAttributes: EpType.BULK,
        wMaxPacketSize: ss ? 1024 : 512,
        bInterval: 0,
      }),
      ...(ss ? ssEndpointCompanion(0, 0, 0) : []),
    ];
    return {
      // Class EF/02/01: a device with interface associations (USB IAD ECN).
      device: deviceDescriptor(this.deviceFields(speed, this.id, [0xef, 0x02, 0x01])),
      configuration: configurationDescriptor(
        {
          bNumInterfaces: 2,
          bConfigurationValue: 1,
          iConfiguration: 0,
          bmAttributes: 0x80,
          bMaxPower: ss ? 64 : 250,
        },
        body,
      ),
    };
  }

  private fillDefault(p: Uint8Array, frameIndex = 1): void {
    p.fill(0);
    this.normalise(p, 1, frameIndex);
  }

  /** Completes a probe structure for a format/frame choice (the device's side of negotiation). */
  private normalise(p: Uint8Array, _format: number, frameIndex: number): void {
    const idx = frameIndex >= 1 && frameIndex <= UVC_FRAME_SIZES.length ? frameIndex : 1;
    const f = UVC_FRAME_SIZES[idx - 1]!;
    const v = new DataView(p.buffer, p.byteOffset, p.byteLength);
    v.setUint16(0, 1, true); // bmHint: dwFrameInterval fixed
    p[2] = 1;
    p[3] = idx;
    v.setUint32(4, f.interval, true);
    v.setUint16(8, 0, true);
    v.setUint16(10, 0, true);
    v.setUint16(12, 0, true);
    v.setUint16(14, 0, true);
    v.setUint16(16, 0, true);
    v.setUint32(18, f.width * f.height * 2, true);
    v.setUint32(22, this.maxPayload, true);
    v.setUint32(26, CLOCK_HZ, true);
    p[30] = 3; // bmFramingInfo: FID and EOF present
    p[31] = 0;
    p[32] = 0;
    p[33] = 0;
  }

  protected override classControl(setup: SetupPacket, data: Uint8Array): number {
    const type = (setup.bmRequestType >>> 5) & 3;
    const recipient = setup.bmRequestType & 0x1f;
    if (type !== 1 || recipient !== 1) return USB_STALL;
    const iface = setup.wIndex & 0xff;
    const entity = setup.wIndex >>> 8;
    const selector = setup.wValue >>> 8;
    // The VideoControl interface has no controls (bmControls are all zero).
    if (iface !== 1 || entity !== 0 || (selector !== VS_PROBE_CONTROL && selector !== VS_COMMIT_CONTROL))
      return USB_STALL;
    const target = selector === VS_PROBE_CONTROL ? this.probe : this.commit;
    const scratch = new Uint8Array(UVC_PROBE_SIZE_1_1);
    switch (setup.bRequest) {
      case UvcRequest.SET_CUR: {
        if (data.length < 26) return USB_STALL;
        const format = data[2]!;
        const frame = data[3]!;
        if (format !== 1 || frame < 1 || frame > UVC_FRAME_SIZES.length) {
          // A commit must name a valid format/frame; a probe is corrected by the device.
          if (selector === VS_COMMIT_CONTROL) return USB_STALL;
        }
        this.normalise(target, format, frame);
        if (selector === VS_COMMIT_CONTROL) this.restartStream();
        return 0;
      }
      case UvcRequest.GET_CUR:
        return copyOut(data, target);
      case UvcRequest.GET_DEF:
      case UvcRequest.GET_MIN:
        this.fillDefault(scratch);
        return copyOut(data, scratch);
      case UvcRequest.GET_MAX:
        this.fillDefault(scratch, UVC_FRAME_SIZES.length);
        return copyOut(data, scratch);
      case UvcRequest.GET_RES:
        return copyOut(data, scratch);
      case UvcRequest.GET_LEN:
        return copyOut(data, le16(UVC_PROBE_SIZE_1_1));
      case UvcRequest.GET_INFO:
        return copyOut(data, [0x03]);
      default:
        return USB_STALL;
    }
  }

  override reset(): void {
    super.reset();
    if (this.probe !== undefined) {
      this.fillDefault(this.probe);
      this.fillDefault(this.commit);
      this.restartStream();
    }
  }

  protected override haltCleared(endpoint: number): void {
    // Linux clears the bulk endpoint's halt when it starts and stops streaming: start a new frame.
    if (endpoint === 0x81) this.restartStream();
  }

  private restartStream(): void {
    this.timer?.cancel();
    this.frameReady = false;
    this.frameOffset = 0;
    this.payloadLeft = 0;
    this.headerLeft = 0;
    this.nextFrameNs = this.clock?.nowNs() ?? 0;
  }

  private startFrame(): boolean {
    if (!this.frameReady) {
      if (this.clock !== undefined && this.clock.nowNs() < this.nextFrameNs) {
        this.timer!.arm(this.nextFrameNs);
        return false;
      }
      const f = this.committed;
      const size = f.width * f.height * 2;
      if (this.frame.length !== size) this.frame = new Uint8Array(size);
      this.source.fill(f.width, f.height, this.framesSent, this.frame);
      this.ptsUs =
        this.clock !== undefined
          ? Math.floor(this.clock.nowNs() / 1000)
          : this.framesSent * Math.round(f.interval / 10);
      this.frameReady = true;
      this.frameOffset = 0;
    }
    return true;
  }

  /**
   * The streaming state: probe and commit controls, frames sent, the frame being sent (its bytes,
   * so a live source need not repeat it) and the position in it and in the current payload with
   * its header, the FID bit, the next frame's time, its PTS, and the frame timer.
   */
  protected override saveOwnState(w: StateWriter): void {
    w.raw(this.probe);
    w.raw(this.commit);
    w.f64(this.framesSent);
    w.bool(this.frameReady);
    if (this.frameReady) w.bytes(this.frame);
    for (const v of [this.frameOffset, this.fid, this.payloadLeft, this.headerLeft]) w.u32(v);
    w.bool(this.payloadEof);
    w.raw(this.header);
    w.f64(this.nextFrameNs);
    w.f64(this.ptsUs);
    w.bool(this.timer !== undefined);
    this.timer?.saveState(w);
  }

  protected override loadOwnState(r: StateReader): () => void {
    const probe = r.raw(this.probe.length).slice();
    const commit = r.raw(this.commit.length).slice();
    const framesSent = r.f64();
    const frameReady = r.bool();
    const frame = frameReady ? r.bytes(1280 * 720 * 2).slice() : undefined;
    const [offset, fid, payloadLeft, headerLeft] = [r.u32(), r.u32(), r.u32(), r.u32()];
    const eof = r.bool();
    const header = r.raw(this.header.length).slice();
    const next = r.f64();
    const pts = r.f64();
    if ((frame !== undefined && offset > frame.length) || fid > 1 || headerLeft > UVC_HEADER_LENGTH)
      r.fail(`camera stream position ${offset}`);
    if (r.bool() !== (this.timer !== undefined)) r.fail("the camera's clock differs");
    const timer = this.timer?.loadState(r);
    return () => {
      this.probe.set(probe);
      this.commit.set(commit);
      this.framesSent = framesSent;
      this.frameReady = frameReady;
      if (frame !== undefined) this.frame = frame;
      this.frameOffset = offset;
      this.fid = fid;
      this.payloadLeft = payloadLeft;
      this.headerLeft = headerLeft;
      this.payloadEof = eof;
      this.header.set(header);
      this.nextFrameNs = next;
      this.ptsUs = pts;
      timer?.();
    };
  }

  /** Bulk IN 0x81: a stream of payloads, each a 12-byte header then frame bytes (UVC 1.1 §2.4.3). */
  transfer(endpoint: number, data: Uint8Array): number {
    if (endpoint !== 0x81 || this.configuration === 0 || this.halted.has(0x81)) return USB_STALL;
    if (this.payloadLeft === 0) {
      if (!this.startFrame()) return USB_NAK;
      const chunk = Math.min(this.frame.length - this.frameOffset, this.maxPayload - UVC_HEADER_LENGTH);
      this.payloadEof = this.frameOffset + chunk === this.frame.length;
      const h = this.header;
      const hv = new DataView(h.buffer);
      h[0] = UVC_HEADER_LENGTH;
      h[1] = UvcHeader.EOH | UvcHeader.PTS | UvcHeader.SCR | this.fid | (this.payloadEof ? UvcHeader.EOF : 0);
      hv.setUint32(2, this.ptsUs >>> 0, true);
      const stc = this.clock !== undefined ? Math.floor(this.clock.nowNs() / 1000) : this.ptsUs;
      hv.setUint32(6, stc >>> 0, true);
      hv.setUint16(10, Math.floor(stc / 1000) & 0x7ff, true);
      this.headerLeft = UVC_HEADER_LENGTH;
      this.payloadLeft = UVC_HEADER_LENGTH + chunk;
    }
    let n = 0;
    while (n < data.length && this.headerLeft > 0) {
      data[n++] = this.header[UVC_HEADER_LENGTH - this.headerLeft]!;
      this.headerLeft--;
      this.payloadLeft--;
    }
    const take = Math.min(data.length - n, this.payloadLeft);
    data.set(this.frame.subarray(this.frameOffset, this.frameOffset + take), n);
    n += take;
    this.frameOffset += take;
    this.payloadLeft -= take;
    if (this.payloadLeft === 0 && this.payloadEof) {
      this.framesSent++;
      this.fid ^= UvcHeader.FID;
      this.frameReady = false;
      if (this.clock !== undefined)
        this.nextFrameNs = Math.max(this.nextFrameNs + this.committed.interval * 100, this.clock.nowNs());
    }
    return n;
  }
}
