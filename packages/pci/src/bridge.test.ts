import { readFileSync } from "node:fs";
import { Bus, BusError, setLogger } from "@armature/core";
import { RecordingIrqLine, RecordingMsiSink } from "@armature/core/test";
import { FdtNode } from "@armature/fdt";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { PciHostBridge } from "./bridge.js";
import { describePciHostBridge, pciAcpiDescription } from "./describe.js";
import { EcamAccessor, FakePciFunction } from "./test/index.js";

const RUNS = Number(process.env.FC_NUM_RUNS ?? 200);
const ECAM = 0x40_1000_0000;
const QEMU_WINDOWS = {
  io: { cpuBase: 0x3eff0000, size: 0x10000, pciBase: 0 },
  mmio32: { cpuBase: 0x10000000, size: 0x2eff0000 },
  mmio64: { cpuBase: 0x80_0000_0000, size: 0x80_0000_0000 },
};

function setup(opts: { msi?: RecordingMsiSink } = {}) {
  const bus = new Bus();
  bus.addRam("ram", 0x4000_0000, 1 << 20);
  const lines = [0, 1, 2, 3].map(() => new RecordingIrqLine());
  const msi = opts.msi ?? new RecordingMsiSink();
  const bridge = new PciHostBridge({ bus, ecamBase: ECAM, ...QEMU_WINDOWS, msi, intx: lines });
  return { bus, bridge, lines, msi, cfg: new EcamAccessor(bus, ECAM) };
}

/**
 * Two functions, f at device 1 and g at device 4, placed as a firmware would: g's BAR 0 at the
 * window's start, f's after it, memory decoding on in both.
 */
function firmwarePlacedPair(s: ReturnType<typeof setup>): { f: FakePciFunction; g: FakePciFunction } {
  const f = new FakePciFunction();
  const g = new FakePciFunction();
  s.bridge.attach(f, { device: 1 });
  s.bridge.attach(g, { device: 4 });
  s.cfg.write(1, 0, 0x10, 0x1000_3000);
  s.cfg.write(4, 0, 0x10, 0x1000_0000);
  s.cfg.write(1, 0, 0x04, 2, 2);
  s.cfg.write(4, 0, 0x04, 2, 2);
  return { f, g };
}

