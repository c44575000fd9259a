import { buildDsdt, buildFadt, buildGtdt, buildMcfg, SmbiosBuilder } from "@armature/acpi";
import { Bus, BusDmaSpace } from "@armature/core";
import { FdtNode } from "@armature/fdt";
import { describe, expect, it } from "vitest";
import { describeFwCfg, FwCfg } from "./fw-cfg.js";
import { acpiLoaderFiles, smbiosFiles } from "./loader.js";
import * as R from "./regs.js";

const BASE = 0x0902_0000;
const RAM = 0x4000_0000;

function machine(o: Partial<ConstructorParameters<typeof FwCfg>[0]> = {}) {
  const bus = new Bus();
  const ram = bus.addRam("ram", RAM, 1 << 20);
  const fw = new FwCfg({ dma: new BusDmaSpace(bus), ramSize: 1 << 30, cpus: 2, ...o });
  bus.addMmio("fw-cfg", BASE, R.FW_CFG_MMIO_SIZE, fw);
  const swap16 = (v: number) => ((v & 0xff) << 8) | (v >> 8);
  const select = (key: number) => bus.write(BASE + R.FW_CFG_SELECTOR, 2, swap16(key));
  const readBytes = (n: number) => Uint8Array.from({ length: n }, () => bus.read(BASE + R.FW_CFG_DATA, 1));
  /** A DMA access as a little-endian guest makes it: descriptor at `at`, address register written as 8 bytes. */
  const dma = (at: number, control: number, length: number, address: number, halves = false) => {
    const v = new DataView(ram.buffer as ArrayBuffer, at - RAM, 16);
    v.setUint32(0, control, false);
    v.setUint32(4, length, false);
    v.setBigUint64(8, BigInt(address), false);
    const be = new DataView(new ArrayBuffer(8));
    be.setBigUint64(0, BigInt(at), false);
    if (halves) {
      bus.write(BASE + R.FW_CFG_DMA, 4, be.getUint32(0, true));
      bus.write(BASE + R.FW_CFG_DMA + 4, 4, be.getUint32(4, true));
    } else bus.write64(BASE + R.FW_CFG_DMA, be.getBigUint64(0, true));
    return v.getUint32(0, false);
  };
  return { bus, ram, fw, select, readBytes, dma };
}

const text = (b: Uint8Array) => new TextDecoder().decode(b);

describe("fw_cfg registers (QEMU fw_cfg spec, MMIO interface)", () => {
  it("selects with a big-endian key and streams the item through the data register", () => {
    const m = machine();
    m.select(R.FW_CFG_SIGNATURE);
    expect(text(m.readBytes(4))).toBe("QEMU");
    m.select(R.FW_CFG_SIGNATURE);
    expect(m.bus.read(BASE, 4)).toBe(0x554d4551); // "QEMU" in memory order, loaded little-endian
    expect(m.bus.read(BASE, 1)).toBe(0); // past the end: 0
  });

  it("announces DMA in the ID item and signs the DMA register 'QEMU CFG'", () => {
    const m = machine();
    m.select(R.FW_CFG_ID);
    expect(m.bus.read(BASE, 4)).toBe(3);
    const sig = m.bus.read64(BASE + R.FW_CFG_DMA);
    const b = new Uint8Array(8);
    new DataView(b.buffer).setBigUint64(0, sig, true);
    expect(text(b)).toBe("QEMU CFG");
    const off = machine({ dmaEnabled: false });
    off.select(R.FW_CFG_ID);
    expect(off.bus.read(BASE, 4)).toBe(1);
  });

  it("has the standard items: RAM size, CPUs, UUID, no NUMA, boot menu", () => {
    const m = machine({ uuid: "12345678-9abc-def0-1122-334455667788", bootMenu: true });
    m.select(R.FW_CFG_RAM_SIZE);
    expect(m.bus.read64(BASE)).toBe(1n << 30n);
    m.select(R.FW_CFG_NB_CPUS);
    expect(m.bus.read(BASE, 2)).toBe(2);
    m.select(R.FW_CFG_UUID);
    expect([...m.readBytes(4)]).toEqual([0x12, 0x34, 0x56, 0x78]);
    m.select(R.FW_CFG_NUMA);
    expect(m.bus.read64(BASE)).toBe(0n);
    m.select(R.FW_CFG_BOOT_MENU);
    expect(m.bus.read(BASE, 2)).toBe(1);
  });

  it("lists files sorted by name with big-endian sizes and keys", () => {
    const m = machine();
    const kb = m.fw.addFile("zeta", new Uint8Array(3));
    const ka = m.fw.addFile("etc/alpha", new Uint8Array(70000));
    m.select(R.FW_CFG_FILE_DIR);
    const dir = m.readBytes(4 + 2 * 64);
    const v = new DataView(dir.buffer);
    expect(v.getUint32(0, false)).toBe(2);
    expect(v.getUint32(4, false)).toBe(70000);
    expect(v.getUint16(8, false)).toBe(ka);
    expect(text(dir.subarray(12, 21))).toBe("etc/alpha");
    expect(dir[21]).toBe(0);
    expect(v.getUint16(68 + 4, false)).toBe(kb);
    expect(ka).toBeGreaterThanOrEqual(R.FW_CFG_FILE_FIRST);
    expect(() => m.fw.addFile("x".repeat(56), new Uint8Array(1))).toThrow(/1\.\.55 bytes/);
  });

  it("carries the kernel, initrd and NUL-terminated command line", () => {
    const m = machine();
    m.fw.setKernel({
      kernel: new Uint8Array([1, 2, 3]),
      initrd: new Uint8Array(5),
      cmdline: "console=ttyAMA0",
    });
    m.select(R.FW_CFG_KERNEL_SIZE);
    expect(m.bus.read(BASE, 4)).toBe(3);
    m.select(R.FW_CFG_KERNEL_DATA);
    expect([...m.readBytes(3)]).toEqual([1, 2, 3]);
    m.select(R.FW_CFG_INITRD_SIZE);
    expect(m.bus.read(BASE, 4)).toBe(5);
    m.select(R.FW_CFG_CMDLINE_SIZE);
    expect(m.bus.read(BASE, 4)).toBe(16);
    m.select(R.FW_CFG_CMDLINE_DATA);
    expect(text(m.readBytes(16))).toBe("console=ttyAMA0\0");
  });
});

