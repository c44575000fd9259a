/**
 * USB descriptors (USB 3.2 §9.6, USB 2.0 §9.6): builders that return bytes, and a parser that
 * splits a configuration bundle back into descriptors. All multi-byte fields are little-endian.
 */

/** bDescriptorType values (USB 3.2 Table 9-6, HID 1.11 §7.1, UVC 1.1 Table A-4). */
export const DescType = {
  DEVICE: 1,
  CONFIGURATION: 2,
  STRING: 3,
  INTERFACE: 4,
  ENDPOINT: 5,
  DEVICE_QUALIFIER: 6,
  OTHER_SPEED_CONFIGURATION: 7,
  INTERFACE_ASSOCIATION: 11,
  BOS: 15,
  DEVICE_CAPABILITY: 16,
  SS_ENDPOINT_COMPANION: 48,
  HID: 0x21,
  HID_REPORT: 0x22,
  CS_INTERFACE: 0x24,
  CS_ENDPOINT: 0x25,
} as const;

export type UsbSpeed = "low" | "full" | "high" | "super";

/** Endpoint transfer types (bmAttributes 1:0). */
export const EpType = { CONTROL: 0, ISOCH: 1, BULK: 2, INTERRUPT: 3 } as const;

export interface DeviceDescriptorFields {
  bcdUSB: number;
  bDeviceClass: number;
  bDeviceSubClass: number;
  bDeviceProtocol: number;
  bMaxPacketSize0: number;
  idVendor: number;
  idProduct: number;
  bcdDevice: number;
  iManufacturer: number;
  iProduct: number;
  iSerialNumber: number;
  bNumConfigurations: number;
}

const le16 = (v: number): number[] => [v & 0xff, (v >>> 8) & 0xff];
const le32 = (v: number): number[] => [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff];

export { le16, le32 };

/** Device descriptor, 18 bytes (USB 3.2 §9.6.1). */
export function deviceDescriptor(d: DeviceDescriptorFields): number[] {
  return [
    18,
    DescType.DEVICE,
    ...le16(d.bcdUSB),
    d.bDeviceClass,
    d.bDeviceSubClass,
    d.bDeviceProtocol,
    d.bMaxPacketSize0,
    ...le16(d.idVendor),
    ...le16(d.idProduct),
    ...le16(d.bcdDevice),
    d.iManufacturer,
    d.iProduct,
    d.iSerialNumber,
    d.bNumConfigurations,
  ];
}

/** Configuration descriptor header (9 bytes) followed by `body`; wTotalLength is computed. */
export function configurationDescriptor(
  c: {
    bNumInterfaces: number;
    bConfigurationValue: number;
    iConfiguration: number;
    bmAttributes: number;
    bMaxPower: number;
  },
  body: readonly number[],
): number[] {
  return [
    9,
    DescType.CONFIGURATION,
    ...le16(9 + body.length),
    c.bNumInterfaces,
    c.bConfigurationValue,
    c.iConfiguration,
    c.bmAttributes,
    c.bMaxPower,
    ...body,
  ];
}

export function interfaceDescriptor(i: {
  bInterfaceNumber: number;
  bAlternateSetting: number;
  bNumEndpoints: number;
  bInterfaceClass: number;
  bInterfaceSubClass: number;
  bInterfaceProtocol: number;
  iInterface: number;
}): number[] {
  return [
    9,
    DescType.INTERFACE,
    i.bInterfaceNumber,
    i.bAlternateSetting,
    i.bNumEndpoints,
    i.bInterfaceClass,
    i.bInterfaceSubClass,
    i.bInterfaceProtocol,
    i.iInterface,
  ];
}

export function endpointDescriptor(e: {
  bEndpointAddress: number;
  bmAttributes: number;
  wMaxPacketSize: number;
  bInterval: number;
}): number[] {
  return [7, DescType.ENDPOINT, e.bEndpointAddress, e.bmAttributes, ...le16(e.wMaxPacketSize), e.bInterval];
}

