import { ConfigError } from "./errors.js";

/**
 * The display contract between devices that draw (virtio-gpu scanouts, a UEFI framebuffer) and
 * host front ends that show them (VNC, screenshots), plus the input events flowing back (to USB
 * HID keyboards and pointers).
 *
 * Pixels: every surface is 32 bits per pixel in memory byte order B, G, R, X (DRM's XRGB8888 on a
 * little-endian host; virtio-gpu's B8G8R8X8_UNORM). Producers convert from their own format.
 */

/** Largest surface side accepted (pixels). */
export const MAX_DISPLAY_SIDE = 8192;

/** A rectangle in surface pixels. */
export interface DisplayRect {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** A cursor image: `width * height` pixels, bytes B, G, R, A (straight alpha), hot spot inside. */
export interface DisplayCursor {
  readonly width: number;
  readonly height: number;
  readonly hotX: number;
  readonly hotY: number;
  readonly pixels: Uint8Array;
}

/** Front ends implement this to follow a display; every method is optional. */
export interface DisplayListener {
  /** The surface was replaced (new size); everything is dirty. */
  resize?(display: Display): void;
  /** Pixels in `rect` changed (already clipped to the surface). */
  update?(rect: DisplayRect): void;
  /** Pixels were copied inside the surface (a hint a front end may send as CopyRect). */
  copy?(srcX: number, srcY: number, rect: DisplayRect): void;
  /** New cursor image, or `null` for none (hidden). */
  cursor?(cursor: DisplayCursor | null): void;
  /** The cursor moved (surface coordinates of its hot spot). */
  cursorMove?(x: number, y: number): void;
}

/** A key went down or up. `usage` is the USB HID usage (Keyboard/Keypad page 0x07, HUT §10). */
export interface KeyEvent {
  down: boolean;
  usage: number;
}

/** Pointer button bits (PointerEvent.buttons). */
export const PointerButton = { LEFT: 1, RIGHT: 2, MIDDLE: 4 } as const;

/**
 * A pointer report. `absolute`: x, y are surface pixels (0..width-1, 0..height-1) and width and
 * height give the scale (a tablet maps them to its logical range). `relative`: dx, dy are motion.
 * `buttons` is the state after the event (PointerButton bits); `wheel` is detents (+1 = away from
 * the user / scroll up), `hwheel` +1 = right.
 */
export type PointerEvent =
  | {
      kind: "absolute";
      x: number;
      y: number;
      width: number;
      height: number;
      buttons: number;
      wheel: number;
      hwheel: number;
    }
  | { kind: "relative"; dx: number; dy: number; buttons: number; wheel: number; hwheel: number };

/** Input devices (USB keyboard, tablet, mouse) implement this to receive host input. */
export interface InputListener {
  key?(ev: KeyEvent): void;
  pointer?(ev: PointerEvent): void;
}

/**
 * One screen: a surface that producers draw into, a cursor, and the listeners on both sides.
 * Producers write `data` directly and then call `invalidate`; front ends read `data` in their
 * `update` callback or later. Listener exceptions are caught and counted, never thrown back at
 * the producer (a broken front end must not stop the guest).
 */
export class Display {
  width: number;
  height: number;
  /** Bytes per row (always width * 4). */
  stride: number;
  /** The pixels, B, G, R, X per pixel, row-major. */
  data: Uint8Array;
  cursor: DisplayCursor | null = null;
  cursorX = 0;
  cursorY = 0;
  /** Exceptions thrown by listeners and swallowed. */
  listenerErrors = 0;
  private readonly listeners: DisplayListener[] = [];
  private readonly inputs: InputListener[] = [];

  constructor(
    opts: { width?: number; height?: number } = {},
    /** Name for logs and front ends ("virtio-gpu.0"). */
    readonly name = "display",
  ) {
    this.width = checkSide("width", opts.width ?? 1280);
    this.height = checkSide("height", opts.height ?? 800);
    this.stride = this.width * 4;
    this.data = new Uint8Array(this.stride * this.height);
  }

  /** Replace the surface with a blank one of the given size (a mode change). */
  resize(width: number, height: number): void {
    checkSide("width", width);
    checkSide("height", height);
    if (width === this.width && height === this.height) return;
    this.width = width;
    this.height = height;
    this.stride = width * 4;
    this.data = new Uint8Array(this.stride * height);
    for (const l of this.listeners) this.call(() => l.resize?.(this));
  }

