import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { MemoryBlockBackend } from "@armature/core";
import { describe, expect, it } from "vitest";
import { customBoard } from "./custom-board.js";

// x0 = SYSTEM_OFF; hvc #0 (PSCI, DEN0022): the guest powers off at once.
const POWEROFF = new Uint8Array(new Uint32Array([0x52800100, 0x72b08000, 0xd4000002]).buffer);

describe("examples/custom-board.ts: the virt board plus an AHCI DVD and a USB camera", () => {
  it("is under 100 lines", () => {
    const lines = readFileSync(new URL("custom-board.ts", import.meta.url), "utf8").split("\n").length;
    expect(lines).toBeLessThan(100);
  });

  it("places both parts, describes them in the DT (judged by dtc), and runs a guest to power-off", async () => {
    const iso = new MemoryBlockBackend(new Uint8Array(2048 * 16), { readOnly: true, blockSize: 2048 });
    const m = customBoard({
      kernel: POWEROFF,
      memoryMiB: 128,
      deterministic: true,
      iso,
      console: { write: () => {} },
    });
    // The registers answer where the DT says: AHCI GHC.CAP (one port, 32 slots) and PI; xHCI
    // CAPLENGTH/HCIVERSION (xHCI 1.2 §5.3).
    expect(m.bus.read(0x2014_0000 + 0x0c, 4)).toBe(1); // PI: port 0 implemented
    expect((m.bus.read(0x2014_0000, 4) >>> 8) & 0x1f).toBe(31); // CAP.NCS: 32 command slots
    expect(m.bus.read(0x2006_0000, 4) >>> 16).toBeGreaterThanOrEqual(0x0100); // HCIVERSION
    const dts = execFileSync("dtc", ["-I", "dtb", "-O", "dts", "-q", "-"], { input: m.dtb }).toString();
    expect(dts).toMatch(
      /sata@20140000 \{[^}]*compatible = "generic-ahci";[^}]*reg = <0x00 0x20140000 0x00 0x2000>;/s,
    );
    expect(dts).toMatch(/usb@20060000 \{[^}]*compatible = "generic-xhci";/s);
    expect(await m.run({ maxInstructions: 1_000 })).toBe("poweroff");
    // Port 0 has a device, and it is the ATAPI drive (AHCI 1.3.1 §3.3.9/§3.3.10: SSTS.DET, SIG).
    expect(m.bus.read(0x2014_0000 + 0x100 + 0x28, 4) & 0xf).toBe(3);
    expect(m.bus.read(0x2014_0000 + 0x100 + 0x24, 4) >>> 0).toBe(0xeb14_0101);
  });
});
