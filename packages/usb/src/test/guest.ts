/**
 * Guest-side checks for a Linux boot with USB devices: what sysfs says, which drivers bound, key
 * codes read from evdev after host key presses, and frames captured through V4L2. Board tests
 * (machine-virt, the Parallels-like board) call these with their shell session; nothing here
 * asserts, the caller compares.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { concatBytes } from "@armature/core";
import type { UsbKeyboard } from "../hid.js";
import { testPattern } from "../uvc.js";

/** A shell in the guest: run a command, get what it printed. */
export interface GuestShell {
  sh(command: string, timeoutMs?: number): Promise<string>;
}

/** Linux key codes (include/uapi/linux/input-event-codes.h) for HID usages (hid-input.c's table). */
export const LINUX_KEY_FOR_USAGE: Readonly<Record<number, number>> = (() => {
  const m: Record<number, number> = {};
  const letters = [
    30, 48, 46, 32, 18, 33, 34, 35, 23, 36, 37, 38, 50, 49, 24, 25, 16, 19, 31, 20, 22, 47, 17, 45, 21, 44,
  ];
  letters.forEach((k, i) => {
    m[0x04 + i] = k;
  });
  for (let i = 0; i < 10; i++) m[0x1e + i] = 2 + i; // 1..9, 0
  Object.assign(m, { 40: 28, 41: 1, 42: 14, 43: 15, 44: 57, 45: 12, 46: 13 });
  Object.assign(m, { 224: 29, 225: 42, 226: 56, 227: 125, 228: 97, 229: 54, 230: 100 });
  return Object.freeze(m);
})();

/** One USB device (or root hub) as sysfs shows it. */
export interface GuestUsbDevice {
  name: string;
  idVendor: string;
  idProduct: string;
  product: string;
  manufacturer: string;
  speed: string;
  /** Drivers bound to its interfaces, sorted, e.g. ["usbhid"] or ["uvcvideo", "uvcvideo"]. */
  interfaceDrivers: string[];
}

/** Lists /sys/bus/usb/devices (devices and root hubs; interfaces are folded into their device). */
export async function readUsbSysfs(s: GuestShell): Promise<GuestUsbDevice[]> {
  const out = await s.sh(
    "cd /sys/bus/usb/devices && for d in *; do case $d in *:*) continue;; esac; " +
      'echo "DEV $d|$(cat $d/idVendor)|$(cat $d/idProduct)|$(cat $d/product 2>/dev/null)|$(cat $d/manufacturer 2>/dev/null)|$(cat $d/speed)|' +
      '$(for i in $d/$d:*; do [ -e $i/driver ] && basename $(readlink $i/driver); done | sort | tr "\\n" " ")"; done; cd /',
  );
  const devs: GuestUsbDevice[] = [];
  for (const line of out.split("\n")) {
    if (!line.startsWith("DEV ")) continue;
    const [name, idVendor, idProduct, product, manufacturer, speed, drivers] = line.slice(4).split("|");
    devs.push({
      name: name!,
      idVendor: idVendor!,
      idProduct: idProduct!,
      product: product!,
      manufacturer: manufacturer!,
      speed: speed!,
      interfaceDrivers: drivers!.trim() === "" ? [] : drivers!.trim().split(/\s+/),
    });
  }
  return devs.sort((a, b) => a.name.localeCompare(b.name));
}

/** Where the C sources are: beside this file (sources) or back in src/ (a dist build). */
function guestSourceDir(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  for (const d of [join(here, "guest"), join(here, "..", "..", "src", "test", "guest")])
    if (existsSync(d)) return d;
  throw new Error(`the guest program sources (evkeys.c, uvcgrab.c) are not beside ${here}`);
}

