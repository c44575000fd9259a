import { describe, expect, it } from "vitest";
import { sum8 } from "./bytes.js";
import { buildRsdp, layoutAcpi, sampleTableSet } from "./index.js";
import { IASL_PROBLEM, iaslCompile, iaslDisassemble, parseDataTable } from "./test/tools.js";

const BASE = 0x7c00_0000n;

describe("layout: tables placed at a guest-physical base with pointers fixed up", () => {
  const set = sampleTableSet();
  const img = layoutAcpi(set, BASE);
  const at = (addr: bigint, len: number) =>
    img.bytes.subarray(Number(addr - BASE), Number(addr - BASE) + len);
  const u32 = (b: Uint8Array, o: number) => new DataView(b.buffer, b.byteOffset).getUint32(o, true);
  const u64 = (b: Uint8Array, o: number) => new DataView(b.buffer, b.byteOffset).getBigUint64(o, true);
  const tableAt = (addr: bigint) => at(addr, u32(at(addr, 8), 4));
  const sig = (b: Uint8Array) => String.fromCharCode(...b.subarray(0, 4));

  it("RSDP -> XSDT -> every table, FADT -> DSDT; all checksums valid", () => {
    expect(img.rsdpAddress).toBe(BASE);
    const rsdp = at(BASE, 36);
    expect(String.fromCharCode(...rsdp.subarray(0, 8))).toBe("RSD PTR ");
    expect(sum8(rsdp, 0, 20)).toBe(0);
    expect(sum8(rsdp, 0, 36)).toBe(0);
    expect(rsdp[15]).toBe(2);
    const xsdtAddr = u64(rsdp, 24);
    expect(xsdtAddr).toBe(img.xsdtAddress);
    const xsdt = tableAt(xsdtAddr);
    expect(sig(xsdt)).toBe("XSDT");
    expect(sum8(xsdt)).toBe(0);
    const entries = Array.from({ length: (xsdt.length - 36) / 8 }, (_, i) => u64(xsdt, 36 + 8 * i));
    const sigs = entries.map((a) => {
      const t = tableAt(a);
      expect(sum8(t), sig(t)).toBe(0);
      expect(a % 8n).toBe(0n);
      return sig(t);
    });
    expect(sigs).toEqual(["FACP", "APIC", "GTDT", "SPCR", "DBG2", "MCFG", "IORT", "PPTT", "SRAT", "SSDT"]);
    const fadt = tableAt(entries[0]!);
    const dsdtAddr = u64(fadt, 140);
    expect(sig(tableAt(dsdtAddr))).toBe("DSDT");
    expect(Array.from(tableAt(dsdtAddr).subarray(36))).toEqual(Array.from(set.dsdt.bytes.subarray(36)));
    // placed tables do not overlap and lie inside the image
    const spans = img.placed
      .map((p) => [Number(p.address - BASE), Number(p.address - BASE) + p.length] as const)
      .sort((a, b) => a[0] - b[0]);
    for (let i = 1; i < spans.length; i++) expect(spans[i]![0]).toBeGreaterThanOrEqual(spans[i - 1]![1]);
    expect(spans.at(-1)![1]).toBeLessThanOrEqual(img.bytes.length);
  });

  it("iasl decodes the placed XSDT and FADT with the fixed-up addresses", () => {
    const files = new Map<string, Uint8Array>();
    for (const p of img.placed) files.set(p.signature, at(p.address, p.length));
    const dis = iaslDisassemble(files);
    expect(dis.log).not.toMatch(IASL_PROBLEM);
    for (const [name] of files) expect(dis.dsl.get(name) ?? "missing", name).not.toMatch(IASL_PROBLEM);
    const xsdtAddrs = parseDataTable(dis.dsl.get("XSDT")!).filter((f) =>
      f.name.startsWith("ACPI Table Address"),
    );
    const expected = img.placed
      .filter((p) => p.signature !== "XSDT" && p.signature !== "DSDT")
      .map((p) => p.address);
    expect(xsdtAddrs.map((f) => BigInt(`0x${f.value}`))).toEqual(expected);
    const dsdt = img.placed.find((p) => p.signature === "DSDT")!;
    const fadtFields = parseDataTable(dis.dsl.get("FACP")!).filter((f) => f.name === "DSDT Address");
    expect(fadtFields.map((f) => BigInt(`0x${f.value}`))).toEqual([0n, dsdt.address]);
  });

  it("RSDP bytes equal what iasl's data-table compiler builds from the same fields", () => {
    const rsdp = buildRsdp(0x1_2345_6780n, "ABCDEF");
    const asl = [
      '[0008]                          Signature : "RSD PTR "',
      "[0001]                           Checksum : 00",
      '[0006]                             Oem ID : "ABCDEF"',
      "[0001]                           Revision : 02",
      "[0004]                       RSDT Address : 00000000",
      "[0004]                             Length : 00000024",
      "[0008]                       XSDT Address : 0000000123456780",
      "[0001]                  Extended Checksum : 00",
      "[0003]                           Reserved : 000000",
      "",
    ].join("\n");
    const r = iaslCompile(new Map([["rsdp", asl]]));
    expect(r.log).toMatch(/Compilation successful\. 0 Errors/);
    expect(Array.from(r.aml.get("rsdp")!)).toEqual(Array.from(rsdp));
  });

  it("rejects a misaligned base", () => {
    expect(() => layoutAcpi(set, 0x1008)).toThrow(/16-byte aligned/);
  });
});
