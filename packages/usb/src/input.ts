import type { InputListener } from "@armature/core";
import type { UsbKeyboard, UsbMouse, UsbTablet } from "./hid.js";

/** Where host input goes (see `usbInputListener`). */
export interface UsbInputTargets {
  keyboard?: UsbKeyboard | undefined;
  /** Absolute pointer: takes precedence over `mouse`. */
  tablet?: UsbTablet | undefined;
  mouse?: UsbMouse | undefined;
  /** Called after every event delivered (e.g. to wake a vCPU sleeping in WFI). */
  after?: () => void;
}

/**
 * A core Display input listener (VNC keys and pointer) that drives USB HID devices: keys (HID
 * usages 1..0xE7) to the keyboard; the pointer to the tablet, or to a relative mouse that follows
 * an absolute pointer by the difference from its previous position (as QEMU's usb-mouse does).
 */
export function usbInputListener(t: UsbInputTargets): InputListener {
  let lastX: number | undefined;
  let lastY: number | undefined;
  return {
    key: (e) => {
      if (t.keyboard === undefined || e.usage < 1 || e.usage > 0xe7) return;
      if (e.down) t.keyboard.keyDown(e.usage);
      else t.keyboard.keyUp(e.usage);
      t.after?.();
    },
    pointer: (e) => {
      if (t.tablet !== undefined) {
        if (e.kind !== "absolute") return;
        t.tablet.moveToFraction(e.x / Math.max(1, e.width - 1), e.y / Math.max(1, e.height - 1));
        t.tablet.setButtons(e.buttons);
        if (e.wheel !== 0) t.tablet.wheel(e.wheel);
      } else if (t.mouse !== undefined) {
        if (e.kind === "relative") t.mouse.move(e.dx, e.dy);
        else {
          if (lastX !== undefined && lastY !== undefined) t.mouse.move(e.x - lastX, e.y - lastY);
          lastX = e.x;
          lastY = e.y;
        }
        t.mouse.setButtons(e.buttons);
        if (e.wheel !== 0) t.mouse.wheel(e.wheel);
      } else return;
      t.after?.();
    },
  };
}