/** Static aarch64 builds of the guest programs (evkeys, uvcgrab), compiled with aarch64-linux-gnu-gcc. */
export function buildGuestPrograms(): Map<string, Uint8Array> {
  const dir = mkdtempSync(join(tmpdir(), "armature-usb-guest-"));
  try {
    const out = new Map<string, Uint8Array>();
    const src = guestSourceDir();
    for (const name of ["evkeys", "uvcgrab"]) {
      execFileSync("aarch64-linux-gnu-gcc", [
        "-static",
        "-O2",
        "-o",
        join(dir, name),
        join(src, `${name}.c`),
      ]);
      out.set(name, new Uint8Array(readFileSync(join(dir, name))));
    }
    return out;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** `evdev.ko` from the generic kernel's .deb in `debDir` (the initramfs does not load evdev). */
export function evdevModule(debDir: string): Uint8Array | undefined {
  if (!existsSync(debDir)) return undefined;
  const deb = readdirSync(debDir).find((f) => f.startsWith("linux-image-") && f.endsWith(".deb"));
  if (deb === undefined) return undefined;
  const list = execFileSync("dpkg-deb", ["-c", join(debDir, deb)], { encoding: "utf8", maxBuffer: 64 << 20 });
  const path = list
    .split("\n")
    .map((l) => l.split(/\s+/).pop()!)
    .find((p) => p.endsWith("/input/evdev.ko"));
  if (path === undefined) return undefined;
  const tar = execFileSync("dpkg-deb", ["--fsys-tarfile", join(debDir, deb)], { maxBuffer: 512 << 20 });
  return new Uint8Array(execFileSync("tar", ["-xOf", "-", path], { input: tar, maxBuffer: 64 << 20 }));
}

/** A newc cpio archive (the initramfs format) of regular files under `dir`, mode 0755. */
export function cpioNewc(files: ReadonlyMap<string, Uint8Array>, dir = "usb-tests"): Uint8Array {
  const parts: Uint8Array[] = [];
  let ino = 1;
  const enc = new TextEncoder();
  const pad4 = (n: number) => (4 - (n % 4)) % 4;
  const entry = (name: string, mode: number, data: Uint8Array) => {
    const f = [ino++, mode, 0, 0, 1, 0, data.length, 0, 0, 0, 0, name.length + 1, 0];
    const head = enc.encode(`070701${f.map((v) => v.toString(16).padStart(8, "0")).join("")}${name}\0`);
    parts.push(head, new Uint8Array(pad4(head.length)), data, new Uint8Array(pad4(data.length)));
  };
  entry(dir, 0o40755, new Uint8Array(0));
  for (const [name, data] of files) entry(`${dir}/${name}`, 0o100755, data);
  entry("TRAILER!!!", 0, new Uint8Array(0));
  const total = parts.reduce((a, p) => a + p.length, 0);
  return concatBytes([...parts, new Uint8Array(pad4(total))]);
}

/** `initrd` with the guest programs (and evdev.ko when found) appended as a second archive. */
export function initrdWithUsbTools(initrd: Uint8Array, kernelDebDir?: string): Uint8Array {
  const files = buildGuestPrograms();
  const evdev = kernelDebDir === undefined ? undefined : evdevModule(kernelDebDir);
  if (evdev !== undefined) files.set("evdev.ko", evdev);
  const extra = cpioNewc(files);
  // The kernel looks for the next archive on a 4-byte boundary, skipping zero padding.
  const pad = (4 - (initrd.length % 4)) % 4;
  const out = new Uint8Array(initrd.length + pad + extra.length);
  out.set(initrd, 0);
  out.set(extra, initrd.length + pad);
  return out;
}

/**
 * Types `usages` on `keyboard` (press and release each) while /usb-tests/evkeys reads the
 * keyboard's evdev node; returns the EV_KEY events as [code, value] (value 1 press, 0 release).
 */
export async function typeAndReadKeys(
  s: GuestShell,
  keyboard: UsbKeyboard,
  keys: ReadonlyArray<number | string>,
  settle: () => Promise<void> = () => new Promise((r) => setTimeout(r, 2000)),
): Promise<Array<[number, number]>> {
  await s.sh("[ -e /sys/module/evdev ] || insmod /usb-tests/evdev.ko");
  const node = (
    await s.sh(
      'for e in /sys/class/input/event*; do grep -q "Keyboard" $e/device/name 2>/dev/null && echo /dev/input/$(basename $e) && break; done',
    )
  ).trim();
  if (!node.startsWith("/dev/input/event"))
    throw new Error(`no keyboard event node in the guest (got "${node}")`);
  await s.sh(
    `rm -f /tmp/evkeys.out; (/usb-tests/evkeys ${node} ${2 * keys.length} > /tmp/evkeys.out 2>&1 &)`,
  );
  // Wait until the reader has the node open before typing.
  for (let i = 0; i < 60; i++) {
    if ((await s.sh("cat /tmp/evkeys.out 2>/dev/null")).includes("EVKEYS READY")) break;
    await settle();
  }
  keyboard.tap(...keys);
  let text = "";
  for (let i = 0; i < 60; i++) {
    await settle();
    text = await s.sh("cat /tmp/evkeys.out 2>/dev/null");
    if ((text.match(/^KEY /gm) ?? []).length >= 2 * keys.length) break;
  }
  return [...text.matchAll(/^KEY (\d+) (-?\d+)/gm)].map((m) => [Number(m[1]), Number(m[2])]);
}

/** The evdev events a press-and-release of each usage should produce. */
export function expectedKeyEvents(usages: readonly number[]): Array<[number, number]> {
  return usages.flatMap((u) => {
    const k = LINUX_KEY_FOR_USAGE[u];
    if (k === undefined) throw new Error(`no Linux key code known for HID usage 0x${u.toString(16)}`);
    return [
      [k, 1],
      [k, 0],
    ] as Array<[number, number]>;
  });
}

export interface GuestFrame {
  sequence: number;
  bytes: number;
  fnv1a32: string;
  flags: number;
}

/** Captures `count` frames with /usb-tests/uvcgrab (VIDIOC_REQBUFS/QBUF/STREAMON/DQBUF). */
export async function captureFrames(
  s: GuestShell,
  count = 3,
  device = "/dev/video0",
): Promise<{ format: string; frames: GuestFrame[]; raw: string }> {
  const raw = await s.sh(`/usb-tests/uvcgrab ${device} ${count} 640 480`, 600_000);
  const format = raw.match(/^FORMAT (.*)$/m)?.[1] ?? "";
  const frames = [...raw.matchAll(/^FRAME (\d+) (\d+) ([0-9a-f]{8}) ([0-9a-f]+)/gm)].map((m) => ({
    sequence: Number(m[1]),
    bytes: Number(m[2]),
    fnv1a32: m[3]!,
    flags: Number.parseInt(m[4]!, 16),
  }));
  return { format, frames, raw };
}

/** FNV-1a (32-bit) of test-pattern frames 0..count-1 at 640×480, as uvcgrab prints them. */
export function testPatternHashes(count: number, width = 640, height = 480): string[] {
  const f = new Uint8Array(width * height * 2);
  const out: string[] = [];
  for (let i = 0; i < count; i++) {
    testPattern.fill(width, height, i, f);
    let h = 0x811c9dc5;
    for (let k = 0; k < f.length; k++) h = Math.imul(h ^ f[k]!, 0x01000193) >>> 0;
    out.push(h.toString(16).padStart(8, "0"));
  }
  return out;
}