describe("ECAM configuration space", () => {
  it("reads IDs and header fields, all-ones for absent functions", () => {
    const s = setup();
    const f = new FakePciFunction({ msixVectors: 4 });
    const rid = s.bridge.attach(f, { device: 3 });
    expect(rid).toBe(3 << 3);
    expect(s.cfg.read(3, 0, 0x00)).toBe(0x56781234);
    expect(s.cfg.read(3, 0, 0x00, 2)).toBe(0x1234);
    expect(s.cfg.read(3, 0, 0x02, 2)).toBe(0x5678);
    expect(s.cfg.read(3, 0, 0x08)).toBe(0xff000002);
    expect(s.cfg.read(3, 0, 0x0e, 1)).toBe(0); // header type 0, single function
    expect(s.cfg.read(3, 0, 0x06, 2) & 0x10).toBe(0x10); // capabilities list
    expect(s.cfg.read(3, 0, 0x34, 1)).toBe(0x40);
    expect(s.cfg.read(3, 0, 0x40, 1)).toBe(0x11);
    expect(s.cfg.read(3, 0, 0x3d, 1)).toBe(1);
    expect(s.cfg.read(4, 0, 0x00)).toBe(0xffffffff);
    expect(s.cfg.read(3, 1, 0x00, 2)).toBe(0xffff);
    expect(s.cfg.read(3, 0, 0x00, 4, 1)).toBe(0xffffffff); // bus 1: nothing behind
    // Writes to read-only fields change nothing.
    s.cfg.write(3, 0, 0x00, 0);
    expect(s.cfg.read(3, 0, 0x00)).toBe(0x56781234);
    s.cfg.write(3, 0, 0x3c, 0x2a, 1);
    expect(s.cfg.read(3, 0, 0x3c)).toBe(0x012a);
  });

  it("sets the multi-function bit when function > 0 exists", () => {
    const s = setup();
    s.bridge.attach(new FakePciFunction(), { device: 1 });
    s.bridge.attach(new FakePciFunction(), { device: 1, function: 2 });
    expect(s.cfg.read(1, 0, 0x0e, 1)).toBe(0x80);
    expect(s.cfg.read(1, 2, 0x0e, 1)).toBe(0);
    expect(() => s.bridge.attach(new FakePciFunction(), { device: 1 })).toThrow(/taken/);
  });

  it("sizes BARs like PCI 3.0 §6.2.5.1 (property test against a reference)", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 4, max: 34 }),
        fc.constantFrom("mem32", "mem64", "io"),
        fc.boolean(),
        fc.integer({ min: 0, max: 0xffffffff }),
        fc.integer({ min: 0, max: 0xffffffff }),
        (log2, kind, pref, lo, hi) => {
          if (kind === "io" && (log2 < 2 || log2 > 8)) log2 = 8;
          if (kind === "mem32" && log2 > 31) log2 = 31;
          const size = 2 ** log2;
          const s = setup();
          s.bridge.attach(
            new FakePciFunction({ bars: [{ index: 2, size, kind: kind as "mem32", prefetchable: pref }] }),
            { device: 0 },
          );
          s.cfg.write(0, 0, 0x18, lo);
          s.cfg.write(0, 0, 0x1c, hi);
          // Reference: writable address bits are those at or above log2(size), above the flag bits.
          const flagBits = kind === "io" ? 2 : 4;
          let expLo = 0;
          for (let b = Math.max(log2, flagBits); b < 32; b++) if (lo & (2 ** b)) expLo += 2 ** b;
          const flags = kind === "io" ? 1 : (kind === "mem64" ? 4 : 0) | (pref ? 8 : 0);
          expect(s.cfg.read(0, 0, 0x18)).toBe(expLo + flags);
          let expHi = 0;
          if (kind === "mem64")
            for (let b = Math.max(0, log2 - 32); b < 32; b++) if (hi & (2 ** b)) expHi += 2 ** b;
          expect(s.cfg.read(0, 0, 0x1c)).toBe(expHi);
          // The driver's sizing: write all ones, read back, invert.
          s.cfg.write(0, 0, 0x18, 0xffffffff);
          s.cfg.write(0, 0, 0x1c, 0xffffffff);
          const rlo = s.cfg.read(0, 0, 0x18) & (kind === "io" ? ~3 : ~0xf);
          const rhi = kind === "mem64" ? s.cfg.read(0, 0, 0x1c) : 0xffffffff;
          const mask = (BigInt(rhi >>> 0) << 32n) | BigInt(rlo >>> 0);
          expect((1n << 64n) - mask).toBe(BigInt(size));
        },
      ),
      { numRuns: RUNS },
    );
  });

  it("unused BARs read as zero and ignore writes", () => {
    const s = setup();
    s.bridge.attach(new FakePciFunction(), { device: 0 });
    s.cfg.write(0, 0, 0x14, 0xffffffff);
    expect(s.cfg.read(0, 0, 0x14)).toBe(0);
    expect(s.cfg.read(0, 0, 0x30)).toBe(0); // no expansion ROM
  });
});