describe("fw_cfg DMA", () => {
  it("select + read copies the item and clears the control word", () => {
    const m = machine();
    const key = m.fw.addFile("etc/x", new TextEncoder().encode("hello world"));
    const st = m.dma(
      RAM + 0x100,
      (key << 16) | R.FW_CFG_DMA_CTL_SELECT | R.FW_CFG_DMA_CTL_READ,
      5,
      RAM + 0x1000,
    );
    expect(st).toBe(0);
    expect(text(m.ram.u8.subarray(0x1000, 0x1005))).toBe("hello");
    // continues from the offset; skip; the address written as two 32-bit halves (Linux's way)
    expect(m.dma(RAM + 0x100, R.FW_CFG_DMA_CTL_SKIP, 1, 0)).toBe(0);
    expect(m.dma(RAM + 0x100, R.FW_CFG_DMA_CTL_READ, 5, RAM + 0x2000, true)).toBe(0);
    expect(text(m.ram.u8.subarray(0x2000, 0x2005))).toBe("world");
  });

  it("reads past the end as zeros and reports unmapped memory as an error", () => {
    const m = machine();
    const key = m.fw.addFile("etc/x", new Uint8Array([9, 9]));
    m.ram.u8.fill(0xee, 0x1000, 0x1010);
    const sel = (key << 16) | R.FW_CFG_DMA_CTL_SELECT | R.FW_CFG_DMA_CTL_READ;
    expect(m.dma(RAM + 0x100, sel, 8, RAM + 0x1000)).toBe(0);
    expect([...m.ram.u8.subarray(0x1000, 0x1009)]).toEqual([9, 9, 0, 0, 0, 0, 0, 0, 0xee]);
    expect(m.dma(RAM + 0x100, sel, 8, 0x1000)).toBe(R.FW_CFG_DMA_CTL_ERROR);
  });

  it("writes only writable files, within their size, and tells the owner", () => {
    const m = machine();
    const seen: number[][] = [];
    const key = m.fw.addFile("etc/w", new Uint8Array(4), {
      writable: true,
      onWrite: (d) => seen.push([...d]),
    });
    const ro = m.fw.addFile("etc/ro", new Uint8Array(4));
    m.ram.u8.set([1, 2, 3, 4, 5], 0x1000);
    const wr = (k: number) => (k << 16) | R.FW_CFG_DMA_CTL_SELECT | R.FW_CFG_DMA_CTL_WRITE;
    expect(m.dma(RAM + 0x100, wr(key), 4, RAM + 0x1000)).toBe(0);
    expect(seen).toEqual([[1, 2, 3, 4]]);
    expect(m.dma(RAM + 0x100, wr(key), 5, RAM + 0x1000)).toBe(R.FW_CFG_DMA_CTL_ERROR);
    expect(m.dma(RAM + 0x100, wr(ro), 1, RAM + 0x1000)).toBe(R.FW_CFG_DMA_CTL_ERROR);
    expect([...m.fw.file("etc/ro")!]).toEqual([0, 0, 0, 0]);
  });
});

