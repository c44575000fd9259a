import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { sum8 } from "./bytes.js";
import { SmbiosBuilder, sampleSmbios } from "./index.js";
import { dmidecodeDump } from "./test/tools.js";

const RUNS = Number(process.env.FC_NUM_RUNS ?? 25);
const DMI_PROBLEM = /invalid|wrong|corrupt|truncated|bad index|checksum|out of spec|unreachable|<unknown>/i;

interface Block {
  handle: number;
  type: number;
  length: number;
  title: string;
  fields: Map<string, string>;
}

function parseDmidecode(text: string): Block[] {
  const blocks: Block[] = [];
  for (const chunk of text.split(/\n(?=Handle 0x)/)) {
    const m = /^Handle 0x([0-9A-F]{4}), DMI type (\d+), (\d+) bytes\n(.*)\n/.exec(chunk);
    if (!m) continue;
    const fields = new Map<string, string>();
    for (const line of chunk.split("\n")) {
      const f = /^\t([^\t:][^:]*): (.*)$/.exec(line);
      if (f) fields.set(f[1]!, f[2]!);
    }
    blocks.push({
      handle: Number.parseInt(m[1]!, 16),
      type: Number(m[2]),
      length: Number(m[3]),
      title: m[4]!,
      fields,
    });
  }
  return blocks;
}

const text = fc
  .string({
    unit: fc.constantFrom(..."ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789 .-_/()#+"),
    minLength: 1,
    maxLength: 24,
  })
  .map((s) => s.trim())
  .filter((s) => s.length > 0 && s !== "Not Specified");
const uuid = fc
  .uuid()
  .filter((u) => !/^0{8}-0{4}-0{4}-0{4}-0{12}$/i.test(u) && !/^f{8}-f{4}-f{4}-f{4}-f{12}$/i.test(u));