describe("BAR decoding on the bus", () => {
  it("maps BARs while memory decoding is on, moves and unmaps them", () => {
    const s = setup();
    const f = new FakePciFunction();
    s.bridge.attach(f, { device: 2 });
    s.cfg.write(2, 0, 0x10, 0x1000_0000);
    s.cfg.write(2, 0, 0x18, 0x0000_0000);
    s.cfg.write(2, 0, 0x1c, 0x80);
    expect(() => s.bus.read(0x1000_0000, 4)).toThrow(BusError);
    s.cfg.write(2, 0, 0x04, 0x6, 2);
    f.memories.get(0)!.bytes[4] = 0x5a;
    expect(s.bus.read(0x1000_0004, 1)).toBe(0x5a);
    s.bus.write(0x80_0000_0010, 4, 0xdeadbeef);
    expect(f.memories.get(2)!.log.at(-1)).toEqual({ op: "w", offset: 0x10, size: 4, value: 0xdeadbeef });
    expect(f.mappedAt.get(2)).toBe(0x80_0000_0000);
    s.cfg.write(2, 0, 0x10, 0x1000_2000);
    expect(() => s.bus.read(0x1000_0004, 1)).toThrow(BusError);
    expect(s.bus.read(0x1000_2004, 1)).toBe(0x5a);
    s.cfg.write(2, 0, 0x04, 0x0, 2);
    expect(() => s.bus.read(0x1000_2004, 1)).toThrow(BusError);
    expect(f.mappedAt.size).toBe(0);
    expect(f.commands).toEqual([6, 0]);
  });

  it("does not decode a BAR outside the windows or overlapping another region", () => {
    const s = setup();
    const f = new FakePciFunction();
    s.bridge.attach(f, { device: 0 });
    s.cfg.write(0, 0, 0x10, 0x4000_0000); // RAM, outside mmio32
    s.cfg.write(0, 0, 0x04, 2, 2);
    expect(f.mappedAt.has(0)).toBe(false);
    const g = new FakePciFunction();
    s.bridge.attach(g, { device: 1 });
    s.cfg.write(0, 0, 0x10, 0x1000_0000);
    s.cfg.write(1, 0, 0x10, 0x1000_0000);
    s.cfg.write(1, 0, 0x04, 2, 2);
    expect(f.mappedAt.get(0)).toBe(0x1000_0000);
    expect(g.mappedAt.has(0)).toBe(false);
  });

  it("decodes a BAR refused for an overlap once the other BAR moves away (Linux reassigning one by one)", () => {
    const s = setup();
    const { f, g } = firmwarePlacedPair(s);
    // The OS swaps them, f first: f overlaps g until g moves.
    s.cfg.write(1, 0, 0x10, 0x1000_0000);
    expect(f.mappedAt.has(0)).toBe(false);
    s.cfg.write(4, 0, 0x10, 0x1000_3000);
    expect(f.mappedAt.get(0)).toBe(0x1000_0000);
    expect(g.mappedAt.get(0)).toBe(0x1000_3000);
    f.memories.get(0)!.bytes[4] = 0x11;
    g.memories.get(0)!.bytes[4] = 0x22;
    expect(s.bus.read(0x1000_0004, 1)).toBe(0x11);
    expect(s.bus.read(0x1000_3004, 1)).toBe(0x22);
  });

  it("is quiet about an overlap between BARs unless the guest accesses the contested range while it lasts", () => {
    const warnings: string[] = [];
    const previous = setLogger({ warn: (m) => warnings.push(m) });
    try {
      const s = setup();
      const { f, g } = firmwarePlacedPair(s);
      g.memories.get(0)!.bytes[4] = 0x22;
      // A swap, one BAR at a time: f lands on g's old place until g moves. Nothing to say.
      s.cfg.write(1, 0, 0x10, 0x1000_0000);
      s.cfg.write(4, 0, 0x10, 0x1000_3000);
      expect(warnings).toEqual([]);
      expect(f.mappedAt.get(0)).toBe(0x1000_0000);
      // f moves onto g for good and the guest reads there: the read reaches g, and that is said.
      s.cfg.write(1, 0, 0x10, 0x1000_3000);
      expect(s.bus.read(0x1000_3004, 1)).toBe(0x22);
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toMatch(/1\.0 BAR 0 at 0x10003000 overlaps .*4\.0-bar0.*access at 0x10003004/);
      // g moves away: f decodes, and accesses are f's.
      s.cfg.write(4, 0, 0x10, 0x1000_8000);
      expect(f.mappedAt.get(0)).toBe(0x1000_3000);
      f.memories.get(0)!.bytes[4] = 0x11;
      expect(s.bus.read(0x1000_3004, 1)).toBe(0x11);
      expect(s.bus.read(0x1000_8004, 1)).toBe(0x22);
      expect(warnings).toHaveLength(1);
    } finally {
      setLogger(previous);
    }
  });

  it("maps I/O BARs into the I/O window at cpuBase + port", () => {
    const s = setup();
    const f = new FakePciFunction({ bars: [{ index: 4, size: 0x100, kind: "io", prefetchable: false }] });
    s.bridge.attach(f, { device: 0 });
    s.cfg.write(0, 0, 0x20, 0x1000);
    s.cfg.write(0, 0, 0x04, 1, 2);
    expect(f.mappedAt.get(4)).toBe(0x3eff0000 + 0x1000);
  });

  it("assignResources places every BAR naturally aligned inside its window", () => {
    const s = setup();
    const fs = [0, 1, 2].map(() => new FakePciFunction({ msixVectors: 2 }));
    fs.forEach((f, i) => {
      s.bridge.attach(f, { device: i });
    });
    s.bridge.assignResources();
    for (const f of fs) {
      expect(f.mappedAt.get(0)! % 0x1000).toBe(0);
      expect(f.mappedAt.get(0)! >= 0x1000_0000).toBe(true);
      expect(f.mappedAt.get(2)! >= 0x80_0000_0000).toBe(true);
      expect(f.mappedAt.get(2)! % 0x100000).toBe(0);
    }
  });
});

