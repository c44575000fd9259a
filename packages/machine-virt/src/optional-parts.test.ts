import { AtapiDvd, SataDisk } from "@armature/ahci";
import { ConfigError, Display, MemoryBlockBackend } from "@armature/core";
import { describe, expect, it, vi } from "vitest";
import { virtConfig } from "./config.js";
import { QEMU_LAYOUT } from "./layout.js";
import { VirtMachine } from "./machine.js";

const L = QEMU_LAYOUT;
/** A config-space dword of bus 0 `device` function 0 as the guest reads it through ECAM. */
const ecam = (m: VirtMachine, device: number, off: number) =>
  m.bus.read(L.ecam + (device << 15) + off, 4) >>> 0;
const machine = (o: Partial<ConstructorParameters<typeof VirtMachine>[0]> = {}) =>
  new VirtMachine({ layout: "qemu", memoryMiB: 128, kernel: new Uint8Array(64), deterministic: true, ...o });

describe("sata: an AHCI function with one device per port", () => {
  it("plugs an ICH9 AHCI (class 01/06/01) into the slot after the virtio functions, devices on ports in order", () => {
    const disk = new MemoryBlockBackend(4 << 20);
    const iso = new MemoryBlockBackend(2048 * 64, { readOnly: true, blockSize: 2048 });
    const m = machine({
      sata: [{ kind: "disk", backend: disk }, { kind: "cdrom", backend: iso }, { kind: "cdrom" }],
    });
    expect(m.ahci).toBeDefined();
    // The virtio functions (no disk: net, console, balloon, rng) take slots 1..4; AHCI the next.
    const slot = m.devices.length + 1;
    expect(ecam(m, slot, 0)).toBe(0x2922_8086);
    expect(ecam(m, slot, 8) >>> 8).toBe(0x01_06_01);
    expect(ecam(m, slot + 1, 0)).toBe(0xffff_ffff);
    const ports = m.ahci!.hba.ports;
    expect(ports).toHaveLength(3);
    expect(ports[0]!.device).toBeInstanceOf(SataDisk);
    expect(ports[1]!.device).toBeInstanceOf(AtapiDvd);
    expect((ports[1]!.device as AtapiDvd).medium).toBe(iso);
    expect((ports[2]!.device as AtapiDvd).medium).toBeUndefined();
    // No SATA devices: no AHCI function.
    const bare = machine();
    expect(bare.ahci).toBeUndefined();
    expect(ecam(bare, bare.devices.length + 1, 0)).toBe(0xffff_ffff);
  });

  it("refuses bad devices with a ConfigError naming the port", () => {
    const ro = new MemoryBlockBackend(2048 * 4, { readOnly: true, blockSize: 2048 });
    const empty = new MemoryBlockBackend(0);
    expect(() => virtConfig({ sata: [{ kind: "tape" } as never] })).toThrow(
      /sata port 0: unknown kind "tape": use "disk" or "cdrom"/,
    );
    expect(() =>
      virtConfig({
        sata: [
          { kind: "cdrom", backend: ro },
          { kind: "disk", backend: empty },
        ],
      }),
    ).toThrow(/sata port 1: a disk must be a non-empty whole number of 512-byte sectors, not 0 bytes/);
    expect(() => virtConfig({ sata: [{ kind: "cdrom", backend: new MemoryBlockBackend(4096) }] })).toThrow(
      /sata port 0: a CD\/DVD medium must be read-only/,
    );
    expect(() =>
      virtConfig({ sata: Array.from({ length: 33 }, () => ({ kind: "cdrom" as const })) }),
    ).toThrow(ConfigError);
  });
});

describe("gpu: a virtio-gpu-pci drawing into a core Display", () => {
  it("plugs virtio-gpu (1af4:1050, class 03) after the other virtio functions and before AHCI", () => {
    const m = machine({ gpu: true, sata: [{ kind: "cdrom" }] });
    expect(m.gpu).toBeDefined();
    const slot = m.devices.length; // the GPU is the last virtio function
    expect(m.devices[slot - 1]!.device).toBe(m.gpu);
    expect(ecam(m, slot, 0)).toBe(0x1050_1af4);
    expect(ecam(m, slot, 8) >>> 24).toBe(0x03);
    expect(ecam(m, slot + 1, 0)).toBe(0x2922_8086);
    expect([m.gpu!.display.width, m.gpu!.display.height]).toEqual([1024, 768]);
    expect(machine().gpu).toBeUndefined();
    expect(machine({ gpu: false }).gpu).toBeUndefined();
  });

  it("draws into a display given to it; anything else is a ConfigError", () => {
    const display = new Display({ width: 800, height: 600 }, "mine");
    expect(machine({ gpu: { display } }).gpu!.display).toBe(display);
    expect(() => virtConfig({ gpu: { display: {} } as never })).toThrow(
      /gpu must be true, false or \{ display \} with a core Display/,
    );
  });
});

