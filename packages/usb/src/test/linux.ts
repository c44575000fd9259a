import type { UsbKeyboard } from "../hid.js";
import {
  captureFrames,
  expectedKeyEvents,
  type GuestShell,
  readUsbSysfs,
  testPatternHashes,
  typeAndReadKeys,
} from "./guest.js";

/** What the guest-side USB checks need from a booted Linux and the host. */
export interface LinuxUsbCheckInput extends GuestShell {
  /** The keyboard on the xHCI's USB 3 port 2; the host types on it. */
  keyboard: UsbKeyboard;
  /** The pointer on USB 3 port 1: the Parallels VM's tablet (203a:fffd) or mouse (203a:fffc). */
  pointer: "tablet" | "mouse";
  /** Frames to capture from the camera on USB 3 port 3 (default 3). */
  frames?: number;
}

export interface LinuxUsbCheckResult {
  /** Each check with what was seen; all must be ok. */
  checks: Array<{ name: string; ok: boolean; detail: string }>;
}

const POINTER = {
  tablet: ["fffd", "Virtual Tablet"],
  mouse: ["fffc", "Virtual Mouse"],
} as const;
const FRAME_BYTES = 640 * 480 * 2;

/**
 * The guest-side proof that a board's USB works under Linux with the Parallels VM's devices
 * (seed 000's lsusb): an empty EHCI as bus 1 (480 Mb/s; the initramfs loads the EHCI drivers
 * before the xHCI's), the xHCI's buses 2 (480) and 3 (5000) with the pointer, keyboard and camera
 * on ports 3-1..3-3 (Parallels' IDs and strings, usbhid and uvcvideo bound), uvcvideo's banner,
 * host key presses read from the keyboard's evdev node in order, consecutive 640x480 YUY2 frames
 * of the host's test pattern through V4L2, and no oops, warning or xHCI error in dmesg.
 */
export async function linuxUsbChecks(o: LinuxUsbCheckInput): Promise<LinuxUsbCheckResult> {
  const checks: LinuxUsbCheckResult["checks"] = [];
  const same = (name: string, got: unknown, want: unknown, seen = "") => {
    const g = JSON.stringify(got);
    const w = JSON.stringify(want);
    checks.push({ name, ok: g === w, detail: g === w ? g : `got ${g}, want ${w}${seen}` });
  };
  const devs = await readUsbSysfs(o);
  same(
    "root hubs",
    devs.filter((d) => d.name.startsWith("usb")).map((d) => [d.name, d.idProduct, d.speed, d.product]),
    [
      ["usb1", "0002", "480", "EHCI Host Controller"],
      ["usb2", "0002", "480", "xHCI Host Controller"],
      ["usb3", "0003", "5000", "xHCI Host Controller"],
    ],
  );
  const [pointerId, pointerName] = POINTER[o.pointer];
  same(
    "devices on the USB 3 bus",
    ["3-1", "3-2", "3-3"]
      .map((n) => devs.find((d) => d.name === n))
      .map((d) => [d?.idVendor, d?.idProduct, d?.product, d?.manufacturer, d?.speed, d?.interfaceDrivers]),
    [
      ["203a", pointerId, pointerName, "Parallels", "5000", ["usbhid"]],
      ["203a", "fffb", "Virtual Keyboard", "Parallels", "5000", ["usbhid"]],
      ["203a", "fff9", "FaceTime HD Camera", "Parallels", "5000", ["uvcvideo", "uvcvideo"]],
    ],
  );
  same(
    "uvcvideo banner",
    (await o.sh("dmesg | grep -c 'Found UVC 1.10 device FaceTime HD Camera (203a:fff9)'")).trim(),
    "1",
  );
  // Keys typed on the host arrive in the guest's evdev in order.
  same(
    "keys H, I, Enter in evdev",
    await typeAndReadKeys(o, o.keyboard, ["KeyH", "KeyI", "Enter"]),
    expectedKeyEvents([0x0b, 0x0c, 0x28]),
  );
  // Frames through V4L2 equal consecutive frames of the host's test pattern (from wherever the
  // capture started).
  const count = o.frames ?? 3;
  const cap = await captureFrames(o, count);
  same("V4L2 format", cap.format, `640x480 YUYV ${FRAME_BYTES}`);
  const want = testPatternHashes(30);
  const first = Math.max(0, want.indexOf(cap.frames[0]?.fnv1a32 ?? ""));
  same(
    `${count} consecutive test-pattern frames`,
    cap.frames.map((f) => [f.bytes, f.fnv1a32]),
    Array.from({ length: count }, (_, k) => [FRAME_BYTES, want[first + k]]),
    `; uvcgrab printed:\n${cap.raw}`,
  );
  same(
    "dmesg: no Oops, BUG, WARNING or xHCI error",
    (await o.sh("dmesg | grep -E 'Oops|BUG:|WARNING:|xhci.*(ERROR|WARN)|HC died' | wc -l")).trim(),
    "0",
  );
  return { checks };
}