describe("INTx", () => {
  it("follows the swizzle (device + pin - 1) mod 4 and Command.InterruptDisable", () => {
    for (let dev = 0; dev < 8; dev++) {
      for (let pin = 1; pin <= 4; pin++) {
        const s = setup();
        const f = new FakePciFunction({ ids: { interruptPin: pin } });
        s.bridge.attach(f, { device: dev });
        f.host!.setIntx(true);
        const want = (dev + pin - 1) % 4;
        expect(s.lines.map((l) => l.level)).toEqual([0, 1, 2, 3].map((i) => i === want));
        expect(s.cfg.read(dev, 0, 0x06, 2) & 0x08).toBe(0x08);
        s.cfg.write(dev, 0, 0x04, 0x400, 2);
        expect(s.lines[want]!.level).toBe(false);
        s.cfg.write(dev, 0, 0x04, 0, 2);
        expect(s.lines[want]!.level).toBe(true);
        f.host!.setIntx(false);
        expect(s.lines[want]!.level).toBe(false);
      }
    }
  });

  it("keeps a shared line up while any function asserts it", () => {
    const s = setup();
    const a = new FakePciFunction();
    const b = new FakePciFunction();
    s.bridge.attach(a, { device: 0 });
    s.bridge.attach(b, { device: 4 });
    a.host!.setIntx(true);
    b.host!.setIntx(true);
    a.host!.setIntx(false);
    expect(s.lines[0]!.level).toBe(true);
    b.host!.setIntx(false);
    expect(s.lines[0]!.level).toBe(false);
  });
});