  /** Pixels in the rectangle changed; it is clipped to the surface (empty results are dropped). */
  invalidate(x: number, y: number, width: number, height: number): void {
    const r = this.clip(x, y, width, height);
    if (r === null) return;
    for (const l of this.listeners) if (l.update) this.call(() => l.update!(r));
  }

  /**
   * Copy a rectangle inside the surface (overlap allowed) and tell front ends as a copy hint.
   * Rectangles not fully inside the surface are clipped to where both source and destination fit.
   */
  copyRect(srcX: number, srcY: number, dstX: number, dstY: number, width: number, height: number): void {
    const w = Math.min(width, this.width - srcX, this.width - dstX);
    const h = Math.min(height, this.height - srcY, this.height - dstY);
    if (!(w > 0 && h > 0 && srcX >= 0 && srcY >= 0 && dstX >= 0 && dstY >= 0)) return;
    const rowBytes = w * 4;
    const down = dstY > srcY;
    for (let i = 0; i < h; i++) {
      const row = down ? h - 1 - i : i;
      const s = (srcY + row) * this.stride + srcX * 4;
      this.data.copyWithin((dstY + row) * this.stride + dstX * 4, s, s + rowBytes);
    }
    const r: DisplayRect = { x: dstX, y: dstY, width: w, height: h };
    for (const l of this.listeners) {
      if (l.copy) this.call(() => l.copy!(srcX, srcY, r));
      else if (l.update) this.call(() => l.update!(r));
    }
  }

  /** Set (or hide, with null) the cursor image. */
  setCursor(cursor: DisplayCursor | null): void {
    if (cursor !== null) {
      if (cursor.pixels.length < cursor.width * cursor.height * 4)
        throw new ConfigError("cursor pixels must hold width * height * 4 bytes");
    }
    this.cursor = cursor;
    for (const l of this.listeners) if (l.cursor) this.call(() => l.cursor!(cursor));
  }

  moveCursor(x: number, y: number): void {
    this.cursorX = x;
    this.cursorY = y;
    for (const l of this.listeners) if (l.cursorMove) this.call(() => l.cursorMove!(x, y));
  }

  /** Follow this display; returns a function that stops following. */
  addListener(l: DisplayListener): () => void {
    return subscribe(this.listeners, l);
  }

  /** Receive host input; returns a function that stops receiving. */
  addInputListener(l: InputListener): () => void {
    return subscribe(this.inputs, l);
  }

  /** A front end reports a key (HID usage). */
  sendKey(ev: KeyEvent): void {
    for (const l of this.inputs) if (l.key) this.call(() => l.key!(ev));
  }

  /** A front end reports the pointer. */
  sendPointer(ev: PointerEvent): void {
    for (const l of this.inputs) if (l.pointer) this.call(() => l.pointer!(ev));
  }

  /** A copy of the surface pixels in `rect` (B, G, R, X rows, tightly packed). */
  read(rect: DisplayRect = { x: 0, y: 0, width: this.width, height: this.height }): Uint8Array {
    const r = this.clip(rect.x, rect.y, rect.width, rect.height);
    if (r === null) return new Uint8Array(0);
    const out = new Uint8Array(r.width * r.height * 4);
    for (let y = 0; y < r.height; y++) {
      const s = (r.y + y) * this.stride + r.x * 4;
      out.set(this.data.subarray(s, s + r.width * 4), y * r.width * 4);
    }
    return out;
  }

  private clip(x: number, y: number, width: number, height: number): DisplayRect | null {
    const x0 = Math.max(0, x);
    const y0 = Math.max(0, y);
    const x1 = Math.min(this.width, x + width);
    const y1 = Math.min(this.height, y + height);
    if (!(x1 > x0 && y1 > y0)) return null;
    // A fresh object per call: listeners may keep it.
    return { x: x0, y: y0, width: x1 - x0, height: y1 - y0 };
  }

  private call(fn: () => void): void {
    try {
      fn();
    } catch {
      this.listenerErrors++;
    }
  }
}

function checkSide(what: string, v: number): number {
  if (!Number.isInteger(v) || v < 1 || v > MAX_DISPLAY_SIDE)
    throw new ConfigError(`display ${what} ${v} must be an integer in 1..${MAX_DISPLAY_SIDE}`);
  return v;
}

/** Add `l` to `list`; the returned function takes it out again. */
function subscribe<T>(list: T[], l: T): () => void {
  list.push(l);
  return () => {
    const i = list.indexOf(l);
    if (i >= 0) list.splice(i, 1);
  };
}
