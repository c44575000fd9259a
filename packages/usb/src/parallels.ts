import type { VirtualClock } from "@armature/core";
import { UsbKeyboard, UsbMouse } from "./hid.js";
import { type FrameSource, UvcCamera } from "./uvc.js";
import type { XhciController } from "./xhci.js";

/** The Parallels VM's USB devices, as `attachParallelsUsbDevices` made them. */
export interface ParallelsUsbDevices {
  mouse: UsbMouse;
  keyboard: UsbKeyboard;
  camera: UvcCamera;
}

/**
 * Plugs the Parallels VM's USB devices (seed 000's lsusb) into `xhci`'s SuperSpeed ports: the
 * Virtual Mouse on port 1, the Virtual Keyboard on port 2 and the FaceTime HD Camera on port 3,
 * the camera paced on `clock` as a real one is (frames: the test pattern unless given).
 */
export function attachParallelsUsbDevices(
  xhci: XhciController,
  opts: { clock: VirtualClock; frames?: FrameSource | undefined },
): ParallelsUsbDevices {
  const d: ParallelsUsbDevices = {
    mouse: new UsbMouse(),
    keyboard: new UsbKeyboard(),
    camera: new UvcCamera({
      clock: opts.clock,
      ...(opts.frames === undefined ? {} : { frames: opts.frames }),
    }),
  };
  xhci.attach(d.mouse, { port: 1, usb3: true });
  xhci.attach(d.keyboard, { port: 2, usb3: true });
  xhci.attach(d.camera, { port: 3, usb3: true });
  return d;
}