describe("MSI and MSI-X", () => {
  it("MSI: 64-bit address, multiple messages, masking and pending, bus-master gating", () => {
    const s = setup();
    const f = new FakePciFunction({ msiVectors: 4 });
    const rid = s.bridge.attach(f, { device: 5 });
    const cap = s.cfg.read(5, 0, 0x34, 1);
    expect(s.cfg.read(5, 0, cap, 1)).toBe(0x05);
    const ctl = s.cfg.read(5, 0, cap + 2, 2);
    expect((ctl >> 1) & 7).toBe(2); // MMC: 4 vectors
    expect(ctl & 0x180).toBe(0x180); // 64-bit, per-vector masking
    s.cfg.write(5, 0, cap + 4, 0x0804_0040);
    s.cfg.write(5, 0, cap + 8, 0x1);
    s.cfg.write(5, 0, cap + 12, 0x40, 2);
    s.cfg.write(5, 0, cap + 2, 0x11, 2); // enable, MME = 1: 2 vectors
    expect(f.msi!.signal(1)).toBe(false); // bus master off
    s.cfg.write(5, 0, 0x04, 4, 2);
    expect(f.msi!.signal(1)).toBe(true);
    expect(s.msi.messages.at(-1)).toEqual({ address: 0x1_0804_0040, data: 0x41, deviceId: rid });
    expect(f.msi!.signal(2)).toBe(false); // beyond the enabled count
    s.cfg.write(5, 0, cap + 16, 1);
    expect(f.msi!.signal(0)).toBe(false);
    expect(s.cfg.read(5, 0, cap + 20) & 1).toBe(1);
    s.cfg.write(5, 0, cap + 16, 0);
    expect(s.msi.messages.at(-1)).toEqual({ address: 0x1_0804_0040, data: 0x40, deviceId: rid });
    expect(s.cfg.read(5, 0, cap + 20) & 1).toBe(0);
  });

  it("MSI-X: table through the BAR, per-vector and function masks, PBA", () => {
    const s = setup();
    const f = new FakePciFunction({ msixVectors: 8 });
    const rid = s.bridge.attach(f, { device: 6 });
    expect(s.cfg.read(6, 0, 0x42, 2)).toBe(7); // table size - 1
    expect(s.cfg.read(6, 0, 0x44)).toBe(0); // table: BAR 0, offset 0
    expect(s.cfg.read(6, 0, 0x48)).toBe(0x800); // PBA: BAR 0, offset 0x800
    s.cfg.write(6, 0, 0x10, 0x1000_0000);
    s.cfg.write(6, 0, 0x04, 6, 2);
    const t = (v: number, w: number) => 0x1000_0000 + 16 * v + 4 * w;
    expect(s.bus.read(t(3, 3), 4)).toBe(1); // masked at reset
    s.bus.write(t(3, 0), 4, 0x0809_0040);
    s.bus.write(t(3, 1), 4, 0);
    s.bus.write(t(3, 2), 4, 0x33);
    s.cfg.write(6, 0, 0x42, 0x8000, 2);
    expect(f.msix!.signal(3)).toBe(false);
    expect(s.bus.read(0x1000_0800, 4)).toBe(1 << 3);
    s.bus.write(t(3, 3), 4, 0); // unmask: the pending message goes out
    expect(s.msi.messages).toEqual([{ address: 0x0809_0040, data: 0x33, deviceId: rid }]);
    expect(s.bus.read(0x1000_0800, 4)).toBe(0);
    s.cfg.write(6, 0, 0x43, 0xc0, 1); // function mask
    expect(f.msix!.signal(3)).toBe(false);
    s.cfg.write(6, 0, 0x43, 0x80, 1);
    expect(s.msi.messages).toHaveLength(2);
    expect(s.cfg.read(6, 0, 0x42, 2)).toBe(0x8007);
    expect(f.msix!.signal(3)).toBe(true);
    expect(s.msi.messages).toHaveLength(3);
    // Without Bus Master Enable (Command bit 2) no message leaves, pending or not.
    s.cfg.write(6, 0, 0x04, 2, 2);
    expect(f.msix!.signal(3)).toBe(false);
    expect(s.msi.messages).toHaveLength(3);
    s.cfg.write(6, 0, 0x04, 6, 2);
    // Message Control written as the upper half of the capability's first dword (ID and next
    // pointer read-only): function mask on, then off again, which sends what became pending.
    s.cfg.write(6, 0, 0x40, 0xc000_0000);
    expect([s.cfg.read(6, 0, 0x40), f.msix!.signal(3)]).toEqual([0xc007_0011, false]);
    s.cfg.write(6, 0, 0x40, 0x8000_ffff);
    expect([s.cfg.read(6, 0, 0x40), s.msi.messages.length]).toEqual([0x8007_0011, 4]);
  });
});