/** SuperSpeed Endpoint Companion (USB 3.2 §9.6.7), 6 bytes. */
export function ssEndpointCompanion(
  bMaxBurst: number,
  bmAttributes: number,
  wBytesPerInterval: number,
): number[] {
  return [6, DescType.SS_ENDPOINT_COMPANION, bMaxBurst, bmAttributes, ...le16(wBytesPerInterval)];
}

/** Interface Association Descriptor (USB IAD ECN), 8 bytes. */
export function interfaceAssociation(a: {
  bFirstInterface: number;
  bInterfaceCount: number;
  bFunctionClass: number;
  bFunctionSubClass: number;
  bFunctionProtocol: number;
  iFunction: number;
}): number[] {
  return [
    8,
    DescType.INTERFACE_ASSOCIATION,
    a.bFirstInterface,
    a.bInterfaceCount,
    a.bFunctionClass,
    a.bFunctionSubClass,
    a.bFunctionProtocol,
    a.iFunction,
  ];
}

/** String descriptor: UTF-16LE text (USB 3.2 §9.6.9); index 0 is the LANGID list. */
export function stringDescriptor(text: string): number[] {
  const out = [0, DescType.STRING];
  for (let i = 0; i < text.length && out.length < 254; i++) out.push(...le16(text.charCodeAt(i)));
  out[0] = out.length;
  return out;
}

export function langIdDescriptor(langIds: readonly number[] = [0x0409]): number[] {
  const out = [2 + 2 * langIds.length, DescType.STRING];
  for (const l of langIds) out.push(...le16(l));
  return out;
}

/**
 * BOS descriptor with a USB 2.0 Extension capability (LPM) and a SuperSpeed USB device capability
 * (USB 3.2 §9.6.2): what a bcdUSB 0x0300 device must answer.
 */
export function bosDescriptor(): number[] {
  const usb2Ext = [7, DescType.DEVICE_CAPABILITY, 0x02, ...le32(0x00000002)];
  // SuperSpeed USB: bmAttributes 0, wSpeedsSupported FS|HS|SS, bFunctionalitySupport = FS,
  // bU1DevExitLat 10 us, wU2DevExitLat 2047 us (§9.6.2.2).
  const ss = [10, DescType.DEVICE_CAPABILITY, 0x03, 0x00, ...le16(0x000e), 0x01, 0x0a, ...le16(0x07ff)];
  const body = [...usb2Ext, ...ss];
  return [5, DescType.BOS, ...le16(5 + body.length), 2, ...body];
}

/** Device qualifier (USB 2.0 §9.6.2) for a high-speed device. */
export function deviceQualifier(d: DeviceDescriptorFields): number[] {
  return [
    10,
    DescType.DEVICE_QUALIFIER,
    ...le16(Math.min(d.bcdUSB, 0x0200)),
    d.bDeviceClass,
    d.bDeviceSubClass,
    d.bDeviceProtocol,
    64,
    d.bNumConfigurations,
    0,
  ];
}

/** One descriptor found in a bundle: its type and its bytes (including bLength/bDescriptorType). */
export interface ParsedDescriptor {
  type: number;
  subtype: number;
  bytes: Uint8Array;
}

/**
 * Splits a configuration bundle into descriptors. Returns undefined when a bLength is < 2 or runs
 * past the end (what a host's parser rejects).
 */
export function parseDescriptors(b: Uint8Array): ParsedDescriptor[] | undefined {
  const out: ParsedDescriptor[] = [];
  let off = 0;
  while (off < b.length) {
    const len = b[off]!;
    if (len < 2 || off + len > b.length) return undefined;
    out.push({ type: b[off + 1]!, subtype: len > 2 ? b[off + 2]! : 0, bytes: b.subarray(off, off + len) });
    off += len;
  }
  return out;
}

export const u16 = (b: Uint8Array, off: number): number => b[off]! | (b[off + 1]! << 8);
export const u32 = (b: Uint8Array, off: number): number =>
  (b[off]! | (b[off + 1]! << 8) | (b[off + 2]! << 16) | (b[off + 3]! << 24)) >>> 0;
