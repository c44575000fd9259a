import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Display } from "@armature/core";
import { xorshift32 } from "@armature/core/test";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { crc32, encodePng, screenshot } from "./png.js";

const pillow = (() => {
  try {
    execFileSync("/usr/bin/python3", ["-c", "import PIL"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
})();

describe("PNG", () => {
  it("CRC-32 check value (the standard's '123456789' -> cbf43926)", () => {
    expect(crc32(new TextEncoder().encode("123456789")).toString(16)).toBe("cbf43926");
  });

  it("writes the signature, IHDR for the size, and ends with IEND", () => {
    const png = encodePng(3, 2, new Uint8Array(24));
    expect([...png.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    expect(png.subarray(12, 16).toString("latin1")).toBe("IHDR");
    expect([png.readUInt32BE(16), png.readUInt32BE(20), png[24], png[25]]).toEqual([3, 2, 8, 2]);
    expect(png.subarray(png.length - 8, png.length - 4).toString("latin1")).toBe("IEND");
  });

  it.skipIf(!pillow)("Pillow decodes random images to exactly the pixels given (property)", () => {
    const dir = mkdtempSync(join(tmpdir(), "png-"));
    try {
      fc.assert(
        fc.property(
          fc.integer({ min: 1, max: 40 }),
          fc.integer({ min: 1, max: 30 }),
          fc.integer(),
          (w, h, seed) => {
            const d = new Display({ width: w, height: h });
            const next = xorshift32(seed | 1);
            for (let i = 0; i < d.data.length; i++) d.data[i] = next() & 0xff;
            const f = join(dir, `${w}x${h}.png`);
            writeFileSync(f, screenshot(d));
            const out = execFileSync(
              "/usr/bin/python3",
              [
                "-c",
                `from PIL import Image\nim=Image.open(${JSON.stringify(f)})\nim.load()\nprint(im.mode,*im.size)\nprint(im.tobytes().hex())`,
              ],
              { encoding: "utf8" },
            ).split("\n");
            expect(out[0]).toBe(`RGB ${w} ${h}`);
            const rgb = Buffer.from(out[1]!, "hex");
            for (let p = 0; p < w * h; p++) {
              expect([rgb[3 * p], rgb[3 * p + 1], rgb[3 * p + 2]]).toEqual([
                d.data[4 * p + 2],
                d.data[4 * p + 1],
                d.data[4 * p],
              ]);
            }
          },
        ),
        { numRuns: 15 },
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