describe("usb: an xHCI with the Parallels VM's tablet, keyboard and camera", () => {
  it("plugs an xHCI (class 0C/03/30) last, devices on USB 3 ports; the GPU display's input reaches them", () => {
    const m = machine({ gpu: true, usb: { camera: true } });
    const u = m.usb!;
    const slot = m.devices.length + 1;
    expect(ecam(m, slot, 8) >>> 8).toBe(0x0c_03_30);
    expect(u.camera).toBeDefined();
    const down = vi.spyOn(u.keyboard!, "keyDown");
    const up = vi.spyOn(u.keyboard!, "keyUp");
    const move = vi.spyOn(u.tablet!, "moveToFraction");
    const buttons = vi.spyOn(u.tablet!, "setButtons");
    const screen = m.gpu!.display;
    screen.sendKey({ down: true, usage: 0x0b });
    screen.sendKey({ down: false, usage: 0x0b });
    screen.sendKey({ down: true, usage: 0 }); // no usage: dropped
    const w = screen.width;
    const h = screen.height;
    screen.sendPointer({
      kind: "absolute",
      x: w - 1,
      y: 0,
      width: w,
      height: h,
      buttons: 1,
      wheel: 0,
      hwheel: 0,
    });
    expect(down.mock.calls).toEqual([[0x0b]]);
    expect(up.mock.calls).toEqual([[0x0b]]);
    expect(move.mock.calls).toEqual([[1, 0]]);
    expect(buttons.mock.calls).toEqual([[1]]);
    expect(screen.listenerErrors).toBe(0);
    expect(machine({ usb: true }).usb!.camera).toBeUndefined();
    expect(machine().usb).toBeUndefined();
    expect(() => virtConfig({ usb: { camera: "yes" } as never })).toThrow(/usb camera is not a boolean/);
  });

  it("usb.devices: the listed devices on USB 3 ports 1.. in order; a mouse follows an absolute pointer by differences", () => {
    const m = machine({
      gpu: true,
      usb: { devices: [{ kind: "keyboard" }, { kind: "mouse" }, { kind: "keyboard" }] },
    });
    const u = m.usb!;
    expect(u.devices.map((d) => d.constructor.name)).toEqual(["UsbKeyboard", "UsbMouse", "UsbKeyboard"]);
    const ports = u.devices.map((d) => u.xhci.xhci.ports.findIndex((p) => p.device === d));
    expect(ports.every((p) => p >= 0)).toBe(true);
    expect(ports).toEqual([...ports].sort((a, b) => a - b));
    expect(u.keyboard).toBe(u.devices[0]);
    expect(u.tablet).toBeUndefined();
    expect(u.camera).toBeUndefined();
    const move = vi.spyOn(u.mouse!, "move");
    const keys = vi.spyOn(u.devices[2] as never, "keyDown");
    const screen = m.gpu!.display;
    const at = (x: number, y: number) =>
      screen.sendPointer({
        kind: "absolute",
        x,
        y,
        width: screen.width,
        height: screen.height,
        buttons: 0,
        wheel: 0,
        hwheel: 0,
      });
    at(100, 100);
    at(110, 95);
    at(110, 95);
    expect(move.mock.calls).toEqual([
      [10, -5],
      [0, 0],
    ]);
    screen.sendKey({ down: true, usage: 0x04 });
    expect(keys).not.toHaveBeenCalled(); // input goes to the first keyboard only
    expect(() => virtConfig({ usb: { devices: [{ kind: "printer" }] } as never })).toThrow(/no known kind/);
    expect(() => virtConfig({ usb: { devices: Array(5).fill({ kind: "mouse" }) } })).toThrow(/4 USB 3 ports/);
    expect(() => virtConfig({ usb: { camera: true, devices: [] } })).toThrow(/camera or devices, not both/);
  });
});

describe("mac: the virtio-net card's address", () => {
  it("goes into the card's config space; a malformed or multicast address is a ConfigError", () => {
    const m = machine({ mac: "52:54:00:AB:cd:01" });
    const nic = m.devices.find((f) => f.device.name === "net")!.device as unknown as { mac: Uint8Array };
    expect([...nic.mac]).toEqual([0x52, 0x54, 0x00, 0xab, 0xcd, 0x01]);
    expect(() => virtConfig({ mac: "52:54:00:ab:cd" })).toThrow(/six hex bytes/);
    expect(() => virtConfig({ mac: "01:00:5e:00:00:01" })).toThrow(/multicast/);
  });
});
