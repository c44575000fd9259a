/**
 * The AHCI descriptions checked by independent tools: the DT node through dtc, the ACPI device
 * through iasl's disassembler.
 */
import { execFileSync } from "node:child_process";
import { buildSsdt } from "@armature/acpi";
import { iaslDisassemble } from "@armature/acpi/test";
import { FdtNode, serializeDtb } from "@armature/fdt";
import { describe, expect, it } from "vitest";
import { describeAhciAcpi } from "./acpi.js";
import { describeAhciDt } from "./describe.js";
import { opticalImageKind } from "./media.js";
import { TestBlockBackend } from "./test/backend.js";
import { buildIso9660 } from "./test/iso.js";

function need(tool: string): void {
  try {
    execFileSync("which", [tool], { stdio: "pipe" });
  } catch {
    throw new Error(`${tool} is missing: run \`bash scripts/install-system-tools.sh\``);
  }
}

describe("device tree (dtc)", () => {
  it("a generic-ahci node with reg, level interrupt and dma-coherent", () => {
    need("dtc");
    const root = new FdtNode("");
    root.setU32("#address-cells", 2);
    root.setU32("#size-cells", 2);
    describeAhciDt(root, { base: 0x0214_0000, interrupts: [0, 2, 4] });
    const dts = execFileSync("dtc", ["-I", "dtb", "-O", "dts", "-"], {
      input: serializeDtb(root),
      encoding: "utf8",
    });
    expect(dts).toContain("sata@2140000 {");
    expect(dts).toContain('compatible = "generic-ahci";');
    expect(dts).toContain("reg = <0x00 0x2140000 0x00 0x2000>;");
    expect(dts).toContain("interrupts = <0x00 0x02 0x04>;");
    expect(dts).toContain("dma-coherent;");
  });
});

/** The device in an SSDT as iasl disassembles it, comments dropped and white space folded. */
function ssdtText(device: Parameters<typeof buildSsdt>[0][number]): string {
  const dsl = iaslDisassemble(new Map([["ssdt", buildSsdt([device]).bytes]])).dsl.get("ssdt");
  if (dsl === undefined) throw new Error("iasl -d wrote no ssdt.dsl");
  return dsl.replace(/\/\/[^\n]*/g, "").replace(/\s+/g, " ");
}

describe("ACPI device (iasl)", () => {
  it("PRL4010 with _CLS 01/06/01, _CCA 1, Memory32Fixed and a level Interrupt", () => {
    const dsl = ssdtText(describeAhciAcpi({ base: 0x0214_0000, gsi: 34 }));
    expect(dsl).toContain("Device (SATA)");
    expect(dsl).toContain('Name (_HID, "PRL4010")');
    expect(dsl).toMatch(/Name \(_CLS, Package \(0x03\) \{ One, 0x06, One \}\)/);
    expect(dsl).toContain("Name (_CCA, One)");
    expect(dsl).toContain("Memory32Fixed (ReadWrite, 0x02140000, 0x00002000, )");
    expect(dsl).toMatch(
      /Interrupt \(ResourceConsumer, Level, ActiveHigh, Exclusive, ,, \) \{ 0x00000022, \}/,
    );
  });

  it("_HID is configurable and a _CID can be added", () => {
    const dsl = ssdtText(
      describeAhciAcpi({ base: 0x1000_0000, gsi: 40, hid: "ARMA0001", cid: "PNP0600", uid: 3 }),
    );
    expect(dsl).toContain('Name (_HID, "ARMA0001")');
    expect(dsl).toContain('Name (_CID, "PNP0600")');
    expect(dsl).toContain("Name (_UID, 0x03)");
  });
});

describe("optical image detection", () => {
  it("an ISO 9660 image is recognised; a disk image or zeros are not", () => {
    const iso = new TestBlockBackend(buildIso9660([{ name: "X.TXT", data: new Uint8Array(3) }]));
    expect(opticalImageKind(iso)).toBe("iso9660");
    expect(opticalImageKind(new TestBlockBackend(1 << 20))).toBeUndefined();
    expect(opticalImageKind(new TestBlockBackend(2048))).toBeUndefined();
  });

  it("a UDF volume recognition sequence is recognised", () => {
    const img = new Uint8Array(40 * 2048);
    const put = (s: number, id: string) => {
      img[s * 2048] = 0;
      for (let i = 0; i < 5; i++) img[s * 2048 + 1 + i] = id.charCodeAt(i);
    };
    put(16, "BEA01");
    put(17, "NSR02");
    put(18, "TEA01");
    expect(opticalImageKind(new TestBlockBackend(img))).toBe("udf");
  });

  it("the test ISO builder's output is what file(1) calls ISO 9660", () => {
    let has = true;
    try {
      execFileSync("which", ["file"], { stdio: "pipe" });
    } catch {
      has = false;
    }
    if (!has) return;
    const iso = buildIso9660([{ name: "A.TXT", data: new Uint8Array(5) }], "VOLX");
    expect(execFileSync("file", ["-"], { input: iso, encoding: "utf8" })).toMatch(
      /ISO 9660 CD-ROM filesystem data '?VOLX/,
    );
  });
});
