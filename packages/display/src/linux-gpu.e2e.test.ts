import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { GuestShell, ScriptedConsole } from "@armature/board/test";
import { Display } from "@armature/core";
import { VirtMachine } from "@armature/machine-virt";
import { describe, expect, it } from "vitest";
import { checkVirtioGpuGuest, haveTesseract, ocrPng, RfbTestClient } from "./test/index.js";
import { VncServer } from "./vnc.js";

/**
 * Debian's generic arm64 kernel (virtio_gpu and the DRM helpers as modules, loaded by the test
 * initramfs) drives the virtio-gpu: the guest-side checks pass, the marker printed on tty1 is on
 * the host display, in a VNC client's framebuffer and (with tesseract) readable by OCR.
 * Opt-in (a second Linux boot): ARMATURE_E2E_GPU=1, with .cache/guest-generic from
 * `bash scripts/fetch-guest.sh --flavour generic`.
 */
const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");
const guest = join(root, ".cache", "guest-generic");
const enabled = process.env.ARMATURE_E2E_GPU === "1";

describe.skipIf(!enabled)("Linux drives the virtio-gpu (ARMATURE_E2E_GPU=1)", () => {
  it(
    "virtio_gpu initializes, fbcon draws on it, VNC shows it",
    async () => {
      if (!existsSync(join(guest, "Image")))
        throw new Error("no .cache/guest-generic: run `bash scripts/fetch-guest.sh --flavour generic`");
      const con = new ScriptedConsole(
        process.env.ARMATURE_E2E_ECHO ? (s) => process.stderr.write(s) : undefined,
      );
      const display = new Display({ width: 1024, height: 768 }, "armature-e2e");
      // The board's virtio-gpu (its `gpu` option, as `armature run --gpu` builds it).
      const machine = new VirtMachine({
        gpu: { display },
        usb: true, // the USB keyboard and tablet take the VNC client's input
        layout: "qemu",
        kernel: new Uint8Array(readFileSync(join(guest, "Image"))),
        initrd: new Uint8Array(readFileSync(join(guest, "initramfs.cpio.gz"))),
        cmdline: "console=ttyAMA0",
        console: con,
      });
      const gpu = machine.gpu!;
      const fn = machine.devices.find((f) => f.device === gpu)!;
      const vnc = new VncServer(display, { port: 0 });
      const { port } = await vnc.listen();
      const stopped = machine.run();
      const shell = new GuestShell(con, (b) => machine.input(b), stopped);
      await shell.ready(20 * 60_000);
      const sh = (command: string): Promise<string> => shell.sh(command, 300_000);
      const r = await checkVirtioGpuGuest({ sh }, display, { marker: "ARMATURE-GPU-OK" });
      const dir = mkdtempSync(join(tmpdir(), "armature-gpu-e2e-"));
      writeFileSync(join(dir, "screen.png"), r.png);
      process.stderr.write(
        `[gpu e2e] ${r.drmLine}; screen ${join(dir, "screen.png")}; OCR: ${r.ocrText?.trim()}\n`,
      );
      // net, console, balloon and rng take slots 1..4; the GPU is next.
      expect(r.drmLine).toMatch(/\[drm\] Initialized virtio_gpu 0\.1\.0 0 for 0000:00:05\.0/);
      expect(r.fb0).toBe(true);
      expect(r.card0).toBe(true);
      expect(r.litPixels).toBeGreaterThan(100);
      if (r.markerSeen !== undefined) expect(r.markerSeen).toBe(true);
      expect(fn.core.internalErrors).toBe(0);
      expect([...gpu.errors]).toEqual([]);
      // A VNC client sees the same pixels.
      const c = await RfbTestClient.connect(port);
      c.requestUpdate(false);
      await c.nextUpdate();
      expect([c.width, c.height]).toEqual([display.width, display.height]);
      let same = true;
      for (let i = 0; i < c.fb.length; i += 4)
        if (
          c.fb[i] !== display.data[i] ||
          c.fb[i + 1] !== display.data[i + 1] ||
          c.fb[i + 2] !== display.data[i + 2]
        )
          same = false;
      expect(same).toBe(true);
      // Input over VNC: the client types a command on tty1's shell (the USB keyboard through
      // usbhid); its output reaches the serial console.
      await sh(
        "for i in $(seq 1 120); do ls /sys/bus/usb/drivers/usbhid 2>/dev/null | grep -q : && break; sleep 1; done",
      );
      const mark = con.mark;
      // As a client on a US layout sends it: Shift_L around the shifted characters.
      const shifted = /[A-Z~!@#$%^&*()_+{}|:"<>?]/;
      for (const ch of "echo VNC-INPUT-$((6*7)) > /dev/ttyAMA0\r") {
        const keysym = ch === "\r" ? 0xff0d : ch.charCodeAt(0);
        if (shifted.test(ch)) c.key(true, 0xffe1);
        c.key(true, keysym);
        c.key(false, keysym);
        if (shifted.test(ch)) c.key(false, 0xffe1);
        await new Promise((r) => setTimeout(r, 30));
      }
      // The shell computed 42: the text came from the keyboard, not from an echo of what was typed.
      await shell.wait("VNC-INPUT-42", mark, 300_000, "the command typed over VNC");
      c.close();
      // And Debian's vncsnapshot, when installed, captures a picture whose OCR shows the marker.
      if (haveTesseract() && (await has("vncsnapshot"))) {
        const jpg = join(dir, "vnc.jpg");
        await run("vncsnapshot", ["-quiet", "-quality", "100", `127.0.0.1::${port}`, jpg]);
        const png = join(dir, "vnc.png");
        await run("/usr/bin/python3", ["-c", `from PIL import Image; Image.open("${jpg}").save("${png}")`]);
        expect(ocrPng(readFileSync(png)).replace(/\s/g, "")).toContain("ARMATURE-GPU-OK");
      }
      await vnc.close();
      rmSync(dir, { recursive: true, force: true });
      machine.input(new TextEncoder().encode("poweroff -f\n"));
      expect(await stopped).toBe("poweroff");
    },
    40 * 60_000,
  );
});

function run(cmd: string, args: string[]): Promise<void> {
  return new Promise((res, rej) =>
    execFile(cmd, args, (e, _o, se) => (e ? rej(new Error(`${cmd}: ${se}`)) : res())),
  );
}
function has(cmd: string): Promise<boolean> {
  return new Promise((res) => execFile("sh", ["-c", `command -v ${cmd}`], (e) => res(!e)));
}
