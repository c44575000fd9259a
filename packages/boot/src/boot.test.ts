import { execFileSync, spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { gzipSync } from "node:zlib";
import { Bus, ConfigError, RamRegion } from "@armature/core";
import { FdtNode, parseDtb } from "@armature/fdt";
import { beforeAll, describe, expect, it } from "vitest";
import { parseImageHeader, readKernel } from "./image.js";
import { loadLinux, planLinuxBoot } from "./loader.js";
import { ensureGuest, GUEST } from "./test/guest.js";

const MiB = 1024 * 1024;
/** Debian's kernel Image, fetched by the project's guest script when the cache is empty. */
function debianImage(): Uint8Array {
  ensureGuest();
  return new Uint8Array(readFileSync(resolve(GUEST, "Image")));
}

/** A minimal Image written independently from booting.rst's header table. */
function syntheticImage(o: {
  textOffset?: bigint;
  imageSize?: bigint;
  flags?: bigint;
  body?: number;
}): Uint8Array {
  const b = new Uint8Array(o.body ?? 4096);
  const v = new DataView(b.buffer);
  v.setUint32(0, 0x14000010, true); // b +0x40 (code0)
  v.setBigUint64(8, o.textOffset ?? 0n, true);
  v.setBigUint64(16, o.imageSize ?? 0x10000n, true);
  v.setBigUint64(24, o.flags ?? 0xan, true);
  b.set([0x41, 0x52, 0x4d, 0x64], 0x38); // "ARM\x64"
  return b;
}

function board(): FdtNode {
  const root = new FdtNode("").setU32("#address-cells", 2).setU32("#size-cells", 2);
  root.setString("compatible", "linux,dummy-virt");
  root.addChild("pl011@9000000").setString("compatible", "arm,pl011");
  return root;
}

function dtcDts(blob: Uint8Array): string {
  const r = spawnSync("dtc", ["-q", "-I", "dtb", "-O", "dts", "-"], { input: blob });
  if (r.error) throw new Error("dtc is missing: run `bash scripts/install-system-tools.sh`");
  if (r.status !== 0) throw new Error(`dtc rejects the DTB: ${r.stderr}`);
  return r.stdout.toString();
}

describe("Debian's arm64 kernel Image (fetched by scripts/fetch-guest.sh)", () => {
  let image: Uint8Array;
  beforeAll(() => {
    image = debianImage();
  }, 20 * 60_000);

  it("refuses the Image cut short (its PE/COFF sections end past the file)", () => {
    expect(() => readKernel(image.subarray(0, image.length - 4096))).toThrow(/truncated/);
    expect(() => readKernel(gzipSync(image.subarray(0, 1 << 20)))).toThrow(/truncated/);
    // Only the first bytes given, with the file's size: the size decides.
    const head = image.subarray(0, 64 * 1024);
    expect(() => readKernel(head, image.length - 4096)).toThrow(/truncated/);
    const k = readKernel(head, image.length);
    expect(k).toMatchObject({ kind: "image", footprint: readKernel(image).footprint });
    expect(k.header).toEqual(readKernel(image).header);
    expect(() => readKernel(gzipSync(image.subarray(0, 1 << 20)).subarray(0, 100), 1 << 20)).toThrow(
      RangeError,
    );
  });

  it("has the header facts of Debian 6.1 cloud kernels", () => {
    // Independent reading of the spec's layout, bytes first.
    expect(String.fromCharCode(...image.subarray(0, 2))).toBe("MZ");
    expect(String.fromCharCode(...image.subarray(0x38, 0x3b))).toBe("ARM");
    expect(image[0x3b]).toBe(0x64);
    const k = readKernel(image);
    expect(k.kind).toBe("image");
    expect(k.gzip).toBe(false);
    expect(k.header).toEqual({
      textOffset: 0,
      imageSize: 0x1ab0000,
      flags: 0xa,
      bigEndian: false,
      pageSize: 4096,
      placeAnywhere: true,
      efiStub: true,
    });
  });

  it("loads into 256 MiB of RAM: kernel bytes, initrd and a DTB dtc accepts, with /chosen filled", () => {
    const ram = new RamRegion("ram", 0x40000000, 256 * MiB);
    const initrd = new Uint8Array(1134638).fill(0xa5);
    const plan = loadLinux({
      ram,
      kernel: image,
      initrd,
      fdt: board(),
      bootargs: "console=ttyAMA0",
      stdoutPath: "/pl011@9000000",
      kaslrSeed: 0x0123456789abcdefn,
      rngSeed: new Uint8Array(32).fill(7),
    });
    expect(plan.kernel.address).toBe(0x40000000);
    expect(plan.kernel.footprint).toBe(0x1ab0000);
    expect(Buffer.compare(ram.u8.subarray(0, image.length), image)).toBe(0);
    expect(plan.initrd).toEqual({ address: 0x48000000, size: initrd.length });
    expect(ram.u8[0x48000000 - ram.base]).toBe(0xa5);
    expect(plan.dtb.address).toBe(0x48200000);
    const dtb = ram.u8.slice(plan.dtb.address - ram.base, plan.dtb.address - ram.base + plan.dtb.size);
    const dts = dtcDts(dtb);
    expect(dts).toContain('bootargs = "console=ttyAMA0";');
    expect(dts).toContain('stdout-path = "/pl011@9000000";');
    expect(dts).toContain("linux,initrd-start = <0x00 0x48000000>;");
    expect(dts).toContain(`linux,initrd-end = <0x00 0x${(0x48000000 + initrd.length).toString(16)}>;`);
    expect(dts).toContain("kaslr-seed = <0x1234567 0x89abcdef>;");
    expect(plan.entry).toMatchObject({
      pc: 0x40000000,
      x: [0x48200000, 0, 0, 0],
      pstate: 0x3c5,
      el: 1,
      daif: 0xf,
      mmu: false,
    });
  });

  it("accepts the same Image gzip-compressed and places it identically", () => {
    const gz = gzipSync(image, { level: 1 });
    const k = readKernel(gz);
    expect(k.gzip).toBe(true);
    expect(Buffer.compare(k.data, image)).toBe(0);
    const plan = (kernel: Uint8Array) =>
      planLinuxBoot({
        ram: { name: "ram", base: 0x40000000, size: 512 * MiB },
        kernel,
        fdt: board(),
        kaslrSeed: false,
        rngSeed: false,
      });
    const a = plan(gz);
    const b = plan(image);
    expect(a.kernel.gzip).toBe(true);
    expect({ ...a.kernel, gzip: false }).toEqual(b.kernel);
    expect(a.dtb).toEqual(b.dtb);
  });

  it("puts the initrd where QEMU's virt board does (measured with -M virt,dumpdtb=…)", () => {
    // qemu-system-aarch64 7.2 -M virt -m N -kernel Image -initrd <1134638 bytes>: linux,initrd-start.
    const initrd = new Uint8Array(1134638);
    for (const [mem, start] of [
      [1024, 0x48000000],
      [200, 0x46400000],
      [64, 0x42000000],
    ] as const) {
      const p = planLinuxBoot({
        ram: { name: "ram", base: 0x40000000, size: mem * MiB },
        kernel: image,
        initrd,
        fdt: board(),
      });
      expect(p.initrd?.address).toBe(start);
      expect(p.dtb.address).toBe(Math.ceil((start + initrd.length) / (2 * MiB)) * 2 * MiB);
    }
  });
});

describe("Image header and placement rules", () => {
  it("reads flags: endianness, page size, placement", () => {
    expect(parseImageHeader(syntheticImage({ flags: 0b0110n }))).toMatchObject({
      pageSize: 65536,
      placeAnywhere: false,
      bigEndian: false,
    });
    expect(parseImageHeader(syntheticImage({ flags: 0b0100n }))?.pageSize).toBe(16384);
    expect(parseImageHeader(syntheticImage({ flags: 0n }))?.pageSize).toBe(0);
    expect(() => readKernel(syntheticImage({ flags: 1n }))).toThrow(/big-endian/);
  });

  it("honours text_offset from a 2 MiB-aligned base, even when RAM is not 2 MiB-aligned", () => {
    const p = planLinuxBoot({
      ram: { name: "ram", base: 0x40100000, size: 64 * MiB },
      kernel: syntheticImage({ textOffset: 0x80000n }),
      fdt: board(),
    });
    expect(p.kernel.address).toBe(0x40200000 + 0x80000);
    expect(p.entry.pc).toBe(0x40280000);
  });

  it("treats image_size 0 as a pre-3.17 kernel at text_offset 0x80000", () => {
    const k = readKernel(syntheticImage({ imageSize: 0n, textOffset: 0x12345n, body: 8192 }));
    expect(k.loadOffset).toBe(0x80000);
    expect(k.footprint).toBe(8192);
  });

  it("loads a raw binary at RAM base + 0x80000, entered at its first byte, initrd and DTB far above", () => {
    const ram = new RamRegion("ram", 0x70000000, 64 * MiB);
    const raw = new Uint8Array([0x00, 0x00, 0x80, 0xd2, 0x02, 0x00, 0x00, 0x14]);
    const plan = loadLinux({ ram, kernel: raw, initrd: new Uint8Array(100), fdt: board() });
    expect(plan.kernel.kind).toBe("raw");
    expect(plan.entry.pc).toBe(0x70080000);
    expect(Array.from(ram.u8.subarray(0x80000, 0x80008))).toEqual(Array.from(raw));
    expect(plan.initrd?.address).toBe(0x70000000 + 32 * MiB);
    expect(plan.dtb.address).toBe(0x70000000 + 34 * MiB);
    const chosen = parseDtb(plan.dtbBytes).root.child("chosen")!;
    expect(chosen.getU64("linux,initrd-start")).toBe(BigInt(0x70000000 + 32 * MiB));
    expect(chosen.getU64("kaslr-seed")).toBeTypeOf("bigint");
    expect(chosen.property("rng-seed")?.value.length).toBe(32);
  });

  it("writes the Image and zeros over the rest of its footprint (image_size), and nothing past it", () => {
    const image = syntheticImage({ imageSize: 0x3000n, body: 0x1800, textOffset: 0x80000n });
    image.fill(0x5c, 0x40); // past the header: bytes that are not zeros
    for (const viaBus of [false, true]) {
      const bus = new Bus();
      const ram = viaBus
        ? bus.addRam("ram", 0x40000000, 64 * MiB)
        : new RamRegion("ram", 0x40000000, 64 * MiB);
      ram.u8.fill(0xaa); // RAM that is not fresh (e.g. a reset)
      const plan = loadLinux({
        ...(viaBus ? { bus, ram: { name: "ram", base: 0x40000000, size: 64 * MiB } } : { ram }),
        kernel: image,
        fdt: board(),
      });
      const at = plan.kernel.address - 0x40000000;
      expect(plan.kernel.footprint).toBe(0x3000);
      expect(ram.u8.subarray(at, at + 0x1800)).toEqual(image);
      expect(ram.u8.subarray(at + 0x1800, at + 0x3000).every((b) => b === 0)).toBe(true);
      expect(ram.u8[at + 0x3000]).toBe(0xaa);
      expect(ram.u8[at - 1]).toBe(0xaa);
    }
  });

  it("writes through a Bus when given one", () => {
    const bus = new Bus();
    const ram = bus.addRam("ram", 0x80000000, 64 * MiB);
    const plan = loadLinux({
      bus,
      ram: { name: "ram", base: 0x80000000, size: 64 * MiB },
      kernel: syntheticImage({}),
      fdt: board(),
    });
    expect(bus.read(plan.kernel.address + 0x38, 4)).toBe(0x644d5241);
    expect(ram.view.getUint32(plan.dtb.address - ram.base, false)).toBe(0xd00dfeed);
  });

  it("takes a DTB file instead of a tree, keeping its reservations", () => {
    const blob = new Uint8Array(
      execFileSync("dtc", ["-q", "-I", "dts", "-O", "dtb", "-"], {
        input:
          '/dts-v1/;\n/memreserve/ 0x40000000 0x1000;\n/ { #address-cells = <2>; #size-cells = <2>; chosen { bootargs = "old"; }; };\n',
      }),
    );
    const p = planLinuxBoot({
      ram: { name: "ram", base: 0x40000000, size: 64 * MiB },
      kernel: syntheticImage({}),
      fdt: blob,
      bootargs: "new",
    });
    const back = parseDtb(p.dtbBytes);
    expect(back.reservations).toEqual([{ address: 0x40000000n, size: 0x1000n }]);
    expect(back.root.child("chosen")?.getString("bootargs")).toBe("new");
    expect(() =>
      planLinuxBoot({
        ram: { name: "ram", base: 0, size: 64 * MiB },
        kernel: syntheticImage({}),
        fdt: blob.subarray(0, 20),
      }),
    ).toThrow(ConfigError);
  });

  it("refuses what cannot work, saying what to change", () => {
    const ram = { name: "ram", base: 0x40000000, size: 16 * MiB };
    expect(() =>
      planLinuxBoot({ ram, kernel: syntheticImage({ imageSize: BigInt(32 * MiB) }), fdt: board() }),
    ).toThrow(/give the machine at least 32 MiB/);
    expect(() =>
      planLinuxBoot({ ram, kernel: syntheticImage({}), initrd: new Uint8Array(12 * MiB), fdt: board() }),
    ).toThrow(/initrd .* does not fit/);
    const big = board();
    big.setBytes("blob", new Uint8Array(2 * MiB));
    expect(() =>
      planLinuxBoot({ ram: { ...ram, size: 64 * MiB }, kernel: syntheticImage({}), fdt: big }),
    ).toThrow(/at most 2 MiB/);
    expect(() => readKernel(new Uint8Array([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00, 1, 2]))).toThrow(
      /xz-compressed/,
    );
    expect(() => readKernel(new Uint8Array([0x1f, 0x8b, 8, 0, 0, 0]))).toThrow(ConfigError);
    expect(() => readKernel(new Uint8Array(0))).toThrow(/empty/);
    expect(() => readKernel(syntheticImage({ imageSize: 16n }))).toThrow(/smaller than the file/);
    // An EFI-stub Image whose one section (raw data at 0x1000, 0x2000 bytes) ends past the file.
    const stub = syntheticImage({ body: 0x2000 });
    const v = new DataView(stub.buffer);
    stub.set([0x4d, 0x5a], 0); // "MZ"
    v.setUint32(0x3c, 0x40, true);
    v.setUint32(0x40, 0x4550, true); // "PE\0\0"
    v.setUint16(0x40 + 6, 1, true); // one section
    v.setUint16(0x40 + 20, 0, true); // no optional header
    v.setUint32(0x40 + 24 + 16, 0x2000, true);
    v.setUint32(0x40 + 24 + 20, 0x1000, true);
    expect(() => readKernel(stub)).toThrow(/truncated: its PE\/COFF sections end at 0x3000/);
    v.setUint32(0x40 + 24 + 16, 0x1000, true);
    expect(readKernel(stub).kind).toBe("image");
    expect(() =>
      planLinuxBoot({ ram, kernel: syntheticImage({}), fdt: board(), kernelBase: 0x40001000 }),
    ).toThrow(/2 MiB-aligned/);
  });
});
