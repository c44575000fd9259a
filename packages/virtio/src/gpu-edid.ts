import { ConfigError } from "@armature/core";

/** Largest side a detailed timing descriptor can carry (12-bit fields, VESA E-EDID 1.4 §3.10.2). */
export const EDID_MAX_SIDE = 4095;
/** Smallest mode described (smaller ones would need a pixel clock under the 10 MHz that parsers accept). */
export const EDID_MIN_WIDTH = 320;
export const EDID_MIN_HEIGHT = 200;

/** A display mode's timings (pixels, lines, kHz). */
export interface EdidTiming {
  width: number;
  height: number;
  /** Pixel clock in units of 10 kHz (as the descriptor stores it). */
  clock10kHz: number;
  hBlank: number;
  hFront: number;
  hSync: number;
  vBlank: number;
  vFront: number;
  vSync: number;
  widthMm: number;
  heightMm: number;
}

export interface EdidOptions {
  /** Three upper-case letters (PNP ID); default "AMT". */
  manufacturer?: string;
  productCode?: number;
  serial?: number;
  /** Monitor name descriptor, up to 13 characters; default "Armature". */
  name?: string;
  /** Pixels per inch used to state the physical size (default 96). */
  dpi?: number;
  /** Refresh rate aimed at (default 60 Hz). */
  refresh?: number;
}

/**
 * Timings for `width` x `height` after the shape of VESA CVT reduced blanking (v1): 160-pixel
 * horizontal blank (48 front porch, 32 sync), 3-line vertical front porch, at least 460 µs of
 * vertical blank. The refresh is lowered when the clock would not fit the 16-bit field.
 */
export function edidTiming(width: number, height: number, opts: EdidOptions = {}): EdidTiming {
  for (const [what, v, min] of [
    ["width", width, EDID_MIN_WIDTH],
    ["height", height, EDID_MIN_HEIGHT],
  ] as const) {
    if (!Number.isInteger(v) || v < min || v > EDID_MAX_SIDE)
      throw new ConfigError(`EDID ${what} ${v} must be an integer in ${min}..${EDID_MAX_SIDE}`);
  }
  const refresh = opts.refresh ?? 60;
  const hBlank = 160;
  const hTotal = width + hBlank;
  const vFront = 3;
  const vSync = 6;
  // CVT-RB: the vertical blank lasts at least 460 µs (and has a back porch of at least 6 lines).
  const hPeriodUs = (1e6 / refresh - 460) / height;
  const vBlank = Math.max(Math.ceil(460 / Math.max(hPeriodUs, 0.01)) + 1, vFront + vSync + 6);
  const vTotal = height + vBlank;
  // Parsers reject clocks under 10 MHz (small modes then refresh faster) and the field is 16 bits.
  const clock10kHz = Math.min(0xffff, Math.max(1000, Math.ceil((hTotal * vTotal * refresh) / 10_000)));
  const dpi = opts.dpi ?? 96;
  return {
    width,
    height,
    clock10kHz,
    hBlank,
    hFront: 48,
    hSync: 32,
    vBlank: Math.min(vBlank, EDID_MAX_SIDE),
    vFront,
    vSync,
    widthMm: Math.min(4095, Math.round((width * 25.4) / dpi)),
    heightMm: Math.min(4095, Math.round((height * 25.4) / dpi)),
  };
}

/** An 18-byte detailed timing descriptor (E-EDID 1.4 §3.10.2). */
export function encodeDetailedTiming(t: EdidTiming): Uint8Array {
  const d = new Uint8Array(18);
  d[0] = t.clock10kHz & 0xff;
  d[1] = t.clock10kHz >> 8;
  d[2] = t.width & 0xff;
  d[3] = t.hBlank & 0xff;
  d[4] = ((t.width >> 8) << 4) | (t.hBlank >> 8);
  d[5] = t.height & 0xff;
  d[6] = t.vBlank & 0xff;
  d[7] = ((t.height >> 8) << 4) | (t.vBlank >> 8);
  d[8] = t.hFront & 0xff;
  d[9] = t.hSync & 0xff;
  d[10] = ((t.vFront & 0xf) << 4) | (t.vSync & 0xf);
  d[11] = ((t.hFront >> 8) << 6) | ((t.hSync >> 8) << 4) | ((t.vFront >> 4) << 2) | (t.vSync >> 4);
  d[12] = t.widthMm & 0xff;
  d[13] = t.heightMm & 0xff;
  d[14] = ((t.widthMm >> 8) << 4) | (t.heightMm >> 8);
  // Digital separate sync, hsync positive, vsync negative (CVT reduced blanking polarities).
  d[17] = 0x1a;
  return d;
}

