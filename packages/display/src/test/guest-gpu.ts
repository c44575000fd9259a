import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Display } from "@armature/core";
import { encodePng, screenshot } from "../png.js";

/** What the checks need from a booted guest: run a shell command, get its output. */
export interface GuestShell {
  sh(command: string, timeoutMs?: number): Promise<string>;
}

export interface GpuGuestReport {
  /** The kernel's "[drm] Initialized virtio_gpu ..." line ("" if absent). */
  drmLine: string;
  fb0: boolean;
  card0: boolean;
  /** The marker printed on /dev/tty1. */
  marker: string;
  /** The screen after the marker was printed. */
  png: Buffer;
  /** Pixels that are not black. */
  litPixels: number;
  /** tesseract's reading of the screen (upscaled), or undefined when tesseract is not installed. */
  ocrText: string | undefined;
  /** Whether the OCR text contains the marker (undefined without tesseract). */
  markerSeen: boolean | undefined;
}

/** Whether Debian's tesseract-ocr is installed. */
export function haveTesseract(): boolean {
  try {
    execFileSync("tesseract", ["--version"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

/** The surface scaled up `k` times (nearest neighbour), as PNG: fbcon's 8x16 font is small for OCR. */
export function upscaledPng(display: Display, k: number, rows = display.height): Buffer {
  const w = display.width * k;
  const h = Math.min(rows, display.height) * k;
  const out = new Uint8Array(w * h * 4);
  for (let y = 0; y < h; y++) {
    const s = Math.floor(y / k) * display.stride;
    for (let x = 0; x < w; x++) {
      const so = s + Math.floor(x / k) * 4;
      const o = (y * w + x) * 4;
      out[o] = display.data[so]!;
      out[o + 1] = display.data[so + 1]!;
      out[o + 2] = display.data[so + 2]!;
    }
  }
  return encodePng(w, h, out);
}

/** OCR text of a PNG image (tesseract, one uniform block of text). */
export function ocrPng(png: Uint8Array): string {
  const dir = mkdtempSync(join(tmpdir(), "ocr-"));
  try {
    const f = join(dir, "screen.png");
    writeFileSync(f, png);
    return execFileSync("tesseract", [f, "stdout", "--psm", "6"], {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "ignore"],
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** OCR text of the display (tesseract on a 3x upscale of its top `rows` lines). */
export function ocrDisplay(display: Display, rows = display.height): string {
  return ocrPng(upscaledPng(display, 3, rows));
}

/**
 * The guest-side checks of a virtio-gpu under Linux (DRM driver virtio_gpu, fbdev emulation,
 * fbcon): the driver initialized, /dev/fb0 and /dev/dri/card0 exist, and a marker printed to
 * /dev/tty1 shows up on the host's display (pixels lit; OCR when tesseract is installed).
 * `settleMs` is how long to let fbcon's deferred I/O reach the device after printing.
 */
export async function checkVirtioGpuGuest(
  shell: GuestShell,
  display: Display,
  opts: { marker?: string; settleMs?: number; ocr?: boolean } = {},
): Promise<GpuGuestReport> {
  const marker = opts.marker ?? "ARMATURE-GPU-OK";
  const drmLine = (await shell.sh("dmesg | grep -m1 '\\[drm\\] Initialized virtio_gpu'")).trim();
  const fb0 = (await shell.sh("test -c /dev/fb0 && echo yes || echo no")).trim() === "yes";
  const card0 = (await shell.sh("test -c /dev/dri/card0 && echo yes || echo no")).trim() === "yes";
  // Clear the VT, home the cursor, print the marker on its first line.
  await shell.sh(`printf '\\033[2J\\033[H%s\\n' '${marker}' > /dev/tty1`);
  await new Promise((r) => setTimeout(r, opts.settleMs ?? 3000));
  let lit = 0;
  for (let i = 0; i < display.data.length; i += 4)
    if (display.data[i]! | display.data[i + 1]! | display.data[i + 2]!) lit++;
  const png = screenshot(display);
  let ocrText: string | undefined;
  if ((opts.ocr ?? true) && haveTesseract()) {
    ocrText = ocrPng(png);
    // fbcon's 8x16 font is small: read a 3x upscale of the top lines if the plain image failed.
    if (!ocrText.replace(/\s/g, "").includes(marker))
      ocrText += `\n${ocrDisplay(display, Math.min(display.height, 64))}`;
  }
  return {
    drmLine,
    fb0,
    card0,
    marker,
    png,
    litPixels: lit,
    ocrText,
    markerSeen: ocrText === undefined ? undefined : ocrText.replace(/\s/g, "").includes(marker),
  };
}