function parseRef(): Map<string, number[] | string> {
  const text = readFileSync("/work/shared/reference/qemu-virt.dts", "utf8");
  const start = text.indexOf("pcie@10000000 {");
  const body = text.slice(start, text.indexOf("};", start));
  const props = new Map<string, number[] | string>();
  for (const m of body.matchAll(/^\s*([#\w,-]+)\s*=\s*(<[^>]*>|"[^"]*")\s*;/gm)) {
    const v = m[2]!;
    props.set(m[1]!, v.startsWith("<") ? v.slice(1, -1).trim().split(/\s+/).map(Number) : v.slice(1, -1));
  }
  for (const m of body.matchAll(/^\s*([#\w,-]+)\s*;/gm)) props.set(m[1]!, "");
  return props;
}

function cellsOf(n: FdtNode, name: string): number[] {
  const p = n.property(name)!.value;
  const v = new DataView(p.buffer, p.byteOffset, p.length);
  return Array.from({ length: p.length / 4 }, (_, i) => v.getUint32(4 * i, false));
}

describe("device tree", () => {
  it("matches QEMU virt's pcie node property for property", () => {
    const s = setup();
    const root = new FdtNode("");
    const n = describePciHostBridge(s.bridge, root, {
      interruptParent: 0x8002,
      intxSpecifiers: [0, 1, 2, 3].map((i) => [0, 3 + i, 4]),
      msiParent: 0x8003,
      msiMap: true,
    });
    const ref = parseRef();
    expect(ref.size).toBeGreaterThan(10);
    for (const [name, value] of ref) {
      const p = n.property(name);
      expect(p, name).toBeDefined();
      if (typeof value === "string")
        expect(new TextDecoder().decode(p!.value), name).toBe(value === "" ? "" : `${value}\0`);
      else expect(cellsOf(n, name), name).toEqual(value);
    }
  });

  it("dtc compiles the node without warnings (pci bridge, reg and ranges checks)", async () => {
    const { execFileSync } = await import("node:child_process");
    try {
      execFileSync("dtc", ["--version"]);
    } catch {
      throw new Error("dtc is missing: run `bash scripts/install-system-tools.sh`");
    }
    const s = setup();
    const root = new FdtNode("");
    root.setU32("#address-cells", 2).setU32("#size-cells", 2);
    const gic = root.addChild("intc@8000000");
    gic.setString("compatible", "arm,gic-v3").setEmpty("interrupt-controller").setU32("#interrupt-cells", 3);
    gic.setU32("#address-cells", 2).setU32("#size-cells", 2).setPhandle(1);
    gic.setCells("reg", [0, 0x8000000, 0, 0x10000]);
    describePciHostBridge(s.bridge, root, {
      interruptParent: 1,
      intxSpecifiers: [0, 1, 2, 3].map((i) => [0, 3 + i, 4]),
    });
    const toDts = (node: FdtNode, indent: string): string => {
      const props = node.properties.map(
        (p) =>
          `${indent}\t${p.name}${p.value.length ? ` = [${Array.from(p.value, (b) => b.toString(16).padStart(2, "0")).join(" ")}]` : ""};`,
      );
      const kids = node.children.map((c) => toDts(c, `${indent}\t`));
      return `${indent}${node.name || "/"} {\n${[...props, ...kids].join("\n")}\n${indent}};`;
    };
    const out = execFileSync("dtc", ["-I", "dts", "-O", "dts", "-"], {
      input: `/dts-v1/;\n${toDts(root, "")}\n`,
      stdio: ["pipe", "pipe", "pipe"],
    });
    expect(out.toString()).toContain("interrupt-map-mask");
    const warn = (() => {
      try {
        execFileSync("dtc", ["-I", "dts", "-O", "dtb", "-o", "/dev/null", "-"], {
          input: `/dts-v1/;\n${toDts(root, "")}\n`,
          stdio: ["pipe", "pipe", "pipe"],
        });
        return "";
      } catch (e) {
        return String((e as { stderr?: Buffer }).stderr ?? e);
      }
    })();
    expect(warn).toBe("");
  });
});

describe("ACPI data", () => {
  it("matches QEMU virt's MCFG and DSDT PCI0 (_CRS windows, _PRT swizzle)", () => {
    const s = setup();
    const a = pciAcpiDescription(s.bridge, [0, 1, 2, 3]);
    const mcfg = readFileSync("/work/shared/reference/qemu-acpi/MCFG.dsl", "utf8");
    const field = (name: string) => Number.parseInt(mcfg.match(new RegExp(`${name} : ([0-9A-F]+)`))![1]!, 16);
    expect(a.mcfg).toEqual({
      baseAddress: field("Base Address"),
      segment: field("Segment Group Number"),
      startBus: field("Start Bus Number"),
      endBus: field("End Bus Number"),
    });
    const dsl = readFileSync("/work/shared/reference/qemu-acpi/DSDT.dsl", "utf8");
    const pci0 = dsl.slice(dsl.indexOf("Device (PCI0)"));
    expect(pci0).toContain(`"${a.hid}"`);
    expect(pci0).toContain(`"${a.cid}"`);
    // _PRT: Package { address, pin, GSIn, Zero } -> our hard-wired GSI index n.
    const prt = [
      ...pci0.matchAll(
        /Package \(0x04\)\s*\{\s*(0x[0-9A-F]+|Zero|One),\s*(0x[0-9A-F]+|Zero|One),\s*GSI(\d),/g,
      ),
    ].map((m) => {
      const num = (x: string) => (x === "Zero" ? 0 : x === "One" ? 1 : Number(x));
      return { address: num(m[1]!), pin: num(m[2]!), gsi: Number(m[3]) };
    });
    expect(prt).toHaveLength(128);
    expect(a.prt).toEqual(prt);
    // The root _CRS: the four address space descriptors.
    const crs = pci0.slice(pci0.indexOf("WordBusNumber"));
    const kinds: Record<string, string> = {
      WordBusNumber: "bus",
      DWordMemory: "mem32",
      DWordIO: "io",
      QWordMemory: "mem64",
    };
    const chunks = crs
      .slice(0, crs.indexOf("})"))
      .split(/(?=WordBusNumber|DWordMemory|DWordIO|QWordMemory)/)
      .filter((c) => c.trim() !== "");
    const val = (c: string, label: string) =>
      Number(c.match(new RegExp(`(0x[0-9A-F]+),\\s*// ${label}`))![1]);
    const ref = chunks.map((c) => ({
      kind: kinds[c.match(/^\w+/)![0]],
      min: val(c, "Range Minimum"),
      max: val(c, "Range Maximum"),
      translation: val(c, "Translation Offset"),
    }));
    expect(ref).toHaveLength(4);
    const ours = a.crs.map((r) => ({ kind: r.kind, min: r.min, max: r.max, translation: r.translation }));
    expect([...ours].sort((x, y) => x.kind.localeCompare(y.kind))).toEqual(
      [...ref].sort((x, y) => x.kind!.localeCompare(y.kind!)),
    );
  });

  it("MCFG covers ECAM and _PRT follows the same swizzle as the interrupt-map", () => {
    const s = setup();
    const a = pciAcpiDescription(s.bridge, [35, 36, 37, 38]);
    expect(a.mcfg).toEqual({ baseAddress: ECAM, segment: 0, startBus: 0, endBus: 255 });
    expect(a.crs.map((r) => r.kind)).toEqual(["bus", "io", "mem32", "mem64"]);
    expect(a.crs[1]).toEqual({ kind: "io", min: 0, max: 0xffff, translation: 0x3eff0000, length: 0x10000 });
    expect(a.prt).toHaveLength(128);
    for (const r of a.prt) expect(r.gsi).toBe(35 + PciHostBridge.swizzle(r.address >>> 16, r.pin + 1));
  });
});