describe("fw_cfg description", () => {
  it("matches QEMU virt's node: reg <0 0x9020000 0 0x18>, qemu,fw-cfg-mmio, dma-coherent", () => {
    const root = new FdtNode("").setU32("#address-cells", 2).setU32("#size-cells", 2);
    const n = describeFwCfg(root, { base: BASE });
    expect(n.name).toBe("fw-cfg@9020000");
    expect([...n.property("reg")!.value]).toEqual([0, 0, 0, 0, 0x09, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x18]);
    expect(text(n.property("compatible")!.value)).toBe("qemu,fw-cfg-mmio\0");
    expect(n.property("dma-coherent")?.value.length).toBe(0);
  });
});

/** What a firmware does with the loader script: an independent reading of the command format. */
function runLoader(files: Record<string, Uint8Array>, script: Uint8Array) {
  const mem = new Map<string, { addr: number; bytes: Uint8Array }>();
  let next = 0x7000_0000;
  const dv = new DataView(script.buffer, script.byteOffset, script.byteLength);
  const name = (at: number) => text(script.subarray(at, script.indexOf(0, at)));
  for (let e = 0; e < script.length; e += 128) {
    const cmd = dv.getUint32(e, true);
    if (cmd === 1) {
      const f = name(e + 4);
      const align = dv.getUint32(e + 60, true);
      next = Math.ceil(next / align) * align;
      mem.set(f, { addr: next, bytes: files[f]!.slice() });
      next += files[f]!.length;
    } else if (cmd === 2) {
      const dst = mem.get(name(e + 4))!;
      const src = mem.get(name(e + 60))!;
      const off = dv.getUint32(e + 116, true);
      expect(script[e + 120]).toBe(8);
      const v = new DataView(dst.bytes.buffer);
      v.setBigUint64(off, v.getBigUint64(off, true) + BigInt(src.addr), true);
    } else if (cmd === 3) {
      const f = mem.get(name(e + 4))!;
      const [off, start, len] = [0, 4, 8].map((k) => dv.getUint32(e + 60 + k, true));
      let sum = 0;
      for (let i = start!; i < start! + len!; i++) sum += f.bytes[i]!;
      f.bytes[off!] = (256 - (sum & 0xff)) & 0xff;
    } else throw new Error(`unexpected command ${cmd}`);
  }
  return mem;
}

describe("ACPI through the table loader", () => {
  it("links RSDP -> XSDT -> tables and FADT -> DSDT with valid checksums after loading", () => {
    const set = {
      fadt: buildFadt(),
      dsdt: buildDsdt([]),
      tables: [
        buildGtdt({
          secureEl1: { gsiv: 29 },
          nonSecureEl1: { gsiv: 30 },
          virtualEl1: { gsiv: 27 },
          nonSecureEl2: { gsiv: 26 },
        }),
        buildMcfg([{ base: 0x3f00_0000, segment: 0, startBus: 0, endBus: 15 }]),
      ],
    };
    const f = acpiLoaderFiles(set);
    const mem = runLoader({ "etc/acpi/tables": f.tables, "etc/acpi/rsdp": f.rsdp }, f.loader);
    const rsdp = mem.get("etc/acpi/rsdp")!;
    const tables = mem.get("etc/acpi/tables")!;
    const sum = (b: Uint8Array) => b.reduce((a, x) => (a + x) & 0xff, 0);
    expect(text(rsdp.bytes.subarray(0, 8))).toBe("RSD PTR ");
    expect(sum(rsdp.bytes.subarray(0, 20))).toBe(0);
    expect(sum(rsdp.bytes.subarray(0, 36))).toBe(0);
    const at = (addr: bigint) => {
      const off = Number(addr) - tables.addr;
      const len = new DataView(tables.bytes.buffer).getUint32(off + 4, true);
      const t = tables.bytes.subarray(off, off + len);
      expect(sum(t)).toBe(0);
      return t;
    };
    const xsdt = at(new DataView(rsdp.bytes.buffer).getBigUint64(24, true));
    expect(text(xsdt.subarray(0, 4))).toBe("XSDT");
    const xv = new DataView(xsdt.buffer, xsdt.byteOffset, xsdt.byteLength);
    const sigs = [0, 1, 2].map((i) => text(at(xv.getBigUint64(36 + 8 * i, true)).subarray(0, 4)));
    expect(sigs).toEqual(["FACP", "GTDT", "MCFG"]);
    const fadt = at(xv.getBigUint64(36, true));
    const dsdt = at(new DataView(fadt.buffer, fadt.byteOffset).getBigUint64(140, true));
    expect(text(dsdt.subarray(0, 4))).toBe("DSDT");
  });

  it("hands SMBIOS over as a 3.0 anchor and the structure table", () => {
    const s = new SmbiosBuilder();
    s.addSystem({ manufacturer: "Armature", productName: "virt" });
    const f = smbiosFiles(s);
    expect(text(f.anchor.subarray(0, 5))).toBe("_SM3_");
    expect(f.tables[0]).toBe(1);
    expect(f.tables[f.tables.length - 6]).toBe(127);
  });
});
