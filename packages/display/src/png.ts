import { writeFileSync } from "node:fs";
import { deflateSync } from "node:zlib";
import { crc32, type Display } from "@armature/core";

/** CRC-32 as PNG chunks use it (PNG spec §5.5); re-exported from @armature/core. */
export { crc32 };

function chunk(type: string, body: Uint8Array): Buffer {
  const b = Buffer.alloc(12 + body.length);
  b.writeUInt32BE(body.length, 0);
  b.write(type, 4, "latin1");
  b.set(body, 8);
  b.writeUInt32BE(crc32(b.subarray(4, 8 + body.length)), 8 + body.length);
  return b;
}

/**
 * A PNG (ISO/IEC 15948) of `width` x `height` 8-bit RGB from B, G, R, X pixels with `stride`
 * bytes per row: IHDR, one IDAT (zlib via node:zlib, filter type 0 on every row), IEND.
 */
export function encodePng(width: number, height: number, bgrx: Uint8Array, stride = width * 4): Buffer {
  const raw = Buffer.alloc((width * 3 + 1) * height);
  let o = 0;
  for (let y = 0; y < height; y++) {
    raw[o++] = 0; // filter: None
    let s = y * stride;
    for (let x = 0; x < width; x++, s += 4) {
      raw[o++] = bgrx[s + 2]!;
      raw[o++] = bgrx[s + 1]!;
      raw[o++] = bgrx[s]!;
    }
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // colour type: truecolour
  // compression 0, filter method 0, interlace 0
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk("IHDR", ihdr),
    chunk("IDAT", deflateSync(raw, { level: 6 })),
    chunk("IEND", new Uint8Array(0)),
  ]);
}

/** A PNG of the display's current surface. */
export function screenshot(display: Display): Buffer {
  return encodePng(display.width, display.height, display.data, display.stride);
}

/** Write the display's current surface to `file` as PNG. */
export function writeScreenshot(display: Display, file: string): void {
  writeFileSync(file, screenshot(display));
}