describe("SMBIOS 3.0 decoded by dmidecode --from-dump", () => {
  it("entry point: anchor, checksum, length, version, table size and address", () => {
    const { entryPoint, table } = sampleSmbios().build(0x1234_5678_9a00n);
    expect(String.fromCharCode(...entryPoint.subarray(0, 5))).toBe("_SM3_");
    expect(entryPoint.length).toBe(0x18);
    expect(sum8(entryPoint)).toBe(0);
    expect([entryPoint[6], entryPoint[7], entryPoint[8], entryPoint[10]]).toEqual([0x18, 3, 0, 1]);
    const dv = new DataView(entryPoint.buffer, entryPoint.byteOffset);
    expect(dv.getUint32(12, true)).toBe(table.length);
    expect(dv.getBigUint64(16, true)).toBe(0x1234_5678_9a00n);
  });

  it("the sample machine decodes cleanly with every string", () => {
    const r = dmidecodeDump(sampleSmbios().buildDump());
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toBe("");
    expect(r.stdout).toContain("SMBIOS 3.0.0 present.");
    expect(r.stdout).not.toMatch(DMI_PROBLEM);
    const blocks = parseDmidecode(r.stdout);
    expect(blocks.map((b) => b.type)).toEqual([0, 1, 3, 2, 4, 16, 17, 19, 32, 127]);
    expect(blocks.map((b) => b.length)).toEqual([24, 27, 22, 15, 48, 23, 40, 31, 11, 4]);
    const by = (t: number) => blocks.find((b) => b.type === t)!.fields;
    expect(by(1).get("UUID")).toBe("5b8a1a4e-3c2d-4f1e-9a7b-0c1d2e3f4a5b");
    expect(by(4).get("Family")).toBe("ARMv8");
    expect(by(4).get("Core Count")).toBe("2");
    expect(by(16).get("Maximum Capacity")).toBe("1 GB");
    expect(by(17).get("Size")).toBe("1 GB");
    expect(by(17).get("Array Handle")).toBe("0x0005");
    expect(by(19).get("Starting Address")).toBe("0x00040000000");
    expect(by(19).get("Ending Address")).toBe("0x0007FFFFFFF");
    expect(by(32).get("Status")).toBe("No errors detected");
  });

  it("random builder inputs decode without warnings and read back", () => {
    fc.assert(
      fc.property(
        fc.record({
          vendor: text,
          version: text,
          date: text,
          manufacturer: text,
          product: text,
          serial: text,
          sku: text,
          family: text,
          uuid,
          socket: text,
          cores: fc.integer({ min: 1, max: 512 }),
          speed: fc.integer({ min: 1, max: 5000 }),
          // sizes in MiB: small ones use the 16-bit field, large ones the extended field
          memMiB: fc.oneof(fc.integer({ min: 1, max: 0x7ffe }), fc.integer({ min: 0x7fff, max: 1 << 22 })),
          baseMiB: fc.integer({ min: 0, max: 1 << 24 }),
          locator: text,
          chassisType: fc.integer({ min: 1, max: 0x24 }),
        }),
        (v) => {
          const s = new SmbiosBuilder();
          s.addBios({ vendor: v.vendor, version: v.version, releaseDate: v.date });
          s.addSystem({
            manufacturer: v.manufacturer,
            productName: v.product,
            serialNumber: v.serial,
            uuid: v.uuid,
            skuNumber: v.sku,
            family: v.family,
          });
          const chassis = s.addChassis({
            manufacturer: v.manufacturer,
            type: v.chassisType,
            serialNumber: v.serial,
          });
          s.addBaseboard({ manufacturer: v.manufacturer, product: v.product, chassis, assetTag: v.sku });
          s.addProcessor({
            socket: v.socket,
            manufacturer: v.manufacturer,
            coreCount: v.cores,
            maxSpeedMHz: v.speed,
            currentSpeedMHz: v.speed,
          });
          const size = BigInt(v.memMiB) << 20n;
          const array = s.addMemoryArray({ maxCapacity: size, devices: 1 });
          s.addMemoryDevice({ array, size, locator: v.locator, partNumber: v.product });
          const start = BigInt(v.baseMiB) << 20n;
          s.addMappedAddress({ array, start, length: size });
          s.addSystemBoot();
          const r = dmidecodeDump(s.buildDump());
          expect(r.stderr).toBe("");
          expect(r.status).toBe(0);
          expect(r.stdout).not.toMatch(DMI_PROBLEM);
          const blocks = parseDmidecode(r.stdout);
          expect(blocks.map((b) => b.type)).toEqual([0, 1, 3, 2, 4, 16, 17, 19, 32, 127]);
          const f = (t: number) => blocks.find((b) => b.type === t)!.fields;
          expect([f(0).get("Vendor"), f(0).get("Version"), f(0).get("Release Date")]).toEqual([
            v.vendor,
            v.version,
            v.date,
          ]);
          expect([f(1).get("Manufacturer"), f(1).get("Product Name"), f(1).get("Serial Number")]).toEqual([
            v.manufacturer,
            v.product,
            v.serial,
          ]);
          expect([f(1).get("SKU Number"), f(1).get("Family"), f(1).get("UUID")]).toEqual([
            v.sku,
            v.family,
            v.uuid.toLowerCase(),
          ]);
          expect([f(3).get("Manufacturer"), f(3).get("Serial Number"), f(2).get("Asset Tag")]).toEqual([
            v.manufacturer,
            v.serial,
            v.sku,
          ]);
          expect(f(2).get("Chassis Handle")).toBe(`0x${chassis.toString(16).padStart(4, "0").toUpperCase()}`);
          expect([f(4).get("Socket Designation"), f(4).get("Core Count"), f(4).get("Max Speed")]).toEqual([
            v.socket,
            String(v.cores),
            `${v.speed} MHz`,
          ]);
          expect([f(17).get("Locator"), f(17).get("Part Number")]).toEqual([v.locator, v.product]);
          // sizes and addresses, checked against a naive formatter of dmidecode's units
          const unit = (mib: bigint): string => {
            for (const [u, sh] of [
              ["TB", 20n],
              ["GB", 10n],
            ] as const)
              if (mib % (1n << sh) === 0n) return `${mib >> sh} ${u}`;
            return `${mib} MB`;
          };
          expect(f(17).get("Size")).toBe(unit(BigInt(v.memMiB)));
          const end = start + size - 1n;
          // KiB fields print as 11 hex digits of bytes; the extended (byte) fields are printed by
          // dmidecode 3.4 as 16 hex digits with a stray "k" suffix, although they hold bytes (DSP0134 7.20).
          const extended = end >> 10n >= 0xffff_ffffn;
          const addr = (a: bigint) =>
            extended
              ? `0x${a.toString(16).toUpperCase().padStart(16, "0")}k`
              : `0x${a.toString(16).toUpperCase().padStart(11, "0")}`;
          expect([f(19).get("Starting Address"), f(19).get("Ending Address")]).toEqual([
            addr(start),
            addr(end),
          ]);
        },
      ),
      { numRuns: RUNS },
    );
  });

  it("rejects bad host input with a typed error", () => {
    const s = new SmbiosBuilder();
    expect(() => s.addBios({ vendor: "caf\u00e9", version: "1", releaseDate: "x" })).toThrow(/ASCII/);
    expect(() => s.addSystem({ manufacturer: "a", productName: "b", uuid: "nope" })).toThrow(/UUID/);
    expect(() => s.addMemoryDevice({ array: 0, size: 1000, locator: "x" })).toThrow(/MiB/);
  });
});