/** Decode a detailed timing descriptor (the inverse of encodeDetailedTiming). */
export function decodeDetailedTiming(d: Uint8Array): EdidTiming {
  return {
    clock10kHz: d[0]! | (d[1]! << 8),
    width: d[2]! | ((d[4]! >> 4) << 8),
    hBlank: d[3]! | ((d[4]! & 0xf) << 8),
    height: d[5]! | ((d[7]! >> 4) << 8),
    vBlank: d[6]! | ((d[7]! & 0xf) << 8),
    hFront: d[8]! | ((d[11]! >> 6) << 8),
    hSync: d[9]! | (((d[11]! >> 4) & 3) << 8),
    vFront: (d[10]! >> 4) | (((d[11]! >> 2) & 3) << 4),
    vSync: (d[10]! & 0xf) | ((d[11]! & 3) << 4),
    widthMm: d[12]! | ((d[14]! >> 4) << 8),
    heightMm: d[13]! | ((d[14]! & 0xf) << 8),
  };
}

function textDescriptor(tag: number, text: string): Uint8Array {
  const d = new Uint8Array(18);
  d[3] = tag;
  const s = text.slice(0, 13);
  for (let i = 0; i < 13; i++)
    d[5 + i] = i < s.length ? s.charCodeAt(i) & 0x7f : i === s.length ? 0x0a : 0x20;
  return d;
}

/**
 * A 128-byte EDID 1.4 base block (VESA E-EDID Release A2) describing one digital display whose
 * preferred (native) mode is `width` x `height`: sRGB chromaticity, the mode as the first detailed
 * timing descriptor, a range-limits descriptor that covers it, and a monitor name.
 */
export function encodeEdid(width: number, height: number, opts: EdidOptions = {}): Uint8Array {
  const t = edidTiming(width, height, opts);
  const e = new Uint8Array(128);
  e.set([0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x00], 0);
  const m = opts.manufacturer ?? "AMT";
  if (!/^[A-Z]{3}$/.test(m)) throw new ConfigError(`EDID manufacturer "${m}" must be three letters A-Z`);
  const id = ((m.charCodeAt(0) - 64) << 10) | ((m.charCodeAt(1) - 64) << 5) | (m.charCodeAt(2) - 64);
  e[8] = id >> 8; // big-endian (§3.4.1)
  e[9] = id & 0xff;
  const product = opts.productCode ?? 0x0001;
  e[10] = product & 0xff;
  e[11] = (product >> 8) & 0xff;
  const serial = (opts.serial ?? 0) >>> 0;
  e[12] = serial & 0xff;
  e[13] = (serial >> 8) & 0xff;
  e[14] = (serial >> 16) & 0xff;
  e[15] = serial >>> 24;
  e[16] = 0xff; // week 0xff: byte 17 is the model year
  e[17] = 2024 - 1990;
  e[18] = 1; // EDID 1.4
  e[19] = 4;
  e[20] = 0xa0; // digital input, 8 bits per primary, interface not defined
  e[21] = Math.min(255, Math.max(1, Math.round(t.widthMm / 10)));
  e[22] = Math.min(255, Math.max(1, Math.round(t.heightMm / 10)));
  e[23] = 120; // gamma 2.2: (2.2 * 100) - 100
  e[24] = 0x06; // sRGB default colour space; preferred timing is the native mode; RGB 4:4:4
  // sRGB primaries and D65 white, 10-bit binary fractions (§3.7).
  const c = [0.64, 0.33, 0.3, 0.6, 0.15, 0.06, 0.3127, 0.329].map((v) => Math.round(v * 1024));
  e[25] = ((c[0]! & 3) << 6) | ((c[1]! & 3) << 4) | ((c[2]! & 3) << 2) | (c[3]! & 3);
  e[26] = ((c[4]! & 3) << 6) | ((c[5]! & 3) << 4) | ((c[6]! & 3) << 2) | (c[7]! & 3);
  for (let i = 0; i < 8; i++) e[27 + i] = c[i]! >> 2;
  // 35..37: no established timings. 38..53: standard timings unused (0x01 0x01).
  for (let i = 38; i < 54; i++) e[i] = 1;
  e.set(encodeDetailedTiming(t), 54);
  // Display range limits (§3.10.3.3): vertical 50..(refresh+15) Hz, horizontal kHz, max clock MHz / 10.
  const htotal = t.width + t.hBlank;
  const hKhz = (t.clock10kHz * 10) / htotal;
  const vHz = (hKhz * 1000) / (t.height + t.vBlank);
  const r = new Uint8Array(18);
  r[3] = 0xfd;
  r[5] = Math.max(1, Math.min(50, Math.floor(vHz)));
  r[6] = Math.min(255, Math.max(r[5], Math.ceil(vHz) + 15));
  r[7] = Math.max(1, Math.min(30, Math.floor(hKhz)));
  r[8] = Math.min(255, Math.max(r[7], Math.ceil(hKhz)));
  r[9] = Math.min(255, Math.ceil(t.clock10kHz / 1000) + 1);
  r[10] = 0x01; // range limits only, no timing formula
  r.set([0x0a, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20], 11);
  e.set(r, 72);
  e.set(textDescriptor(0xfc, opts.name ?? "Armature"), 90);
  e.set(textDescriptor(0xff, String(serial)), 108);
  e[126] = 0; // no extension blocks
  let sum = 0;
  for (let i = 0; i < 127; i++) sum += e[i]!;
  e[127] = (256 - (sum & 0xff)) & 0xff;
  return e;
}
