import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseDtb } from "@armature/fdt";
import { describe, expect, it } from "vitest";
import { QEMU_LAYOUT, VZ_LAYOUT } from "./layout.js";
import { VirtMachine } from "./machine.js";
import { recordedMachine } from "./test/replay.js";

const here = dirname(fileURLToPath(import.meta.url));

function need(cmd: string): void {
  try {
    execFileSync("sh", ["-c", `command -v ${cmd}`], { stdio: "ignore" });
  } catch {
    throw new Error(`${cmd} is missing: run \`bash scripts/install-system-tools.sh\` (as root)`);
  }
}

/** Assemble fixtures/hello.S with GNU as (an assembler we did not write) for a UART base. */
function buildHello(uart: number): Uint8Array {
  need("aarch64-linux-gnu-as");
  const dir = mkdtempSync(join(tmpdir(), "armature-hello-"));
  try {
    const src = readFileSync(join(here, "fixtures", "hello.S"), "utf8").replace(
      "=UART_BASE",
      `=0x${uart.toString(16)}`,
    );
    execFileSync("aarch64-linux-gnu-as", ["-o", join(dir, "hello.o"), "-"], { input: src });
    execFileSync("aarch64-linux-gnu-ld", ["-Ttext=0", "-o", join(dir, "hello.elf"), join(dir, "hello.o")]);
    execFileSync("aarch64-linux-gnu-objcopy", [
      "-O",
      "binary",
      join(dir, "hello.elf"),
      join(dir, "hello.bin"),
    ]);
    return new Uint8Array(readFileSync(join(dir, "hello.bin")));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe.each([
  ["vz", VZ_LAYOUT],
  ["qemu", QEMU_LAYOUT],
] as const)("virt board, %s layout", (name, layout) => {
  it("runs a raw bare-metal binary: PL011 output, PSCI_VERSION and SYSTEM_OFF through HVC", async () => {
    const { m, out } = recordedMachine({
      layout: name,
      kernel: buildHello(layout.uart),
      memoryMiB: 128,
      deterministic: true,
    });
    // A raw binary sits at RAM base + 0x80000 and is entered at its first byte.
    expect(m.boot!.entry.pc).toBe(layout.ramBase + 0x80000);
    const stop = await m.run({ maxInstructions: 100_000 });
    expect(stop).toBe("poweroff");
    expect(out()).toBe("hello from armature\npsci 1.1\n");
  });

  it("generates a device tree that dtc accepts and that names every placed part", () => {
    need("dtc");
    const m = new VirtMachine({ layout: name, kernel: new Uint8Array(64), memoryMiB: 128, cpus: 2 });
    const dts = execFileSync("dtc", ["-I", "dtb", "-O", "dts", "-q", "-"], { input: m.dtb }).toString();
    expect(dts).toContain(`pl011@${layout.uart.toString(16)}`);
    expect(dts).toContain(`pl031@${layout.rtc.toString(16)}`);
    expect(dts).toContain(`pcie@${layout.ecam.toString(16)}`);
    expect(dts).toContain(`memory@${layout.ramBase.toString(16)}`);
    expect(dts).toContain('method = "hvc"');
    expect(dts).toMatch(/compatible = "arm,gic-v3"/);
    expect(dts).toMatch(layout.its ? /arm,gic-v3-its/ : /arm,gic-v2m-frame/);
    const tree = parseDtb(m.dtb).root;
    const cpus = tree.child("cpus")!;
    expect(cpus.children.map((c) => c.name)).toEqual(["cpu@0", "cpu@1"]);
    expect(tree.child("chosen")!.property("linux,initrd-start")).toBeUndefined();
  });
});
