import { ConfigError } from "@armature/core";
import { describe, expect, it } from "vitest";
import { keyUsage } from "./keys.js";
import { testPattern, UvcCamera, Yuy2Frames } from "./uvc.js";

describe("key names (HID Usage Tables 1.4 §10, Keyboard/Keypad page)", () => {
  it("maps KeyboardEvent.code names and aliases to usages", () => {
    expect(
      [
        "KeyA",
        "z",
        "Digit1",
        "0",
        "Enter",
        "Escape",
        "Space",
        "F1",
        "F12",
        "ArrowUp",
        "ShiftLeft",
        "MetaRight",
      ].map(keyUsage),
    ).toEqual([0x04, 0x1d, 0x1e, 0x27, 0x28, 0x29, 0x2c, 0x3a, 0x45, 0x52, 0xe1, 0xe7]);
    expect(() => keyUsage("Hyper")).toThrow(ConfigError);
    expect(() => keyUsage("Hyper")).toThrow(/unknown key name "Hyper"/);
  });
});

describe("camera frames", () => {
  it("the test pattern: 100% BT.601 colour bars (Y'CbCr 8-bit studio range) and a binary frame counter", () => {
    const w = 640;
    const h = 480;
    const f = new Uint8Array(w * h * 2);
    testPattern.fill(w, h, 5, f);
    // YUY2: Y0 Cb Y1 Cr. Bars of 80 pixels: white, yellow, cyan, green, magenta, red, blue, black.
    const px = (x: number, y: number) => {
      const o = (y * w + (x & ~1)) * 2;
      return [f[o + (x & 1 ? 2 : 0)], f[o + 1], f[o + 3]];
    };
    // The expected values from ITU-R BT.601's equations (Kr 0.299, Kb 0.114; Y' 16..235, Cb/Cr
    // 16..240 around 128) applied to the 100% bars' R'G'B' in [0, 1], rounded.
    const bt601 = ([r, g, b]: number[]) => {
      const y = 0.299 * r! + 0.587 * g! + 0.114 * b!;
      return [16 + 219 * y, 128 + (224 * (b! - y)) / 1.772, 128 + (224 * (r! - y)) / 1.402].map(Math.round);
    };
    const rgb = [0b111, 0b110, 0b011, 0b010, 0b101, 0b100, 0b001, 0b000].map((c) => [
      c >> 2,
      (c >> 1) & 1,
      c & 1,
    ]);
    expect([0, 80, 160, 240, 320, 400, 480, 560].map((x) => px(x + 10, 100))).toEqual(rgb.map(bt601));
    // Counter 5 = ...101: the last three of 32 blocks (20 px each) are white, black, white.
    const row = h - 8;
    expect([29, 30, 31, 0].map((b) => px(b * 20 + 4, row)[0])).toEqual([235, 16, 235, 16]);
  });

  it("raw YUY2 frames are played in a loop; sizes the camera does not offer are refused", () => {
    const size = 640 * 480 * 2;
    const data = new Uint8Array(2 * size);
    data.fill(1, 0, size);
    data.fill(2, size);
    const src = new Yuy2Frames(data, 640, 480);
    const out = new Uint8Array(size);
    src.fill(640, 480, 3, out);
    expect(out[0]).toBe(2);
    expect(() => new Yuy2Frames(data, 320, 240)).toThrow(/camera offers 640x480, 1280x720/);
    expect(() => new Yuy2Frames(data.subarray(1), 640, 480)).toThrow(/not a whole number/);
    // A camera given these frames streams them (bulk payloads after the 12-byte header).
    const cam = new UvcCamera({ frames: src });
    cam.attach("super", { wake() {} });
    cam.control({ bmRequestType: 0, bRequest: 9, wValue: 1, wIndex: 0, wLength: 0 }, new Uint8Array(0));
    const p = new Uint8Array(cam.maxPayload);
    expect(cam.transfer(0x81, p)).toBe(cam.maxPayload);
    expect([p[0], p[12], p[cam.maxPayload - 1]]).toEqual([12, 1, 1]);
  });
});
